"""Shared helpers of the native test scripts: run `looplint native`, compare with goldens.

Each script takes the looplint binary as argv[1], runs from the project root, calls check()
for every expectation and finish() at the end ('N passed, N failed'; exit 1 on failure).
LOOPLINT_UPDATE_GOLDEN=1 rewrites the golden files after a reviewed change."""
import json
import os
import subprocess
import sys

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/looplint"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "native", "golden")
DATA = os.path.join("tests", "native", "data")
SKIP = 77  # ctest SKIP_RETURN_CODE
_counts = [0, 0]


def check(name, ok, detail=""):
    _counts[0 if ok else 1] += 1
    if not ok:
        print(f"FAIL {name}: {detail}", flush=True)


def run(*args, env=None, cwd=None, timeout=300):
    e = dict(os.environ)
    e.setdefault("LOOPLINT_DATA", ROOT)
    e.update(env or {})
    p = subprocess.run([BIN, *args], capture_output=True, env=e, cwd=cwd or ROOT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def load_json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def strip_urls(findings):
    """The docs URL is a build option; everything else in a finding is compared."""
    return [{k: v for k, v in f.items() if k != "url"} for f in findings or []]


def compare_golden(name, got):
    path = os.path.join(GOLDEN, name)
    if os.environ.get("LOOPLINT_UPDATE_GOLDEN"):
        with open(path, "w") as fh:
            json.dump(got, fh, indent=2, sort_keys=True)
            fh.write("\n")
    try:
        with open(path) as fh:
            want = json.load(fh)
    except (OSError, ValueError) as ex:
        check(f"golden {name}", False, f"unreadable: {ex}")
        return
    same = got == want
    detail = ""
    if not same:
        detail = "\n  got:  " + json.dumps(got, sort_keys=True)[:2000] + "\n  want: " + json.dumps(want, sort_keys=True)[:2000]
    check(f"golden {name}", same, detail)


def finish():
    print(f"{_counts[0]} passed, {_counts[1]} failed")
    sys.exit(1 if _counts[1] else 0)
