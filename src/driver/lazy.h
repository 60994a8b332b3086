/* lazy.h: deciding which files must be parsed. A cheap byte scan finds the files that can
 * hold a hazard by themselves ("hot": async/await, @callback, task and loop APIs, modules
 * with coroutine APIs); other files are parsed only when the project model needs them: a
 * module where resolving a call that matters missed a name (ll_project_probe), or a file
 * that calls a coroutine function of the project (sync code that never awaits it). */
#ifndef LL_LAZY_H
#define LL_LAZY_H
#include <stddef.h>
#include "../knowledge/ruledb.h"
#include "../util/strmap.h"
#include "../model/facts.h"
#include "../model/project.h"
#include "../util/u32map.h"

/* One pattern of the single-pass scan: a word found anywhere, a whole name, or `callback`
 * (an @callback decorator, or `callback as`). */
typedef struct ll_trigger_pattern {
  const char *text;
  uint8_t len, kind;
} ll_trigger_pattern;

typedef LL_VEC(uint16_t) ll_u16vec;

typedef struct ll_triggers {
  LL_VEC(const char *) words;   /* found anywhere; owned by the arena */
  LL_VEC(const char *) modules; /* found where code names a module (`m.`, `m import`, `m as`) */
  ll_arena arena;
  /* the scan: the patterns by their first two bytes (pair[b0 << 8 | b1]: 0, or 1 + the
   * index of a bucket of pattern numbers) */
  LL_VEC(ll_trigger_pattern) patterns;
  uint8_t *pair;
  ll_u16vec buckets[255]; /* the last one also takes every pair past 254 buckets */
  size_t nbuckets;
} ll_triggers;

/* Trigger words: the fixed ones plus the top-level modules of the rules data's coroutine
 * and awaitable APIs; "noqa" too when unused directives are reported. */
void ll_triggers_init(ll_triggers *t, const ll_ruledb *db, int with_noqa);
void ll_triggers_free(ll_triggers *t);
/* Whether text needs parsing on its own: one pass over its bytes. */
int ll_lazy_is_hot(const ll_triggers *t, const char *text, size_t len);
/* The summary a cold file keeps instead of a tree (facts->lazy): hashes of the names it
 * calls, every name it contains, the names it defines, and its class headers. Computed
 * while the file's bytes are in hand; kept in the cache with the cold entry. */
void ll_lazy_summarize(const char *text, size_t len, ll_file_facts *f);

/* What makes a cold file needed in a round of parse on demand, from the project's coroutine
 * names (ll_project_coroutine_names) and the methods judged by name alone. */
/* Where a name (a coroutine function, or a class with async methods) can be imported from:
 * the modules defining or re-exporting it, by full name and by last part. */
typedef struct ll_importable {
  ll_strmap mods;   /* module name -> (void *)1; keys not owned */
  ll_u32map lasts;  /* hash of each module's last part */
  ll_u32map methods; /* a class: the async methods it has (hashes) */
} ll_importable;

typedef struct ll_lazy_need {
  ll_u32map funcs;   /* coroutine function name -> index+1 into items */
  ll_u32map classes; /* class name with async methods -> index+1 into items */
  LL_VEC(ll_importable *) items;
  ll_u32map methods; /* every async method name */
} ll_lazy_need;

void ll_lazy_need_init(ll_lazy_need *n);
void ll_lazy_need_free(ll_lazy_need *n);
/* state[i] == 2 or 4 marks cold files: their class headers extend owners (subclasses by
 * name), and a cold module naming a coroutine function and a module it comes from may
 * re-export it. */
void ll_lazy_need_build(ll_lazy_need *n, const ll_name_module_list *funcs, const ll_method_witness_list *methods,
                        const ll_file_facts *facts, const unsigned char *state, size_t nfiles);
/* Whether a cold file's text contains the name (1 when it has no summary): a module defines
 * or re-exports a name only by writing it. */
int ll_lazy_names(const ll_file_facts *f, const char *name, size_t n);
/* Whether name is a class of the file (a class header names it) and no def does. */
int ll_lazy_only_class(const ll_file_facts *f, const char *name, size_t n);
/* Whether the cold file with this summary must be parsed; 1 when it has no summary. */
int ll_lazy_needed(const ll_lazy_need *n, const ll_file_facts *f);

#endif
