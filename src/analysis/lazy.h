/* lazy.h: deciding which files must be parsed. A cheap byte scan finds the files that can
 * hold a hazard by themselves ("hot": async/await, @callback, task and loop APIs, modules
 * with coroutine APIs); other files are parsed only when the project model needs them: a
 * module where resolving a call that matters missed a name (ll_project_probe), or a file
 * that calls a coroutine function of the project (sync code that never awaits it). */
#ifndef LL_LAZY_H
#define LL_LAZY_H
#include <stddef.h>
#include "../rules/ruledb.h"
#include "../util/strmap.h"
#include "facts.h"
#include "project.h"

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
/* Whether text defines (`def NAME`) one of the names in set; a superset: strings count too. */
int ll_lazy_defines(const char *text, size_t len, const ll_strmap *names);
/* Whether sync code in text may call a project coroutine: it calls one of the names in calls
 * (see ll_project_coroutine_names) and, for a method, also names one of its classes; or a
 * class header in it names a class with async methods (a subclass). A superset: strings and
 * comments count. */
int ll_lazy_calls_coroutine(const char *text, size_t len, const ll_strmap *calls, const ll_strmap *witnesses);

#endif
