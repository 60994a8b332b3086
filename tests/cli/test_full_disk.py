"""A full disk (issue 17): while the cache is written, the run's result is the cold one, a
warning names the error, the previous pack stays byte-identical and no temporary file is left;
while --fix or --add-noqa writes a file, the file stays byte-identical (same mode), the run
says which file could not be written and why, exits 2, and leaves no temporary file. The disk
is a 64 kB tmpfs when it can be mounted (root), and in every case a file size limit
(RLIMIT_FSIZE with SIGXFSZ ignored: writes fail with EFBIG past it). No source file is ever
lost."""
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from harness import BIN, ROOT, check, finish

try:
    import resource
except ImportError:  # not a POSIX system: neither a tmpfs nor a file size limit
    print("skipped: no resource module (RLIMIT_FSIZE) on this system")
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix="looplint-full-disk-")

SRC = '''"""Module docstring."""
import time
import requests


async def poll(url):
    time.sleep(1)
    requests.get(url, timeout=3)
'''


def run(argv, fsize=None):
    """Runs looplint; fsize: a file size limit for it (SIGXFSZ ignored, so writes get EFBIG)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    e = dict(os.environ)
    e.setdefault("LOOPLINT_DATA", ROOT)
    e["LOOPLINT_TIMING"] = "1"
    p = subprocess.run([BIN, *argv], capture_output=True, env=e, cwd=ROOT, timeout=600,
                       preexec_fn=limit if fsize is not None else None, restore_signals=fsize is None)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def digest(folder):
    """Every file under folder (but the cache): path -> (sha256, mode)."""
    out = {}
    for d, dirs, files in os.walk(folder):
        dirs[:] = [x for x in dirs if x != ".looplint_cache"]
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = (hashlib.sha256(fh.read()).hexdigest(), os.stat(p).st_mode)
    return out


def temporaries(folder):
    return sorted(f for _, _, fs in os.walk(folder) for f in fs if ".tmp-" in f or ".looplint-" in f)


def project(where):
    """A small project (a fixture folder and a cross-file chain) whose pack is some 20 kB."""
    p = os.path.join(where, "proj")
    shutil.copytree(os.path.join(ROOT, "fixtures", "LOOP101"), os.path.join(p, "fx"))
    os.makedirs(os.path.join(p, "chain"))
    for name, text in (("__init__.py", ""), ("m0.py", "import time\n\n\ndef helper0():\n    time.sleep(1)\n"),
                       ("m1.py", "from .m0 import helper0\n\n\nasync def run1():\n    helper0()\n")):
        with open(os.path.join(p, "chain", name), "w") as fh:
            fh.write(text)
    return p


def edit(proj, i):
    with open(os.path.join(proj, "chain", "m0.py"), "w") as fh:
        fh.write("def helper0():\n    return %d\n" % i)


def lint(proj, cache, fsize=None):
    return run(["check", "--output-format", "json", "--cache-dir", cache, proj], fsize=fsize)


def cold(proj):
    rc, out, err = run(["check", "--output-format", "json", "--no-cache", proj])
    return rc, out


def cache_cases(label, proj, cache, fill, unfill, fsize=lambda: None):
    """fill() makes the cache's disk full (or nearly), unfill() frees it; fsize() gives the
    file size limit that stands for the disk (None: a real disk). Each write attempt fails; results stay cold-equal; the pack is untouched."""
    pack = os.path.join(cache, "cache-v1.bin")
    # no pack yet, and the disk is full
    fill()
    want = cold(proj)
    rc, out, err = lint(proj, cache, fsize())
    check(f"{label}: first run on a full disk == cold", (rc, out) == want, (rc, err[-300:]))
    check(f"{label}: first run warns", "cache not written" in err and ("No space left" in err or "too large" in err),
          err[-300:])
    check(f"{label}: first run leaves no pack, no temporary", not os.path.exists(pack) and temporaries(cache) == [],
          os.listdir(cache) if os.path.isdir(cache) else None)
    unfill()
    rc, out, err = lint(proj, cache)
    check(f"{label}: space back: run == cold, pack written", (rc, out) == want and os.path.isfile(pack), err[-300:])
    with open(pack, "rb") as fh:
        before = fh.read()
    for k, how in enumerate(("full", "nearly full")):
        edit(proj, k + 1)  # the run has fresh results to write
        want = cold(proj)
        sources = digest(proj)
        fill(nearly=how == "nearly full")
        rc, out, err = lint(proj, cache, fsize())
        check(f"{label}, {how}: run == cold", (rc, out) == want, (rc, err[-300:]))
        check(f"{label}, {how}: a clear warning", "cache not written" in err and
              ("No space left on device" in err or "File too large" in err), err[-300:])
        with open(pack, "rb") as fh:
            check(f"{label}, {how}: the previous pack is untouched", fh.read() == before, "")
        check(f"{label}, {how}: no temporary pack left", temporaries(cache) == [], temporaries(cache))
        check(f"{label}, {how}: no source file changed", digest(proj) == sources, "")
        unfill()
        rc, out, err = lint(proj, cache)
        check(f"{label}, {how}: space back: run == cold", (rc, out) == want, err[-300:])
        rc, out, err = lint(proj, cache)
        check(f"{label}, {how}: then warm", (rc, out) == want and "%d from the cache" % len(sources) in err,
              (len(sources), err[-300:]))
        with open(pack, "rb") as fh:
            before = fh.read()


def fix_cases(label, folder, fill, unfill):
    """--fix and --add-noqa on a file whose disk is full: the file is left as it was."""
    p = os.path.join(folder, "fixme.py")
    for opt, what in (("--fix", "cannot write the fixed file, left unchanged"),
                      ("--add-noqa", "cannot write the noqa comments, left unchanged")):
        with open(p, "w") as fh:
            fh.write(SRC)
        os.chmod(p, 0o640)
        fill()
        rc, out, err = run(["check", "--no-cache", opt, p])
        with open(p) as fh:
            now = fh.read()
        check(f"{label} {opt}: the file is byte-identical", now == SRC, now)
        check(f"{label} {opt}: its mode is kept", (os.stat(p).st_mode & 0o777) == 0o640, oct(os.stat(p).st_mode))
        check(f"{label} {opt}: exit 2", rc == 2, (rc, err[-300:]))
        check(f"{label} {opt}: says which file and why", f"{p}: {what}" in err and
              ("No space left on device" in err or "File too large" in err), err[-300:])
        check(f"{label} {opt}: no temporary file left", temporaries(folder) == [], temporaries(folder))
        unfill()
        rc, out, err = run(["check", "--no-cache", opt, p])
        with open(p) as fh:
            now = fh.read()
        check(f"{label} {opt}: with space, the file is written", now != SRC and rc in (0, 1), (rc, err[-300:]))


# --- a tiny tmpfs, filled up ---
mnt = os.path.join(tmp, "mnt")
os.makedirs(mnt)
mounted = False
why = "not root"
if os.geteuid() == 0:
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], capture_output=True, text=True)
    mounted = p.returncode == 0
    why = p.stderr.strip().splitlines()[0] if p.stderr.strip() else "mount exit %d" % p.returncode
if mounted:
    try:
        filler = os.path.join(mnt, "filler")

        def fill(nearly=False):
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                for chunk in (65536, 4096, 1):
                    try:
                        while os.write(fd, b"\0" * chunk):
                            pass
                    except OSError as ex:
                        check("tmpfs fills up with ENOSPC", ex.errno == errno.ENOSPC, ex)
            finally:
                os.close(fd)
            if nearly:  # one page free: the pack's write starts, then fails
                os.truncate(filler, max(0, os.path.getsize(filler) - 4096))

        def unfill():
            if os.path.exists(filler):
                os.remove(filler)

        proj = project(tmp)
        cache_cases("tmpfs cache", proj, os.path.join(mnt, "cache"), fill, unfill)
        shutil.rmtree(os.path.join(mnt, "cache"))
        fix_cases("tmpfs", mnt, fill, unfill)
    finally:
        subprocess.run(["umount", mnt])
else:
    print(f"tmpfs not mountable here ({why}): the file size limit cases only")

# --- a file size limit: any write past it fails (EFBIG) ---
lim = os.path.join(tmp, "limit")
os.makedirs(lim)
proj = project(lim)
state = {"fsize": None}


def lim_fill(nearly=False):
    state["fsize"] = 4096 if nearly else 0


def lim_unfill():
    state["fsize"] = None


cache_cases("size-limit cache", proj, os.path.join(lim, "cache"), lim_fill, lim_unfill, lambda: state["fsize"])


def run_fix_limited(folder):
    p = os.path.join(folder, "fixme.py")
    for opt, what in (("--fix", "cannot write the fixed file, left unchanged"),
                      ("--add-noqa", "cannot write the noqa comments, left unchanged")):
        with open(p, "w") as fh:
            fh.write(SRC)
        # the limit lets the original size through but not the longer fixed text
        rc, out, err = run(["check", "--no-cache", opt, p], fsize=len(SRC))
        with open(p) as fh:
            now = fh.read()
        check(f"size-limit {opt}: the file is byte-identical", now == SRC, now)
        check(f"size-limit {opt}: exit 2", rc == 2, (rc, err[-300:]))
        check(f"size-limit {opt}: says which file and why", f"{p}: {what}" in err and "File too large" in err,
              err[-300:])
        check(f"size-limit {opt}: no temporary file left", temporaries(folder) == [], temporaries(folder))


run_fix_limited(lim)

shutil.rmtree(tmp, ignore_errors=True)
finish()
