/* stubs.h: reading Python type stubs (*.pyi, typeshed layout) with the tree-sitter front end
 * and deriving the library facts looplint's rules data holds: which callables are coroutine
 * functions, which return awaitables (Future, Task, Awaitable, Coroutine), the type each call,
 * property and attribute produces (a type expression with generic arguments, `$N` for the
 * receiver class's own type parameters), and the direct bases of classes. `looplint typeshed`
 * writes them to rules/typeshed.json. Facts are keyed by every public qualified name a
 * definition has: its defining module and each package that re-exports it
 * (`asyncio.tasks.sleep`, `asyncio.sleep`), and for methods every public class that has them,
 * inherited ones included. Types and bases are kept only where they lead somewhere: to a class
 * with a blocking member (the rules data's `blocking` and `sync_clients`), a coroutine or an
 * awaitable, through attributes, results and generic arguments. */
#ifndef LL_STUBS_H
#define LL_STUBS_H
#include <stddef.h>
#include "../knowledge/ruledb.h"
#include "../util/arena.h"
#include "../util/vec.h"

typedef struct ll_stubs ll_stubs;

typedef struct ll_stubs_pair {
  const char *name;
  const char *value;
} ll_stubs_pair;

/* A class and its direct bases (qualified names, generic arguments dropped). */
typedef struct ll_stubs_bases {
  const char *name;
  const char **items;
  size_t n;
} ll_stubs_bases;

/* What ll_stubs_derive produces; every string lives in the facts' arena. */
typedef struct ll_stubs_facts {
  ll_arena arena;
  LL_VEC(const char *) coroutine; /* sorted, unique */
  LL_VEC(const char *) awaitable; /* sorted, unique */
  LL_VEC(ll_stubs_pair) returns;  /* sorted by name, unique names; values are type expressions */
  LL_VEC(ll_stubs_bases) bases;   /* sorted by name: every class kept, with its direct bases,
                                   * and each other public name of one, with the class it is */
  LL_VEC(const char *) notes;     /* questionable definitions met (mixed async/sync branches) */
  size_t trimmed_returns;         /* returns entries left out because they lead nowhere */
  size_t classes_seen;            /* classes with a name, before trimming */
} ll_stubs_facts;

typedef struct ll_stubs_options {
  /* Keep only the types that lead to a blocking call, a coroutine or an awaitable (and the
   * builtins/typing containers that carry them); 0 keeps every type the stubs state. */
  int trim_returns;
  /* The rules data whose `blocking` and `sync_clients` entries make a class's members block;
   * NULL: none do. */
  const ll_ruledb *blocking;
  /* Qualified names other rules data mentions (`threading.Lock` in hazards.json's
   * thread_locks, `X.method` anywhere): a class named, or whose member is named, is kept. */
  const ll_strmap *mentioned;
  /* Modules whose classes are kept whatever they lead to (`logging`: rules recognise
   * `logging.Logger.debug` calls by name); NULL-terminated, or NULL. */
  const char *const *keep_modules;
} ll_stubs_options;

/* Reports a stub that was skipped (unreadable, syntax error). */
typedef void (*ll_stubs_warn_fn)(void *ctx, const char *path, const char *reason);

ll_stubs *ll_stubs_new(void);
void ll_stubs_free(ll_stubs *s);

/* Reads one stub as module `module` ("asyncio.tasks"; a package's __init__.pyi has is_package
 * set). origin is "stdlib" or the distribution name (a class's name prefers its own). Returns 0, or
 * -1 with the reason in err (unreadable file, syntax error with its line). */
int ll_stubs_add_file(ll_stubs *s, const char *path, const char *module, int is_package, const char *origin,
                      char *err, size_t errlen);

/* Reads a typeshed folder: DIR/stdlib/ **.pyi, and DIR/stubs/<dist>/ **.pyi whose top-level
 * folders are packages. Stubs that fail are reported through warn and skipped. Returns the
 * number of stubs read, or -1 with the reason in err when DIR is missing or has neither
 * stdlib/ nor stubs/. */
long ll_stubs_add_typeshed(ll_stubs *s, const char *dir, ll_stubs_warn_fn warn, void *warn_ctx, char *err,
                           size_t errlen);

/* Resolves imports and re-exports across everything read and fills out (initialised here). */
void ll_stubs_derive(ll_stubs *s, const ll_stubs_options *opt, ll_stubs_facts *out);
void ll_stubs_facts_free(ll_stubs_facts *f);

#endif
