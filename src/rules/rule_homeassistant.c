/* rule_homeassistant.c: LOOP501-LOOP505, event-loop API misuse, most of it Home
 * Assistant's conventions:
 *   LOOP501 an aiohttp ClientSession made in an integration (use the shared one), or,
 *           anywhere, one opened and closed per call (`async with ClientSession()` in a
 *           method or a loop);
 *   LOOP502 asyncio.create_task/ensure_future/loop.create_task in an integration;
 *   LOOP503 running an event loop (asyncio.run, run_until_complete) from code on the loop;
 *   LOOP504 the blocking function called, not passed, when handed to an executor;
 *   LOOP505 asyncio.get_event_loop() in a coroutine, and deprecated Home Assistant APIs. */
#include "../front/fields.h"
#include "../model/usage.h"
#include "fixgen.h"
#include "../util/strbuf.h"
#include "engine.h"
#include "../model/types.h"

#include <stdint.h>
#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static int on_loop(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  return fn && fn->kind == LL_SCOPE_FUNCTION && (fn->is_async || fn->is_callback);
}

static const char *method_name(ll_ctx *ctx, TSNode fnode) {
  if (is(fnode, "attribute")) return ll_ctx_text(ctx, ll_field(fnode, "attribute"));
  if (is(fnode, "identifier")) return ll_ctx_text(ctx, fnode);
  return NULL;
}

/* Inside a loop body, or a method of a class, within the current function. */
static int per_call_context(ll_ctx *ctx, TSNode node) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (!fn) return 0;
  if (fn->in_class) return 1;
  for (TSNode p = ll_ctx_parent(ctx, node); !ts_node_is_null(p) && !ts_node_eq(p, fn->node); p = ll_ctx_parent(ctx, p))
    if (is(p, "for_statement") || is(p, "while_statement")) return 1;
  return 0;
}

static void check_session(ll_ctx *ctx, TSNode call, const char *q) {
  if (!ll_ruledb_has(&ctx->db->client_sessions, q)) return;
  if (ctx->ha) {
    ll_ctx_report(ctx, "LOOP501", call,
                  "`aiohttp.ClientSession()` in an integration: use the shared session, `async_get_clientsession(hass)` "
                  "(or `async_create_clientsession(hass)` when you need your own cookies)");
    return;
  }
  /* async with ClientSession() as s: created and closed on every call of a method, or in a loop */
  TSNode p = ll_ctx_parent(ctx, call);
  if (is(p, "as_pattern")) p = ll_ctx_parent(ctx, p);
  if (!is(p, "with_item")) return;
  if (!per_call_context(ctx, call)) return;
  ll_ctx_report(ctx, "LOOP501", call,
                "A new `aiohttp.ClientSession` per call: every request pays for a new connection pool, DNS lookup and "
                "TLS handshake; create one session and reuse it");
}

static void enter(ll_ctx *ctx, TSNode call) {
  TSNode fnode = ll_field(call, "function");
  if (ts_node_is_null(fnode)) return;
  const char *q = ll_ctx_callee(ctx, call);
  const char *m = method_name(ctx, fnode);
  const ll_ruledb *db = ctx->db;

  check_session(ctx, call, q);

  /* LOOP502 */
  /* a task awaited where it is made lives inside the awaiting coroutine, which HA tracks */
  if (ctx->ha && ll_usage_creates_task(ctx, call) && !ll_usage_awaited_there(ctx, call))
    ll_ctx_report(ctx, "LOOP502", call,
                  "`%s()` in an integration: Home Assistant cannot track or cancel this task; use "
                  "`entry.async_create_background_task(hass, coro, name)` or `hass.async_create_task(coro)`",
                  ll_ctx_text(ctx, fnode));

  if (on_loop(ctx)) {
    /* LOOP503 */
    /* the event loop's own methods, known by the receiver's type: a project class's
     * `run_until_complete` is not the loop's */
    ll_value callee = *ll_ctx_callee_value(ctx, call);
    int runs = ll_typer_listed(ll_ctx_typer(ctx), &callee, &db->loop_runners) != NULL;
    if (runs)
      ll_ctx_report(ctx, "LOOP503", call,
                    "`%s()` called from code running on the event loop: the loop is already running, so this raises "
                    "or deadlocks; `await` the coroutine instead",
                    ll_ctx_text(ctx, fnode));
    /* `asyncio.run_coroutine_threadsafe(...).result()` waits for this very loop */
    if (m && strcmp(m, "result") == 0 && is(fnode, "attribute")) {
      TSNode obj = ll_field(fnode, "object");
      if (is(obj, "call")) {
        const char *oq = ll_ctx_callee(ctx, obj);
        if (oq && strcmp(oq, "asyncio.run_coroutine_threadsafe") == 0)
          ll_ctx_report(ctx, "LOOP503", call,
                        "`run_coroutine_threadsafe(...).result()` on the event loop waits for the loop it blocks: a "
                        "deadlock; `await` the coroutine instead");
      }
    }
    /* LOOP505: get_event_loop in a coroutine */
    if (q && strcmp(q, "asyncio.get_event_loop") == 0) {
      /* a style matter, and said so: here it returns the running loop; the Python
       * documentation prefers get_running_loop() in coroutines and callbacks */
      ll_finding *f = ll_ctx_report(ctx, "LOOP505", call,
                                    "`asyncio.get_event_loop()` in code running on the loop: a style matter, since here "
                                    "it returns the running loop; `asyncio.get_running_loop()`%s says what is meant, and "
                                    "fails loudly if the line is ever moved to where no loop runs",
                                    ctx->ha ? " (or `hass.loop`)" : "");
      f->fix = ll_fix_new("safe", "Use `asyncio.get_running_loop()`");
      if (is(fnode, "attribute")) {
        TSNode attr = ll_field(fnode, "attribute");
        ll_fix_add_edit(f->fix, ll_ctx_start(ctx, attr), ll_ctx_end(ctx, attr), "get_running_loop");
      } else {
        ll_fix_add_edit(f->fix, ll_ctx_start(ctx, fnode), ll_ctx_end(ctx, fnode), "asyncio.get_running_loop");
        ll_fixgen_ensure_import(ctx, f->fix, "asyncio");
      }
    }
  }

  /* LOOP505: deprecated APIs from the data */
  const char *why = q ? ll_strmap_get(&db->deprecated, q) : NULL;
  if (why) ll_ctx_report(ctx, "LOOP505", call, "`%s()`: %s", ll_ctx_text(ctx, fnode), why);

  /* LOOP504: executor given the result of calling the function */
  if (m && (ll_ruledb_is_offload(db, q, m))) {
    intptr_t idx = (intptr_t)ll_strmap_get(&db->offload_args, m);
    if (!idx) return;
    /* the data's index is for asyncio's own signature (`loop.run_in_executor(executor, func)`);
     * a project's method of the same name usually takes the function first */
    if (idx > 1 && is(fnode, "attribute")) {
      const char *recv = ll_ctx_text(ctx, ll_field(fnode, "object"));
      const char *rt = ll_resolve_type(ctx, ll_field(fnode, "object"));
      size_t rn = strlen(recv);
      int is_loop = (rt && strstr(rt, "EventLoop")) || (rn >= 4 && strcmp(recv + rn - 4, "loop") == 0);
      if (!is_loop) idx = 1;
    }
    TSNode args = ll_field(call, "arguments");
    uint32_t pos = 0;
    for (uint32_t i = 0; !ts_node_is_null(args) && i < ts_node_named_child_count(args); i++) {
      TSNode a = ts_node_named_child(args, i);
      if (is(a, "keyword_argument") || is(a, "comment")) continue;
      if (pos++ != (uint32_t)(idx - 1)) continue;
      if (!is(a, "call")) return;
      const char *aq = ll_ctx_callee(ctx, a);
      const char *am = method_name(ctx, ll_field(a, "function"));
      /* functools.partial(f, x) and friends build the callable: that is the right way */
      if ((aq && strstr(aq, "partial")) || (am && strstr(am, "partial"))) return;
      ll_ctx_report(ctx, "LOOP504", a,
                    "`%s(...)` runs here, on the event loop, and only its result goes to the executor; pass the function "
                    "and its arguments separately: `%s(%s%s, ...)`",
                    ll_ctx_text(ctx, ll_field(a, "function")), ll_ctx_text(ctx, fnode), idx == 2 ? "None, " : "",
                    ll_ctx_text(ctx, ll_field(a, "function")));
      return;
    }
  }
}

static const char *const NODES[] = {"call", NULL};
const ll_rule ll_rule_homeassistant = {.id = "homeassistant", .node_types = NODES, .enter = enter};
