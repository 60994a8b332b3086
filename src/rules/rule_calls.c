/* rule_calls.c: collects the call sites the project model decides on (LOOP110, LOOP2xx):
 * the callee's qualified name as this file resolves it, how the result is used, and
 * whether the caller runs on the event loop. Calls to builtins and calls whose callee
 * cannot be named are not kept. */
#include "../front/fields.h"
#include "../model/facts.h"
#include "engine.h"
#include "../model/except.h"
#include "../model/types.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

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
