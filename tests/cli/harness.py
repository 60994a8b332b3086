"""Tiny assertion harness for the tests that drive the looplint binary.

Each test file calls check() for every expectation and finish() at the end, which prints
the closing line 'N passed, N failed' and exits non-zero when anything failed."""
import json
import os
import subprocess
import sys

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/looplint"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_passed = 0
_failed = 0
# every test process has its own cache, so tests never see each other's (or a developer's) results
import atexit
import shutil
import tempfile
_CACHE = tempfile.mkdtemp(prefix="looplint-test-cache-")
atexit.register(shutil.rmtree, _CACHE, True)


def check(name, ok, detail=""):
    global _passed, _failed
    if ok:
        _passed += 1
    else:
        _failed += 1
        print(f"FAIL {name}: {detail}", flush=True)


def run_bytes(*args, stdin=None, env=None, cwd=None, timeout=300):
    e = dict(os.environ)
    e.setdefault("LOOPLINT_DATA", ROOT)
    e.setdefault("LOOPLINT_CACHE_DIR", _CACHE)
    if env:
        e.update(env)
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, env=e, cwd=cwd or ROOT, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run(*args, **kw):
    rc, out, err = run_bytes(*args, **kw)
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def run_json(*args, **kw):
    """JSON output must be valid UTF-8 (strict), whatever bytes the files hold."""
    rc, raw, rawerr = run_bytes("check", "--output-format", "json", *args, **kw)
    err = rawerr.decode("utf-8", "replace")
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as ex:  # UnicodeDecodeError is a ValueError
        data = None
        err = f"invalid JSON ({ex}): {raw[:300]!r} stderr={err[:300]!r}"
    return rc, data, err


def write_file(root, rel, data):
    """Writes data (str or bytes) to root/rel, making its folders; returns the path."""
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as fh:
        fh.write(data)
    return path


def finish():
    print(f"{_passed} passed, {_failed} failed")
    sys.exit(1 if _failed else 0)
