"""Behaviour of `looplint native` around the analysis: exit codes, every output format
carrying file:row:col, compile_commands.json discovery, Python's include folder."""
import json
import os
import sysconfig
import tempfile

from native_harness import DATA, check, finish, load_json, run

SPEEDUPS = "fixtures/native/speedups.c"
ROW, COL = 18, 5  # usleep() in speedups_nap, the first finding

# --- exit codes -----------------------------------------------------------------------------
rc, out, err = run("native", "--help")
check("--help exits 0", rc == 0 and "--emit-rules" in out, f"rc={rc}")
rc, out, err = run("native")
check("no PATH is a usage error", rc == 2 and "no PATH" in err, f"rc={rc} {err}")
rc, out, err = run("native", "--frobnicate", SPEEDUPS)
check("unknown option is a usage error", rc == 2 and "--frobnicate" in err, f"rc={rc} {err}")
rc, out, err = run("native", "--output-format", "yaml", SPEEDUPS)
check("unknown format is a usage error", rc == 2 and "yaml" in err, f"rc={rc} {err}")
rc, out, err = run("native", "--output-format")
check("option without value is a usage error", rc == 2, f"rc={rc} {err}")
rc, out, err = run("native", os.path.join(DATA, "no_such_file.c"))
check("missing file exits 2", rc == 2 and "no_such_file.c" in err, f"rc={rc} {err}")
rc, out, err = run("native", os.path.join(DATA, "broken.c"))
check("unparsable file exits 2", rc == 2 and "broken.c" in err and "error" in err, f"rc={rc} {err}")
rc, out, err = run("native", "--output-format", "json", os.path.join(DATA, "clean.c"))
check("clean file exits 0", rc == 0 and load_json(out) == [], f"rc={rc} {out[:200]} {err}")
rc, out, err = run("native", "--output-format", "json", SPEEDUPS)
check("findings exit 1", rc == 1, f"rc={rc} {err}")
rc, out, err = run("native", "--emit-rules", "/nonexistent-folder/out.json", SPEEDUPS)
check("unwritable --emit-rules exits 2", rc == 2 and "/nonexistent-folder/out.json" in err, f"rc={rc} {err}")
with tempfile.TemporaryDirectory() as tmp:
    rc, out, err = run("native", tmp)
    check("folder without C sources exits 0", rc == 0 and "no C sources" in err, f"rc={rc} {err}")
rc, out, err = run("native", SPEEDUPS, env={"LOOPLINT_PYTHON_INCLUDE": "/nonexistent-python-include"})
check("missing Python.h exits 2", rc == 2 and "Python.h" in err, f"rc={rc} {err[:300]}")
rc, out, err = run("native", "--output-format", "json", SPEEDUPS, "--", "-DEXTRA=1", "-std=c11")
check("clang args after -- are accepted", rc == 1 and len(load_json(out) or []) == 4, f"rc={rc} {err[:300]}")

rc, out, err = run("native", "--output-format", "json", SPEEDUPS, SPEEDUPS, "fixtures/native/")
check("a file given twice (and through its folder): findings once", rc == 1 and len(load_json(out) or []) == 4,
      f"rc={rc} {out[:300]} {err[:300]}")
broken = os.path.join(DATA, "broken.c")
rc, out, err = run("native", broken, broken)
check("a file given twice is parsed once", rc == 2 and err.count("could not be parsed") == 1, f"rc={rc} {err[:500]}")

# --- every output format says file:row:col --------------------------------------------------
def has_position(fmt, out):
    if fmt in ("concise", "text", "full"):
        return f"{SPEEDUPS}:{ROW}:{COL}" in out
    if fmt == "json":
        return any(f["filename"] == SPEEDUPS and f["location"] == {"row": ROW, "column": COL} for f in load_json(out))
    if fmt == "json-lines":
        rows = [load_json(line) for line in out.splitlines() if line.strip()]
        return any(f["filename"] == SPEEDUPS and f["location"] == {"row": ROW, "column": COL} for f in rows)
    if fmt == "github":
        return f"file={SPEEDUPS},line={ROW},col={COL}" in out
    if fmt == "sarif":
        for res in load_json(out)["runs"][0]["results"]:
            loc = res["locations"][0]["physicalLocation"]
            if loc["artifactLocation"]["uri"].endswith(SPEEDUPS) and loc["region"]["startLine"] == ROW \
                    and loc["region"]["startColumn"] == COL:
                return True
        return False
    if fmt == "junit":
        return f'line="{ROW}" column="{COL}"' in out and SPEEDUPS in out
    return False


for fmt in ["concise", "text", "full", "json", "json-lines", "github", "sarif", "junit"]:
    rc, out, err = run("native", "--output-format", fmt, SPEEDUPS)
    try:
        ok = has_position(fmt, out)
    except (TypeError, KeyError, IndexError, ValueError) as ex:
        ok, out = False, f"{ex}: {out[:300]}"
    check(f"{fmt}: exit 1 and file:row:col", rc == 1 and ok, f"rc={rc} {out[:400]} {err[:200]}")

# --- compile_commands.json ------------------------------------------------------------------
# A project whose source only blocks when a define from the compile database is set, and
# whose header lives in an include folder only the database names (relative to "directory").
SOURCE = """#include <Python.h>
#include "config.h"
static PyObject *maybe_sleep(PyObject *self, PyObject *arg) {
#ifdef USE_SLEEP
    CONFIG_SLEEP(1);
#endif
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"maybe_sleep", maybe_sleep, METH_NOARGS, NULL}, {NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "cdb", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cdb(void) { return PyModule_Create(&def); }
"""
HEADER = "#include <unistd.h>\n#define CONFIG_SLEEP(n) sleep(n)\n"


def make_project(tmp, entry):
    os.makedirs(os.path.join(tmp, "src"))
    os.makedirs(os.path.join(tmp, "include"))
    with open(os.path.join(tmp, "src", "mod.c"), "w") as fh:
        fh.write(SOURCE)
    with open(os.path.join(tmp, "include", "config.h"), "w") as fh:
        fh.write(HEADER)
    with open(os.path.join(tmp, "compile_commands.json"), "w") as fh:
        fh.write(entry if isinstance(entry, str) else json.dumps([entry]))


for style in ("arguments", "command"):
    with tempfile.TemporaryDirectory() as tmp:
        args = ["gcc", "-Iinclude", "-D", "USE_SLEEP", "-Werror", "-Wall", "-O2", "-c", "src/mod.c", "-o", "mod.o"]
        entry = {"directory": tmp, "file": "src/mod.c"}
        if style == "arguments":
            entry["arguments"] = args
        else:
            entry["command"] = " ".join(args)
        make_project(tmp, entry)
        rc, out, err = run("native", "--output-format", "json", os.path.join(tmp, "src"))
        found = [(f["location"]["row"], f["code"]) for f in load_json(out) or []]
        check(f"compile_commands.json ({style}) found in a parent", rc == 1 and found == [(5, "LOOP601")],
              f"rc={rc} {found} {err[:400]}")

with tempfile.TemporaryDirectory() as tmp:
    make_project(tmp, "{ not json")
    rc, out, err = run("native", os.path.join(tmp, "src", "mod.c"))
    check("broken compile_commands.json exits 2", rc == 2 and "compile_commands.json" in err, f"rc={rc} {err[:300]}")

with tempfile.TemporaryDirectory() as tmp:
    make_project(tmp, [])
    os.remove(os.path.join(tmp, "compile_commands.json"))
    rc, out, err = run("native", "--output-format", "json", os.path.join(tmp, "src", "mod.c"),
                       "--", "-I" + os.path.join(tmp, "include"), "-DUSE_SLEEP")
    check("without a database, -- args give the flags", rc == 1 and len(load_json(out) or []) == 1,
          f"rc={rc} {err[:300]}")

# --- Python's include folder ----------------------------------------------------------------
# An explicit -I holding Python.h wins over the automatic one (a bogus automatic one would fail).
inc = sysconfig.get_paths()["include"]
if os.path.exists(os.path.join(inc, "Python.h")):
    rc, out, err = run("native", SPEEDUPS, "--", "-I" + inc, env={"LOOPLINT_PYTHON_INCLUDE": "/nonexistent"})
    check("explicit -I for Python.h is used", rc == 1, f"rc={rc} {err[:300]}")
finish()
