#!/usr/bin/env python3
"""A fuzzing campaign: every harness (or those named) in turn for SECONDS each, at nice 10 on
one core (one fuzzing process), from the committed seeds plus a work corpus kept in WORK (so a later campaign goes on
where this one stopped). A crash or timeout is saved in WORK/artifacts/ and the harness is
restarted for the rest of its time. At the end, a table: runs, exec/s, cov, ft, crashes, CPU.

  tests/fuzz/campaign.py [--build build-fuzz] [--work fuzz-work] [--seconds 600] [--cpu S] [NAME...]

--cpu S gives each harness S seconds of CPU instead of wall time: on a machine shared with
other work a niced process gets a fraction of a core, and the CPU time is what counts.
"""
import argparse, glob, os, re, resource, signal, subprocess, sys, time

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(top, "build-fuzz"))
ap.add_argument("--work", default=os.path.join(top, "fuzz-work"))
ap.add_argument("--seconds", type=int, default=600)
ap.add_argument("--cpu", type=int, default=0)
ap.add_argument("names", nargs="*")
a = ap.parse_args()
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK
    except OSError:
        return 0.0
names = a.names or sorted(os.path.basename(p)[5:-2] for p in glob.glob(os.path.join(top, "tests/fuzz/fuzz_*.c")))
os.makedirs(os.path.join(a.work, "artifacts"), exist_ok=True)
env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
           UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
rows = []
for name in names:
    corpus = os.path.join(a.work, name)
    os.makedirs(corpus, exist_ok=True)
    log = open(os.path.join(a.work, f"{name}.log"), "a")
    start = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    runs, crashes, cov, ft, last = 0, 0, 0, 0, ""
    used = 0.0  # CPU of the runs so far (--cpu)
    while True:
        left = int(a.seconds - (time.time() - start)) if not a.cpu else 10 ** 6
        if left < 5 or (a.cpu and used >= a.cpu - 5):
            break
        arts = set(glob.glob(os.path.join(a.work, "artifacts", "*")))
        cmd = ["nice", "-n", "10", os.path.join(a.build, f"fuzz_{name}"), f"-max_total_time={left}", "-timeout=10",
               "-rss_limit_mb=2048", "-max_len=16384", "-print_final_stats=1",
               f"-artifact_prefix={a.work}/artifacts/{name}-", corpus, os.path.join(top, "tests/fuzz/corpus", name)]
        d = os.path.join(top, "tests/fuzz", f"{name}.dict")
        cmd.insert(4, f"-dict={d if os.path.exists(d) else os.path.join(top, 'tests/fuzz/python.dict')}")
        run_log = os.path.join(a.work, f"{name}.run.log")
        with open(run_log, "w") as f:
            p = subprocess.Popen(cmd, cwd=a.work, env=env, stdout=f, stderr=subprocess.STDOUT)
            while p.poll() is None:
                time.sleep(2)
                if a.cpu and used + cpu_of(p.pid) >= a.cpu:
                    p.send_signal(signal.SIGINT)  # libFuzzer stops and prints its final stats
                    p.wait()
                    p.returncode = 0
            used = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + \
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime - before.ru_utime - before.ru_stime
        out = open(run_log, errors="replace").read()
        log.write(out)
        log.flush()
        for m in re.finditer(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)", out, re.M):
            last = m.groups()
        m = re.search(r"stat::number_of_executed_units: (\d+)", out)
        runs += int(m.group(1)) if m else (int(last[0]) if last else 0)
        if last:
            cov, ft = max(cov, int(last[1])), max(ft, int(last[2]))
        new = set(glob.glob(os.path.join(a.work, "artifacts", "*"))) - arts
        crashes += len(new)
        for n in sorted(new):
            print(f"{name}: artifact {n}", flush=True)
        if p.returncode == 0 and not new:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wall = time.time() - start
    rows.append((name, runs, runs / wall if wall else 0, cov, ft, crashes, cpu))
    print(f"{name}: runs {runs} exec/s {runs / wall:.0f} cov {cov} ft {ft} crashes {crashes} cpu {cpu:.0f} s", flush=True)
print(f"{'harness':10} {'runs':>9} {'exec/s':>7} {'cov':>6} {'ft':>7} {'crashes':>7} {'cpu s':>7}")
for r in rows:
    print(f"{r[0]:10} {r[1]:9} {r[2]:7.0f} {r[3]:6} {r[4]:7} {r[5]:7} {r[6]:7.0f}")
print(f"total cpu: {sum(r[6] for r in rows) / 3600:.2f} h")
