"""Folder walking respects .gitignore and .ignore (of the folder and of its ancestors up to
the repository root), with negation, folder-only and anchored patterns; files given
explicitly are linted whatever the ignore files say."""
import os
import shutil
import tempfile

from harness import check, finish, run_json

tmp = tempfile.mkdtemp(prefix="looplint-walk-")
repo = os.path.join(tmp, "repo")
SLEEP = "import time\nasync def f():\n    time.sleep(1)\n"
for rel in ["src/a.py", "src/gen/b.py", "src/keep/c.py", "out/d.py", "src/e_generated.py",
            "src/keep/f_generated.py", "src/keep/g_generated.py", "docs/build_notes/h.py"]:
    p = os.path.join(repo, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as fh:
        fh.write(SLEEP)
os.makedirs(os.path.join(repo, ".git"))
with open(os.path.join(repo, ".gitignore"), "w") as fh:
    fh.write("# comment\n/out/\n*_generated.py\n!src/keep/f_generated.py\ndocs/**/h.py\n")
with open(os.path.join(repo, "src", ".ignore"), "w") as fh:
    fh.write("gen/\n")


def files(*paths):
    rc, data, err = run_json(*paths)
    return sorted(os.path.relpath(f["filename"], repo) if os.path.isabs(f["filename"]) else f["filename"] for f in data or [])


got = files(repo)
want = ["src/a.py", "src/keep/c.py", "src/keep/f_generated.py"]
check("root walk", [os.path.relpath(p, repo) if os.path.isabs(p) else p for p in got] == want or
      sorted(x.split("repo/")[-1] for x in got) == want, got)
got = files(os.path.join(repo, "src"))
check("sub-folder walk applies the root .gitignore", sorted(x.split("repo/")[-1] for x in got) == want, got)
got = files(os.path.join(repo, "src", "gen", "b.py"))
check("explicit ignored file is linted", len(got) == 1, got)
# outside a repository, ancestors' ignore files do not apply
shutil.rmtree(os.path.join(repo, ".git"))
got = files(os.path.join(repo, "src"))
check("no repo: only the walked folders' ignore files", "src/e_generated.py" in [x.split("repo/")[-1] for x in got], got)
shutil.rmtree(tmp, ignore_errors=True)
finish()
