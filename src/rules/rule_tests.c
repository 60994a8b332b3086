/* rule_tests.c: LOOP207, async tests that never run. An `async def test_*` is a coroutine
 * function: a runner that calls it without awaiting gets a coroutine object back and counts the
 * test as passed (unittest.TestCase) or skips it (pytest without an async plugin mode).
 *
 * The walk keeps the candidates: `async def test*` at module level or in a class body, with no
 * runner mark (`async_tests.runner_marks` of the rules data: pytest.mark.asyncio, anyio, trio)
 * on it, its class or the module's `pytestmark`, no parameter that makes a plugin run it
 * (`anyio_backend`), every decorator one that does not change who runs it, and no
 * `pytest_plugins` in the module. Each becomes a held finding (model/facts.h) that the project
 * pass decides (ll_tests_decide), because the answer lies in other files:
 * - in a class: the class's bases, through project classes in any file, must reach a sync
 *   TestCase of the rules data (`unittest.TestCase`) on every path of project classes, with no
 *   hook overridden on the way (`run`, `_callTestMethod`); any other library base
 *   (IsolatedAsyncioTestCase, AioHTTPTestCase, django's TestCase, ...) or unknown name: not
 *   judged, nor a class some project class derives from (it may be a mixin of an async one);
 * - otherwise pytest: the nearest pytest configuration up from the file (pytest.ini,
 *   .pytest.ini, pyproject.toml `[tool.pytest.ini_options]`, tox.ini `[pytest]`, setup.cfg
 *   `[tool:pytest]`) must be found and set no async mode (`asyncio_mode = auto`, `trio_mode`,
 *   an `addopts` that does either or loads a plugin), no conftest.py on the way may define a
 *   hook that can run or mark tests, and no dependency file on the way may name a plugin that
 *   runs every async test (`plugins_run_all`: pytest-homeassistant-custom-component, ...).
 * Unknown is never reported. */
#include "../front/fields.h"
#include "../model/facts.h"
#include "../model/project.h"
#include "../util/strbuf.h"
#include "engine.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

typedef struct state {
  LL_VEC(TSNode) candidates; /* function_definition nodes */
} state;

static state *get_state(ll_ctx *ctx) {
  void **slot = ll_ctx_state(ctx);
  if (!*slot) *slot = ll_arena_alloc(&ctx->arena, sizeof(state));
  return *slot;
}

static int is_async_def(TSNode def) {
  for (uint32_t i = 0; i < ts_node_child_count(def); i++) {
    TSNode c = ts_node_child(def, i);
    if (!ts_node_is_named(c) && is(c, "async")) return 1;
    if (!ts_node_is_named(c) && is(c, "def")) return 0;
  }
  return 0;
}

static void enter(ll_ctx *ctx, TSNode def) {
  if (!is_async_def(def)) return;
  TSNode name = ll_field(def, "name");
  if (ts_node_is_null(name) || ts_node_end_byte(name) - ts_node_start_byte(name) < 4 ||
      strncmp(ctx->src->text + ts_node_start_byte(name), "test", 4) != 0)
    return;
  /* directly in the module or in a class body (not nested in a function) */
  for (size_t i = ctx->scopes.len; i-- > 0;) {
    ll_scope_kind k = ctx->scopes.items[i].kind;
    if (k == LL_SCOPE_FUNCTION || k == LL_SCOPE_LAMBDA) {
      /* the innermost scope is the function itself once entered */
      if (ts_node_eq(ctx->scopes.items[i].node, def)) continue;
      return;
    }
  }
  ll_vec_push(&get_state(ctx)->candidates, def);
}

enum { MARK_HARMLESS = 0, MARK_RUNS = 1, MARK_UNKNOWN = 2 };

static int harmless_decorator(const ll_ruledb *db, const char *q) {
  if (ll_ruledb_has(&db->test_harmless_decorators, q)) return 1;
  for (size_t i = 0; i < db->test_harmless_prefixes.len; i++)
    if (strncmp(q, db->test_harmless_prefixes.items[i], strlen(db->test_harmless_prefixes.items[i])) == 0) return 1;
  return 0;
}

/* What a mark expression (a decorator's, or `pytestmark`'s value) does to who runs the test. */
static int mark_kind(ll_ctx *ctx, TSNode e) {
  if (is(e, "list") || is(e, "tuple") || is(e, "parenthesized_expression")) {
    int worst = MARK_HARMLESS;
    for (uint32_t i = 0; i < ts_node_named_child_count(e); i++) {
      TSNode c = ts_node_named_child(e, i);
      if (is(c, "comment")) continue;
      int k = mark_kind(ctx, c);
      if (k == MARK_RUNS) return MARK_RUNS;
      if (k > worst) worst = k;
    }
    return worst;
  }
  if (is(e, "call")) e = ll_field(e, "function");
  if (!is(e, "identifier") && !is(e, "attribute")) return MARK_UNKNOWN;
  const char *q = ll_resolve_qualname(ctx, e);
  if (!q) return MARK_UNKNOWN;
  if (ll_ruledb_has(&ctx->db->test_runner_marks, q)) return MARK_RUNS;
  /* usefixtures may request a runner fixture (anyio_backend) */
  if (strcmp(q, "pytest.mark.usefixtures") == 0) return MARK_UNKNOWN;
  return harmless_decorator(ctx->db, q) ? MARK_HARMLESS : MARK_UNKNOWN;
}

/* The decorators of a definition node (function or class), combined. */
static int decorators_kind(ll_ctx *ctx, TSNode def) {
  TSNode parent = ts_node_parent(def);
  if (!is(parent, "decorated_definition")) return MARK_HARMLESS;
  int worst = MARK_HARMLESS;
  for (uint32_t i = 0; i < ts_node_named_child_count(parent); i++) {
    TSNode d = ts_node_named_child(parent, i);
    if (!is(d, "decorator") || !ts_node_named_child_count(d)) continue;
    int k = mark_kind(ctx, ts_node_named_child(d, 0));
    if (k == MARK_RUNS) return MARK_RUNS;
    if (k > worst) worst = k;
  }
  return worst;
}

/* `pytestmark = ...` (and `pytest_plugins = ...`, which loads plugins: unknown) among the
 * statements of a module or class body. */
static int body_marks(ll_ctx *ctx, TSNode body) {
  int worst = MARK_HARMLESS;
  for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
    TSNode st = ts_node_named_child(body, i);
    if (!is(st, "expression_statement") || !ts_node_named_child_count(st)) continue;
    TSNode a = ts_node_named_child(st, 0);
    if (!is(a, "assignment") && !is(a, "augmented_assignment")) continue;
    TSNode left = ll_field(a, "left"), right = ll_field(a, "right");
    if (!is(left, "identifier")) continue;
    int k = MARK_HARMLESS;
    if (ll_ctx_text_is(ctx, left, "pytest_plugins")) k = MARK_UNKNOWN;
    else if (ll_ctx_text_is(ctx, left, "pytestmark")) k = ts_node_is_null(right) ? MARK_UNKNOWN : mark_kind(ctx, right);
    if (k == MARK_RUNS) return MARK_RUNS;
    if (k > worst) worst = k;
  }
  return worst;
}

static int runner_parameter(ll_ctx *ctx, TSNode def) {
  TSNode params = ll_field(def, "parameters");
  for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
    TSNode p = ts_node_named_child(params, i);
    TSNode id = is(p, "identifier") ? p : ll_field(p, "name");
    if (!is(id, "identifier") && ts_node_named_child_count(p) && is(ts_node_named_child(p, 0), "identifier"))
      id = ts_node_named_child(p, 0);
    if (is(id, "identifier") && ll_ruledb_has(&ctx->db->test_runner_fixtures, ll_ctx_text(ctx, id))) return 1;
  }
  return 0;
}

/* The qualified name of the class whose body holds def, or NULL at module level. */
static TSNode enclosing_class(TSNode def) {
  TSNode n = ts_node_parent(def);
  if (is(n, "decorated_definition")) n = ts_node_parent(n);
  if (is(n, "block")) n = ts_node_parent(n);
  if (is(n, "class_definition")) return n;
  TSNode none = {0};
  return none;
}

static const char *class_qual(ll_ctx *ctx, TSNode cls) {
  const char *name = ll_ctx_text(ctx, ll_field(cls, "name"));
  /* nested classes: Outer.Inner */
  ll_strbuf q;
  ll_strbuf_init(&q);
  ll_strbuf_add(&q, name);
  for (TSNode n = ts_node_parent(cls); !ts_node_is_null(n); n = ts_node_parent(n))
    if (is(n, "class_definition")) {
      const char *outer = ll_ctx_text(ctx, ll_field(n, "name"));
      ll_strbuf s2;
      ll_strbuf_init(&s2);
      ll_strbuf_addf(&s2, "%s.%s", outer, q.data);
      ll_strbuf_free(&q);
      q = s2;
    } else if (is(n, "function_definition")) {
      ll_strbuf_free(&q);
      return NULL;
    }
  const char *full = ctx->module && *ctx->module ? ll_arena_join(&ctx->facts->arena, ctx->module, q.data)
                                                 : ll_arena_strdup(&ctx->facts->arena, q.data);
  ll_strbuf_free(&q);
  return full;
}

static void decide_candidates(ll_ctx *ctx, state *s);

static void end_file(ll_ctx *ctx) {
  state *s = *ll_ctx_state(ctx);
  if (!s) return;
  if (s->candidates.len && body_marks(ctx, ctx->root) == MARK_HARMLESS) decide_candidates(ctx, s);
  ll_vec_free(&s->candidates);
}

static void decide_candidates(ll_ctx *ctx, state *s) {
  for (size_t i = 0; i < s->candidates.len; i++) {
    TSNode def = s->candidates.items[i];
    if (decorators_kind(ctx, def) != MARK_HARMLESS || runner_parameter(ctx, def)) continue;
    TSNode cls = enclosing_class(def);
    const char *cq = NULL;
    if (!ts_node_is_null(cls)) {
      if (decorators_kind(ctx, cls) != MARK_HARMLESS || body_marks(ctx, ll_field(cls, "body")) != MARK_HARMLESS) continue;
      cq = class_qual(ctx, cls);
      if (!cq) continue;
    }
    TSNode name = ll_field(def, "name");
    ll_held h;
    memset(&h, 0, sizeof h);
    h.code = "LOOP207";
    h.message = ll_arena_strdup(&ctx->facts->arena, ll_ctx_text(ctx, name));
    h.start = ll_ctx_start(ctx, name);
    h.end = ll_ctx_end(ctx, name);
    ll_ctx_stmt_rows(ctx, def, &h.stmt_first, &h.stmt_last);
    h.stmt_first = h.start.row; /* a noqa on the `def` line (decorators above it do not count) */
    h.call = UINT32_MAX;
    h.kind = LL_HELD_ASYNC_TEST;
    h.arg_pos = -1;
    h.arg_kw = cq;
    ll_vec_push(&ctx->facts->held, h);
  }
}

static const char *const NODES[] = {"function_definition", NULL};
const ll_rule ll_rule_tests = {.id = "tests", .node_types = NODES, .enter = enter, .end_file = end_file};

/* ---- the project pass ---- */

enum { TC_PLAIN = 0, TC_SYNC = 1, TC_OTHER = 2 };

/* Whether the class of qualified name q reaches a sync TestCase (which: the one reached). */
static int testcase_kind(ll_resolver *rv, const char *q, int depth, const char **which) {
  if (ll_ruledb_has(&rv->db->sync_testcases, q)) {
    *which = q;
    return TC_SYNC;
  }
  if (strcmp(q, "builtins.object") == 0) return TC_PLAIN;
  const ll_classdef *c = depth > 16 ? NULL : ll_resolver_class(rv, q, 0);
  if (!c) return TC_OTHER;
  /* a class that runs its tests its own way */
  for (size_t i = 0; i < rv->db->testcase_hooks.cap; i++) {
    const char *hook = rv->db->testcase_hooks.slots ? rv->db->testcase_hooks.slots[i].key : NULL;
    if (hook && ll_strmap_get(&rv->p->funcs, ll_arena_join(rv->arena, c->qual, hook))) return TC_OTHER;
  }
  int kind = TC_PLAIN;
  for (size_t i = 0; i < c->bases.len; i++) {
    int k = testcase_kind(rv, c->bases.items[i], depth + 1, which);
    if (k == TC_OTHER) return TC_OTHER;
    if (k == TC_SYNC) kind = TC_SYNC;
  }
  return kind;
}

/* Whether some project class names cls among its bases. */
static int has_subclass(ll_resolver *rv, const char *cls) {
  for (size_t f = 0; f < rv->p->nfiles; f++) {
    const ll_file_facts *ff = &rv->p->files[f];
    for (size_t i = 0; i < ff->classes.len; i++)
      for (size_t k = 0; k < ff->classes.items[i].bases.len; k++) {
        const char *b = ff->classes.items[i].bases.items[k];
        const char *t = ll_resolver_export(rv, b);
        if (strcmp(b, cls) == 0 || (t && strcmp(t, cls) == 0)) return 1;
      }
  }
  return 0;
}

/* The whole text of a file (malloc), or NULL. */
static char *slurp(const char *path, size_t limit) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < limit) ll_strbuf_addn(&sb, buf, n);
  fclose(f);
  if (!sb.data) ll_strbuf_addn(&sb, "", 0);
  return ll_strbuf_detach(&sb);
}

/* The pytest section of a configuration file's text, as "key=value\n" lines (values unquoted,
 * continuation lines joined), or NULL when the file has none. */
static char *pytest_section(const char *text, const char *header) {
  size_t hl = strlen(header);
  const char *p = text;
  ll_strbuf out;
  ll_strbuf_init(&out);
  int in = 0, found = 0;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    const char *l = p;
    size_t ll = len;
    while (ll && (l[0] == ' ' || l[0] == '\t')) l++, ll--;
    int indented = l != p;
    while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' ' || l[ll - 1] == '\t')) ll--;
    if (ll && l[0] == '[' && !indented && !(in && ll > 1 && (l[1] == '"' || l[1] == '\'' || isdigit((unsigned char)l[1])))) {
      in = ll == hl && strncmp(l, header, hl) == 0;
      if (in) found = 1;
    } else if (in && ll && l[0] != '#' && l[0] != ';') {
      if (indented || l[0] == ']' || l[0] == '"' || l[0] == '\'') {
        ll_strbuf_addc(&out, ' ');
        ll_strbuf_addn(&out, l, ll);
      } else {
        if (out.len) ll_strbuf_addc(&out, '\n');
        ll_strbuf_addn(&out, l, ll);
      }
    }
    p = eol ? eol + 1 : p + len;
  }
  if (!found) {
    ll_strbuf_free(&out);
    return NULL;
  }
  ll_strbuf_addc(&out, '\n');
  return ll_strbuf_detach(&out);
}

/* The value of key in a section from pytest_section (NULL: absent), unquoted, in buf. */
static const char *section_value(const char *sec, const char *key, char *buf, size_t size) {
  size_t kl = strlen(key);
  for (const char *p = sec; p && *p;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > kl && strncmp(p, key, kl) == 0) {
      const char *v = p + kl;
      while (*v == ' ' || *v == '\t') v++;
      if (*v == '=' || *v == ':') {
        v++;
        while (*v == ' ' || *v == '\t') v++;
        size_t vl = (size_t)(p + len - v);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) v++, vl -= 2;
        if (vl >= size) vl = size - 1;
        memcpy(buf, v, vl);
        buf[vl] = 0;
        return buf;
      }
    }
    p = eol ? eol + 1 : p + len;
  }
  return NULL;
}

typedef struct pytest_verdict {
  int runs;             /* 1 every async test runs, 2 unknown, 0 unmarked ones do not run */
  const char *config;   /* the configuration file that decides */
  const char *python_files, *python_functions, *python_classes; /* NULL: the defaults */
} pytest_verdict;

static int truthy(const char *v) {
  return strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 ||
         strcmp(v, "on") == 0;
}
static int falsy(const char *v) {
  return strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0 ||
         strcmp(v, "off") == 0;
}

/* Reads one configuration section into v. */
static void read_section(ll_resolver *rv, const char *sec, pytest_verdict *v) {
  char buf[1024];
  const char *m = section_value(sec, "asyncio_mode", buf, sizeof buf);
  if (m && strcmp(m, "strict") != 0) v->runs = strcmp(m, "auto") == 0 ? 1 : 2;
  m = section_value(sec, "trio_mode", buf, sizeof buf);
  if (m && !falsy(m)) v->runs = truthy(m) ? 1 : 2;
  m = section_value(sec, "anyio_mode", buf, sizeof buf);
  if (m && strcmp(m, "strict") != 0) v->runs = 2;
  m = section_value(sec, "addopts", buf, sizeof buf);
  if (m && (strstr(m, "asyncio-mode") || strstr(m, "asyncio_mode") || strstr(m, "trio") || strstr(m, "-p") ||
            strstr(m, "anyio")))
    v->runs = v->runs ? v->runs : 2;
  if ((m = section_value(sec, "python_files", buf, sizeof buf))) v->python_files = ll_arena_strdup(rv->arena, m);
  if ((m = section_value(sec, "python_functions", buf, sizeof buf))) v->python_functions = ll_arena_strdup(rv->arena, m);
  if ((m = section_value(sec, "python_classes", buf, sizeof buf))) v->python_classes = ll_arena_strdup(rv->arena, m);
}

/* Whether a dependency file's text names a plugin that runs every async test. */
static int names_run_all_plugin(const ll_ruledb *db, char *text) {
  for (char *c = text; *c; c++) *c = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
  for (size_t i = 0; i < db->test_plugins_run_all.cap; i++) {
    const char *k = db->test_plugins_run_all.slots ? db->test_plugins_run_all.slots[i].key : NULL;
    if (k && strstr(text, k)) return 1;
  }
  return 0;
}

static int dependency_file(const char *name) {
  static const char *const FIXED[] = {"pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "Pipfile", "poetry.lock",
                                      "uv.lock", "pdm.lock", "environment.yml", NULL};
  for (size_t i = 0; FIXED[i]; i++)
    if (strcmp(name, FIXED[i]) == 0) return 1;
  size_t n = strlen(name);
  return strstr(name, "requirements") && n > 4 && (strcmp(name + n - 4, ".txt") == 0 || strcmp(name + n - 3, ".in") == 0);
}

static int dir_declares_run_all(const ll_ruledb *db, const char *dir, int depth) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int found = 0;
  struct dirent *e;
  char path[PATH_MAX];
  while (!found && (e = readdir(d))) {
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (depth == 0 && strcmp(e->d_name, "requirements") == 0) found = dir_declares_run_all(db, path, 1);
    else if (dependency_file(e->d_name)) {
      char *t = slurp(path, 4u << 20);
      if (t) found = names_run_all_plugin(db, t);
      free(t);
    }
  }
  closedir(d);
  return found;
}

/* A conftest.py that defines a hook able to run or mark tests, or loads plugins. */
static int conftest_may_run(const char *dir) {
  static const char *const HOOKS[] = {"pytest_pyfunc_call", "pytest_collection_modifyitems", "pytest_pycollect_makeitem",
                                      "pytest_runtest_call", "pytest_runtest_protocol", "pytest_itemcollected",
                                      "pytest_configure", "pytest_collection", "pytest_runtestloop",
                                      "pytest_load_initial_conftests", "pytest_plugin_registered", "pytest_plugins",
                                      "pytestmark", NULL};
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/conftest.py", dir);
  char *t = slurp(path, 4u << 20);
  if (!t) return 0;
  int found = 0;
  for (size_t i = 0; HOOKS[i] && !found; i++) found = strstr(t, HOOKS[i]) != NULL;
  free(t);
  return found;
}

/* What decides the unmarked async tests of files in dir (memoised per folder). */
static const pytest_verdict *verdict_of(ll_resolver *rv, ll_strmap *memo, const char *dir, int depth) {
  pytest_verdict *v = ll_strmap_get(memo, dir);
  if (v) return v;
  v = ll_arena_alloc(rv->arena, sizeof *v);
  memset(v, 0, sizeof *v);
  const char *key = ll_arena_strdup(rv->arena, dir);
  ll_strmap_put(memo, key, v);
  if (depth > 64 || conftest_may_run(dir) || dir_declares_run_all(rv->db, dir, 0)) {
    v->runs = 2;
    return v;
  }
  static const struct {
    const char *file, *header;
  } CONFIGS[] = {{"pytest.ini", "[pytest]"}, {".pytest.ini", "[pytest]"}, {"pyproject.toml", "[tool.pytest.ini_options]"},
                 {"pyproject.toml", "[tool.pytest]"}, {"tox.ini", "[pytest]"}, {"setup.cfg", "[tool:pytest]"}};
  char path[PATH_MAX];
  for (size_t i = 0; i < sizeof CONFIGS / sizeof CONFIGS[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, CONFIGS[i].file);
    char *t = slurp(path, 4u << 20);
    if (!t) continue;
    char *sec = pytest_section(t, CONFIGS[i].header);
    /* pytest.ini is the configuration even without a section */
    if (sec || i < 2) {
      v->config = ll_arena_strdup(rv->arena, path);
      if (sec) read_section(rv, sec, v);
      free(sec);
      free(t);
      return v;
    }
    free(t);
  }
  const char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) {
    v->runs = 2; /* no configuration: unknown */
    return v;
  }
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%.*s", (int)(slash - dir), dir);
  *v = *verdict_of(rv, memo, parent, depth + 1);
  return v;
}

/* Whether name matches one of pytest's space-separated patterns (globs, or prefixes). */
static int pytest_matches(const char *patterns, const char *def, const char *name, int prefixes) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", patterns ? patterns : def);
  for (char *tok = strtok(buf, " \t,"); tok; tok = strtok(NULL, " \t,")) {
    if (strpbrk(tok, "*?[")) {
      if (fnmatch(tok, name, 0) == 0) return 1;
    } else if (prefixes ? strncmp(name, tok, strlen(tok)) == 0 : strcmp(name, tok) == 0)
      return 1;
  }
  return 0;
}

static const char *last_part(const char *q) {
  const char *d = strrchr(q, '.');
  return d ? d + 1 : q;
}

int ll_tests_decide(ll_resolver *rv, ll_strmap *memo, const ll_file_facts *ff, const ll_held *h, ll_strbuf *msg) {
  const char *test = h->message;
  if (h->arg_kw) {
    const char *which = NULL;
    int k = testcase_kind(rv, h->arg_kw, 0, &which);
    if (k == TC_OTHER) return 0;
    if (k == TC_SYNC) {
      if (has_subclass(rv, h->arg_kw)) return 0;
      ll_strbuf_addf(msg,
                     "`async def %s` never runs: `%s` derives from `%s`, which calls a test method without awaiting "
                     "it, so the test passes without running its body; derive from `unittest.IsolatedAsyncioTestCase`",
                     test, last_part(h->arg_kw), which);
      return 1;
    }
    /* a plain class: pytest collects it when its name says so and it has no __init__ */
    const ll_classdef *c = ll_resolver_class(rv, h->arg_kw, 0);
    if (!c || ll_strmap_get(&rv->p->funcs, ll_arena_join(rv->arena, c->qual, "__init__"))) return 0;
  }
  char real[PATH_MAX];
  if (!ff->path || !realpath(ff->path, real)) return 0;
  char *slash = strrchr(real, '/');
  if (!slash) return 0;
  *slash = 0;
  const pytest_verdict *v = verdict_of(rv, memo, real[0] ? real : "/", 0);
  if (v->runs || !v->config) return 0;
  if (!pytest_matches(v->python_files, "test_*.py *_test.py", slash + 1, 0)) return 0;
  if (!pytest_matches(v->python_functions, "test", test, 1)) return 0;
  if (h->arg_kw && !pytest_matches(v->python_classes, "Test", last_part(h->arg_kw), 1)) return 0;
  const char *cfg = strrchr(v->config, '/');
  cfg = cfg ? cfg + 1 : v->config;
  ll_strbuf_addf(msg,
                 "`async def %s` never runs: no async plugin mode applies (`%s` sets no `asyncio_mode = auto`) and the "
                 "test has no `@pytest.mark.asyncio` (or `anyio`, `trio`) mark, so pytest does not await it (it skips "
                 "it with a warning, or fails it); mark it, or set `asyncio_mode = \"auto\"`",
                 test, cfg);
  return 1;
}
