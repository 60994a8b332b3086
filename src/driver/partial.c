/* partial.c: a module needed for a few of its names is parsed without the bodies of its
 * other top-level functions and classes: the split into top-level statements (strings,
 * brackets, continuations, decorators, form feeds) and the ranges tree-sitter parses. */
#include "partial.h"
#include "../front/idents.h"

#include <stdlib.h>
#include <string.h>


/* Skips a string literal starting at p (the quote); returns the byte after it. A backslash
 * escapes the next byte (raw strings too: r"\"" does not end at the second quote). */
static const char *skip_string(const char *p, const char *end) {
  char q = *p;
  int triple = end - p >= 3 && p[1] == q && p[2] == q;
  p += triple ? 3 : 1;
  while (p < end) {
    if (*p == '\\') { p += 2; continue; }
    if (*p == q) {
      if (!triple) return p + 1;
      if (end - p >= 3 && p[1] == q && p[2] == q) return p + 3;
    } else if (*p == '\n' && !triple) {
      return p; /* unterminated: the line ends it */
    }
    p++;
  }
  return NULL; /* unterminated */
}

/* Whether [s, e) starts with the keyword kw followed by a space, tab or `(`/`:`; writes the
 * name after it to name/nlen. */
static int def_name(const char *s, const char *e, const char *kw, const char **name, size_t *nlen) {
  size_t k = strlen(kw);
  if ((size_t)(e - s) <= k || memcmp(s, kw, k) != 0 || (s[k] != ' ' && s[k] != '\t')) return 0;
  s += k;
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  const char *n = s;
  while (s < e && ll_ident_char((unsigned char)*s)) s++;
  if (s == n) return 0;
  *name = n;
  *nlen = (size_t)(s - n);
  return 1;
}

typedef struct unit {
  uint32_t start, end, row, end_row;
  const char *name; /* def/class name, or NULL for other statements */
  size_t nlen;
  int is_class;
} unit;
typedef LL_VEC(unit) unitvec;

/* Splits text into top-level statements (a decorated definition is one), each starting at
 * column 0 outside strings and brackets. Returns 0 when the text is not plain enough (a
 * statement not at column 0 first, an unterminated string). */
static int top_units(const char *text, size_t len, unitvec *out) {
  const char *p = text, *end = text + len;
  int depth = 0, cont = 0;
  uint32_t row = 0;
  int decorated = 0; /* the open unit so far has only decorators */
  while (p < end) {
    /* at a line start */
    const char *ls = p;
    if (depth == 0 && !cont) {
      /* a form feed at the start of a line does not count as indentation (Python's rule) */
      while (ls < end && *ls == '\f') ls++;
      const char *q = ls;
      while (q < end && (*q == ' ' || *q == '\t' || *q == '\f')) q++;
      int blank = q >= end || *q == '\n' || *q == '\r' || *q == '#';
      if (!blank && q == ls) {
        /* a statement at column 0; its unit starts at the line start (column 0 for the
         * parser's ranges) */
        const char *st = q; /* the statement's first character */
        q = p;
        const char *le = memchr(st, '\n', (size_t)(end - st));
        if (!le) le = end;
        const char *name = NULL;
        size_t nlen = 0;
        int is_class = 0;
        int is_def = def_name(st, le, "def", &name, &nlen) || (is_class = def_name(st, le, "class", &name, &nlen));
        if (!is_def && def_name(st, le, "async", &name, &nlen)) {
          const char *a = st + 5;
          while (a < le && (*a == ' ' || *a == '\t')) a++;
          is_def = def_name(a, le, "def", &name, &nlen);
        }
        if (decorated && out->len) {
          /* the definition after its decorators belongs to the same unit */
          if (is_def) ll_vec_last(out).name = name, ll_vec_last(out).nlen = nlen, ll_vec_last(out).is_class = is_class;
          decorated = *st == '@';
          if (is_def || *st == '@') goto scan_line;
        }
        if (out->len) ll_vec_last(out).end = (uint32_t)(q - text), ll_vec_last(out).end_row = row;
        unit u = {(uint32_t)(q - text), (uint32_t)len, row, row, is_def ? name : NULL, nlen, is_class};
        ll_vec_push(out, u);
        decorated = *st == '@';
      } else if (!blank && !out->len) {
        return 0; /* indented code before any statement */
      }
    }
  scan_line:
    cont = 0;
    while (p < end && *p != '\n') {
      char c = *p;
      if (c == '#') { while (p < end && *p != '\n') p++; break; }
      if (c == '"' || c == '\'') {
        const char *s = p;
        p = skip_string(p, end);
        if (!p) return 0;
        for (const char *r = s; r < p; r++) row += *r == '\n';
        continue;
      }
      if (c == '(' || c == '[' || c == '{') depth++;
      else if ((c == ')' || c == ']' || c == '}') && depth) depth--;
      else if (c == '\\' && p + 1 < end && (p[1] == '\n' || (p[1] == '\r' && p + 2 < end && p[2] == '\n'))) cont = 1;
      p++;
    }
    if (p < end) { p++; row++; }
  }
  if (out->len) ll_vec_last(out).end_row = row;
  return 1;
}

int ll_lazy_partial_ranges(const char *text, size_t len, const ll_strmap *wanted, TSRange **ranges, uint32_t *nranges,
                           ll_lazy_skipped **skipped, uint32_t *nskipped, ll_namelist *added) {
  unitvec units = {0};
  LL_VEC(TSRange) out = {0};
  LL_VEC(ll_lazy_skipped) left = {0};
  *ranges = NULL;
  *nranges = 0;
  *skipped = NULL;
  *nskipped = 0;
  if (!top_units(text, len, &units) || !units.len) { ll_vec_free(&units); return 0; }
  /* what is kept: module-level code, the wanted definitions, and the definitions of this
   * module they name (a helper's own helpers would be asked for one round later) */
  unsigned char *keep = ll_xcalloc(units.len, 1);
  ll_strmap byname; /* name of a definition -> index+1 of its first unit */
  ll_strmap_init(&byname);
  size_t *work = ll_xmalloc(units.len * sizeof *work), nwork = 0;
  for (size_t i = 0; i < units.len; i++) {
    const unit *u = &units.items[i];
    if (u->name && !ll_strmap_getn(&byname, u->name, u->nlen)) ll_strmap_put(&byname, ll_xstrndup(u->name, u->nlen), (void *)(i + 1));
    if (!u->name || ll_strmap_getn(wanted, u->name, u->nlen)) { keep[i] = 1; work[nwork++] = i; }
  }
  while (nwork) {
    const unit *u = &units.items[work[--nwork]];
    const unsigned char *base = (const unsigned char *)text;
    const unsigned char *p = base + u->start, *e = base + u->end;
    /* a class's header: its bases are looked up through (to the `:` closing it) */
    const unsigned char *header_end = p;
    if (u->name && u->is_class) {
      int depth = 0;
      for (header_end = (const unsigned char *)u->name; header_end < e; header_end++) {
        if (*header_end == '(' || *header_end == '[') depth++;
        else if ((*header_end == ')' || *header_end == ']') && depth) depth--;
        else if (*header_end == ':' && !depth) break;
      }
    }
    while (p < e) {
      if (!ll_ident_start(*p)) { p++; continue; }
      const unsigned char *st = p;
      while (p < e && ll_ident_char(*p)) p++;
      /* the functions the kept code calls, the classes it derives from (not names in
       * annotations or strings, nor a class it only constructs: that resolves to no function) */
      int in_header = u->is_class && st < header_end && st > (const unsigned char *)u->name;
      if (!in_header && !ll_is_call(base, st, p, e)) continue;
      uintptr_t first = (uintptr_t)ll_strmap_getn(&byname, (const char *)st, (size_t)(p - st));
      if (!first) continue;
      for (size_t j = first - 1; j < units.len; j++) /* every definition of that name */
        if (!keep[j] && units.items[j].name && units.items[j].nlen == (size_t)(p - st) &&
            (in_header || !units.items[j].is_class) &&
            memcmp(units.items[j].name, st, units.items[j].nlen) == 0) {
          keep[j] = 1;
          work[nwork++] = j;
          if (added) {
            char *nm = ll_xstrndup(units.items[j].name, units.items[j].nlen);
            ll_vec_push(added, nm);
          }
        }
    }
  }
  for (size_t i = 0; i < byname.cap; i++)
    if (byname.slots && byname.slots[i].key) free((char *)byname.slots[i].key);
  ll_strmap_free(&byname);
  free(work);
  for (size_t i = 0; i < units.len; i++) {
    const unit *u = &units.items[i];
    if (!keep[i]) {
      ll_lazy_skipped sk = {u->start, (uint32_t)(u->name - text), (uint32_t)u->nlen};
      ll_vec_push(&left, sk);
      continue;
    }
    TSRange r = {{u->row, 0}, {u->end_row, 0}, u->start, u->end};
    if (u->end == len) {
      /* the last unit runs to the end of the text, maybe mid-line */
      uint32_t col = 0;
      for (const char *c = text + len; c > text && c[-1] != '\n'; c--) col++;
      r.end_point.column = col;
    }
    if (out.len && ll_vec_last(&out).end_byte == r.start_byte) {
      ll_vec_last(&out).end_byte = r.end_byte;
      ll_vec_last(&out).end_point = r.end_point;
    } else {
      ll_vec_push(&out, r);
    }
  }
  ll_vec_free(&units);
  free(keep);
  if (!left.len || !out.len) {
    ll_vec_free(&out);
    ll_vec_free(&left);
    return 0;
  }
  *ranges = out.items;
  *nranges = (uint32_t)out.len;
  *skipped = left.items;
  *nskipped = (uint32_t)left.len;
  return 1;
}

const char *ll_lazy_join_names(const ll_strmap *names, ll_arena *arena) {
  size_t total = 1;
  for (size_t i = 0; names && i < names->cap; i++)
    if (names->slots[i].key) total += strlen(names->slots[i].key) + 1;
  char *out = ll_arena_alloc(arena, total), *w = out;
  for (size_t i = 0; names && i < names->cap; i++)
    if (names->slots[i].key) {
      size_t k = strlen(names->slots[i].key);
      memcpy(w, names->slots[i].key, k);
      w += k;
      *w++ = '\n';
    }
  *w = 0;
  return out;
}

void ll_lazy_split_names(const char *joined, ll_strmap *names, ll_arena *arena) {
  for (const char *p = joined; p && *p;) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n && !ll_strmap_getn(names, p, n)) ll_strmap_put(names, ll_arena_strndup(arena, p, n), (void *)1);
    p += n + (e ? 1 : 0);
  }
}
