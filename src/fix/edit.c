/* edit.c: applying edits, verifying, writing atomically, and unified diffs. */
#include "edit.h"
#include "../front/fields.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t ll_edit_offset(const ll_source *src, ll_pos p) {
  if (p.row == 0) return 0;
  if (p.row > src->line_starts.len) return src->len;
  size_t off = src->line_starts.items[p.row - 1];
  size_t end = ll_source_line_end(src, off);
  for (uint32_t c = 1; c < p.col && off < src->len; ) {
    if (off >= end && src->text[off] != '\n' && src->text[off] != '\r') break;
    if (src->text[off] == '\n') break;
    off++;
    while (off < src->len && ((unsigned char)src->text[off] & 0xC0) == 0x80) off++;
    c++;
  }
  return off;
}

typedef struct span {
  size_t start, end, index;
  const char *content;
} span;

/* by position; insertions at one position keep the order they were given in */
static int cmp_span(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
}

int ll_edit_apply(const ll_source *src, const ll_edit *edits, size_t n, ll_strbuf *out) {
  span *s = ll_xcalloc(n ? n : 1, sizeof *s);
  for (size_t i = 0; i < n; i++) {
    s[i].start = ll_edit_offset(src, edits[i].start);
    s[i].end = ll_edit_offset(src, edits[i].end);
    if (s[i].end < s[i].start) s[i].end = s[i].start;
    s[i].content = edits[i].content;
    s[i].index = i;
  }
  qsort(s, n, sizeof *s, cmp_span);
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    /* two fixes may both add `import asyncio`: an identical edit is applied once */
    int dup = 0;
    for (size_t k = 0; k < i && !dup; k++)
      dup = s[k].start == s[i].start && s[k].end == s[i].end && strcmp(s[k].content, s[i].content) == 0;
    if (dup) continue;
    if (s[i].start < pos) { free(s); return -1; } /* overlap */
    ll_strbuf_addn(out, src->text + pos, s[i].start - pos);
    ll_strbuf_add(out, s[i].content);
    pos = s[i].end;
  }
  ll_strbuf_addn(out, src->text + pos, src->len - pos);
  free(s);
  return 0;
}

static size_t count_errors(TSNode n) {
  if (ts_node_symbol(n) == (TSSymbol)-1 || ts_node_is_missing(n)) return 1;
  if (!ts_node_has_error(n)) return 0;
  size_t c = 0;
  for (uint32_t i = 0; i < ts_node_child_count(n); i++) c += count_errors(ts_node_child(n, i));
  return c;
}

size_t ll_edit_syntax_errors(const char *text, size_t len) {
  TSParser *p = ts_parser_new();
  ts_parser_set_language(p, tree_sitter_python());
  TSTree *t = ts_parser_parse_string(p, NULL, text, (uint32_t)len);
  size_t n = t ? count_errors(ts_tree_root_node(t)) : 1;
  if (t) ts_tree_delete(t);
  ts_parser_delete(p);
  return n;
}

int ll_edit_write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) != 0) { snprintf(err, errlen, "%s", strerror(errno)); return -1; }
  ll_strbuf tmp;
  ll_strbuf_init(&tmp);
  ll_strbuf_addf(&tmp, "%s.looplint-XXXXXX", path);
  int fd = mkstemp(tmp.data);
  if (fd < 0) { snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno)); ll_strbuf_free(&tmp); return -1; }
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, text + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "%s", strerror(errno));
      close(fd); unlink(tmp.data); ll_strbuf_free(&tmp);
      return -1;
    }
    done += (size_t)w;
  }
  if (fchmod(fd, st.st_mode & 07777) != 0 || fsync(fd) != 0) {
    snprintf(err, errlen, "%s", strerror(errno));
    close(fd); unlink(tmp.data); ll_strbuf_free(&tmp);
    return -1;
  }
  (void)!fchown(fd, st.st_uid, st.st_gid); /* best effort: may need privileges */
  if (close(fd) != 0) {
    snprintf(err, errlen, "%s", strerror(errno));
    unlink(tmp.data); ll_strbuf_free(&tmp);
    return -1;
  }
  if (rename(tmp.data, path) != 0) {
    snprintf(err, errlen, "%s", strerror(errno));
    unlink(tmp.data); ll_strbuf_free(&tmp);
    return -1;
  }
  ll_strbuf_free(&tmp);
  return 0;
}

/* Splits text into lines (pointers into text, lengths including the newline). */
typedef struct line { const char *s; size_t n; } line;
typedef LL_VEC(line) lines;

static void split(const char *t, size_t len, lines *out) {
  size_t i = 0;
  while (i < len) {
    const char *nl = memchr(t + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - t) + 1 : len;
    line l = {t + i, e - i};
    ll_vec_push(out, l);
    i = e;
  }
}

static int same(line a, line b) { return a.n == b.n && memcmp(a.s, b.s, a.n) == 0; }

static void put_line(FILE *out, char tag, line l) {
  fputc(tag, out);
  fwrite(l.s, 1, l.n, out);
  if (!l.n || l.s[l.n - 1] != '\n') fputs("\n\\ No newline at end of file\n", out);
}

/* One hunk per run of changes, with 3 lines of context, from an LCS of the changed middle
 * (after the common prefix and suffix; edits are local, so the middle is small). */
void ll_edit_diff(FILE *out, const char *path, const char *old_text, size_t old_len, const char *new_text, size_t new_len) {
  lines a = {0}, b = {0};
  split(old_text, old_len, &a);
  split(new_text, new_len, &b);
  size_t pre = 0;
  while (pre < a.len && pre < b.len && same(a.items[pre], b.items[pre])) pre++;
  size_t suf = 0;
  while (suf < a.len - pre && suf < b.len - pre && same(a.items[a.len - 1 - suf], b.items[b.len - 1 - suf])) suf++;
  if (pre == a.len && pre == b.len) { ll_vec_free(&a); ll_vec_free(&b); return; }
  size_t n = a.len - pre - suf, m = b.len - pre - suf;
  /* ops over the whole file: 0 keep, 1 delete (a), 2 insert (b) */
  LL_VEC(unsigned char) ops = {0};
  for (size_t i = 0; i < pre; i++) ll_vec_push(&ops, 0);
  if (n * m <= 4000000) {
    size_t *L = ll_xcalloc((n + 1) * (m + 1), sizeof *L);
#define AT(i, j) L[(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        AT(i, j) = same(a.items[pre + i], b.items[pre + j]) ? AT(i + 1, j + 1) + 1
                   : (AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && same(a.items[pre + i], b.items[pre + j])) { ll_vec_push(&ops, 0); i++; j++; }
      else if (i < n && (j == m || AT(i + 1, j) >= AT(i, j + 1))) { ll_vec_push(&ops, 1); i++; }
      else { ll_vec_push(&ops, 2); j++; }
    }
#undef AT
    free(L);
  } else {
    for (size_t i = 0; i < n; i++) ll_vec_push(&ops, 1);
    for (size_t j = 0; j < m; j++) ll_vec_push(&ops, 2);
  }
  for (size_t i = 0; i < suf; i++) ll_vec_push(&ops, 0);
  fprintf(out, "--- %s\n+++ %s\n", path, path);
  const size_t ctx = 3;
  size_t k = 0, ai = 0, bi = 0;
  while (k < ops.len) {
    if (ops.items[k] == 0) { k++; ai++; bi++; continue; }
    /* a hunk: back up the context, then run until 2*ctx unchanged lines follow */
    size_t back = 0;
    while (back < ctx && back < k && ops.items[k - back - 1] == 0) back++;
    size_t hs = k - back, ha = ai - back, hb = bi - back, he = k, quiet = 0;
    for (size_t e = k; e < ops.len; e++) {
      if (ops.items[e] == 0) { if (++quiet > 2 * ctx) break; }
      else quiet = 0;
      he = e + 1;
    }
    size_t tail = 0;
    while (tail < ctx && he + tail < ops.len && ops.items[he + tail] == 0) tail++;
    he += tail;
    size_t na = 0, nb = 0;
    for (size_t e = hs; e < he; e++) { if (ops.items[e] != 2) na++; if (ops.items[e] != 1) nb++; }
    fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? ha + 1 : ha, na, nb ? hb + 1 : hb, nb);
    size_t x = ha, y = hb;
    for (size_t e = hs; e < he; e++) {
      if (ops.items[e] == 0) { put_line(out, ' ', a.items[x]); x++; y++; }
      else if (ops.items[e] == 1) { put_line(out, '-', a.items[x]); x++; }
      else { put_line(out, '+', b.items[y]); y++; }
    }
    k = he; ai = x; bi = y;
  }
  ll_vec_free(&ops);
  ll_vec_free(&a);
  ll_vec_free(&b);
}
