/* finding.c: the findings list: add, move, sort, free. */
#include "finding.h"
#include "../util/strbuf.h"
#include "../util/strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

void ll_findings_init(ll_findings *fs) { fs->v.items = NULL; fs->v.len = fs->v.cap = 0; }

void ll_finding_free(ll_finding *f) {
  free(f->message);
  free(f->filename);
  ll_fix_free(f->fix);
  for (uint32_t i = 0; i < f->nrelated; i++) {
    free(f->related[i].filename);
    free(f->related[i].message);
  }
  free(f->related);
  f->related = NULL;
  f->nrelated = 0;
  free(f->group);
  f->group = NULL;
}

void ll_finding_copy(ll_finding *dst, const ll_finding *src) {
  *dst = *src;
  dst->message = ll_xstrdup(src->message);
  dst->filename = ll_xstrdup(src->filename);
  dst->group = src->group ? ll_xstrdup(src->group) : NULL;
  if (src->fix) {
    dst->fix = ll_fix_new(src->fix->applicability, src->fix->message);
    for (size_t i = 0; i < src->fix->edits.len; i++)
      ll_fix_add_edit(dst->fix, src->fix->edits.items[i].start, src->fix->edits.items[i].end,
                      src->fix->edits.items[i].content);
  }
  if (src->nrelated) {
    dst->related = ll_xcalloc(src->nrelated, sizeof *dst->related);
    for (uint32_t i = 0; i < src->nrelated; i++) {
      dst->related[i] = src->related[i];
      dst->related[i].filename = ll_xstrdup(src->related[i].filename);
      dst->related[i].message = ll_xstrdup(src->related[i].message);
    }
  }
}

void ll_finding_add_related(ll_finding *f, const char *filename, ll_pos start, ll_pos end, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *msg = ll_xmalloc((size_t)(n > 0 ? n : 0) + 1);
  va_start(ap, fmt);
  vsnprintf(msg, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
  va_end(ap);
  f->related = ll_xrealloc(f->related, (f->nrelated + 1) * sizeof *f->related);
  f->related[f->nrelated++] = (ll_related){ll_xstrdup(filename), start, end, msg};
}

void ll_findings_free(ll_findings *fs) {
  for (size_t i = 0; i < fs->v.len; i++) ll_finding_free(&fs->v.items[i]);
  ll_vec_free(&fs->v);
}

ll_finding *ll_findings_add(ll_findings *fs, const char *code, const char *filename, ll_pos start,
                            ll_pos end, const char *fmt, ...) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *msg = ll_xmalloc((size_t)(n > 0 ? n : 0) + 1);
  va_start(ap, fmt);
  vsnprintf(msg, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
  va_end(ap);
  ll_finding f = {.code = code,
                  .message = msg,
                  .filename = ll_xstrdup(filename),
                  .start = start,
                  .end = end,
                  .noqa_row = start.row,
                  .fix = NULL,
                  .confirmed = -1};
  ll_vec_push(&fs->v, f);
  return &ll_vec_last(&fs->v);
}

void ll_findings_move(ll_findings *dst, ll_findings *src) {
  for (size_t i = 0; i < src->v.len; i++) ll_vec_push(&dst->v, src->v.items[i]);
  src->v.len = 0;
}

static int cmp_finding(const void *a, const void *b) {
  const ll_finding *x = a, *y = b;
  int c = strcmp(x->filename, y->filename);
  if (c) return c;
  if (x->start.row != y->start.row) return x->start.row < y->start.row ? -1 : 1;
  if (x->start.col != y->start.col) return x->start.col < y->start.col ? -1 : 1;
  c = strcmp(x->code, y->code);
  if (c) return c;
  return strcmp(x->message, y->message);
}

void ll_findings_sort(ll_findings *fs) {
  if (fs->v.len > 1) qsort(fs->v.items, fs->v.len, sizeof(ll_finding), cmp_finding);
}

size_t ll_findings_file_count(const ll_findings *fs) {
  size_t n = 0;
  for (size_t i = 0; i < fs->v.len; i++)
    if (i == 0 || strcmp(fs->v.items[i].filename, fs->v.items[i - 1].filename) != 0) n++;
  return n;
}

ll_fix *ll_fix_new(const char *applicability, const char *message) {
  ll_fix *fix = ll_xcalloc(1, sizeof(*fix));
  fix->applicability = applicability;
  fix->message = message ? ll_xstrdup(message) : NULL;
  return fix;
}

void ll_fix_add_edit(ll_fix *fix, ll_pos start, ll_pos end, const char *content) {
  ll_edit e = {.content = ll_xstrdup(content), .start = start, .end = end};
  ll_vec_push(&fix->edits, e);
}

void ll_fix_free(ll_fix *fix) {
  if (!fix) return;
  for (size_t i = 0; i < fix->edits.len; i++) free(fix->edits.items[i].content);
  ll_vec_free(&fix->edits);
  free(fix->message);
  free(fix);
}

/* Where another finding of the group sits, as the compact list in a message shows it. */
static void add_site(ll_strbuf *sb, const ll_finding *g, const ll_finding *f) {
  const char *name = f->filename;
  if (strcmp(f->filename, g->filename) == 0) {
    const char *slash = strrchr(name, '/');
    name = slash ? slash + 1 : name;
  }
  ll_strbuf_addf(sb, "%s:%u", name, f->start.row);
}

size_t ll_findings_group(ll_findings *fs) {
  ll_strmap first; /* group key -> index + 1 of its first finding in the kept list */
  ll_strmap_init(&first);
  size_t out = 0, roots = 0;
  LL_VEC(ll_strbuf) lists = {0}; /* per kept finding: the sites merged into it */
  for (size_t i = 0; i < fs->v.len; i++) {
    ll_finding *f = &fs->v.items[i];
    size_t at = f->group ? (size_t)(uintptr_t)ll_strmap_get(&first, f->group) : 0;
    if (!at) {
      if (f->group) ll_strmap_put(&first, f->group, (void *)(uintptr_t)(out + 1));
      fs->v.items[out++] = *f;
      ll_strbuf sb;
      ll_strbuf_init(&sb);
      ll_vec_push(&lists, sb);
      continue;
    }
    ll_finding *g = &fs->v.items[at - 1];
    if (g->grouped++ == 0) roots++;
    ll_strbuf *sb = &lists.items[at - 1];
    if (g->grouped <= 8) {
      ll_strbuf_add(sb, sb->len ? ", " : "");
      add_site(sb, g, f);
    }
    ll_finding_add_related(g, f->filename, f->start, f->end, "the same root is reached here too");
    ll_finding_free(f);
  }
  fs->v.len = out;
  for (size_t i = 0; i < out; i++) {
    ll_finding *g = &fs->v.items[i];
    if (g->grouped) {
      ll_strbuf m;
      ll_strbuf_init(&m);
      ll_strbuf_addf(&m, "%s [%u more call site%s of this root: %s%s]", g->message, g->grouped, g->grouped == 1 ? "" : "s",
                     lists.items[i].data, g->grouped > 8 ? ", ..." : "");
      free(g->message);
      g->message = ll_xstrdup(m.data);
      ll_strbuf_free(&m);
    }
    ll_strbuf_free(&lists.items[i]);
  }
  ll_vec_free(&lists);
  ll_strmap_free(&first);
  return roots;
}
