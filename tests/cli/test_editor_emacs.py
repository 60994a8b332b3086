#!/usr/bin/env python3
"""Emacs (Debian's `emacs-nox`) with eglot (`elpa-eglot`), in batch mode, against
`looplint server`: flymake diagnostics on open with codes and lines, a finding gone after a
buffer edit, a code action applied through eglot. Skipped with a message when emacs or eglot
is missing (./dev test installs both). Usage: test_editor_emacs.py LOOPLINT"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, ROOT, check, finish  # noqa: E402
from test_server import HELPER, MAIN  # noqa: E402


def main():
    emacs = shutil.which("emacs")
    eglot = sorted(glob.glob("/usr/share/emacs/site-lisp/elpa/eglot-*"))
    if not emacs or not eglot:
        print("emacs or eglot not installed: skipped (./dev test installs emacs-nox and elpa-eglot)")
        finish()
        return
    ws = tempfile.mkdtemp(prefix="lsp_emacs_")
    os.makedirs(os.path.join(ws, "pkg"))
    open(os.path.join(ws, "pkg", "__init__.py"), "w").close()
    open(os.path.join(ws, "pkg", "helper.py"), "w").write(HELPER)
    main_py = os.path.join(ws, "pkg", "main.py")
    open(main_py, "w").write(MAIN)
    subprocess.run(["git", "init", "-q", ws])  # eglot's project root
    out = os.path.join(ws, "result.json")
    env = dict(os.environ, LOOPLINT_BIN=BIN, WS_FILE=main_py, WS_OUT=out, LOOPLINT_DATA=ROOT, HOME=ws,
               LOOPLINT_CACHE_DIR=os.path.join(ws, ".cache"))
    script = os.path.join(ROOT, "tests", "editors", "eglot_lsp.el")
    loads = []
    for d in sorted(glob.glob("/usr/share/emacs/site-lisp/elpa/*")):
        loads += ["-L", d]
    try:
        p = subprocess.run([emacs, "-Q", "--batch", *loads, "-l", script], env=env, cwd=ws,
                           capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
        res = json.load(open(out)) if os.path.exists(out) else {}
        check("emacs ran the script", bool(res), p.stderr.decode(errors="replace")[:1500])
        check("eglot connected", res.get("connected") is True, res)
        lines = [(d["line"], d["code"]) for d in res.get("open", [])]
        check("diagnostics on open", res.get("open_ok") is True and lines == [(6, "LOOP101"), (7, "LOOP110")], res.get("open"))
        lines = [(d["line"], d["code"]) for d in res.get("edited", [])]
        check("edit: LOOP101 gone", res.get("edit_ok") is True and lines == [(6, "LOOP110")], res.get("edited"))
        check("code actions offered", "Suppress LOOP110 with `# noqa: LOOP110`" in res.get("actions", []), res.get("actions"))
        check("code action applied", "    settle()  # noqa: LOOP110" in res.get("text", "").split("\n"), res.get("text"))
        check("finding suppressed", res.get("suppressed") is True, res)
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
