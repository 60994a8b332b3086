/* rule_handoff.c: LOOP206, the walk's half. A callable handed to an API that calls it and drops
 * what the call returns (the `callback_apis` section of the rules data: loop.call_soon,
 * Future.add_done_callback, threading.Thread(target=), Executor.submit, atexit.register,
 * hass.async_add_executor_job, ...). When the callable is a coroutine function, the API's call
 * only makes a coroutine object, which nobody awaits: the body never runs.
 *
 * Whether the argument is a coroutine function is a question of definitions, often in another
 * file (`self.reload` where a base class defines `async def reload`), so the walk only records
 * the argument as a call site of use LL_USE_HANDED (its callee is the argument's type path, its
 * `local` the API's qualified name) and the project pass (rule_project.c) decides it with the
 * same resolution LOOP201 uses: an `async def` of the project whose decorators keep it a
 * coroutine function, or a coroutine of the rules data. A lambda, a call, or a name we cannot
 * resolve is never judged. `functools.partial(fn, ...)` hands on fn. */
#include "../front/fields.h"
#include "../model/facts.h"
#include "../model/types.h"
#include "engine.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static void enter(ll_ctx *ctx, TSNode call) {
  const ll_value *v = ll_ctx_callee_value(ctx, call);
  if (!v || v->kind == LL_V_UNKNOWN || v->kind == LL_V_PENDING) return;
  const char *api = ll_typer_listed(ll_ctx_typer(ctx), v, &ctx->db->callback_apis);
  if (!api) return;
  const ll_callback_api *a = ll_strmap_get(&ctx->db->callback_apis, api);
  if (!a) return;
  TSNode arg = ll_ctx_argument(ctx, call, a->arg, a->keyword);
  /* functools.partial(fn, ...) is called as fn is */
  for (int depth = 0; is(arg, "call") && depth < 4; depth++) {
    const char *q = ll_resolve_qualname(ctx, ll_field(arg, "function"));
    if (!q || strcmp(q, "functools.partial") != 0) return;
    arg = ll_ctx_argument(ctx, arg, 0, "func");
  }
  if (!is(arg, "identifier") && !is(arg, "attribute")) return;
  ll_value av = ll_resolve_value(ctx, arg);
  const char *q = NULL;
  int deferred = 0;
  if (av.kind == LL_V_PENDING) {
    q = av.name;
    deferred = 1;
  } else if (av.kind != LL_V_UNKNOWN && av.kind != LL_V_INSTANCE)
    q = ll_typer_callable(ll_ctx_typer(ctx), &av);
  if (!q || strncmp(q, "builtins.", 9) == 0) return;
  ll_file_facts *facts = ctx->facts;
  ll_callsite cs;
  memset(&cs, 0, sizeof cs);
  cs.callee = ll_arena_strdup(&facts->arena, q);
  const char *text = ll_ctx_text(ctx, arg);
  cs.text = strlen(text) > 80 ? ll_arena_strndup(&facts->arena, text, 80) : ll_arena_strdup(&facts->arena, text);
  cs.local = ll_arena_strdup(&facts->arena, a->name);
  cs.start = ll_ctx_start(ctx, arg);
  cs.end = ll_ctx_end(ctx, arg);
  ll_ctx_stmt_rows(ctx, call, &cs.stmt_first, &cs.stmt_last);
  /* not a call of the function: no caller, not on the loop (LOOP110 must not follow it) */
  cs.func = -1;
  cs.use = LL_USE_HANDED;
  cs.deferred = (uint8_t)deferred;
  ll_vec_push(&facts->calls, cs);
}

static const char *const NODES[] = {"call", NULL};
const ll_rule ll_rule_handoff = {.id = "handoff", .node_types = NODES, .enter = enter};
