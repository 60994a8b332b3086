/* batch.c: the parallel driver. */
#include "batch.h"
#include "facts.h"
#include "project.h"
#include "suppress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct batch_job {
  const ll_linter *linter;
  const ll_pathlist *files;   /* files to report on, then context files */
  const ll_pathlist *context;
  size_t total;
  ll_file_facts *facts;
  const ll_source *stdin_src;
  const signed char *ha_modes;
  ll_findings *per_file; /* one list per file, filled by whichever worker took it */
  unsigned char *read_failed;
  atomic_size_t next;
} batch_job;

static void lint_one(batch_job *job, TSParser *parser, size_t i) {
  int is_context = i >= job->files->len;
  const char *path = is_context ? job->context->items[i - job->files->len] : job->files->items[i];
  ll_findings *out = &job->per_file[i];
  ll_file_facts *facts = &job->facts[i];
  facts->context_only = (uint8_t)is_context;
  int ha = !is_context && job->ha_modes ? job->ha_modes[i] : -1;
  if (job->stdin_src && i == 0) {
    ll_lint_source_ha(job->linter, parser, job->stdin_src, out, facts, ha);
    return;
  }
  ll_source src;
  char err[256];
  if (ll_source_read(&src, path, err, sizeof err) != 0) {
    if (is_context) return; /* not the user's file: its definitions are simply missing */
    fprintf(stderr, "looplint: %s: cannot read: %s\n", path, err);
    ll_findings_add(out, "LOOP903", path, (ll_pos){1, 1}, (ll_pos){1, 1}, "Failed to read file: %s", err);
    job->read_failed[i] = 1;
    return;
  }
  ll_lint_source_ha(job->linter, parser, &src, out, facts, ha);
  ll_source_free(&src);
}

static void *worker(void *arg) {
  batch_job *job = arg;
  TSParser *parser = ts_parser_new();
  for (;;) {
    size_t i = atomic_fetch_add(&job->next, 1);
    if (i >= job->total) break;
    lint_one(job, parser, i);
  }
  ts_parser_delete(parser);
  return NULL;
}

void ll_batch_run(const ll_linter *l, const ll_pathlist *files, const ll_pathlist *context, const ll_source *stdin_src,
                  const ll_batch_opts *opts, ll_batch_result *res) {
  int nthreads = opts ? opts->nthreads : 0;
  memset(res, 0, sizeof *res);
  ll_findings_init(&res->findings);
  ll_pathlist none = {0};
  if (!context) context = &none;
  size_t n = files->len + context->len;
  batch_job job = {.linter = l, .files = files, .context = context, .total = n, .stdin_src = stdin_src,
                   .ha_modes = opts ? opts->ha_modes : NULL};
  job.facts = ll_xcalloc(n ? n : 1, sizeof(ll_file_facts));
  for (size_t i = 0; i < n; i++) ll_facts_init(&job.facts[i]);
  job.per_file = ll_xcalloc(n ? n : 1, sizeof(ll_findings));
  job.read_failed = ll_xcalloc(n ? n : 1, 1);
  atomic_init(&job.next, 0);
  if (nthreads <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = cpus > 0 ? (int)cpus : 1;
  }
  if ((size_t)nthreads > n) nthreads = n ? (int)n : 1;
  if (nthreads > 64) nthreads = 64;
  pthread_t tids[64];
  int started = 0;
  for (int t = 1; t < nthreads; t++)
    if (pthread_create(&tids[started], NULL, worker, &job) == 0) started++;
  worker(&job); /* the main thread works too */
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
  /* phase 2: the project model over every file's facts */
  ll_project project;
  ll_project_build(&project, job.facts, n, l->db);
  if (getenv("LOOPLINT_DEBUG_FACTS"))
    for (size_t i = 0; i < n; i++) ll_facts_dump(stderr, &job.facts[i]);
  ll_project_check(&project, &res->findings);
  ll_project_free(&project);
  for (size_t i = 0; i < n; i++) {
    if (i < files->len) ll_findings_move(&res->findings, &job.per_file[i]);
    ll_findings_free(&job.per_file[i]);
    if (job.read_failed[i]) res->read_errors++;
  }
  ll_suppress_apply(&res->findings, job.facts, n);
  if (opts && opts->report_unused_noqa) ll_suppress_report_unused(&res->findings, job.facts, n);
  for (size_t i = 0; i < n; i++) ll_facts_free(&job.facts[i]);
  res->files_checked = files->len;
  free(job.facts);
  free(job.per_file);
  free(job.read_failed);
  ll_findings_sort(&res->findings);
}

void ll_batch_result_free(ll_batch_result *res) { ll_findings_free(&res->findings); }
