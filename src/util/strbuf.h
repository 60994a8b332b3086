/* strbuf.h: an owned, growable, NUL-terminated byte string. */
#ifndef LL_STRBUF_H
#define LL_STRBUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef struct ll_strbuf {
  char *data;
  size_t len, cap;
} ll_strbuf;

void ll_strbuf_init(ll_strbuf *sb);
void ll_strbuf_free(ll_strbuf *sb);
void ll_strbuf_clear(ll_strbuf *sb);
void ll_strbuf_addn(ll_strbuf *sb, const char *s, size_t n);
/* Appends everything left in stream f; -1 on a read error (what was read stays). */
int ll_strbuf_add_stream(ll_strbuf *sb, FILE *f);
void ll_strbuf_add(ll_strbuf *sb, const char *s);
void ll_strbuf_addc(ll_strbuf *sb, char c);
void ll_strbuf_addf(ll_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Transfers ownership of the buffer to the caller and resets sb. */
char *ll_strbuf_detach(ll_strbuf *sb);
/* Appends s as the body of a JSON string literal (without the quotes). */
void ll_strbuf_add_json_escaped(ll_strbuf *sb, const char *s);
/* Appends s escaped for XML text and attribute values. */
void ll_strbuf_add_xml_escaped(ll_strbuf *sb, const char *s);

#endif
