/* native_model.c: building the native facts model, linking calls, and naming what Python
 * sees. Naming, in order of trust:
 *   - a table named by an owner gets the owner's prefix: PyModuleDef m_name, or a type's
 *     tp_name / PyType_Spec name ("mod.Type"; a name without a dot is put in the module);
 *   - a PyMethodDef[] no owner names (added with PyModule_AddFunctions, or whose PyModuleDef
 *     lives elsewhere) holds module functions;
 *   - the module of a file is its PyModuleDef m_name, else the NAME of PyInit_NAME, else the
 *     only module found in all files, else the file's stem;
 *   - a module name without a dot ("_mod") takes the package of a type named "pkg._mod.T". */
#include "native_model.h"

#include <string.h>

void ll_native_model_init(ll_native_model *m) {
  memset(m, 0, sizeof *m);
  ll_arena_init(&m->arena);
  ll_strmap_init(&m->interned);
  ll_strmap_init(&m->func_by_usr);
  ll_strmap_init(&m->table_by_usr);
}

void ll_native_model_free(ll_native_model *m) {
  for (size_t i = 0; i < m->funcs.len; i++) ll_vec_free(&m->funcs.items[i].calls);
  for (size_t i = 0; i < m->tables.len; i++) {
    ll_vec_free(&m->tables.items[i].entries);
    ll_vec_free(&m->tables.items[i].refs);
  }
  for (size_t i = 0; i < m->owners.len; i++) {
    ll_vec_free(&m->owners.items[i].refs);
    ll_vec_free(&m->owners.items[i].entries);
  }
  ll_vec_free(&m->units);
  ll_vec_free(&m->funcs);
  ll_vec_free(&m->tables);
  ll_vec_free(&m->owners);
  ll_vec_free(&m->exports);
  ll_vec_free(&m->types);
  ll_strmap_free(&m->interned);
  ll_strmap_free(&m->func_by_usr);
  ll_strmap_free(&m->table_by_usr);
  ll_arena_free(&m->arena);
}

const char *ll_native_intern(ll_native_model *m, const char *s) {
  const char *have = ll_strmap_get(&m->interned, s);
  if (have) return have;
  char *copy = ll_arena_strdup(&m->arena, s);
  ll_strmap_put(&m->interned, copy, copy);
  return copy;
}

size_t ll_native_add_unit(ll_native_model *m, const char *file) {
  ll_native_unit u = {.file = ll_native_intern(m, file)};
  ll_vec_push(&m->units, u);
  return m->units.len - 1;
}

size_t ll_native_add_func(ll_native_model *m, const char *usr, const char *name) {
  if (ll_strmap_get(&m->func_by_usr, usr)) return LL_NATIVE_NONE;
  ll_native_func f = {.usr = ll_native_intern(m, usr), .name = ll_native_intern(m, name)};
  ll_vec_push(&m->funcs, f);
  ll_strmap_put(&m->func_by_usr, f.usr, (void *)m->funcs.len);
  return m->funcs.len - 1;
}

void ll_native_add_call(ll_native_model *m, size_t func, const ll_native_call *call) {
  ll_native_call c = *call;
  c.callee_usr = ll_native_intern(m, call->callee_usr);
  c.callee_name = ll_native_intern(m, call->callee_name);
  c.site.file = ll_native_intern(m, call->site.file);
  c.callee = LL_NATIVE_NONE;
  c.blocking = NULL;
  ll_vec_push(&m->funcs.items[func].calls, c);
}

size_t ll_native_add_table(ll_native_model *m, const char *usr, ll_native_table_kind kind, size_t unit) {
  if (ll_strmap_get(&m->table_by_usr, usr)) return LL_NATIVE_NONE;
  ll_native_table t = {.usr = ll_native_intern(m, usr), .kind = kind, .unit = unit};
  ll_vec_push(&m->tables, t);
  ll_strmap_put(&m->table_by_usr, t.usr, (void *)m->tables.len);
  return m->tables.len - 1;
}

void ll_native_table_add_entry(ll_native_model *m, size_t table, const char *attr, const char *func_usr) {
  ll_native_entry e = {ll_native_intern(m, attr), ll_native_intern(m, func_usr)};
  ll_vec_push(&m->tables.items[table].entries, e);
}

void ll_native_table_add_ref(ll_native_model *m, size_t table, const char *usr) {
  const char *u = ll_native_intern(m, usr);
  ll_vec_push(&m->tables.items[table].refs, u);
}

size_t ll_native_add_owner(ll_native_model *m, const char *py_name, int is_type, size_t unit) {
  ll_native_owner o = {.py_name = ll_native_intern(m, py_name), .is_type = is_type, .unit = unit};
  ll_vec_push(&m->owners, o);
  return m->owners.len - 1;
}

void ll_native_owner_add_ref(ll_native_model *m, size_t owner, const char *usr) {
  const char *u = ll_native_intern(m, usr);
  ll_vec_push(&m->owners.items[owner].refs, u);
}

void ll_native_owner_add_entry(ll_native_model *m, size_t owner, const char *attr, const char *func_usr) {
  ll_native_entry e = {ll_native_intern(m, attr), ll_native_intern(m, func_usr)};
  ll_vec_push(&m->owners.items[owner].entries, e);
}

unsigned ll_native_char_col(const char *buf, size_t size, size_t offset, unsigned byte_col) {
  if (!buf || byte_col < 1 || offset > size || byte_col - 1 > offset) return byte_col;
  unsigned chars = 1;
  for (size_t i = offset - (byte_col - 1); i < offset; i++)
    if (((unsigned char)buf[i] & 0xC0) != 0x80) chars++; /* count all but UTF-8 continuation bytes */
  return chars;
}

int ll_native_noqa_covers(const char *line, size_t len, const char *code) {
  size_t clen = strlen(code);
  for (size_t i = 0; i + 4 <= len; i++) {
    if (strncmp(line + i, "noqa", 4) != 0) continue;
    size_t j = i + 4;
    while (j < len && line[j] == ' ') j++;
    if (j >= len || line[j] != ':') return 1; /* blanket */
    for (j++; j < len;) {
      while (j < len && (line[j] == ' ' || line[j] == ',')) j++;
      size_t start = j;
      while (j < len && ((line[j] >= 'A' && line[j] <= 'Z') || (line[j] >= '0' && line[j] <= '9'))) j++;
      if (j == start) break;
      if (j - start == clen && strncmp(line + start, code, clen) == 0) return 1;
    }
  }
  return 0;
}

void ll_native_model_link(ll_native_model *m, const ll_native_rules *rules) {
  for (size_t f = 0; f < m->funcs.len; f++) {
    ll_native_func *fn = &m->funcs.items[f];
    for (size_t i = 0; i < fn->calls.len; i++) {
      ll_native_call *c = &fn->calls.items[i];
      size_t idx = (size_t)ll_strmap_get(&m->func_by_usr, c->callee_usr);
      c->callee = idx ? idx - 1 : LL_NATIVE_NONE;
      /* a function the sources define is followed, even when it shares a libc name */
      c->blocking = (!idx && !c->returns_at_once) ? ll_native_rules_blocking(rules, c->callee_name) : NULL;
    }
  }
}

/* --- naming ------------------------------------------------------------------------------ */

/* The file name without folders and extension ("src/_speedups.c" -> "_speedups"). */
static const char *file_stem(ll_native_model *m, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *s = ll_arena_strndup(&m->arena, base, n);
  return ll_native_intern(m, s);
}

/* The package path of a short module name, from a type named "pkg._mod.Type" when the
 * module is "_mod": m_name is often the last component only, tp_name the full path. */
static const char *with_package(ll_native_model *m, const char *name) {
  if (strchr(name, '.')) return name;
  size_t n = strlen(name);
  for (size_t o = 0; o < m->owners.len; o++) {
    const char *t = m->owners.items[o].py_name;
    const char *dot = m->owners.items[o].is_type ? strrchr(t, '.') : NULL;
    size_t len = dot ? (size_t)(dot - t) : 0; /* "pkg._mod" */
    if (len > n && t[len - n - 1] == '.' && strncmp(t + len - n, name, n) == 0)
      return ll_native_intern(m, ll_arena_strndup(&m->arena, t, len));
  }
  return name;
}

static const char *module_of(ll_native_model *m, size_t unit) {
  const ll_native_unit *u = &m->units.items[unit];
  if (u->module) return with_package(m, u->module);
  if (u->init_module) return with_package(m, u->init_module);
  const char *only = NULL;
  for (size_t i = 0; i < m->units.len; i++) {
    const ll_native_unit *o = &m->units.items[i];
    const char *name = o->module ? o->module : o->init_module;
    if (!name) continue;
    if (only && strcmp(only, name) != 0) { only = NULL; break; }
    only = name;
  }
  return with_package(m, only ? only : file_stem(m, u->file));
}

static const char *join(ll_native_model *m, const char *prefix, const char *attr) {
  if (!*attr) return prefix;
  return ll_native_intern(m, ll_arena_join(&m->arena, prefix, attr));
}

static void add_export(ll_native_model *m, const char *prefix, const char *type_name, const ll_native_entry *e,
                       int is_attribute) {
  size_t idx = (size_t)ll_strmap_get(&m->func_by_usr, e->func_usr);
  if (!idx) return; /* a library function (PyType_GenericNew): nothing of ours runs */
  ll_native_export x = {join(m, prefix, e->attr), type_name, e->attr, is_attribute, idx - 1};
  ll_vec_push(&m->exports, x);
}

/* Exports the tables `refs` names under prefix; slot arrays are followed one level down. */
static void expose_refs(ll_native_model *m, const char *prefix, const char *type_name, const char *const *refs,
                        size_t nrefs, unsigned char *used, int depth) {
  for (size_t r = 0; r < nrefs; r++) {
    size_t idx = (size_t)ll_strmap_get(&m->table_by_usr, refs[r]);
    if (!idx) continue;
    const ll_native_table *t = &m->tables.items[idx - 1];
    used[idx - 1] = 1;
    for (size_t i = 0; i < t->entries.len; i++)
      add_export(m, prefix, type_name, &t->entries.items[i], t->kind == LL_NATIVE_TABLE_GETSET);
    if (t->kind == LL_NATIVE_TABLE_SLOTS && depth == 0)
      expose_refs(m, prefix, type_name, t->refs.items, t->refs.len, used, depth + 1);
  }
}

static int cmp_export(const void *a, const void *b) {
  const ll_native_export *x = a, *y = b;
  int c = strcmp(x->py_name, y->py_name);
  if (c) return c;
  return x->func < y->func ? -1 : x->func > y->func;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

void ll_native_model_resolve(ll_native_model *m) {
  m->exports.len = 0;
  m->types.len = 0;
  unsigned char *used = ll_xcalloc(m->tables.len ? m->tables.len : 1, 1);
  for (size_t o = 0; o < m->owners.len; o++) {
    const ll_native_owner *ow = &m->owners.items[o];
    const char *prefix = ow->is_type ? ow->py_name : with_package(m, ow->py_name);
    if (ow->is_type && !strchr(prefix, '.')) prefix = join(m, module_of(m, ow->unit), prefix);
    const char *type_name = ow->is_type ? prefix : NULL;
    if (type_name) ll_vec_push(&m->types, type_name);
    expose_refs(m, prefix, type_name, ow->refs.items, ow->refs.len, used, 0);
    for (size_t i = 0; i < ow->entries.len; i++) add_export(m, prefix, type_name, &ow->entries.items[i], 0);
  }
  for (size_t t = 0; t < m->tables.len; t++) {
    const ll_native_table *tb = &m->tables.items[t];
    if (used[t] || tb->kind != LL_NATIVE_TABLE_METHODS) continue;
    const char *module = module_of(m, tb->unit);
    for (size_t i = 0; i < tb->entries.len; i++) add_export(m, module, NULL, &tb->entries.items[i], 0);
  }
  free(used);
  if (m->exports.len > 1) qsort(m->exports.items, m->exports.len, sizeof *m->exports.items, cmp_export);
  size_t w = 0;
  for (size_t r = 0; r < m->exports.len; r++) {
    if (w && m->exports.items[w - 1].func == m->exports.items[r].func &&
        strcmp(m->exports.items[w - 1].py_name, m->exports.items[r].py_name) == 0)
      continue;
    m->exports.items[w++] = m->exports.items[r];
  }
  m->exports.len = w;
  if (m->types.len > 1) qsort(m->types.items, m->types.len, sizeof *m->types.items, cmp_str);
  w = 0;
  for (size_t r = 0; r < m->types.len; r++)
    if (!w || strcmp(m->types.items[w - 1], m->types.items[r]) != 0) m->types.items[w++] = m->types.items[r];
  m->types.len = w;
}
