/* usage.h: what happens to the value a call produces, read from the call's parents:
 * dropped as a statement, awaited, returned, stored in a local (and whether that local is
 * ever read again), tested for truth, passed on, or stored elsewhere. LOOP2xx and LOOP3xx
 * are decisions on this one classification. */
#ifndef LL_USAGE_H
#define LL_USAGE_H
#include "context.h"

typedef enum ll_use {
  LL_USE_OTHER = 0,  /* stored in an attribute, container, passed on: kept */
  LL_USE_DISCARDED,  /* expression statement */
  LL_USE_AWAITED,
  LL_USE_RETURNED,   /* return/yield */
  LL_USE_LOCAL,      /* assigned to a local name */
  LL_USE_BOOL,       /* if/while/assert condition, `not`, and/or operand, ternary test */
  LL_USE_ARGUMENT,   /* passed as an argument to another call */
  LL_USE_HANDED,     /* not a call: a callable handed to an API that calls it without awaiting
                        (LOOP206, rules/rule_handoff.c); the call site's `local` is the API */
} ll_use;

typedef struct ll_call_use {
  ll_use use;
  const char *local;  /* LL_USE_LOCAL: the name (arena) */
  int local_unused;   /* LL_USE_LOCAL: never read after the assignment in its function ("_" always) */
  TSNode outer_call;  /* LL_USE_ARGUMENT: the call receiving it */
} ll_call_use;

ll_call_use ll_usage_of_call(ll_ctx *ctx, TSNode call);
/* Whether call creates a task the loop holds only weakly: a factory from the rules data
 * (`asyncio.create_task`), or a loop method (`create_task`) on a receiver named like an
 * event loop (`loop`, `self._loop`, `hass.loop`); factories that keep the task are not. */
int ll_usage_creates_task(ll_ctx *ctx, TSNode call);
/* Whether the task call makes is awaited where it is made: `await create_task(...)`, or made
 * straight into the arguments of an awaited join from the rules data (`tasks.joins`:
 * `await asyncio.wait([create_task(a()), ...])`, `await gather(*(create_task(x) for x in xs))`). */
int ll_usage_awaited_there(ll_ctx *ctx, TSNode call);
/* Whether identifier `name` occurs in [from, to) of the source as a whole word. */
int ll_usage_name_occurs(const ll_ctx *ctx, const char *name, uint32_t from, uint32_t to);

#endif
