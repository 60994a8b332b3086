"""Golden tests of `looplint native`: the C findings (JSON) and the emitted rules of the
fixture extension and of the pattern files, equal to tests/native/golden/*.json."""
import os
import tempfile

from native_harness import DATA, check, compare_golden, finish, load_json, run, strip_urls

CASES = [
    # golden name, paths (relative to the project root, so filenames in the output are too)
    ("speedups", ["fixtures/native/speedups.c"]),
    ("patterns", [os.path.join(DATA, "patterns.c")]),
    ("multi", [os.path.join(DATA, "multi")]),  # a folder: walked for *.c, linked across files
]

with tempfile.TemporaryDirectory() as tmp:
    for name, paths in CASES:
        rules_path = os.path.join(tmp, name + ".rules.json")
        rc, out, err = run("native", "--output-format", "json", "--emit-rules", rules_path, *paths)
        findings = load_json(out)
        check(f"{name}: exit code 1", rc == 1, f"rc={rc} stderr={err[:500]}")
        check(f"{name}: JSON output", findings is not None, out[:300])
        compare_golden(f"{name}.findings.json", strip_urls(findings))
        with open(rules_path) as fh:
            rules = load_json(fh.read())
        check(f"{name}: rules are JSON", rules is not None and isinstance(rules.get("blocking"), list), str(rules)[:300])
        compare_golden(f"{name}.rules.json", rules)
        for f in findings or []:
            check(f"{name}: LOOP601 only", f["code"] == "LOOP601", f["code"])
            check(f"{name}: message has the chain", " -> " in f["message"] and "holding the GIL" in f["message"],
                  f["message"])

# The acceptance case: the direct sleep(1) is reported at its own row; the released one and
# the pure function are not.
rc, out, err = run("native", "--output-format", "json", "fixtures/native/speedups.c")
rows = sorted((f["location"]["row"], f["location"]["column"]) for f in load_json(out) or [])
check("speedups: direct call reported at the call", (18, 5) in rows, str(rows))
check("speedups: GIL released read() not reported", not any(r == 30 for r, _ in rows), str(rows))
finish()
