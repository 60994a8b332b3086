/* rule_cache.c: LOOP205. A memoizing decorator (functools.lru_cache, functools.cache,
 * cachetools.cached, cached_property, ...: the `coroutine_caches` section of the rules data)
 * over an `async def` stores what calling the function returns: the coroutine object, not its
 * result. The first caller awaits it; every later hit gets the same, already-awaited
 * coroutine, and `await` raises `RuntimeError: cannot reuse already awaited coroutine`.
 * Decorators are known by their resolved qualified name (a local `cache` is not
 * functools.cache); a cache applied on top of a decorator we do not know is not reported
 * (that decorator may have made the function sync). async_lru.alru_cache, aiocache.cached and
 * cachetools' acached are not in the list: they cache the awaited result. */
#include "../front/fields.h"
#include "../model/facts.h"
#include "engine.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static int is_async_def(TSNode def) {
  for (uint32_t i = 0; i < ts_node_child_count(def); i++) {
    TSNode c = ts_node_child(def, i);
    if (!ts_node_is_named(c) && is(c, "async")) return 1;
    if (!ts_node_is_named(c) && is(c, "def")) return 0;
  }
  return 0;
}

/* The expression naming what a decorator applies (`@lru_cache(maxsize=8)` applies lru_cache). */
static TSNode decorator_callee(TSNode decorator) {
  TSNode e = ts_node_named_child_count(decorator) ? ts_node_named_child(decorator, 0) : decorator;
  return is(e, "call") ? ll_field(e, "function") : e;
}

/* The facts record of def (pushed when the walk entered it), found by its position. */
static const ll_funcdef *funcdef_of(ll_ctx *ctx, TSNode def) {
  ll_pos p = ll_ctx_start(ctx, def);
  for (size_t i = ctx->facts->funcs.len; i-- > 0;) {
    const ll_funcdef *d = &ctx->facts->funcs.items[i];
    if (d->pos.row == p.row && d->pos.col == p.col) return d;
  }
  return NULL;
}

static int property_like(const char *q) {
  size_t n = strlen(q);
  return (n >= 15 && strcmp(q + n - 15, "cached_property") == 0) || (n >= 14 && strcmp(q + n - 14, "cachedproperty") == 0);
}

/* Decided when the definition is left: by then the walk knows whether the body yields. */
static void leave(ll_ctx *ctx, TSNode decorated) {
  TSNode def = ll_field(decorated, "definition");
  if (!is(def, "function_definition") || !is_async_def(def)) return;
  /* decorators apply bottom-up: the one nearest the `def` first */
  uint32_t n = ts_node_named_child_count(decorated);
  for (uint32_t i = n; i-- > 0;) {
    TSNode d = ts_node_named_child(decorated, i);
    if (!is(d, "decorator")) continue;
    TSNode callee = decorator_callee(d);
    const char *q = ll_resolve_qualname(ctx, callee);
    if (!q) return;
    if (ll_ruledb_has(&ctx->db->transparent_decorators, q)) continue;
    if (!ll_ruledb_has(&ctx->db->coroutine_caches, q)) return;
    const ll_funcdef *fd = funcdef_of(ctx, def);
    const char *name = fd ? fd->name : ll_ctx_text(ctx, ll_field(def, "name"));
    const char *shown = ll_ctx_text(ctx, callee);
    if (fd && fd->has_yield)
      ll_ctx_report(ctx, "LOOP205", d,
                    "`@%s` on the async generator `%s` caches the generator object, not its items: a second call with the "
                    "same arguments gets the same, already exhausted generator; cache the collected items instead",
                    shown, name);
    else if (property_like(q))
      ll_ctx_report(ctx, "LOOP205", d,
                    "`@%s` on `async def %s` stores the coroutine object: the first access awaits it, every later access "
                    "gets the same, already-awaited coroutine and `await` raises `RuntimeError: cannot reuse already "
                    "awaited coroutine`; make it an `async def` method that caches the awaited result (e.g. with "
                    "`async_lru.alru_cache`)",
                    shown, name);
    else
      ll_ctx_report(ctx, "LOOP205", d,
                    "`@%s` on `async def %s` caches the coroutine object, not its result: a second call with the same "
                    "arguments gets the already-awaited coroutine and `await` raises `RuntimeError: cannot reuse already "
                    "awaited coroutine`; use `async_lru.alru_cache`, or cache the awaited result",
                    shown, name);
    return;
  }
}

static const char *const NODES[] = {"decorated_definition", NULL};
const ll_rule ll_rule_cache = {.id = "cache", .node_types = NODES, .leave = leave};
