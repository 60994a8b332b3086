"""The per-file budget (LOOP905, docs/LOOP905.md) and the hostile inputs of issue 17.

Hostile inputs (small files that once took minutes or gigabytes: long attribute chains, an
unclosed parameter list before many imports, an unclosed call over many lines, thousands of
syntax errors, a 290 kB line) are linted alone and together under generous limits (60 s of CPU
each, 2 GiB peak memory): a guard against the exponential cases coming back, not a speed
measurement. They finish far under the budget, so none of them gets LOOP905.

A lowered budget (LOOPLINT_STEP_LIMIT, LOOPLINT_PARSE_LIMIT) gives the file LOOP905 in place
of its findings, the other files are still checked, the exit code stays 1 (findings), the
result is the same run after run and from the cache."""
import os
import resource
import shutil
import subprocess
import tempfile

from harness import BIN, ROOT, check, finish, run_json, write_file

tmp = tempfile.mkdtemp(prefix="looplint-budget-")


def write(name, text):
    return write_file(tmp, name, text)


def codes(data):
    return sorted((os.path.basename(f["filename"]), f["code"]) for f in data or [])


HOSTILE = {
    "attribute_chain_30.py": "async def f(s):\n    s" + ".a" * 30 + ".unlink()\n",
    "attribute_chain_5000.py": "async def f(s):\n    s" + ".a" * 5000 + ".unlink()\n",
    "long_line.py": "async def f():\n    x = [" + ", ".join("open('%d')" % i for i in range(20000)) + "]\n",
    "many_errors.py": "".join("def f%d(:\n  import x\n" % i for i in range(2000)),
    "unclosed_call_many_kwargs.py": "async def f():\n    x = g(\n"
    + "".join("        a%d=b.c.d(e%d\n" % (i, i) for i in range(300)),
    "unclosed_params_16.py": "def build_sensors(\n    config: ConfigTsistant.core import HomeAssistant\n"
    + "from homeassistant.helpers.entity import Entity\n" * 16 + ")  -> list[Entity]:\n",
    "unclosed_params_400.py": "def build_sensors(\n    config: ConfigTsistant.core import HomeAssistant\n"
    + "from homeassistant.helpers.entity import Entity\n" * 400 + ")  -> list[Entity]:\n",
}
CPU_SECONDS = 60
PEAK_BYTES = 2 << 30

hostile_dir = os.path.join(tmp, "hostile")
for name, text in HOSTILE.items():
    write(os.path.join("hostile", name), text)


def limited_json(target):
    """Runs `check --output-format json target` under a CPU limit; (rc, data, peak bytes).
    The peak is the child's own (each run is a new process: a fresh getrusage high-water
    mark is not available, so the runner forks a helper that reports its child's)."""
    helper = (
        "import resource, subprocess, sys\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (%d, %d))\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "sys.stdout.buffer.write(p.stdout)\n"
        "sys.stderr.write('rc=%%d peak=%%d\\n' %% (p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))\n"
    ) % (CPU_SECONDS, CPU_SECONDS)
    env = dict(os.environ, LOOPLINT_DATA=ROOT)
    p = subprocess.run(["python3", "-c", helper, BIN, "check", "--no-cache", "--output-format", "json", target],
                       capture_output=True, env=env, timeout=600)
    last = p.stderr.decode().strip().splitlines()[-1] if p.stderr.strip() else "rc=-1 peak=0"
    fields = dict(kv.split("=") for kv in last.split())
    import json
    try:
        data = json.loads(p.stdout.decode("utf-8"))
    except ValueError:
        data = None
    return int(fields["rc"]), data, int(fields["peak"])


for name in sorted(HOSTILE) + [""]:
    target = os.path.join(hostile_dir, name) if name else hostile_dir
    rc, data, peak = limited_json(target)
    label = name or "all hostile inputs as one project"
    check(f"hostile {label}: exit 0-2", 0 <= rc <= 2, rc)
    check(f"hostile {label}: valid JSON", data is not None, rc)
    check(f"hostile {label}: peak memory under 2 GiB", peak < PEAK_BYTES, peak)
    check(f"hostile {label}: within the default budget", all(f["code"] != "LOOP905" for f in data or []),
          codes(data)[:5])

# the chain's own finding is still found (a deep chain is cut, not the file)
rc, data, _ = run_json("--no-cache", os.path.join(hostile_dir, "attribute_chain_30.py"))
check("chain of 30: linted normally", rc in (0, 1) and data is not None, rc)

# --- a lowered budget -------------------------------------------------------------------
proj = os.path.join(tmp, "proj")
write("proj/app/__init__.py", "")
write("proj/app/simple.py", "import time\n\n\nasync def f():\n    time.sleep(1)\n")
write("proj/app/heavy.py", "import time\n\n\nasync def g(s):\n    time.sleep(1)\n" +
      "".join("    s%s.unlink()\n" % (".a" * 20) for _ in range(40)))
rc, data, err = run_json("--no-cache", proj)
check("default budget: both files linted", ("heavy.py", "LOOP101") in codes(data) and
      ("simple.py", "LOOP101") in codes(data), (codes(data), err[:200]))

# steps: heavy.py needs a few thousand, simple.py a few dozen
low = {"LOOPLINT_STEP_LIMIT": "400"}
rc, data, err = run_json("--no-cache", proj, env=low)
check("step limit: exit 1", rc == 1, (rc, err[:200]))
check("step limit: LOOP905 for the heavy file only", codes(data) == [("heavy.py", "LOOP905"), ("simple.py", "LOOP101")],
      codes(data))
msg = [f["message"] for f in data or [] if f["code"] == "LOOP905"]
check("step limit: the message says the rest was checked", msg and "the rest of the project was checked" in msg[0], msg)
check("step limit: the message names the limit", msg and "400 steps" in msg[0], msg)
rc2, data2, _ = run_json("--no-cache", proj, env=low)
check("step limit: deterministic", data2 == data, (codes(data), codes(data2)))
rc, data, _ = run_json("--no-cache", "--ignore", "LOOP905", proj, env=low)
check("step limit: --ignore LOOP905", codes(data) == [("simple.py", "LOOP101")], codes(data))

# the cache keeps the result (a warm run says the same)
cache = os.path.join(tmp, "cache")
cold = run_json(proj, env=dict(low, LOOPLINT_CACHE_DIR=cache))
warm = run_json(proj, env=dict(low, LOOPLINT_CACHE_DIR=cache))
check("step limit: warm run equals cold", cold[1] == warm[1] and cold[0] == warm[0], (codes(cold[1]), codes(warm[1])))

# a cross-file finding still reaches into the heavy file's callers: it defines nothing now
write("proj/app/caller.py", "from app.heavy import g\n\n\nasync def h():\n    g(1)\n")
rc, data, _ = run_json("--no-cache", proj, env=low)
check("step limit: a caller of the heavy file is checked (no guess)", ("caller.py", "LOOP201") not in codes(data) and
      ("simple.py", "LOOP101") in codes(data), codes(data))
rc, data, _ = run_json("--no-cache", proj)
check("default budget: the caller's un-awaited coroutine is found", ("caller.py", "LOOP201") in codes(data), codes(data))
os.remove(os.path.join(proj, "app", "caller.py"))

# the parser's limit (operations, counted by tree-sitter's progress callback)
rc, data, err = run_json("--no-cache", proj, env={"LOOPLINT_PARSE_LIMIT": "1000"})
check("parse limit: LOOP905 for the heavy file", ("heavy.py", "LOOP905") in codes(data), codes(data))
check("parse limit: the small file is still checked", ("simple.py", "LOOP101") in codes(data), codes(data))
msg = [f["message"] for f in data or [] if f["code"] == "LOOP905"]
check("parse limit: the message says parsing", msg and "parser operations" in msg[0], msg)
check("parse limit: exit 1", rc == 1, rc)

# a hostile input with the budget lowered: LOOP905, quickly
rc, data, _ = run_json("--no-cache", os.path.join(hostile_dir, "long_line.py"), env={"LOOPLINT_STEP_LIMIT": "1000"})
check("hostile long line, lowered budget: LOOP905 alone", codes(data) == [("long_line.py", "LOOP905")], codes(data)[:5])

shutil.rmtree(tmp, ignore_errors=True)
finish()
