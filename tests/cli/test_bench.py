"""The benchmark script runs (on the fixtures) and prints its table: never a timed test."""
import os
import subprocess
import sys

from harness import ROOT, BIN, check, finish

p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run"), os.path.join(ROOT, "fixtures"), "--looplint", BIN,
                    "--ruff", "/nonexistent"], capture_output=True, text=True, timeout=600)
check("bench exit 0", p.returncode == 0, p.stderr[-500:])
for row in ("parse-only", "looplint cold", "looplint warm", "looplint --no-lazy"):
    check(f"bench row {row}", f"| {row} |" in p.stdout, p.stdout)
finish()
