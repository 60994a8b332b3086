/* test_native_units.c: unit tests of the native front end's parts that need no parser:
 * rules data, compile database helpers, character columns, naming (model resolve) and the
 * call graph (chains, LOOP601 findings, emitted rules), on hand-built models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native/native_compdb.h"
#include "native/native_graph.h"
#include "native/native_model.h"
#include "native/native_rules.h"

/* --- helpers ------------------------------------------------------------------------------ */

static void assert_args(const ll_native_args *a, const char *const *want, size_t n) {
  for (size_t i = 0; i < n && i < a->len; i++) assert_string_equal(a->items[i], want[i]);
  assert_int_equal(a->len, n);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static const char RULES[] =
    "{\"native_blocking\": ["
    "  {\"name\": \"sleep\", \"category\": \"sleep\"},"
    "  {\"name\": \"write\", \"category\": \"file\"},"
    "  {\"name\": \"recv\", \"category\": \"socket\"},"
    "  {\"name\": \"poll\", \"category\": \"socket\", \"nonblocking_if\": {\"arg\": 2, \"equals\": 0}},"
    "  {\"name\": \"waitpid\", \"category\": \"subprocess\", \"nonblocking_if\": {\"arg\": 2, \"has_bits\": 1}}],"
    " \"native_gil\": ["
    "  {\"name\": \"PyEval_SaveThread\", \"push\": \"released\"},"
    "  {\"name\": \"PyEval_RestoreThread\", \"pop\": \"held\"}],"
    " \"native_slots\": [{\"field\": \"tp_init\", \"slot\": 60, \"python\": \"\"},"
    "  {\"field\": \"tp_call\", \"slot\": 50, \"python\": \"__call__\"}]}";

/* --- rules -------------------------------------------------------------------------------- */

static void test_rules_parse(void **state) {
  (void)state;
  ll_native_rules r;
  ll_native_rules_init(&r);
  char err[256] = "";
  assert_int_equal(ll_native_rules_parse(&r, RULES, err, sizeof err), 0);
  const ll_native_blocking *b = ll_native_rules_blocking(&r, "recv");
  assert_non_null(b);
  assert_string_equal(b->category, "socket");
  assert_int_equal(b->cond, LL_NATIVE_COND_NONE);
  b = ll_native_rules_blocking(&r, "poll");
  assert_int_equal(b->cond, LL_NATIVE_COND_EQUALS);
  assert_int_equal(b->cond_arg, 2);
  assert_int_equal(b->cond_value, 0);
  assert_int_equal(ll_native_rules_blocking(&r, "waitpid")->cond, LL_NATIVE_COND_HAS_BITS);
  assert_null(ll_native_rules_blocking(&r, "printf"));
  const ll_native_gil_call *g = ll_native_rules_gil(&r, "PyEval_SaveThread");
  assert_true(g && g->push && g->state == LL_NATIVE_GIL_RELEASED);
  g = ll_native_rules_gil(&r, "PyEval_RestoreThread");
  assert_true(g && !g->push && g->state == LL_NATIVE_GIL_HELD);
  assert_string_equal(ll_native_rules_slot_by_id(&r, 50)->python, "__call__");
  assert_string_equal(ll_native_rules_slot_by_field(&r, "tp_init")->python, "");
  assert_null(ll_native_rules_slot_by_id(&r, 64));
  ll_native_rules_free(&r);
}

static void expect_rules_error(const char *json, const char *fragment) {
  ll_native_rules r;
  ll_native_rules_init(&r);
  char err[256] = "";
  assert_int_equal(ll_native_rules_parse(&r, json, err, sizeof err), -1);
  if (!strstr(err, fragment)) fail_msg("error \"%s\" does not mention \"%s\"", err, fragment);
  ll_native_rules_free(&r);
}

static void test_rules_errors(void **state) {
  (void)state;
  expect_rules_error("[]", "not a JSON object");
  expect_rules_error("{\"native_blocking\": {}}", "must be a list");
  expect_rules_error("{\"native_blocking\": [{\"name\": \"read\"}]}", "native_blocking[0]: missing \"category\"");
  expect_rules_error("{\"native_blocking\": [{\"category\": \"file\"}]}", "missing \"name\"");
  expect_rules_error("{\"native_blocking\": [{\"name\": \"poll\", \"category\": \"socket\", \"nonblocking_if\": {\"arg\": 2}}]}",
                     "nonblocking_if");
  expect_rules_error("{\"native_gil\": [{\"name\": \"X\", \"push\": \"held\", \"pop\": \"held\"}]}", "native_gil[0]");
  expect_rules_error("{\"native_gil\": [{\"name\": \"X\", \"push\": \"sometimes\"}]}", "native_gil[0]");
  expect_rules_error("{\"native_slots\": [{\"field\": \"tp_init\", \"python\": \"\"}]}", "native_slots[0]");
}

/* The shipped rules/native_blocking.json loads and says what the issue promises. */
static void test_rules_shipped(void **state) {
  (void)state;
  char path[4096], err[512] = "";
  assert_int_equal(ll_native_rules_default_path(path, sizeof path), 0);
  ll_native_rules r;
  ll_native_rules_init(&r);
  if (ll_native_rules_load(&r, path, err, sizeof err)) fail_msg("%s", err);
  static const char *const CASES[][2] = {
      {"read", "file"},     {"write", "file"},        {"recv", "socket"},     {"send", "socket"},
      {"connect", "socket"}, {"accept", "socket"},     {"poll", "socket"},     {"select", "socket"},
      {"sleep", "sleep"},   {"usleep", "sleep"},      {"nanosleep", "sleep"}, {"fopen", "file"},
      {"fread", "file"},    {"fwrite", "file"},       {"getaddrinfo", "socket"}, {"system", "subprocess"},
      {"waitpid", "subprocess"}, {"fsync", "file"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
    const ll_native_blocking *b = ll_native_rules_blocking(&r, CASES[i][0]);
    if (!b) fail_msg("%s is not in the rules", CASES[i][0]);
    assert_string_equal(b->category, CASES[i][1]);
  }
  assert_non_null(ll_native_rules_gil(&r, "PyEval_SaveThread"));
  assert_non_null(ll_native_rules_gil(&r, "PyEval_RestoreThread"));
  assert_int_equal(ll_native_rules_slot_by_field(&r, "tp_init")->slot, 60);
  assert_int_equal(ll_native_rules_load(&r, "/nonexistent/rules.json", err, sizeof err), -1);
  assert_non_null(strstr(err, "/nonexistent/rules.json"));
  ll_native_rules_free(&r);
}

/* --- compile database --------------------------------------------------------------------- */

static void test_split_command(void **state) {
  (void)state;
  ll_native_args a = {0};
  ll_native_split_command("  gcc -DX=\"a b\" 'c d' e\\ f \"\" -DQ=\\\"q\\\"\t-c  ", &a);
  static const char *const want[] = {"gcc", "-DX=a b", "c d", "e f", "", "-DQ=\"q\"", "-c"};
  assert_args(&a, want, 7);
  ll_native_args_free(&a);
  ll_native_split_command("", &a);
  assert_int_equal(a.len, 0);
  ll_native_args_free(&a);
}

static void test_filter_args(void **state) {
  (void)state;
  static const char *const argv[] = {"cc", "-Iinc", "-I", "/abs", "-isystem", "sys", "-DFOO=1", "-D", "BAR",
                                     "-UBAZ", "-std=c11", "-Werror", "-Wall", "-O2", "-fPIC", "-c", "x.c",
                                     "-o", "x.o", "-include", "pre.h", "-pthread", "-MF", "x.d", "--sysroot=/sr",
                                     "-iquote../q"};
  ll_native_args out = {0};
  ll_native_filter_args(argv, sizeof argv / sizeof *argv, "/proj", &out);
  static const char *const want[] = {"-I/proj/inc", "-I/abs",       "-isystem", "/proj/sys", "-DFOO=1",
                                     "-D",          "BAR",          "-UBAZ",    "-std=c11",  "-include",
                                     "/proj/pre.h", "-pthread",     "--sysroot", "/sr",      "-iquote",
                                     "/proj/../q"};
  assert_args(&out, want, sizeof want / sizeof *want);
  ll_native_args_free(&out);
}

static void test_compdb(void **state) {
  (void)state;
  char root[] = "/tmp/ll_native_cdb_XXXXXX";
  assert_non_null(mkdtemp(root));
  char path[512], deep[512], db_path[512], src[512], other[512], far[512];
  snprintf(deep, sizeof deep, "%s/src/deep", root);
  snprintf(path, sizeof path, "%s/src", root);
  assert_int_equal(mkdir(path, 0700), 0);
  assert_int_equal(mkdir(deep, 0700), 0);
  snprintf(src, sizeof src, "%s/src/mod.c", root);
  snprintf(other, sizeof other, "%s/src/new.c", root);
  snprintf(far, sizeof far, "%s/src/deep/far.c", root);
  write_file(src, "int x;\n");
  write_file(other, "int y;\n");
  write_file(far, "int z;\n");
  snprintf(db_path, sizeof db_path, "%s/compile_commands.json", root);
  char json[2048];
  snprintf(json, sizeof json,
           "[{\"directory\": \"%s\", \"file\": \"src/mod.c\", \"command\": \"cc -Iinc -DMOD -c src/mod.c\"},"
           " {\"directory\": \"%s/src\", \"file\": \"%s/src/mod2.c\", \"arguments\": [\"cc\", \"-DTWO\"]}]",
           root, root, root);
  write_file(db_path, json);

  char *found = ll_native_compdb_find(deep);
  assert_non_null(found);
  char real_db[4096];
  assert_non_null(realpath(db_path, real_db));
  assert_string_equal(found, real_db);
  free(found);
  found = ll_native_compdb_find(far); /* a file: its folder, then parents */
  assert_non_null(found);
  free(found);
  assert_null(ll_native_compdb_find("/nonexistent/folder"));
  /* a build/ folder of an ancestor counts, nearer ancestors first */
  char build[600], build_db[700];
  snprintf(build, sizeof build, "%s/src/build", root);
  assert_int_equal(mkdir(build, 0700), 0);
  snprintf(build_db, sizeof build_db, "%s/compile_commands.json", build);
  write_file(build_db, "[]");
  found = ll_native_compdb_find(deep);
  assert_non_null(found);
  assert_non_null(strstr(found, "/src/build/compile_commands.json"));
  free(found);
  unlink(build_db);
  rmdir(build);

  ll_native_compdb db;
  char err[512] = "";
  if (ll_native_compdb_load(&db, db_path, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(db.entries.len, 2);
  ll_native_args a = {0};
  assert_int_equal(ll_native_compdb_flags(&db, src, &a), 1); /* its own entry */
  char inc[600];
  snprintf(inc, sizeof inc, "-I%s/inc", root);
  const char *want[] = {inc, "-DMOD"};
  assert_args(&a, want, 2);
  ll_native_args_free(&a);
  assert_int_equal(ll_native_compdb_flags(&db, other, &a), 0); /* a neighbour's */
  assert_args(&a, want, 2);
  ll_native_args_free(&a);
  assert_int_equal(ll_native_compdb_flags(&db, far, &a), -1); /* nothing in its folder */
  assert_int_equal(a.len, 0);
  ll_native_compdb_free(&db);

  write_file(db_path, "[{\"directory\": \"/x\", \"file\": \"a.c\", \"arguments\": [\"cc\"]}, {\"directory\": \"/x\"}]");
  assert_int_equal(ll_native_compdb_load(&db, db_path, err, sizeof err), -1);
  assert_non_null(strstr(err, "entry 1"));
  assert_int_equal(db.entries.len, 0); /* all or nothing */
  ll_native_compdb_free(&db);
  write_file(db_path, "{}");
  assert_int_equal(ll_native_compdb_load(&db, db_path, err, sizeof err), -1);
  ll_native_compdb_free(&db);

  unlink(db_path);
  unlink(src);
  unlink(other);
  unlink(far);
  rmdir(deep);
  rmdir(path);
  rmdir(root);
}

/* --- columns ------------------------------------------------------------------------------ */

static void test_char_col(void **state) {
  (void)state;
  const char *ascii = "abc\n  x";
  assert_int_equal(ll_native_char_col(ascii, strlen(ascii), 6, 3), 3);
  const char *utf8 = "/* caf\xc3\xa9 */ x"; /* x: byte offset 12 (byte column 13), character 12 */
  assert_int_equal(ll_native_char_col(utf8, strlen(utf8), 12, 13), 12);
  const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac x"; /* two 3-byte characters, a space, x */
  assert_int_equal(ll_native_char_col(cjk, strlen(cjk), 7, 8), 4);
  assert_int_equal(ll_native_char_col(NULL, 0, 5, 6), 6);      /* no buffer: bytes */
  assert_int_equal(ll_native_char_col(ascii, 3, 10, 2), 2);    /* out of range: bytes */
  assert_int_equal(ll_native_char_col(ascii, strlen(ascii), 1, 5), 5); /* col beyond offset */
}

static void test_noqa(void **state) {
  (void)state;
  static const struct { const char *line; int covers; } CASES[] = {
      {"    sleep(1); // noqa", 1},
      {"    sleep(1); /* noqa */", 1},
      {"    sleep(1); // noqa: LOOP601", 1},
      {"    sleep(1); // noqa:LOOP101,LOOP601", 1},
      {"    sleep(1); // noqa: LOOP101, LOOP601 because the fd is non-blocking", 1},
      {"    sleep(1); // noqa: LOOP101", 0},
      {"    sleep(1); // noqa: LOOP6010", 0},
      {"    sleep(1);", 0},
      {"    sleep(1); // NOQA", 0},
      {"noq", 0},
      {"", 0},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++)
    if (ll_native_noqa_covers(CASES[i].line, strlen(CASES[i].line), "LOOP601") != CASES[i].covers)
      fail_msg("\"%s\" should %scover LOOP601", CASES[i].line, CASES[i].covers ? "" : "not ");
}

/* --- model naming ------------------------------------------------------------------------- */

static ll_native_call mk_call(const char *callee, ll_native_gil gil, uint32_t row) {
  ll_native_call c = {.callee_usr = callee, .callee_name = callee, .gil = gil};
  c.site.file = "m.c";
  c.site.start = (ll_pos){row, 5};
  c.site.end = (ll_pos){row, 12};
  return c;
}

static const char *export_name_of(const ll_native_model *m, const char *func_name) {
  for (size_t i = 0; i < m->exports.len; i++)
    if (strcmp(m->funcs.items[m->exports.items[i].func].name, func_name) == 0) return m->exports.items[i].py_name;
  return NULL;
}

static void test_resolve_names(void **state) {
  (void)state;
  ll_native_model m;
  ll_native_model_init(&m);
  size_t u0 = ll_native_add_unit(&m, "pkg/mod.c"), u1 = ll_native_add_unit(&m, "pkg/more.c");
  m.units.items[u0].module = ll_native_intern(&m, "pkg.mod");
  static const char *const FUNCS[] = {"fa", "fm", "finit", "fget", "fcall", "fextra"};
  for (size_t i = 0; i < 6; i++) ll_native_add_func(&m, FUNCS[i], FUNCS[i]);
  assert_int_equal(ll_native_add_func(&m, "fa", "fa"), LL_NATIVE_NONE); /* seen twice: once */

  size_t t_mod = ll_native_add_table(&m, "t_mod", LL_NATIVE_TABLE_METHODS, u0);
  ll_native_table_add_entry(&m, t_mod, "a", "fa");
  ll_native_table_add_entry(&m, t_mod, "lib", "PyObject_GenericGetAttr"); /* not ours: skipped */
  assert_int_equal(ll_native_add_table(&m, "t_mod", LL_NATIVE_TABLE_METHODS, u0), LL_NATIVE_NONE);
  size_t o_mod = ll_native_add_owner(&m, "pkg.mod", 0, u0);
  ll_native_owner_add_ref(&m, o_mod, "t_mod");

  /* a static type named without a module, methods and tp_init */
  size_t t_type = ll_native_add_table(&m, "t_type", LL_NATIVE_TABLE_METHODS, u0);
  ll_native_table_add_entry(&m, t_type, "m", "fm");
  size_t t_getset = ll_native_add_table(&m, "t_getset", LL_NATIVE_TABLE_GETSET, u0);
  ll_native_table_add_entry(&m, t_getset, "value", "fget");
  size_t o_type = ll_native_add_owner(&m, "Thing", 1, u0);
  ll_native_owner_add_ref(&m, o_type, "t_type");
  ll_native_owner_add_ref(&m, o_type, "t_getset");
  ll_native_owner_add_entry(&m, o_type, "", "finit");

  /* a spec type through a slot array */
  size_t t_slots = ll_native_add_table(&m, "t_slots", LL_NATIVE_TABLE_SLOTS, u1);
  ll_native_table_add_entry(&m, t_slots, "__call__", "fcall");
  ll_native_table_add_ref(&m, t_slots, "t_getset");
  size_t o_spec = ll_native_add_owner(&m, "pkg.mod.Spec", 1, u1);
  ll_native_owner_add_ref(&m, o_spec, "t_slots");

  /* a table nobody names, in a file without a module: the only module found */
  size_t t_extra = ll_native_add_table(&m, "t_extra", LL_NATIVE_TABLE_METHODS, u1);
  ll_native_table_add_entry(&m, t_extra, "extra", "fextra");

  ll_native_model_resolve(&m);
  assert_string_equal(export_name_of(&m, "fa"), "pkg.mod.a");
  assert_string_equal(export_name_of(&m, "fm"), "pkg.mod.Thing.m");
  assert_string_equal(export_name_of(&m, "finit"), "pkg.mod.Thing");
  assert_string_equal(export_name_of(&m, "fcall"), "pkg.mod.Spec.__call__");
  assert_string_equal(export_name_of(&m, "fextra"), "pkg.mod.extra");
  /* fget is exposed twice (Thing.value and Spec.value), sorted by name */
  assert_int_equal(m.exports.len, 7);
  for (size_t i = 1; i < m.exports.len; i++)
    assert_true(strcmp(m.exports.items[i - 1].py_name, m.exports.items[i].py_name) < 0);
  int getters = 0;
  for (size_t i = 0; i < m.exports.len; i++) getters += m.exports.items[i].is_attribute;
  assert_int_equal(getters, 2);
  assert_int_equal(m.types.len, 2);
  assert_string_equal(m.types.items[0], "pkg.mod.Spec");
  assert_string_equal(m.types.items[1], "pkg.mod.Thing");
  ll_native_model_free(&m);
}

static void test_module_fallbacks(void **state) {
  (void)state;
  ll_native_model m;
  ll_native_model_init(&m);
  size_t u0 = ll_native_add_unit(&m, "src/_fast.c"), u1 = ll_native_add_unit(&m, "other.c"),
         u2 = ll_native_add_unit(&m, "third.c");
  m.units.items[u1].module = ll_native_intern(&m, "one");
  m.units.items[u2].init_module = ll_native_intern(&m, "two");
  ll_native_add_func(&m, "f0", "f0");
  ll_native_add_func(&m, "f2", "f2");
  size_t t0 = ll_native_add_table(&m, "t0", LL_NATIVE_TABLE_METHODS, u0);
  ll_native_table_add_entry(&m, t0, "f", "f0");
  size_t t2 = ll_native_add_table(&m, "t2", LL_NATIVE_TABLE_METHODS, u2);
  ll_native_table_add_entry(&m, t2, "g", "f2");
  ll_native_model_resolve(&m);
  assert_string_equal(export_name_of(&m, "f0"), "_fast.f"); /* two modules elsewhere: the stem */
  assert_string_equal(export_name_of(&m, "f2"), "two.g");   /* PyInit_two */
  ll_native_model_free(&m);
}

/* m_name "_mod" with types named "pkg._mod.T": the functions live in pkg._mod. */
static void test_module_package_from_type(void **state) {
  (void)state;
  ll_native_model m;
  ll_native_model_init(&m);
  size_t u = ll_native_add_unit(&m, "pkg/_mod.c");
  m.units.items[u].module = ll_native_intern(&m, "_mod");
  ll_native_add_func(&m, "f", "f");
  ll_native_add_func(&m, "g", "g");
  size_t t = ll_native_add_table(&m, "t", LL_NATIVE_TABLE_METHODS, u);
  ll_native_table_add_entry(&m, t, "f", "f");
  size_t mod = ll_native_add_owner(&m, "_mod", 0, u);
  ll_native_owner_add_ref(&m, mod, "t");
  ll_native_add_owner(&m, "other.Unrelated", 1, u); /* not .../_mod: ignored */
  size_t t2 = ll_native_add_table(&m, "t2", LL_NATIVE_TABLE_METHODS, u);
  ll_native_table_add_entry(&m, t2, "g", "g");
  size_t ty = ll_native_add_owner(&m, "pkg._mod.Thing", 1, u);
  ll_native_owner_add_ref(&m, ty, "t2");
  ll_native_model_resolve(&m);
  assert_string_equal(export_name_of(&m, "f"), "pkg._mod.f");
  assert_string_equal(export_name_of(&m, "g"), "pkg._mod.Thing.g");
  ll_native_model_free(&m);
}

/* --- call graph --------------------------------------------------------------------------- */

/* exposed() calls helper() with the GIL held (row 10) and inside a released region (row 11),
 * and sleep() released (row 12); helper() writes. cycle_a/cycle_b recurse and then recv. */
static void build_graph(ll_native_model *m, ll_native_rules *r) {
  ll_native_rules_init(r);
  char err[256];
  assert_int_equal(ll_native_rules_parse(r, RULES, err, sizeof err), 0);
  ll_native_model_init(m);
  size_t u = ll_native_add_unit(m, "m.c");
  m->units.items[u].module = ll_native_intern(m, "m");
  size_t exposed = ll_native_add_func(m, "exposed", "exposed");
  size_t helper = ll_native_add_func(m, "helper", "helper");
  size_t a = ll_native_add_func(m, "cycle_a", "cycle_a");
  size_t b = ll_native_add_func(m, "cycle_b", "cycle_b");
  size_t quiet = ll_native_add_func(m, "quiet", "quiet");
  size_t poller = ll_native_add_func(m, "poller", "poller");
  ll_native_call c = mk_call("helper", LL_NATIVE_GIL_ENTRY, 10);
  ll_native_add_call(m, exposed, &c);
  c = mk_call("helper", LL_NATIVE_GIL_RELEASED, 11);
  ll_native_add_call(m, exposed, &c);
  c = mk_call("sleep", LL_NATIVE_GIL_RELEASED, 12);
  ll_native_add_call(m, exposed, &c);
  c = mk_call("write", LL_NATIVE_GIL_ENTRY, 20);
  ll_native_add_call(m, helper, &c);
  c = mk_call("cycle_b", LL_NATIVE_GIL_ENTRY, 30);
  ll_native_add_call(m, a, &c);
  c = mk_call("cycle_a", LL_NATIVE_GIL_ENTRY, 40);
  ll_native_add_call(m, b, &c);
  c = mk_call("recv", LL_NATIVE_GIL_ENTRY, 41);
  ll_native_add_call(m, b, &c);
  c = mk_call("printf", LL_NATIVE_GIL_ENTRY, 50); /* not blocking */
  ll_native_add_call(m, quiet, &c);
  c = mk_call("poll", LL_NATIVE_GIL_ENTRY, 60);
  c.returns_at_once = 1; /* poll(.., 0) */
  ll_native_add_call(m, poller, &c);
  size_t t = ll_native_add_table(m, "methods", LL_NATIVE_TABLE_METHODS, u);
  ll_native_table_add_entry(m, t, "exposed", "exposed");
  ll_native_table_add_entry(m, t, "loop", "cycle_a");
  ll_native_table_add_entry(m, t, "quiet", "quiet");
  ll_native_table_add_entry(m, t, "poller", "poller");
  ll_native_model_link(m, r);
  ll_native_model_resolve(m);
}

static void test_effective_gil(void **state) {
  (void)state;
  assert_int_equal(ll_native_effective_gil(LL_NATIVE_GIL_ENTRY, LL_NATIVE_GIL_HELD), LL_NATIVE_GIL_HELD);
  assert_int_equal(ll_native_effective_gil(LL_NATIVE_GIL_ENTRY, LL_NATIVE_GIL_RELEASED), LL_NATIVE_GIL_RELEASED);
  assert_int_equal(ll_native_effective_gil(LL_NATIVE_GIL_HELD, LL_NATIVE_GIL_RELEASED), LL_NATIVE_GIL_HELD);
  assert_int_equal(ll_native_effective_gil(LL_NATIVE_GIL_RELEASED, LL_NATIVE_GIL_HELD), LL_NATIVE_GIL_RELEASED);
}

static void test_graph_findings(void **state) {
  (void)state;
  ll_native_model m;
  ll_native_rules r;
  build_graph(&m, &r);
  ll_native_reach reach;
  ll_native_reach_compute(&reach, &m);
  ll_findings fs;
  ll_findings_init(&fs);
  ll_native_findings(&m, &reach, &fs);
  ll_findings_sort(&fs);
  assert_int_equal(fs.v.len, 2);
  assert_string_equal(fs.v.items[0].code, "LOOP601");
  assert_int_equal(fs.v.items[0].start.row, 10); /* the held call, not the released ones */
  assert_string_equal(fs.v.items[0].message,
                      "`m.exposed` blocks the event loop: exposed() -> helper() -> write() while holding the GIL");
  assert_int_equal(fs.v.items[1].start.row, 30); /* the recursion ends in recv() */
  assert_non_null(strstr(fs.v.items[1].message, "cycle_a() -> cycle_b() -> recv()"));
  ll_findings_free(&fs);

  /* chains from a function: helper entered released reaches write() but not with the GIL */
  ll_native_chain ch;
  assert_int_equal(ll_native_chain_from_func(&m, &reach, 1, LL_NATIVE_GIL_RELEASED, LL_NATIVE_GOAL_HELD, &ch), -1);
  assert_int_equal(ll_native_chain_from_func(&m, &reach, 1, LL_NATIVE_GIL_RELEASED, LL_NATIVE_GOAL_ANY, &ch), 0);
  assert_string_equal(ch.text.data, "helper() -> write()");
  assert_int_equal(ch.leaf_gil, LL_NATIVE_GIL_RELEASED);
  ll_native_chain_free(&ch);
  /* the shortest chain of exposed() to any blocking call: sleep() (1 call) beats write() (2) */
  assert_int_equal(ll_native_chain_from_func(&m, &reach, 0, LL_NATIVE_GIL_HELD, LL_NATIVE_GOAL_ANY, &ch), 0);
  assert_string_equal(ch.text.data, "exposed() -> sleep()");
  assert_string_equal(ch.leaf->blocking->category, "sleep");
  ll_native_chain_free(&ch);
  ll_native_reach_free(&reach);
  ll_native_model_free(&m);
  ll_native_rules_free(&r);
}

static void test_graph_ties_go_to_source_order(void **state) {
  (void)state;
  ll_native_rules r;
  ll_native_rules_init(&r);
  char err[256];
  assert_int_equal(ll_native_rules_parse(&r, RULES, err, sizeof err), 0);
  ll_native_model m;
  ll_native_model_init(&m);
  /* f -> late() -> recv() defined after f -> early() -> write(): both 2 calls, early is first */
  size_t f = ll_native_add_func(&m, "f", "f");
  size_t late = ll_native_add_func(&m, "late", "late");
  size_t early = ll_native_add_func(&m, "early", "early");
  ll_native_call c = mk_call("early", LL_NATIVE_GIL_ENTRY, 1);
  ll_native_add_call(&m, f, &c);
  c = mk_call("late", LL_NATIVE_GIL_ENTRY, 2);
  ll_native_add_call(&m, f, &c);
  c = mk_call("recv", LL_NATIVE_GIL_ENTRY, 3);
  ll_native_add_call(&m, late, &c);
  c = mk_call("write", LL_NATIVE_GIL_ENTRY, 4);
  ll_native_add_call(&m, early, &c);
  ll_native_model_link(&m, &r);
  ll_native_reach reach;
  ll_native_reach_compute(&reach, &m);
  ll_native_chain ch;
  assert_int_equal(ll_native_chain_from_func(&m, &reach, f, LL_NATIVE_GIL_HELD, LL_NATIVE_GOAL_ANY, &ch), 0);
  assert_string_equal(ch.text.data, "f() -> early() -> write()");
  ll_native_chain_free(&ch);
  ll_native_reach_free(&reach);
  ll_native_model_free(&m);
  ll_native_rules_free(&r);
}

static void test_graph_empty(void **state) {
  (void)state;
  ll_native_model m;
  ll_native_model_init(&m);
  ll_native_model_resolve(&m);
  ll_native_reach reach;
  ll_native_reach_compute(&reach, &m);
  ll_findings fs;
  ll_findings_init(&fs);
  ll_native_findings(&m, &reach, &fs);
  assert_int_equal(fs.v.len, 0);
  char *text = ll_native_emit_rules(&m, &reach);
  assert_non_null(strstr(text, "\"blocking\""));
  assert_null(strstr(text, "\"returns\""));
  free(text);
  ll_findings_free(&fs);
  ll_native_reach_free(&reach);
  ll_native_model_free(&m);
}

static void test_emit_rules(void **state) {
  (void)state;
  ll_native_model m;
  ll_native_rules r;
  build_graph(&m, &r);
  ll_native_reach reach;
  ll_native_reach_compute(&reach, &m);
  char *text = ll_native_emit_rules(&m, &reach);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "blocking");
  assert_int_equal(cJSON_GetArraySize(list), 2); /* exposed and loop; quiet and poller do not block */
  const cJSON *e = cJSON_GetArrayItem(list, 0);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, "m.exposed");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "category")->valuestring, "sleep");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "fix")->valuestring,
                      "`await asyncio.to_thread(m.exposed, ...)`");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "ha_fix")->valuestring,
                      "`await hass.async_add_executor_job(m.exposed, ...)`");
  const char *msg = cJSON_GetObjectItemCaseSensitive(e, "message")->valuestring;
  assert_non_null(strstr(msg, "exposed() -> sleep()"));
  assert_non_null(strstr(msg, "GIL is released"));
  e = cJSON_GetArrayItem(list, 1);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, "m.loop");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "category")->valuestring, "socket");
  cJSON_Delete(root);
  free(text);
  ll_native_reach_free(&reach);
  ll_native_model_free(&m);
  ll_native_rules_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rules_parse),
      cmocka_unit_test(test_rules_errors),
      cmocka_unit_test(test_rules_shipped),
      cmocka_unit_test(test_split_command),
      cmocka_unit_test(test_filter_args),
      cmocka_unit_test(test_compdb),
      cmocka_unit_test(test_char_col),
      cmocka_unit_test(test_noqa),
      cmocka_unit_test(test_resolve_names),
      cmocka_unit_test(test_module_fallbacks),
      cmocka_unit_test(test_module_package_from_type),
      cmocka_unit_test(test_effective_gil),
      cmocka_unit_test(test_graph_findings),
      cmocka_unit_test(test_graph_ties_go_to_source_order),
      cmocka_unit_test(test_graph_empty),
      cmocka_unit_test(test_emit_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
