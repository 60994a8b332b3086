/* fs.c: recursive file collection with loop-safe symlink handling, and data-dir lookup. */
#include "fs.h"
#include "strbuf.h"
#include "strmap.h"

#include <dirent.h>
#include <fnmatch.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const SKIP_DIRS[] = {".git", ".hg", ".svn", ".bzr", "__pycache__", ".venv", "venv", ".tox",
                                        ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".looplint_cache",
                                        "node_modules", "build", "dist", "site-packages", "__pypackages__",
                                        ".eggs", ".direnv", "buck-out", "_build", NULL};

int ll_fs_skip_dir(const char *name) {
  for (const char *const *s = SKIP_DIRS; *s; s++)
    if (strcmp(*s, name) == 0) return 1;
  return 0;
}

static int is_python(const char *name) {
  size_t n = strlen(name);
  return (n > 3 && strcmp(name + n - 3, ".py") == 0) || (n > 4 && strcmp(name + n - 4, ".pyi") == 0);
}

/* --- .gitignore / .ignore --- */

typedef struct ignore_rule {
  char *pattern;  /* without the leading '!' / '/' and the trailing '/' */
  int negate, dir_only, anchored;
} ignore_rule;

typedef struct ignore_set {
  char *base; /* absolute folder the patterns are relative to */
  LL_VEC(ignore_rule) rules;
} ignore_set;

typedef LL_VEC(ignore_set) ignore_stack;

/* Reads the .gitignore and .ignore files of folder abs into a new set (0 when there is none). */
static int push_ignores(ignore_stack *st, const char *abs, int present_mask) {
  static const char *const NAMES[] = {".gitignore", ".ignore"};
  ignore_set set = {ll_xstrdup(abs), {0}};
  for (int k = 0; k < 2; k++) {
    if (!(present_mask & (1 << k))) continue; /* the listing says it is not there */
    ll_strbuf p;
    ll_strbuf_init(&p);
    ll_strbuf_addf(&p, "%s/%s", abs, NAMES[k]);
    FILE *f = fopen(p.data, "r");
    ll_strbuf_free(&p);
    if (!f) continue;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
      size_t n = strcspn(line, "\r\n");
      line[n] = 0;
      while (n && (line[n - 1] == ' ' || line[n - 1] == '\t') && (n < 2 || line[n - 2] != '\\')) line[--n] = 0;
      char *l = line;
      if (!*l || *l == '#') continue;
      ignore_rule r = {0};
      if (*l == '!') { r.negate = 1; l++; }
      else if (*l == '\\') l++;
      n = strlen(l);
      if (n && l[n - 1] == '/') { r.dir_only = 1; l[--n] = 0; }
      if (*l == '/') { r.anchored = 1; l++; }
      else if (strchr(l, '/')) r.anchored = 1;
      if (!*l) continue;
      r.pattern = ll_xstrdup(l);
      ll_vec_push(&set.rules, r);
    }
    fclose(f);
  }
  if (!set.rules.len) { free(set.base); return 0; }
  ll_vec_push(st, set);
  return 1;
}

static void pop_ignores(ignore_stack *st) {
  ignore_set *s = &ll_vec_last(st);
  for (size_t i = 0; i < s->rules.len; i++) free(s->rules.items[i].pattern);
  ll_vec_free(&s->rules);
  free(s->base);
  st->len--;
}

/* Whether abs (a file or folder, is_dir) is ignored: the last matching rule of the innermost
 * set that matches decides, as in git. */
static int ignored(const ignore_stack *st, const char *abs, int is_dir) {
  int result = 0;
  for (size_t i = 0; i < st->len; i++) {
    const ignore_set *s = &st->items[i];
    size_t bl = strlen(s->base);
    if (strncmp(abs, s->base, bl) != 0 || abs[bl] != '/') continue;
    const char *rel = abs + bl + 1;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    for (size_t k = 0; k < s->rules.len; k++) {
      const ignore_rule *r = &s->rules.items[k];
      if (r->dir_only && !is_dir) continue;
      int hit;
      if (strstr(r->pattern, "**")) {
        /* `**` crosses folders: let `*` match `/` too, and try every tail of the path */
        hit = fnmatch(r->pattern, rel, 0) == 0;
        if (!hit && strncmp(r->pattern, "**/", 3) == 0)
          for (const char *t = strchr(rel, '/'); t && !hit; t = strchr(t + 1, '/')) hit = fnmatch(r->pattern + 3, t + 1, 0) == 0;
        if (!hit && strncmp(r->pattern, "**/", 3) == 0) hit = fnmatch(r->pattern + 3, rel, 0) == 0;
      } else if (r->anchored) hit = fnmatch(r->pattern, rel, FNM_PATHNAME) == 0;
      else hit = fnmatch(r->pattern, base, 0) == 0;
      if (hit) result = !r->negate;
    }
  }
  return result;
}

typedef struct dir_id {
  dev_t dev;
  ino_t ino;
} dir_id;
typedef LL_VEC(dir_id) dir_ids;

static void add_error(ll_fs_errors *errors, const char *path, const char *reason) {
  ll_fs_error e = {ll_xstrdup(path), ll_xstrdup(reason)};
  ll_vec_push(errors, e);
}

static void walk_dir(const char *dir, ll_pathlist *out, ll_fs_errors *errors, dir_ids *seen, int depth,
                     ignore_stack *ign, const char *abs) {
  struct stat st;
  if (stat(dir, &st) != 0) { add_error(errors, dir, strerror(errno)); return; }
  for (size_t i = 0; i < seen->len; i++)
    if (seen->items[i].dev == st.st_dev && seen->items[i].ino == st.st_ino) return; /* symlink loop or repeat */
  dir_id id = {st.st_dev, st.st_ino};
  ll_vec_push(seen, id);
  if (depth > 256) { add_error(errors, dir, "folder nesting deeper than 256 levels"); return; }
  DIR *d = opendir(dir);
  if (!d) { add_error(errors, dir, strerror(errno)); return; }
  LL_VEC(char *) names = {0};
  LL_VEC(unsigned char) types = {0}; /* d_type: saves a stat per regular file and folder */
  struct dirent *de;
  int ignore_files = 0;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (strcmp(de->d_name, ".gitignore") == 0) ignore_files |= 1;
    if (strcmp(de->d_name, ".ignore") == 0) ignore_files |= 2;
    ll_vec_push(&names, ll_xstrdup(de->d_name));
    ll_vec_push(&types, de->d_type);
  }
  closedir(d);
  int pushed = ignore_files ? push_ignores(ign, abs, ignore_files) : 0;
  for (size_t i = 0; i < names.len; i++) {
    ll_strbuf p;
    ll_strbuf_init(&p);
    size_t dl = strlen(dir);
    ll_strbuf_add(&p, dir);
    if (dl && dir[dl - 1] != '/') ll_strbuf_addc(&p, '/');
    ll_strbuf_add(&p, names.items[i]);
    ll_strbuf child_abs;
    ll_strbuf_init(&child_abs);
    ll_strbuf_addf(&child_abs, "%s/%s", strcmp(abs, "/") == 0 ? "" : abs, names.items[i]);
    struct stat cs;
    unsigned char dt = types.items[i];
    if (dt == DT_REG) cs.st_mode = S_IFREG;
    else if (dt == DT_DIR) cs.st_mode = S_IFDIR;
    if (dt == DT_REG && !is_python(names.items[i])) { /* not ours: no need to look closer */
      ll_strbuf_free(&child_abs);
      ll_strbuf_free(&p);
      free(names.items[i]);
      continue;
    }
    if (dt != DT_REG && dt != DT_DIR && stat(p.data, &cs) != 0) {
      /* a dangling symlink is not an error unless it looks like a Python file */
      if (is_python(names.items[i])) add_error(errors, p.data, strerror(errno));
    } else if (S_ISDIR(cs.st_mode)) {
      if (!ll_fs_skip_dir(names.items[i]) && !ignored(ign, child_abs.data, 1))
        walk_dir(p.data, out, errors, seen, depth + 1, ign, child_abs.data);
    } else if (is_python(names.items[i]) && !ignored(ign, child_abs.data, 0)) {
      ll_vec_push(out, ll_strbuf_detach(&p));
    }
    ll_strbuf_free(&child_abs);
    ll_strbuf_free(&p);
    free(names.items[i]);
  }
  ll_vec_free(&names);
  ll_vec_free(&types);
  if (pushed) pop_ignores(ign);
}

/* Ignore files of the folders above a walk's root, up to the repository (the folder holding
 * .git), apply to it as git applies them. */
static void push_ancestor_ignores(ignore_stack *ign, const char *root_abs) {
  LL_VEC(char *) chain = {0};
  char *d = ll_xstrdup(root_abs);
  for (;;) {
    char *slash = strrchr(d, '/');
    if (!slash || slash == d) break;
    *slash = 0;
    ll_vec_push(&chain, ll_xstrdup(d));
    if (ll_fs_path_exists(d, ".git")) break; /* a folder (or a worktree's file) */
    if (chain.len > 64) break;
  }
  /* a folder outside any repository: no ancestors apply */
  ll_strbuf g;
  ll_strbuf_init(&g);
  if (chain.len) ll_strbuf_addf(&g, "%s/.git", chain.items[chain.len - 1]);
  struct stat st;
  int in_repo = chain.len && stat(g.data, &st) == 0;
  ll_strbuf_free(&g);
  for (size_t i = chain.len; in_repo && i-- > 0;) push_ignores(ign, chain.items[i], 3);
  for (size_t i = 0; i < chain.len; i++) free(chain.items[i]);
  ll_vec_free(&chain);
  free(d);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void ll_fs_collect(char **paths, size_t npaths, ll_pathlist *out, ll_fs_errors *errors) {
  dir_ids seen = {0};
  for (size_t i = 0; i < npaths; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) { add_error(errors, paths[i], strerror(errno)); continue; }
    if (S_ISDIR(st.st_mode)) {
      char *abs = realpath(paths[i], NULL);
      ignore_stack ign = {0};
      push_ancestor_ignores(&ign, abs ? abs : paths[i]);
      walk_dir(paths[i], out, errors, &seen, 0, &ign, abs ? abs : paths[i]);
      while (ign.len) pop_ignores(&ign);
      ll_vec_free(&ign);
      free(abs);
    }
    else ll_vec_push(out, ll_xstrdup(paths[i])); /* explicit files are linted whatever their name */
  }
  ll_vec_free(&seen);
  if (out->len > 1) qsort(out->items, out->len, sizeof(char *), cmp_str);
  size_t w = 0;
  for (size_t r = 0; r < out->len; r++) {
    if (w && strcmp(out->items[w - 1], out->items[r]) == 0) { free(out->items[r]); continue; }
    out->items[w++] = out->items[r];
  }
  out->len = w;
}

void ll_pathlist_free(ll_pathlist *l) {
  for (size_t i = 0; i < l->len; i++) free(l->items[i]);
  ll_vec_free(l);
}

void ll_fs_errors_free(ll_fs_errors *e) {
  for (size_t i = 0; i < e->len; i++) { free(e->items[i].path); free(e->items[i].reason); }
  ll_vec_free(e);
}

static int stat_in(const char *dir, const char *name, struct stat *st) {
  ll_strbuf p;
  ll_strbuf_init(&p);
  ll_strbuf_addf(&p, "%s/%s", dir, name);
  int ok = stat(p.data, st) == 0;
  ll_strbuf_free(&p);
  return ok;
}

int ll_fs_file_exists(const char *dir, const char *name) {
  struct stat st;
  return stat_in(dir, name, &st) && S_ISREG(st.st_mode);
}

int ll_fs_path_exists(const char *dir, const char *name) {
  struct stat st;
  return stat_in(dir, name, &st);
}

static int has_rules(const char *dir) { return ll_fs_file_exists(dir, "rules/blocking.json"); }

char *ll_data_dir(const char *argv0) {
  const char *env = getenv("LOOPLINT_DATA");
  if (env && *env) return ll_xstrdup(env);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0 && argv0) { snprintf(exe, sizeof exe, "%s", argv0); n = (ssize_t)strlen(exe); }
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      ll_strbuf p;
      ll_strbuf_init(&p);
      ll_strbuf_addf(&p, "%s/../share/looplint", exe);
      if (has_rules(p.data)) return ll_strbuf_detach(&p);
      ll_strbuf_free(&p);
    }
  }
#ifdef LOOPLINT_INSTALL_DATA_DIR
  if (has_rules(LOOPLINT_INSTALL_DATA_DIR)) return ll_xstrdup(LOOPLINT_INSTALL_DATA_DIR);
#endif
#ifdef LOOPLINT_SOURCE_DIR
  if (has_rules(LOOPLINT_SOURCE_DIR)) return ll_xstrdup(LOOPLINT_SOURCE_DIR);
#endif
  return NULL;
}

static int has_init_py(const char *dir) { return ll_fs_file_exists(dir, "__init__.py"); }

/* The real path of the folder part of path plus its file name, with folders cached. */
static char *real_file(ll_strmap *dirs, const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path) : 0;
  char *dir = slash ? ll_xstrndup(path, dl) : ll_xstrdup(".");
  const char *real = ll_strmap_get(dirs, dir);
  if (!real) {
    char *r = realpath(dir, NULL);
    real = r ? r : ll_xstrdup(dir);
    ll_strmap_put(dirs, ll_xstrdup(dir), (void *)real);
  }
  free(dir);
  ll_strbuf p;
  ll_strbuf_init(&p);
  ll_strbuf_addf(&p, "%s/%s", real, slash ? slash + 1 : path);
  return ll_strbuf_detach(&p);
}

static void free_dirs(ll_strmap *dirs) {
  for (size_t i = 0; i < dirs->cap; i++)
    if (dirs->slots && dirs->slots[i].key) { free((char *)dirs->slots[i].key); free(dirs->slots[i].value); }
  ll_strmap_free(dirs);
}

void ll_fs_package_context(const ll_pathlist *files, ll_pathlist *out) {
  ll_fs_package_context_walked(files, NULL, 0, out);
}

/* Whether root lies inside one of the folders the user gave (already walked whole). */
static int inside_walked(const char *root, char **walked_real, size_t nwalked) {
  for (size_t i = 0; i < nwalked; i++) {
    size_t n = strlen(walked_real[i]);
    if (strncmp(root, walked_real[i], n) == 0 && (root[n] == '/' || root[n] == 0 || (n == 1 && walked_real[i][0] == '/')))
      return 1;
  }
  return 0;
}

void ll_fs_package_context_walked(const ll_pathlist *files, char **walked, size_t nwalked, ll_pathlist *out) {
  LL_VEC(char *) walked_real = {0};
  for (size_t i = 0; i < nwalked; i++) {
    struct stat st;
    if (stat(walked[i], &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    char *r = realpath(walked[i], NULL);
    if (r) ll_vec_push(&walked_real, r);
  }
  ll_pathlist roots = {0};
  ll_strmap seen_dirs; /* folders already climbed */
  ll_strmap_init(&seen_dirs);
  for (size_t i = 0; i < files->len; i++) {
    char *dir = ll_xstrdup(files->items[i]);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else { free(dir); dir = ll_xstrdup("."); }
    if (ll_strmap_get(&seen_dirs, dir)) { free(dir); continue; }
    ll_strmap_put(&seen_dirs, ll_xstrdup(dir), (void *)1);
    if (!has_init_py(dir)) { free(dir); continue; }
    for (;;) {
      ll_strbuf parent;
      ll_strbuf_init(&parent);
      ll_strbuf_addf(&parent, "%s/..", dir);
      char *real = realpath(parent.data, NULL);
      ll_strbuf_free(&parent);
      if (!real || !has_init_py(real) || strcmp(real, "/") == 0) { free(real); break; }
      free(dir);
      dir = real;
    }
    char *rdir = realpath(dir, NULL);
    if (rdir) { free(dir); dir = rdir; }
    /* a package inside a folder the user gave was walked already: nothing to add */
    if (inside_walked(dir, walked_real.items, walked_real.len)) { free(dir); continue; }
    int seen = 0;
    for (size_t r = 0; r < roots.len; r++)
      if (strcmp(roots.items[r], dir) == 0) seen = 1;
    if (seen) free(dir);
    else ll_vec_push(&roots, dir);
  }
  for (size_t i = 0; i < seen_dirs.cap; i++)
    if (seen_dirs.slots && seen_dirs.slots[i].key) free((char *)seen_dirs.slots[i].key);
  ll_strmap_free(&seen_dirs);
  for (size_t i = 0; i < walked_real.len; i++) free(walked_real.items[i]);
  ll_vec_free(&walked_real);
  if (!roots.len) { ll_vec_free(&roots); return; }
  ll_pathlist found = {0};
  ll_fs_errors errors = {0};
  ll_fs_collect(roots.items, roots.len, &found, &errors);
  ll_fs_errors_free(&errors);
  /* drop the files already given, compared by real path (folders resolved once each) */
  ll_strmap dirs, given;
  ll_strmap_init(&dirs);
  ll_strmap_init(&given);
  LL_VEC(char *) owned = {0};
  for (size_t i = 0; i < files->len; i++) {
    char *r = real_file(&dirs, files->items[i]);
    ll_vec_push(&owned, r);
    ll_strmap_put(&given, r, (void *)1);
  }
  for (size_t i = 0; i < found.len; i++) {
    char *r = real_file(&dirs, found.items[i]);
    int dup = ll_strmap_get(&given, r) != NULL;
    free(r);
    if (dup) free(found.items[i]);
    else ll_vec_push(out, found.items[i]);
  }
  found.len = 0;
  ll_pathlist_free(&found);
  for (size_t i = 0; i < owned.len; i++) free(owned.items[i]);
  ll_vec_free(&owned);
  ll_strmap_free(&given);
  free_dirs(&dirs);
  ll_pathlist_free(&roots);
}
