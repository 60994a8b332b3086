"""A small Language Server Protocol client (standard library only) for looplint's server tests
and the typing benchmark: Content-Length framing over a child process's pipes, a reader thread
that collects every message, requests and notifications, and waits with hang guards."""
import json
import os
import subprocess
import threading
import time


def uri_of(path):
    from urllib.parse import quote
    return "file://" + quote(os.path.abspath(path))


class Lsp:
    def __init__(self, cmd, cwd=None, env=None, stderr=None):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr if stderr is not None else subprocess.DEVNULL, cwd=cwd, env=env)
        self.msgs = []
        self.cond = threading.Condition()
        self.next_id = 0
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.closed = True
                        self.cond.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode("ascii", "replace").partition(":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length", "0"))
            body = out.read(n)
            msg = json.loads(body.decode("utf-8"))  # the server must send valid UTF-8 JSON
            msg["_t"] = time.monotonic()
            with self.cond:
                self.msgs.append(msg)
                self.cond.notify_all()

    def raw(self, body: bytes, header: bytes = None):
        data = (header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def notify(self, method, params=None):
        self.raw(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode())

    def send_request(self, method, params=None):
        self.next_id += 1
        self.raw(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).encode())
        return self.next_id

    def wait(self, pred, timeout=30):
        """The first message (oldest first) for which pred holds, removed from the list; None
        after timeout (a hang guard, not a measurement) or when the server is gone."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.msgs:
                    if pred(m):
                        self.msgs.remove(m)
                        return m
                left = end - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def request(self, method, params=None, timeout=30):
        rid = self.send_request(method, params)
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def diagnostics(self, uri, pred=lambda ds: True, timeout=30):
        """The next publishDiagnostics for uri whose diagnostics satisfy pred."""
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                         and pred(m["params"]["diagnostics"]), timeout)

    def drop(self, pred):
        with self.cond:
            self.msgs = [m for m in self.msgs if not pred(m)]

    def initialize(self, root, options=None, capabilities=None, timeout=60):
        caps = capabilities if capabilities is not None else {
            "textDocument": {"publishDiagnostics": {"relatedInformation": True}, "codeAction": {}, "hover": {}},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}
        params = {"processId": os.getpid(), "rootUri": uri_of(root) if root else None, "capabilities": caps,
                  "workspaceFolders": [{"uri": uri_of(root), "name": "ws"}] if root else None}
        if options is not None:
            params["initializationOptions"] = options
        r = self.request("initialize", params, timeout)
        self.notify("initialized", {})
        return r

    def open(self, path, text=None, version=1):
        if text is None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri_of(path), "languageId": "python",
                                                              "version": version, "text": text}})

    def change(self, path, version, changes):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri_of(path), "version": version},
                                               "contentChanges": changes})

    def shutdown(self, timeout=30):
        r = self.request("shutdown", None, timeout)
        self.notify("exit")
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = None
        return r, rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def replace_range(sl, sc, el, ec, text):
    return {"range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}, "text": text}
