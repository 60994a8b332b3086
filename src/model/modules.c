/* modules.c: module naming with a folder cache. The rule is the one the engine documents
 * (ll_module_name_for_path): the file's stem, prefixed by each parent folder holding an
 * __init__.py, up to the first that does not. */
#include "modules.h"
#include "../util/fs.h"
#include "../util/strbuf.h"
#include "../util/vec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int has_init(ll_modules *m, const char *dir) {
  intptr_t v = (intptr_t)ll_strmap_get(&m->dir_init, dir);
  if (v) return v == 1;
  int ok = ll_fs_file_exists(dir, "__init__.py") || ll_fs_file_exists(dir, "__init__.pyi");
  ll_strmap_put(&m->dir_init, ll_arena_strdup(&m->arena, dir), (void *)(intptr_t)(ok ? 1 : 2));
  return ok;
}

/* The real path of a folder as written: its parent's real path plus its name when it is not
 * a symbolic link (one lstat), else realpath. Cached per folder. */
static const char *real_dir(ll_modules *m, ll_strmap *cache, const char *dir) {
  const char *hit = ll_strmap_get(cache, dir);
  if (hit) return hit;
  const char *result = NULL;
  const char *slash = strrchr(dir, '/');
  struct stat st;
  if (slash && slash != dir && strcmp(slash + 1, "..") != 0 && strcmp(slash + 1, ".") != 0 && slash[1] &&
      lstat(dir, &st) == 0 && !S_ISLNK(st.st_mode)) {
    char *parent = ll_xstrndup(dir, (size_t)(slash - dir));
    const char *rp = real_dir(m, cache, parent);
    free(parent);
    if (rp) result = strcmp(rp, "/") == 0 ? ll_arena_join(&m->arena, "", slash) : ll_arena_join(&m->arena, rp, slash + 1);
    if (result && strcmp(rp, "/") != 0) ((char *)result)[strlen(rp)] = '/';
  }
  if (!result) {
    char *r = realpath(dir, NULL);
    result = ll_arena_strdup(&m->arena, r ? r : dir);
    free(r);
  }
  ll_strmap_put(cache, ll_arena_strdup(&m->arena, dir), (void *)result);
  return result;
}

void ll_modules_compute(ll_modules *m, char *const *paths, size_t n) {
  memset(m, 0, sizeof *m);
  ll_arena_init(&m->arena);
  m->names = ll_arena_alloc(&m->arena, (n ? n : 1) * sizeof *m->names);
  m->is_pkg = ll_arena_alloc(&m->arena, n ? n : 1);
  m->real_paths = ll_arena_alloc(&m->arena, (n ? n : 1) * sizeof *m->real_paths);
  ll_strmap real_dirs; /* folder as written -> absolute folder */
  ll_strmap_init(&real_dirs);
  for (size_t i = 0; i < n; i++) {
    const char *path = paths[i];
    const char *slash = strrchr(path, '/');
    char *dir = slash ? ll_arena_strndup(&m->arena, path, (size_t)(slash - path)) : ll_arena_strdup(&m->arena, ".");
    if (slash == path) dir = ll_arena_strdup(&m->arena, "/");
    const char *abs = real_dir(m, &real_dirs, dir);
    const char *file = slash ? slash + 1 : path;
    m->real_paths[i] = ll_arena_join(&m->arena, abs, file);
    {
      /* ll_arena_join puts a dot between: the real path wants a slash */
      char *rp = (char *)m->real_paths[i];
      rp[strlen(abs)] = '/';
    }
    size_t fl = strlen(file);
    if (fl > 3 && strcmp(file + fl - 3, ".py") == 0) fl -= 3;
    else if (fl > 4 && strcmp(file + fl - 4, ".pyi") == 0) fl -= 4;
    int pkg = fl == 8 && strncmp(file, "__init__", 8) == 0;
    m->is_pkg[i] = (unsigned char)pkg;
    ll_strbuf mod;
    ll_strbuf_init(&mod);
    if (!pkg) ll_strbuf_addn(&mod, file, fl);
    char *d = ll_xstrdup(abs);
    while (d[0] && strcmp(d, "/") != 0 && has_init(m, d)) {
      char *s = strrchr(d, '/');
      const char *name = s ? s + 1 : d;
      ll_strbuf n2;
      ll_strbuf_init(&n2);
      ll_strbuf_add(&n2, name);
      if (mod.len) { ll_strbuf_addc(&n2, '.'); ll_strbuf_add(&n2, mod.data); }
      ll_strbuf_free(&mod);
      mod = n2;
      if (!s || s == d) break;
      *s = 0;
    }
    free(d);
    m->names[i] = ll_arena_strdup(&m->arena, mod.data ? mod.data : "");
    ll_strbuf_free(&mod);
    size_t root = strcspn(m->names[i], ".");
    if (root && !ll_strmap_getn(&m->roots, m->names[i], root))
      ll_strmap_put(&m->roots, ll_arena_strndup(&m->arena, m->names[i], root), (void *)1);
  }
  ll_strmap_free(&real_dirs);
  /* Two scripts of one name in folders that are no packages (`compliance/asyncio/client.py`,
   * `compliance/sync/client.py`) are different modules: each imports its own folder's
   * siblings when run. Neither is the module `client` of the project, so each gets a name no
   * import can spell (`client#1`), keeping its own definitions apart from the other's. */
  ll_strmap seen; /* top-level module name -> count + 1 of its scripts */
  ll_strmap_init(&seen);
  for (size_t i = 0; i < n; i++) {
    if (m->is_pkg[i] || !m->names[i][0] || strchr(m->names[i], '.')) continue;
    intptr_t c = (intptr_t)ll_strmap_get(&seen, m->names[i]);
    ll_strmap_put(&seen, m->names[i], (void *)(c ? c + 1 : 2));
  }
  ll_strmap kth; /* name -> the last number given */
  ll_strmap_init(&kth);
  for (size_t i = 0; i < n && seen.len; i++) {
    if (m->is_pkg[i] || !m->names[i][0] || strchr(m->names[i], '.')) continue;
    if ((intptr_t)ll_strmap_get(&seen, m->names[i]) <= 2) continue;
    intptr_t k = (intptr_t)ll_strmap_get(&kth, m->names[i]) + 1;
    ll_strmap_put(&kth, m->names[i], (void *)k);
    ll_strbuf b;
    ll_strbuf_init(&b);
    ll_strbuf_addf(&b, "%s#%ld", m->names[i], (long)k);
    m->names[i] = ll_arena_strdup(&m->arena, b.data);
    ll_strbuf_free(&b);
  }
  ll_strmap_free(&kth);
  ll_strmap_free(&seen);
}

void ll_modules_free(ll_modules *m) {
  ll_strmap_free(&m->roots);
  ll_strmap_free(&m->dir_init);
  ll_arena_free(&m->arena);
}

const char *ll_module_relative(ll_arena *a, const char *package, size_t dots, const char *rest) {
  /* one dot is the package itself; each further dot goes one level up */
  char *base = ll_arena_strdup(a, package);
  for (size_t d = 1; d < dots; d++) {
    char *dot = strrchr(base, '.');
    if (dot) *dot = 0;
    else base[0] = 0;
  }
  return ll_arena_join(a, base, rest);
}
