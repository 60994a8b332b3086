/* source.c: reading sources and mapping offsets to positions. */
#include "source.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t ll_utf8_first_invalid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    /* plain ASCII, eight bytes at a time */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) { i++; continue; }
    size_t need;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; }
    else return i;
    for (size_t k = 1; k <= need; k++) {
      if (i + k >= n || (p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    /* overlong forms, surrogates, out of range */
    if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return i;
    i += need + 1;
  }
  return SIZE_MAX;
}

void ll_source_check_bytes(ll_source *src) {
  if (src->bytes_checked) return;
  const char *nul = memchr(src->text, 0, src->len);
  src->first_nul = nul ? (size_t)(nul - src->text) : SIZE_MAX;
  src->first_bad_utf8 = ll_utf8_first_invalid(src->text, src->len);
  src->bytes_checked = 1;
}

static uint32_t count_chars(const char *s, size_t n);

/* The block index of one long line [start, end). */
static void index_long_line(ll_source *src, uint32_t row, size_t start, size_t end) {
  ll_vec_push(&src->long_rows, row);
  ll_vec_push(&src->long_first, (uint32_t)src->block_chars.len);
  uint32_t chars = 0;
  for (size_t b = start; b < end; b += LL_SOURCE_BLOCK) {
    ll_vec_push(&src->block_chars, chars);
    size_t n = end - b < LL_SOURCE_BLOCK ? end - b : LL_SOURCE_BLOCK;
    chars += count_chars(src->text + b, n);
  }
}

static void index_lines(ll_source *src) {
  ll_vec_push(&src->line_starts, 0);
  const char *p = src->text, *end = src->text + src->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t line_end = nl ? (size_t)(nl - src->text) : src->len;
    if (line_end - (size_t)(p - src->text) > LL_SOURCE_BLOCK)
      index_long_line(src, (uint32_t)(src->line_starts.len - 1), (size_t)(p - src->text), line_end);
    if (!nl) break;
    ll_vec_push(&src->line_starts, (uint32_t)(nl + 1 - src->text));
    p = nl + 1;
  }
  ll_source_check_bytes(src);
}

void ll_source_from_buffer(ll_source *src, const char *path, const char *data, size_t len) {
  memset(src, 0, sizeof *src);
  src->path = ll_xstrdup(path);
  src->text = ll_xmalloc(len + 1);
  if (len) memcpy(src->text, data, len);
  src->text[len] = 0;
  src->len = len;
  index_lines(src);
}

int ll_source_read(ll_source *src, const char *path, char *err, size_t errlen) {
  if (ll_source_read_raw(src, path, err, errlen) != 0) return -1;
  ll_source_index(src);
  return 0;
}

void ll_source_index(ll_source *src) {
  if (!src->line_starts.len) index_lines(src);
}

int ll_source_read_raw(ll_source *src, const char *path, char *err, size_t errlen) {
  memset(src, 0, sizeof *src);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { snprintf(err, errlen, "%s", strerror(errno)); return -1; }
  struct stat st;
  if (fstat(fd, &st) != 0) { snprintf(err, errlen, "%s", strerror(errno)); close(fd); return -1; }
  if (S_ISDIR(st.st_mode)) { snprintf(err, errlen, "is a directory"); close(fd); return -1; }
  if (st.st_size > (off_t)UINT32_MAX - 1) { snprintf(err, errlen, "file larger than 4 GiB"); close(fd); return -1; }
  size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, len = 0;
  char *buf = ll_xmalloc(cap + 1);
  for (;;) {
    if (len == cap) {
      if (cap >= (size_t)UINT32_MAX - 1) { snprintf(err, errlen, "file larger than 4 GiB"); free(buf); close(fd); return -1; }
      cap *= 2;
      buf = ll_xrealloc(buf, cap + 1);
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "%s", strerror(errno));
      free(buf);
      close(fd);
      return -1;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = 0;
  src->path = ll_xstrdup(path);
  src->text = buf;
  src->len = len;
  src->first_nul = src->first_bad_utf8 = SIZE_MAX;
  return 0;
}

void ll_source_free(ll_source *src) {
  free(src->path);
  free(src->text);
  ll_vec_free(&src->line_starts);
  ll_vec_free(&src->long_rows);
  ll_vec_free(&src->long_first);
  ll_vec_free(&src->block_chars);
  memset(src, 0, sizeof *src);
}

static uint32_t count_chars(const char *s, size_t n) {
  uint32_t c = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
  return c;
}

ll_pos ll_source_pos_in_row(const ll_source *src, uint32_t row0, size_t offset) {
  if (row0 >= src->line_starts.len) row0 = (uint32_t)src->line_starts.len - 1;
  size_t start = src->line_starts.items[row0];
  if (offset < start) offset = start;
  if (offset > src->len) offset = src->len;
  uint32_t before = 0;
  if (offset - start > LL_SOURCE_BLOCK && src->long_rows.len) {
    size_t lo = 0, hi = src->long_rows.len;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (src->long_rows.items[mid] < row0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < src->long_rows.len && src->long_rows.items[lo] == row0) {
      size_t first = src->long_first.items[lo];
      size_t nblocks = (lo + 1 < src->long_first.len ? src->long_first.items[lo + 1] : src->block_chars.len) - first;
      size_t block = (offset - start) / LL_SOURCE_BLOCK;
      if (block >= nblocks) block = nblocks - 1;
      before = src->block_chars.items[first + block];
      start += block * LL_SOURCE_BLOCK;
    }
  }
  ll_pos p = {row0 + 1, before + count_chars(src->text + start, offset - start) + 1};
  return p;
}

ll_pos ll_source_pos(const ll_source *src, size_t offset) {
  size_t lo = 0, hi = src->line_starts.len;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (src->line_starts.items[mid] <= offset) lo = mid;
    else hi = mid;
  }
  return ll_source_pos_in_row(src, (uint32_t)lo, offset);
}

size_t ll_source_line_end(const ll_source *src, size_t offset) {
  if (offset > src->len) return src->len;
  const char *nl = memchr(src->text + offset, '\n', src->len - offset);
  size_t end = nl ? (size_t)(nl - src->text) : src->len;
  if (end > offset && src->text[end - 1] == '\r') end--;
  return end;
}
