/* batch.h: linting many files on all cores. Files are handed out through one atomic
 * counter; each worker owns its parser; findings are merged in file order, so the output
 * is the same whatever the thread count. */
#ifndef LL_BATCH_H
#define LL_BATCH_H
#include <stdatomic.h>
#include "../model/modules.h"
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
  /* per file (files, then context): text that takes the place of the file on disk, as an
   * editor's unsaved buffer does (NULL entries, or NULL: the files as they are); indexed
   * sources (ll_source_from_buffer). An overlaid file is always parsed and never cached. */
  const ll_source *const *overlays;
  /* when not NULL, the run leaves every file's phase-1 result here for ll_batch_update
   * (every file is then parsed whole, as with no_lazy: an update has no rounds) */
  struct ll_batch_state *keep;
} ll_batch_opts;

/* What a kept run leaves: every file's phase-1 result (findings before suppression, facts),
 * so an edit re-lints only the files that changed and re-runs the project pass. files and
 * context are the run's lists: the caller keeps them alive and unchanged. */
typedef struct ll_batch_state {
  const ll_pathlist *files, *context;
  size_t n; /* files, then context */
  ll_file_facts *facts;
  ll_findings *per_file;
  unsigned char *read_failed;
  ll_modules modules;
  struct ll_project *project; /* the project index the updates keep (NULL: built at the next) */
} ll_batch_state;

void ll_batch_state_free(ll_batch_state *st);

void ll_batch_run(const ll_linter *l, const ll_pathlist *files, const ll_pathlist *context, const ll_source *stdin_src,
                  const ll_batch_opts *opts, ll_batch_result *res);
void ll_batch_result_free(ll_batch_result *res);

/* Re-lints the files changed[0..nchanged) (indices: files, then context) from their overlay
 * or from disk, runs the project pass over every file's facts, and puts in res the
 * suppressed, sorted findings of the files report[i] marks (NULL: every file); the state
 * keeps its own. opts gives the per-file settings and overlays (keep is ignored). cancel,
 * when not NULL, is polled between the steps: once it is nonzero the update stops and
 * returns 1 with res empty (what was re-linted stays in the state); 0 when done. */
int ll_batch_update(const ll_linter *l, ll_batch_state *st, const size_t *changed, size_t nchanged,
                    const ll_batch_opts *opts, const unsigned char *report, const atomic_int *cancel,
                    ll_batch_result *res);

#endif
