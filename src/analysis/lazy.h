/* lazy.h: deciding which files must be parsed. A cheap byte scan finds the files that can
 * hold a hazard by themselves ("hot": async/await, @callback, task and loop APIs, modules
 * with coroutine APIs); other files are parsed only when the project model needs them: a
 * module that parsed code refers to (helpers, bases, re-exports), or a file that names a
 * coroutine function of the project (a call from sync code that is never awaited). */
#ifndef LL_LAZY_H
#define LL_LAZY_H
#include <stddef.h>
#include "../rules/ruledb.h"
#include "../util/strmap.h"
#include "facts.h"

typedef struct ll_triggers {
  LL_VEC(const char *) words; /* owned by the arena */
  ll_arena arena;
} ll_triggers;

/* Trigger words: the fixed ones plus the top-level modules of the rules data's coroutine
 * and awaitable APIs; "noqa" too when unused directives are reported. */
void ll_triggers_init(ll_triggers *t, const ll_ruledb *db, int with_noqa);
void ll_triggers_free(ll_triggers *t);
/* Whether text needs parsing on its own. */
int ll_lazy_is_hot(const ll_triggers *t, const char *text, size_t len);
/* Whether text contains, as a whole identifier, one of the names in set. */
int ll_lazy_mentions(const char *text, size_t len, const ll_strmap *names);
/* Adds to set the module names a file's facts refer to: every dotted prefix of callees,
 * class bases and re-export targets. */
void ll_lazy_referenced_modules(const ll_file_facts *f, ll_strmap *set, ll_arena *arena);
/* Adds the simple names of the coroutine functions (async def, not generators) a file defines. */
void ll_lazy_coroutine_names(const ll_file_facts *f, ll_strmap *set, ll_arena *arena);

#endif
