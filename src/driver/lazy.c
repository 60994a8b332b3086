/* lazy.c: the byte scans behind parse-on-demand: which files are hot, the name summary of
 * the others, and which of them a round needs. */
#define _GNU_SOURCE
#include "lazy.h"
#include "../front/idents.h"

#include <stdlib.h>
#include <string.h>

#include "../util/u32map.h"

/* Found anywhere in the text. `async_` finds Home Assistant's loop APIs (async_add_executor_job,
 * async_create_task, and the async_* methods the rules data judges by name). */
static const char *const FIXED[] = {"Async", "await", "async_", "create_task", "ensure_future",
                                    "run_until_complete", "run_forever", "get_event_loop", "ClientSession",
                                    "aenter", "aexit", "anext", "aiter", "aclose", "asend", "athrow", NULL};
/* The `async` keyword (async def/with/for) is found as a whole name: `asyncio` is not
 * `async`, it comes in as a module of the rules data's coroutines, like `aiohttp` or `trio`,
 * found where code names the module (is_module_at). */

/* A qualified name whose text a fixed trigger already finds wherever it is called. */
static int found_by_fixed(const char *q) {
  for (const char *const *w = FIXED; *w; w++)
    if (strstr(q, *w)) return 1;
  return 0;
}

static void add_word(ll_triggers *t, const char *w) {
  for (size_t i = 0; i < t->words.len; i++)
    if (strstr(w, t->words.items[i])) return; /* a shorter trigger already finds it */
  ll_vec_push(&t->words, ll_arena_strdup(&t->arena, w));
}

/* A module is named in code as a whole identifier (`import grpc`, `grpc.aio`). */
static void add_module_word(ll_triggers *t, const char *w) {
  if (found_by_fixed(w)) return;
  for (size_t i = 0; i < t->modules.len; i++)
    if (strcmp(w, t->modules.items[i]) == 0) return;
  ll_vec_push(&t->modules, ll_arena_strdup(&t->arena, w));
}

static void add_modules_of(ll_triggers *t, const ll_strmap *calls) {
  for (size_t i = 0; i < calls->cap; i++) {
    const char *k = calls->slots ? calls->slots[i].key : NULL;
    if (!k) continue;
    intptr_t kind = (intptr_t)calls->slots[i].value;
    if (kind != LL_CALL_COROUTINE && kind != LL_CALL_AWAITABLE) continue;
    /* typing.AsyncIterator.__anext__ needs no `typing` trigger; grpc.aio.Channel.close does */
    if (found_by_fixed(k)) continue;
    const char *dot = strchr(k, '.');
    if (!dot) continue;
    char mod[128];
    size_t n = (size_t)(dot - k) < sizeof mod - 1 ? (size_t)(dot - k) : sizeof mod - 1;
    memcpy(mod, k, n);
    mod[n] = 0;
    if (n >= 3) add_module_word(t, mod);
  }
}

enum { PAT_ANYWHERE, PAT_WHOLE, PAT_MODULE, PAT_CALLBACK };

static void add_pattern(ll_triggers *t, const char *text, uint8_t kind) {
  size_t len = strlen(text);
  if (len < 2 || len > 255) return; /* module words are 3 or more; longer ones are never names */
  ll_trigger_pattern pat = {text, (uint8_t)len, kind};
  uint16_t k = (uint16_t)t->patterns.len;
  ll_vec_push(&t->patterns, pat);
  unsigned key = (unsigned)(unsigned char)text[0] << 8 | (unsigned char)text[1];
  if (!t->pair[key]) t->pair[key] = (uint8_t)(t->nbuckets < 255 ? ++t->nbuckets : 255);
  ll_vec_push(&t->buckets[t->pair[key] - 1], k);
}

void ll_triggers_init(ll_triggers *t, const ll_ruledb *db, int with_noqa) {
  memset(t, 0, sizeof *t);
  ll_arena_init(&t->arena);
  for (const char *const *w = FIXED; *w; w++) add_word(t, *w);
  if (with_noqa) add_word(t, "noqa");
  add_modules_of(t, &db->calls);
  t->pair = ll_xcalloc(65536, 1);
  for (size_t i = 0; i < t->words.len; i++) add_pattern(t, t->words.items[i], PAT_ANYWHERE);
  add_pattern(t, "async", PAT_WHOLE);
  for (size_t i = 0; i < t->modules.len; i++) add_pattern(t, t->modules.items[i], PAT_MODULE);
  add_pattern(t, "callback", PAT_CALLBACK);
}

void ll_triggers_free(ll_triggers *t) {
  ll_vec_free(&t->words);
  ll_vec_free(&t->modules);
  ll_vec_free(&t->patterns);
  for (size_t i = 0; i < t->nbuckets; i++) ll_vec_free(&t->buckets[i]);
  free(t->pair);
  ll_arena_free(&t->arena);
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\\' || c == '\r' || c == '\n'; }

/* A module of the rules data's coroutines as code names it, at [p, p + n): a whole name, not an
 * attribute (`.channels`), followed by `.` (`asyncio.sleep`, `from grpc.aio import`) or by
 * `import` or `as` (`from asyncio import sleep`, `import trio as t`). A file can reach a
 * coroutine of the module only through such a name; the word alone (`channels = 2`, a
 * docstring saying "asyncio") is not enough. */
static int is_module_at(const unsigned char *base, const unsigned char *p, size_t n, const unsigned char *end) {
  if (p > base && (ll_ident_char(p[-1]) || p[-1] == '.')) return 0;
  const unsigned char *q = p + n;
  if (q < end && ll_ident_char(*q)) return 0;
  while (q < end && is_space(*q)) q++;
  if (q < end && *q == '.') return 1;
  if (end - q >= 6 && memcmp(q, "import", 6) == 0 && (end - q == 6 || !ll_ident_char(q[6]))) return 1;
  return end - q >= 2 && q[0] == 'a' && q[1] == 's' && (end - q == 2 || !ll_ident_char(q[2]));
}

/* A Home Assistant @callback: a decorator whose dotted name ends in `callback` or
 * `ha_callback` (`@callback`, `@core.callback`), or `callback` imported under another name
 * (`import callback as cb`, then `@cb`). Those are the names the engine resolves. p is an
 * occurrence of `callback` in [base, end). */
static int is_callback_at(const unsigned char *base, const unsigned char *p, const unsigned char *end) {
  const unsigned char *e = p + 8, *s = p;
  if (e < end && ll_ident_char(*e)) return 0;
  if (s > base && ll_ident_char(s[-1])) {
    /* only `ha_callback` as a whole name */
    if (s - base < 3 || memcmp(s - 3, "ha_", 3) != 0 || (s - 3 > base && ll_ident_char(s[-4]))) return 0;
    s -= 3;
  } else {
    /* `callback as NAME` */
    const unsigned char *q = e;
    while (q < end && is_space(*q)) q++;
    if (end - q > 3 && q[0] == 'a' && q[1] == 's' && is_space(q[2])) return 1;
  }
  /* the last part of a decorator's dotted name: `@` (spaces) NAME (spaces `.` spaces NAME)* */
  const unsigned char *d = e;
  while (d < end && is_space(*d)) d++;
  if (d < end && *d == '.') return 0;
  for (const unsigned char *b = s;;) {
    while (b > base && is_space(b[-1])) b--;
    if (b > base && b[-1] == '@') return 1;
    if (b == base || b[-1] != '.') return 0;
    b--;
    while (b > base && is_space(b[-1])) b--;
    const unsigned char *r = b;
    while (b > base && ll_ident_char(b[-1])) b--;
    if (b == r) return 0;
  }
}

int ll_lazy_is_hot(const ll_triggers *t, const char *text, size_t len) {
  const unsigned char *base = (const unsigned char *)text, *end = base + len;
  for (const unsigned char *p = base; p + 1 < end; p++) {
    uint8_t b = t->pair[(unsigned)p[0] << 8 | p[1]];
    if (!b) continue;
    const ll_u16vec *bucket = &t->buckets[b - 1];
    for (size_t i = 0; i < bucket->len; i++) {
      const ll_trigger_pattern *pat = &t->patterns.items[bucket->items[i]];
      if ((size_t)(end - p) < pat->len || memcmp(p, pat->text, pat->len) != 0) continue;
      switch (pat->kind) {
        case PAT_ANYWHERE: return 1;
        case PAT_WHOLE:
          if ((p == base || !ll_ident_char(p[-1])) && (p + pat->len == end || !ll_ident_char(p[pat->len]))) return 1;
          break;
        case PAT_MODULE:
          if (is_module_at(base, p, pat->len, end)) return 1;
          break;
        default:
          if (is_callback_at(base, p, end)) return 1;
      }
    }
  }
  return 0;
}

typedef LL_VEC(uint32_t) u32vec;

static void add_unique(u32vec *v, ll_u32map *seen, uint32_t h) {
  uint32_t *slot = ll_u32map_slot(seen, h);
  if (*slot) return;
  *slot = 1;
  ll_vec_push(v, h);
}

/* Whether only indentation separates s from the start of its line (or from a `;`). */
static int stmt_start(const unsigned char *base, const unsigned char *s) {
  while (s > base && (s[-1] == ' ' || s[-1] == '\t')) s--;
  return s == base || s[-1] == '\n' || s[-1] == '\r' || s[-1] == ';';
}

static uint32_t as_hash(void) {
  static uint32_t h;
  if (!h) h = ll_u32_hash("as", 2);
  return h;
}

/* Sorts v ascending: insertion sort when short, else a radix sort a byte at a time (qsort's
 * calls through a comparator were a tenth of the cold-file scan). */
static void sort_u32(u32vec *v) {
  size_t n = v->len;
  uint32_t *a = v->items;
  if (n < 64) {
    for (size_t i = 1; i < n; i++) {
      uint32_t x = a[i];
      size_t j = i;
      for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
      a[j] = x;
    }
    return;
  }
  uint32_t *tmp = ll_xmalloc(n * sizeof *tmp), *src = a, *dst = tmp;
  for (int shift = 0; shift < 32; shift += 8) {
    size_t count[256] = {0};
    for (size_t i = 0; i < n; i++) count[(src[i] >> shift) & 0xFF]++;
    for (size_t b = 0, sum = 0; b < 256; b++) {
      size_t c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 0xFF]++] = src[i];
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  /* four passes: the result is back in a */
  free(tmp);
}

void ll_lazy_summarize(const char *text, size_t len, ll_file_facts *f) {
  u32vec called = {0}, idents = {0}, defs = {0}, classes = {0}, aliases = {0}, imports = {0}, relimports = {0};
  ll_u32map seen_import, seen_relimport;
  ll_u32map_init(&seen_import);
  ll_u32map_init(&seen_relimport);
  int in_import = 0, import_depth = 0; /* inside an import statement (to its logical end) */
  int relative = 0;                    /* ... and it is `from .x import ...` */
  uint32_t prev = 0, prev2 = 0; /* the last two names: `x as y` */
  ll_u32map seen_called, seen_ident, seen_def;
  ll_u32map_init(&seen_called);
  ll_u32map_init(&seen_ident);
  ll_u32map_init(&seen_def);
  const unsigned char *base = (const unsigned char *)text, *end = base + len;
  int class_next = 0, def_next = 0, in_header = 0, depth = 0;
  size_t nbases_at = 0;
  for (const unsigned char *p = base; p < end;) {
    unsigned char c = *p;
    if (!ll_ident_start(c)) {
      if (in_import) {
        if (c == '(') import_depth++;
        else if (c == ')' && import_depth) import_depth--;
        else if ((c == '\n' && !import_depth && !(p > base && p[-1] == '\\')) || c == ';') in_import = 0;
      }
      if (in_header) {
        if (c == '(' || c == '[') depth++;
        else if ((c == ')' || c == ']') && depth) depth--;
        else if ((c == ':' || c == '\n') && !depth) in_header = 0;
      }
      p++;
      continue;
    }
    const unsigned char *s = p;
    uint32_t h = LL_U32_HASH_SEED; /* ll_u32_hash, while the name is read */
    while (p < end && ll_ident_char(*p)) h = ll_u32_hash_step(h, *p++);
    h = ll_u32_hash_end(h);
    if (s > base && (s[-1] >= '0' && s[-1] <= '9')) continue; /* 0x1f, 1e5 */
    size_t n = (size_t)(p - s);
    add_unique(&idents, &seen_ident, h);
    if (!in_import && ((n == 6 && memcmp(s, "import", 6) == 0) || (n == 4 && memcmp(s, "from", 4) == 0)) &&
        stmt_start(base, s)) {
      in_import = 1;
      import_depth = 0;
      const unsigned char *q = p;
      while (q < end && (*q == ' ' || *q == '\t' || *q == '\\')) q++;
      relative = n == 4 && q < end && *q == '.';
    } else if (in_import) {
      if (relative) add_unique(&relimports, &seen_relimport, h);
      else add_unique(&imports, &seen_import, h);
    }
    if (prev == as_hash() && prev2) {
      ll_vec_push(&aliases, prev2);
      ll_vec_push(&aliases, h);
    }
    prev2 = prev;
    prev = h;
    if (class_next) { /* the class's own name opens its header: `class NAME(` or `class NAME:` */
      class_next = 0;
      const unsigned char *q = p;
      while (q < end && (*q == ' ' || *q == '\t' || *q == '\\')) q++;
      if (q >= end || (*q != '(' && *q != ':')) continue;
      in_header = 1;
      depth = 0;
      ll_vec_push(&classes, h);
      nbases_at = classes.len;
      ll_vec_push(&classes, 0);
      continue;
    }
    if (def_next) {
      def_next = 0;
      add_unique(&defs, &seen_def, h);
      continue;
    }
    if (n == 5 && memcmp(s, "class", 5) == 0 && stmt_start(base, s)) { class_next = 1; in_header = 0; continue; }
    if (n == 3 && memcmp(s, "def", 3) == 0) { def_next = 1; continue; }
    if (in_header) {
      ll_vec_push(&classes, h);
      classes.items[nbases_at]++;
    }
    if (ll_is_call(base, s, p, end)) add_unique(&called, &seen_called, h);
  }
  /* sorted, so a name is found by binary search */
  sort_u32(&idents);
  sort_u32(&imports);
  sort_u32(&relimports);
  size_t total = 7 + called.len + idents.len + defs.len + classes.len + aliases.len + imports.len + relimports.len;
  uint32_t *out = ll_arena_alloc(&f->arena, total * sizeof *out), *w = out;
  const u32vec *parts[7] = {&called, &idents, &defs, &classes, &aliases, &imports, &relimports};
  for (int k = 0; k < 7; k++) {
    *w++ = (uint32_t)parts[k]->len;
    if (parts[k]->len) memcpy(w, parts[k]->items, parts[k]->len * sizeof *w);
    w += parts[k]->len;
  }
  f->lazy = out;
  f->nlazy = (uint32_t)total;
  ll_vec_free(&called);
  ll_vec_free(&idents);
  ll_vec_free(&defs);
  ll_vec_free(&classes);
  ll_vec_free(&aliases);
  ll_vec_free(&imports);
  ll_vec_free(&relimports);
  ll_u32map_free(&seen_import);
  ll_u32map_free(&seen_relimport);
  ll_u32map_free(&seen_called);
  ll_u32map_free(&seen_ident);
  ll_u32map_free(&seen_def);
}

/* The four parts of a summary; 0 when it is malformed (a damaged cache entry). */
typedef struct summary {
  /* aliases: pairs `x as y`; imports, relimports: the names in absolute and in relative
   * (`from .x import y`) import statements (sorted, like idents) */
  const uint32_t *called, *idents, *defs, *classes, *aliases, *imports, *relimports;
  uint32_t ncalled, nidents, ndefs, nclasses, naliases, nimports, nrelimports;
} summary;

static int split(const ll_file_facts *f, summary *s) {
  const uint32_t *p = f->lazy, *end = p + f->nlazy;
  const uint32_t **arr[7] = {&s->called, &s->idents, &s->defs, &s->classes, &s->aliases, &s->imports, &s->relimports};
  uint32_t *cnt[7] = {&s->ncalled, &s->nidents, &s->ndefs, &s->nclasses, &s->naliases, &s->nimports, &s->nrelimports};
  if (!p) return 0;
  for (int k = 0; k < 7; k++) {
    if (p >= end || *p > (size_t)(end - p - 1)) return 0;
    *cnt[k] = *p++;
    *arr[k] = p;
    p += *cnt[k];
  }
  return 1;
}

void ll_lazy_need_init(ll_lazy_need *n) { memset(n, 0, sizeof *n); }

void ll_lazy_need_free(ll_lazy_need *n) {
  ll_u32map_free(&n->funcs);
  ll_u32map_free(&n->classes);
  ll_u32map_free(&n->methods);
  for (size_t i = 0; i < n->items.len; i++) {
    ll_strmap_free(&n->items.items[i]->mods);
    ll_u32map_free(&n->items.items[i]->lasts);
    ll_u32map_free(&n->items.items[i]->methods);
    free(n->items.items[i]);
  }
  ll_vec_free(&n->items);
}

/* The entry of name h in map (funcs or classes), created when absent. */
static ll_importable *entry(ll_lazy_need *n, ll_u32map *map, uint32_t h) {
  uint32_t *li = ll_u32map_slot(map, h);
  if (!*li) {
    ll_importable *e = ll_xcalloc(1, sizeof *e);
    ll_vec_push(&n->items, e);
    *li = (uint32_t)n->items.len;
  }
  return n->items.items[*li - 1];
}

static ll_importable *find(const ll_lazy_need *n, const ll_u32map *map, uint32_t h) {
  uint32_t *li = ll_u32map_find(map, h);
  return li ? n->items.items[*li - 1] : NULL;
}

/* Adds module mod (a string that outlives the need) to e; 1 when new. */
static int add_module(ll_importable *e, const char *mod) {
  if (ll_strmap_get(&e->mods, mod)) return 0;
  ll_strmap_put(&e->mods, mod, (void *)1);
  const char *last = strrchr(mod, '.');
  last = last ? last + 1 : mod;
  *ll_u32map_slot(&e->lasts, ll_u32_hash(last, strlen(last))) = 1;
  return 1;
}

/* Adds every method of from to e; 1 when one is new. */
static int add_methods(ll_importable *e, const ll_importable *from) {
  int changed = 0;
  for (size_t i = 0; i < from->methods.cap; i++) {
    uint32_t k = from->methods.keys ? from->methods.keys[i] : 0;
    if (!k) continue;
    uint32_t *v = ll_u32map_slot(&e->methods, k);
    if (!*v) { *v = 1; changed = 1; }
  }
  return changed;
}

static int in_sorted(const uint32_t *a, uint32_t n, uint32_t h) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && a[lo] == h;
}

static int has_ident(const summary *s, uint32_t h) { return in_sorted(s->idents, s->nidents, h); }
static int has_abs_import(const summary *s, uint32_t h) { return in_sorted(s->imports, s->nimports, h); }
static int has_import(const summary *s, uint32_t h) {
  return has_abs_import(s, h) || in_sorted(s->relimports, s->nrelimports, h);
}

/* Whether a file (its summary and module name) can import what e names: an import statement
 * in it names one of the modules' last part (`from pkg import mod`, `from .mod import x`,
 * `import pkg.mod`), or it is one of the modules or lies inside one as a package
 * (`from . import x`). */
/* Whether the file's import statements can name module mod: every part of mod below the
 * package it shares with the file (`import a.b.c`, `from a.b import c`, `from .c import x`,
 * `from ..b.c import x` all write them). */
static int names_module(const summary *s, const char *file_module, const char *mod) {
  /* the shared package prefix, whole parts only */
  size_t common = 0;
  for (size_t i = 0;; i++) {
    char a = file_module[i], b = mod[i];
    if ((a == '.' || !a) && (b == '.' || !b)) common = i;
    if (!a || !b || a != b) break;
  }
  const char *p = mod + common;
  if (*p == '.') p++;
  /* a relative import reaches only modules of the file's own top-level package */
  int (*has)(const summary *, uint32_t) = common ? has_import : has_abs_import;
  while (*p) {
    const char *d = strchr(p, '.');
    size_t n = d ? (size_t)(d - p) : strlen(p);
    if (!has(s, ll_u32_hash(p, n))) return 0;
    p += n + (d ? 1 : 0);
  }
  return 1;
}

static int importable(const ll_importable *e, const summary *s, const char *file_module) {
  for (const char *d = file_module; d;) {
    d = strchr(d, '.');
    size_t n = d ? (size_t)(d - file_module) : strlen(file_module);
    if (ll_strmap_getn(&e->mods, file_module, n)) return 1;
    if (d) d++;
  }
  /* quick: some module's last part is in an import statement */
  int any = 0;
  if (e->lasts.len < (s->nimports + s->nrelimports) / 4) {
    for (size_t i = 0; i < e->lasts.cap && !any; i++)
      if (e->lasts.keys[i] && has_import(s, e->lasts.keys[i])) any = 1;
  } else {
    for (uint32_t i = 0; i < s->nimports && !any; i++)
      if (ll_u32map_find(&e->lasts, s->imports[i])) any = 1;
    for (uint32_t i = 0; i < s->nrelimports && !any; i++)
      if (ll_u32map_find(&e->lasts, s->relimports[i])) any = 1;
  }
  if (!any) return 0;
  /* then the whole module path, below what the file shares with it */
  for (size_t i = 0; i < e->mods.cap; i++)
    if (e->mods.slots && e->mods.slots[i].key && names_module(s, file_module, e->mods.slots[i].key)) return 1;
  return 0;
}

void ll_lazy_need_build(ll_lazy_need *n, const ll_name_module_list *funcs, const ll_method_witness_list *methods,
                        const ll_file_facts *facts, const unsigned char *state, size_t nfiles) {
  for (size_t i = 0; i < funcs->len; i++)
    add_module(entry(n, &n->funcs, ll_u32_hash(funcs->items[i].name, strlen(funcs->items[i].name))),
               funcs->items[i].module);
  for (size_t i = 0; i < methods->len; i++) {
    const ll_method_witness *w = &methods->items[i];
    uint32_t m = ll_u32_hash(w->method, strlen(w->method));
    *ll_u32map_slot(&n->methods, m) = 1;
    ll_importable *e = entry(n, &n->classes, ll_u32_hash(w->cls, strlen(w->cls)));
    add_module(e, w->module);
    *ll_u32map_slot(&e->methods, m) = 1;
  }
  /* by name, over every cold file, until nothing changes: a cold class whose header names a
   * class with async methods it can import has them too; a cold module that names a
   * coroutine function or such a class and can import it re-exports it (under an alias too) */
  for (int changed = n->items.len > 0; changed;) {
    changed = 0;
    for (size_t f = 0; f < nfiles; f++) {
      summary s;
      const char *fm = facts[f].module;
      if ((state[f] != 2 && state[f] != 4) || !fm || !split(&facts[f], &s)) continue;
      for (uint32_t k = 0; k + 1 < s.nclasses;) {
        uint32_t cls = s.classes[k], nb = s.classes[k + 1];
        for (uint32_t b = 0; b < nb && k + 2 + b < s.nclasses; b++) {
          const ll_importable *base = find(n, &n->classes, s.classes[k + 2 + b]);
          if (!base || s.classes[k + 2 + b] == cls || !importable(base, &s, fm)) continue;
          ll_importable *e = entry(n, &n->classes, cls);
          base = find(n, &n->classes, s.classes[k + 2 + b]); /* entry() may have moved items */
          changed |= add_methods(e, base);
          changed |= add_module(e, fm);
        }
        k += 2 + nb;
      }
      /* a module re-exports what it imports, absolutely or relatively */
      for (uint32_t k = 0; k < s.nimports + s.nrelimports; k++) {
        uint32_t name = k < s.nimports ? s.imports[k] : s.relimports[k - s.nimports];
        ll_u32map *maps[2] = {&n->funcs, &n->classes};
        for (int mi = 0; mi < 2; mi++) {
          ll_importable *e = find(n, maps[mi], name);
          if (!e || ll_strmap_get(&e->mods, fm) || !importable(e, &s, fm)) continue;
          changed |= add_module(e, fm);
          for (uint32_t a = 0; a + 1 < s.naliases; a += 2) {
            if (s.aliases[a] != name) continue;
            ll_importable *alias = entry(n, maps[mi], s.aliases[a + 1]);
            changed |= add_module(alias, fm);
            if (mi == 1) changed |= add_methods(alias, e);
          }
        }
      }
    }
  }
}

#define MAX_PENDING 64

/* Whether calling name h may call a project coroutine function the file can import. */
static int calls_function(const ll_lazy_need *n, const summary *s, const char *file_module, uint32_t h) {
  const ll_importable *e = find(n, &n->funcs, h);
  return e && importable(e, s, file_module);
}

int ll_lazy_needed(const ll_lazy_need *n, const ll_file_facts *f) {
  summary s;
  if (!split(f, &s) || !f->module) return 1; /* no summary: parse it to be sure */
  uint32_t pending[MAX_PENDING];
  size_t np = 0;
  for (uint32_t i = 0; i < s.ncalled; i++) {
    uint32_t h = s.called[i];
    if (calls_function(n, &s, f->module, h)) return 1;
    /* `from pkg import run as start; start()` */
    for (uint32_t a = 0; a + 1 < s.naliases; a += 2)
      if (s.aliases[a + 1] == h && calls_function(n, &s, f->module, s.aliases[a])) return 1;
    if (ll_u32map_find(&n->methods, h)) {
      if (np == MAX_PENDING) return 1;
      pending[np++] = h;
    }
  }
  if (!np) return 0;
  /* an async method is called: the file must name a class that has it, and be able to
   * import that class */
  for (uint32_t i = 0; i < s.nidents; i++) {
    const ll_importable *e = find(n, &n->classes, s.idents[i]);
    if (!e) continue;
    for (size_t k = 0; k < np; k++)
      if (ll_u32map_find(&e->methods, pending[k]) && importable(e, &s, f->module)) return 1;
  }
  return 0;
}

int ll_lazy_only_class(const ll_file_facts *f, const char *name, size_t n) {
  summary s;
  if (!split(f, &s)) return 0;
  uint32_t h = ll_u32_hash(name, n);
  for (uint32_t i = 0; i < s.ndefs; i++)
    if (s.defs[i] == h) return 0;
  for (uint32_t k = 0; k + 1 < s.nclasses; k += 2 + s.classes[k + 1])
    if (s.classes[k] == h) return 1;
  return 0;
}

int ll_lazy_names(const ll_file_facts *f, const char *name, size_t n) {
  summary s;
  if (!split(f, &s)) return 1;
  return has_ident(&s, ll_u32_hash(name, n));
}
