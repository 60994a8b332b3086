"""Fitting in next to ruff: every suppression form, every configuration key, every output format,
standard input, and the pre-commit hook. Each case writes its own small project into a temp
folder (with a `[tool.looplint]` at the top, so no configuration above /tmp leaks in) and
asserts what the binary reports."""
import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import BIN, ROOT, check, finish, run, run_json, write_file

TMP = tempfile.mkdtemp(prefix="looplint-eco-")
# one result cache for every run, in the temp folder (so warm runs are exercised too)
os.environ["LOOPLINT_CACHE_DIR"] = os.path.join(TMP, "cache")
SLEEP = "import time\nasync def f():\n    time.sleep(1)\n"
SLEEP_AND_RUN = "import time, subprocess\nasync def f():\n    time.sleep(1)\n    subprocess.run(['x'])\n"


def write(rel, text):
    return write_file(TMP, rel, text)


def project(name, config, files, config_name="pyproject.toml"):
    """A folder holding config (the text of config_name) and files {relpath: source}."""
    root = os.path.join(TMP, name)
    os.makedirs(root, exist_ok=True)
    if config is not None:
        write(os.path.join(name, config_name), config)
    for rel, text in files.items():
        write(os.path.join(name, rel), text)
    return root


def found(data):
    """The findings of a JSON run as a sorted list of (file relative to TMP, row, code)."""
    out = []
    for f in data or []:
        name = f["filename"]
        name = os.path.relpath(name, TMP) if os.path.isabs(name) else name
        out.append((name, f["location"]["row"], f["code"]))
    return sorted(out)


def codes(data):
    return sorted(f["code"] for f in data or [])


# an empty [tool.looplint] at the top: the search for a configuration stops here
write("pyproject.toml", "[tool.looplint]\n")


def suppressions():
    src = write("noqa/a.py", "\n".join([
        "import asyncio, time, requests",            # 1
        "async def g():",                             # 2
        "    pass",                                   # 3
        "async def f():",                             # 4
        "    time.sleep(1)  # noqa",                  # 5  blanket
        "    time.sleep(1)  # noqa: LOOP101",         # 6  code
        "    time.sleep(1)  # noqa: LOOP1",           # 7  prefix
        "    time.sleep(1)  # NOQA:loop101",          # 8  case-insensitive, no space
        "    time.sleep(1)  # noqa: E501",            # 9  another tool's code: reported
        "    time.sleep(1)  # noqa: ASYNC251",        # 10 alias of LOOP101
        "    open('x')  # noqa: ASYNC230",            # 11 alias of LOOP104
        "    asyncio.create_task(g())  # noqa: RUF006",  # 12 alias of LOOP301
        "    x = (",                                  # 13 finding on the middle line,
        "        time.sleep(1)",                      # 14 directive on the last line
        "    )  # noqa: LOOP101",                     # 15
        "    y = (  # noqa: LOOP101",                 # 16 directive on the first line
        "        time.sleep(1)",                      # 17
        "    )",                                      # 18
        "    z = (",                                  # 19 no directive: reported on 20
        "        time.sleep(1)",                      # 20
        "    )",                                      # 21
        "    s = '# noqa'; time.sleep(1)",            # 22 inside a string: reported
        "    time.sleep(1)  # noqa: E501 LOOP101",    # 23 space-separated
        "    time.sleep(1)  # noqa:LOOP102,LOOP101",  # 24 comma, one unused code
        "    time.sleep(1)  # noqa: LOOP102",         # 25 wrong code: reported
        "    time.sleep(1)  # noqa: ASYNC230",        # 26 alias of another code: reported
        "    a = 1  # noqa: LOOP101",                 # 27 unused
        "    b = 2  # noqa",                          # 28 unused blanket
        "    c = 3  # noqa: E501",                    # 29 another tool's: never unused
        "    d = '''",                                # 30 a comment-like line in a string
        "    # noqa",                                 # 31
        "    '''; time.sleep(1)",                     # 32 reported
        "    requests.get(",                          # 33 a call spanning three lines,
        "        'http://x',",                        # 34 suppressed on its last line
        "    )  # noqa: LOOP102",                     # 35
        "",
    ]))
    rc, data, err = run_json(src)
    got = [(row, code) for _, row, code in found(data)]
    want = [(9, "LOOP101"), (20, "LOOP101"), (22, "LOOP101"), (25, "LOOP101"), (26, "LOOP101"), (32, "LOOP101")]
    check("noqa: exactly the unsuppressed lines are reported", got == want, f"got {got}, want {want}; {err}")
    check("noqa: exit 1 with findings left", rc == 1, rc)

    rc, data, err = run_json("--report-unused-noqa", src)
    unused = sorted(f["location"]["row"] for f in data or [] if f["code"] == "LOOP902")
    check("unused noqa: LOOP902 rows", unused == [24, 25, 26, 27, 28], (unused, err))
    msg = {f["location"]["row"]: f["message"] for f in data or [] if f["code"] == "LOOP902"}
    check("unused noqa: names the unused code", "LOOP102" in msg.get(24, "") and "LOOP101" not in msg.get(24, ""), msg)
    check("unused noqa: clean line with a code", "LOOP101" in msg.get(27, ""), msg)
    check("unused noqa: blanket", 28 in msg, msg)
    check("unused noqa: other tools' codes are not reported", 29 not in msg and 9 not in msg, msg)
    rc, data, err = run_json(src)
    check("unused noqa: off by default", "LOOP902" not in codes(data), codes(data))

    # file level
    head = "import time, requests\n"
    body = "async def f():\n    time.sleep(1)\n    requests.get('x')\n"
    cases = {
        "blanket": (head + "# looplint: noqa\n" + body, []),
        "one code": (head + "# looplint: noqa: LOOP101\n" + body, ["LOOP102"]),
        "indented, upper case": (head + "    # LOOPLINT: NOQA:LOOP102\n" + body, ["LOOP101"]),
        "after code: not file-wide": (head + "x = 1  # looplint: noqa\n" + body, ["LOOP101", "LOOP102"]),
        "inside a docstring: not a directive": (head + '"""\n# looplint: noqa\n"""\n' + body, ["LOOP101", "LOOP102"]),
        "at the end of the file": (head + body + "# looplint: noqa: LOOP102\n", ["LOOP101"]),
    }
    for i, (name, (text, want)) in enumerate(cases.items()):
        rc, data, err = run_json(write(f"noqa/file{i}.py", text))
        check(f"file noqa: {name}", codes(data) == want, (codes(data), err))
    rc, data, err = run_json("--report-unused-noqa", write("noqa/file_unused.py", "# looplint: noqa: LOOP103\n" + head + body))
    check("file noqa: unused file-level code reported", [(f["location"]["row"], f["code"]) for f in data or []
                                                         if f["code"] == "LOOP902"] == [(1, "LOOP902")], data)

    # --statistics
    stats_src = write("stats/a.py", SLEEP_AND_RUN + "async def g():\n    time.sleep(2)\n")
    rc, out, err = run("check", "--statistics", stats_src)
    rows = [l.split() for l in out.splitlines() if l.strip()]
    check("statistics: one line per code, most frequent first",
          [(r[0], r[1]) for r in rows] == [("2", "LOOP101"), ("1", "LOOP103")], out)
    check("statistics: exit 1", rc == 1, rc)
    rc, out, err = run("check", "--statistics", "--output-format", "json", stats_src)
    try:
        stats = json.loads(out)
    except ValueError:
        stats = None
    check("statistics json: array of code/count",
          isinstance(stats, list) and [(s.get("code"), s.get("count")) for s in stats] == [("LOOP101", 2), ("LOOP103", 1)],
          out)
    rc, out, err = run("check", "--statistics", "--output-format", "json", write("stats/clean.py", "x = 1\n"))
    check("statistics json: clean is []", out.strip() == "[]" and rc == 0, (rc, out))


def configuration():
    bad = SLEEP_AND_RUN + "import requests\nasync def h():\n    requests.get('x')\n"  # LOOP101 3, LOOP103 4, LOOP102 7

    # select / ignore / extend-select
    root = project("cfg_select", '[tool.looplint]\nselect = ["LOOP1"]\nignore = ["LOOP103"]\n', {"a.py": bad})
    rc, data, err = run_json(root)
    check("config select+ignore", codes(data) == ["LOOP101", "LOOP102"], (codes(data), err))
    rc, data, err = run_json("--select", "LOOP102,LOOP3", root)
    check("--select replaces the config's select", codes(data) == ["LOOP102"], (codes(data), err))
    rc, data, err = run_json("--ignore", "LOOP102", root)
    check("--ignore adds to the config's ignore", codes(data) == ["LOOP101"], (codes(data), err))
    root = project("cfg_extend", '[tool.looplint]\nextend-select = ["LOOP101"]\nignore = ["LOOP1"]\n', {"a.py": bad})
    rc, data, err = run_json(root)
    check("config extend-select: more specific wins over ignore", codes(data) == ["LOOP101"], (codes(data), err))
    root = project("cfg_lower", '[tool.looplint]\nselect = ["loop102"]\n', {"a.py": bad})
    rc, data, err = run_json(root)
    check("config codes are case-insensitive", codes(data) == ["LOOP102"], (codes(data), err))

    # ruff's layering: the command line is applied on top of the whole configuration
    root = project("cfg_layer1", '[tool.looplint]\nignore = ["LOOP101"]\n', {"a.py": SLEEP})
    rc, data, err = run_json("--select", "LOOP101", root)
    check("--select LOOP101 overrides the config's ignore of LOOP101 (ruff)", codes(data) == ["LOOP101"],
          (codes(data), err))
    rc, data, err = run_json("--extend-select", "LOOP101", root)
    check("--extend-select LOOP101 re-enables a code the config ignores (ruff)", codes(data) == ["LOOP101"],
          (codes(data), err))
    root = project("cfg_layer2", '[tool.looplint]\nselect = ["LOOP101"]\n', {"a.py": SLEEP})
    rc, data, err = run_json("--ignore", "LOOP1", root)
    check("--ignore LOOP1 drops LOOP101 the config selects (ruff)", codes(data) == [], (codes(data), err))
    root = project("cfg_empty_select", '[tool.looplint]\nselect = []\n', {"a.py": SLEEP})
    rc, data, err = run_json(root)
    check("select = [] enables nothing (ruff)", codes(data) == [] and rc == 0, (rc, codes(data), err))

    # looplint.toml wins over pyproject.toml in the same folder
    root = project("cfg_both", '[tool.looplint]\nselect = ["LOOP103"]\n', {"a.py": bad})
    write("cfg_both/looplint.toml", 'select = ["LOOP102"]\n')
    rc, data, err = run_json(root)
    check("looplint.toml wins over pyproject.toml", codes(data) == ["LOOP102"], (codes(data), err))
    # a pyproject.toml without [tool.looplint] is passed over
    root = project("cfg_skip", '[tool.looplint]\nselect = ["LOOP103"]\n',
                   {"pkg/pyproject.toml": '[project]\nname = "pkg"\n', "pkg/a.py": bad})
    rc, data, err = run_json(root)
    check("pyproject.toml without [tool.looplint] is passed over", codes(data) == ["LOOP103"], (codes(data), err))

    # exclude, extend-exclude
    root = project("cfg_exclude", '[tool.looplint]\nexclude = ["gen"]\nextend-exclude = ["legacy/*.py"]\n',
                   {"a.py": SLEEP, "gen/b.py": SLEEP, "src/gen/c.py": SLEEP, "legacy/d.py": SLEEP, "keep/e.py": SLEEP})
    rc, data, err = run_json(root)
    check("exclude/extend-exclude when walking", [f for f, _, _ in found(data)] ==
          ["cfg_exclude/a.py", "cfg_exclude/keep/e.py"], (found(data), err))
    rc, data, err = run_json(root, cwd=os.path.join(root, "keep"))
    check("exclude patterns are relative to the config, not the cwd", len(data or []) == 2, (found(data), err))
    explicit = os.path.join(root, "gen", "b.py")
    rc, data, err = run_json(explicit)
    check("an excluded file named explicitly is linted", codes(data) == ["LOOP101"], (codes(data), err))
    rc, data, err = run_json("--force-exclude", explicit, os.path.join(root, "legacy", "d.py"), os.path.join(root, "a.py"))
    check("--force-exclude skips excluded explicit files", [f for f, _, _ in found(data)] == ["cfg_exclude/a.py"],
          (found(data), err))
    rc, data, err = run_json("--force-exclude", explicit)
    check("--force-exclude on only excluded files: clean", data == [] and rc == 0, (rc, data, err))

    # per-file-ignores: table and inline table (in checks/: tests/ would be test code)
    files = {"checks/t.py": SLEEP_AND_RUN, "src/s.py": SLEEP_AND_RUN}
    root = project("cfg_pfi_table", '[tool.looplint]\n\n[tool.looplint.per-file-ignores]\n"checks/*" = ["LOOP101"]\n'
                   '"src/s.py" = ["ALL"]\n', files)
    rc, data, err = run_json(root)
    check("per-file-ignores table", found(data) == [("cfg_pfi_table/checks/t.py", 4, "LOOP103")], (found(data), err))
    root = project("cfg_pfi_inline", '[tool.looplint]\nper-file-ignores = {"checks/*" = ["LOOP1"], "s.py" = ["LOOP103"]}\n',
                   files)
    rc, data, err = run_json(root)
    check("per-file-ignores inline table", found(data) == [("cfg_pfi_inline/src/s.py", 3, "LOOP101")],
          (found(data), err))

    # homeassistant
    task = "import asyncio\nasync def f(c):\n    t = asyncio.create_task(c)\n    await t\n"
    ha_task = "from homeassistant.core import HomeAssistant\n" + task
    root = project("cfg_ha_on", "[tool.looplint]\nhomeassistant = true\n", {"a.py": task})
    rc, data, err = run_json(root)
    check("homeassistant = true: LOOP502 without a homeassistant import", "LOOP502" in codes(data), (codes(data), err))
    rc, data, err = run_json("--no-ha", root)
    check("--no-ha overrides homeassistant = true", "LOOP502" not in codes(data), (codes(data), err))
    root = project("cfg_ha_off", "[tool.looplint]\nhomeassistant = false\n", {"a.py": ha_task})
    rc, data, err = run_json(root)
    check("homeassistant = false: no LOOP502 despite the import", "LOOP502" not in codes(data), (codes(data), err))
    root = project("cfg_ha_auto", "[tool.looplint]\n", {"a.py": task, "b.py": ha_task})
    rc, data, err = run_json(root)
    check("homeassistant unset: by imports", [(f, c) for f, _, c in found(data) if c == "LOOP502"] ==
          [("cfg_ha_auto/b.py", "LOOP502")], (found(data), err))

    # extra-blocking, extra-coroutines
    root = project("cfg_extra", '[tool.looplint]\nextra-blocking = ["mylib.fetch", {name = "other.get", category = "http", '
                   'message = "`other.get` is synchronous", fix = "`other.aget`"}]\nextra-coroutines = ["mylib.refresh"]\n',
                   {"a.py": "import mylib, other\nfrom mylib import refresh as r\nasync def f():\n    mylib.fetch()\n"
                            "    other.get()\n    mylib.refresh()\n    r()\n    await mylib.refresh()\n"
                            "def sync():\n    mylib.fetch()\n"})
    rc, data, err = run_json(root)
    got = [(row, code) for _, row, code in found(data)]
    check("extra-blocking and extra-coroutines", got == [(4, "LOOP106"), (5, "LOOP102"), (6, "LOOP201"), (7, "LOOP201")],
          (got, err))
    msg = {f["location"]["row"]: f["message"] for f in data or []}
    check("extra-blocking message and fix", "`other.get` is synchronous" in msg.get(5, "") and "`other.aget`" in msg.get(5, ""),
          msg.get(5))

    # target-version
    root = project("cfg_tv", '[tool.looplint]\ntarget-version = "py311"\n', {"a.py": SLEEP})
    rc, data, err = run_json(root)
    check("target-version accepted", rc == 1 and codes(data) == ["LOOP101"], (rc, err))

    # editing the configuration between two runs: cached results must follow it
    root = project("cfg_edit", "[tool.looplint]\nhomeassistant = true\n",
                   {"a.py": "import asyncio, mylib\nasync def f(c):\n    t = asyncio.create_task(c)\n    await t\n"
                            "    mylib.fetch()\n"})
    for _ in range(2):
        rc, data, err = run_json(root)
    check("config edit: before", codes(data) == ["LOOP502"], (codes(data), err))
    write("cfg_edit/pyproject.toml", '[tool.looplint]\nhomeassistant = false\nextra-blocking = ["mylib.fetch"]\n')
    for _ in range(2):
        rc, data, err = run_json(root)
    check("config edit: homeassistant and extra-blocking changes take effect", codes(data) == ["LOOP106"],
          (codes(data), err))

    # nested projects: each file uses its nearest configuration, not merged
    root = project("cfg_nested", '[tool.looplint]\nselect = ["LOOP101"]\nextra-coroutines = ["outer.refresh"]\n',
                   {"a.py": bad + "import outer, inner\nasync def k():\n    outer.refresh()\n    inner.refresh()\n",
                    "sub/pyproject.toml": '[tool.looplint]\nselect = ["LOOP103", "LOOP2"]\nextra-coroutines = ["inner.refresh"]\n',
                    "sub/pkg/b.py": bad + "import outer, inner\nasync def k():\n    outer.refresh()\n    inner.refresh()\n"})
    rc, data, err = run_json(root)
    check("nested project uses its own select", found(data) ==
          [("cfg_nested/a.py", 3, "LOOP101"), ("cfg_nested/sub/pkg/b.py", 4, "LOOP103"),
           ("cfg_nested/sub/pkg/b.py", 11, "LOOP201")], (found(data), err))
    # the outer project's extra knowledge must not depend on which other files are in the run
    root = project("cfg_leak", '[tool.looplint]\n',
                   {"a.py": "import mylib\nasync def f():\n    mylib.fetch()\n    mylib.refresh()\n",
                    "sub/pyproject.toml": '[tool.looplint]\nextra-blocking = ["mylib.fetch"]\nextra-coroutines = ["mylib.refresh"]\n',
                    "sub/b.py": "import mylib\nasync def f():\n    mylib.fetch()\n    mylib.refresh()\n"})
    rc, data, err = run_json(root)
    check("a nested project's extra-blocking/extra-coroutines do not leak into its parent",
          [f for f, _, _ in found(data)] == ["cfg_leak/sub/b.py", "cfg_leak/sub/b.py"], (found(data), err))

    # --show-settings
    root = project("cfg_show", '[tool.looplint]\nselect = ["LOOP1"]\nignore = ["LOOP104"]\nexclude = ["gen"]\n'
                   'homeassistant = true\nextra-coroutines = ["mylib.refresh"]\ntarget-version = "py312"\n'
                   '[tool.looplint.per-file-ignores]\n"tests/*" = ["LOOP101"]\n', {"tests/t.py": SLEEP})
    target = os.path.join(root, "tests", "t.py")
    rc, out, err = run("check", "--show-settings", target)
    check("show-settings: exit 0", rc == 0, (rc, err))
    check("show-settings: config path", os.path.join(root, "pyproject.toml") in out, out)
    enabled = re.search(r"^enabled codes\s+\[(.*)\]$", out, re.M)
    enabled = [c.strip() for c in enabled.group(1).split(",")] if enabled else []
    check("show-settings: enabled codes resolved", "LOOP102" in enabled and "LOOP101" not in enabled and
          "LOOP104" not in enabled and "LOOP301" not in enabled, out)
    check("show-settings: the other keys", re.search(r"^homeassistant\s+true$", out, re.M) and
          re.search(r"^target-version\s+py312$", out, re.M) and "mylib.refresh" in out and '"gen"' in out, out)
    rc, out, err = run("check", "--select", "LOOP3", "--show-settings", target)
    check("show-settings: with command-line options", re.search(r"^enabled codes\s+\[LOOP301\]$", out, re.M), out)
    rc, out, err = run("check", "--show-settings", write("cfg_none/x.py", "x = 1\n"))
    check("show-settings: defaults", rc == 0 and os.path.join(TMP, "pyproject.toml") in out, out)

    # bad configurations: exit 2, file:line and a reason
    bad_cases = [
        ("invalid TOML", "select = [\n", 5, "invalid TOML"),
        ("select not a list", 'select = "LOOP1"\n', 5, "list"),
        ("unknown code", 'select = ["FOO1"]\n', 5, "FOO1"),
        ("unknown key", "colour = 1\n", 5, "colour"),
        ("homeassistant not a boolean", 'homeassistant = "yes"\n', 5, "true or false"),
        ("target-version 3.11", 'target-version = "3.11"\n', 5, "py311"),
        ("target-version py3x", 'target-version = "py3x"\n', 5, "target-version"),
        ("extra-blocking unknown key", 'extra-blocking = [{name = "x", colour = "red"}]\n', 5, "extra-blocking"),
        ("extra-blocking unknown category", 'extra-blocking = [{name = "x", category = "nosuch"}]\n', 5, "nosuch"),
        ("per-file-ignores not a list", '[tool.looplint.per-file-ignores]\n"a.py" = "LOOP1"\n', 6, "list"),
        ("per-file-ignores unknown code", 'per-file-ignores = {"a.py" = ["ZZZ9"]}\n', 5, "ZZZ9"),
    ]
    for i, (name, text, line, reason) in enumerate(bad_cases):
        root = project(f"badcfg{i}", f'[project]\nname = "x"\n\n[tool.looplint]\n{text}', {"a.py": SLEEP})
        rc, out, err = run("check", root)
        where = f"{os.path.join(root, 'pyproject.toml')}:{line}:"
        check(f"bad config ({name}): exit 2", rc == 2, (rc, out, err))
        check(f"bad config ({name}): file:line and reason", where in err and reason in err, err)
    root = project("badcfg_toml", 'select = "LOOP1"\n', {"a.py": SLEEP}, config_name="looplint.toml")
    rc, out, err = run("check", root)
    check("bad looplint.toml: file:line", rc == 2 and os.path.join(root, "looplint.toml") + ":1:" in err, (rc, err))


def test_profile():
    """Test code: LOOP1xx and LOOP4xx held back by default (and said in the summary),
    everything else reported; lint-tests = "all" and --include-tests report everything;
    test-paths replaces the default patterns."""
    never_awaited = "import asyncio\nasync def g():\n    asyncio.sleep(1)\n"  # LOOP201 at 3
    swallow = ("import asyncio\nasync def h():\n    try:\n        await asyncio.sleep(1)\n"
               "    except asyncio.CancelledError:\n        pass\n")  # LOOP401 at 5
    files = {"tests/test_a.py": SLEEP + never_awaited.replace("import asyncio\n", "import asyncio\n", 1),
             "tests/helpers.py": swallow, "pkg/conftest.py": SLEEP, "pkg/a_test.py": SLEEP,
             "pkg/app.py": SLEEP, "pkg/testing.py": SLEEP, "qa/check.py": SLEEP}
    root = project("tprof", "[tool.looplint]\n", files)
    rel = lambda data: [(f[len("tprof/"):], r, c) for f, r, c in found(data)]
    rc, data, err = run_json(root)
    check("test profile: LOOP1/LOOP4 held back in tests/, conftest.py, *_test.py; LOOP201 kept",
          rel(data) == [("pkg/app.py", 3, "LOOP101"), ("pkg/testing.py", 3, "LOOP101"), ("qa/check.py", 3, "LOOP101"),
                        ("tests/test_a.py", 6, "LOOP201")], (rel(data), err))
    rc, out, err = run("check", root)
    check("test profile: the summary says what was held back",
          "Found 4 problems in 4 files. 4 findings in test code held back" in out and "--include-tests" in out, out)
    rc, data, err = run_json("--include-tests", root)
    check("--include-tests: everything", len(data or []) == 8 and ("tests/helpers.py", 5, "LOOP401") in rel(data),
          (rel(data), err))
    rc, out, err = run("check", "--include-tests", root)
    check("--include-tests: no held-back note", out.rstrip().endswith("Found 8 problems in 7 files."), out)
    rc, out, err = run("check", os.path.join(root, "pkg", "conftest.py"))
    check("test profile: all held back still says so", rc == 0 and
          "All checks passed! 1 finding in test code held back" in out, (rc, out))

    root = project("tprof_all", '[tool.looplint]\nlint-tests = "all"\n', files)
    rc, data, err = run_json(root)
    check("lint-tests = \"all\": everything", len(data or []) == 8, (found(data), err))
    root = project("tprof_paths", '[tool.looplint]\ntest-paths = ["qa"]\n', files)
    rc, data, err = run_json(root)
    check("test-paths replaces the defaults",
          sorted(f[len("tprof_paths/"):] for f, _, _ in found(data)) ==
          ["pkg/a_test.py", "pkg/app.py", "pkg/conftest.py", "pkg/testing.py", "tests/helpers.py", "tests/test_a.py",
           "tests/test_a.py"], (found(data), err))
    rc, out, err = run("check", "--show-settings", os.path.join(root, "qa", "check.py"))
    check("show-settings: test-paths, lint-tests, test code",
          re.search(r'^test-paths\s+\["qa"\]$', out, re.M) and re.search(r"^lint-tests\s+default", out, re.M) and
          re.search(r"^test code\s+yes$", out, re.M), out)
    rc, out, err = run("check", "--include-tests", "--show-settings", os.path.join(root, "pkg", "app.py"))
    check("show-settings: --include-tests, not test code",
          re.search(r"^lint-tests\s+all$", out, re.M) and re.search(r"^test code\s+no$", out, re.M), out)
    for i, (text, reason) in enumerate([('lint-tests = "some"', '"default" or "all"'),
                                        ("lint-tests = true", '"default" or "all"'),
                                        ('test-paths = "tests"', "list")]):
        root = project(f"tprof_bad{i}", f"[tool.looplint]\n{text}\n", {"a.py": SLEEP})
        rc, out, err = run("check", root)
        check(f"bad config ({text}): exit 2 and reason", rc == 2 and reason in err and ":2:" in err, (rc, err))


def test_profile_async_tests():
    """LOOP207 (an async test that never runs) is about the test itself: the test profile keeps it."""
    files = {"tests/test_a.py": "import unittest\nclass T(unittest.TestCase):\n    async def test_x(self):\n        pass\n"
                                "async def test_y():\n    pass\n"}
    root = project("tprof207", "[tool.looplint]\n\n[tool.pytest.ini_options]\nasyncio_mode = \"strict\"\n", files)
    rc, data, err = run_json(root)
    check("test profile: LOOP207 kept in test code",
          [(f[len("tprof207/"):], r, c) for f, r, c in found(data)] ==
          [("tests/test_a.py", 3, "LOOP207"), ("tests/test_a.py", 5, "LOOP207")], (found(data), err))


def output_formats():
    root = project("fmt", None, {"a.py": SLEEP_AND_RUN, "b,c.py": "import requests\nasync def g():\n    requests.get('x')\n",
                                 "clean.py": "x = 1\n"})
    a, bc, clean = (os.path.join(root, n) for n in ("a.py", "b,c.py", "clean.py"))
    several, none = [a, bc], [clean]

    # concise / text
    rc, out, err = run("check", *several)
    lines = out.splitlines()
    check("concise: lines", lines[:3] == [f"{a}:3:5: LOOP101 " + lines[0].split(" LOOP101 ", 1)[-1],
                                         f"{a}:4:5: LOOP103 " + lines[1].split(" LOOP103 ", 1)[-1],
                                         f"{bc}:3:5: LOOP102 " + lines[2].split(" LOOP102 ", 1)[-1]], out)
    check("concise: summary", lines[-1] == "Found 3 problems in 2 files." and rc == 1, out)
    rc2, out2, _ = run("check", "--output-format", "text", *several)
    check("text is concise", out2 == out and rc2 == rc, out2)
    rc, out, err = run("check", *none)
    check("concise: clean", out == "All checks passed!\n" and rc == 0, (rc, out))

    # full: source line and caret; colour only on a terminal without NO_COLOR
    rc, out, err = run("check", "--output-format", "full", a)
    check("full: header", "LOOP101: " in out and f"--> {a}:3:5" in out, out)
    check("full: source line", re.search(r"^3 \|     time\.sleep\(1\)$", out, re.M), out)
    caret = re.search(r"^\s+\|\s(\s*)(\^+) LOOP101$", out, re.M)
    check("full: caret under the call", caret and len(caret.group(1)) == 4 and len(caret.group(2)) == len("time.sleep(1)"),
          out)
    check("full: no ANSI escapes when piped", "\x1b[" not in out, repr(out[:200]))
    rc, out, err = run("check", "--output-format", "full", *none)
    check("full: clean", out == "All checks passed!\n" and rc == 0, out)

    def on_tty(extra_env):
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        env.setdefault("LOOPLINT_DATA", ROOT)
        env.update(extra_env)
        master, slave = pty.openpty()
        p = subprocess.Popen([BIN, "check", "--output-format", "full", a], stdout=slave, stderr=subprocess.DEVNULL,
                             env=env, cwd=ROOT)
        os.close(slave)
        chunks = []
        while True:
            try:
                d = os.read(master, 65536)
            except OSError:
                break
            if not d:
                break
            chunks.append(d)
        p.wait(timeout=60)
        os.close(master)
        return b"".join(chunks).decode("utf-8", "replace")
    check("full: colour on a terminal", "\x1b[" in on_tty({}), "no escapes on a tty")
    check("full: NO_COLOR=1 turns colour off", "\x1b[" not in on_tty({"NO_COLOR": "1"}), "escapes with NO_COLOR=1")
    check("full: NO_COLOR empty does not turn colour off (no-color.org)", "\x1b[" in on_tty({"NO_COLOR": ""}),
          "no escapes with NO_COLOR=''")

    # json: ruff's keys, in ruff's (alphabetical) order
    rc, data, err = run_json(*several)
    ruff_keys = ["cell", "code", "end_location", "filename", "fix", "location", "message", "name", "noqa_row", "severity",
                 "url"]
    check("json: several", isinstance(data, list) and len(data) == 3 and rc == 1, (rc, err))
    for f in data or []:
        check(f"json: ruff keys ({f.get('code')})", [k for k in f if k in ruff_keys] == ruff_keys and list(f) == sorted(f),
              list(f))
        check(f"json: positions ({f.get('code')})", f["location"]["row"] >= 1 and f["location"]["column"] >= 1 and
              (f["end_location"]["row"], f["end_location"]["column"]) > (f["location"]["row"], f["location"]["column"]), f)
        check(f"json: noqa_row, severity, url ({f.get('code')})", f["noqa_row"] == f["location"]["row"] and
              f["severity"] == "error" and f["url"].endswith(f"{f['code']}.md") and f["cell"] is None, f)
    rc, data0, err = run_json(*none)
    check("json: clean is []", data0 == [] and rc == 0, (rc, data0))

    # json-lines: the same objects, one per line
    rc, out, err = run("check", "--output-format", "json-lines", *several)
    try:
        rows = [json.loads(l) for l in out.splitlines()]
    except ValueError:
        rows = None
    check("json-lines: one object per line, same as json", rows == data, out)
    rc, out, err = run("check", "--output-format", "json-lines", *none)
    check("json-lines: clean is empty", out == "" and rc == 0, (rc, out))

    # github
    rc, out, err = run("check", "--output-format", "github", *several)
    pat = re.compile(r"^::error title=looplint \((LOOP\d{3})\),file=([^,:]+),line=(\d+),col=(\d+),endLine=(\d+),"
                     r"endColumn=(\d+)::(.+)$")
    ms = [pat.match(l) for l in out.splitlines()]
    check("github: every line is an annotation", len(ms) == 3 and all(ms), out)
    if len(ms) == 3 and all(ms):
        check("github: fields", [(m.group(1), m.group(3), m.group(4)) for m in ms] ==
              [("LOOP101", "3", "5"), ("LOOP103", "4", "5"), ("LOOP102", "3", "5")], out)
        check("github: comma in a file name is escaped", ms[2].group(2) == bc.replace(",", "%2C"), ms[2].group(2))
        check("github: message names file:row:col: CODE", ms[0].group(7).startswith(f"{a}:3:5: LOOP101 "), ms[0].group(7))
    rc, out, err = run("check", "--output-format", "github", *none)
    check("github: clean prints nothing", out == "" and rc == 0, (rc, out))

    # sarif: the required fields of the SARIF 2.1.0 schema
    def sarif_ok(doc, n):
        problems = []
        if doc.get("version") != "2.1.0":
            problems.append("version")
        runs = doc.get("runs")
        if not isinstance(runs, list) or not runs:
            return problems + ["runs"]
        for r in runs:
            driver = (r.get("tool") or {}).get("driver") or {}
            if not driver.get("name"):
                problems.append("tool.driver.name")
            rules = driver.get("rules", [])
            for rule in rules:
                if not rule.get("id") or not rule.get("helpUri"):
                    problems.append(f"rule {rule}")
            results = r.get("results")
            if not isinstance(results, list) or len(results) != n:
                problems.append(f"results {results!r:.80}")
                continue
            for res in results:
                m = res.get("message") or {}
                if not (m.get("text") or m.get("id")):
                    problems.append("message")
                if "ruleIndex" in res and not (0 <= res["ruleIndex"] < len(rules) and
                                               rules[res["ruleIndex"]].get("id") == res.get("ruleId")):
                    problems.append(f"ruleIndex {res.get('ruleIndex')} for {res.get('ruleId')}")
                for loc in res.get("locations", []):
                    pl = loc.get("physicalLocation")
                    if pl is None:
                        continue
                    if "artifactLocation" in pl and not isinstance(pl["artifactLocation"].get("uri"), str):
                        problems.append("uri")
                    if "region" in pl and not pl["region"].get("startLine", 0) >= 1:
                        problems.append("startLine")
            ids = {res.get("ruleId") for res in results}
            if n and ids != {rule.get("id") for rule in rules}:
                problems.append(f"rules {ids}")
        return problems
    for label, paths, n in (("several", several, 3), ("clean", none, 0)):
        rc, out, err = run("check", "--output-format", "sarif", *paths)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = {}
        problems = sarif_ok(doc, n)
        check(f"sarif ({label}): schema's required fields", not problems, problems)
    rc, out, err = run("check", "--output-format", "sarif", bc)
    doc = json.loads(out)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    check("sarif: uri names the file", uri.endswith("b,c.py") or uri.endswith("b%2Cc.py"), uri)

    # junit
    rc, out, err = run("check", "--output-format", "junit", *several)
    try:
        tree = ET.fromstring(out)
    except ET.ParseError as ex:
        tree = None
        check("junit: parses", False, f"{ex}: {out[:200]}")
    if tree is not None:
        suites = tree.findall("testsuite")
        check("junit: testsuites > testsuite per file", tree.tag == "testsuites" and
              [s.get("name") for s in suites] == [a, bc], [s.get("name") for s in suites])
        cases = [(s.get("name"), c.get("name"), c.get("line")) for s in suites for c in s.findall("testcase")
                 if c.find("failure") is not None]
        check("junit: a failing testcase per finding", cases == [(a, "org.looplint.LOOP101", "3"),
                                                                 (a, "org.looplint.LOOP103", "4"),
                                                                 (bc, "org.looplint.LOOP102", "3")], cases)
        check("junit: counts", tree.get("tests") == "3" and tree.get("failures") == "3" and
              [s.get("failures") for s in suites] == ["2", "1"], out[:300])
    rc, out, err = run("check", "--output-format", "junit", *none)
    try:
        tree = ET.fromstring(out)
    except ET.ParseError:
        tree = None
    check("junit clean: parses, no failure", tree is not None and tree.find(".//failure") is None, out)
    if tree is not None:
        total = sum(int(s.get("tests", "0")) for s in tree.findall("testsuite"))
        check("junit clean: testsuites' tests is the sum of its suites'", tree.get("tests") == str(total),
              (tree.get("tests"), total))


def standard_input():
    rc, data, err = run_json("--stdin-filename", "x/y.py", stdin=SLEEP_AND_RUN.encode())
    check("stdin: findings carry the --stdin-filename", [(f["filename"], f["code"]) for f in data or []] ==
          [("x/y.py", "LOOP101"), ("x/y.py", "LOOP103")], (data, err))
    rc, out, err = run("check", "--stdin-filename", "x/y.py", stdin=SLEEP.encode())
    check("stdin: concise", out.startswith("x/y.py:3:5: LOOP101 ") and rc == 1, out)
    rc, data, err = run_json("-", stdin=SLEEP.encode())
    check("stdin: `-`", codes(data) == ["LOOP101"] and rc == 1, (data, err))

    root = project("stdin_cfg", '[tool.looplint]\nignore = ["LOOP101"]\nexclude = ["gen"]\n',
                   {"sub/.keep": "", "gen/.keep": ""})
    rc, data, err = run_json("--stdin-filename", os.path.join(root, "sub", "z.py"), stdin=SLEEP_AND_RUN.encode())
    check("stdin: configuration from the --stdin-filename's folder", codes(data) == ["LOOP103"], (codes(data), err))
    rc, data, err = run_json("--stdin-filename", "sub/z.py", stdin=SLEEP_AND_RUN.encode(), cwd=root)
    check("stdin: relative --stdin-filename resolved from the cwd", codes(data) == ["LOOP103"] and
          data[0]["filename"] == "sub/z.py", (data, err))
    rc, data, err = run_json("--stdin-filename", os.path.join(root, "new", "pkg", "z.py"), stdin=SLEEP_AND_RUN.encode())
    check("stdin: configuration found for a file in a folder that does not exist yet", codes(data) == ["LOOP103"],
          (codes(data), err))
    rc, data, err = run_json("--stdin-filename", os.path.join(root, "gen", "z.py"), stdin=SLEEP_AND_RUN.encode())
    check("stdin: an excluded --stdin-filename is linted without --force-exclude", codes(data) == ["LOOP103"],
          (codes(data), err))
    rc, data, err = run_json("--force-exclude", "--stdin-filename", os.path.join(root, "gen", "z.py"),
                             stdin=SLEEP_AND_RUN.encode())
    check("stdin: --force-exclude skips an excluded --stdin-filename (ruff)", data == [] and rc == 0, (rc, data, err))
    rc, out, err = run("check", "--output-format", "full", "--stdin-filename", "x/y.py", stdin=SLEEP.encode())
    check("stdin: full shows the source line from standard input", re.search(r"^3 \|     time\.sleep\(1\)$", out, re.M),
          out)


def hook_entry():
    """The hook in .pre-commit-hooks.yaml, as {key: value} (a flat list of one hook)."""
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as fh:
        text = fh.read()
    hook = {}
    for line in text.splitlines():
        m = re.match(r"^[- ] (\w+): (.*)$", line)
        if m:
            hook[m.group(1)] = m.group(2).strip().strip('"')
    return hook


def pre_commit():
    hook = hook_entry()
    check("hook: id, language, types", hook.get("id") == "looplint" and hook.get("language") == "system" and
          re.fullmatch(r"\[\s*python\s*,\s*pyi\s*\]", hook.get("types_or", "")), hook)
    entry = shlex.split(hook.get("entry", ""))
    check("hook: entry is `looplint check --force-exclude`", entry[:2] == ["looplint", "check"] and
          "--force-exclude" in entry, entry)
    argv = [BIN] + entry[1:]
    root = project("hook", '[tool.looplint]\nexclude = ["vendored"]\n',
                   {"bad.py": SLEEP, "ok.py": "import asyncio\nasync def f():\n    await asyncio.sleep(1)\n",
                    "stubs.pyi": "async def f() -> None: ...\n", "vendored/v.py": SLEEP, "README.txt": "time.sleep\n"})
    env = dict(os.environ)
    env.setdefault("LOOPLINT_DATA", ROOT)

    # what pre-commit does: the entry split into argv, the staged files that match the types appended
    def emulate(staged):
        names = [s for s in staged if s.endswith((".py", ".pyi"))]
        return subprocess.run(argv + names, cwd=root, env=env, capture_output=True, timeout=120)
    p = emulate(["bad.py", "README.txt"])
    check("hook entry: fails on a bad staged file", p.returncode == 1 and b"bad.py:3:5: LOOP101" in p.stdout, p)
    p = emulate(["ok.py", "stubs.pyi", "README.txt"])
    check("hook entry: passes on clean staged files", p.returncode == 0, p)
    p = emulate(["ok.py", "vendored/v.py"])
    check("hook entry: excluded staged files are skipped (--force-exclude)", p.returncode == 0, p)

    # the real tool, when it is installed (Debian: apt-get install pre-commit)
    if not shutil.which("pre-commit") or not shutil.which("git"):
        print("note: pre-commit not on PATH; ran the hook's entry directly")
        return
    cfg = ("repos:\n  - repo: local\n    hooks:\n      - id: looplint\n        name: looplint\n"
           f"        entry: {shlex.join(argv)}\n        language: system\n        types_or: [python, pyi]\n"
           "        require_serial: true\n")
    write("hook/.pre-commit-config.yaml", cfg)
    genv = dict(env, PRE_COMMIT_HOME=os.path.join(TMP, "pre-commit-home"), GIT_CEILING_DIRECTORIES=TMP,
                GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", PRE_COMMIT_COLOR="never")

    def git(*args):
        return subprocess.run(["git", *args], cwd=root, env=genv, capture_output=True, timeout=60)
    git("init", "-q", ".")
    git("add", ".pre-commit-config.yaml", "pyproject.toml", "bad.py", "README.txt")
    p = subprocess.run(["pre-commit", "run"], cwd=root, env=genv, capture_output=True, timeout=120)
    check("pre-commit: fails on a bad staged file", p.returncode == 1 and b"bad.py:3:5: LOOP101" in p.stdout,
          (p.returncode, p.stdout[-600:], p.stderr[-300:]))
    git("rm", "-q", "--cached", "bad.py")
    git("add", "ok.py", "stubs.pyi", "vendored/v.py")
    p = subprocess.run(["pre-commit", "run"], cwd=root, env=genv, capture_output=True, timeout=120)
    check("pre-commit: passes on clean staged files (excluded ones skipped)", p.returncode == 0 and b"Passed" in p.stdout,
          (p.returncode, p.stdout[-600:], p.stderr[-300:]))


try:
    suppressions()
    configuration()
    test_profile()
    test_profile_async_tests()
    output_formats()
    standard_input()
    pre_commit()
except Exception as ex:  # a crash is a failure too, after the checks made so far
    import traceback
    traceback.print_exc()
    check("test ran to the end", False, repr(ex))
finally:
    shutil.rmtree(TMP, ignore_errors=True)
finish()
