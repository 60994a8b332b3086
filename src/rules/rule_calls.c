/* rule_calls.c: collects the call sites the project model decides on (LOOP110, LOOP2xx):
 * the callee's qualified name as this file resolves it, how the result is used, and
 * whether the caller runs on the event loop. Calls to builtins and calls whose callee
 * cannot be named are not kept. */
#include "../front/fields.h"
#include "../model/facts.h"
#include "engine.h"
#include "../model/except.h"
#include "../model/flow.h"
#include "../model/types.h"
#include "../util/strbuf.h"

#include <stdio.h>
#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

/* What an argument passes to a flag parameter: "f" a literal False, None or 0 (the flag stays
 * off), "pNAME@I" the enclosing function's own parameter NAME (index I) that is off by
 * default and never rebound (the flag is on only when the caller's is), "v" anything else. */
static void arg_token(ll_ctx *ctx, TSNode v, ll_strbuf *out) {
  while (is(v, "parenthesized_expression")) v = ts_node_named_child(v, 0);
  if (is(v, "false") || is(v, "none") || (is(v, "integer") && ll_ctx_text_is(ctx, v, "0"))) {
    ll_strbuf_addc(out, 'f');
    return;
  }
  ll_scope *fn = ll_ctx_function(ctx);
  if (is(v, "identifier") && fn && fn->kind == LL_SCOPE_FUNCTION) {
    const char *n = ll_ctx_text(ctx, v);
    int k = ll_flow_param_index(ctx, fn->node, n);
    if (k >= 0 && k < 127 && ll_flow_param_off_by_default(ctx, fn->node, n) && !ll_flow_rebinds(ctx, fn->node, n)) {
      ll_strbuf_addf(out, "p%s@%d", n, k);
      return;
    }
  }
  ll_strbuf_addc(out, 'v');
}

/* What the call passes, for a callee whose blocking step needs a flag (ll_callsite.args):
 * the positional arguments' tokens ("*" a splat), then ';' and the keywords as NAME=TOKEN
 * ("**=v" a splat), each list comma-separated; NULL when the call passes nothing. */
static const char *args_summary(ll_ctx *ctx, TSNode call, ll_arena *arena) {
  TSNode args = ll_field(call, "arguments");
  if (!is(args, "argument_list") || ts_node_named_child_count(args) == 0) return NULL;
  ll_strbuf pos, kw;
  ll_strbuf_init(&pos);
  ll_strbuf_init(&kw);
  for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument")) {
      if (kw.len) ll_strbuf_addc(&kw, ',');
      ll_strbuf_addf(&kw, "%s=", ll_ctx_text(ctx, ll_field(a, "name")));
      arg_token(ctx, ll_field(a, "value"), &kw);
    } else if (is(a, "dictionary_splat")) {
      ll_strbuf_add(&kw, kw.len ? ",**=v" : "**=v");
    } else {
      if (pos.len) ll_strbuf_addc(&pos, ',');
      if (is(a, "list_splat")) ll_strbuf_addc(&pos, '*');
      else arg_token(ctx, a, &pos);
    }
  }
  ll_strbuf_addc(&pos, ';');
  ll_strbuf_addn(&pos, kw.data ? kw.data : "", kw.len);
  const char *r = ll_arena_strdup(arena, pos.data);
  ll_strbuf_free(&pos);
  ll_strbuf_free(&kw);
  return r;
}

/* --- coroutines started on an event loop of their own in a worker thread --- */

/* The last identifier of a callee expression (`Thread` of `threading.Thread`), n its length. */
static const char *last_name(ll_ctx *ctx, TSNode fn, size_t *n) {
  if (is(fn, "attribute")) fn = ll_field(fn, "attribute");
  if (!is(fn, "identifier")) return NULL;
  uint32_t a = ts_node_start_byte(fn), b = ts_node_end_byte(fn);
  *n = b - a;
  return ctx->src->text + a;
}

/* Whether a key of m has name (n bytes) as its last part: a cheap test before resolving. */
static int map_names(const ll_strmap *m, const char *name, size_t n) {
  for (size_t i = 0; name && i < m->cap; i++) {
    const char *k = m->slots ? m->slots[i].key : NULL;
    if (!k) continue;
    size_t kl = strlen(k);
    if (kl > n && k[kl - n - 1] == '.' && memcmp(k + kl - n, name, n) == 0) return 1;
    if (kl == n && memcmp(k, name, n) == 0) return 1;
  }
  return 0;
}

/* The entry of m that callee expression fn resolves to (by type: a receiver of unknown
 * type, or one only the project types, gives none). */
static const ll_callback_api *listed_api(ll_ctx *ctx, TSNode fn, const ll_strmap *m) {
  size_t n = 0;
  const char *ln = last_name(ctx, fn, &n);
  if (!map_names(m, ln, n)) return NULL;
  ll_value v = ll_resolve_value(ctx, fn);
  if (v.kind == LL_V_UNKNOWN || v.kind == LL_V_PENDING) return NULL;
  const char *q = ll_typer_listed(ll_ctx_typer(ctx), &v, m);
  return q ? ll_strmap_get(m, q) : NULL;
}

/* Whether expression ref (not called) is a loop runner of the rules data: `asyncio.run`,
 * `loop.run_until_complete` of a value typed as an event loop. */
static int is_loop_runner(ll_ctx *ctx, TSNode ref) {
  size_t n = 0;
  const char *ln = last_name(ctx, ref, &n);
  if (!map_names(&ctx->db->loop_runners, ln, n)) return 0;
  ll_value v = ll_resolve_value(ctx, ref);
  if (v.kind == LL_V_UNKNOWN || v.kind == LL_V_PENDING) return 0;
  return ll_typer_listed(ll_ctx_typer(ctx), &v, &ctx->db->loop_runners) != NULL;
}

/* Where node sits among the arguments of the call that holds it: *pos its positional index
 * (-1: a keyword, or after a splat), *kw the keyword's name node (null: positional); the
 * call, or a null node when node is not an argument. */
static TSNode argument_slot(ll_ctx *ctx, TSNode node, int *pos, TSNode *kw) {
  TSNode none = {0}, p = ll_ctx_parent(ctx, node);
  *pos = -1;
  *kw = none;
  if (is(p, "keyword_argument")) {
    *kw = ll_field(p, "name");
    TSNode l = ll_ctx_parent(ctx, p);
    return is(l, "argument_list") ? ll_ctx_parent(ctx, l) : none;
  }
  if (!is(p, "argument_list")) return none;
  int at = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(p); i++) {
    TSNode a = ts_node_named_child(p, i);
    if (ts_node_eq(a, node)) { *pos = at; break; }
    if (is(a, "list_splat")) return ll_ctx_parent(ctx, p);
    if (!is(a, "comment") && !is(a, "keyword_argument") && !is(a, "dictionary_splat")) at++;
  }
  return ll_ctx_parent(ctx, p);
}

/* Whether the argument at (pos, kw) is the one an entry names (arg, keyword). */
static int slot_is(ll_ctx *ctx, int pos, TSNode kw, int arg, const char *keyword) {
  if (!ts_node_is_null(kw)) return keyword && ll_ctx_text_is(ctx, kw, keyword);
  return pos >= 0 && pos == arg;
}

/* Whether call passes keyword kw as the literal True. */
static int passes_true(ll_ctx *ctx, TSNode call, const char *kw) {
  TSNode v = ll_ctx_argument(ctx, call, -1, kw);
  return is(v, "true");
}

/* Whether call is an off-loop API of callback_apis (a thread, an executor) whose callable is
 * a loop runner: what it passes that runner runs on a loop of its own. */
static const ll_callback_api *runner_in_thread(ll_ctx *ctx, TSNode call) {
  const ll_callback_api *a = listed_api(ctx, ll_field(call, "function"), &ctx->db->callback_apis);
  if (!a || !a->off_loop) return NULL;
  return is_loop_runner(ctx, ll_ctx_argument(ctx, call, a->arg, a->keyword)) ? a : NULL;
}

/* How the coroutine that call makes is run (ll_thread_loop_kind): on a loop of its own in a
 * worker thread, known here or to be decided by the project pass (*runner: the call site
 * whose callee it must find in thread_loops.calls). */
static uint8_t thread_loop_of(ll_ctx *ctx, TSNode call, int32_t *runner) {
  const ll_ruledb *db = ctx->db;
  TSNode p = ll_ctx_parent(ctx, call);
  /* `Thread(target=asyncio.run, args=(job(),))`: the first element of the arguments' tuple */
  if ((is(p, "tuple") || is(p, "list")) && ts_node_named_child_count(p) && ts_node_eq(ts_node_named_child(p, 0), call)) {
    int pos;
    TSNode kw, t = argument_slot(ctx, p, &pos, &kw);
    const ll_callback_api *a = is(t, "call") ? runner_in_thread(ctx, t) : NULL;
    if (a && (a->args_kw || a->args_pos >= 0) && slot_is(ctx, pos, kw, a->args_pos, a->args_kw)) return LL_THREAD_LOOP_KNOWN;
    return LL_THREAD_LOOP_NONE;
  }
  int pos;
  TSNode kw, r = argument_slot(ctx, call, &pos, &kw);
  if (!is(r, "call")) return LL_THREAD_LOOP_NONE;
  TSNode rfn = ll_field(r, "function");
  size_t n = 0;
  const char *ln = last_name(ctx, rfn, &n);
  if (!ln) return LL_THREAD_LOOP_NONE;
  /* `asyncio.run(job())`: where does the runner run? */
  if (pos == 0 && ts_node_is_null(kw) && map_names(&db->loop_runners, ln, n) && is_loop_runner(ctx, rfn)) {
    TSNode l = ll_ctx_parent(ctx, r);
    if (is(l, "lambda")) {
      /* `Thread(target=lambda: asyncio.run(job()))` */
      int lpos;
      TSNode lkw, t = argument_slot(ctx, l, &lpos, &lkw);
      const ll_callback_api *a = is(t, "call") ? listed_api(ctx, ll_field(t, "function"), &db->callback_apis) : NULL;
      return a && a->off_loop && slot_is(ctx, lpos, lkw, a->arg, a->keyword) ? LL_THREAD_LOOP_KNOWN : LL_THREAD_LOOP_NONE;
    }
    ll_scope *fn = ll_ctx_function(ctx);
    if (fn && fn->kind == LL_SCOPE_FUNCTION && !fn->is_async && !fn->is_callback && fn->func_index >= 0)
      return LL_THREAD_LOOP_IF_THREAD;
    return LL_THREAD_LOOP_NONE;
  }
  /* `executor.submit(asyncio.run, job())`: the argument after the runner */
  if (map_names(&db->callback_apis, ln, n)) {
    const ll_callback_api *a = runner_in_thread(ctx, r);
    if (a && a->args_after && a->arg >= 0 && ts_node_is_null(kw) && pos == a->arg + 1 &&
        !ts_node_is_null(ll_ctx_argument(ctx, r, a->arg, NULL)))
      return LL_THREAD_LOOP_KNOWN;
  }
  /* `self.run_worker(job(), thread=True)` */
  if (map_names(&db->thread_loop_calls, ln, n)) {
    ll_value v = ll_resolve_value(ctx, rfn);
    if (v.kind == LL_V_PENDING) {
      /* typed by the project pass: the entries of that method name say where and when */
      for (size_t i = 0; i < db->thread_loop_calls.cap; i++) {
        const ll_callback_api *a = db->thread_loop_calls.slots ? db->thread_loop_calls.slots[i].value : NULL;
        if (!a || !db->thread_loop_calls.slots[i].key) continue;
        size_t kl = strlen(a->name);
        if (kl <= n || a->name[kl - n - 1] != '.' || memcmp(a->name + kl - n, ln, n) != 0) continue;
        if (!slot_is(ctx, pos, kw, a->arg, a->keyword) || !passes_true(ctx, r, a->when)) continue;
        /* the call that takes it was entered first: its call site is already recorded */
        ll_pos at = ll_ctx_start(ctx, r);
        for (size_t k = ctx->facts->calls.len; k-- > 0;) {
          const ll_callsite *o = &ctx->facts->calls.items[k];
          if (o->start.row == at.row && o->start.col == at.col) {
            *runner = (int32_t)k;
            return LL_THREAD_LOOP_IF_WORKER;
          }
        }
        return LL_THREAD_LOOP_NONE;
      }
    } else if (v.kind != LL_V_UNKNOWN) {
      const char *q = ll_typer_listed(ll_ctx_typer(ctx), &v, &db->thread_loop_calls);
      const ll_callback_api *a = q ? ll_strmap_get(&db->thread_loop_calls, q) : NULL;
      if (a && slot_is(ctx, pos, kw, a->arg, a->keyword) && passes_true(ctx, r, a->when)) return LL_THREAD_LOOP_KNOWN;
    }
  }
  return LL_THREAD_LOOP_NONE;
}

static void enter(ll_ctx *ctx, TSNode call) {
  TSNode fnode = ll_field(call, "function");
  if (ts_node_is_null(fnode)) return;
  const char *q = NULL, *super_of = NULL;
  if (is(fnode, "attribute")) {
    TSNode obj = ll_field(fnode, "object");
    if (is(obj, "call") && is(ll_field(obj, "function"), "identifier") && ll_ctx_text_is(ctx, ll_field(obj, "function"), "super")) {
      ll_scope *cls = ll_ctx_class(ctx);
      if (!cls) return;
      super_of = cls->qual;
      q = ll_arena_join(&ctx->arena, cls->qual, ll_ctx_text(ctx, ll_field(fnode, "attribute")));
    }
  }
  int deferred = 0;
  if (!q) {
    /* the callee's type path: a library callable is named as the rules data knows it; a
     * path through the project's definitions is kept for the project pass to reduce */
    ll_value v = *ll_ctx_callee_value(ctx, call);
    if (v.kind == LL_V_PENDING) {
      q = v.name;
      deferred = 1;
    } else q = ll_typer_callable(ll_ctx_typer(ctx), &v);
  }
  /* a receiver of unknown type decides nothing: a method name alone is not a definition */
  if (!q || strncmp(q, "builtins.", 9) == 0) return;
  /* a method call on an instance (`self.x.m()`, `obj.m()`), not `module.m()` */
  int bare_ok = 0;
  if (is(fnode, "attribute")) {
    TSNode obj = ll_field(fnode, "object");
    const char *oq = ll_resolve_type(ctx, obj) ? NULL : ll_resolve_qualname(ctx, obj);
    const char *root = ll_ctx_text(ctx, obj);
    bare_ok = oq == NULL || strncmp(root, "self.", 5) == 0 || strcmp(root, "self") == 0;
  }
  ll_call_use u = ll_usage_of_call(ctx, call);
  ll_scope *fn = ll_ctx_function(ctx);
  ll_funcdef *fd = ll_ctx_funcdef(ctx);
  int in_function = fd && fn && fn->kind == LL_SCOPE_FUNCTION;
  /* a library call matters only through the rules data (what it returns) and only where
   * its result is dropped, tested or awaited; a project call always may (chains, kinds) */
  int library = 0;
  if (q && ctx->project_roots && !deferred) {
    size_t root = strcspn(q, ".");
    int project = ll_strmap_getn(ctx->project_roots, q, root) != NULL;
    library = !project;
    if (!project) {
      int interesting = u.use == LL_USE_DISCARDED || u.use == LL_USE_BOOL || u.use == LL_USE_AWAITED ||
                        (u.use == LL_USE_LOCAL && u.local_unused);
      if (!interesting) return;
      int known = ll_ruledb_call_kind(ctx->db, q) != LL_CALL_UNKNOWN;
      /* a receiver typed as a library class may have its method in a project subclass: keep */
      if (!known && !(bare_ok && strchr(q, '.'))) return;
    }
  }
  /* at module level what is judged, and the project's calls passed on (`asyncio.run(main())`:
   * where a coroutine runs is decided on every call of its function) */
  if (!in_function && u.use != LL_USE_DISCARDED && u.use != LL_USE_BOOL && u.use != LL_USE_AWAITED &&
      !(!library && (u.use == LL_USE_ARGUMENT || u.use == LL_USE_OTHER)))
    return;
  ll_file_facts *facts = ctx->facts;
  ll_callsite cs;
  memset(&cs, 0, sizeof cs);
  cs.callee = ll_arena_strdup(&facts->arena, q);
  const char *text = ll_ctx_text(ctx, fnode);
  cs.text = strlen(text) > 80 ? ll_arena_strndup(&facts->arena, text, 80) : ll_arena_strdup(&facts->arena, text);
  cs.local = u.local ? ll_arena_strdup(&facts->arena, u.local) : NULL;
  cs.super_of = super_of ? ll_arena_strdup(&facts->arena, super_of) : NULL;
  cs.start = ll_ctx_start(ctx, call);
  cs.end = ll_ctx_end(ctx, call);
  ll_ctx_stmt_rows(ctx, call, &cs.stmt_first, &cs.stmt_last);
  cs.func = in_function ? fn->func_index : -1;
  cs.use = (uint8_t)u.use;
  cs.local_unused = (uint8_t)u.local_unused;
  cs.on_loop = in_function && (fn->is_async || fn->is_callback);
  cs.bare_ok = (uint8_t)bare_ok;
  cs.deferred = (uint8_t)deferred;
  if (in_function) {
    ll_guard g = ll_flow_guard(ctx, fn->node, call);
    cs.guard = (uint8_t)g.kind;
    cs.guard_pos = (int8_t)(g.kind == LL_GUARD_FLAG && g.pos < 127 ? g.pos : -1);
    if (g.kind == LL_GUARD_FLAG && g.pos >= 127) cs.guard = LL_GUARD_NONE;
    cs.guard_name = g.name && cs.guard == LL_GUARD_FLAG ? ll_arena_strdup(&facts->arena, g.name) : NULL;
  }
  cs.args = args_summary(ctx, call, &facts->arena);
  if (deferred) {
    const char *g = ll_except_guarding(ctx, call);
    cs.guarding = g ? ll_arena_strdup(&facts->arena, g) : NULL;
  }
  if (u.use == LL_USE_ARGUMENT && !ts_node_is_null(u.outer_call)) {
    TSNode ofn = ll_field(u.outer_call, "function");
    const char *om = is(ofn, "attribute") ? ll_ctx_text(ctx, ll_field(ofn, "attribute")) : NULL;
    cs.offloaded = (uint8_t)ll_ruledb_is_offload(ctx->db, ll_resolve_qualname(ctx, ofn), om);
  }
  if (u.use == LL_USE_ARGUMENT || u.use == LL_USE_OTHER) cs.thread_loop = thread_loop_of(ctx, call, &cs.runner);
  ll_vec_push(&facts->calls, cs);
}

static const char *const NODES[] = {"call", NULL};
const ll_rule ll_rule_calls = {.id = "calls", .node_types = NODES, .enter = enter};
