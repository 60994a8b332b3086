/* text.c: converting positions between findings, byte offsets and LSP's encodings. */
#include "text.h"
#include "../front/source.h"
#include "../util/vec.h"

#include <string.h>

/* Length of the UTF-8 sequence at p (at most n bytes), and its width in enc; an invalid byte
 * is a sequence of one, one unit wide. */
static size_t step(const unsigned char *p, size_t n, ll_lsp_encoding enc, uint32_t *units) {
  size_t k = 1;
  unsigned c = p[0];
  if (c >= 0xC2 && c <= 0xDF) k = 2;
  else if (c >= 0xE0 && c <= 0xEF) k = 3;
  else if (c >= 0xF0 && c <= 0xF4) k = 4;
  if (k > n) k = 1;
  for (size_t i = 1; i < k; i++)
    if ((p[i] & 0xC0) != 0x80) { k = 1; break; }
  if (k > 1 && ll_utf8_first_invalid((const char *)p, k) != SIZE_MAX) k = 1; /* overlong, surrogate */
  if (enc == LL_ENC_UTF8) *units = k == 1 && c >= 0x80 ? 1 : (uint32_t)k;
  else if (enc == LL_ENC_UTF16) *units = k == 4 ? 2 : 1;
  else *units = 1;
  return k;
}

size_t ll_text_offset_in_line(const char *text, size_t len, size_t line_start, uint32_t character, ll_lsp_encoding enc) {
  if (line_start == SIZE_MAX || line_start > len) return len;
  const unsigned char *t = (const unsigned char *)text;
  size_t i = line_start;
  uint32_t u = 0;
  while (i < len && t[i] != '\n' && u < character) {
    uint32_t w;
    size_t k = step(t + i, len - i, enc, &w);
    if (u + w > character) break; /* inside a character: its start */
    u += w;
    i += k;
  }
  return i;
}

size_t ll_text_offset(const char *text, size_t len, ll_lsp_pos p, ll_lsp_encoding enc) {
  size_t start = 0;
  for (uint32_t line = 0; line < p.line; line++) {
    const char *nl = memchr(text + start, '\n', len - start);
    if (!nl) return len;
    start = (size_t)(nl - text) + 1;
  }
  return ll_text_offset_in_line(text, len, start, p.character, enc);
}

ll_lsp_pos ll_text_lsp_pos(const char *text, size_t len, const uint32_t *line_starts, size_t nlines, ll_pos p,
                           ll_lsp_encoding enc) {
  ll_lsp_pos out = {p.row ? p.row - 1 : 0, 0};
  if (!nlines) return out;
  if (out.line >= nlines) {
    /* past the end: the end of the last line */
    out.line = (uint32_t)nlines - 1;
    p.col = UINT32_MAX;
  }
  const unsigned char *t = (const unsigned char *)text;
  size_t i = line_starts[out.line];
  uint32_t col = 1, u = 0;
  while (i < len && t[i] != '\n' && col < p.col) {
    uint32_t w;
    i += step(t + i, len - i, enc, &w);
    u += w;
    col++;
  }
  out.character = u;
  return out;
}

ll_pos ll_text_pos_of_offset(const char *text, size_t len, size_t offset) {
  if (offset > len) offset = len;
  ll_pos p = {1, 1};
  size_t ls = 0;
  for (const char *nl = memchr(text, '\n', offset); nl; nl = memchr(text + ls, '\n', offset - ls)) {
    p.row++;
    ls = (size_t)(nl - text) + 1;
  }
  const unsigned char *t = (const unsigned char *)text;
  for (size_t i = ls; i < offset;) {
    uint32_t w;
    i += step(t + i, len - i, LL_ENC_UTF32, &w);
    p.col++;
  }
  return p;
}

void ll_text_replace(ll_strbuf *text, size_t start, size_t end, const char *repl, size_t repl_len) {
  if (end > text->len) end = text->len;
  if (start > end) start = end;
  size_t tail = text->len - end;
  size_t new_len = text->len - (end - start) + repl_len;
  if (new_len + 1 > text->cap) {
    size_t cap = text->cap ? text->cap : 64;
    while (cap < new_len + 1) cap *= 2;
    text->data = ll_xrealloc(text->data, cap);
    text->cap = cap;
  }
  memmove(text->data + start + repl_len, text->data + end, tail);
  if (repl_len) memcpy(text->data + start, repl, repl_len);
  text->len = new_len;
  text->data[new_len] = 0;
}

char *ll_text_clean_utf8(const char *s) {
  size_t n = strlen(s);
  if (ll_utf8_first_invalid(s, n) == SIZE_MAX) return ll_xstrdup(s);
  ll_strbuf out;
  ll_strbuf_init(&out);
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t w;
    size_t k = step(p + i, n - i, LL_ENC_UTF8, &w);
    if (k == 1 && p[i] >= 0x80) ll_strbuf_add(&out, "\xEF\xBF\xBD");
    else ll_strbuf_addn(&out, s + i, k);
    i += k;
  }
  return ll_strbuf_detach(&out);
}
