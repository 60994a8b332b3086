/* suppress.c: noqa matching. A finding is suppressed by a directive on its own row, or on
 * the first or last row of its simple statement, or by a file-level directive. */
#include "suppress.h"
#include "../util/strbuf.h"
#include "../util/strmap.h"

#include <string.h>

int ll_noqa_code_matches(const char *directive_code, const char *code) {
  return directive_code && strncmp(code, directive_code, strlen(directive_code)) == 0;
}

/* Marks and returns whether d covers code. */
static int covers(ll_noqa *d, const char *code) {
  if (d->blanket) { d->used_mask |= 1u << 15; return 1; }
  for (uint8_t i = 0; i < d->ncodes; i++)
    if (ll_noqa_code_matches(d->codes[i], code)) { d->used_mask |= (uint16_t)(1u << i); return 1; }
  return 0;
}

static int suppressed(ll_file_facts *ff, const ll_finding *f) {
  uint32_t rows[3] = {f->start.row, f->stmt_first ? f->stmt_first : f->start.row,
                      f->stmt_last ? f->stmt_last : f->start.row};
  int hit = 0;
  for (size_t i = 0; i < ff->noqa.len; i++) {
    ll_noqa *d = &ff->noqa.items[i];
    int applies = d->file_level || d->row == rows[0] || d->row == rows[1] || d->row == rows[2];
    if (applies && covers(d, f->code)) hit = 1; /* keep going: every matching directive is used */
  }
  return hit;
}

void ll_suppress_apply(ll_findings *fs, ll_file_facts *facts, size_t nfacts) {
  ll_strmap by_path;
  ll_strmap_init(&by_path);
  for (size_t i = 0; i < nfacts; i++)
    if (facts[i].path && facts[i].noqa.len) ll_strmap_put(&by_path, facts[i].path, &facts[i]);
  size_t w = 0;
  for (size_t r = 0; r < fs->v.len; r++) {
    ll_finding *f = &fs->v.items[r];
    ll_file_facts *ff = by_path.len ? ll_strmap_get(&by_path, f->filename) : NULL;
    /* a file that cannot be read or parsed is reported whatever its comments say */
    if (ff && strcmp(f->code, "LOOP903") != 0 && suppressed(ff, f)) {
      ll_finding_free(f);
      continue;
    }
    fs->v.items[w++] = *f;
  }
  fs->v.len = w;
  ll_strmap_free(&by_path);
}

void ll_suppress_report_unused(ll_findings *out, const ll_file_facts *facts, size_t nfacts) {
  ll_strbuf unused;
  ll_strbuf_init(&unused);
  for (size_t i = 0; i < nfacts; i++) {
    const ll_file_facts *ff = &facts[i];
    if (ff->context_only) continue;
    for (size_t k = 0; k < ff->noqa.len; k++) {
      const ll_noqa *d = &ff->noqa.items[k];
      if (d->borrowed) continue; /* another checker's comment, there for that checker */
      ll_strbuf_clear(&unused);
      if (d->blanket && !(d->used_mask & (1u << 15))) ll_strbuf_add(&unused, "all codes");
      for (uint8_t c = 0; c < d->ncodes; c++) {
        if (!d->codes[c] || (d->used_mask & (1u << c))) continue; /* other tools' codes are theirs */
        ll_strbuf_addf(&unused, "%s`%s`", unused.len ? ", " : "", d->written[c]);
      }
      if (!unused.len) continue;
      ll_findings_add(out, "LOOP902", ff->path, d->start, d->end, "Unused `noqa` directive (unused: %s)", unused.data);
    }
  }
  ll_strbuf_free(&unused);
}
