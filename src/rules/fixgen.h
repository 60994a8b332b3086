/* fixgen.h: building the fixes rules attach to findings (the JSON `fix` object, and what
 * --fix applies): `await` inserted, a blocking call rewritten to its async twin or run in
 * an executor, a dropped task kept, a deprecated loop getter replaced. Each helper returns
 * NULL when the code around the node makes the edit unsafe to write mechanically. */
#ifndef LL_FIXGEN_H
#define LL_FIXGEN_H
#include "../model/context.h"

/* `await CALL` (parenthesised where precedence needs it); replacement text for the callee
 * when callee_text is not NULL (`time.sleep` -> `asyncio.sleep`). */
ll_fix *ll_fixgen_await(ll_ctx *ctx, TSNode call, const char *callee_text, const char *applicability, const char *msg);
/* `await asyncio.to_thread(f, args)`, or `await hass.async_add_executor_job(f, args)` in
 * Home Assistant code where `hass` is at hand (unsafe: it changes where the code runs). */
ll_fix *ll_fixgen_executor(ll_ctx *ctx, TSNode call);
/* A dropped task kept in a module-level set (or handed to hass.async_create_task in Home
 * Assistant code). stmt is the expression statement holding the call. */
ll_fix *ll_fixgen_keep_task(ll_ctx *ctx, TSNode call, TSNode stmt);
/* Adds `import NAME` at the top of the module unless the module already binds NAME to it. */
void ll_fixgen_ensure_import(ll_ctx *ctx, ll_fix *fix, const char *module);
/* The expression naming the Home Assistant instance in scope (`hass`, `self.hass`), or NULL. */
const char *ll_fixgen_hass(ll_ctx *ctx);

#endif
