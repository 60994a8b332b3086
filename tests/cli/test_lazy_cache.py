"""Parse-on-demand and the cache change nothing: default (lazy) equals --no-lazy on the
fixtures and on a project whose findings depend on files without any async code; a warm
run equals a cold one, follows edits (including an edit in another file that changes a
cross-file finding), and survives a damaged cache."""
import json
import os
import re
import shutil
import tempfile

from harness import ROOT, check, finish, run, write_file

tmp = tempfile.mkdtemp(prefix="looplint-lazy-")
cache = os.path.join(tmp, "cache")


def write(rel, text):
    return write_file(tmp, rel, text)


def findings(*args, cache_dir=None):
    env = {"LOOPLINT_CACHE_DIR": cache_dir} if cache_dir else None
    extra = [] if cache_dir else ["--no-cache"]
    rc, out, err = run("check", "--output-format", "json", *extra, *args, env=env)
    try:
        return sorted((f["filename"], f["location"]["row"], f["code"]) for f in json.loads(out))
    except ValueError:
        return ["invalid", out[:200], err[:200]]


def lazy_vs_full(name, folder):
    """Checks that the default run equals --no-lazy on folder; returns (basename, row, code)."""
    full, lazy = findings("--no-lazy", folder), findings(folder)
    check(name + ": lazy == no-lazy", lazy == full, (lazy, full))
    return lazy, [(os.path.basename(f), r, c) for f, r, c in lazy]


# fixtures: lazy == full
fx = [os.path.join(ROOT, "fixtures", d) for d in sorted(os.listdir(os.path.join(ROOT, "fixtures"))) if d != "native"]
check("fixtures lazy == no-lazy", findings(*fx) == findings("--no-lazy", *fx), "")

# a project where cold files (no async text) matter
write("proj/pkg/__init__.py", "from .client import Client as Client\n")
write("proj/pkg/ioutil.py", "import json\n\n\ndef read_json(path):\n    with open(path) as fh:\n        return json.load(fh)\n")
write("proj/pkg/util.py", "from .ioutil import read_json\n\n\ndef load_config(path):\n    return read_json(path)\n")
write("proj/pkg/client.py", "from .util import load_config\n\n\nclass Client:\n    async def fetch(self):\n        return load_config('x')\n")
write("proj/pkg/legacy.py", "from pkg import Client\n\n\ndef start():\n    Client().fetch()\n")
proj = os.path.join(tmp, "proj")
lazy, codes = lazy_vs_full("project", proj)
check("LOOP110 through two cold helper files", ("client.py", 6, "LOOP110") in codes, codes)
check("LOOP201 in a cold sync file", ("legacy.py", 5, "LOOP201") in codes, codes)

# one file alone (pre-commit): the package gives its definitions, lazily too
one = findings(os.path.join(proj, "pkg", "client.py"))
check("single file sees the chain", [(os.path.basename(f), r, c) for f, r, c in one] == [("client.py", 6, "LOOP110")], one)

# cache: cold == warm == no cache
nocache = findings(proj)
cold = findings(proj, cache_dir=cache)
warm = findings(proj, cache_dir=cache)
check("cache file written", os.path.exists(os.path.join(cache, "cache-v1.bin")), os.listdir(tmp))
check("cold == no cache", cold == nocache, (cold, nocache))
check("warm == cold", warm == cold, (warm, cold))

# an edit in another (cold) file changes a cross-file finding on the warm run
write("proj/pkg/ioutil.py", "def read_json(path):\n    return {}\n")
after = findings(proj, cache_dir=cache)
check("edit in a helper removes LOOP110", not any(c == "LOOP110" for _, _, c in after), after)
check("edit: warm == no cache", after == findings(proj), (after, findings(proj)))
write("proj/pkg/ioutil.py", "import time\n\n\ndef read_json(path):\n    time.sleep(1)\n")
after = findings(proj, cache_dir=cache)
check("edit brings LOOP110 back", any(c == "LOOP110" for _, _, c in after), after)

# a damaged cache is ignored
with open(os.path.join(cache, "cache-v1.bin"), "r+b") as fh:
    fh.seek(40)
    fh.write(b"\xff" * 64)
check("damaged cache == no cache", findings(proj, cache_dir=cache) == findings(proj), "")
with open(os.path.join(cache, "cache-v1.bin"), "wb") as fh:
    fh.write(b"garbage")
check("garbage cache == no cache", findings(proj, cache_dir=cache) == findings(proj), "")

# settings are part of the key: HA mode forced on changes the results of a cached file
write("proj2/a.py", "import asyncio\n\n\nasync def f():\n    asyncio.create_task(f())\n")
p2 = os.path.join(tmp, "proj2")
off = findings(p2, cache_dir=cache)
on = findings("--ha", p2, cache_dir=cache)
check("HA mode not taken from the cache", any(c == "LOOP502" for _, _, c in on) and not any(c == "LOOP502" for _, _, c in off), (on, off))

# modules needed for a few names are parsed in part; the name summary of cold files finds
# subclasses and re-exports by name. Every answer equals the full parse.
write("proj3/app/__init__.py", "")
write("proj3/app/big.py", (
    "import time\n"
    "DOC = \"\"\"\n"
    "def helper():\n"
    "    this is prose in a string, not code\n"
    "\"\"\"\n"
    "\n"
    "def unused_one():\n"
    "    return [i for i in range(3)]\n"
    "\n"
    "def _inner():\n"
    "    time.sleep(1)\n"
    "\n"
    "@staticmethod\n"
    "def decorated():\n"
    "    pass\n"
    "\n"
    "def helper():\n"
    "    return _inner()\n"
    "\n"
    "class Unused:\n"
    "    def m(self):\n"
    "        return 1\n"))
write("proj3/app/service.py", "from .big import helper\n\n\nclass Service:\n    async def fetch(self):\n        return helper()\n")
write("proj3/app/sub.py", "from .service import Service\n\n\nclass Sub(Service):\n    pass\n")
write("proj3/app/user.py", "from .sub import Sub\n\n\ndef go():\n    Sub().fetch()\n")
write("proj3/app/other.py", "class Session:\n    def fetch(self):\n        return 1\n\n\ndef go():\n    Session().fetch()\n")
write("proj3/lib2/__init__.py", "from .impl import run as start\n")
write("proj3/lib2/impl.py", "async def run():\n    return 1\n")
write("proj3/use2.py", "from lib2 import start\n\n\ndef f():\n    start()\n")
# a top-level module `session` with an async close, and a package with its own sync Session:
# a relative import reaches the package's, an absolute one the top-level module's
write("proj3/session.py", "class Session:\n    async def close(self):\n        return 1\n")
write("proj3/app/session.py", "class Session:\n    def close(self):\n        return 1\n")
write("proj3/app/rel_user.py", "from .session import Session\n\n\ndef done():\n    Session().close()\n")
write("proj3/abs_user.py", "from session import Session\n\n\ndef done():\n    Session().close()\n")
p3 = os.path.join(tmp, "proj3")
lazy3, codes3 = lazy_vs_full("partial project", p3)
check("LOOP110 through a helper in a module parsed in part", ("service.py", 6, "LOOP110") in codes3, codes3)
check("LOOP201 through a subclass in a cold file", ("user.py", 5, "LOOP201") in codes3, codes3)
check("LOOP201 through a cold re-export under another name", ("use2.py", 5, "LOOP201") in codes3, codes3)
check("no LOOP201 for a same-named sync method", not any(f == "other.py" for f, _, _ in codes3), codes3)
check("LOOP201 through an absolute import of a top-level module", ("abs_user.py", 5, "LOOP201") in codes3, codes3)
check("no LOOP201 through a relative import of the package's own class",
      not any(f == "rel_user.py" for f, _, _ in codes3), codes3)
rc, out, err = run("check", "--no-cache", p3, env={"LOOPLINT_TIMING": "1"})
m = re.search(r"\((\d+) more in part\)", err)
check("big.py parsed in part", m is not None and int(m.group(1)) >= 1, err[-400:])
cache3 = os.path.join(tmp, "cache3")
cold3 = findings(p3, cache_dir=cache3)
warm3 = findings(p3, cache_dir=cache3)
check("partial: cold == warm == lazy", cold3 == warm3 == lazy3, (cold3, warm3))
# the partial file's cache entry keeps its names: a new caller of another name still sees it
write("proj3/app/service.py", "from .big import helper, decorated\n\n\nclass Service:\n    async def fetch(self):\n        decorated()\n        return helper()\n")
write("proj3/app/more.py", "from .big import unused_one\n\n\nasync def later():\n    return unused_one()\n")
check("partial: warm after edits == no-lazy", findings(p3, cache_dir=cache3) == findings("--no-lazy", p3), "")

# a --no-project run that stores results does not vouch for the rounds a later run needs
cache4 = os.path.join(tmp, "cache4")
first = findings(p3, cache_dir=cache4)
env4 = {"LOOPLINT_CACHE_DIR": cache4}
svc = os.path.join(p3, "app", "big.py")  # parsed in part by a full run, left cold by --no-project
with open(svc) as fh:
    original = fh.read()
with open(svc, "w") as fh:
    fh.write(original + "\n# edited\n")
run("check", "--no-project", "--output-format", "json", p3, env=env4)
with open(svc, "w") as fh:
    fh.write(original)
run("check", "--no-project", "--output-format", "json", p3, env=env4)
check("after --no-project runs, a warm run still equals a cold one", findings(p3, cache_dir=cache4) == first,
      (findings(p3, cache_dir=cache4), first))

# the project pass's findings come from the cache on a settled warm run; a run over the same
# files with one of them only context must not report the others' findings
cache5 = os.path.join(tmp, "cache5")
whole = findings(proj, cache_dir=cache5)
again = findings(proj, cache_dir=cache5)
check("settled warm run == cold run", again == whole, (again, whole))
first_file = sorted(os.path.join(d, f) for d, _, fs in os.walk(proj) for f in fs if f.endswith(".py"))[0]
alone = findings(first_file, cache_dir=cache5)
check("one file given: only its findings", all(f == first_file for f, _, _ in alone), alone)

# --report-unused-noqa makes `noqa` a trigger: a file cached cold by a plain run is parsed then
write("proj6/pkg/__init__.py", "")
write("proj6/pkg/cold.py", "import json\n\n\ndef f():\n    return json.dumps({})  # noqa: LOOP101\n")
p6 = os.path.join(tmp, "proj6")
cache6 = os.path.join(tmp, "cache6")
findings(p6, cache_dir=cache6)
env6 = {"LOOPLINT_CACHE_DIR": cache6}
rc, out, err = run("check", "--report-unused-noqa", "--output-format", "json", p6, env=env6)
check("unused noqa in a file a plain run cached cold", '"LOOP902"' in out, out[:300])

shutil.rmtree(tmp, ignore_errors=True)
finish()
