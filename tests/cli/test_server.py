#!/usr/bin/env python3
"""`looplint server` driven through every message it handles, with a stdlib LSP client
(lsp_client.py): documents (open, incremental change, save, close), pushed and pulled
diagnostics with their fields, cross-file updates from a buffer and from disk, code actions,
hover, configuration, and the bad inputs that must not take the server down.
Usage: test_server.py LOOPLINT   (timeouts are hang guards only)"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, ROOT, check, finish  # noqa: E402
from lsp_client import Lsp, replace_range, uri_of  # noqa: E402

HELPER = "import time\n\n\ndef settle():\n    time.sleep(1)\n"
HELPER_OK = "def settle():\n    return None\n"
MAIN = ("import time\n\nfrom .helper import settle\n\n\nasync def tick():\n    time.sleep(1)\n    settle()\n")


def project():
    ws = tempfile.mkdtemp(prefix="lsp_test_")
    os.makedirs(os.path.join(ws, "pkg"))
    open(os.path.join(ws, "pkg", "__init__.py"), "w").close()
    open(os.path.join(ws, "pkg", "helper.py"), "w").write(HELPER)
    open(os.path.join(ws, "pkg", "main.py"), "w").write(MAIN)
    return ws


def server(ws, **kw):
    env = dict(os.environ, LOOPLINT_DATA=ROOT)
    return Lsp([BIN, "server"], cwd=ws, env=env, **kw)


def codes(ds):
    return sorted(d["code"] for d in ds)


def apply_edits(text, edits):
    """LSP TextEdits (UTF-16 positions; ASCII texts here) applied to text, all relative to it."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)

    def off(p):
        return min(starts[min(p["line"], len(lines))] + p["character"], len(text)) if p["line"] < len(lines) else len(text)
    spans = sorted(((off(e["range"]["start"]), off(e["range"]["end"]), i, e.get("newText", e.get("text"))) for i, e in enumerate(edits)))
    out, pos = [], 0
    for s, e, _, new in spans:
        out.append(text[pos:s] + new)
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out)


def main():
    ws = project()
    main_py, helper_py = os.path.join(ws, "pkg", "main.py"), os.path.join(ws, "pkg", "helper.py")
    mu, hu = uri_of(main_py), uri_of(helper_py)
    lsp = server(ws)
    try:
        # before initialize: requests are refused, the server stays
        r = lsp.request("textDocument/hover", {"textDocument": {"uri": mu}, "position": {"line": 0, "character": 0}}, 20)
        check("request before initialize refused", r and r.get("error", {}).get("code") == -32002, r)
        init = lsp.initialize(ws, {"cacheDir": os.path.join(ws, ".cache")})
        caps = init["result"]["capabilities"]
        check("incremental sync", caps["textDocumentSync"]["change"] == 2, caps)
        check("code action kinds", "source.fixAll.looplint" in caps["codeActionProvider"]["codeActionKinds"], caps)
        check("utf-16 by default", caps["positionEncoding"] == "utf-16", caps)
        reg = lsp.wait(lambda m: m.get("method") == "client/registerCapability", 20)
        check("file watchers registered", reg and "**/pyproject.toml" in json.dumps(reg), reg)

        lsp.open(main_py, MAIN)
        m = lsp.diagnostics(mu, lambda ds: "LOOP110" in codes(ds))
        ds = m["params"]["diagnostics"] if m else []
        check("open: LOOP101 and LOOP110", codes(ds) == ["LOOP101", "LOOP110"], ds)
        d101 = next((d for d in ds if d["code"] == "LOOP101"), {})
        d110 = next((d for d in ds if d["code"] == "LOOP110"), {})
        check("LOOP101 range", d101.get("range") == {"start": {"line": 6, "character": 4}, "end": {"line": 6, "character": 17}}, d101)
        check("fields", d101.get("severity") == 2 and d101.get("source") == "looplint" and
              d101.get("codeDescription", {}).get("href", "").endswith("LOOP101.md"), d101)
        check("fix as data", d101.get("data", {}).get("fix", {}).get("applicability") == "safe", d101)
        rel = d110.get("relatedInformation", [])
        check("chain as related locations", len(rel) == 2 and rel[0]["location"]["uri"] == hu and
              rel[0]["location"]["range"]["start"]["line"] == 3 and rel[1]["location"]["range"]["start"]["line"] == 4, rel)

        # code actions on the LOOP101 line
        r = lsp.request("textDocument/codeAction", {"textDocument": {"uri": mu}, "range": d101["range"],
                                                    "context": {"diagnostics": [d101]}})
        acts = r.get("result") or [] if r else []
        titles = [a["title"] for a in acts]
        fix = next((a for a in acts if a.get("isPreferred")), None)
        check("quickfix offered", fix is not None and fix["kind"] == "quickfix", titles)
        fixed = apply_edits(MAIN, fix["edit"]["changes"][mu]) if fix else ""
        check("quickfix text", "await asyncio.sleep(1)" in fixed and "import asyncio\n" in fixed, fixed)
        noqa = next((a for a in acts if "noqa: LOOP101" in a["title"]), None)
        check("noqa action", noqa and apply_edits(MAIN, noqa["edit"]["changes"][mu]).split("\n")[6] ==
              "    time.sleep(1)  # noqa: LOOP101", noqa)
        whole = next((a for a in acts if "in this file" in a["title"]), None)
        check("file noqa action", whole and apply_edits(MAIN, whole["edit"]["changes"][mu]).startswith(
            "# looplint: noqa: LOOP101\n"), whole)
        r = lsp.request("textDocument/codeAction", {"textDocument": {"uri": mu}, "range": d101["range"],
                                                    "context": {"diagnostics": [], "only": ["source.fixAll"]}})
        acts = r.get("result") or [] if r else []
        check("fixAll only when asked for source", len(acts) == 1 and acts[0]["kind"] == "source.fixAll.looplint", acts)
        r = lsp.request("textDocument/codeAction", {"textDocument": {"uri": mu}, "range": d110["range"],
                                                    "context": {"diagnostics": [d110]}})
        acts = r.get("result") or [] if r else []
        quick = [a for a in acts if a["kind"] == "quickfix"]
        check("LOOP110 has noqa actions only", len(quick) == 2 and all("LOOP110" in a["title"] for a in quick), acts)

        # incremental edits: delete the sleep line, LOOP101 goes, LOOP110 moves up a line
        lsp.change(main_py, 2, [replace_range(6, 0, 7, 0, "")])
        m = lsp.diagnostics(mu, lambda ds: codes(ds) == ["LOOP110"])
        check("edit: LOOP101 gone", m is not None and m["params"]["version"] == 2)
        check("edit: LOOP110 moved", m and m["params"]["diagnostics"][0]["range"]["start"]["line"] == 6, m)
        # characters before the finding that take two UTF-16 units
        lsp.change(main_py, 3, [replace_range(6, 4, 6, 4, "x = '\U0001F600'; ")])
        m = lsp.diagnostics(mu, lambda ds: ds and ds[0]["range"]["start"]["character"] == 4 + 10)
        check("utf-16 columns", m is not None, m)
        # noqa typed in the buffer suppresses it; hover on the code shows the rule
        text3 = "import time\n\nfrom .helper import settle\n\n\nasync def tick():\n    x = '\U0001F600'; settle()\n"
        lsp.change(main_py, 4, [{"text": text3.replace("settle()\n", "settle()  # noqa: LOOP110, ASYNC251\n")}])
        m = lsp.diagnostics(mu, lambda ds: ds == [])
        check("noqa in the buffer", m is not None)
        r = lsp.request("textDocument/hover", {"textDocument": {"uri": mu}, "position": {"line": 6, "character": 34}})
        hv = (r or {}).get("result") or {}
        check("hover on a noqa code", "LOOP110" in json.dumps(hv) and "blocking-call-through-helper" in json.dumps(hv), hv)
        r = lsp.request("textDocument/hover", {"textDocument": {"uri": mu}, "position": {"line": 6, "character": 44}})
        hv = (r or {}).get("result") or {}
        check("hover on an alias", "ASYNC251" in json.dumps(hv) and "LOOP101" in json.dumps(hv), hv)
        r = lsp.request("textDocument/hover", {"textDocument": {"uri": mu}, "position": {"line": 0, "character": 2}})
        check("no hover elsewhere", r is not None and r.get("result") is None, r)
        lsp.change(main_py, 5, [{"text": text3}])
        check("full change", lsp.diagnostics(mu, lambda ds: codes(ds) == ["LOOP110"]) is not None)

        # the incrementally parsed buffer says what a fresh parse says
        edits = [replace_range(6, 4, 6, 4, "time.sleep(2)\n    "), replace_range(0, 0, 0, 0, "# head\n"),
                 replace_range(8, 0, 8, 0, "    if True:\n        time.sleep(3)\n")]
        for v, e in enumerate(edits, 6):
            lsp.change(main_py, v, [e])
        m = lsp.diagnostics(mu, lambda ds: len(ds) == 3 and True, 30)
        inc = m["params"]["diagnostics"] if m else None
        text_now = apply_edits(apply_edits(apply_edits(text3, [edits[0]]), [edits[1]]), [edits[2]])
        lsp.notify("textDocument/didClose", {"textDocument": {"uri": mu}})
        check("close clears", lsp.diagnostics(mu, lambda ds: ds == []) is not None)
        lsp.open(main_py, text_now, 20)
        m = lsp.diagnostics(mu, lambda ds: len(ds) == 3)
        check("incremental parse equals a fresh one", m and inc == m["params"]["diagnostics"], (inc, m))

        # cross-file from a buffer
        lsp.open(helper_py, HELPER)
        lsp.change(helper_py, 2, [{"text": HELPER_OK}])
        check("buffer of the helper clears LOOP110", lsp.diagnostics(mu, lambda ds: "LOOP110" not in codes(ds)) is not None)
        lsp.change(helper_py, 3, [{"text": HELPER}])
        check("and brings it back", lsp.diagnostics(mu, lambda ds: "LOOP110" in codes(ds)) is not None)
        lsp.notify("textDocument/didSave", {"textDocument": {"uri": hu}})
        lsp.notify("textDocument/didClose", {"textDocument": {"uri": hu}})
        # cross-file from disk
        open(helper_py, "w").write(HELPER_OK)
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": hu, "type": 2}]})
        check("disk change clears LOOP110", lsp.diagnostics(mu, lambda ds: "LOOP110" not in codes(ds)) is not None)
        open(helper_py, "w").write(HELPER)
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": hu, "type": 2}]})
        check("disk change brings it back", lsp.diagnostics(mu, lambda ds: "LOOP110" in codes(ds)) is not None)
        # a file that vanishes
        os.unlink(helper_py)
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": hu, "type": 3}]})
        check("deleted helper: LOOP110 gone", lsp.diagnostics(mu, lambda ds: "LOOP110" not in codes(ds)) is not None)
        open(helper_py, "w").write(HELPER)
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": hu, "type": 1}]})
        check("created helper: LOOP110 back", lsp.diagnostics(mu, lambda ds: "LOOP110" in codes(ds)) is not None)
        # configuration re-read
        cfg = os.path.join(ws, "pyproject.toml")
        open(cfg, "w").write('[tool.looplint]\nignore = ["LOOP1"]\n')
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri_of(cfg), "type": 1}]})
        check("pyproject.toml ignore applies", lsp.diagnostics(mu, lambda ds: ds == []) is not None)
        open(cfg, "w").write('[tool.looplint]\nignore = ["LOOP101"]\n')
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri_of(cfg), "type": 2}]})
        check("pyproject.toml change re-read", lsp.diagnostics(mu, lambda ds: codes(ds) == ["LOOP110"]) is not None)
        open(cfg, "w").write('[tool.looplint]\nignore = [\n')
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri_of(cfg), "type": 2}]})
        bad = lsp.wait(lambda m: m.get("method") == "window/showMessage", 30)
        check("bad configuration shown, not fatal", bad and "configuration" in bad["params"]["message"], bad)
        os.unlink(cfg)
        lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri_of(cfg), "type": 3}]})

        # pull diagnostics
        r = lsp.request("textDocument/diagnostic", {"textDocument": {"uri": mu}})
        rep = (r or {}).get("result", {})
        check("pull: document", rep.get("kind") == "full" and len(rep.get("items", [])) == 3, rep)
        r2 = lsp.request("textDocument/diagnostic", {"textDocument": {"uri": mu}, "previousResultId": rep.get("resultId")})
        check("pull: unchanged", (r2 or {}).get("result", {}).get("kind") == "unchanged", r2)
        r = lsp.request("workspace/diagnostic", {"previousResultIds": []})
        items = (r or {}).get("result", {}).get("items", [])
        check("pull: workspace", [i["uri"] for i in items] == [mu] and items[0]["version"] == 20, items)

        # bad input
        lsp.raw(b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {')
        lsp.raw(b"garbage", header=b"Content-Type: nothing\r\n\r\n")
        lsp.raw(b"[1, 2")
        lsp.raw(b'"just a string"')
        lsp.raw(b'{"jsonrpc": "2.0", "id": {"odd": 1}, "method": "shutdown"}')
        r = lsp.request("looplint/noSuchMethod", {})
        check("unknown method after malformed input", r and r.get("error", {}).get("code") == -32601, r)
        lsp.notify("looplint/noSuchNotification", {})
        lsp.notify("$/setTrace", {"value": "off"})
        r = lsp.request("textDocument/codeAction", [1, 2])
        check("bad params", r and r.get("error", {}).get("code") == -32602, r)
        r = lsp.request("textDocument/hover", {"textDocument": {"uri": mu}, "position": {"line": -5, "character": "x"}})
        check("bad position answered", r is not None and "result" in r, r)
        lsp.notify("$/cancelRequest", {"id": lsp.next_id + 1})
        r = lsp.request("textDocument/codeAction", {"textDocument": {"uri": mu}, "range": d101["range"], "context": {}})
        check("cancelled request", r and r.get("error", {}).get("code") == -32800, r)
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere.py", "version": 1},
                                              "contentChanges": [{"text": "x"}]})
        lsp.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:1", "text": "x", "version": 1}})
        # huge and binary buffers
        big = os.path.join(ws, "pkg", "big.py")
        lsp.open(big, "async def f():\n    import time\n    time.sleep(1)\n" + "x = 1\n" * 400_000)
        m = lsp.diagnostics(uri_of(big), lambda ds: True, 600)
        check("huge buffer linted", m is not None and "LOOP101" in codes(m["params"]["diagnostics"]), m and codes(m["params"]["diagnostics"]))
        lsp.notify("textDocument/didClose", {"textDocument": {"uri": uri_of(big)}})
        binary = os.path.join(ws, "pkg", "binary.py")
        lsp.raw(json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri_of(binary), "languageId": "python", "version": 1,
            "text": "async def f():\u0000\n    \udcff\ufffe\x01 time.sleep(1\n"}}}).encode())
        lsp.raw(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"' +
                uri_of(binary).encode() + b'","version":2},"contentChanges":[{"range":{"start":{"line":1,"character":2},'
                b'"end":{"line":9,"character":99}},"text":"\xff\xfe bad bytes"}]}}')
        r = lsp.request("textDocument/diagnostic", {"textDocument": {"uri": uri_of(binary)}})
        check("binary buffer answered", r is not None and "result" in r, r)

        # a cache that cannot be written: the server works without it
        blocked = os.path.join(ws, "not_a_folder")
        open(blocked, "w").write("x")
        other = server(ws)
        try:
            other.initialize(ws, {"cacheDir": os.path.join(blocked, "cache"), "ignore": ["LOOP110"]})
            other.open(main_py, MAIN)
            m = other.diagnostics(mu, lambda ds: True)
            check("unwritable cache; initializationOptions ignore", m and codes(m["params"]["diagnostics"]) == ["LOOP101"], m)
                # the test profile: blocking calls are held back in test code unless includeTests
            tfile = os.path.join(ws, "tests", "test_x.py")
            os.makedirs(os.path.dirname(tfile), exist_ok=True)
            # (asyncio imported and awaited: an unbound `asyncio` is the module, and a bare call a LOOP201)
            ttext = "import asyncio\nimport time\n\n\nasync def test_x():\n    time.sleep(1)\n    await asyncio.sleep(1)\n"
            other.open(tfile, ttext)
            r = other.request("textDocument/diagnostic", {"textDocument": {"uri": uri_of(tfile)}})
            check("test code: LOOP101 held back", r and codes(r["result"]["items"]) == [], r)
            r, rc = other.shutdown()
            check("second server exits 0", rc == 0, rc)
        finally:
            other.kill()

        r = lsp.request("shutdown")
        check("shutdown answered", r is not None and r.get("result") is None and "error" not in r, r)
        r = lsp.request("textDocument/hover", {"textDocument": {"uri": mu}, "position": {"line": 0, "character": 0}})
        check("requests after shutdown refused", r and r.get("error", {}).get("code") == -32600, r)
        lsp.notify("exit")
        check("exit code 0", lsp.proc.wait(timeout=30) == 0)
    finally:
        lsp.kill()

    # utf-8 positions when offered; exit without shutdown; the client going away
    third = server(ws)
    try:
        init = third.initialize(ws, {"noCache": True, "includeTests": True}, {"general": {"positionEncodings": ["utf-8", "utf-16"]}})
        check("utf-8 chosen", init and init["result"]["capabilities"]["positionEncoding"] == "utf-8", init)
        third.open(main_py, MAIN.replace("    time.sleep(1)", "    é = 1; time.sleep(1)"))
        m = third.diagnostics(mu, lambda ds: "LOOP101" in codes(ds))
        d = next((d for d in (m["params"]["diagnostics"] if m else []) if d["code"] == "LOOP101"), {})
        check("utf-8 columns", d.get("range", {}).get("start", {}).get("character") == 4 + 8, d)
        tfile = os.path.join(ws, "tests", "test_x.py")
        third.open(tfile, "import time\n\n\nasync def test_x():\n    time.sleep(1)\n")
        r = third.request("textDocument/diagnostic", {"textDocument": {"uri": uri_of(tfile)}})
        check("includeTests reports test code", r and codes(r["result"]["items"]) == ["LOOP101"], r)
        third.notify("exit")
        check("exit without shutdown: 1", third.proc.wait(timeout=30) == 1)
    finally:
        third.kill()
    gone = server(ws)
    try:
        gone.initialize(ws, {"noCache": True})
        gone.proc.stdin.close()
        check("stdin closed: the server ends", gone.proc.wait(timeout=30) in (0, 1))
    finally:
        gone.kill()
    shutil.rmtree(ws, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
