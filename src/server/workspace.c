/* workspace.c: the editor's project: configuration, files, kept results, overlays. */
#include "workspace.h"
#include "../diag/registry.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* An open (or once open) document. */
typedef struct ws_doc {
  char *path;
  ll_source *src;   /* its text while open, else NULL */
  TSTree *tree;     /* the tree of the text last linted, edited along with the text since */
  TSTree *next;     /* the tree the running lint leaves (src->keep_tree) */
} ws_doc;

static void doc_drop_trees(ws_doc *d) {
  if (d->tree) ts_tree_delete(d->tree);
  if (d->next) ts_tree_delete(d->next);
  d->tree = d->next = NULL;
}

/* After a lint: the trees it left become the ones the next edits change. */
static void adopt_trees(ll_workspace *ws) {
  for (size_t k = 0; k < ws->wanted.cap; k++) {
    ws_doc *d = ws->wanted.slots ? ws->wanted.slots[k].value : NULL;
    if (!d || !d->next) continue;
    if (d->tree) ts_tree_delete(d->tree);
    d->tree = d->next;
    d->next = NULL;
    if (d->src) d->src->old_tree = d->tree;
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void ll_ws_options_init(ll_ws_options *o) {
  memset(o, 0, sizeof *o);
  o->ha_mode = -1;
  o->include_tests = -1;
}

static void free_list(ll_strlist *l) {
  for (size_t i = 0; i < l->len; i++) free(l->items[i]);
  ll_vec_free(l);
}

void ll_ws_options_free(ll_ws_options *o) {
  free_list(&o->select);
  free_list(&o->extend_select);
  free_list(&o->ignore);
  free(o->cache_dir);
  ll_ws_options_init(o);
}

char *ll_ws_canonical(const char *path) {
  char *r = realpath(path, NULL);
  if (r) return r;
  /* a file that does not exist (yet): its folder resolved, its name as given */
  const char *slash = strrchr(path, '/');
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (slash) {
    char *dir = ll_xstrndup(path, (size_t)(slash - path));
    char *rd = realpath(*dir ? dir : "/", NULL);
    ll_strbuf_add(&sb, rd ? rd : dir);
    if (!sb.len || sb.data[sb.len - 1] != '/') ll_strbuf_addc(&sb, '/');
    ll_strbuf_add(&sb, slash + 1);
    free(rd);
    free(dir);
  } else {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) ll_strbuf_addf(&sb, "%s/", cwd);
    ll_strbuf_add(&sb, path);
  }
  return ll_strbuf_detach(&sb);
}

/* The standard rules data. */
static int load_rules(ll_ruledb *db, char *err, size_t errlen) {
  char *data = ll_data_dir(NULL);
  if (!data) {
    snprintf(err, errlen, "cannot find the rules data folder (set LOOPLINT_DATA to the folder holding rules/)");
    return -1;
  }
  ll_strbuf dir;
  ll_strbuf_init(&dir);
  ll_strbuf_addf(&dir, "%s/rules", data);
  free(data);
  char inner[400];
  int rc = ll_ruledb_load_dir(db, dir.data, inner, sizeof inner);
  ll_strbuf_free(&dir);
  if (rc) snprintf(err, errlen, "bad rules data: %s", inner);
  return rc ? -1 : 0;
}

static void build_cli_selection(ll_workspace *ws) {
  char err[256];
  ll_selection_free(&ws->cli);
  ll_selection_init(&ws->cli);
  for (size_t i = 0; i < ws->opts.select.len; i++)
    if (ll_selection_add(&ws->cli, 0, ws->opts.select.items[i], 0, err, sizeof err))
      fprintf(stderr, "looplint server: select: %s\n", err);
  for (size_t i = 0; i < ws->opts.extend_select.len; i++)
    if (ll_selection_add(&ws->cli, 0, ws->opts.extend_select.items[i], 0, err, sizeof err))
      fprintf(stderr, "looplint server: extendSelect: %s\n", err);
  for (size_t i = 0; i < ws->opts.ignore.len; i++)
    if (ll_selection_add(&ws->cli, 1, ws->opts.ignore.items[i], 0, err, sizeof err))
      fprintf(stderr, "looplint server: ignore: %s\n", err);
}

int ll_ws_init(ll_workspace *ws, const char *root, ll_ws_options *opts, char *err, size_t errlen) {
  memset(ws, 0, sizeof *ws);
  ws->root = root ? ll_xstrdup(root) : NULL;
  ws->opts = *opts;
  ll_ws_options_init(opts);
  ll_selection_init(&ws->cli);
  build_cli_selection(ws);
  ll_ruledb_init(&ws->db);
  ll_config_finder_init(&ws->finder);
  ll_strmap_init(&ws->index);
  ll_strmap_init(&ws->wanted);
  ws->settings.ha_mode = ws->opts.ha_mode;
  if (load_rules(&ws->db, err, errlen)) return -1;
  ll_linter_init(&ws->linter, &ws->db, &ws->settings);
  return 0;
}

/* Frees what a build made (the kept results, the file lists, the configurations). */
static void release_build(ll_workspace *ws) {
  if (ws->built) ll_batch_state_free(&ws->state);
  ws->built = 0;
  ll_pathlist_free(&ws->files);
  ll_pathlist_free(&ws->context);
  free(ws->ha_modes);
  free(ws->linters);
  free(ws->overlays);
  free(ws->dirty);
  ws->ha_modes = NULL;
  ws->linters = NULL;
  ws->overlays = NULL;
  ws->dirty = NULL;
  ll_strmap_free(&ws->index);
  ll_strmap_init(&ws->index);
  for (size_t c = 0; c < ws->nextra_db; c++) {
    if (ws->extra_linters[c]) { ll_linter_free(ws->extra_linters[c]); free(ws->extra_linters[c]); }
    if (ws->extra_dbs[c]) { ll_ruledb_free(ws->extra_dbs[c]); free(ws->extra_dbs[c]); }
  }
  free(ws->extra_linters);
  free(ws->extra_dbs);
  ws->extra_linters = NULL;
  ws->extra_dbs = NULL;
  ws->nextra_db = 0;
}

void ll_ws_free(ll_workspace *ws) {
  release_build(ws);
  for (size_t i = 0; i < ws->wanted.cap; i++) {
    ws_doc *d = ws->wanted.slots ? ws->wanted.slots[i].value : NULL;
    if (!d) continue;
    if (d->src) { ll_source_free(d->src); free(d->src); }
    doc_drop_trees(d);
    free(d->path);
    free(d);
  }
  ll_strmap_free(&ws->wanted);
  ll_strmap_free(&ws->index);
  ll_config_finder_free(&ws->finder);
  ll_linter_free(&ws->linter);
  ll_ruledb_free(&ws->db);
  ll_selection_free(&ws->cli);
  ll_ws_options_free(&ws->opts);
  free(ws->config_error);
  free(ws->root);
  memset(ws, 0, sizeof *ws);
}

/* The configuration of path; an unreadable one is remembered (the server tells the user) and
 * the defaults apply. */
static const ll_config *config_of(ll_workspace *ws, const char *path) {
  const ll_config *cfg = &ws->finder.defaults;
  char err[512];
  if (ll_config_for(&ws->finder, path, &cfg, err, sizeof err)) {
    if (!ws->config_error || strcmp(ws->config_error, err) != 0) {
      free(ws->config_error);
      ws->config_error = ll_xstrdup(err);
      fprintf(stderr, "looplint server: bad configuration: %s\n", err);
    }
    return &ws->finder.defaults;
  }
  return cfg;
}

int ll_ws_excluded(ll_workspace *ws, const char *path) { return ll_config_excludes(config_of(ws, path), path); }

static ws_doc *doc_of(ll_workspace *ws, const char *path, int create) {
  ws_doc *d = ll_strmap_get(&ws->wanted, path);
  if (d || !create) return d;
  d = ll_xcalloc(1, sizeof *d);
  d->path = ll_xstrdup(path);
  ll_strmap_put(&ws->wanted, d->path, d);
  return d;
}

static void index_put(ll_workspace *ws, const char *path, size_t i) {
  if (!ll_strmap_get(&ws->index, path)) ll_strmap_put(&ws->index, path, (void *)(uintptr_t)(i + 1));
}

static size_t index_of(const ll_workspace *ws, const char *path) {
  return (uintptr_t)ll_strmap_get(&ws->index, path);
}

/* Everything from the start: configuration, the files, every file linted (the cache helps). */
static void build(ll_workspace *ws, ll_batch_result *res) {
  double t0 = now_ms();
  release_build(ws);
  ll_config_finder_free(&ws->finder);
  ll_config_finder_init(&ws->finder);
  free(ws->config_error);
  ws->config_error = NULL;
  ll_pathlist walked = {0};
  if (ws->root) {
    ll_fs_errors errors = {0};
    char *paths[] = {ws->root};
    ll_fs_collect(paths, 1, &walked, &errors);
    ll_fs_errors_free(&errors);
  }
  ll_strmap seen;
  ll_strmap_init(&seen);
  for (size_t i = 0; i < walked.len; i++) {
    if (ll_config_excludes(config_of(ws, walked.items[i]), walked.items[i])) { free(walked.items[i]); continue; }
    ll_vec_push(&ws->files, walked.items[i]);
    ll_strmap_put(&seen, walked.items[i], (void *)1);
  }
  ll_vec_free(&walked);
  /* open documents the walk did not find (outside the root, in skipped folders, not yet on disk) */
  for (size_t k = 0; k < ws->wanted.cap; k++) {
    ws_doc *d = ws->wanted.slots ? ws->wanted.slots[k].value : NULL;
    if (!d || !d->src || ll_strmap_get(&seen, d->path)) continue;
    if (ll_config_excludes(config_of(ws, d->path), d->path)) continue;
    ll_vec_push(&ws->files, ll_xstrdup(d->path));
  }
  ll_strmap_free(&seen);
  size_t nf = ws->files.len;
  /* a configuration that adds knowledge gets its own rules database, as in `check` */
  ws->linters = ll_xcalloc(nf ? nf : 1, sizeof *ws->linters);
  ws->ha_modes = ll_xcalloc(nf ? nf : 1, 1);
  for (size_t i = 0; i < nf; i++) {
    const ll_config *cfg = config_of(ws, ws->files.items[i]);
    ws->ha_modes[i] = (signed char)(ws->opts.ha_mode >= 0 ? ws->opts.ha_mode : cfg->homeassistant);
  }
  ws->nextra_db = ws->finder.owned.len;
  ws->extra_dbs = ll_xcalloc(ws->nextra_db ? ws->nextra_db : 1, sizeof *ws->extra_dbs);
  ws->extra_linters = ll_xcalloc(ws->nextra_db ? ws->nextra_db : 1, sizeof *ws->extra_linters);
  for (size_t c = 0; c < ws->nextra_db; c++) {
    const ll_config *cfg = ws->finder.owned.items[c];
    if (!cfg->extra_blocking.len && !cfg->extra_coroutines.len) continue;
    char err[512];
    ll_ruledb *db = ll_xcalloc(1, sizeof *db);
    ll_ruledb_init(db);
    if (load_rules(db, err, sizeof err) || ll_config_extend_db(cfg, db, err, sizeof err)) {
      fprintf(stderr, "looplint server: bad configuration: %s\n", err);
      free(ws->config_error);
      ws->config_error = ll_xstrdup(err);
      ll_ruledb_free(db);
      free(db);
      continue;
    }
    ws->extra_dbs[c] = db;
    ws->extra_linters[c] = ll_xcalloc(1, sizeof(ll_linter));
    ll_linter_init(ws->extra_linters[c], db, &ws->settings);
  }
  for (size_t i = 0; i < nf; i++) {
    const ll_config *cfg = config_of(ws, ws->files.items[i]);
    for (size_t c = 0; c < ws->nextra_db; c++)
      if (ws->finder.owned.items[c] == cfg) ws->linters[i] = ws->extra_linters[c];
  }
  /* the rest of the packages the files sit in: definitions only */
  char *walked_roots[] = {ws->root};
  ll_fs_package_context_walked(&ws->files, ws->root ? walked_roots : NULL, ws->root ? 1 : 0, &ws->context);
  size_t n = nf + ws->context.len;
  ws->overlays = ll_xcalloc(n ? n : 1, sizeof *ws->overlays);
  ws->dirty = ll_xcalloc(n ? n : 1, 1);
  for (size_t i = 0; i < n; i++) {
    const char *p = i < nf ? ws->files.items[i] : ws->context.items[i - nf];
    index_put(ws, p, i);
    ws_doc *d = ll_strmap_get(&ws->wanted, p);
    if (d && d->src) ws->overlays[i] = d->src;
  }
  ll_strbuf cache;
  ll_strbuf_init(&cache);
  if (!ws->opts.no_cache) {
    if (ws->opts.cache_dir) ll_strbuf_add(&cache, ws->opts.cache_dir);
    else if (getenv("LOOPLINT_CACHE_DIR") && *getenv("LOOPLINT_CACHE_DIR")) ll_strbuf_add(&cache, getenv("LOOPLINT_CACHE_DIR"));
    else if (ws->root) ll_strbuf_addf(&cache, "%s/.looplint_cache", ws->root);
  }
  ll_batch_opts bopts = {.nthreads = ws->opts.threads,
                         .ha_modes = ws->ha_modes,
                         .linters = (const ll_linter *const *)ws->linters,
                         .overlays = ws->overlays,
                         .cache_dir = cache.len ? cache.data : NULL,
                         .keep = &ws->state};
  ll_batch_run(&ws->linter, &ws->files, &ws->context, NULL, &bopts, res);
  adopt_trees(ws);
  ll_strbuf_free(&cache);
  ws->built = 1;
  ws->need_rebuild = 0;
  ws->last_build_ms = now_ms() - t0;
  ws->last_relinted = n;
  if (getenv("LOOPLINT_TIMING")) fprintf(stderr, "timing: server build %.1f ms (%zu files)\n", ws->last_build_ms, n);
}

/* The point (row, byte column) of offset in text. */
static TSPoint point_of(const char *text, size_t offset) {
  TSPoint p = {0, 0};
  size_t ls = 0;
  for (size_t i = 0; i < offset; i++)
    if (text[i] == '\n') { p.row++; ls = i + 1; }
  p.column = (uint32_t)(offset - ls);
  return p;
}

void ll_ws_edit(ll_workspace *ws, const char *path, const char *old_text, size_t old_len, size_t start, size_t end,
                const char *repl, size_t repl_len) {
  ws_doc *d = doc_of(ws, path, 0);
  if (!d || !d->tree) return;
  if (end > old_len) end = old_len;
  if (start > end) start = end;
  TSInputEdit e;
  e.start_byte = (uint32_t)start;
  e.old_end_byte = (uint32_t)end;
  e.new_end_byte = (uint32_t)(start + repl_len);
  e.start_point = point_of(old_text, start);
  e.old_end_point = point_of(old_text, end);
  TSPoint in_repl = point_of(repl, repl_len);
  e.new_end_point = in_repl.row ? (TSPoint){e.start_point.row + in_repl.row, in_repl.column}
                                : (TSPoint){e.start_point.row, e.start_point.column + in_repl.column};
  ts_tree_edit(d->tree, &e);
}

void ll_ws_set_overlay(ll_workspace *ws, const char *path, const char *text, size_t len, int edited) {
  ws_doc *d = doc_of(ws, path, 1);
  if (d->src) ll_source_free(d->src);
  else d->src = ll_xcalloc(1, sizeof *d->src);
  if (!edited) doc_drop_trees(d); /* a new text, not the old one changed */
  ll_source_from_buffer(d->src, path, text, len);
  d->src->old_tree = d->tree;
  d->src->keep_tree = (void **)&d->next;
  size_t i = index_of(ws, path);
  if (!ws->built) return;
  if (!i) {
    /* a document the project does not have yet */
    if (!ll_ws_excluded(ws, path)) ws->need_rebuild = 1;
    return;
  }
  ws->overlays[i - 1] = d->src;
  ws->dirty[i - 1] = 1;
}

void ll_ws_clear_overlay(ll_workspace *ws, const char *path) {
  ws_doc *d = doc_of(ws, path, 0);
  if (!d || !d->src) return;
  size_t i = index_of(ws, path);
  if (ws->built && i) {
    ws->overlays[i - 1] = NULL;
    ws->dirty[i - 1] = 1;
  }
  ll_source_free(d->src);
  free(d->src);
  d->src = NULL;
  doc_drop_trees(d);
  /* a document outside the walk leaves the project with its buffer; one that never was on
   * disk must not stay as an unreadable file */
  if (ws->built && i && (i - 1 >= ws->files.len || access(path, F_OK) != 0)) ws->need_rebuild = 1;
}

const ll_source *ll_ws_overlay(const ll_workspace *ws, const char *path) {
  ws_doc *d = ll_strmap_get(&ws->wanted, path);
  return d ? d->src : NULL;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

void ll_ws_file_changed(ll_workspace *ws, const char *path, int kind) {
  if (!ws->built) return;
  if (ends_with(path, "/pyproject.toml") || ends_with(path, "/looplint.toml") || strcmp(path, "pyproject.toml") == 0 ||
      strcmp(path, "looplint.toml") == 0) {
    ws->need_rebuild = 1; /* configuration: read again, everything linted again */
    return;
  }
  if (!ends_with(path, ".py") && !ends_with(path, ".pyi")) return;
  size_t i = index_of(ws, path);
  if (kind == 2 || kind == 3) {
    /* the file set and the module names change */
    if (kind == 3 && i && ll_ws_overlay(ws, path)) { ws->dirty[i - 1] = 1; return; } /* its buffer stands */
    ws->need_rebuild = 1;
    return;
  }
  if (i && !ws->overlays[i - 1]) ws->dirty[i - 1] = 1;
}

void ll_ws_invalidate(ll_workspace *ws) {
  build_cli_selection(ws);
  ws->settings.ha_mode = ws->opts.ha_mode;
  ll_linter_free(&ws->linter);
  ll_linter_init(&ws->linter, &ws->db, &ws->settings);
  ws->need_rebuild = 1;
}

int ll_ws_stale(const ll_workspace *ws) {
  if (!ws->built || ws->need_rebuild) return 1;
  size_t n = ws->files.len + ws->context.len;
  for (size_t i = 0; i < n; i++)
    if (ws->dirty[i]) return 1;
  return 0;
}

/* Whether finding f is reported under its file's configuration and the editor's settings. */
static int selected(ll_workspace *ws, const ll_finding *f) {
  if (strcmp(f->code, "LOOP903") == 0) return 1;
  const ll_config *cfg = config_of(ws, f->filename);
  /* the test profile, as `check` applies it: includeTests true is --include-tests, false
   * holds test code back even where lint-tests = "all" says otherwise */
  int all_in_tests = ws->opts.include_tests >= 0 ? ws->opts.include_tests : cfg->lint_tests == LL_LINT_TESTS_ALL;
  if (!all_in_tests && ll_config_test_profile_holds(f->code) && ll_config_is_test_path(cfg, f->filename)) return 0;
  return ll_selection_enabled_over(&cfg->selection, &ws->cli, ws->opts.has_select, f->code) &&
         !ll_config_ignores_for_file(cfg, f->filename, f->code);
}

int ll_ws_lint(ll_workspace *ws, const char *const *report, size_t nreport, const atomic_int *cancel,
               ll_findings *out) {
  ll_findings_init(out);
  ll_batch_result res;
  if (!ws->built || ws->need_rebuild) {
    build(ws, &res);
  } else {
    double t0 = now_ms();
    size_t n = ws->files.len + ws->context.len;
    size_t *changed = ll_xcalloc(n ? n : 1, sizeof *changed), nchanged = 0;
    for (size_t i = 0; i < n; i++)
      if (ws->dirty[i]) {
        changed[nchanged++] = i;
        ws->dirty[i] = 0;
      }
    unsigned char *mask = NULL;
    if (report) {
      mask = ll_xcalloc(n ? n : 1, 1);
      for (size_t k = 0; k < nreport; k++) {
        size_t i = index_of(ws, report[k]);
        if (i) mask[i - 1] = 1;
      }
    }
    ll_batch_opts bopts = {.nthreads = ws->opts.threads,
                           .ha_modes = ws->ha_modes,
                           .linters = (const ll_linter *const *)ws->linters,
                           .overlays = ws->overlays};
    int stopped = ll_batch_update(&ws->linter, &ws->state, changed, nchanged, &bopts, mask, cancel, &res);
    adopt_trees(ws);
    free(mask);
    free(changed);
    ws->last_update_ms = now_ms() - t0;
    ws->last_relinted = nchanged;
    if (getenv("LOOPLINT_TIMING"))
      fprintf(stderr, "timing: server update %.1f ms (%zu files linted again%s)\n", ws->last_update_ms, nchanged,
              stopped ? ", abandoned" : "");
    if (stopped) return 1;
  }
  ll_strmap want;
  ll_strmap_init(&want);
  for (size_t k = 0; report && k < nreport; k++) ll_strmap_put(&want, report[k], (void *)1);
  for (size_t i = 0; i < res.findings.v.len; i++) {
    ll_finding *f = &res.findings.v.items[i];
    if ((!report || ll_strmap_get(&want, f->filename)) && selected(ws, f)) {
      ll_vec_push(&out->v, *f);
      continue;
    }
    ll_finding_free(f);
  }
  res.findings.v.len = 0;
  ll_strmap_free(&want);
  ll_batch_result_free(&res);
  return 0;
}
