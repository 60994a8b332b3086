#!/usr/bin/env python3
"""Neovim (Debian's `neovim`, headless, its built-in LSP client) against `looplint server`:
diagnostics on open with codes and positions, a finding gone after a buffer edit, a code
action applied to the buffer. Skipped with a message when nvim is not installed (./dev test
installs it). Usage: test_editor_nvim.py LOOPLINT"""
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
    nvim = shutil.which("nvim")
    if not nvim:
        print("nvim not installed: skipped (./dev test installs neovim)")
        finish()
        return
    ws = tempfile.mkdtemp(prefix="lsp_nvim_")
    os.makedirs(os.path.join(ws, "pkg"))
    open(os.path.join(ws, "pkg", "__init__.py"), "w").close()
    open(os.path.join(ws, "pkg", "helper.py"), "w").write(HELPER)
    main_py = os.path.join(ws, "pkg", "main.py")
    open(main_py, "w").write(MAIN)
    out = os.path.join(ws, "result.json")
    env = dict(os.environ, LOOPLINT_BIN=BIN, WS_ROOT=ws, WS_FILE=main_py, WS_OUT=out, LOOPLINT_DATA=ROOT,
               LOOPLINT_CACHE_DIR=os.path.join(ws, ".cache"), XDG_STATE_HOME=ws, XDG_DATA_HOME=ws, XDG_CONFIG_HOME=ws)
    script = os.path.join(ROOT, "tests", "editors", "nvim_lsp.lua")
    try:
        p = subprocess.run([nvim, "--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile " + script],
                           env=env, cwd=ws, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
        res = json.load(open(out)) if os.path.exists(out) else {}
        check("nvim ran the script", bool(res), p.stderr.decode(errors="replace")[-2000:])
        check("client attached", res.get("attached") is True, res)
        check("diagnostics on open", res.get("open") == [{"code": "LOOP101", "lnum": 6, "col": 4},
                                                         {"code": "LOOP110", "lnum": 7, "col": 4}], res.get("open"))
        check("edit: LOOP101 gone", res.get("edited") == [{"code": "LOOP110", "lnum": 6, "col": 4}], res.get("edited"))
        check("code actions offered", "Suppress LOOP110 with `# noqa: LOOP110`" in res.get("actions", []), res.get("actions"))
        check("code action applied", "    settle()  # noqa: LOOP110" in res.get("text", "").split("\n"), res.get("text"))
        check("finding suppressed", res.get("steps", {}).get("suppressed") is True, res)
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
