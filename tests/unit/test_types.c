/* test_types.c: the type engine (model/types.c). Type expressions and `$N` arguments, path
 * reduction against a small rules database (library classes, bases, sync clients), and
 * what a file's walk infers: annotations of every form, loops, `with`, comprehensions,
 * unpacking, subscripts, `/`, casts, walrus, module constants; and that unknown stays
 * unknown. Project-wide inference (other files) is in test_project.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "model/types.h"
#include "rules/engine.h"

static const char RULES[] =
    "{\"categories\": {\"file\":\"LOOP104\",\"http\":\"LOOP102\",\"other\":\"LOOP106\"},"
    " \"blocking\": ["
    "  {\"name\":\"pathlib.Path.read_text\",\"category\":\"file\"},"
    "  {\"name\":\"pathlib.Path.unlink\",\"category\":\"file\"},"
    "  {\"name\":\"pathlib.Path.exists\",\"category\":\"file\"},"
    "  {\"name\":\"os.DirEntry.stat\",\"category\":\"file\"},"
    "  {\"name\":\"io.TextIOWrapper.read\",\"category\":\"file\"}"
    " ],"
    " \"sync_clients\": [{\"name\":\"serial.Serial\",\"category\":\"other\",\"constructor\":true,\"except\":[\"fileno\"]},"
    "                    {\"name\":\"dock\",\"module\":true,\"category\":\"http\"},"
    "                    {\"name\":\"usbdev.Port\",\"category\":\"other\",\"constructor\":true}],"
    " \"bases\": {\"pathlib.Path\":[\"pathlib.PurePath\"], \"pathlib.PurePath\":[], \"pathlib.PosixPath\":[\"pathlib.Path\"],"
    "            \"serial.Serial\":[], \"dock.Client\":[], \"dock.Containers\":[], \"io.TextIOWrapper\":[]},"
    " \"returns\": {"
    "  \"pathlib.PurePath.parent\":\"pathlib.PurePath\", \"pathlib.Path.parent\":\"pathlib.Path\","
    "  \"pathlib.Path.__truediv__\":\"pathlib.Path\", \"pathlib.Path.iterdir\":\"typing.Iterator[pathlib.Path]\","
    "  \"pathlib.Path.home\":\"pathlib.Path\", \"pathlib.Path.parents\":\"typing.Sequence[pathlib.Path]\","
    "  \"builtins.open\":\"io.TextIOWrapper\", \"io.TextIOWrapper.__enter__\":\"io.TextIOWrapper\","
    "  \"builtins.list.__iter__\":\"typing.Iterator[$0]\", \"builtins.list.__getitem__\":\"$0\","
    "  \"builtins.dict.values\":\"typing.Iterable[$1]\", \"builtins.dict.items\":\"typing.Iterable[builtins.tuple[$0, $1]]\","
    "  \"builtins.dict.get\":\"$1\", \"typing.Iterable.__iter__\":\"typing.Iterator[$0]\", \"typing.Iterator.__next__\":\"$0\","
    "  \"typing.Sequence.__getitem__\":\"$0\", \"os.scandir\":\"os.It[builtins.str]\", \"os.It.__enter__\":\"os.It[$0]\","
    "  \"os.It.__next__\":\"os.DirEntry[$0]\", \"dock.from_env\":\"dock.Client\", \"dock.Client.containers\":\"dock.Containers\""
    " }}";

typedef struct env {
  ll_ruledb db;
  ll_linter linter;
  TSParser *parser;
  ll_findings out;
} env;

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  char err[256];
  ll_ruledb_init(&e->db);
  if (ll_ruledb_load_text(&e->db, "test", RULES, err, sizeof err) != 0) fail_msg("%s", err);
  ll_settings s = {.ha_mode = 0};
  ll_linter_init(&e->linter, &e->db, &s);
  e->parser = ts_parser_new();
  ll_findings_init(&e->out);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  ll_findings_free(&e->out);
  ts_parser_delete(e->parser);
  ll_linter_free(&e->linter);
  ll_ruledb_free(&e->db);
  free(e);
  return 0;
}

static const char *lint(env *e, const char *code, char *buf, size_t size) {
  ll_findings_free(&e->out);
  ll_findings_init(&e->out);
  ll_source src;
  ll_source_from_buffer(&src, "m.py", code, strlen(code));
  src.module = "m";
  ll_lint_source(&e->linter, e->parser, &src, &e->out, NULL);
  ll_source_free(&src);
  ll_findings_sort(&e->out);
  buf[0] = 0;
  size_t n = 0;
  for (size_t i = 0; i < e->out.v.len; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%s@%u", i ? " " : "", e->out.v.items[i].code, e->out.v.items[i].start.row);
  return buf;
}

#define LINT(code) lint(*state, code, buf, sizeof buf)

static void type_expressions(void **state) {
  (void)state;
  ll_arena a;
  ll_arena_init(&a);
  assert_int_equal(ll_texpr_head_len("builtins.dict[builtins.str, pkg.Device]"), 13);
  assert_string_equal(ll_texpr_arg(&a, "builtins.dict[builtins.str, pkg.Device]", 1), "pkg.Device");
  assert_string_equal(ll_texpr_arg(&a, "builtins.dict[builtins.str, builtins.list[a.B]]", 1), "builtins.list[a.B]");
  assert_null(ll_texpr_arg(&a, "builtins.dict[builtins.str, pkg.Device]", 2));
  assert_null(ll_texpr_arg(&a, "pathlib.Path", 0));
  assert_string_equal(ll_path_step(&a, "<pathlib.Path>", "()"), "<pathlib.Path>()");
  assert_null(ll_path_step(&a, NULL, "()"));
  char big[LL_PATH_MAX + 8];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  assert_null(ll_path_attr(&a, big, "x", 1)); /* too long: unknown */
  ll_arena_free(&a);
}

static void reduce_library(void **state) {
  env *e = *state;
  ll_arena a;
  ll_arena_init(&a);
  ll_typer t;
  ll_typer_init(&t, &e->db, &a, NULL);
  ll_value v = ll_typer_reduce(&t, "pathlib.Path()");
  assert_int_equal(v.kind, LL_V_INSTANCE);
  assert_string_equal(v.name, "pathlib.Path");
  /* an inherited member answers under the class that has it */
  v = ll_typer_reduce(&t, "<pathlib.PosixPath>.exists");
  assert_int_equal(v.kind, LL_V_MEMBER);
  assert_string_equal(ll_typer_callable(&t, &v), "pathlib.Path.exists");
  assert_non_null(ll_typer_blocking(&t, &v, NULL));
  /* $N: the receiver's own arguments */
  v = ll_typer_reduce(&t, "<builtins.dict[builtins.str,pathlib.Path]>.values()@");
  assert_int_equal(v.kind, LL_V_INSTANCE);
  assert_string_equal(v.name, "pathlib.Path");
  v = ll_typer_reduce(&t, "<builtins.dict[builtins.str,pathlib.Path]>.items()@[1]");
  assert_string_equal(v.name, "pathlib.Path");
  v = ll_typer_reduce(&t, "<builtins.list>[0]"); /* no argument to substitute: unknown */
  assert_int_equal(v.kind, LL_V_UNKNOWN);
  /* sync clients: the constructor and the methods of the class, not its exceptions */
  v = ll_typer_reduce(&t, "serial.Serial");
  assert_int_equal(v.kind, LL_V_CLASS);
  assert_non_null(ll_typer_blocking(&t, &v, NULL));
  v = ll_typer_reduce(&t, "serial.Serial().read");
  assert_non_null(ll_typer_blocking(&t, &v, NULL));
  v = ll_typer_reduce(&t, "serial.Serial().fileno");
  assert_null(ll_typer_blocking(&t, &v, NULL));
  v = ll_typer_reduce(&t, "dock.from_env().containers.list");
  assert_int_equal(v.kind, LL_V_MEMBER);
  assert_string_equal(v.name, "dock.Containers");
  assert_non_null(ll_typer_blocking(&t, &v, NULL));
  /* a class the data knows only as a sync client (no stub, no bases entry) */
  v = ll_typer_reduce(&t, "usbdev.Port");
  assert_int_equal(v.kind, LL_V_CLASS);
  assert_non_null(ll_typer_blocking(&t, &v, NULL));
  v = ll_typer_reduce(&t, "usbdev.Port().read");
  assert_non_null(ll_typer_blocking(&t, &v, NULL));
  /* a library name the data says nothing of: nothing is guessed */
  v = ll_typer_reduce(&t, "somelib.Thing().method");
  assert_int_equal(v.kind, LL_V_UNKNOWN);
  /* a project name in a file's walk: pending, for the project pass */
  t.module = "pkg.mod";
  v = ll_typer_reduce(&t, "pkg.model.Archive().bundle.exists");
  assert_int_equal(v.kind, LL_V_PENDING);
  assert_string_equal(v.name, "pkg.model.Archive().bundle.exists");
  ll_typer_free(&t);
  ll_arena_free(&a);
}

static void annotations(void **state) {
  char buf[512];
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path):\n    p.exists()\n"), "LOOP104@3");
  assert_string_equal(LINT("import pathlib\nasync def f(p: pathlib.Path):\n    p.exists()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: 'Path'):\n    p.exists()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nfrom typing import Optional\nasync def f(p: Optional[Path]):\n    p.exists()\n"),
                      "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: 'Path | None' = None):\n    p.exists()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nfrom typing import Union\nasync def f(p: Union[None, Path]):\n    p.exists()\n"),
                      "LOOP104@4");
  /* a union of two real types says nothing */
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path | str):\n    p.exists()\n"), "");
  assert_string_equal(LINT("from pathlib import Path\nfrom typing import Final\nX: Final[Path] = make()\nasync def f():\n    X.exists()\n"),
                      "LOOP104@5");
  assert_string_equal(LINT("from pathlib import Path\nasync def f():\n    p: Path = make()\n    p.unlink()\n"), "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nfrom typing import cast\nasync def f(x):\n    cast(Path, x).unlink()\n"),
                      "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pathlib import PosixPath\n"
                           "async def f(p: 'PosixPath'):\n    p.exists()\n"),
                      "LOOP104@6");
}

static void flow(void **state) {
  char buf[512];
  /* module constants, the operator the data declares, properties of the data */
  assert_string_equal(LINT("from pathlib import Path\nROOT = Path('/x')\nasync def f():\n    (ROOT / 'a').parent.unlink()\n"),
                      "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nHOME = Path.home() / 'x'\nasync def f():\n    HOME.exists()\n"), "LOOP104@4");
  /* loops over typed iterables, and over generic containers */
  assert_string_equal(LINT("from pathlib import Path\nasync def f(d: Path):\n    for c in d.iterdir():\n        c.unlink()\n"),
                      "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(ps: list[Path]):\n    for p in ps:\n        p.unlink()\n"),
                      "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(d: dict[str, Path]):\n    for p in d.values():\n        p.unlink()\n"
                           "    for k, v in d.items():\n        v.unlink()\n    d.get('a').unlink()\n"),
                      "LOOP104@4 LOOP104@6 LOOP104@7");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(ps: list[Path]):\n    ps[0].unlink()\n    [q.unlink() for q in ps]\n"),
                      "LOOP104@3 LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path):\n    p.parents[0].unlink()\n"), "LOOP104@3");
  assert_string_equal(LINT("import os\nasync def f():\n    with os.scandir('.') as it:\n        for e in it:\n            e.stat()\n"),
                      "LOOP104@5");
  assert_string_equal(LINT("async def f():\n    with open('x') as fh:\n        fh.read()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(x):\n    if (p := Path(x)):\n        p.unlink()\n"), "LOOP104@4");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(a: Path, b: Path):\n    x, y = a, b\n    x.unlink()\n"), "");
  /* iteration through the builtins that pass elements on: enumerate, zip, sorted, ... */
  assert_string_equal(LINT("from pathlib import Path\nasync def f(ps: list[Path], d: dict[Path, int]):\n"
                           "    for i, p in enumerate(ps):\n        p.unlink()\n"
                           "    for i, (k, v) in enumerate(d.items()):\n        k.unlink()\n"
                           "    for a, b in zip(d, ps):\n        b.unlink()\n"
                           "    for q in sorted(ps, reverse=True):\n        q.unlink()\n"
                           "    for i, q in enumerate(ps, 1):\n        i.unlink()\n"
                           "    for r in zip(ps):\n        r.unlink()\n"),
                      "LOOP104@4 LOOP104@6 LOOP104@8 LOOP104@10");
  /* a project's own enumerate decides nothing */
  assert_string_equal(LINT("from pathlib import Path\ndef enumerate(x):\n    return x\n"
                           "async def f(ps: list[Path]):\n    for i, p in enumerate(ps):\n        p.unlink()\n"),
                      "");
  /* a name rebound to something unknown is unknown again */
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path):\n    p = other()\n    p.unlink()\n"), "");
  /* a name the file never binds is not guessed (no implicit module in this data) */
  assert_string_equal(LINT("async def f():\n    pathlib.Path('x').unlink()\n"), "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(type_expressions),
      cmocka_unit_test_setup_teardown(reduce_library, setup, teardown),
      cmocka_unit_test_setup_teardown(annotations, setup, teardown),
      cmocka_unit_test_setup_teardown(flow, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
