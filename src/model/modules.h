/* modules.h: module names for a run's files, computed once in the main thread with one
 * look-up per folder (is there an __init__.py?), and the set of the project's top-level
 * module names that tells a project call from a library call. */
#ifndef LL_MODULES_H
#define LL_MODULES_H
#include <stddef.h>
#include "../util/arena.h"
#include "../util/strmap.h"

typedef struct ll_modules {
  ll_arena arena;
  const char **names;    /* per path */
  const char **real_paths; /* per path: absolute, symlinks resolved (folders resolved once) */
  unsigned char *is_pkg; /* per path: an __init__ file */
  ll_strmap roots;       /* first components of every module name */
  ll_strmap dir_init;    /* absolute folder -> (void*)1 with __init__, (void*)2 without */
} ll_modules;

void ll_modules_compute(ll_modules *m, char *const *paths, size_t n);
void ll_modules_free(ll_modules *m);

/* The absolute module `from .rest import` names (dots leading dots) in package `package`. */
const char *ll_module_relative(ll_arena *a, const char *package, size_t dots, const char *rest);

#endif
