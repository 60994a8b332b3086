/* rule_polling.c: LOOP120. A coroutine that waits for state to change by sleeping in a loop:
 *
 *     while not self._ready:
 *         await asyncio.sleep(0.1)
 *
 * wakes the event loop for nothing on every turn and adds up to one interval of latency; an
 * asyncio.Event, Condition or future wakes it exactly when the state changes. Two forms are
 * reported, both narrower than ruff's ASYNC110 (which reports any `while` whose body is a
 * sleep):
 *   - the body is the sleep alone (plus pass/continue), and the condition reads state: an
 *     attribute, a module global, or a state query with an awaitable twin (`fut.done()`,
 *     `event.is_set()`, the `polling.state` section of the rules data);
 *   - the body also keeps books (logging, a local counter, `if ...: break/raise/return` for a
 *     deadline), and the condition reads a `self.` attribute or a global the file sets in
 *     another function.
 * Not reported: `while True` and other conditions without state (a periodic task, a deadline
 * loop), a condition that awaits or calls anything but a pure builtin, a time function or a
 * known state query (polling a device or an API has no event to wait for), and bodies that do
 * other work. The message says where the file sets the state it polls. */
#include "../front/fields.h"
#include "../util/strbuf.h"
#include "engine.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

/* A place this file assigns state: `self.NAME = ...` in a method of cls, or NAME declared
 * `global` and assigned in a function (cls NULL). */
typedef struct state_set {
  const char *cls, *name, *func;
  uint32_t row, func_start;
} state_set;

/* A `global NAME` declaration in the function starting at func_start. */
typedef struct global_decl {
  const char *name;
  uint32_t func_start;
} global_decl;

typedef struct poll_loop {
  TSNode node;
  const char *cond;      /* the condition as written */
  const char *cls;       /* class of `self.` atoms, or NULL */
  const char *attr;      /* first `self.` attribute read, or NULL */
  const char *global;    /* first module global read, or NULL */
  const char *replace;   /* state query's awaitable twin, or NULL */
  const char *interval;  /* the sleep's argument as written */
  uint32_t func_start;
  uint8_t only_sleep;
} poll_loop;

typedef struct poll_state {
  LL_VEC(state_set) sets;
  LL_VEC(global_decl) globals;
  LL_VEC(poll_loop) loops;
} poll_state;

static poll_state *state(ll_ctx *ctx) {
  void **slot = ll_ctx_state(ctx);
  if (!*slot) {
    poll_state *s = ll_arena_alloc(&ctx->arena, sizeof *s);
    memset(s, 0, sizeof *s);
    *slot = s;
  }
  return *slot;
}

static ll_scope *function_scope(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  return fn && fn->kind == LL_SCOPE_FUNCTION ? fn : NULL;
}

/* `self` (or `cls`) in a method: the class it stands for. */
static ll_scope *self_class(ll_ctx *ctx, TSNode ident) {
  if (!is(ident, "identifier") || !(ll_ctx_text_is(ctx, ident, "self") || ll_ctx_text_is(ctx, ident, "cls"))) return NULL;
  ll_scope *fn = function_scope(ctx);
  return fn && fn->is_method ? ll_ctx_class(ctx) : NULL;
}

/* --- where state is set --- */

static int declared_global(poll_state *s, const char *name, uint32_t func_start) {
  for (size_t i = 0; i < s->globals.len; i++)
    if (s->globals.items[i].func_start == func_start && strcmp(s->globals.items[i].name, name) == 0) return 1;
  return 0;
}

static void note_target(ll_ctx *ctx, TSNode target) {
  ll_scope *fn = function_scope(ctx);
  if (!fn) return;
  poll_state *s = state(ctx);
  if (is(target, "pattern_list") || is(target, "tuple_pattern") || is(target, "tuple")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(target); i++) note_target(ctx, ts_node_named_child(target, i));
    return;
  }
  state_set set = {NULL, NULL, fn->name, ll_ctx_start(ctx, target).row, ts_node_start_byte(fn->node)};
  if (is(target, "attribute")) {
    ll_scope *cls = self_class(ctx, ll_field(target, "object"));
    if (!cls) return;
    set.cls = cls->qual;
    set.name = ll_ctx_text(ctx, ll_field(target, "attribute"));
  } else if (is(target, "identifier")) {
    set.name = ll_ctx_text(ctx, target);
    if (!declared_global(s, set.name, set.func_start)) return;
  } else return;
  ll_vec_push(&s->sets, set);
}

/* --- the loop --- */

static const char *callee_qual(ll_ctx *ctx, TSNode call) { return ll_ctx_callee(ctx, call); }

static int is_sleep_stmt(ll_ctx *ctx, TSNode st, const char **interval) {
  if (!is(st, "expression_statement") || ts_node_named_child_count(st) != 1) return 0;
  TSNode aw = ts_node_named_child(st, 0);
  if (!is(aw, "await")) return 0;
  TSNode call = ts_node_named_child(aw, 0);
  if (!is(call, "call")) return 0;
  const char *q = callee_qual(ctx, call);
  if (!q || !ll_ruledb_has(&ctx->db->poll_sleeps, q)) return 0;
  TSNode args = ll_field(call, "arguments");
  TSNode first = ts_node_named_child_count(args) ? ts_node_named_child(args, 0) : (TSNode){0};
  *interval = ts_node_is_null(first) ? "" : ll_ctx_text(ctx, is(first, "keyword_argument") ? ll_field(first, "value") : first);
  return 1;
}

static int has_await(ll_ctx *ctx, TSNode n) {
  if (!ll_ctx_spend(ctx, 1)) return 0;
  if (is(n, "await")) return 1;
  if (is(n, "function_definition") || is(n, "lambda") || is(n, "class_definition")) return 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
    if (has_await(ctx, ts_node_named_child(n, i))) return 1;
  return 0;
}

static int is_time_call(const char *q) {
  return q && (strncmp(q, "time.", 5) == 0 || strcmp(q, "asyncio.AbstractEventLoop.time") == 0 ||
               strcmp(q, "asyncio.BaseEventLoop.time") == 0 || strcmp(q, "datetime.datetime.now") == 0 ||
               strcmp(q, "datetime.datetime.utcnow") == 0);
}

static int is_pure_builtin(const char *q) {
  static const char *const PURE[] = {"builtins.len", "builtins.any", "builtins.all", "builtins.bool", "builtins.isinstance",
                                     "builtins.min", "builtins.max", "builtins.abs", NULL};
  for (const char *const *p = PURE; q && *p; p++)
    if (strcmp(q, *p) == 0) return 1;
  return 0;
}

/* Calls whose only effect is a log line or console output. */
static int is_logging_call(ll_ctx *ctx, TSNode call) {
  const char *q = callee_qual(ctx, call);
  return q && (strncmp(q, "logging.", 8) == 0 || strcmp(q, "builtins.print") == 0);
}

/* Every call in n is a pure builtin or a time function (no I/O, no await). */
static int calls_only_time(ll_ctx *ctx, TSNode n) {
  if (!ll_ctx_spend(ctx, 1)) return 0;
  if (is(n, "await") || is(n, "lambda")) return 0;
  if (is(n, "call")) {
    const char *q = callee_qual(ctx, n);
    if (!is_time_call(q) && !is_pure_builtin(q)) return 0;
  }
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
    if (!calls_only_time(ctx, ts_node_named_child(n, i))) return 0;
  return 1;
}

static int logging_stmt(ll_ctx *ctx, TSNode st) {
  if (!is(st, "expression_statement") || ts_node_named_child_count(st) != 1) return 0;
  TSNode c = ts_node_named_child(st, 0);
  return is(c, "call") && is_logging_call(ctx, c) && !has_await(ctx, c);
}

/* A deadline or give-up check: `if COND: break|return|raise` (logging allowed), no else. */
static int exit_check(ll_ctx *ctx, TSNode st) {
  if (!is(st, "if_statement") || !ts_node_is_null(ll_field(st, "alternative"))) return 0;
  if (!calls_only_time(ctx, ll_field(st, "condition"))) return 0;
  TSNode body = ll_field(st, "consequence");
  int exits = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
    TSNode s = ts_node_named_child(body, i);
    if (is(s, "comment") || logging_stmt(ctx, s)) continue;
    if (is(s, "break_statement") || is(s, "return_statement") || is(s, "raise_statement")) {
      if (has_await(ctx, s)) return 0;
      exits = 1;
      continue;
    }
    return 0;
  }
  return exits;
}

/* `n += 1`, `waited = waited + interval`, `now = time.monotonic()`: a local's arithmetic. */
static int local_bookkeeping(ll_ctx *ctx, TSNode st, ll_strbuf *assigned) {
  if (!is(st, "expression_statement") || ts_node_named_child_count(st) != 1) return 0;
  TSNode a = ts_node_named_child(st, 0);
  if (!is(a, "assignment") && !is(a, "augmented_assignment")) return 0;
  TSNode left = ll_field(a, "left"), right = ll_field(a, "right");
  if (!is(left, "identifier") || ts_node_is_null(right) || !calls_only_time(ctx, right)) return 0;
  ll_strbuf_addf(assigned, " %s ", ll_ctx_text(ctx, left));
  return 1;
}

typedef struct cond_scan {
  const char *cls, *attr, *global, *replace;
  int atoms, bad;
} cond_scan;

/* A module-level variable (not an import or definition) the current function does not bind. */
static int is_global_var(ll_ctx *ctx, TSNode ident) {
  const char *name = ctx->src->text + ts_node_start_byte(ident);
  size_t n = ts_node_end_byte(ident) - ts_node_start_byte(ident);
  for (size_t i = ctx->scopes.len; i-- > 1;) {
    ll_scope *s = &ctx->scopes.items[i];
    if (s->kind == LL_SCOPE_CLASS) continue;
    if (ll_strmap_getn(&s->bindings, name, n)) return 0;
  }
  const ll_binding *b = ll_strmap_getn(&ctx->scopes.items[0].bindings, name, n);
  return b && (b->kind == LL_BIND_UNKNOWN || b->kind == LL_BIND_INSTANCE || b->kind == LL_BIND_PATH);
}

/* record: name the atoms found (not inside another object's attribute chain, `self._client.up`
 * is the client's state, not `self._client`) */
static void scan_cond(ll_ctx *ctx, TSNode n, cond_scan *c, const char *assigned, int record) {
  if (c->bad || ts_node_is_null(n)) return;
  if (!ll_ctx_spend(ctx, 1)) { c->bad = 1; return; }
  if (is(n, "await") || is(n, "lambda") || is(n, "named_expression")) { c->bad = 1; return; }
  if (is(n, "call")) {
    TSNode f = ll_field(n, "function");
    const char *q = callee_qual(ctx, n);
    const char *twin = q ? ll_strmap_get(&ctx->db->polled_state, q) : NULL;
    if (twin) {
      c->atoms++;
      if (!c->replace) c->replace = twin;
    } else if (!is_pure_builtin(q) && !is_time_call(q)) {
      c->bad = 1; /* a call we do not know may do I/O: polling a device has no event */
      return;
    }
    scan_cond(ctx, ll_field(n, "arguments"), c, assigned, 1);
    scan_cond(ctx, is(f, "attribute") ? ll_field(f, "object") : (TSNode){0}, c, assigned, 0);
    return;
  }
  if (is(n, "attribute")) {
    const char *q = ll_resolve_qualname(ctx, n);
    const char *twin = q ? ll_strmap_get(&ctx->db->polled_state, q) : NULL;
    if (twin && !c->replace) c->replace = twin;
    TSNode obj = ll_field(n, "object");
    ll_scope *cls = self_class(ctx, obj);
    if (cls) {
      if (record && !c->attr) { c->cls = cls->qual; c->attr = ll_ctx_text(ctx, ll_field(n, "attribute")); }
    } else scan_cond(ctx, obj, c, assigned, 0);
    c->atoms++;
    return;
  }
  if (is(n, "identifier")) {
    const char *name = ll_ctx_text(ctx, n);
    char key[160];
    snprintf(key, sizeof key, " %s ", name);
    if (strstr(assigned, key)) return; /* a counter the body keeps */
    if (is_global_var(ctx, n)) {
      c->atoms++;
      if (record && !c->global) c->global = name;
    }
    return;
  }
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) scan_cond(ctx, ts_node_named_child(n, i), c, assigned, record);
}

static void enter_while(ll_ctx *ctx, TSNode node) {
  ll_scope *fn = function_scope(ctx);
  if (!fn || !fn->is_async) return;
  TSNode cond = ll_field(node, "condition"), body = ll_field(node, "body");
  if (ts_node_is_null(cond) || ts_node_is_null(body)) return;
  int sleeps = 0, books = 0;
  const char *interval = NULL;
  ll_strbuf assigned;
  ll_strbuf_init(&assigned);
  ll_strbuf_add(&assigned, " ");
  for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
    TSNode st = ts_node_named_child(body, i);
    if (is(st, "comment") || is(st, "pass_statement") || is(st, "continue_statement")) continue;
    const char *iv;
    if (is_sleep_stmt(ctx, st, &iv)) { sleeps++; interval = iv; continue; }
    if (logging_stmt(ctx, st) || exit_check(ctx, st) || local_bookkeeping(ctx, st, &assigned)) { books++; continue; }
    sleeps = -1; /* the body does other work: a periodic task, not a wait */
    break;
  }
  cond_scan c;
  memset(&c, 0, sizeof c);
  if (sleeps == 1) scan_cond(ctx, cond, &c, assigned.data, 1);
  if (sleeps == 1 && !c.bad && c.atoms && ts_node_is_null(ll_field(node, "alternative"))) {
    poll_loop lp;
    memset(&lp, 0, sizeof lp);
    lp.node = node;
    lp.cond = ll_ctx_text(ctx, cond);
    lp.cls = c.cls;
    lp.attr = c.attr;
    lp.global = c.global;
    lp.replace = c.replace;
    lp.interval = interval;
    lp.func_start = ts_node_start_byte(fn->node);
    lp.only_sleep = books == 0;
    ll_vec_push(&state(ctx)->loops, lp);
  }
  ll_strbuf_free(&assigned);
}

static void enter(ll_ctx *ctx, TSNode node) {
  if (is(node, "while_statement")) enter_while(ctx, node);
  else if (is(node, "global_statement")) {
    ll_scope *fn = function_scope(ctx);
    if (!fn) return;
    for (uint32_t i = 0; i < ts_node_named_child_count(node); i++) {
      TSNode id = ts_node_named_child(node, i);
      if (!is(id, "identifier")) continue;
      global_decl g = {ll_ctx_text(ctx, id), ts_node_start_byte(fn->node)};
      ll_vec_push(&state(ctx)->globals, g);
    }
  } else note_target(ctx, ll_field(node, "left"));
}

static const state_set *set_elsewhere(poll_state *s, const poll_loop *lp) {
  for (size_t i = 0; i < s->sets.len; i++) {
    const state_set *st = &s->sets.items[i];
    if (st->func_start == lp->func_start) continue; /* the polling function itself */
    if (strcmp(st->func, "__init__") == 0) continue;  /* the initial value: not where it changes */
    if (lp->attr && st->cls && strcmp(st->cls, lp->cls) == 0 && strcmp(st->name, lp->attr) == 0) return st;
    if (lp->global && !st->cls && strcmp(st->name, lp->global) == 0) return st;
  }
  return NULL;
}

static const char *last_part(const char *q) {
  const char *d = strrchr(q, '.');
  return d ? d + 1 : q;
}

static void end_file(ll_ctx *ctx) {
  poll_state *s = *ll_ctx_state(ctx);
  if (!s) return;
  *ll_ctx_state(ctx) = NULL;
  ll_strbuf msg;
  ll_strbuf_init(&msg);
  for (size_t i = 0; i < s->loops.len; i++) {
    const poll_loop *lp = &s->loops.items[i];
    const state_set *where = set_elsewhere(s, lp);
    if (!lp->only_sleep && !where) continue; /* only the clear forms */
    ll_strbuf_clear(&msg);
    int spin = strcmp(lp->interval, "0") == 0 || strcmp(lp->interval, "0.0") == 0;
    if (spin) ll_strbuf_addf(&msg, "Polling loop: `while %s` re-checks the condition as fast as the loop turns", lp->cond);
    else
      ll_strbuf_addf(&msg, "Polling loop: `while %s` wakes the event loop every %s s to re-check the condition", lp->cond,
                     *lp->interval ? lp->interval : "?");
    if (where && where->cls)
      ll_strbuf_addf(&msg, " (`self.%s` is set in `%s.%s()` at line %u)", where->name, last_part(where->cls), where->func,
                     where->row);
    else if (where)
      ll_strbuf_addf(&msg, " (`%s` is set in `%s()` at line %u)", where->name, where->func, where->row);
    ll_strbuf_add(&msg, spin ? ": it keeps a CPU core busy until the state changes" : " and sees the change up to one interval late");
    if (lp->replace) ll_strbuf_addf(&msg, "; %s instead", lp->replace);
    else
      ll_strbuf_add(&msg, "; use an `asyncio.Event` (set it where the state changes, `await event.wait()` here, inside "
                          "`asyncio.timeout(...)` for a deadline), a `Condition` or a future");
    ll_ctx_report(ctx, "LOOP120", ll_field(lp->node, "condition"), "%s", msg.data);
  }
  ll_strbuf_free(&msg);
  ll_vec_free(&s->sets);
  ll_vec_free(&s->globals);
  ll_vec_free(&s->loops);
}

static const char *const NODES[] = {"while_statement", "global_statement", "assignment", "augmented_assignment", NULL};
const ll_rule ll_rule_polling = {.id = "polling", .node_types = NODES, .enter = enter, .end_file = end_file};
