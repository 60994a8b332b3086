"""The result cache under concurrency and faults (issue 17): whatever happened to
.looplint_cache/, a run gives exactly what a cold --no-cache run gives (same JSON bytes, same
exit code) and leaves a cache the next run reads. Covered: runs started at the same time on
one cache folder; runs killed with SIGKILL at many moments (spread over the run, at random,
and while the pack's temporary file is being written); a pack truncated, with bytes flipped,
replaced by garbage, emptied, or replaced by a directory, a FIFO or a link to a device; the
cache folder itself a file; temporary packs left behind by killed runs."""
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time

from harness import BIN, ROOT, check, finish, run_bytes

tmp = tempfile.mkdtemp(prefix="looplint-cache-faults-")
proj = os.path.join(tmp, "proj")
rng = random.Random(17)

# the project: every fixture folder (findings of each rule) and a package whose findings come
# from the project pass across files (a chain of helpers ending in time.sleep), so the pack
# holds both per-file results and the project's record
for d in sorted(os.listdir(os.path.join(ROOT, "fixtures"))):
    if d != "native":
        shutil.copytree(os.path.join(ROOT, "fixtures", d), os.path.join(proj, "fixtures", d))
CHAIN = 60
os.makedirs(os.path.join(proj, "chain"))
with open(os.path.join(proj, "chain", "__init__.py"), "w") as fh:
    fh.write("")
for i in range(CHAIN):
    with open(os.path.join(proj, "chain", f"m{i}.py"), "w") as fh:
        if i == 0:
            fh.write("import time\n\n\ndef helper0():\n    time.sleep(1)\n")
        else:
            fh.write(f"from .m{i - 1} import helper{i - 1}\n\n\ndef helper{i}():\n    return helper{i - 1}()\n\n\n"
                     f"async def run{i}():\n    helper{i}()\n")
NFILES = sum(len([f for f in fs if f.endswith(".py")]) for _, _, fs in os.walk(proj))


def args(cache):
    extra = ["--cache-dir", cache] if cache else ["--no-cache"]
    return [BIN, "check", "--output-format", "json", *extra, proj]


def env():
    e = dict(os.environ)
    e.setdefault("LOOPLINT_DATA", ROOT)
    e["LOOPLINT_TIMING"] = "1"  # "N from the cache" on stderr
    return e


def lint(cache=None):
    """(exit code, JSON bytes, files taken from the cache) of one run."""
    p = subprocess.run(args(cache), capture_output=True, env=env(), cwd=ROOT, timeout=600)
    m = re.search(rb"(\d+) from the cache", p.stderr)
    return p.returncode, p.stdout, int(m.group(1)) if m else -1, p.stderr


def cold():
    rc, out, _, err = lint(None)
    return rc, out


def same(name, got, want):
    """A cached run's result equals the cold one, byte for byte."""
    rc, out, hits, err = got
    check(name, (rc, out) == want and rc in (0, 1),
          (rc, want[0], len(out), len(want[1]), err[-300:]))
    return hits


def warm_after(name, cache, want):
    """The next run reads what the faulty one left: every file from the cache, same result."""
    hits = same(name + ": next run == cold", lint(cache), want)
    check(name + ": next run is warm", hits == NFILES, (hits, NFILES))


def edit(i):
    """Changes one helper of the chain (the project's findings change with it)."""
    p = os.path.join(proj, "chain", "m0.py")
    with open(p, "w") as fh:
        if i % 2:
            fh.write("def helper0():\n    return 1\n")
        else:
            fh.write("import time\n\n\ndef helper0():\n    time.sleep(1)\n")


def temporaries(cache):
    return [f for f in os.listdir(cache) if ".tmp-" in f] if os.path.isdir(cache) else []


base = cold()
check("cold run works", base[0] == 1 and base[1].startswith(b"["), base[0])
check("project findings across files", base[1].count(b"LOOP110") >= CHAIN - 1, base[1].count(b"LOOP110"))

# --- (a) runs started at the same time on one cache folder ---
cache = os.path.join(tmp, "c-concurrent")
for round_, n in enumerate((2, 2, 4)):
    if round_:
        edit(round_)  # the runs all have something to write over the pack
    want = cold()
    procs = [subprocess.Popen(args(cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), cwd=ROOT)
             for _ in range(n)]
    outs = [p.communicate(timeout=600) for p in procs]
    for k, (p, (out, err)) in enumerate(zip(procs, outs)):
        check(f"concurrent round {round_} run {k} == cold", (p.returncode, out) == want, (p.returncode, err[-300:]))
    warm_after(f"concurrent round {round_}", cache, want)
    check(f"concurrent round {round_}: no temporary pack left", temporaries(cache) == [], temporaries(cache))
edit(0)
want = cold()
check("project back to its first content", want == base, "")

# --- (b) runs killed with SIGKILL at many moments ---
t0 = time.monotonic()
lint(os.path.join(tmp, "c-timing"))
span = time.monotonic() - t0  # a cold run that writes the cache
cache = os.path.join(tmp, "c-killed")
delays = [span * k / 10 for k in range(12)] + [rng.uniform(0, span * 1.1) for _ in range(8)]
for k, delay in enumerate(delays):
    if k % 3 == 1:
        edit(k)  # the killed run had fresh results to write (and the next one must not take stale ones)
    if k % 5 == 4:
        shutil.rmtree(cache, ignore_errors=True)  # killed in a cold run
    want = cold()
    p = subprocess.Popen(args(cache), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(), cwd=ROOT)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=600)
    same(f"killed after {delay:.3f}s: next run == cold", lint(cache), want)
    warm_after(f"killed after {delay:.3f}s", cache, want)

# killed while the pack is being written: wait for its temporary file, then kill
caught = 0
for k in range(10):
    edit(k)
    want = cold()
    p = subprocess.Popen(args(cache), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(), cwd=ROOT)
    while p.poll() is None:
        if temporaries(cache):
            p.send_signal(signal.SIGKILL)
            caught += 1
            break
        time.sleep(0.0005)
    p.wait(timeout=600)
    same(f"killed writing the pack ({k}): next run == cold", lint(cache), want)
    warm_after(f"killed writing the pack ({k})", cache, want)
print(f"killed while its temporary pack existed: {caught} of 10 runs")
edit(0)
want = cold()

# temporary packs of killed runs: removed by a later write once an hour old, kept while young
cache = os.path.join(tmp, "c-stale")
lint(cache)
old_tmp, young_tmp = (os.path.join(cache, "cache-v1.bin.tmp-" + s) for s in ("OLD123", "NEW456"))
for t in (old_tmp, young_tmp):
    with open(t, "wb") as fh:
        fh.write(b"LLCACHE" + b"\0" * 100)
os.utime(old_tmp, (time.time() - 7200, time.time() - 7200))
edit(1)
want = cold()
same("stale temporaries: run == cold", lint(cache), want)
check("an hour-old temporary pack is removed", not os.path.exists(old_tmp), os.listdir(cache))
check("a young temporary pack (a live run's) is kept", os.path.exists(young_tmp), os.listdir(cache))
os.remove(young_tmp)
edit(0)
want = cold()

# --- (c) a damaged pack ---
cache = os.path.join(tmp, "c-damaged")
pack = os.path.join(cache, "cache-v1.bin")
lint(cache)
warm_after("undamaged", cache, want)
with open(pack, "rb") as fh:
    good = fh.read()
check("the pack is big enough to damage", len(good) > 10000, len(good))


def damaged(name, make, readable_after=True):
    """make() damages the pack (it starts good); the run == cold, then the next one is warm."""
    if os.path.isdir(pack) and not os.path.islink(pack):
        shutil.rmtree(pack)
    elif os.path.lexists(pack):
        os.remove(pack)
    with open(pack, "wb") as fh:
        fh.write(good)
    make()
    try:
        got = lint(cache)
    except subprocess.TimeoutExpired:
        check(name + ": no hang", False, "timed out")
        return
    same(name + ": run == cold", got, want)
    if readable_after:
        warm_after(name, cache, want)


def write_pack(data):
    def make():
        with open(pack, "wb") as fh:
            fh.write(data)
    return make


for cut in (0, 1, 8, 12, 20, 100, len(good) // 3, len(good) // 2, len(good) - 9, len(good) - 1):
    damaged(f"truncated to {cut} bytes", write_pack(good[:cut]))
for k in range(12):
    b = bytearray(good)
    where = rng.randrange(len(b)) if k else 12 + rng.randrange(64)  # also inside the first entry's header
    b[where] ^= 1 << rng.randrange(8)
    damaged(f"bit flipped at {where}", write_pack(bytes(b)))
for k in range(6):
    b = bytearray(good)
    for _ in range(32):
        b[rng.randrange(len(b))] = rng.randrange(256)
    damaged(f"32 random bytes ({k})", write_pack(bytes(b)))
b = bytearray(good)
start = rng.randrange(len(b) - 4096)
b[start:start + 4096] = bytes(4096)
damaged("4 kB zeroed", write_pack(bytes(b)))
damaged("garbage", write_pack(bytes(rng.randrange(256) for _ in range(len(good)))))
damaged("garbage after the magic", write_pack(good[:8] + bytes(rng.randrange(256) for _ in range(5000))))
damaged("a huge count", write_pack(good[:8] + b"\xff\xff\xff\x7f" + good[12:]))
damaged("two packs end to end", write_pack(good + good))
damaged("zero length", write_pack(b""))


def replace_with_dir():
    os.remove(pack)
    os.makedirs(os.path.join(pack, "sub"))


def replace_with_fifo():
    os.remove(pack)
    os.mkfifo(pack)


def replace_with_device():
    os.remove(pack)
    os.symlink("/dev/zero", pack)


# a directory cannot be replaced by a file: the run warns, its result is still the cold one
damaged("a directory in its place", replace_with_dir, readable_after=False)
rc, out, hits, err = lint(cache)
check("a directory in its place: a clear warning", b"cache not written" in err and b"Is a directory" in err, err[-300:])
check("a directory in its place: no temporary pack left", temporaries(cache) == [], temporaries(cache))
shutil.rmtree(pack)
damaged("a FIFO in its place (never read, so no hang)", replace_with_fifo)
damaged("a link to /dev/zero in its place", replace_with_device)

# the cache folder is a file: the run warns and gives the cold result
cache_file = os.path.join(tmp, "not-a-folder")
with open(cache_file, "wb") as fh:
    fh.write(b"x" * 100)
rc, out, hits, err = lint(cache_file)
check("cache folder is a file: run == cold", (rc, out) == want, (rc, err[-300:]))
check("cache folder is a file: a clear warning", b"cache not written" in err, err[-300:])
with open(cache_file, "rb") as fh:
    check("cache folder is a file: the file is left alone", fh.read() == b"x" * 100, "")

shutil.rmtree(tmp, ignore_errors=True)
finish()
