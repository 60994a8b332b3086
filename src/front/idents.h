/* idents.h: byte-level identifier helpers shared by the lazy scans (lazy.c) and the partial
 * split (partial.c). Internal to src/analysis. */
#ifndef LL_IDENTS_H
#define LL_IDENTS_H
#include <string.h>

/* 1: starts a name (letters, `_`, any byte of a non-ASCII character); 2: digits */
static const unsigned char LL_IDENT_CLASS[256] = {
    ['0' ... '9'] = 2, ['A' ... 'Z'] = 1, ['_'] = 1, ['a' ... 'z'] = 1, [0x80 ... 0xFF] = 1};
static inline int ll_ident_start(unsigned char c) { return LL_IDENT_CLASS[c] == 1; }
static inline int ll_ident_char(unsigned char c) { return LL_IDENT_CLASS[c] != 0; }

/* Whether the identifier [s, e) is called: `(` follows (spaces and line breaks allowed) and
 * it is not a definition (`def NAME(`). Every call site is such a text. */
static inline int ll_is_call(const unsigned char *base, const unsigned char *s, const unsigned char *e,
                             const unsigned char *end) {
  const unsigned char *q = e;
  while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\\')) q++;
  if (q >= end || *q != '(') return 0;
  const unsigned char *b = s;
  while (b > base && (b[-1] == ' ' || b[-1] == '\t')) b--;
  return !(b - base >= 3 && memcmp(b - 3, "def", 3) == 0 && (b - base == 3 || !ll_ident_char(b[-4])));
}

#endif
