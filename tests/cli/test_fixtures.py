"""Golden tests over fixtures/: the findings equal the `# expect: CODE` annotations of
each line exactly, every fixed_* file is clean, every implemented code has a bad fixture,
and the JSON output equals tests/cli/golden/fixtures.json (LOOPLINT_UPDATE_GOLDEN=1
rewrites it after a reviewed change)."""
import json
import os
import re
from collections import Counter

from harness import ROOT, check, finish, run, run_json

EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9 ,]+)\s*$")
SKIP = {"native"}  # linted with --rules by tests/native
GOLDEN = os.path.join(ROOT, "tests", "cli", "golden", "fixtures.json")


def fixture_files():
    out = []
    for d, dirs, files in os.walk(os.path.join(ROOT, "fixtures")):
        dirs[:] = sorted(x for x in dirs if x not in SKIP)
        for f in sorted(files):
            if f.endswith(".py"):
                out.append(os.path.relpath(os.path.join(d, f), ROOT))
    return out


def expected(path):
    exp = Counter()
    with open(os.path.join(ROOT, path), "rb") as fh:
        for row, line in enumerate(fh.read().decode("utf-8", "replace").splitlines(), 1):
            m = EXPECT.search(line)
            if m:
                for code in re.split(r"[ ,]+", m.group(1).strip()):
                    if code:
                        exp[(path, row, code)] += 1
    return exp


files = fixture_files()
check("fixtures exist", len(files) > 0, "no fixtures found")
dirs = sorted({f.split(os.sep)[1] for f in files if f.count(os.sep) >= 2})
args = [os.path.join("fixtures", d) for d in dirs]
# every call site on its own (a root's other call sites are related locations by default)
rc, data, err = run_json("--no-group", *args)
check("fixtures json", data is not None, err)
data = data or []
check("fixtures exit code 1", rc == 1, f"rc={rc} {err}")

got = Counter((f["filename"], f["location"]["row"], f["code"]) for f in data)
want = Counter()
for f in files:
    want += expected(f)
for key in sorted(want - got):
    check("missing finding", False, "%s:%d %s" % key)
for key in sorted(got - want):
    check("unexpected finding", False, "%s:%d %s" % key)
check("annotations match", got == want, "")

for f in files:
    base = os.path.basename(f)
    if base.startswith("fixed"):
        check(f"{f} has no expectations", not expected(f), "fixed fixtures must be clean")
        check(f"{f} is clean", not any(x["filename"] == f for x in data), "findings in a fixed fixture")

# every code that has a docs page and is implemented has a bad fixture
codes_with_fixtures = {code for (_, _, code) in want}
implemented = {c for c in os.listdir(os.path.join(ROOT, "fixtures")) if re.fullmatch(r"LOOP\d{3}", c)}
for code in sorted(implemented):
    check(f"{code} has a bad fixture", code in codes_with_fixtures, "no # expect annotation")
    check(f"{code} has a docs page", os.path.exists(os.path.join(ROOT, "docs", code + ".md")), "docs page missing")
    has_fixed = any(os.path.basename(f).startswith("fixed") for f in files if f.split(os.sep)[1] == code)
    check(f"{code} has a fixed fixture", has_fixed or code.startswith("LOOP9"), "no fixed_* file")

# golden JSON
if os.environ.get("LOOPLINT_UPDATE_GOLDEN"):
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    with open(GOLDEN, "w") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
try:
    with open(GOLDEN) as fh:
        golden = json.load(fh)
except OSError:
    golden = None
check("golden file exists", golden is not None, GOLDEN)
if golden is not None:
    check("golden JSON equal", golden == data,
          "output differs from tests/cli/golden/fixtures.json; review, then LOOPLINT_UPDATE_GOLDEN=1")

# by default the call sites of one root are one finding: every ungrouped finding is either
# reported or a related location ("reached here too") of a reported one with its code
rc, grouped, err = run_json(*args)
grouped = grouped or []
shown = {(f["filename"], f["location"]["row"], f["location"]["column"], f["code"]) for f in grouped}
for f in grouped:
    for r in f.get("related", []):
        if r["message"] == "the same root is reached here too":
            shown.add((r["filename"], r["location"]["row"], r["location"]["column"], f["code"]))
missing = [f for f in data if (f["filename"], f["location"]["row"], f["location"]["column"], f["code"]) not in shown]
check("grouped: every call site reported or related", not missing, missing[:3])
check("grouped: fewer findings", 0 < len(grouped) < len(data), f"{len(grouped)} vs {len(data)}")
check("grouped: the message lists the other call sites",
      all("more call site" in f["message"] for f in grouped if any(r["message"] == "the same root is reached here too"
                                                                   for r in f.get("related", []))), "")

# the human format agrees with the JSON, sorted by path then position
rc, out, err = run("check", *args)
data = grouped
lines = [l for l in out.splitlines() if re.match(r"^[^:]+:\d+:\d+: LOOP\d{3} ", l)]
check("text lines == json findings", len(lines) == len(data), f"{len(lines)} vs {len(data)}")
keys = [(l.split(":")[0], int(l.split(":")[1]), int(l.split(":")[2])) for l in lines]
check("text sorted", keys == sorted(keys), "")
check("summary line", out.rstrip().endswith(f"Found {len(data)} problems in {len({x['filename'] for x in data})} files."),
      out[-200:])
finish()
