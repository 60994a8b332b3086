/* rule_tasks.c: LOOP301. The event loop keeps only a weak reference to a task, so a task
 * whose result is dropped (or kept only in a local nobody reads) can be garbage collected
 * before it finishes. Factories that keep the reference themselves (TaskGroup, Home
 * Assistant's hass/entry task helpers) are fine, as is any use that stores, returns, awaits
 * or passes the task on. Dropped also inside an expression that is itself dropped: an
 * element of a list, tuple or set display or of a comprehension, a branch of a conditional
 * expression, when that expression is a statement; and a task used as a context manager
 * (`with create_task(...)`), which raises TypeError and loses the task. */
#include "../front/fields.h"
#include "../model/usage.h"
#include "fixgen.h"
#include "engine.h"

#include <string.h>


static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

typedef enum lost_in { LOST_NOWHERE = 0, LOST_CONTAINER, LOST_GENERATOR, LOST_CONDITIONAL, LOST_WITH } lost_in;

/* Where a task the call makes is lost although the call itself is not a statement: climbing
 * through parentheses, display elements, comprehension bodies and conditional branches, the
 * whole expression turns out to be a statement (the innermost wrapper decides the wording), or
 * the call is what a `with` item enters. */
static lost_in lost_in_expression(ll_ctx *ctx, TSNode call) {
  lost_in how = LOST_NOWHERE;
  TSNode child = call;
  for (TSNode p = ll_ctx_parent(ctx, call); !ts_node_is_null(p); child = p, p = ll_ctx_parent(ctx, p)) {
    if (is(p, "parenthesized_expression")) continue;
    if (is(p, "list") || is(p, "tuple") || is(p, "set")) {
      if (!how) how = LOST_CONTAINER;
      continue;
    }
    if (is(p, "list_comprehension") || is(p, "set_comprehension") || is(p, "generator_expression")) {
      /* only as the element: an iterable or a filter has its for/if clause as parent */
      if (!how) how = is(p, "generator_expression") ? LOST_GENERATOR : LOST_CONTAINER;
      continue;
    }
    if (is(p, "conditional_expression")) {
      /* a if COND else b: the condition is the second named child */
      if (ts_node_named_child_count(p) >= 2 && ts_node_eq(ts_node_named_child(p, 1), child)) return LOST_NOWHERE;
      if (!how) how = LOST_CONDITIONAL;
      continue;
    }
    if (is(p, "as_pattern") && ts_node_eq(ts_node_named_child(p, 0), child)) {
      TSNode item = ll_ctx_parent(ctx, p);
      return is(item, "with_item") ? LOST_WITH : LOST_NOWHERE;
    }
    if (is(p, "with_item")) return ts_node_eq(ll_field(p, "value"), child) ? LOST_WITH : LOST_NOWHERE;
    if (is(p, "expression_statement")) return how;
    return LOST_NOWHERE;
  }
  return LOST_NOWHERE;
}

static void enter(ll_ctx *ctx, TSNode call) {
  if (!ll_usage_creates_task(ctx, call)) return;
  TSNode fnode = ll_field(call, "function");
  ll_call_use u = ll_usage_of_call(ctx, call);
  int dropped = u.use == LL_USE_DISCARDED || (u.use == LL_USE_LOCAL && u.local_unused);
  const char *what = ll_ctx_text(ctx, fnode);
  const char *fix = ctx->ha ? "use `entry.async_create_background_task(hass, coro, name)` or `hass.async_create_task(coro)`, "
                              "which keep the task"
                            : "keep it: add it to a set and `task.add_done_callback(tasks.discard)`, or use an "
                              "`asyncio.TaskGroup`";
  if (!dropped) {
    switch (lost_in_expression(ctx, call)) {
      case LOST_CONTAINER:
        ll_ctx_report(ctx, "LOOP301", call,
                      "Task from `%s(...)` is dropped: the expression holding it is a statement whose value is thrown "
                      "away, so nothing keeps the task and it can be garbage collected before it finishes; %s",
                      what, fix);
        break;
      case LOST_GENERATOR:
        ll_ctx_report(ctx, "LOOP301", call,
                      "Task from `%s(...)` is never created: the generator expression is a statement that nothing "
                      "iterates; build a list and keep it, or add each task to a set with "
                      "`task.add_done_callback(tasks.discard)`",
                      what);
        break;
      case LOST_CONDITIONAL:
        ll_ctx_report(ctx, "LOOP301", call,
                      "Task from `%s(...)` is dropped: the conditional expression is a statement whose value is thrown "
                      "away, so the task can be garbage collected before it finishes; %s",
                      what, fix);
        break;
      case LOST_WITH:
        ll_ctx_report(ctx, "LOOP301", call,
                      "Task from `%s(...)` is used as a context manager: a task is not one, so the `with` raises "
                      "TypeError and the task is left running with no reference; create it before the block and keep "
                      "it (or use `async with asyncio.TaskGroup() as tg: tg.create_task(...)`)",
                      what);
        break;
      case LOST_NOWHERE: break;
    }
    return;
  }
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
