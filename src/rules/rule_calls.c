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
  if (q && ctx->project_roots && !deferred) {
    size_t root = strcspn(q, ".");
    int project = ll_strmap_getn(ctx->project_roots, q, root) != NULL;
    if (!project) {
      int interesting = u.use == LL_USE_DISCARDED || u.use == LL_USE_BOOL || u.use == LL_USE_AWAITED ||
                        (u.use == LL_USE_LOCAL && u.local_unused);
      if (!interesting) return;
      int known = ll_ruledb_call_kind(ctx->db, q) != LL_CALL_UNKNOWN;
      /* a receiver typed as a library class may have its method in a project subclass: keep */
      if (!known && !(bare_ok && strchr(q, '.'))) return;
    }
  }
  if (!in_function && u.use != LL_USE_DISCARDED && u.use != LL_USE_BOOL && u.use != LL_USE_AWAITED) return;
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
  ll_vec_push(&facts->calls, cs);
}

static const char *const NODES[] = {"call", NULL};
const ll_rule ll_rule_calls = {.id = "calls", .node_types = NODES, .enter = enter};
