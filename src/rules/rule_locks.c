/* rule_locks.c: LOOP107. A thread lock, semaphore or condition (the `thread_locks` section of
 * the rules data: threading.Lock, RLock, Semaphore, BoundedSemaphore, Condition and their
 * multiprocessing twins) acquired by code on the event loop, with `with lock:` or a blocking
 * `lock.acquire()`: while another thread holds it, the loop thread sleeps in the acquire and
 * nothing else on the loop runs. Held across an `await`, a second task taking the same lock
 * on the same loop blocks the loop thread forever. `acquire(blocking=False)`, `acquire(False)`
 * and `acquire(timeout=0)` never wait and are not reported.
 *
 * The lock's type must be known: from the assignment of the name or `self.` attribute, or an
 * annotation. Every type question goes through lock_type(), so the model's type engine can
 * answer it when it replaces today's resolver. */
#include "../front/fields.h"
#include "engine.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

/* The thread-lock type of the value expr stands for, or NULL when it is not known to be one. */
static const char *lock_type(ll_ctx *ctx, TSNode expr) {
  const char *t = ll_resolve_type(ctx, expr);
  return t && ll_ruledb_has(&ctx->db->thread_locks, t) ? t : NULL;
}

/* Code running on the loop thread: the body of an async def or a Home Assistant @callback
 * (not a nested sync def or lambda, which may run anywhere). */
static int on_loop(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  return fn && fn->kind == LL_SCOPE_FUNCTION && (fn->is_async || fn->is_callback);
}

/* Whether block holds an `await` (or async for/with) outside nested functions. */
static int awaits_in(ll_ctx *ctx, TSNode n) {
  if (!ll_ctx_spend(ctx, 1)) return 0;
  if (is(n, "await")) return 1;
  if (is(n, "function_definition") || is(n, "lambda") || is(n, "class_definition")) return 0;
  if ((is(n, "for_statement") || is(n, "with_statement")) && ts_node_child_count(n) &&
      is(ts_node_child(n, 0), "async"))
    return 1;
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
    if (awaits_in(ctx, ts_node_named_child(n, i))) return 1;
  return 0;
}

static int is_async_with(TSNode with_stmt) {
  return ts_node_child_count(with_stmt) && is(ts_node_child(with_stmt, 0), "async");
}

static void check_with(ll_ctx *ctx, TSNode item) {
  TSNode v = ll_field(item, "value");
  if (is(v, "as_pattern")) v = ts_node_named_child(v, 0);
  if (ts_node_is_null(v) || is(v, "call")) return; /* `with threading.Lock():` guards nothing */
  TSNode clause = ll_ctx_parent(ctx, item), stmt = ll_ctx_parent(ctx, clause);
  if (!is(stmt, "with_statement") || is_async_with(stmt)) return;
  const char *t = lock_type(ctx, v);
  if (!t) return;
  const char *name = ll_ctx_text(ctx, v);
  int held_across_await = awaits_in(ctx, ll_field(stmt, "body"));
  if (held_across_await && strstr(t, "RLock"))
    ll_ctx_report(ctx, "LOOP107", v,
                  "`with %s:` takes a `%s` on the event loop and holds it across `await`: an RLock belongs to the "
                  "thread, so every other task on this loop enters it too (it excludes nothing between them), and "
                  "while another thread holds it the whole loop waits; use an `asyncio.Lock` (`async with`)",
                  name, t);
  else if (held_across_await)
    ll_ctx_report(ctx, "LOOP107", v,
                  "`with %s:` takes a `%s` on the event loop and holds it across `await`: while another "
                  "thread holds it the whole loop waits, and another task on this loop taking it blocks the loop "
                  "thread forever; use an `asyncio.Lock` (`async with`), or do the locked work in a thread "
                  "(`await asyncio.to_thread(...)`)",
                  name, t);
  else
    ll_ctx_report(ctx, "LOOP107", v,
                  "`with %s:` takes a `%s` on the event loop: while another thread holds it, the whole loop "
                  "waits; use an `asyncio.Lock` when only coroutines share the state, or do the locked work in a "
                  "thread (`await asyncio.to_thread(...)`)",
                  name, t);
}

static int literal_is(ll_ctx *ctx, TSNode v, const char *a, const char *b) {
  return ll_ctx_text_is(ctx, v, a) || (b && ll_ctx_text_is(ctx, v, b));
}

/* acquire(False), acquire(blocking=False), acquire(timeout=0): returns at once. */
static int nonblocking(ll_ctx *ctx, TSNode args) {
  uint32_t pos = 0;
  for (uint32_t i = 0; !ts_node_is_null(args) && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument")) {
      TSNode k = ll_field(a, "name"), v = ll_field(a, "value");
      if (ll_ctx_text_is(ctx, k, "blocking") && literal_is(ctx, v, "False", "0")) return 1;
      if (ll_ctx_text_is(ctx, k, "timeout") && literal_is(ctx, v, "0", "0.0")) return 1;
      continue;
    }
    if (is(a, "list_splat") || is(a, "dictionary_splat")) return 1; /* cannot tell: silent */
    if (pos == 0 && literal_is(ctx, a, "False", "0")) return 1;
    if (pos == 1 && literal_is(ctx, a, "0", "0.0")) return 1;
    pos++;
  }
  return 0;
}

static void check_acquire(ll_ctx *ctx, TSNode call) {
  TSNode f = ll_field(call, "function");
  if (!is(f, "attribute") || !ll_ctx_text_is(ctx, ll_field(f, "attribute"), "acquire")) return;
  TSNode recv = ll_field(f, "object");
  const char *t = lock_type(ctx, recv);
  if (!t || nonblocking(ctx, ll_field(call, "arguments"))) return;
  ll_ctx_report(ctx, "LOOP107", call,
                "`%s.acquire()` waits for a `%s` on the event loop: while another thread holds it, the whole "
                "loop waits; use an `asyncio.Lock`, `acquire(blocking=False)`, or do the locked work in a thread "
                "(`await asyncio.to_thread(...)`)",
                ll_ctx_text(ctx, recv), t);
}

static void enter(ll_ctx *ctx, TSNode node) {
  if (!on_loop(ctx)) return;
  if (is(node, "with_item")) check_with(ctx, node);
  else check_acquire(ctx, node);
}

static const char *const NODES[] = {"with_item", "call", NULL};
const ll_rule ll_rule_locks = {.id = "locks", .node_types = NODES, .enter = enter};
