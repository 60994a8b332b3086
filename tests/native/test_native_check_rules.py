"""The round trip: rules emitted from fixtures/native/speedups.c, loaded by
`looplint check --rules`, report the async calls of fixtures/native/use_speedups.py as
LOOP1xx with the C chain in the message. Compared with the `# expect:` annotations and with
tests/native/golden/use_speedups.check.json. Skips (77) while `check` has no --rules."""
import os
import re
import sys
import tempfile

from native_harness import ROOT, SKIP, check, compare_golden, finish, load_json, run, strip_urls

PY = "fixtures/native/use_speedups.py"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9 ,]+)\s*$")

rc, out, err = run("check", "--help")
if "--rules" not in out + err:
    print("skipped: `looplint check --help` does not mention --rules yet")
    sys.exit(SKIP)

with tempfile.TemporaryDirectory() as tmp:
    rules = os.path.join(tmp, "speedups.rules.json")
    rc, out, err = run("native", "--emit-rules", rules, "fixtures/native/speedups.c")
    check("native --emit-rules", rc == 1 and os.path.exists(rules), f"rc={rc} {err[:300]}")
    rc, out, err = run("check", "--rules", rules, "--output-format", "json", PY)
    data = load_json(out)
    check("check --rules: exit 1 and JSON", rc == 1 and data is not None, f"rc={rc} {out[:300]} {err[:300]}")

want = set()
with open(os.path.join(ROOT, PY)) as fh:
    for row, line in enumerate(fh, 1):
        m = EXPECT.search(line)
        if m:
            want |= {(row, code) for code in re.split(r"[ ,]+", m.group(1).strip()) if code}
got = {(f["location"]["row"], f["code"]) for f in data or []}
check("findings match the # expect: annotations", got == want, f"got {sorted(got)} want {sorted(want)}")
for f in data or []:
    check("message names the C chain", " -> " in f["message"] and "()" in f["message"], f["message"])
compare_golden("use_speedups.check.json", strip_urls(data))
finish()
