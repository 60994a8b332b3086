/* strbuf.c: growable string buffer plus the allocation helpers every module uses. */
#include "strbuf.h"
#include "vec.h"

#include <stdio.h>
#include <string.h>

void ll_oom(void) {
  fputs("looplint: out of memory\n", stderr);
  exit(2);
}

void *ll_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) ll_oom();
  return q;
}

void *ll_xmalloc(size_t n) { return ll_xrealloc(NULL, n); }

void *ll_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) ll_oom();
  return p;
}

char *ll_xstrndup(const char *s, size_t n) {
  char *d = ll_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *ll_xstrdup(const char *s) { return ll_xstrndup(s, strlen(s)); }

void ll_strbuf_init(ll_strbuf *sb) { sb->data = NULL; sb->len = sb->cap = 0; }
void ll_strbuf_free(ll_strbuf *sb) { free(sb->data); ll_strbuf_init(sb); }
void ll_strbuf_clear(ll_strbuf *sb) { sb->len = 0; if (sb->data) sb->data[0] = 0; }

static void grow(ll_strbuf *sb, size_t extra) {
  size_t need = sb->len + extra + 1;
  if (need <= sb->cap) return;
  size_t c = sb->cap ? sb->cap : 64;
  while (c < need) c *= 2;
  sb->data = ll_xrealloc(sb->data, c);
  sb->cap = c;
}

void ll_strbuf_addn(ll_strbuf *sb, const char *s, size_t n) {
  grow(sb, n);
  memcpy(sb->data + sb->len, s, n);
  sb->len += n;
  sb->data[sb->len] = 0;
}

void ll_strbuf_add(ll_strbuf *sb, const char *s) { ll_strbuf_addn(sb, s, strlen(s)); }
void ll_strbuf_addc(ll_strbuf *sb, char c) { ll_strbuf_addn(sb, &c, 1); }

void ll_strbuf_addf(ll_strbuf *sb, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n > 0) {
    grow(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap2);
    sb->len += (size_t)n;
  }
  va_end(ap2);
}

char *ll_strbuf_detach(ll_strbuf *sb) {
  char *d = sb->data ? sb->data : ll_xstrdup("");
  ll_strbuf_init(sb);
  return d;
}

/* The length of the valid UTF-8 sequence starting at p (1-4), or 0 when it is not one
 * (stray continuation byte, truncated, overlong, surrogate, beyond U+10FFFF). */
static int utf8_len(const unsigned char *p) {
  if (p[0] < 0x80) return 1;
  int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
  if (!n || p[0] > 0xF4) return 0;
  for (int i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return 0; /* also stops at the terminating NUL */
  if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0))) return 0;
  if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))) return 0;
  return n;
}

/* Copies the UTF-8 sequence at *p, or U+FFFD for a byte that does not start one: JSON and
 * XML consumers need valid text even when a file's bytes are not. */
static void add_utf8(ll_strbuf *sb, const unsigned char **p) {
  int n = utf8_len(*p);
  if (!n) {
    ll_strbuf_add(sb, "\xEF\xBF\xBD");
    (*p)++;
    return;
  }
  ll_strbuf_addn(sb, (const char *)*p, (size_t)n);
  *p += n;
}

int ll_strbuf_add_stream(ll_strbuf *sb, FILE *f) {
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) ll_strbuf_addn(sb, buf, n);
  return ferror(f) ? -1 : 0;
}

void ll_strbuf_add_json_escaped(ll_strbuf *sb, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    if (*p >= 0x80) { add_utf8(sb, &p); continue; }
    switch (*p) {
      case '"': ll_strbuf_add(sb, "\\\""); break;
      case '\\': ll_strbuf_add(sb, "\\\\"); break;
      case '\n': ll_strbuf_add(sb, "\\n"); break;
      case '\r': ll_strbuf_add(sb, "\\r"); break;
      case '\t': ll_strbuf_add(sb, "\\t"); break;
      default:
        if (*p < 0x20) ll_strbuf_addf(sb, "\\u%04x", *p);
        else ll_strbuf_addc(sb, (char)*p);
    }
    p++;
  }
}

void ll_strbuf_add_xml_escaped(ll_strbuf *sb, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p >= 0x80) { add_utf8(sb, &p); p--; continue; }
    switch (*p) {
      case '&': ll_strbuf_add(sb, "&amp;"); break;
      case '<': ll_strbuf_add(sb, "&lt;"); break;
      case '>': ll_strbuf_add(sb, "&gt;"); break;
      case '"': ll_strbuf_add(sb, "&quot;"); break;
      case '\'': ll_strbuf_add(sb, "&apos;"); break;
      default:
        if (*p < 0x20 && *p != '\n' && *p != '\t') ll_strbuf_addc(sb, ' ');
        else ll_strbuf_addc(sb, (char)*p);
    }
  }
}
