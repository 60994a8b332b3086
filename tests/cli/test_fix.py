"""--fix, --diff, --unsafe-fixes and --add-noqa: files change only through verified edits,
atomically, keeping permissions; what is fixed stops being reported; nothing that would no
longer parse is written."""
import ast
import os
import shutil
import stat
import tempfile

from harness import check, finish, run, run_json

tmp = tempfile.mkdtemp(prefix="looplint-fix-")


def write(name, text, mode=0o644):
    p = os.path.join(tmp, name)
    with open(p, "w") as fh:
        fh.write(text)
    os.chmod(p, mode)
    return p


def read(p):
    with open(p) as fh:
        return fh.read()


SRC = '''"""Module docstring."""
import time
import requests


async def poll(url):
    time.sleep(1)
    requests.get(url, timeout=3)
'''

# --diff writes nothing and prints a unified diff of the safe fix only
p = write("a.py", SRC)
rc, out, err = run("check", "--diff", p)
check("diff leaves file", read(p) == SRC, read(p))
check("diff shows sleep fix", "+    await asyncio.sleep(1)" in out and "-    time.sleep(1)" in out, out)
check("diff adds import", "+import asyncio" in out, out)
check("diff skips unsafe", "to_thread" not in out, out)

# --fix applies safe fixes, keeps the mode, leaves the unsafe finding reported
p = write("b.py", SRC, 0o640)
rc, data, err = run_json("--fix", p)
new = read(p)
check("fix applied", "await asyncio.sleep(1)" in new and "import asyncio" in new, new)
check("fix parses", ast.parse(new) is not None, new)
check("fix keeps mode", stat.S_IMODE(os.stat(p).st_mode) == 0o640, oct(os.stat(p).st_mode))
check("fixed finding gone, unsafe one left", [f["code"] for f in data] == ["LOOP102"], data)
check("fix exit 1 while findings remain", rc == 1, rc)
check("no temp files left", [f for f in os.listdir(tmp) if ".looplint-" in f] == [], os.listdir(tmp))

# --unsafe-fixes moves the HTTP call to a worker thread
rc, data, err = run_json("--fix", "--unsafe-fixes", p)
new = read(p)
check("unsafe applied", "await asyncio.to_thread(requests.get, url, timeout=3)" in new, new)
check("all fixed", data == [] and rc == 0, (rc, data))
check("unsafe parses", ast.parse(new) is not None, new)

# JSON fix objects: applicability and edits like ruff
p = write("c.py", SRC)
rc, data, err = run_json(p)
fx = {f["code"]: f["fix"] for f in data}
check("fix object safe", fx["LOOP101"]["applicability"] == "safe" and fx["LOOP101"]["edits"], fx)
check("fix object unsafe", fx["LOOP102"]["applicability"] == "unsafe", fx)
e = fx["LOOP101"]["edits"][0]
check("edit shape", set(e) == {"content", "location", "end_location"}, e)

# dropped task kept; missing await added (unsafe); get_event_loop replaced
p = write("d.py", '''import asyncio


async def work():
    await asyncio.sleep(0)


async def main():
    asyncio.create_task(work())
    work()
    loop = asyncio.get_event_loop()
    return loop
''')
rc, data, err = run_json("--fix", "--unsafe-fixes", p)
new = read(p)
check("task kept", "_background_tasks.add(_task := asyncio.create_task(work()))" in new and
      "_background_tasks: set[asyncio.Task] = set()" in new, new)
check("await added", "    await work()\n" in new, new)
check("running loop", "asyncio.get_running_loop()" in new, new)
check("all fixed d", data == [], data)
check("d parses", ast.parse(new) is not None, new)

# --add-noqa: comments added, then the file is clean; a second run adds nothing
p = write("e.py", SRC + "    x = open(url)  # noqa: E501\n")
rc, out, err = run("check", "--add-noqa", p)
new = read(p)
check("noqa added", "time.sleep(1)  # noqa: LOOP101" in new and "# noqa: E501, LOOP104" in new, new)
rc, data, err = run_json(p)
check("clean after add-noqa", data == [] and rc == 0, data)
rc, out, err = run("check", "--add-noqa", p)
check("idempotent", read(p) == new, read(p))

# a finding whose line ends inside a multi-line string gets its noqa after the statement
p = write("f.py", 'import time\n\n\nasync def f():\n    time.sleep(len("""\nx\n"""))\n')
rc, out, err = run("check", "--add-noqa", p)
new = read(p)
check("noqa not inside string", '"""))  # noqa: LOOP101' in new and 'len("""\nx' in new, new)
rc, data, err = run_json(p)
check("multi-line noqa suppresses", data == [], data)

# read-only folder: the write fails cleanly (exit 2), the file is untouched (skipped as root)
if os.geteuid() != 0:
    d = os.path.join(tmp, "ro")
    os.makedirs(d)
    p = os.path.join(d, "g.py")
    with open(p, "w") as fh:
        fh.write(SRC)
    os.chmod(d, 0o555)
    rc, out, err = run("check", "--fix", p)
    check("ro exit 2", rc == 2 and read(p) == SRC, (rc, err))
    os.chmod(d, 0o755)

shutil.rmtree(tmp, ignore_errors=True)
finish()
