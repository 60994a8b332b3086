/* config.c: loading, finding and applying configuration files. */
#include "config.h"
#include "../util/strbuf.h"
#include "../util/fs.h"
#include "toml.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void strlist_free(ll_strlist *l) {
  for (size_t i = 0; i < l->len; i++) free(l->items[i]);
  ll_vec_free(l);
}

void ll_config_free(ll_config *cfg) {
  free(cfg->path);
  free(cfg->dir);
  ll_selection_free(&cfg->selection);
  strlist_free(&cfg->exclude);
  for (size_t i = 0; i < cfg->per_file_ignores.len; i++) {
    free(cfg->per_file_ignores.items[i].pattern);
    strlist_free(&cfg->per_file_ignores.items[i].codes);
  }
  ll_vec_free(&cfg->per_file_ignores);
  for (size_t i = 0; i < cfg->extra_blocking.len; i++) {
    ll_extra_blocking *e = &cfg->extra_blocking.items[i];
    free(e->name); free(e->category); free(e->message); free(e->fix);
  }
  ll_vec_free(&cfg->extra_blocking);
  strlist_free(&cfg->extra_coroutines);
  free(cfg->target_version);
  strlist_free(&cfg->test_paths);
  memset(cfg, 0, sizeof *cfg);
  cfg->homeassistant = -1;
  cfg->lint_tests = LL_LINT_TESTS_UNSET;
}

static int bad(char *err, size_t errlen, const char *path, uint32_t row, const char *key, const char *why) {
  snprintf(err, errlen, "%s:%u: `%s` %s", path, row, key, why);
  return -1;
}

/* An array of strings into list (codes are upper-cased and validated when is_codes). */
static int string_list(ll_toml *t, const ll_toml_pair *p, const char *key, ll_strlist *list, int is_codes,
                       const char *path, char *err, size_t errlen) {
  if (!ll_toml_is_array(p->value)) return bad(err, errlen, path, p->row, key, "must be a list of strings");
  uint32_t n;
  const TSNode *items = ll_toml_array_items(t, p->value, &n);
  for (uint32_t i = 0; i < n; i++) {
    const char *s;
    if (ll_toml_string(t, items[i], &s))
      return bad(err, errlen, path, p->row, key, "must be a list of strings");
    char *v = ll_xstrdup(s);
    if (is_codes) {
      for (char *c = v; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
      if (!ll_selector_valid(v)) {
        char why[160];
        snprintf(why, sizeof why, "names an unknown rule code or prefix: `%s`", v);
        free(v);
        return bad(err, errlen, path, p->row, key, why);
      }
    }
    ll_vec_push(list, v);
  }
  return 0;
}

static int add_selectors(ll_config *cfg, int which, int replace, ll_strlist *codes) {
  char err[128];
  ll_strbuf joined;
  ll_strbuf_init(&joined);
  for (size_t i = 0; i < codes->len; i++) ll_strbuf_addf(&joined, "%s%s", i ? "," : "", codes->items[i]);
  if (replace && which == 0) cfg->has_select = 1;
  int rc = ll_selection_add(&cfg->selection, which, joined.data ? joined.data : "", replace, err, sizeof err);
  ll_strbuf_free(&joined);
  return rc;
}

static int per_file_entry(ll_config *cfg, ll_toml *t, const char *pattern, TSNode value, uint32_t row,
                          const char *path, char *err, size_t errlen) {
  ll_toml_pair p = {.key = pattern, .value = value, .row = row};
  ll_per_file_ignore pfi = {.pattern = ll_xstrdup(pattern)};
  if (string_list(t, &p, "per-file-ignores", &pfi.codes, 1, path, err, errlen)) {
    free(pfi.pattern);
    strlist_free(&pfi.codes);
    return -1;
  }
  ll_vec_push(&cfg->per_file_ignores, pfi);
  return 0;
}

static int extra_blocking(ll_config *cfg, ll_toml *t, const ll_toml_pair *p, const char *path, char *err, size_t errlen) {
  if (!ll_toml_is_array(p->value)) return bad(err, errlen, path, p->row, "extra-blocking", "must be a list");
  cfg->extra_blocking_row = p->row;
  uint32_t n;
  const TSNode *items = ll_toml_array_items(t, p->value, &n);
  for (uint32_t i = 0; i < n; i++) {
    TSNode v = items[i];
    ll_extra_blocking e = {0};
    const char *s;
    if (ll_toml_string(t, v, &s) == 0) {
      e.name = ll_xstrdup(s);
      e.category = ll_xstrdup("other");
    } else if (ll_toml_is_inline_table(v)) {
      const char **keys;
      const TSNode *vals;
      uint32_t nk = ll_toml_table_items(t, v, &keys, &vals);
      for (uint32_t k = 0; k < nk; k++) {
        const char *key = keys[k];
        TSNode val = vals[k];
        if (ll_toml_string(t, val, &s))
          return bad(err, errlen, path, p->row, "extra-blocking", "entries' values must be strings");
        char **slot = strcmp(key, "name") == 0 ? &e.name : strcmp(key, "category") == 0 ? &e.category
                     : strcmp(key, "message") == 0 ? &e.message : strcmp(key, "fix") == 0 ? &e.fix : NULL;
        if (!slot) {
          free(e.name); free(e.category); free(e.message); free(e.fix);
          return bad(err, errlen, path, p->row, "extra-blocking", "entries take only name, category, message, fix");
        }
        free(*slot);
        *slot = ll_xstrdup(s);
      }
      if (!e.name) { free(e.category); free(e.message); free(e.fix); return bad(err, errlen, path, p->row, "extra-blocking", "entry needs a name"); }
      if (!e.category) e.category = ll_xstrdup("other");
    } else return bad(err, errlen, path, p->row, "extra-blocking", "entries must be names or {name, category, message, fix}");
    ll_vec_push(&cfg->extra_blocking, e);
  }
  return 0;
}

/* Applies one key (without the tool.looplint. prefix). */
static int apply_key(ll_config *cfg, ll_toml *t, const ll_toml_pair *p, const char *key, const char *path, char *err,
                     size_t errlen) {
  ll_strlist codes = {0};
  int rc = 0;
  if (strcmp(key, "select") == 0 || strcmp(key, "ignore") == 0 || strcmp(key, "extend-select") == 0) {
    rc = string_list(t, p, key, &codes, 1, path, err, errlen);
    if (!rc) {
      if (key[0] == 'i') add_selectors(cfg, 1, 0, &codes);
      else if (key[0] == 's') add_selectors(cfg, 0, 1, &codes);
      else {
        if (!cfg->has_select) { ll_strlist loop = {0}; ll_vec_push(&loop, ll_xstrdup("LOOP")); add_selectors(cfg, 0, 1, &loop); strlist_free(&loop); }
        add_selectors(cfg, 0, 0, &codes);
      }
    }
    strlist_free(&codes);
    return rc;
  }
  if (strcmp(key, "exclude") == 0 || strcmp(key, "extend-exclude") == 0)
    return string_list(t, p, key, &cfg->exclude, 0, path, err, errlen);
  if (strcmp(key, "extra-coroutines") == 0) return string_list(t, p, key, &cfg->extra_coroutines, 0, path, err, errlen);
  if (strcmp(key, "test-paths") == 0) {
    strlist_free(&cfg->test_paths);
    cfg->has_test_paths = 1;
    return string_list(t, p, key, &cfg->test_paths, 0, path, err, errlen);
  }
  if (strcmp(key, "lint-tests") == 0) {
    const char *s;
    if (ll_toml_string(t, p->value, &s) == 0 && strcmp(s, "all") == 0) cfg->lint_tests = LL_LINT_TESTS_ALL;
    else if (ll_toml_string(t, p->value, &s) == 0 && strcmp(s, "default") == 0) cfg->lint_tests = LL_LINT_TESTS_DEFAULT;
    else return bad(err, errlen, path, p->row, key, "must be \"default\" or \"all\"");
    return 0;
  }
  if (strcmp(key, "extra-blocking") == 0) return extra_blocking(cfg, t, p, path, err, errlen);
  if (strcmp(key, "homeassistant") == 0) {
    int b;
    if (ll_toml_bool(t, p->value, &b)) return bad(err, errlen, path, p->row, key, "must be true or false");
    cfg->homeassistant = b;
    return 0;
  }
  if (strcmp(key, "target-version") == 0) {
    const char *s;
    int ok = ll_toml_string(t, p->value, &s) == 0 && strncmp(s, "py3", 3) == 0 && strlen(s) >= 4 && strlen(s) <= 5;
    for (size_t k = 3; ok && s[k]; k++) ok = s[k] >= '0' && s[k] <= '9';
    if (!ok) return bad(err, errlen, path, p->row, key, "must be a version like \"py311\"");
    free(cfg->target_version);
    cfg->target_version = ll_xstrdup(s);
    return 0;
  }
  if (strcmp(key, "per-file-ignores") == 0) {
    if (!ll_toml_is_inline_table(p->value)) return bad(err, errlen, path, p->row, key, "must be a table of pattern = [codes]");
    const char **pats;
    const TSNode *vals;
    uint32_t n = ll_toml_table_items(t, p->value, &pats, &vals);
    for (uint32_t i = 0; i < n; i++) {
      if (per_file_entry(cfg, t, pats[i], vals[i], p->row, path, err, errlen)) return -1;
    }
    return 0;
  }
  if (strncmp(key, "per-file-ignores.", 17) == 0) return per_file_entry(cfg, t, key + 17, p->value, p->row, path, err, errlen);
  char why[128];
  snprintf(why, sizeof why, "is not a looplint setting");
  return bad(err, errlen, path, p->row, key, why);
}

int ll_config_load(ll_config *cfg, const char *path, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  cfg->homeassistant = -1;
  cfg->lint_tests = LL_LINT_TESTS_UNSET;
  ll_toml t;
  if (ll_toml_open(&t, path, err, errlen)) { ll_toml_close(&t); return -1; }
  const char *base = strrchr(path, '/');
  int pyproject = strcmp(base ? base + 1 : path, "pyproject.toml") == 0;
  const char *prefix = pyproject ? "tool.looplint." : "";
  size_t pl = strlen(prefix);
  int found = !pyproject, rc = 0;
  for (size_t i = 0; i < t.pairs.len && !rc; i++) {
    const ll_toml_pair *p = &t.pairs.items[i];
    if (strncmp(p->key, prefix, pl) != 0) continue;
    found = 1;
    rc = apply_key(cfg, &t, p, p->key + pl, path, err, errlen);
  }
  /* an empty [tool.looplint] table still marks the project root */
  if (pyproject && !found) {
    uint32_t n;
    const TSNode *top = ll_toml_named_children(&t, ts_tree_root_node(t.tree), &n);
    for (uint32_t i = 0; i < n; i++) {
      uint32_t s = ts_node_start_byte(top[i]);
      if (strcmp(ts_node_type(top[i]), "table") == 0 && strncmp(t.src.text + s, "[tool.looplint]", 15) == 0) found = 1;
    }
  }
  ll_toml_close(&t);
  if (rc) { ll_config_free(cfg); return -1; }
  if (!found) { ll_config_free(cfg); return 0; }
  cfg->path = ll_xstrdup(path);
  char *real = realpath(path, NULL);
  char *slash = real ? strrchr(real, '/') : NULL;
  if (slash) *slash = 0;
  cfg->dir = real ? real : ll_xstrdup(".");
  return 1;
}

void ll_config_finder_init(ll_config_finder *f) {
  memset(f, 0, sizeof *f);
  f->defaults.homeassistant = -1;
  f->defaults.lint_tests = LL_LINT_TESTS_UNSET;
}

void ll_config_finder_free(ll_config_finder *f) {
  for (size_t i = 0; i < f->by_written_dir.cap; i++)
    if (f->by_written_dir.slots && f->by_written_dir.slots[i].key) free((char *)f->by_written_dir.slots[i].key);
  ll_strmap_free(&f->by_written_dir);
  for (size_t i = 0; i < f->by_dir.cap; i++)
    if (f->by_dir.slots && f->by_dir.slots[i].key) free((char *)f->by_dir.slots[i].key);
  ll_strmap_free(&f->by_dir);
  for (size_t i = 0; i < f->owned.len; i++) { ll_config_free(f->owned.items[i]); free(f->owned.items[i]); }
  ll_vec_free(&f->owned);
}

static int exists(const char *dir, const char *name, ll_strbuf *out) {
  ll_strbuf_clear(out);
  ll_strbuf_addf(out, "%s/%s", dir, name);
  return ll_fs_file_exists(dir, name);
}

static int ll_config_for_uncached(ll_config_finder *f, const char *path, const ll_config **out, char *err, size_t errlen);

/* The config for an absolute folder, searching upward; cached per folder. */
static int config_for_dir(ll_config_finder *f, const char *dir, const ll_config **out, char *err, size_t errlen) {
  const ll_config *hit = ll_strmap_get(&f->by_dir, dir);
  if (hit) { *out = hit; return 0; }
  ll_strbuf p;
  ll_strbuf_init(&p);
  const ll_config *found = NULL;
  int rc = 0;
  static const char *const NAMES[] = {"looplint.toml", "pyproject.toml"};
  for (int k = 0; k < 2 && !found && !rc; k++) {
    if (!exists(dir, NAMES[k], &p)) continue;
    ll_config *c = ll_xcalloc(1, sizeof *c);
    int r = ll_config_load(c, p.data, err, errlen);
    if (r < 0) { free(c); rc = -1; break; }
    if (r == 0) { free(c); continue; }
    ll_vec_push(&f->owned, c);
    found = c;
  }
  ll_strbuf_free(&p);
  if (rc) return -1;
  if (!found) {
    char *parent = ll_xstrdup(dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) { *slash = 0; rc = config_for_dir(f, parent, &found, err, errlen); }
    else found = &f->defaults;
    free(parent);
    if (rc) return -1;
  }
  ll_strmap_put(&f->by_dir, ll_xstrdup(dir), (void *)found);
  *out = found;
  return 0;
}

int ll_config_for(ll_config_finder *f, const char *path, const ll_config **out, char *err, size_t errlen) {
  /* files of one folder share a configuration: look the folder up once */
  const char *slash0 = strrchr(path, '/');
  size_t dl = slash0 ? (size_t)(slash0 - path) : 0;
  const ll_config *known = ll_strmap_getn(&f->by_written_dir, path, dl);
  if (known) { *out = known; return 0; }
  int rc0 = ll_config_for_uncached(f, path, out, err, errlen);
  if (rc0 == 0) ll_strmap_put(&f->by_written_dir, ll_xstrndup(path, dl), (void *)*out);
  return rc0;
}

static int ll_config_for_uncached(ll_config_finder *f, const char *path, const ll_config **out, char *err, size_t errlen) {
  char *real = realpath(path, NULL);
  char *dir = real ? real : NULL;
  if (!dir) {
    /* stdin names and unsaved files, maybe in folders that do not exist yet: the nearest
     * existing folder above */
    char *copy = ll_xstrdup(path);
    for (;;) {
      char *slash = strrchr(copy, '/');
      if (!slash) { dir = realpath(".", NULL); break; }
      *slash = 0;
      if (!*copy) { dir = ll_xstrdup("/"); break; }
      if ((dir = realpath(copy, NULL)) != NULL) break;
    }
    free(copy);
    if (!dir) { *out = &f->defaults; return 0; }
  } else {
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
      char *slash = strrchr(dir, '/');
      if (slash && slash != dir) *slash = 0;
    }
  }
  int rc = config_for_dir(f, dir, out, err, errlen);
  free(dir);
  return rc;
}

char *ll_config_relpath(const ll_config *cfg, const char *path) {
  char *real = realpath(path, NULL);
  if (!real || !cfg->dir) return real ? real : ll_xstrdup(path);
  size_t n = strlen(cfg->dir);
  if (strncmp(real, cfg->dir, n) == 0 && real[n] == '/') {
    char *rel = ll_xstrdup(real + n + 1);
    free(real);
    return rel;
  }
  return real;
}

int ll_glob_match_path(const char *pattern, const char *rel) {
  if (fnmatch(pattern, rel, 0) == 0) return 1;
  /* a pattern without a slash matches any path component, like .gitignore */
  const char *p = rel;
  while ((p = strchr(p, '/')) != NULL) {
    p++;
    if (fnmatch(pattern, p, 0) == 0) return 1;
  }
  /* a folder pattern matches everything under it */
  char *copy = ll_xstrdup(rel);
  for (char *s = strrchr(copy, '/'); s; s = strrchr(copy, '/')) {
    *s = 0;
    if (fnmatch(pattern, copy, 0) == 0) { free(copy); return 1; }
    const char *last = strrchr(copy, '/');
    if (fnmatch(pattern, last ? last + 1 : copy, 0) == 0) { free(copy); return 1; }
  }
  free(copy);
  return 0;
}

int ll_config_excludes(const ll_config *cfg, const char *path) {
  if (!cfg->exclude.len) return 0;
  char *rel = ll_config_relpath(cfg, path);
  int hit = 0;
  for (size_t i = 0; i < cfg->exclude.len && !hit; i++) hit = ll_glob_match_path(cfg->exclude.items[i], rel);
  free(rel);
  return hit;
}

static const char *const DEFAULT_TEST_PATHS[] = {"tests", "test_*.py", "*_test.py", "conftest.py", NULL};

int ll_config_is_test_path(const ll_config *cfg, const char *path) {
  if (cfg->has_test_paths && !cfg->test_paths.len) return 0;
  /* relative to the configuration's folder; without one, the path as written (relative to the
   * current folder when it lies below it), so folders above the project do not count */
  char *rel = NULL;
  if (cfg->dir) rel = ll_config_relpath(cfg, path);
  else {
    char *cwd = getcwd(NULL, 0);
    size_t n = cwd ? strlen(cwd) : 0;
    const char *p = path;
    if (cwd && path[0] == '/' && strncmp(path, cwd, n) == 0 && path[n] == '/') p = path + n + 1;
    while (p[0] == '.' && p[1] == '/') p += 2;
    rel = ll_xstrdup(p);
    free(cwd);
  }
  int hit = 0;
  if (cfg->has_test_paths)
    for (size_t i = 0; i < cfg->test_paths.len && !hit; i++) hit = ll_glob_match_path(cfg->test_paths.items[i], rel);
  else
    for (const char *const *d = DEFAULT_TEST_PATHS; *d && !hit; d++) hit = ll_glob_match_path(*d, rel);
  free(rel);
  return hit;
}

int ll_config_test_profile_holds(const char *code) {
  return strncmp(code, "LOOP1", 5) == 0 || strncmp(code, "LOOP4", 5) == 0;
}

int ll_config_ignores_for_file(const ll_config *cfg, const char *path, const char *code) {
  if (!cfg->per_file_ignores.len) return 0;
  char *rel = ll_config_relpath(cfg, path);
  int hit = 0;
  for (size_t i = 0; i < cfg->per_file_ignores.len && !hit; i++) {
    const ll_per_file_ignore *pfi = &cfg->per_file_ignores.items[i];
    if (!ll_glob_match_path(pfi->pattern, rel)) continue;
    for (size_t c = 0; c < pfi->codes.len && !hit; c++)
      hit = strcmp(pfi->codes.items[c], "ALL") == 0 || strncmp(code, pfi->codes.items[c], strlen(pfi->codes.items[c])) == 0;
  }
  free(rel);
  return hit;
}

int ll_config_extend_db(const ll_config *cfg, ll_ruledb *db, char *err, size_t errlen) {
  if (!cfg->extra_blocking.len && !cfg->extra_coroutines.len) return 0;
  /* through the JSON loader, so the same validation applies */
  ll_strbuf j;
  ll_strbuf_init(&j);
  ll_strbuf_add(&j, "{\"blocking\": [");
  for (size_t i = 0; i < cfg->extra_blocking.len; i++) {
    const ll_extra_blocking *e = &cfg->extra_blocking.items[i];
    ll_strbuf_add(&j, i ? ", {\"name\": \"" : "{\"name\": \"");
    ll_strbuf_add_json_escaped(&j, e->name);
    ll_strbuf_add(&j, "\", \"category\": \"");
    ll_strbuf_add_json_escaped(&j, e->category);
    ll_strbuf_add(&j, "\"");
    if (e->message) { ll_strbuf_add(&j, ", \"message\": \""); ll_strbuf_add_json_escaped(&j, e->message); ll_strbuf_add(&j, "\""); }
    if (e->fix) { ll_strbuf_add(&j, ", \"fix\": \""); ll_strbuf_add_json_escaped(&j, e->fix); ll_strbuf_add(&j, "\""); }
    ll_strbuf_add(&j, "}");
  }
  ll_strbuf_add(&j, "], \"calls\": {\"coroutine\": [");
  for (size_t i = 0; i < cfg->extra_coroutines.len; i++) {
    ll_strbuf_add(&j, i ? ", \"" : "\"");
    ll_strbuf_add_json_escaped(&j, cfg->extra_coroutines.items[i]);
    ll_strbuf_add(&j, "\"");
  }
  ll_strbuf_add(&j, "]}}");
  char inner[512];
  int rc = ll_ruledb_load_text(db, cfg->path, j.data, inner, sizeof inner);
  if (rc)
    snprintf(err, errlen, "%s:%u: `extra-blocking` %s", cfg->path, cfg->extra_blocking_row,
             strstr(inner, ": ") ? strstr(inner, ": ") + 2 : inner);
  ll_strbuf_free(&j);
  return rc;
}
