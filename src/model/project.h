/* project.h: the project model. Phase 1 (the per-file walk) leaves one ll_file_facts per
 * file; this indexes them (functions, classes, re-exports) and decides what needs more than
 * one file: coroutines never awaited (LOOP201-203), awaiting something that is not awaitable
 * (LOOP204), and sync helpers that block, called from the loop (LOOP110, with the chain). */
#ifndef LL_PROJECT_H
#define LL_PROJECT_H
#include "../knowledge/ruledb.h"
#include "facts.h"
#include "../util/strmap.h"

typedef struct ll_funcref {
  ll_file_facts *file;
  ll_funcdef *def;
  int32_t index;
  uint8_t block_state; /* 2 blocks, 3 does not, 4 blocks only when flag_name is passed (a parameter
                          off by default), 0 not reachable from the loop (decided before checking) */
  int8_t flag_pos;      /* state 4: the flag's parameter index (self counted) and name */
  const char *flag_name;
  struct ll_funcref *block_next; /* the callee the chain goes through, NULL when direct */
  /* a direct blocking call only the project pass could see (its callee's type came from
   * another file): name, code and position; NULL when none */
  const char *typed_block_qual, *typed_block_code;
  ll_pos typed_block_pos;
  /* decided by each project check (rules/rule_project.c): thread_cand, a function some call
   * may start on an event loop of its own in a worker thread (or a sync def such a call sits
   * in); thread_only, every call of it does (or, a sync def, only off-loop APIs call it) */
  uint8_t thread_cand, thread_only;
  uint32_t thread_starts, thread_others;
} ll_funcref;

typedef LL_VEC(ll_callsite *) ll_callsite_list;

typedef struct ll_project {
  ll_file_facts *files;
  size_t nfiles;
  ll_arena arena;
  ll_strmap funcs;          /* qual -> ll_funcref* */
  ll_strmap classes;        /* qual -> ll_classdef* */
  ll_strmap exports;        /* "module.name" -> target qual */
  ll_strmap async_methods;  /* method names defined with async def somewhere in the project */
  ll_strmap members;        /* "Class.qual.name" -> ll_member* (class attributes) */
  ll_strmap globals;        /* "module.name" -> ll_member* (module variables) */
  ll_strmap modules;        /* module name -> ll_file_facts* */
  ll_strmap roots;          /* top-level module names of the project -> (void *)1 */
  ll_strmap async_names;    /* names of every async def (functions, methods) and of the
                               re-exports of one: what a call must be named to give a coroutine */
  ll_callsite_list **calls_by_func; /* per file: per function, its call sites (built lazily) */
  const ll_ruledb *db;
  struct ll_resolver *rv; /* the project's own resolver (serial uses), made on first use */
  /* kept between edits (ll_project_build_kept): files leave and enter one at a time */
  int kept;
  ll_strmap contested; /* keys more than one file claims (the later file's entry stands) */
  size_t arena_built;  /* the arena's use right after the build */
} ll_project;

/* What resolving needs besides the index: scratch memory for joined names and the rules
 * data of the file being checked. One per thread, so files are checked in parallel. */
typedef struct ll_resolver {
  ll_project *p;
  ll_arena *arena;
  const ll_ruledb *db;
  ll_strmap *misses; /* probing: every name looked up and not found (NULL: not probing) */
  const ll_strmap *hopeless; /* probing: misses no file can answer (not counted) */
  struct ll_typer *typer; /* reduces call sites' type paths; made on first use */
  uint64_t miss_events;   /* look-ups that missed while probing (repeats counted) */
} ll_resolver;

/* A resolver over p with scratch memory arena, the rules data db and, when probing, misses;
 * ll_resolver_free releases what it made. */
void ll_resolver_init(ll_resolver *rv, ll_project *p, ll_arena *arena, const ll_ruledb *db, ll_strmap *misses);
void ll_resolver_free(ll_resolver *rv);

void ll_project_build(ll_project *p, ll_file_facts *files, size_t nfiles, const ll_ruledb *db);
void ll_project_free(ll_project *p);

/* An index kept between edits, for the server: ll_project_drop_file takes file f's entries
 * out (before its facts are freed), ll_project_add_file puts the new facts' in, so an edit
 * costs the edited file's definitions, not the project's. Either returns -1 when the index
 * cannot follow (a name another file defines too: which one stands depends on the order of
 * all files); then it is freed and built again. Cross-file results derived from the index
 * (the project resolver's reductions) are forgotten on every change. A kept index is never
 * probed for parse on demand (async_names does not follow re-exports there). */
void ll_project_build_kept(ll_project *p, ll_file_facts *files, size_t nfiles, const ll_ruledb *db);
int ll_project_drop_file(ll_project *p, size_t f);
int ll_project_add_file(ll_project *p, size_t f);
/* Whether updates have grown the index's memory enough to build it afresh. */
int ll_project_worn(const ll_project *p);

/* What calling a qualified name gives, as far as the project and the rules data know. */
typedef enum ll_callee_kind {
  LL_CALLEE_UNKNOWN = 0,
  LL_CALLEE_COROUTINE,
  LL_CALLEE_AWAITABLE,
  LL_CALLEE_NOT_AWAITABLE,
  LL_CALLEE_ASYNC_GENERATOR,
} ll_callee_kind;
/* The project function a call site reaches (through re-exports, bases, super()), or NULL. */
ll_funcref *ll_project_resolve_call(ll_project *p, const ll_callsite *cs, const char **library_qual);
ll_callee_kind ll_project_callee_kind(ll_project *p, const ll_callsite *cs);
/* The same with a resolver of one's own (a thread's arena, the calling file's rules data). */
ll_funcref *ll_resolver_call(ll_resolver *rv, const ll_callsite *cs, const char **library_qual);
ll_callee_kind ll_resolver_callee_kind(ll_resolver *rv, const ll_callsite *cs);
/* The value a call site's callee reduces to (model/types.h), or NULL when unknown. */
const struct ll_value *ll_resolver_callee(ll_resolver *rv, const ll_callsite *cs);
/* Index look-ups through re-exports (and class bases for methods); a name not found is
 * recorded as a miss when the resolver is probing. */
const ll_classdef *ll_resolver_class(ll_resolver *rv, const char *q, int record_miss);
ll_funcref *ll_resolver_func(ll_resolver *rv, const char *q, const char **library_qual);
ll_funcref *ll_resolver_method(ll_resolver *rv, const ll_classdef *c, const char *m, const char **library_qual);
/* The target a module's name re-exports, or NULL. */
const char *ll_resolver_export(ll_resolver *rv, const char *q);
/* Whether module m is certainly imported whenever code of file ff runs: the top level of ff,
 * or of the __init__ of a package above it, imports m (or a module inside m) unconditionally.
 * Probing, a package's __init__ not parsed yet is asked for (a miss). */
int ll_resolver_module_imported(ll_resolver *rv, const ll_file_facts *ff, const char *m);
/* Records q as looked up and not found (probing only). */
void ll_resolver_miss(ll_resolver *rv, const char *q);

/* The project's own resolver (serial uses: deciding what blocks). */
ll_resolver *ll_project_resolver(ll_project *p);

/* The call sites made in r's body (indexed on first use). */
ll_callsite_list *ll_project_calls_of(ll_project *p, ll_funcref *r);
/* Whether a call site's result is used in a way LOOP201-204 judge (dropped, tested, stored
 * in a local never read, awaited). */
int ll_callsite_judged(const ll_callsite *cs);

/* The sync project functions code on the loop reaches, each once, in the order found. */
typedef struct ll_reach_set {
  LL_VEC(ll_funcref *) items;
  ll_strmap seen;
} ll_reach_set;
void ll_reach_add(ll_reach_set *s, ll_funcref *r);
void ll_reach_free(ll_reach_set *s);

/* Parse on demand: resolves every call site whose target can change a finding (on-loop calls
 * and the sync helpers they reach, results LOOP201-204 judge) and adds to misses each name
 * looked up that no parsed file defines; a module not parsed yet that is a prefix of a miss
 * may change the answer. */
#define LL_MISS_FUNC 1u  /* looked up as a function */
#define LL_MISS_CLASS 2u /* looked up as a class (a base, a receiver's type) */
#define LL_MISS_VALUE 4u /* looked up as a module variable or an attribute of one */
void ll_project_probe(ll_project *p, ll_strmap *misses, const ll_strmap *hopeless, ll_arena *arena, ll_arena *keep);

/* The names a cold file must call to reach a project coroutine from sync code, each with
 * the module the file must be able to import it from (name the module's last part, or lie
 * inside it as a package):
 * funcs: a module-level async def, or a name a module re-exports it under;
 * methods: an async method, with a class that has it (itself or by inheritance, or a name
 * a module re-exports the class under): the file must name that class too, since an
 * instance's type is always written somewhere. Strings live in arena or in the facts. */
typedef struct ll_name_module {
  const char *name, *module;
} ll_name_module;
typedef LL_VEC(ll_name_module) ll_name_module_list;
typedef struct ll_method_witness {
  const char *method, *cls, *module;
} ll_method_witness;
typedef LL_VEC(ll_method_witness) ll_method_witness_list;
void ll_project_coroutine_names(ll_project *p, ll_name_module_list *funcs, ll_method_witness_list *methods,
                                ll_arena *arena);

#endif
