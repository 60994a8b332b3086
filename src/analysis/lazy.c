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

int ll_lazy_defines(const char *text, size_t len, const ll_strmap *names) {
  if (!names->len) return 0;
  const char *p = text, *end = text + len;
  while ((p = memmem(p, (size_t)(end - p), "def", 3)) != NULL) {
    if (p > text && ident_char((unsigned char)p[-1])) { p += 3; continue; }
    const char *q = p + 3;
    if (q >= end || (*q != ' ' && *q != '\t')) { p = q; continue; }
    while (q < end && (*q == ' ' || *q == '\t')) q++;
    const char *s = q;
    while (q < end && ident_char((unsigned char)*q)) q++;
    if (q > s && ll_strmap_getn(names, s, (size_t)(q - s))) return 1;
    p = q;
  }
  return 0;
}

/* Whether the identifier [s, e) is called: `(` follows (spaces and line breaks allowed) and
 * it is not a definition (`def NAME(`). */
static int is_call(const unsigned char *base, const unsigned char *s, const unsigned char *e, const unsigned char *end) {
  const unsigned char *q = e;
  while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\\')) q++;
  if (q >= end || *q != '(') return 0;
  const unsigned char *b = s;
  while (b > base && (b[-1] == ' ' || b[-1] == '\t')) b--;
  return !(b - base >= 3 && memcmp(b - 3, "def", 3) == 0 && (b - base == 3 || !ident_char(b[-4])));
}

#define MAX_PENDING 32

int ll_lazy_calls_coroutine(const char *text, size_t len, const ll_strmap *calls, const ll_strmap *witnesses) {
  if (!calls->len) return 0;
  const unsigned char *base = (const unsigned char *)text, *end = base + len;
  const ll_strmap *pending[MAX_PENDING];
  size_t npending = 0;
  int class_next = 0, in_header = 0, depth = 0;
  /* one pass: called names, and the names in class headers (a subclass of a class with async
   * methods is one more type an instance may have; its file is needed) */
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
    if (s > base && (s[-1] >= '0' && s[-1] <= '9')) continue;
    size_t n = (size_t)(p - s);
    if (class_next) { class_next = 0; in_header = 1; depth = 0; continue; } /* the class's own name */
    if (n == 5 && memcmp(s, "class", 5) == 0) { class_next = 1; continue; }
    if (in_header && ll_strmap_getn(witnesses, (const char *)s, n)) return 1;
    void *v = ll_strmap_getn(calls, (const char *)s, n);
    if (!v || !is_call(base, s, p, end)) continue;
    if (v == LL_NAME_ALWAYS) return 1;
    size_t k = 0;
    while (k < npending && pending[k] != v) k++;
    if (k == npending) {
      if (npending == MAX_PENDING) return 1; /* too many to track: parse it */
      pending[npending++] = v;
    }
  }
  if (!npending) return 0;
  /* an async method is called: the file must name a class that has it */
  for (const unsigned char *p = base; p < end;) {
    if (!ident_start(*p)) { p++; continue; }
    const unsigned char *s = p;
    while (p < end && ident_char(*p)) p++;
    for (size_t k = 0; k < npending; k++)
      if (ll_strmap_getn(pending[k], (const char *)s, (size_t)(p - s))) return 1;
  }
  return 0;
}
