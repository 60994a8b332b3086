/* fixgen.c: fix construction. */
#include "../front/fields.h"
#include "fixgen.h"
#include "../util/strbuf.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

/* Code in a comprehension or generator runs in its own scope: `await` there changes what
 * the expression is, so no fix is offered. */
static int in_comprehension(ll_ctx *ctx, TSNode n) {
  ll_scope *fn = ll_ctx_function(ctx);
  for (TSNode p = ll_ctx_parent(ctx, n); !ts_node_is_null(p); p = ll_ctx_parent(ctx, p)) {
    if (fn && ts_node_eq(p, fn->node)) return 0;
    const char *t = ts_node_type(p);
    if (strstr(t, "comprehension") || strcmp(t, "generator_expression") == 0 || strcmp(t, "lambda") == 0) return 1;
  }
  return 0;
}

/* Whether `await X` in this position must be parenthesised: X is then used as an object
 * (attribute, subscript, callee) or an operand of `**`. */
static int needs_parens(ll_ctx *ctx, TSNode call) {
  TSNode p = ll_ctx_parent(ctx, call);
  if (is(p, "attribute") || is(p, "subscript")) return ts_node_eq(ts_node_named_child(p, 0), call);
  if (is(p, "call")) return ts_node_eq(ll_field(p, "function"), call);
  if (is(p, "binary_operator")) return 1;
  return 0;
}

static ll_fix *new_fix(const char *applicability, const char *msg) { return ll_fix_new(applicability, msg); }

void ll_fixgen_ensure_import(ll_ctx *ctx, ll_fix *fix, const char *module) {
  const ll_binding *b = ll_strmap_get(&ctx->scopes.items[0].bindings, module);
  if (b && b->kind == LL_BIND_ALIAS && strcmp(b->qual, module) == 0) return;
  /* after the last top-level import that precedes other code, else after the docstring */
  TSNode root = ctx->root, after = {0};
  for (uint32_t i = 0; i < ts_node_named_child_count(root); i++) {
    TSNode c = ts_node_named_child(root, i);
    if (is(c, "comment")) continue;
    if (is(c, "import_statement") || is(c, "import_from_statement") || is(c, "future_import_statement")) { after = c; continue; }
    if (i == 0 && is(c, "expression_statement") && is(ts_node_named_child(c, 0), "string")) { after = c; continue; }
    break;
  }
  ll_strbuf line;
  ll_strbuf_init(&line);
  ll_strbuf_addf(&line, "import %s\n", module);
  ll_pos at = {1, 1};
  if (!ts_node_is_null(after)) at = (ll_pos){ts_node_end_point(after).row + 2, 1};
  ll_fix_add_edit(fix, at, at, line.data);
  ll_strbuf_free(&line);
}

const char *ll_fixgen_hass(ll_ctx *ctx) {
  if (!ctx->ha) return NULL;
  for (size_t i = ctx->scopes.len; i-- > 0;) {
    ll_scope *s = &ctx->scopes.items[i];
    if (s->kind == LL_SCOPE_CLASS) continue;
    if (ll_strmap_get(&s->bindings, "hass")) return "hass";
  }
  ll_scope *fn = ll_ctx_function(ctx);
  if (fn && fn->is_method) return "self.hass";
  return NULL;
}

ll_fix *ll_fixgen_await(ll_ctx *ctx, TSNode call, const char *callee_text, const char *applicability, const char *msg) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (!fn || fn->kind != LL_SCOPE_FUNCTION || !fn->is_async || in_comprehension(ctx, call)) return NULL;
  ll_fix *fix = new_fix(applicability, msg);
  int parens = needs_parens(ctx, call);
  ll_pos s = ll_ctx_start(ctx, call);
  ll_fix_add_edit(fix, s, s, parens ? "(await " : "await ");
  if (callee_text) {
    TSNode f = ll_field(call, "function");
    ll_fix_add_edit(fix, ll_ctx_start(ctx, f), ll_ctx_end(ctx, f), callee_text);
  }
  if (parens) {
    ll_pos e = ll_ctx_end(ctx, call);
    ll_fix_add_edit(fix, e, e, ")");
  }
  return fix;
}

ll_fix *ll_fixgen_executor(ll_ctx *ctx, TSNode call) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (!fn || fn->kind != LL_SCOPE_FUNCTION || !fn->is_async || in_comprehension(ctx, call)) return NULL;
  TSNode p = ll_ctx_parent(ctx, call);
  if (is(p, "as_pattern") || is(p, "with_item")) return NULL; /* a context manager stays one */
  TSNode f = ll_field(call, "function"), args = ll_field(call, "arguments");
  if (ts_node_is_null(args) || !is(args, "argument_list")) return NULL;
  int has_kw = 0, has_splat = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "keyword_argument") || is(a, "dictionary_splat")) has_kw = 1;
    if (is(a, "list_splat")) has_splat = 1;
  }
  (void)has_splat;
  const char *hass = ll_fixgen_hass(ctx);
  /* hass.async_add_executor_job takes no keyword arguments */
  int use_hass = hass && !has_kw;
  /* `open(p).read()`: a blocking call in the receiver would still run on the loop; run it all
   * in a lambda (a cheap receiver such as `Path(x)` can stay where it is) */
  int receiver_calls = 0;
  for (TSNode o = f; is(o, "attribute") && !receiver_calls;) {
    o = ll_field(o, "object");
    while (is(o, "parenthesized_expression")) o = ts_node_named_child(o, 0);
    if (is(o, "call")) {
      const char *rq = ll_ctx_callee(ctx, o);
      if (!rq || ll_ruledb_blocking(ctx->db, rq)) receiver_calls = 1;
      o = ll_field(o, "function");
    }
  }
  if (receiver_calls) {
    ll_strbuf text;
    ll_strbuf_init(&text);
    ll_strbuf_addf(&text, "%sawait %s(lambda: %s)%s", needs_parens(ctx, call) ? "(" : "",
                   hass ? (strcmp(hass, "hass") == 0 ? "hass.async_add_executor_job" : "self.hass.async_add_executor_job")
                        : "asyncio.to_thread",
                   ll_ctx_text(ctx, call), needs_parens(ctx, call) ? ")" : "");
    ll_fix *fix = new_fix("unsafe", "Run the whole expression in a worker thread");
    ll_fix_add_edit(fix, ll_ctx_start(ctx, call), ll_ctx_end(ctx, call), text.data);
    if (!hass) ll_fixgen_ensure_import(ctx, fix, "asyncio");
    ll_strbuf_free(&text);
    return fix;
  }
  ll_strbuf text;
  ll_strbuf_init(&text);
  const char *inner = ll_ctx_text(ctx, args);
  size_t n = strlen(inner);
  ll_strbuf_addf(&text, "%sawait %s(%s", needs_parens(ctx, call) ? "(" : "",
                 use_hass ? (strcmp(hass, "hass") == 0 ? "hass.async_add_executor_job" : "self.hass.async_add_executor_job")
                          : "asyncio.to_thread",
                 ll_ctx_text(ctx, f));
  if (n > 2) {
    ll_strbuf_add(&text, inner[1] == '\n' || inner[1] == '\r' ? "," : ", ");
    ll_strbuf_addn(&text, inner + 1, n - 2);
  }
  ll_strbuf_add(&text, needs_parens(ctx, call) ? "))" : ")");
  ll_fix *fix = new_fix("unsafe", use_hass ? "Run it in Home Assistant's executor" : "Run it in a worker thread with `asyncio.to_thread`");
  ll_fix_add_edit(fix, ll_ctx_start(ctx, call), ll_ctx_end(ctx, call), text.data);
  if (!use_hass) ll_fixgen_ensure_import(ctx, fix, "asyncio");
  ll_strbuf_free(&text);
  return fix;
}

ll_fix *ll_fixgen_keep_task(ll_ctx *ctx, TSNode call, TSNode stmt) {
  if (!is(stmt, "expression_statement") || in_comprehension(ctx, call)) return NULL;
  const char *hass = ll_fixgen_hass(ctx);
  TSNode f = ll_field(call, "function");
  if (hass && is(f, "attribute")) {
    const char *q = ll_ctx_callee(ctx, call);
    if (q && (strcmp(q, "asyncio.create_task") == 0 || strcmp(q, "asyncio.ensure_future") == 0)) {
      ll_fix *fix = new_fix("safe", "Use `hass.async_create_task`, which keeps the task");
      ll_strbuf t;
      ll_strbuf_init(&t);
      ll_strbuf_addf(&t, "%s.async_create_task", hass);
      ll_fix_add_edit(fix, ll_ctx_start(ctx, f), ll_ctx_end(ctx, f), t.data);
      ll_strbuf_free(&t);
      return fix;
    }
  }
  ll_pos s = ll_ctx_start(ctx, stmt);
  ll_strbuf t;
  ll_strbuf_init(&t);
  ll_strbuf_addf(&t, "_background_tasks.add(_task := %s)\n%*s_task.add_done_callback(_background_tasks.discard)",
                 ll_ctx_text(ctx, call), (int)(s.col - 1), "");
  ll_fix *fix = new_fix("safe", "Keep the task in a module-level set until it is done");
  ll_fix_add_edit(fix, s, ll_ctx_end(ctx, stmt), t.data);
  ll_strbuf_free(&t);
  if (!ll_strmap_get(&ctx->scopes.items[0].bindings, "_background_tasks")) {
    ll_fixgen_ensure_import(ctx, fix, "asyncio");
    /* the set goes right after the imports: put it in the same edit position as an import */
    TSNode root = ctx->root, after = {0};
    for (uint32_t i = 0; i < ts_node_named_child_count(root); i++) {
      TSNode c = ts_node_named_child(root, i);
      if (is(c, "comment")) continue;
      if (is(c, "import_statement") || is(c, "import_from_statement") || is(c, "future_import_statement") ||
          (i == 0 && is(c, "expression_statement") && is(ts_node_named_child(c, 0), "string"))) { after = c; continue; }
      break;
    }
    ll_pos at = ts_node_is_null(after) ? (ll_pos){1, 1} : (ll_pos){ts_node_end_point(after).row + 2, 1};
    ll_fix_add_edit(fix, at, at, "\n_background_tasks: set[asyncio.Task] = set()\n");
  }
  return fix;
}
