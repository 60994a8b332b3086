/* batch.c: the parallel driver. */
#include "batch.h"
#include "cache.h"
#include "../model/facts.h"
#include "lazy.h"
#include "partial.h"
#include "../model/modules.h"
#include "../model/project.h"
#include "suppress.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>
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
  int parse_only;              /* benchmark floor */
  const unsigned char *explicit_files;
  ll_file_facts *facts;
  const ll_triggers *triggers; /* NULL: parse everything */
  unsigned char *state;        /* per file: 0 not read, 1 parsed, 2 cold (read, not parsed), 3 unreadable,
                                  4 parsed in part (the top-level names in wanted) */
  ll_strmap **wanted;          /* per file: the top-level names a partial parse keeps (NULL: all) */
  unsigned char *asked;        /* per file: partial parses asked for more names since */
  ll_arena *names_arena;       /* the wanted names (added to under names_lock) */
  pthread_mutex_t names_lock;
  const size_t *order;         /* the indices this round processes */
  size_t norder;
  const ll_cache *cache;       /* NULL: no cache */
  const ll_modules *modules;   /* per file (files, then context) */
  uint64_t *keys;              /* per file: its cache key (0: not cacheable) */
  uint64_t *contents;          /* per file: its content hash */
  ll_cache_stat *stats;        /* per file: its stat signature */
  unsigned char *fresh;        /* per file: analysed in this run, to be stored */
  const ll_cache_entry **hits; /* per file: the cache entry reused */
  atomic_size_t cache_hits;
  uint64_t key_salt;           /* options that change what a file's result is (unused-noqa triggers) */
  atomic_size_t bytes_parsed, bytes_partial; /* for LOOPLINT_TIMING */
  const ll_source *const *overlays; /* per file, or NULL */
  const signed char *ha_modes;
  const ll_linter *const *linters;
  ll_findings *per_file; /* one list per file, filled by whichever worker took it */
  unsigned char *read_failed;
  atomic_size_t next;
} batch_job;

static int try_cache_by_stat(batch_job *job, size_t i, const char *path, ll_findings *out, ll_file_facts *facts);

/* A file parsed in part is parsed again: its facts start afresh, but its name summary stays
 * for the rounds to come. */
static void reset_keeping_summary(ll_file_facts *facts) {
  uint32_t *keep = NULL, nkeep = facts->nlazy;
  uint8_t context_only = facts->context_only;
  if (facts->lazy && nkeep) {
    keep = ll_xmalloc(nkeep * sizeof *keep);
    memcpy(keep, facts->lazy, nkeep * sizeof *keep);
  }
  ll_facts_free(facts);
  ll_facts_init(facts);
  facts->context_only = context_only;
  if (keep) {
    uint32_t *lz = ll_arena_alloc(&facts->arena, nkeep * sizeof *lz);
    memcpy(lz, keep, nkeep * sizeof *lz);
    facts->lazy = lz;
    facts->nlazy = nkeep;
    free(keep);
  }
}

static void lint_one(batch_job *job, TSParser *parser, size_t i) {
  int is_context = i >= job->files->len;
  const char *path = is_context ? job->context->items[i - job->files->len] : job->files->items[i];
  ll_findings *out = &job->per_file[i];
  ll_file_facts *facts = &job->facts[i];
  facts->context_only = (uint8_t)is_context;
  if (facts->partial) reset_keeping_summary(facts);
  int ha = !is_context && job->ha_modes ? job->ha_modes[i] : -1;
  const ll_linter *linter = !is_context && job->linters && job->linters[i] ? job->linters[i] : job->linter;
  facts->db = linter->db;
  const ll_source *overlay = job->overlays ? job->overlays[i] : NULL;
  if (overlay) {
    /* an editor's buffer (or standard input): linted as the file it stands for */
    ll_source src = *overlay;
    src.module = job->modules->names[i];
    src.is_package = job->modules->is_pkg[i];
    src.project_roots = &job->modules->roots;
    ll_lint_source_ha(linter, parser, &src, out, facts, ha);
    facts->lazy = NULL;
    facts->nlazy = 0;
    job->state[i] = 1;
    return;
  }
  /* the cache's fast path: an unchanged stat signature vouches for the content, which is then
   * not even read */
  if (job->cache && !job->parse_only && try_cache_by_stat(job, i, path, out, facts)) return;
  ll_source src;
  char err[256];
  if (ll_source_read_raw(&src, path, err, sizeof err) != 0) {
    if (is_context) return; /* not the user's file: its definitions are simply missing */
    fprintf(stderr, "looplint: %s: cannot read: %s\n", path, err);
    ll_findings_add(out, "LOOP903", path, (ll_pos){1, 1}, (ll_pos){1, 1}, "Failed to read file: %s", err);
    job->read_failed[i] = 1;
    job->state[i] = 3;
    return;
  }
  if (job->parse_only) {
    ts_parser_set_language(parser, job->linter->lang);
    TSTree *t = ts_parser_parse_string(parser, NULL, src.text, (uint32_t)src.len);
    if (t) ts_tree_delete(t);
    job->state[i] = 1;
    ll_source_free(&src);
    return;
  }
  src.module = job->modules->names[i];
  src.is_package = job->modules->is_pkg[i];
  src.project_roots = &job->modules->roots;
  /* the cache: an unchanged file's result, unless it was cold and is needed now */
  const char *module = src.module;
  if (job->cache) {
    /* keyed by the real path: `pkg/x.py` and `/abs/pkg/x.py` are one file */
    const char *real = job->modules->real_paths[i];
    job->keys[i] = ll_cache_key(linter->db->fingerprint, real, module, ha) ^ job->key_salt;
    job->contents[i] = ll_cache_content_hash(src.text, src.len);
    const ll_cache_entry *e = ll_cache_lookup(job->cache, real, job->keys[i]);
    if (e && e->content != job->contents[i]) e = NULL;
    if (e && e->len && (e->blob[0] == 1 || job->triggers)) {
      facts->path = ll_arena_strdup(&facts->arena, path);
      int st = ll_cache_decode(e->blob, e->len, out, facts);
      if (st == 1 || st == 2 || st == 4) {
        job->state[i] = (unsigned char)st;
        job->hits[i] = e;
        atomic_fetch_add(&job->cache_hits, 1);
        ll_source_free(&src);
        return;
      }
      /* damaged: start this file afresh */
      ll_findings_free(out);
      ll_findings_init(out);
      ll_facts_free(facts);
      ll_facts_init(facts);
      facts->context_only = (uint8_t)is_context;
    }
  }
  ll_source_check_bytes(&src);
  /* a file that cannot hold a hazard by itself waits until the project model needs it; NUL
   * bytes and invalid UTF-8 are reported wherever they are */
  int named = !is_context && job->explicit_files && job->explicit_files[i];
  if (job->triggers && !named && job->state[i] == 0 && src.first_nul == SIZE_MAX && src.first_bad_utf8 == SIZE_MAX &&
      !ll_lazy_is_hot(job->triggers, src.text, src.len)) {
    job->state[i] = 2;
    ll_lazy_summarize(src.text, src.len, facts);
    facts->path = ll_arena_strdup(&facts->arena, path);
    facts->module = ll_arena_strdup(&facts->arena, module);
    if (job->cache) job->fresh[i] = 1;
    ll_source_free(&src);
    return;
  }
  job->state[i] = 1;
  ll_source_index(&src);
  TSRange *ranges = NULL;
  ll_lazy_skipped *skipped = NULL;
  if (job->wanted && job->wanted[i]) {
    /* needed for some names only: leave the other top-level definitions out */
    uint32_t nr = 0, ns = 0;
    ll_namelist added = {0};
    int split = ll_lazy_partial_ranges(src.text, src.len, job->wanted[i], &ranges, &nr, &skipped, &ns, &added);
    if (added.len) {
      /* the names that came along are parsed too: record them as wanted */
      pthread_mutex_lock(&job->names_lock);
      for (size_t k = 0; k < added.len; k++)
        if (!ll_strmap_get(job->wanted[i], added.items[k]))
          ll_strmap_put(job->wanted[i], ll_arena_strdup(job->names_arena, added.items[k]), (void *)1);
      pthread_mutex_unlock(&job->names_lock);
    }
    for (size_t k = 0; k < added.len; k++) free(added.items[k]);
    ll_vec_free(&added);
    if (split) {
      src.ranges = ranges;
      src.nranges = nr;
      src.skipped = skipped;
      src.nskipped = ns;
    }
  }
  ll_lint_source_ha(linter, parser, &src, out, facts, ha);
  if (facts->partial) {
    size_t b = 0;
    for (uint32_t k = 0; k < src.nranges; k++) b += ranges[k].end_byte - ranges[k].start_byte;
    atomic_fetch_add(&job->bytes_partial, b);
  } else {
    atomic_fetch_add(&job->bytes_parsed, src.len);
  }
  free(ranges);
  free(skipped);
  if (facts->partial) {
    job->state[i] = 4;
    ll_findings_free(out); /* a cold file holds no hazard of its own; a split may show errors */
    ll_findings_init(out);
    facts->partial_names = ll_lazy_join_names(job->wanted[i], &facts->arena);
  } else {
    facts->lazy = NULL;
    facts->nlazy = 0;
  }
  if (job->cache) {
    job->fresh[i] = 1;
    job->hits[i] = NULL;
  }
  ll_source_free(&src);
}

static void *worker(void *arg) {
  batch_job *job = arg;
  TSParser *parser = ts_parser_new();
  for (;;) {
    size_t k = atomic_fetch_add(&job->next, 1);
    if (k >= job->norder) break;
    lint_one(job, parser, job->order[k]);
  }
  ts_parser_delete(parser);
  return NULL;
}

/* Takes file i's result from the cache when its stat signature is the one stored with it.
 * Returns 1 when done. */
static int try_cache_by_stat(batch_job *job, size_t i, const char *path, ll_findings *out, ll_file_facts *facts) {
  int is_context = i >= job->files->len;
  int ha = !is_context && job->ha_modes ? job->ha_modes[i] : -1;
  const ll_linter *linter = !is_context && job->linters && job->linters[i] ? job->linters[i] : job->linter;
  const char *real = job->modules->real_paths[i];
  if (ll_cache_stat_of(path, &job->stats[i]) != 0) return 0;
  job->keys[i] = ll_cache_key(linter->db->fingerprint, real, job->modules->names[i], ha) ^ job->key_salt;
  const ll_cache_entry *e = ll_cache_lookup(job->cache, real, job->keys[i]);
  if (!e || !e->len || !ll_cache_stat_equal(&e->st, &job->stats[i])) return 0;
  if (!(e->blob[0] == 1 || job->triggers)) return 0; /* cached cold, needed now: analyse it */
  facts->path = ll_arena_strdup(&facts->arena, path);
  facts->db = linter->db;
  int st = ll_cache_decode(e->blob, e->len, out, facts);
  if (st != 1 && st != 2 && st != 4) {
    ll_findings_free(out);
    ll_findings_init(out);
    ll_facts_free(facts);
    ll_facts_init(facts);
    facts->context_only = (uint8_t)is_context;
    return 0;
  }
  job->state[i] = (unsigned char)st;
  job->hits[i] = e;
  job->contents[i] = e->content;
  atomic_fetch_add(&job->cache_hits, 1);
  return 1;
}

/* Encodes file i's phase-1 result for the cache (called while the pack is written). */
static void encode_entry(void *arg, size_t i, ll_strbuf *out) {
  batch_job *job = arg;
  ll_cache_encode(out, job->state[i], &job->per_file[i], &job->facts[i]);
}

/* The cache entry recording that a run over a set of files finished its rounds, with the
 * project pass's findings: keyed by every file's path, cache key, content, and whether it was
 * given or only context. */
#define PROJECT_ENTRY "\001project"

static uint64_t project_key(const batch_job *job, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) {
    for (const char *p = job->modules->real_paths[i]; p && *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    uint64_t parts[2] = {job->keys[i], job->contents[i]};
    for (int k = 0; k < 2; k++)
      for (int b = 0; b < 64; b += 8) h = (h ^ ((parts[k] >> b) & 0xFF)) * 1099511628211ull;
    /* a file given (its findings reported) or only context: the findings differ */
    h = (h ^ (i < job->files->len ? 0xFE : 0xFF)) * 1099511628211ull;
  }
  return h;
}

/* Runs the workers over order[0..count). */
static void run_round(batch_job *job, const size_t *order, size_t count, int nthreads) {
  if (!count) return;
  job->order = order;
  job->norder = count;
  atomic_store(&job->next, 0);
  if ((size_t)nthreads > count) nthreads = (int)count;
  pthread_t tids[64];
  int started = 0;
  for (int t = 1; t < nthreads; t++)
    if (pthread_create(&tids[started], NULL, worker, job) == 0) started++;
  worker(job); /* the main thread works too */
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
}

/* Adds to order every cold file whose module is a dotted prefix of a name in misses (every
 * file of that module name: two projects may both have a `utils`). same_module[f] chains
 * the files sharing f's module name (index+1, 0 ends). */
/* Queues the cold modules a miss may be answered by. A miss no module can answer (no cold or
 * partly parsed module on its path names the missing part) never will: it goes to hopeless,
 * and later probes do not count it (a call site missing only such names is settled). */
static size_t need_prefixes(batch_job *job, const ll_strmap *misses, const ll_strmap *module_of,
                            const size_t *same_module, size_t *order, size_t count, ll_arena *arena,
                            ll_strmap *hopeless) {
  for (size_t m = 0; m < misses->cap; m++) {
    const char *q = misses->slots ? misses->slots[m].key : NULL;
    if (!q) continue;
    int answerable = 0;
    /* module X may define or re-export X.N only if its text names N */
    for (const char *d = strchr(q, '.'); d; d = strchr(d + 1, '.')) {
      size_t len = (size_t)(d - q);
      const char *next = d + 1, *nd = strchr(next, '.');
      size_t nlen = nd ? (size_t)(nd - next) : strlen(next);
      for (size_t idx = (uintptr_t)ll_strmap_getn(module_of, q, len); idx; idx = same_module[idx - 1]) {
        size_t f = idx - 1;
        if (job->state[f] != 2 && job->state[f] != 4 && !(job->state[f] == 0 && job->wanted[f])) continue;
        if (!ll_lazy_names(&job->facts[f], next, nlen)) continue;
        /* calling a class of X (X.N, no further part) resolves to no function either way */
        if (!nd && (uintptr_t)misses->slots[m].value == LL_MISS_FUNC && ll_lazy_only_class(&job->facts[f], next, nlen))
          continue;
        answerable = 1;
        if (!job->wanted[f]) {
          job->wanted[f] = ll_arena_alloc(arena, sizeof(ll_strmap));
          ll_strmap_init(job->wanted[f]);
        }
        if (ll_strmap_getn(job->wanted[f], next, nlen)) continue;
        ll_strmap_put(job->wanted[f], ll_arena_strndup(arena, next, nlen), (void *)1);
        if (job->state[f] != 0) { /* not queued yet this round */
          /* a module asked for more names round after round (a class hierarchy walked one
           * base at a time) is parsed whole the third time: one round instead of many */
          if (job->state[f] == 4 && ++job->asked[f] >= 2) {
            ll_strmap_free(job->wanted[f]);
            job->wanted[f] = NULL;
          }
          job->state[f] = 0;
          order[count++] = f;
        }
      }
    }
    if (!answerable && hopeless && !ll_strmap_get(hopeless, q)) ll_strmap_put(hopeless, ll_arena_strdup(arena, q), (void *)1);
  }
  return count;
}

/* The project's coroutine names, on a second thread while the probe runs on the first
 * (both only read the index; each writes to its own arena). */
typedef struct names_task {
  ll_project *probe;
  ll_name_module_list *funcs;
  ll_method_witness_list *methods;
  ll_arena arena;
} names_task;

static void *names_thread(void *arg) {
  names_task *t = arg;
  ll_project_coroutine_names(t->probe, t->funcs, t->methods, &t->arena);
  return NULL;
}

/* Parses cold files the project model needs, round after round until nothing new is needed
 * (the last round's project index, over the final facts, is handed to *final):
 * modules where resolving a call that matters missed a name (ll_project_probe), and files
 * naming a coroutine function of the project. */
static void parse_on_demand(batch_job *job, size_t *order, int nthreads, ll_project *final) {
  size_t n = job->total;
  ll_arena arena;
  ll_arena_init(&arena);
  ll_strmap module_of; /* module name -> index+1 of a cold file */
  ll_strmap_init(&module_of);
  ll_strmap hopeless; /* misses no module can answer, across rounds (keys in arena) */
  ll_strmap_init(&hopeless);
  size_t *same_module = ll_xcalloc(n ? n : 1, sizeof *same_module);
  for (size_t i = n; i-- > 0;)
    if (job->state[i] == 2 || job->state[i] == 4) {
      same_module[i] = (uintptr_t)ll_strmap_put(&module_of, job->modules->names[i], (void *)(uintptr_t)(i + 1));
    }
  job->wanted = ll_xcalloc(n ? n : 1, sizeof *job->wanted);
  job->asked = ll_xcalloc(n ? n : 1, 1);
  job->names_arena = &arena;
  pthread_mutex_init(&job->names_lock, NULL);
  /* a partial result from the cache: the names it was parsed for */
  for (size_t i = 0; i < n; i++)
    if (job->state[i] == 4) {
      job->wanted[i] = ll_arena_alloc(&arena, sizeof(ll_strmap));
      ll_strmap_init(job->wanted[i]);
      ll_lazy_split_names(job->facts[i].partial_names, job->wanted[i], &arena);
    }
  int timing = getenv("LOOPLINT_TIMING") != NULL;
  struct timespec t0, t1;
#define LAP(what)                                                                                              \
  do {                                                                                                         \
    clock_gettime(CLOCK_MONOTONIC, &t1);                                                                       \
    if (timing)                                                                                                \
      fprintf(stderr, "timing:   %-14s %8.1f ms\n", what,                                                      \
              (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);                                \
    t0 = t1;                                                                                                   \
  } while (0)
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    ll_strmap misses;
    ll_strmap_init(&misses);
    ll_name_module_list funcs = {0};
    ll_method_witness_list methods = {0};
    size_t count;
    ll_arena scratch; /* this round's names: misses, joined names of the resolver */
    ll_arena_init(&scratch);
    names_task names = {.funcs = &funcs, .methods = &methods};
    ll_arena_init(&names.arena);
    ll_project probe;
    {
      ll_project_build(&probe, job->facts, n, job->linter->db);
      /* the name scan runs every round: what it finds late would cost a round of its own;
       * the rounds end when both need nothing. Its coroutine names are gathered on a second
       * thread while this one probes. */
      names.probe = &probe;
      pthread_t names_tid;
      int threaded = nthreads > 1 && pthread_create(&names_tid, NULL, names_thread, &names) == 0;
      if (!threaded) names_thread(&names);
      ll_project_probe(&probe, &misses, &hopeless, &scratch, &arena);
      count = need_prefixes(job, &misses, &module_of, same_module, order, 0, &arena, &hopeless);
      if (threaded) pthread_join(names_tid, NULL);
    }
    LAP("probe");
    size_t by_refs = count;
    /* sync code calling a project coroutine names it: those files are needed for LOOP2xx.
     * Decided from each cold file's summary, without reading it again. */
    {
      ll_lazy_need need;
      ll_lazy_need_init(&need);
      ll_lazy_need_build(&need, &funcs, &methods, job->facts, job->state, n);
      for (size_t i = 0; i < n; i++)
        if ((job->state[i] == 2 || job->state[i] == 4 || (job->state[i] == 0 && job->wanted[i])) &&
            ll_lazy_needed(&need, &job->facts[i])) {
          /* parsed whole: any of its call sites may be a finding */
          if (job->state[i] != 0) order[count++] = i;
          job->state[i] = 0;
          if (job->wanted[i]) ll_strmap_free(job->wanted[i]);
          job->wanted[i] = NULL;
        }
      ll_lazy_need_free(&need);
    }
    LAP("name scan");
    if (timing)
      fprintf(stderr, "timing: on demand: %zu by resolution (%zu misses), %zu by coroutine name (%zu functions, %zu methods)\n",
              by_refs, misses.len, count - by_refs, funcs.len, methods.len);
    if (getenv("LOOPLINT_DEBUG_ROUNDS")) {
      for (size_t k = 0; k < count; k++)
        fprintf(stderr, "round: %s %s\n", k < by_refs ? "miss" : "name", job->modules->names[order[k]]);
      for (size_t m = 0; m < misses.cap; m++)
        if (misses.slots && misses.slots[m].key)
          fprintf(stderr, "miss: %s %lu\n", misses.slots[m].key, (unsigned long)(uintptr_t)misses.slots[m].value);
    }
    ll_strmap_free(&misses);
    ll_vec_free(&funcs);
    ll_vec_free(&methods);
    ll_arena_free(&scratch);
    ll_arena_free(&names.arena);
    if (!count) {
      *final = probe; /* nothing more parsed: the facts it indexes are the final ones */
      break;
    }
    ll_project_free(&probe);
    /* parsed now whatever their bytes say */
    const ll_triggers *saved = job->triggers;
    job->triggers = NULL;
    run_round(job, order, count, nthreads);
    job->triggers = saved;
    LAP("parse round");
  }
#undef LAP
  for (size_t i = 0; i < n; i++)
    if (job->wanted[i]) ll_strmap_free(job->wanted[i]);
  free(job->wanted);
  job->wanted = NULL;
  free(job->asked);
  job->asked = NULL;
  pthread_mutex_destroy(&job->names_lock);
  ll_strmap_free(&module_of);
  ll_strmap_free(&hopeless);
  free(same_module);
  ll_arena_free(&arena);
}

/* The run's findings into res: the project pass's (moved) and each reported file's own
 * (copied when the state keeps them, else moved), then noqa and the order of every output. */
static void collect(ll_batch_result *res, ll_findings *project_findings, ll_findings *per_file, ll_file_facts *facts,
                    const unsigned char *read_failed, size_t nfiles, size_t n, const unsigned char *report, int copy,
                    int report_unused_noqa) {
  ll_findings_move(&res->findings, project_findings);
  ll_findings_free(project_findings);
  for (size_t i = 0; i < n; i++) {
    int wanted = i < nfiles && (!report || report[i]);
    if (wanted && copy) {
      for (size_t k = 0; k < per_file[i].v.len; k++) {
        ll_finding f;
        ll_finding_copy(&f, &per_file[i].v.items[k]);
        ll_vec_push(&res->findings.v, f);
      }
    } else if (wanted) {
      ll_findings_move(&res->findings, &per_file[i]);
    }
    if (!copy) ll_findings_free(&per_file[i]);
    if (read_failed[i] && wanted) res->read_errors++;
  }
  ll_suppress_apply(&res->findings, facts, n);
  if (report_unused_noqa) ll_suppress_report_unused(&res->findings, facts, n);
  res->files_checked = nfiles;
  ll_findings_sort(&res->findings);
}

void ll_batch_run(const ll_linter *l, const ll_pathlist *files, const ll_pathlist *context, const ll_source *stdin_src,
                  const ll_batch_opts *opts, ll_batch_result *res) {
  int nthreads = opts ? opts->nthreads : 0;
  memset(res, 0, sizeof *res);
  ll_findings_init(&res->findings);
  ll_pathlist none = {0};
  if (!context) context = &none;
  size_t n = files->len + context->len;
  batch_job job = {.linter = l, .files = files, .context = context, .total = n,
                   .ha_modes = opts ? opts->ha_modes : NULL, .linters = opts ? opts->linters : NULL,
                   .parse_only = opts && opts->parse_only, .explicit_files = opts ? opts->explicit_files : NULL};
  /* standard input is the overlay of files[0] */
  const ll_source **stdin_overlays = NULL;
  if (stdin_src) {
    stdin_overlays = ll_xcalloc(n ? n : 1, sizeof *stdin_overlays);
    if (opts && opts->overlays)
      for (size_t i = 0; i < n; i++) stdin_overlays[i] = opts->overlays[i];
    if (n) stdin_overlays[0] = stdin_src;
    job.overlays = stdin_overlays;
  } else if (opts) {
    job.overlays = opts->overlays;
  }
  ll_batch_state *keep = opts ? opts->keep : NULL;
  job.facts = ll_xcalloc(n ? n : 1, sizeof(ll_file_facts));
  for (size_t i = 0; i < n; i++) ll_facts_init(&job.facts[i]);
  job.per_file = ll_xcalloc(n ? n : 1, sizeof(ll_findings));
  job.read_failed = ll_xcalloc(n ? n : 1, 1);
  atomic_init(&job.next, 0);
  if (nthreads <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = cpus > 0 ? (int)cpus : 1;
  }
  if (nthreads > 64) nthreads = 64;
  job.state = ll_xcalloc(n ? n : 1, 1);
  ll_modules modules;
  {
    char **all = ll_xcalloc(n ? n : 1, sizeof *all);
    for (size_t i = 0; i < n; i++) all[i] = i < files->len ? files->items[i] : context->items[i - files->len];
    ll_modules_compute(&modules, all, n);
    free(all);
  }
  job.modules = &modules;
  ll_cache cache;
  if (opts && opts->cache_dir && !stdin_src && !opts->parse_only) {
    ll_cache_open(&cache, opts->cache_dir);
    job.cache = &cache;
    job.keys = ll_xcalloc(n ? n : 1, sizeof *job.keys);
    job.fresh = ll_xcalloc(n ? n : 1, 1);
    job.contents = ll_xcalloc(n ? n : 1, sizeof *job.contents);
    job.stats = ll_xcalloc(n ? n : 1, sizeof *job.stats);
    job.hits = ll_xcalloc(n ? n : 1, sizeof *job.hits);
  }
  atomic_init(&job.cache_hits, 0);
  /* with unused-noqa reports, `noqa` makes a file hot: another cold/hot split, another key */
  job.key_salt = opts && opts->report_unused_noqa ? 0x6e6f71615f6e6f71ull : 0;
  atomic_init(&job.bytes_parsed, 0);
  atomic_init(&job.bytes_partial, 0);
  ll_triggers triggers;
  int lazy = !(opts && (opts->no_lazy || opts->parse_only || opts->keep));
  if (lazy) {
    ll_triggers_init(&triggers, l->db, opts && opts->report_unused_noqa);
    job.triggers = &triggers;
  }
  size_t *order = ll_xcalloc(n ? n : 1, sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  struct timespec tr0, tr1;
  clock_gettime(CLOCK_MONOTONIC, &tr0);
  run_round(&job, order, n, nthreads);
  clock_gettime(CLOCK_MONOTONIC, &tr1);
  if (getenv("LOOPLINT_TIMING"))
    fprintf(stderr, "timing: first round %8.1f ms (%.1f MB parsed)\n",
            (tr1.tv_sec - tr0.tv_sec) * 1e3 + (tr1.tv_nsec - tr0.tv_nsec) / 1e6, atomic_load(&job.bytes_parsed) / 1e6);
  /* every file unchanged since a run whose decisions the cache recorded for exactly this set
   * of files: what it parsed on demand is what this run would, so the rounds are skipped */
  uint64_t pkey = job.cache ? project_key(&job, n) : 0;
  int rounds = lazy && !job.parse_only && !(opts && opts->no_project);
  const ll_cache_entry *record =
      job.cache && n && pkey && atomic_load(&job.cache_hits) == n ? ll_cache_lookup(&cache, PROJECT_ENTRY, pkey) : NULL;
  int settled = record != NULL;
  ll_project project;
  int indexed = rounds && !settled;
  if (indexed) parse_on_demand(&job, order, nthreads, &project);
  free(order);
  for (size_t i = 0; i < n; i++) {
    res->files_parsed += job.state[i] == 1;
    res->files_partial += job.state[i] == 4;
  }
  res->cache_hits = atomic_load(&job.cache_hits);
  if (getenv("LOOPLINT_TIMING")) {
    fprintf(stderr, "timing: bytes parsed: %.1f MB whole, %.1f MB in part\n", atomic_load(&job.bytes_parsed) / 1e6,
            atomic_load(&job.bytes_partial) / 1e6);
    size_t reserved = 0, used = 0, calls = 0, lazy_bytes = 0;
    for (size_t i = 0; i < n; i++) {
      ll_arena_stats(&job.facts[i].arena, &reserved, &used);
      calls += job.facts[i].calls.cap * sizeof(ll_callsite) + job.facts[i].funcs.cap * sizeof(ll_funcdef);
      lazy_bytes += job.facts[i].nlazy * 4;
    }
    fprintf(stderr, "timing: facts: arenas %.1f MB (%.1f MB used), vectors %.1f MB, summaries %.1f MB\n", reserved / 1e6,
            used / 1e6, calls / 1e6, lazy_bytes / 1e6);
  }
  /* phase 2: the project model over every file's facts; a settled warm run has its findings
   * in the cache's record (the same facts give the same findings) */
  struct timespec tp0, tp1;
  clock_gettime(CLOCK_MONOTONIC, &tp0);
  ll_findings project_findings;
  ll_findings_init(&project_findings);
  ll_project *kept_project = NULL;
  int reused = 0;
  if (record && rounds && ll_cache_decode_findings(record->blob, record->len, &project_findings) == 0) reused = 1;
  if (!reused) {
    ll_findings_free(&project_findings);
    ll_findings_init(&project_findings);
    /* the last round's index when there were rounds; --no-project: empty */
    /* the server's run keeps its index for the updates to come */
    int kept_index = keep && !indexed && !(opts && opts->no_project);
    if (kept_index) ll_project_build_kept(&project, job.facts, n, l->db);
    else if (!indexed) ll_project_build(&project, job.facts, opts && opts->no_project ? 0 : n, l->db);
    if (getenv("LOOPLINT_DEBUG_FACTS"))
      for (size_t i = 0; i < n; i++) ll_facts_dump(stderr, &job.facts[i]);
    ll_project_check(&project, &project_findings);
    if (opts && opts->no_project) ll_project_release_held(job.facts, n, &project_findings);
    if (kept_index) {
      /* moved: what points at it (the project resolver) goes first */
      if (project.rv) ll_resolver_free(project.rv);
      project.rv = NULL;
      kept_project = ll_xmalloc(sizeof *kept_project);
      *kept_project = project;
    } else {
      ll_project_free(&project);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &tp1);
  if (getenv("LOOPLINT_TIMING"))
    fprintf(stderr, "timing: project    %8.1f ms%s\n", (tp1.tv_sec - tp0.tv_sec) * 1e3 + (tp1.tv_nsec - tp0.tv_nsec) / 1e6,
            reused ? " (from the cache)" : "");
  if (job.cache) {
    /* store every result: fresh ones (encoded as they are written), and reused ones so the
     * pack stays complete; nothing to write when every file came from the cache */
    ll_cache_new *items = ll_xcalloc(n + 1, sizeof *items);
    size_t ni = 0, nfresh = 0;
    for (size_t i = 0; i < n; i++) {
      const char *path = modules.real_paths[i];
      if (job.hits[i]) {
        items[ni++] = (ll_cache_new){path, job.keys[i], job.contents[i], job.stats[i], (const char *)job.hits[i]->blob,
                                     job.hits[i]->len, i};
        if (!ll_cache_stat_equal(&job.hits[i]->st, &job.stats[i])) nfresh++; /* touched, same content */
      } else if (job.fresh[i] && (job.state[i] == 1 || job.state[i] == 2 || job.state[i] == 4)) {
        items[ni++] = (ll_cache_new){path, job.keys[i], job.contents[i], job.stats[i], NULL, 0, i};
        nfresh++;
      }
    }
    /* the record: a run that did the rounds vouches for them and keeps the project's
     * findings; another (--no-project) that stores results clears it, whatever its key was */
    ll_strbuf rec;
    ll_strbuf_init(&rec);
    if (rounds) ll_cache_encode_findings(&rec, &project_findings);
    items[ni++] = (ll_cache_new){PROJECT_ENTRY, rounds ? pkey : 0, 0, {0}, rounds ? rec.data : "P", rounds ? rec.len : 1, 0};
    char err[256];
    /* also when only the record is new: the next warm run then skips the rounds */
    if ((nfresh || (rounds && !settled)) && ll_cache_write(&cache, items, ni, encode_entry, &job, err, sizeof err))
      fprintf(stderr, "looplint: warning: cache not written (the results are complete): %s\n", err);
    ll_strbuf_free(&rec);
    free(items);
    free(job.fresh);
    free(job.contents);
    free(job.stats);
    free(job.keys);
    free(job.hits);
    ll_cache_free(&cache);
  }
  collect(res, &project_findings, job.per_file, job.facts, job.read_failed, files->len, n, NULL, keep != NULL,
          opts && opts->report_unused_noqa);
  if (keep) {
    /* the next edit starts from here */
    keep->files = files;
    keep->context = context;
    keep->n = n;
    keep->facts = job.facts;
    keep->per_file = job.per_file;
    keep->read_failed = job.read_failed;
    keep->modules = modules;
    keep->project = kept_project;
  } else {
    for (size_t i = 0; i < n; i++) ll_facts_free(&job.facts[i]);
    ll_modules_free(&modules);
    free(job.facts);
    free(job.per_file);
    free(job.read_failed);
  }
  if (lazy) ll_triggers_free(&triggers);
  free(job.state);
  free(stdin_overlays);
}

/* The kept index goes (it points into the facts). */
static void drop_project(ll_batch_state *st) {
  if (!st->project) return;
  ll_project_free(st->project);
  free(st->project);
  st->project = NULL;
}

void ll_batch_state_free(ll_batch_state *st) {
  drop_project(st);
  for (size_t i = 0; i < st->n; i++) {
    ll_facts_free(&st->facts[i]);
    ll_findings_free(&st->per_file[i]);
  }
  free(st->facts);
  free(st->per_file);
  free(st->read_failed);
  if (st->facts) ll_modules_free(&st->modules);
  memset(st, 0, sizeof *st);
}

int ll_batch_update(const ll_linter *l, ll_batch_state *st, const size_t *changed, size_t nchanged,
                    const ll_batch_opts *opts, const unsigned char *report, const atomic_int *cancel,
                    ll_batch_result *res) {
  memset(res, 0, sizeof *res);
  ll_findings_init(&res->findings);
  size_t n = st->n;
  batch_job job = {.linter = l, .files = st->files, .context = st->context, .total = n, .facts = st->facts,
                   .per_file = st->per_file, .read_failed = st->read_failed, .modules = &st->modules,
                   .ha_modes = opts ? opts->ha_modes : NULL, .linters = opts ? opts->linters : NULL,
                   .overlays = opts ? opts->overlays : NULL, .explicit_files = opts ? opts->explicit_files : NULL};
  atomic_init(&job.next, 0);
  atomic_init(&job.cache_hits, 0);
  atomic_init(&job.bytes_parsed, 0);
  atomic_init(&job.bytes_partial, 0);
  job.state = ll_xcalloc(n ? n : 1, 1);
  size_t *order = ll_xcalloc(nchanged ? nchanged : 1, sizeof *order);
  size_t count = 0;
  int no_project = opts && opts->no_project;
  if (no_project) drop_project(st);
  /* the kept index: the changed files leave it while their old facts still stand */
  int index_kept = st->project != NULL;
  for (size_t k = 0; k < nchanged && st->project; k++)
    if (changed[k] < n && ll_project_drop_file(st->project, changed[k])) drop_project(st);
  for (size_t k = 0; k < nchanged; k++) {
    size_t i = changed[k];
    if (i >= n) continue;
    ll_findings_free(&st->per_file[i]);
    ll_findings_init(&st->per_file[i]);
    ll_facts_free(&st->facts[i]);
    ll_facts_init(&st->facts[i]);
    st->read_failed[i] = 0;
    order[count++] = i;
  }
  int nthreads = opts && opts->nthreads > 0 ? opts->nthreads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (nthreads < 1) nthreads = 1;
  if (nthreads > 64) nthreads = 64;
  int timing = getenv("LOOPLINT_TIMING") != NULL;
  struct timespec ta, tb, tb2, tc, td;
  clock_gettime(CLOCK_MONOTONIC, &ta);
  run_round(&job, order, count, nthreads);
  clock_gettime(CLOCK_MONOTONIC, &tb);
  free(job.state);
  /* ...and come back with their new ones; an index that cannot follow, or that updates have
   * grown, is built afresh (also before a cancelled update returns: the state stays whole) */
  for (size_t k = 0; k < count && st->project; k++)
    if (ll_project_add_file(st->project, order[k])) drop_project(st);
  if (st->project && ll_project_worn(st->project)) drop_project(st);
  index_kept = index_kept && st->project;
  if (!st->project && !no_project) {
    st->project = ll_xcalloc(1, sizeof *st->project);
    ll_project_build_kept(st->project, st->facts, n, l->db);
  }
  free(order);
  clock_gettime(CLOCK_MONOTONIC, &tb2);
  if (cancel && atomic_load(cancel)) return 1;
  /* the project pass decides what crosses files; the files not reported on are context for
   * it, which leaves the findings of the reported ones as they are and saves their checks */
  unsigned char *was_context = ll_xcalloc(n ? n : 1, 1);
  for (size_t i = 0; i < n; i++) {
    was_context[i] = st->facts[i].context_only;
    if (report && !report[i]) st->facts[i].context_only = 1;
  }
  ll_project none;
  ll_findings project_findings;
  ll_findings_init(&project_findings);
  if (no_project) ll_project_build(&none, st->facts, 0, l->db);
  ll_project_check(no_project ? &none : st->project, &project_findings);
  if (no_project) ll_project_release_held(st->facts, n, &project_findings);
  if (no_project) ll_project_free(&none);
  clock_gettime(CLOCK_MONOTONIC, &tc);
  for (size_t i = 0; i < n; i++) st->facts[i].context_only = was_context[i];
  free(was_context);
  if (cancel && atomic_load(cancel)) {
    ll_findings_free(&project_findings);
    return 1;
  }
  collect(res, &project_findings, st->per_file, st->facts, st->read_failed, st->files->len, n, report, 1,
          opts && opts->report_unused_noqa);
  res->files_parsed = count;
  clock_gettime(CLOCK_MONOTONIC, &td);
#define LL_MS(a, b) (((b).tv_sec - (a).tv_sec) * 1e3 + ((b).tv_nsec - (a).tv_nsec) / 1e6)
  if (timing)
    fprintf(stderr, "timing: update: lint %.1f ms, index %.1f ms (%s), project %.1f ms, collect %.1f ms\n", LL_MS(ta, tb),
            LL_MS(tb, tb2), index_kept ? "kept" : "built", LL_MS(tb2, tc), LL_MS(tc, td));
#undef LL_MS
  return 0;
}

void ll_batch_result_free(ll_batch_result *res) { ll_findings_free(&res->findings); }
