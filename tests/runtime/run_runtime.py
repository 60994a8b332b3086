#!/usr/bin/env python3
"""Integration tests of the runtime: `looplint watch` and libloopwatch.so on real processes.

    run_runtime.py CASE --looplint BIN --lib LIBLOOPWATCH --native NATIVE_LOOP --scripts DIR

Scripts in scripts/ mark each line where an event is expected with `# expect: LOOPxxx`; a
script without markers must produce no finding at all. Each CASE is one ctest test; the exit
status is 0 (pass), 1 (fail) or 77 (skipped: e.g. no /usr/bin/python3)."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
ARGS = None


class Skip(Exception):
    pass


def expected_markers(script):
    """{(code, line)} from `# expect: CODE[, CODE]` comments."""
    want = set()
    with open(script) as f:
        for n, text in enumerate(f, 1):
            m = re.search(r"#\s*expect:\s*([A-Z0-9, ]+)", text)
            if m:
                for code in m.group(1).replace(",", " ").split():
                    want.add((code, n))
    return want


def watch(cmd, *opts, env=None, timeout=120):
    """Runs `looplint watch OPTS -- CMD`; returns the CompletedProcess."""
    full = [ARGS.looplint, "watch", *opts, "--", *cmd]
    return subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=env)


def watch_json(cmd, *opts, env=None):
    r = watch(cmd, "--output-format", "json", *opts, env=env)
    try:
        findings = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"watch printed no JSON (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r, findings


def script_path(name):
    return os.path.join(ARGS.scripts, name)


# Cases about blocking calls raise the stall threshold so that a loaded test machine (a test
# process descheduled for 100 ms) cannot add a stall; the stall cases use the default.
CALLS_ONLY = ("--stall-ms", "1000")


def check_script(name, python="python3", extra=CALLS_ONLY, extra_stalls_ok=False):
    """Runs scripts/NAME under watch with python; findings must equal its markers (with
    extra_stalls_ok, further LOOP106 stalls in the script are tolerated)."""
    script = script_path(name)
    r, findings = watch_json([python, script], *extra)
    assert r.returncode == 0, f"{name}: exit {r.returncode}\n{r.stderr}"
    got = {(f["code"], f["location"]["row"]) for f in findings if f["filename"] == script}
    others = [f for f in findings if f["filename"] != script]
    want = expected_markers(script)
    assert not others, f"{name}: findings outside the script: {others}"
    if extra_stalls_ok:
        got = {g for g in got if g in want or g[0] != "LOOP106"}
    assert got == want, (f"{name} with {python}: expected {sorted(want)}, got {sorted(got)}\n"
                         + "\n".join(f["message"] for f in findings))
    return findings


def pair(stem, extra=CALLS_ONLY):
    bad = check_script(f"{stem}_bad.py", extra=extra)
    assert bad, f"{stem}_bad.py produced nothing"
    check_script(f"{stem}_good.py", extra=extra)
    return bad


# --- cases ----------------------------------------------------------------------------------

def case_sleep():
    findings = pair("sleep")
    msg = findings[0]["message"]
    assert re.match(r"`(clock_nanosleep|nanosleep)` blocked the event loop for \d+ ms in main\(\) "
                    r"\(time\.sleep\?\)$", msg), msg


def case_file():
    pair("file")


def case_socket():
    pair("socket")


def case_dns():
    pair("dns")


def case_proc():
    pair("proc")


def case_stall():
    findings = pair("stall", extra=())
    assert "stalled" in findings[0]["message"], findings[0]["message"]
    # The threshold is honoured: with --stall-ms 1000 a 400 ms spin is not a stall.
    script = script_path("stall_bad.py")
    r, findings = watch_json(["python3", script], "--stall-ms", "1000")
    assert findings == [], findings
    r, findings = watch_json(["python3", script], "--stall-ms", "0")
    assert findings == [], findings


def case_import():
    findings = check_script("import_bad.py")
    assert "imported on first use" in findings[0]["message"], findings[0]["message"]


def case_window():
    check_script("window_good.py", extra=())


def case_selectors():
    check_script("selectors_bad.py")


def case_signals():
    check_script("signals_bad.py")


def case_fork():
    findings = check_script("fork_bad.py")
    # Every process appended to the same file: count the children's events in the raw file.
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "events")
        env = dict(os.environ, LD_PRELOAD=ARGS.lib, LOOPWATCH_OUT=out)
        r = subprocess.run(["python3", script_path("fork_bad.py")], env=env, timeout=120)
        assert r.returncode == 0, r.returncode
        with open(out) as f:
            lines = f.read().splitlines()
    pids = set()
    for line in lines:
        fields = dict(kv.split("=", 1) for kv in line.split("\t")[1:])
        if fields.get("code") == "LOOP101":
            pids.add(fields["pid"])
    assert len(pids) == 3, f"LOOP101 from {len(pids)} processes, want 3:\n" + "\n".join(lines)
    assert all(len(line.encode()) <= 4096 and line.startswith("loopwatch1\t") for line in lines)


def case_threads():
    # Four loops share one GIL: a loop thread waiting for the GIL behind a spinning one is a
    # real (wall-clock) stall of its loop, as asyncio's debug mode would count it, at whatever
    # line it waits. So other stalls may appear; the marked events must, and nothing else.
    for _ in range(3):
        check_script("threads_bad.py", extra=(), extra_stalls_ok=True)


def case_suite():
    check_script("suite_bad.py")


def case_debian_python():
    """The distribution's interpreter (statically linked libpython) works too."""
    py = "/usr/bin/python3"
    if not os.path.exists(py):
        raise Skip("no /usr/bin/python3")
    for name in ("sleep_bad.py", "sleep_good.py", "proc_good.py"):
        check_script(name, python=py)
    check_script("stall_bad.py", python=py, extra=())


def case_formats():
    script = script_path("sleep_bad.py")
    line = min(n for _, n in expected_markers(script))
    outputs = {}
    for fmt in ("concise", "text", "full", "json", "json-lines", "github", "sarif", "junit"):
        r = watch(["python3", script], "--output-format", fmt)
        assert r.returncode == 0, f"{fmt}: exit {r.returncode}\n{r.stderr}"
        assert "LOOP101" in r.stdout, f"{fmt}: no LOOP101 in\n{r.stdout}"
        outputs[fmt] = r.stdout
    # The finding spans the statement: indentation and comment excluded.
    assert f"{script}:{line}:5: LOOP101" in outputs["concise"], outputs["concise"]
    def no_times(s):
        return re.sub(r"[0-9.]+ (ms|us)", "T", s)

    assert no_times(outputs["text"]) == no_times(outputs["concise"]), outputs
    rows = [json.loads(x) for x in outputs["json-lines"].splitlines()]
    assert [(x["code"], x["location"]["row"]) for x in rows] == [("LOOP101", line)], rows
    assert [(x["location"]["column"], x["end_location"]["column"]) for x in rows] == [(5, 21)], rows
    sarif = json.loads(outputs["sarif"])
    results = sarif["runs"][0]["results"]
    assert [x["ruleId"] for x in results] == ["LOOP101"], results
    ET.fromstring(outputs["junit"])  # well-formed
    assert outputs["github"].startswith("::error"), outputs["github"]
    r = watch(["python3", script], "--quiet")
    assert "Found" not in r.stdout and "LOOP101" in r.stdout, r.stdout


def case_exit_status():
    bad, good = script_path("sleep_bad.py"), script_path("sleep_good.py")
    assert watch(["python3", "-c", "import sys; sys.exit(3)"]).returncode == 3
    assert watch(["python3", bad]).returncode == 0
    assert watch(["python3", bad], "--fail-on-events").returncode == 1
    assert watch(["python3", good], "--fail-on-events").returncode == 0
    assert watch(["sh", "-c", "kill -TERM $$"]).returncode == 128 + 15
    r = watch(["/nonexistent/command"])
    assert r.returncode == 2 and "cannot run" in r.stderr, (r.returncode, r.stderr)
    assert subprocess.run([ARGS.looplint, "watch"], capture_output=True).returncode == 2
    r = subprocess.run([ARGS.looplint, "watch", "--output-format", "nope", "--", "true"],
                       capture_output=True)
    assert r.returncode == 2
    # The library is looked up at $LOOPLINT_LIB when it is not next to the binary.
    with tempfile.TemporaryDirectory() as d:
        alone = os.path.join(d, "looplint")
        shutil.copy(ARGS.looplint, alone)
        r = subprocess.run([alone, "watch", "--", "true"], capture_output=True, text=True)
        assert r.returncode == 2 and "libloopwatch.so" in r.stderr, (r.returncode, r.stderr)
        env = dict(os.environ, LOOPLINT_LIB=os.path.dirname(ARGS.lib))
        r = subprocess.run([alone, "watch", "--output-format", "json", "--", "python3", bad],
                           capture_output=True, text=True, env=env)
        assert r.returncode == 0 and json.loads(r.stdout), (r.returncode, r.stdout, r.stderr)


def sanitizer_runtime(binary):
    """The libasan a sanitized binary loads, or None."""
    r = subprocess.run(["ldd", binary], capture_output=True, text=True)
    m = re.search(r"libasan\S*\s+=>\s+(\S+)", r.stdout)
    return m.group(1) if m else None


def case_preload_env():
    """An existing LD_PRELOAD is kept, the library appended; the child gets no sanitizer."""
    libm = next((p for p in ("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib64/libm.so.6",
                             "/lib64/libm.so.6") if os.path.exists(p)), None)
    if not libm:
        raise Skip("no libm to preload")
    # A sanitized looplint needs its runtime first in its own LD_PRELOAD, as ASan demands;
    # the child must get everything else but not that.
    asan = sanitizer_runtime(ARGS.looplint)
    env = dict(os.environ, LD_PRELOAD=f"{asan}:{libm}" if asan else libm)
    r = watch(["python3", "-c", "import os; print(os.environ['LD_PRELOAD'])"], env=env)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first == f"{libm}:{os.path.realpath(ARGS.lib)}", first
    r = watch(["sh", "-c", "cat /proc/$$/maps"])
    assert "libloopwatch.so" in r.stdout and "libasan" not in r.stdout, r.stdout[-2000:]


def native_events(mode, env_extra=None, cmd=None):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "events")
        env = dict(os.environ, LD_PRELOAD=ARGS.lib, LOOPWATCH_OUT=out, **(env_extra or {}))
        r = subprocess.run(cmd or [ARGS.native, mode], env=env, timeout=60)
        assert r.returncode == 0, f"{cmd or mode}: exit {r.returncode}"
        if not os.path.exists(out):
            return []
        with open(out) as f:
            return [dict(kv.split("=", 1) for kv in line.split("\t")[1:])
                    for line in f.read().splitlines()]


def case_native():
    """No Python in the process: calls and stalls of a C epoll loop are still recorded."""
    ev = native_events("sleep")
    assert [(e["call"], e["code"], e["kind"]) for e in ev] == [("usleep", "LOOP101", "call")] * 2, ev
    assert all("file" not in e and e["exe"] == os.path.realpath(ARGS.native) for e in ev), ev
    assert all(int(e["us"]) >= 15000 for e in ev), ev
    ev = native_events("file")
    assert {(e["call"], e["code"]) for e in ev} == {("open", "LOOP104"), ("read", "LOOP104")}, ev
    ev = native_events("stall")
    assert [(e["kind"], e["code"]) for e in ev] == [("stall", "LOOP106")] * 2, ev
    assert native_events("none") == []
    ev = native_events("vfork")
    assert [(e["call"], e["code"]) for e in ev] == [("waitpid", "LOOP103"), ("usleep", "LOOP101")] * 2, ev
    assert len({e["pid"] for e in ev}) == 1, ev
    # Programs without any loop record nothing by default, and every call with NATIVE=all.
    assert native_events(None, cmd=["/bin/sleep", "0.05"]) == []
    ev = native_events(None, {"LOOPWATCH_NATIVE": "all"}, cmd=["/bin/sleep", "0.05"])
    assert any(e["code"] == "LOOP101" and e["loop"] == "0" and int(e["us"]) >= 40000 for e in ev), ev
    assert native_events("sleep", {"LOOPWATCH_NATIVE": "off"}) == []
    # And through looplint watch.
    r, findings = watch_json([ARGS.native, "sleep"])
    assert r.returncode == 0
    assert [(f["code"], f["filename"]) for f in findings] == [
        ("LOOP101", os.path.realpath(ARGS.native))], findings
    assert "native code" in findings[0]["message"], findings[0]["message"]


def case_inert():
    """Without LOOPWATCH_OUT the preloaded library does nothing, and common tools run fine."""
    env = dict(os.environ, LD_PRELOAD=ARGS.lib)
    env.pop("LOOPWATCH_OUT", None)
    for cmd in (["python3", script_path("sleep_bad.py")], ["ls", "/"], ["sh", "-c", "echo hi | cat"]):
        r = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
        assert r.returncode == 0, (cmd, r.stderr)
    r = watch(["sh", "-c", "ls / | wc -l; python3 -c 'print(1)'"])
    assert r.returncode == 0 and "All checks passed" in r.stdout, r.stdout + r.stderr


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--looplint", required=True)
    p.add_argument("--lib", required=True)
    p.add_argument("--native", required=True)
    p.add_argument("--scripts", required=True)
    ARGS = p.parse_args()
    ARGS.scripts = os.path.realpath(ARGS.scripts)
    try:
        CASES[ARGS.case]()
    except Skip as e:
        print(f"skipped: {e}")
        return SKIP
    except AssertionError as e:
        print(f"FAIL {ARGS.case}: {e}")
        return 1
    print(f"ok {ARGS.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
