"""Bad input never crashes looplint: syntax errors (LOOP901, rest still linted), NUL bytes,
invalid UTF-8, empty files, a 50 MB file, 1,000-deep nesting, unreadable and missing
paths, symlink loops. JSON stays valid and exit codes keep their contract."""
import os
import shutil
import tempfile

from harness import check, finish, run, run_bytes, run_json, write_file

tmp = tempfile.mkdtemp(prefix="looplint-bad-")


def write(name, data):
    return write_file(tmp, name, data)


def codes(data):
    return sorted((f["code"], f["location"]["row"]) for f in data or [])


SLEEP = b"import time\nasync def g():\n    time.sleep(1)\n"

# syntax error, then a finding further down
p = write("syntax.py", b"async def f(:\n    pass\n" + SLEEP)
rc, data, err = run_json(p)
check("syntax json", data is not None, err)
check("syntax LOOP901", ("LOOP901", 1) in codes(data), codes(data))
check("syntax still lints", ("LOOP101", 5) in codes(data), codes(data))
check("syntax exit 1", rc == 1, rc)

# a file with no async code named on the command line is still syntax-checked
p = write("cold_broken.py", b"def helper(:\n    return 1\n")
rc, data, err = run_json(p)
check("cold explicit file: LOOP901", ("LOOP901", 1) in codes(data), codes(data))

# several errors: at most one per line, each with a position
p = write("multi.py", b"x = (1,\ny = ]\n" + SLEEP + b"def h(:\n")
rc, data, err = run_json(p)
rows = [r for c, r in codes(data) if c == "LOOP901"]
check("multi syntax one per line", len(rows) == len(set(rows)) and len(rows) >= 1, rows)

# NUL byte: reported, and the rest of the file still linted
p = write("nul.py", SLEEP + b"x = 1\0\n")
rc, data, err = run_json(p)
check("nul json", data is not None, err)
check("nul reported", any(c == "LOOP901" for c, _ in codes(data)), codes(data))
check("nul still lints", ("LOOP101", 3) in codes(data), codes(data))

# invalid UTF-8
p = write("utf8.py", b"\xff\xfe bad utf8\n" + SLEEP)
rc, data, err = run_json(p)
check("utf8 json", data is not None, err)
check("utf8 reported at line 1", ("LOOP901", 1) in codes(data), codes(data))
check("utf8 still lints", ("LOOP101", 4) in codes(data), codes(data))

# an invalid byte inside code: the syntax error quotes it, and every output stays valid text
p = write("utf8_mid.py", b"z = '\xff'\n\xd6\n" + SLEEP)
rc, data, err = run_json(p)
check("utf8 in a message: json", data is not None, err)
check("utf8 in a message: replacement character",
      any("\ufffd" in f["message"] for f in data or []), [f["message"] for f in data or []])
for fmt in ("sarif", "junit"):
    rc, raw, _ = run_bytes("check", "--output-format", fmt, p)
    try:
        raw.decode("utf-8")
        ok = True
    except UnicodeDecodeError:
        ok = False
    check(f"utf8 in a message: {fmt} is valid UTF-8", ok, raw[:200])

# columns count characters, not bytes
p = write("chars.py", "import time\nasync def g():\n    x = 'é'; time.sleep(1)\n".encode())
rc, data, err = run_json(p)
col = [f["location"]["column"] for f in data or [] if f["code"] == "LOOP101"]
check("character columns", col == [14], col)

# empty
p = write("empty.py", b"")
rc, data, err = run_json(p)
check("empty clean", rc == 0 and data == [], (rc, data, err))

# 1,000-deep nesting (expression) and deep blocks
p = write("deep.py", b"x = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n")
rc, data, err = run_json(p)
check("deep json", data is not None and rc in (0, 1), (rc, err[:200]))
def nested(levels):
    return (b"import time\nasync def f():\n" + b"".join(b" " * (4 * (i + 1)) + b"if x:\n" for i in range(levels))
            + b" " * (4 * levels + 4) + b"time.sleep(1)\n")


rc, data, err = run_json(write("deepblocks.py", nested(50)))
check("deep blocks lint", data is not None and ("LOOP101", 53) in codes(data), (rc, codes(data), err[:200]))
# past 255 columns of indentation tree-sitter-python's scanner loses track (it stores
# widths in bytes): a clean syntax error, never a crash
rc, data, err = run_json(write("deeper.py", nested(90)))
check("very deep blocks: syntax error, no crash", rc == 1 and data and data[0]["code"] == "LOOP901", (rc, err[:200]))

# a 50 MB file: a normal result. Under the sanitizers (./dev test) 10 MB: 50 MB there takes
# 5 GB and minutes of CPU, over the timeout on a loaded two-core machine; the code path is the same.
mb = 10 if os.environ.get("LOOPLINT_SANITIZED") else 50
big = write("big.py", b"")
with open(big, "wb") as fh:
    chunk = b"".join(b"def f%d(a, b):\n    return a + b * %d\n" % (i, i) for i in range(20000))
    while fh.tell() < mb * 1024 * 1024:
        fh.write(chunk)
    fh.write(SLEEP)
rc, data, err = run_json(big, timeout=900)
check(f"{mb}MB json", data is not None, err[:200])
check(f"{mb}MB finds the sleep", data is not None and any(c == "LOOP101" for c, _ in codes(data)), codes(data)[:5])
os.remove(big)

# a configuration with long arrays and tables is read in linear time (each element was once
# found by walking its array from the start: 4,000 patterns took 4 s, 40,000 would take hours)
cfgdir = os.path.join(tmp, "bigcfg")
write("bigcfg/pyproject.toml", b"[tool.looplint]\nexclude = [" + b",".join(b'"x%d"' % i for i in range(40000)) +
      b"]\nper-file-ignores = {" + b",".join(b'"p%d" = ["LOOP1"]' % i for i in range(20000)) + b"}\n")
write("bigcfg/mod.py", SLEEP)
rc, data, err = run_json(os.path.join(cfgdir, "mod.py"), "--no-cache", timeout=60)
check("long configuration arrays: linted", data is not None and ("LOOP101", 3) in codes(data), (rc, err[:200]))

# missing path: exit 2, message on stderr, LOOP903 in JSON, other files still linted
ok = write("ok.py", SLEEP)
rc, data, err = run_json(os.path.join(tmp, "does-not-exist.py"), ok)
check("missing exit 2", rc == 2, rc)
check("missing on stderr", "does-not-exist.py" in err, err)
check("missing json LOOP903", data is not None and any(f["code"] == "LOOP903" for f in data), data)
check("missing rest linted", data is not None and any(f["code"] == "LOOP101" for f in data), data)

# unreadable file inside a folder (a dangling symlink named *.py; root ignores permissions)
d = os.path.join(tmp, "pkg")
os.makedirs(d, exist_ok=True)
os.symlink(os.path.join(tmp, "nowhere.py"), os.path.join(d, "gone.py"))
write("pkg/fine.py", SLEEP)
rc, data, err = run_json(d)
check("dangling exit 2", rc == 2, rc)
check("dangling json", data is not None and any(f["code"] == "LOOP903" for f in data), data)
check("dangling rest linted", data is not None and any(f["code"] == "LOOP101" for f in data), data)

# a directory that cannot be opened is reported, not fatal (only meaningful when not root)
if os.geteuid() != 0:
    locked = os.path.join(tmp, "locked")
    os.makedirs(locked)
    os.chmod(locked, 0)
    rc, data, err = run_json(locked, ok)
    check("locked exit 2", rc == 2, rc)
    os.chmod(locked, 0o755)

# symlink loop: terminates, lints the real file once
loop = os.path.join(tmp, "loop")
os.makedirs(loop)
write("loop/a.py", SLEEP)
os.symlink(loop, os.path.join(loop, "self"))
os.symlink(tmp, os.path.join(loop, "up"))
rc, data, err = run_json(loop)
check("symlink loop terminates", data is not None, err)
check("symlink loop lints once", data is not None and sum(1 for f in data if f["code"] == "LOOP101" and f["filename"].endswith("loop/a.py")) == 1,
      [f["filename"] for f in data or []])

# skipped folders
write("proj/.venv/lib/x.py", SLEEP)
write("proj/node_modules/y.py", SLEEP)
write("proj/__pycache__/z.py", SLEEP)
write("proj/src/real.py", SLEEP)
rc, data, err = run_json(os.path.join(tmp, "proj"))
check("skips venv etc", data is not None and [f["filename"].split("proj/")[1] for f in data] == ["src/real.py"],
      [f["filename"] for f in data or []])

shutil.rmtree(tmp, ignore_errors=True)
finish()
