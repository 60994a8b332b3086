"""Fixes proven at run time. For each runnable bad script of tests/runtime/scripts whose
hazard libloopwatch can observe: the static pass reports the annotated lines, `looplint watch`
sees the loop blocked at those lines, `check --verify` confirms the findings; then
`check --fix --unsafe-fixes` rewrites a copy, the static pass is clean, the script still
works, and the runtime sees nothing. Servers are on loopback only."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import BIN, ROOT, check, finish, run

SCRIPTS = ["sleep_bad.py", "file_bad.py", "socket_bad.py", "dns_bad.py", "proc_bad.py"]
EXPECT = re.compile(r"#\s*expect:\s*(LOOP\d+)")
python = shutil.which("python3") or sys.executable
lib = os.path.join(os.path.dirname(BIN), "libloopwatch.so")
if not os.path.exists(lib):
    print("libloopwatch.so not built next to the binary: skipping")
    print("0 passed, 0 failed")
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix="looplint-rtfix-")


def expected_rows(path):
    rows = set()
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if EXPECT.search(line):
                rows.add(i)
    return rows


def static_rows(path):
    rc, out, err = run("check", "--no-cache", "--output-format", "json", "--select", "LOOP1", path)
    return {f["location"]["row"] for f in json.loads(out)}


def runtime_rows(path):
    rc, out, err = run("watch", "--output-format", "json", "--", python, path, timeout=120)
    try:
        data = json.loads(out)
    except ValueError:
        return None, rc, err
    return {f["location"]["row"] for f in data if os.path.basename(f["filename"]) == os.path.basename(path)}, rc, err


for name in SCRIPTS:
    src = os.path.join(ROOT, "tests", "runtime", "scripts", name)
    path = os.path.join(tmp, name)
    shutil.copy(src, path)
    want = expected_rows(path)
    check(f"{name}: has expectations", bool(want), want)
    got = static_rows(path)
    check(f"{name}: static finds the annotated lines", want <= got, (sorted(want), sorted(got)))
    seen, rc, err = runtime_rows(path)
    check(f"{name}: runtime sees the annotated lines", seen is not None and want <= seen, (sorted(want), seen, err[-300:]))
    rc, out, err = run("check", "--no-cache", "--output-format", "json", "--verify", path, "--", python, path, timeout=120)
    data = json.loads(out) if out.strip().startswith("[") else []
    confirmed = {f["location"]["row"] for f in data if f.get("confirmed")}
    check(f"{name}: --verify confirms", want <= confirmed, (sorted(want), data[:3], err[-300:]))
    # fix a copy, with the unsafe fixes (executor moves) too
    rc, out, err = run("check", "--no-cache", "--fix", "--unsafe-fixes", path)
    check(f"{name}: static clean after fix", static_rows(path) == set(), (out, err))
    p = subprocess.run([python, path], capture_output=True, timeout=120)
    check(f"{name}: fixed script still runs", p.returncode == 0, p.stderr[-400:])
    seen, rc, err = runtime_rows(path)
    check(f"{name}: runtime clean after fix", seen == set(), (seen, err[-300:]))

shutil.rmtree(tmp, ignore_errors=True)
finish()
