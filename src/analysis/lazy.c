/* lazy.c: the byte scans behind parse-on-demand. */
#define _GNU_SOURCE
#include "lazy.h"

#include <string.h>

static const char *const FIXED[] = {"async", "Async", "await", "callback", "create_task", "ensure_future",
                                    "run_until_complete", "run_forever", "get_event_loop", "ClientSession",
                                    "aenter", "aexit", "anext", "aiter", "aclose", "asend", "athrow", NULL};

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
    if (n >= 3) add_word(t, mod);
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
  ll_arena_free(&t->arena);
}

int ll_lazy_is_hot(const ll_triggers *t, const char *text, size_t len) {
  for (size_t i = 0; i < t->words.len; i++)
    if (memmem(text, len, t->words.items[i], strlen(t->words.items[i]))) return 1;
  return 0;
}

static int ident_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
static int ident_char(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

/* Whether text calls one of the names: the identifier followed by `(` (spaces and line
 * breaks allowed between), and not a definition (`def NAME(`). Every call site is such a
 * text, so this stays a superset of what the project pass could report in the file. */
int ll_lazy_mentions(const char *text, size_t len, const ll_strmap *names) {
  if (!names->len) return 0;
  const unsigned char *base = (const unsigned char *)text, *p = base, *end = p + len;
  while (p < end) {
    if (!ident_start(*p)) { p++; continue; }
    const unsigned char *s = p;
    while (p < end && ident_char(*p)) p++;
    if (s > base && (s[-1] >= '0' && s[-1] <= '9')) continue;
    if (!ll_strmap_getn(names, (const char *)s, (size_t)(p - s))) continue;
    const unsigned char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\\')) q++;
    if (q >= end || *q != '(') continue;
    const unsigned char *b = s;
    while (b > base && (b[-1] == ' ' || b[-1] == '\t')) b--;
    if (b - base >= 3 && memcmp(b - 3, "def", 3) == 0 && (b - base == 3 || !ident_char(b[-4]))) continue;
    return 1;
  }
  return 0;
}

static void add_prefixes(const char *q, ll_strmap *set, ll_arena *arena) {
  if (!q || q[0] == '?') return;
  for (const char *d = strchr(q, '.'); ; d = strchr(d + 1, '.')) {
    size_t n = d ? (size_t)(d - q) : strlen(q);
    if (!ll_strmap_getn(set, q, n)) ll_strmap_put(set, ll_arena_strndup(arena, q, n), (void *)1);
    if (!d) break;
  }
}

void ll_lazy_referenced_modules(const ll_file_facts *f, ll_strmap *set, ll_arena *arena) {
  for (size_t i = 0; i < f->calls.len; i++) add_prefixes(f->calls.items[i].callee, set, arena);
  for (size_t i = 0; i < f->exports.len; i++) add_prefixes(f->exports.items[i].target, set, arena);
  for (size_t i = 0; i < f->classes.len; i++)
    for (size_t b = 0; b < f->classes.items[i].bases.len; b++) add_prefixes(f->classes.items[i].bases.items[b], set, arena);
}

void ll_lazy_coroutine_names(const ll_file_facts *f, ll_strmap *set, ll_arena *arena) {
  /* a stub's definitions describe another module: calling them is calling that module */
  size_t pl = f->path ? strlen(f->path) : 0;
  if (pl > 4 && strcmp(f->path + pl - 4, ".pyi") == 0) return;
  for (size_t i = 0; i < f->funcs.len; i++) {
    const ll_funcdef *d = &f->funcs.items[i];
    if (!d->is_async || d->has_yield || ll_strmap_get(set, d->name)) continue;
    /* dunders (__aenter__) are called by the language, never by name */
    if (d->name[0] == '_' && d->name[1] == '_') continue;
    ll_strmap_put(set, ll_arena_strdup(arena, d->name), (void *)1);
  }
}
