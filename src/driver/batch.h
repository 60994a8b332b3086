/* batch.h: linting many files on all cores. Files are handed out through one atomic
 * counter; each worker owns its parser; findings are merged in file order, so the output
 * is the same whatever the thread count. */
#ifndef LL_BATCH_H
#define LL_BATCH_H
#include "../rules/engine.h"
#include "../util/fs.h"

typedef struct ll_batch_result {
  ll_findings findings;  /* sorted */
  size_t files_checked;
  size_t files_parsed;   /* hot files plus those parsed on demand */
  size_t files_partial;  /* parsed on demand for some top-level names only */
  size_t cache_hits;
  size_t read_errors;    /* files that could not be read (reported as LOOP903 too) */
} ll_batch_result;

/* Lints files (paths) with nthreads workers (0: one per core): phase 1 walks every file,
 * phase 2 runs the project model over all their facts. Files from `context` (the rest of the
 * packages the files sit in) give definitions only: none of their findings are reported.
 * stdin_src, when not NULL, is linted in place of reading files[0]. Read errors go to stderr
 * and become LOOP903. */
typedef struct ll_batch_opts {
  int nthreads;           /* 0: one per core */
  int report_unused_noqa; /* LOOP902 */
  const signed char *ha_modes; /* per file to report on: -1 auto, 0 off, 1 on (NULL: all auto) */
  int no_lazy;            /* parse every file (the reference the lazy mode must equal) */
  const char *cache_dir;  /* NULL: no cache */
  int parse_only;         /* benchmark floor: read and parse every file, nothing else */
  int no_project;         /* file-local rules only: no on-demand parsing, no project pass */
  const unsigned char *explicit_files; /* per file to report on: named on the command line, always parsed */
  /* per file to report on: the linter of its configuration (NULL entries, or NULL: the
   * default one); configurations with extra-blocking/extra-coroutines have their own */
  const ll_linter *const *linters;
} ll_batch_opts;

void ll_batch_run(const ll_linter *l, const ll_pathlist *files, const ll_pathlist *context, const ll_source *stdin_src,
                  const ll_batch_opts *opts, ll_batch_result *res);
void ll_batch_result_free(ll_batch_result *res);

#endif
