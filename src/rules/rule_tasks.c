/* rule_tasks.c: LOOP301. The event loop keeps only a weak reference to a task, so a task
 * whose result is dropped (or kept only in a local nobody reads) can be garbage collected
 * before it finishes. Factories that keep the reference themselves (TaskGroup, Home
 * Assistant's hass/entry task helpers) are fine, as is any use that stores, returns, awaits
 * or passes the task on. */
#include "../front/fields.h"
#include "../model/usage.h"
#include "fixgen.h"
#include "engine.h"

#include <string.h>


static void enter(ll_ctx *ctx, TSNode call) {
  if (!ll_usage_creates_task(ctx, call)) return;
  TSNode fnode = ll_field(call, "function");
  ll_call_use u = ll_usage_of_call(ctx, call);
  int dropped = u.use == LL_USE_DISCARDED || (u.use == LL_USE_LOCAL && u.local_unused);
  if (!dropped) return;
  const char *what = ll_ctx_text(ctx, fnode);
  const char *fix = ctx->ha ? "use `entry.async_create_background_task(hass, coro, name)` or `hass.async_create_task(coro)`, "
                              "which keep the task"
                            : "keep it: add it to a set and `task.add_done_callback(tasks.discard)`, or use an "
                              "`asyncio.TaskGroup`";
  if (u.use == LL_USE_LOCAL)
    ll_ctx_report(ctx, "LOOP301", call,
                  "Task from `%s(...)` is stored in `%s`, which is never read: it can be garbage collected before it "
                  "finishes; %s",
                  what, u.local, fix);
  else {
    ll_finding *f = ll_ctx_report(ctx, "LOOP301", call,
                                  "Task from `%s(...)` is dropped: the event loop keeps only a weak reference, so it can be "
                                  "garbage collected before it finishes; %s",
                                  what, fix);
    TSNode stmt = ll_ctx_parent(ctx, call);
    f->fix = ll_fixgen_keep_task(ctx, call, stmt);
  }
}

static const char *const NODES[] = {"call", NULL};
const ll_rule ll_rule_tasks = {.id = "tasks", .node_types = NODES, .enter = enter};
