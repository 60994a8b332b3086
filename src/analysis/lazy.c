/* lazy.c: the byte scans behind parse-on-demand. */
#define _GNU_SOURCE
#include "lazy.h"

#include <string.h>

#include "../util/u32map.h"

/* Found anywhere in the text. `async_` finds Home Assistant's loop APIs (async_add_executor_job,
 * async_create_task, and the async_* methods the rules data judges by name). */
static const char *const FIXED[] = {"Async", "await", "async_", "create_task", "ensure_future",
                                    "run_until_complete", "run_forever", "get_event_loop", "ClientSession",
                                    "aenter", "aexit", "anext", "aiter", "aclose", "asend", "athrow", NULL};
/* The `async` keyword (async def/with/for) is found as a whole name: `asyncio` is not
 * `async`, it comes in as a module of the rules data's coroutines, like `aiohttp` or `trio`. */

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

void ll_triggers_init(ll_triggers *t, const ll_ruledb *db, int with_noqa) {
  memset(t, 0, sizeof *t);
  ll_arena_init(&t->arena);
  for (const char *const *w = FIXED; *w; w++) add_word(t, *w);
  if (with_noqa) add_word(t, "noqa");
  add_modules_of(t, &db->calls);
}

void ll_triggers_free(ll_triggers *t) {
  ll_vec_free(&t->words);
  ll_vec_free(&t->modules);
  ll_arena_free(&t->arena);
}

static int ident_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
static int ident_char(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

static int has_whole(const char *text, size_t len, const char *w) {
  size_t wl = strlen(w);
  const char *end = text + len;
  for (const char *p = text; (p = memmem(p, (size_t)(end - p), w, wl)) != NULL; p += wl)
    if ((p == text || !ident_char((unsigned char)p[-1])) && (p + wl == end || !ident_char((unsigned char)p[wl])))
      return 1;
  return 0;
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\\' || c == '\r' || c == '\n'; }

/* A Home Assistant @callback: a decorator whose dotted name ends in `callback` or
 * `ha_callback` (`@callback`, `@core.callback`), or `callback` imported under another name
 * (`import callback as cb`, then `@cb`). Those are the names the engine resolves. */
static int has_callback(const char *text, size_t len) {
  const char *end = text + len;
  for (const char *p = text; (p = memchr(p, '@', (size_t)(end - p))) != NULL;) {
    const char *q = ++p, *last = NULL;
    for (;;) {
      while (q < end && is_space((unsigned char)*q)) q++;
      const char *s = q;
      while (q < end && ident_char((unsigned char)*q)) q++;
      if (q == s) break;
      last = s;
      const char *d = q;
      while (d < end && is_space((unsigned char)*d)) d++;
      if (d < end && *d == '.') { q = d + 1; continue; }
      break;
    }
    if (last) {
      size_t n = (size_t)(q - last);
      if ((n == 8 && memcmp(last, "callback", 8) == 0) || (n == 11 && memcmp(last, "ha_callback", 11) == 0)) return 1;
    }
  }
  for (const char *p = text; (p = memmem(p, (size_t)(end - p), "callback", 8)) != NULL;) {
    const char *q = p + 8;
    if (p > text && ident_char((unsigned char)p[-1])) { p = q; continue; }
    if (q < end && ident_char((unsigned char)*q)) { p = q; continue; }
    while (q < end && is_space((unsigned char)*q)) q++;
    if (end - q > 3 && q[0] == 'a' && q[1] == 's' && is_space((unsigned char)q[2])) return 1;
    p = p + 8;
  }
  return 0;
}

int ll_lazy_is_hot(const ll_triggers *t, const char *text, size_t len) {
  for (size_t i = 0; i < t->words.len; i++)
    if (memmem(text, len, t->words.items[i], strlen(t->words.items[i]))) return 1;
  if (has_whole(text, len, "async")) return 1;
  for (size_t i = 0; i < t->modules.len; i++)
    if (has_whole(text, len, t->modules.items[i])) return 1;
  return has_callback(text, len);
}

/* Whether the identifier [s, e) is called: `(` follows (spaces and line breaks allowed) and
 * it is not a definition (`def NAME(`). Every call site is such a text. */
static int is_call(const unsigned char *base, const unsigned char *s, const unsigned char *e, const unsigned char *end) {
  const unsigned char *q = e;
  while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\\')) q++;
  if (q >= end || *q != '(') return 0;
  const unsigned char *b = s;
  while (b > base && (b[-1] == ' ' || b[-1] == '\t')) b--;
  return !(b - base >= 3 && memcmp(b - 3, "def", 3) == 0 && (b - base == 3 || !ident_char(b[-4])));
}

/* --- the summary of a cold file: which names it calls, names, defines, and its class headers
 * (as 32-bit hashes: a collision only makes a file look needed, which is safe) --- */

typedef ll_u32vec u32vec;

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

void ll_lazy_summarize(const char *text, size_t len, ll_file_facts *f) {
  u32vec called = {0}, idents = {0}, defs = {0}, classes = {0};
  ll_u32map seen_called, seen_ident, seen_def;
  ll_u32map_init(&seen_called);
  ll_u32map_init(&seen_ident);
  ll_u32map_init(&seen_def);
  const unsigned char *base = (const unsigned char *)text, *end = base + len;
  int class_next = 0, def_next = 0, in_header = 0, depth = 0;
  size_t nbases_at = 0;
  for (const unsigned char *p = base; p < end;) {
    unsigned char c = *p;
    if (!ident_start(c)) {
      if (in_header) {
        if (c == '(' || c == '[') depth++;
        else if ((c == ')' || c == ']') && depth) depth--;
        else if ((c == ':' || c == '\n') && !depth) in_header = 0;
      }
      p++;
      continue;
    }
    const unsigned char *s = p;
    while (p < end && ident_char(*p)) p++;
    if (s > base && (s[-1] >= '0' && s[-1] <= '9')) continue; /* 0x1f, 1e5 */
    size_t n = (size_t)(p - s);
    uint32_t h = ll_u32_hash((const char *)s, n);
    add_unique(&idents, &seen_ident, h);
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
    if (is_call(base, s, p, end)) add_unique(&called, &seen_called, h);
  }
  size_t total = 4 + called.len + idents.len + defs.len + classes.len;
  uint32_t *out = ll_arena_alloc(&f->arena, total * sizeof *out), *w = out;
  const u32vec *parts[4] = {&called, &idents, &defs, &classes};
  for (int k = 0; k < 4; k++) {
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
  ll_u32map_free(&seen_called);
  ll_u32map_free(&seen_ident);
  ll_u32map_free(&seen_def);
}

/* The four parts of a summary; 0 when it is malformed (a damaged cache entry). */
typedef struct summary {
  const uint32_t *called, *idents, *defs, *classes;
  uint32_t ncalled, nidents, ndefs, nclasses;
} summary;

static int split(const ll_file_facts *f, summary *s) {
  const uint32_t *p = f->lazy, *end = p + f->nlazy;
  const uint32_t **arr[4] = {&s->called, &s->idents, &s->defs, &s->classes};
  uint32_t *cnt[4] = {&s->ncalled, &s->nidents, &s->ndefs, &s->nclasses};
  if (!p) return 0;
  for (int k = 0; k < 4; k++) {
    if (p >= end || *p > (size_t)(end - p - 1)) return 0;
    *cnt[k] = *p++;
    *arr[k] = p;
    p += *cnt[k];
  }
  return 1;
}

void ll_lazy_need_init(ll_lazy_need *n) {
  memset(n, 0, sizeof *n);
  ll_u32map_init(&n->always);
  ll_u32map_init(&n->methods);
  ll_u32map_init(&n->owners);
  ll_u32map_init(&n->bare);
}

void ll_lazy_need_free(ll_lazy_need *n) {
  ll_u32map_free(&n->always);
  ll_u32map_free(&n->methods);
  ll_u32map_free(&n->owners);
  ll_u32map_free(&n->bare);
  for (size_t i = 0; i < n->lists.len; i++) ll_vec_free(&n->lists.items[i]);
  ll_vec_free(&n->lists);
}

/* Adds method m to the methods class c has; returns 1 when it is new. */
static int own_method(ll_lazy_need *n, uint32_t c, uint32_t m) {
  uint32_t *li = ll_u32map_slot(&n->owners, c);
  if (!*li) {
    u32vec empty = {0};
    ll_vec_push(&n->lists, empty);
    *li = (uint32_t)n->lists.len;
  }
  u32vec *l = &n->lists.items[*li - 1];
  for (size_t i = 0; i < l->len; i++)
    if (l->items[i] == m) return 0;
  ll_vec_push(l, m);
  return 1;
}

static const char *key_at(const ll_strmap *m, size_t i) { return m->slots ? m->slots[i].key : NULL; }

void ll_lazy_need_build(ll_lazy_need *n, const ll_strmap *calls, const ll_strmap *bare, const ll_file_facts *facts,
                        const unsigned char *state, size_t nfiles) {
  for (size_t i = 0; i < calls->cap; i++) {
    const char *name = key_at(calls, i);
    if (!name) continue;
    uint32_t h = ll_u32_hash(name, strlen(name));
    const ll_strmap *w = calls->slots[i].value;
    if ((const void *)w == LL_NAME_ALWAYS) { *ll_u32map_slot(&n->always, h) = 1; continue; }
    *ll_u32map_slot(&n->methods, h) = 1;
    for (size_t k = 0; k < w->cap; k++)
      if (key_at(w, k)) own_method(n, ll_u32_hash(w->slots[k].key, strlen(w->slots[k].key)), h);
  }
  for (size_t i = 0; i < bare->cap; i++)
    if (key_at(bare, i)) *ll_u32map_slot(&n->bare, ll_u32_hash(bare->slots[i].key, strlen(bare->slots[i].key))) = 1;
  /* a cold class whose header names a class with async methods has them too (by name, over
   * every cold file, until nothing changes) */
  for (int changed = n->owners.len > 0; changed;) {
    changed = 0;
    for (size_t f = 0; f < nfiles; f++) {
      summary s;
      if (state[f] != 2 || !split(&facts[f], &s)) continue;
      for (uint32_t k = 0; k + 1 < s.nclasses;) {
        uint32_t cls = s.classes[k], nb = s.classes[k + 1];
        for (uint32_t b = 0; b < nb && k + 2 + b < s.nclasses; b++) {
          uint32_t *li = ll_u32map_find(&n->owners, s.classes[k + 2 + b]);
          if (!li || s.classes[k + 2 + b] == cls) continue;
          size_t idx = *li - 1;
          for (size_t m = 0; m < n->lists.items[idx].len; m++)
            changed |= own_method(n, cls, n->lists.items[idx].items[m]);
        }
        k += 2 + nb;
      }
    }
  }
}

int ll_lazy_names(const ll_file_facts *f, const char *name, size_t n) {
  summary s;
  if (!split(f, &s)) return 1;
  uint32_t h = ll_u32_hash(name, n);
  for (uint32_t i = 0; i < s.nidents; i++)
    if (s.idents[i] == h) return 1;
  return 0;
}

#define MAX_PENDING 64

int ll_lazy_needed(const ll_lazy_need *n, const ll_file_facts *f) {
  summary s;
  if (!split(f, &s)) return 1; /* no summary: parse it to be sure */
  uint32_t pending[MAX_PENDING];
  size_t np = 0;
  for (uint32_t i = 0; i < s.ncalled; i++) {
    uint32_t h = s.called[i];
    if (ll_u32map_find(&n->always, h)) return 1;
    if (ll_u32map_find(&n->methods, h)) {
      if (np == MAX_PENDING) return 1;
      pending[np++] = h;
    }
  }
  for (uint32_t i = 0; i < s.ndefs; i++)
    if (ll_u32map_find(&n->bare, s.defs[i])) return 1;
  if (!np) return 0;
  /* an async method is called: the file must name a class that has it */
  for (uint32_t i = 0; i < s.nidents; i++) {
    uint32_t *li = ll_u32map_find(&n->owners, s.idents[i]);
    if (!li) continue;
    const u32vec *l = &n->lists.items[*li - 1];
    for (size_t m = 0; m < l->len; m++)
      for (size_t k = 0; k < np; k++)
        if (l->items[m] == pending[k]) return 1;
  }
  return 0;
}
