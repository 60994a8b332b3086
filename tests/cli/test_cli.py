"""Command-line contract: options, exit codes, output formats, rule docs, rules data errors."""
import json
import os
import shutil
import tempfile
import xml.dom.minidom

from harness import ROOT, check, finish, run, run_json

tmp = tempfile.mkdtemp(prefix="looplint-cli-")
src = os.path.join(tmp, "a.py")
with open(src, "w") as fh:
    fh.write("import time, subprocess\nasync def f():\n    time.sleep(1)\n    subprocess.run(['x'])\n")
clean = os.path.join(tmp, "clean.py")
with open(clean, "w") as fh:
    fh.write("import asyncio\nasync def f():\n    await asyncio.sleep(1)\n")

rc, out, err = run("--version")
check("version", rc == 0 and out.startswith("looplint "), out)
rc, out, err = run("--help")
check("help", rc == 0 and "check" in out, out)
rc, out, err = run("check", "--help")
check("check help", rc == 0 and "--output-format" in out, out)
rc, out, err = run("bogus")
check("unknown command exit 2", rc == 2, rc)
rc, out, err = run("check", "--bogus", src)
check("unknown option exit 2", rc == 2 and "--bogus" in err, (rc, err))
rc, out, err = run("check", "--output-format", "xml", src)
check("bad format exit 2", rc == 2, rc)
rc, out, err = run("check", "--select", "FOO", src)
check("bad selector exit 2", rc == 2 and "FOO" in err, (rc, err))

rc, out, err = run("check", src)
check("text exit 1", rc == 1, rc)
check("text line", f"{src}:3:5: LOOP101 " in out, out)
check("text summary", "Found 2 problems in 1 file." in out, out)
rc, out, err = run("check", "--quiet", src)
check("quiet no summary", "Found" not in out and "LOOP101" in out, out)
rc, out, err = run("check", clean)
check("clean exit 0", rc == 0 and "All checks passed!" in out, (rc, out))
rc, out, err = run("check", "--exit-zero", src)
check("exit-zero", rc == 0 and "LOOP101" in out, (rc, out))

rc, data, err = run_json("--select", "LOOP103", src)
check("select", [f["code"] for f in data] == ["LOOP103"], data)
rc, data, err = run_json("--ignore", "LOOP1", src)
check("ignore prefix", data == [] and rc == 0, (rc, data))
rc, data, err = run_json("--ignore", "LOOP1", "--extend-select", "LOOP101", src)
check("extend-select more specific", [f["code"] for f in data] == ["LOOP101"], data)

rc, data, err = run_json(src)
f = data[0]
for key in ("code", "message", "filename", "location", "end_location", "fix", "url", "noqa_row", "name", "cell",
            "severity"):
    check(f"json key {key}", key in f, list(f))
check("json location", f["location"] == {"column": 5, "row": 3} and f["end_location"] == {"column": 18, "row": 3},
      (f["location"], f["end_location"]))
check("json url", f["url"].endswith("LOOP101.md"), f["url"])
rc, data, err = run_json(clean)
check("json empty array", data == [] and rc == 0, (rc, data))

rc, out, err = run("check", "--output-format", "json-lines", src)
rows = [json.loads(l) for l in out.splitlines() if l.strip()]
check("json-lines", len(rows) == 2 and rows[0]["code"] == "LOOP101", out)
rc, out, err = run("check", "--output-format", "sarif", src)
sarif = json.loads(out)
run0 = sarif["runs"][0]
check("sarif version", sarif["version"] == "2.1.0" and "$schema" in sarif, list(sarif))
check("sarif driver", run0["tool"]["driver"]["name"] == "looplint" and
      {r["id"] for r in run0["tool"]["driver"]["rules"]} == {"LOOP101", "LOOP103"}, run0["tool"])
for r in run0["results"]:
    check("sarif result fields", all(k in r for k in ("ruleId", "message", "locations")) and
          "text" in r["message"] and r["locations"][0]["physicalLocation"]["region"]["startLine"] > 0, r)
# one root (a helper) called at several places: one finding, the other call sites related
roots = os.path.join(tmp, "roots.py")
with open(roots, "w") as fh:
    fh.write("import time\ndef nap():\n    time.sleep(1)\nasync def a():\n    nap()\nasync def b():\n    nap()\n"
             "    nap()\n")
rc, out, err = run("check", "--output-format", "sarif", roots)
res = json.loads(out)["runs"][0]["results"]
rel = res[0].get("relatedLocations", []) if len(res) == 1 else []
check("sarif: one result per root", len(res) == 1 and "2 more call sites" in res[0]["message"]["text"], out)
check("sarif: chain and call sites as relatedLocations",
      [(r["physicalLocation"]["region"]["startLine"], r["message"]["text"]) for r in rel] ==
      [(2, "`nap()` is defined here"), (3, "`time.sleep()` blocks here"), (7, "the same root is reached here too"),
       (8, "the same root is reached here too")] and [r["id"] for r in rel] == [0, 1, 2, 3], rel)
rc, data, err = run_json(roots)
check("json: one finding per root, related locations", len(data or []) == 1 and len(data[0].get("related", [])) == 4,
      data)
rc, data, err = run_json("--no-group", roots)
check("json --no-group: every call site", [f["location"]["row"] for f in data or []] == [5, 7, 8], data)
rc, out, err = run("check", roots)
check("text: the other call sites listed compactly", "[2 more call sites of this root: roots.py:7, roots.py:8]" in out,
      out)
# two helpers that end at the same blocking step are one root too: it is fixed once
leaf = os.path.join(tmp, "leaf.py")
with open(leaf, "w") as fh:
    fh.write("import time\ndef _nap():\n    time.sleep(1)\ndef short():\n    _nap()\ndef long():\n    _nap()\n"
             "def other():\n    time.sleep(2)\nasync def a():\n    short()\n    long()\n    other()\n")
rc, data, err = run_json(leaf)
check("json: chains that end at one blocking call are one finding",
      [(f["location"]["row"], len(f.get("related", []))) for f in data or []] == [(11, 4), (13, 2)], data)
rc, data, err = run_json("--no-group", leaf)
check("json --no-group: each chain", [f["location"]["row"] for f in data or []] == [11, 12, 13], data)
# two scripts of one name in folders that are no packages are different modules: each file's
# own definitions decide (an async def in one, a plain def of the same name in the other)
dup = os.path.join(tmp, "dup")
for sub, text in (("aio", "import asyncio\nasync def run_case(c):\n    await asyncio.sleep(0)\n"
                          "async def main():\n    await run_case(1)\n"),
                  ("sync", "import time\ndef run_case(c):\n    time.sleep(0)\ndef main():\n    run_case(1)\n")):
    os.makedirs(os.path.join(dup, sub), exist_ok=True)
    with open(os.path.join(dup, sub, "client.py"), "w") as fh:
        fh.write(text)
rc, data, err = run_json(dup)
check("same-named scripts in two folders: each file's own definitions", rc == 0 and data == [], (rc, data, err))
rc, out, err = run("check", "--statistics", roots)
check("statistics: call sites and roots", "(3 call sites through 1 root)" in out, out)
rc, out, err = run("check", "--statistics", "--output-format", "json", roots)
check("statistics json: roots", json.loads(out) == [{"code": "LOOP110", "name": "blocking-call-through-helper",
                                                      "count": 3, "roots": 1}], out)
# --statistics says what the test profile held back
os.makedirs(os.path.join(tmp, "tests"), exist_ok=True)
held = os.path.join(tmp, "tests", "test_held.py")
with open(held, "w") as fh:
    fh.write("import time\nasync def test_x():\n    time.sleep(1)\n")
rc, out, err = run("check", "--statistics", held)
check("statistics: held back in tests", "1 finding in test code held back" in out, out)
rc, out, err = run("check", "--statistics", "--output-format", "json", held)
check("statistics json: held back in tests",
      json.loads(out) == [{"code": None, "name": "held-back-in-tests", "count": 1}], out)
rc, out, err = run("check", "--output-format", "sarif", clean)
check("sarif empty", json.loads(out)["runs"][0]["results"] == [], out)
rc, out, err = run("check", "--output-format", "junit", src)
dom = xml.dom.minidom.parseString(out)
check("junit failures", len(dom.getElementsByTagName("failure")) == 2, out)
rc, out, err = run("check", "--output-format", "github", src)
check("github", out.startswith("::error title=looplint (LOOP101),file=") and ",line=3,col=5," in out, out)
rc, out, err = run("check", "--output-format", "full", src)
check("full caret", "^" in out and "time.sleep(1)" in out, out)

# stdin
rc, data, err = run_json("--stdin-filename", "x/y.py", stdin=b"import time\nasync def f():\n    time.sleep(1)\n")
check("stdin", rc == 1 and len(data) == 1 and data[0]["filename"] == "x/y.py", (rc, data, err))
rc, data, err = run_json("-", stdin=b"import time\nasync def f():\n    time.sleep(1)\n")
check("stdin dash", rc == 1 and len(data) == 1, (rc, data, err))

# rule docs
rc, out, err = run("rule", "LOOP101")
check("rule doc", rc == 0 and "LOOP101" in out and "## What it does" in out, out[:200])
rc, out, err = run("rule", "LOOP999")
check("unknown rule exit 2", rc == 2, rc)
rc, out, err = run("rule")
check("rule list", rc == 0 and "LOOP101" in out and "LOOP301" in out, out[:200])

# malformed rules data: clear error, exit 2
bad = os.path.join(tmp, "data")
os.makedirs(os.path.join(bad, "rules"))
with open(os.path.join(bad, "rules", "blocking.json"), "w") as fh:
    fh.write('{"categories": {"sleep": "LOOP101"},\n "blocking": [\n  {"name": "time.sleep", }\n]}\n')
rc, out, err = run("check", src, env={"LOOPLINT_DATA": bad})
check("bad rules exit 2", rc == 2, rc)
check("bad rules message", "blocking.json" in err and "line 3" in err, err)
with open(os.path.join(bad, "rules", "blocking.json"), "w") as fh:
    fh.write('{"categories": {"sleep": "LOOP101"}, "blocking": [{"name": "time.sleep", "category": "nap"}]}')
rc, out, err = run("check", src, env={"LOOPLINT_DATA": bad})
check("bad category exit 2", rc == 2 and "unknown category" in err, (rc, err))
os.remove(os.path.join(bad, "rules", "blocking.json"))
rc, out, err = run("check", src, env={"LOOPLINT_DATA": bad})
check("missing rules exit 2", rc == 2 and "blocking.json" in err, (rc, err))

# --rules adds knowledge without C changes
extra = os.path.join(tmp, "extra.json")
with open(extra, "w") as fh:
    json.dump({"blocking": [{"name": "mylib.fetch_all", "category": "http", "message": "`mylib.fetch_all` is sync"}]}, fh)
p = os.path.join(tmp, "m.py")
with open(p, "w") as fh:
    fh.write("import mylib\nasync def f():\n    mylib.fetch_all()\n")
rc, data, err = run_json("--rules", extra, p)
check("--rules", [x["code"] for x in data or []] == ["LOOP102"], (data, err))

# the same results with one thread and many
rc1, d1, _ = run_json("--threads", "1", os.path.join(ROOT, "fixtures"))
rc2, d2, _ = run_json("--threads", "8", os.path.join(ROOT, "fixtures"))
check("deterministic across threads", d1 == d2 and d1, "")

shutil.rmtree(tmp, ignore_errors=True)
finish()
