"""`cmake --install` gives a working, relocatable looplint: installs the build that holds the
binary under test into a temp prefix, then runs the installed binary from outside the source
tree with LOOPLINT_DATA unset, and checks it uses the installed rules data and docs."""
import json
import os
import shutil
import subprocess
import tempfile

from harness import BIN, ROOT, check, finish

BUILD = os.path.dirname(BIN)
TMP = tempfile.mkdtemp(prefix="looplint-install-")
PREFIX = os.path.join(TMP, "prefix")
WORK = os.path.join(TMP, "work")


def env_without_overrides():
    env = {k: v for k, v in os.environ.items() if k not in ("LOOPLINT_DATA", "LOOPLINT_LIB", "NO_COLOR")}
    return env


def installed(*args, stdin=None):
    p = subprocess.run([os.path.join(PREFIX, "bin", "looplint"), *args], cwd=WORK, env=env_without_overrides(),
                       input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    check("build folder holds CMakeCache.txt", os.path.isfile(os.path.join(BUILD, "CMakeCache.txt")), BUILD)
    cmake = shutil.which("cmake")
    check("cmake on PATH", cmake is not None, "cmake not found")
    if not cmake:
        return
    p = subprocess.run([cmake, "--install", BUILD, "--prefix", PREFIX], capture_output=True, timeout=300)
    check("cmake --install succeeds", p.returncode == 0, (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    if p.returncode != 0:
        return

    share = os.path.join(PREFIX, "share", "looplint")
    expected = [os.path.join(PREFIX, "bin", "looplint"),
                os.path.join(PREFIX, "share", "man", "man1", "looplint.1"),
                os.path.join(PREFIX, "lib", "looplint", "libloopwatch.so"),
                os.path.join(share, "docs", "LOOP101.md"),
                os.path.join(share, "docs", "configuration.md")]
    expected += [os.path.join(share, "rules", n) for n in os.listdir(os.path.join(ROOT, "rules"))]
    for path in expected:
        check(f"installed: {os.path.relpath(path, PREFIX)}", os.path.isfile(path), path)
    check("installed binary is executable", os.access(os.path.join(PREFIX, "bin", "looplint"), os.X_OK), "")
    with open(os.path.join(PREFIX, "share", "man", "man1", "looplint.1")) as fh:
        man = fh.read()
    check("man page: a roff page with the sections", man.startswith(".\\\"") and "\n.TH LOOPLINT 1 " in man and
          all(f"\n.SH {s}\n" in man for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "CONFIGURATION",
                                               "SUPPRESSIONS", "EXIT STATUS", "FILES", "ENVIRONMENT", "SEE ALSO")),
          man[:300])
    if shutil.which("man"):
        p = subprocess.run(["man", "-l", os.path.join(PREFIX, "share", "man", "man1", "looplint.1")],
                           capture_output=True, env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80"),
                           timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        check("man page renders", p.returncode == 0 and "NAME" in out and "looplint - find code" in out, out[:300])

    # Mark the installed data, so that finding the marks proves the installed copy is the one
    # read (the binary would otherwise fall back to the source tree it was built from).
    with open(os.path.join(share, "docs", "LOOP101.md"), "a") as fh:
        fh.write("\ninstalled-docs-marker\n")
    blocking = os.path.join(share, "rules", "blocking.json")
    with open(blocking) as fh:
        data = json.load(fh)
    data["blocking"].append({"name": "installmarker.block", "category": "other"})
    with open(blocking, "w") as fh:
        json.dump(data, fh)

    os.makedirs(WORK)
    with open(os.path.join(WORK, "app.py"), "w") as fh:
        fh.write("import time, installmarker\nasync def f():\n    time.sleep(1)\n    installmarker.block()\n")
    rc, out, err = installed("check", "--output-format", "json", "app.py")
    try:
        found = [(f["code"], f["location"]["row"]) for f in json.loads(out)]
    except ValueError:
        found = None
    check("installed looplint finds LOOP101", found is not None and ("LOOP101", 3) in found and rc == 1, (rc, out, err))
    check("installed looplint reads the installed rules", found is not None and ("LOOP106", 4) in found, (found, err))
    rc, out, err = installed("rule", "LOOP101")
    check("installed `rule LOOP101` prints the installed doc", rc == 0 and out.startswith("# LOOP101") and
          "## What it does" in out and "installed-docs-marker" in out, (rc, out[:200], err))
    rc, out, err = installed("check", "--stdin-filename", "x.py", stdin=b"import time\nasync def f():\n    time.sleep(1)\n")
    check("installed looplint reads standard input", rc == 1 and "x.py:3:5: LOOP101" in out, (rc, out, err))
    rc, out, err = installed("watch", "--quiet", "--", "true")
    check("installed `watch` finds lib/looplint/libloopwatch.so", rc == 0 and "libloopwatch" not in err, (rc, err))

    # relocatable: the same tree moved elsewhere still finds its data
    moved = os.path.join(TMP, "moved")
    os.rename(PREFIX, moved)
    p = subprocess.run([os.path.join(moved, "bin", "looplint"), "rule", "LOOP101"], cwd=WORK,
                       env=env_without_overrides(), capture_output=True, timeout=60)
    check("a moved install still finds its data", p.returncode == 0 and b"installed-docs-marker" in p.stdout,
          (p.returncode, p.stderr[-300:]))


try:
    main()
except Exception as ex:
    import traceback
    traceback.print_exc()
    check("test ran to the end", False, repr(ex))
finally:
    shutil.rmtree(TMP, ignore_errors=True)
finish()
