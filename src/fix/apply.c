/* apply.c: applying fixes and noqa comments to files. */
#include "apply.h"
#include "../front/fields.h"
#include "../util/strbuf.h"
#include "edit.h"

#include <stdlib.h>
#include <string.h>

/* Codes whose finding is decided by the project pass: re-linting one file cannot confirm
 * their fix, so only the syntax check applies. */
static int project_code(const char *code) {
  return strcmp(code, "LOOP110") == 0 || strncmp(code, "LOOP20", 6) == 0 ||
         (strcmp(code, "LOOP111") == 0);
}

static size_t count_code(const ll_linter *l, TSParser *parser, const char *path, const char *text, size_t len,
                         const char *code) {
  ll_source src;
  ll_source_from_buffer(&src, path, text, len);
  ll_findings out;
  ll_findings_init(&out);
  ll_lint_source(l, parser, &src, &out, NULL);
  size_t n = 0;
  for (size_t i = 0; i < out.v.len; i++)
    if (strcmp(out.v.items[i].code, code) == 0) n++;
  ll_findings_free(&out);
  ll_source_free(&src);
  return n;
}

typedef LL_VEC(ll_edit) edit_list;

static int fix_file(const ll_linter *l, TSParser *parser, ll_findings *fs, size_t from, size_t to,
                    const ll_apply_opts *opts, int *fixed) {
  const char *path = fs->v.items[from].filename;
  ll_source src;
  char err[256];
  if (ll_source_read(&src, path, err, sizeof err)) {
    fprintf(stderr, "looplint: %s: cannot read for fixing: %s\n", path, err);
    return 0;
  }
  size_t base_errors = ll_edit_syntax_errors(src.text, src.len);
  edit_list accepted = {0};
  ll_strbuf text;
  ll_strbuf_init(&text);
  ll_strbuf_addn(&text, src.text, src.len);
  unsigned char *done = ll_xcalloc(to - from, 1);
  for (size_t i = from; i < to; i++) {
    ll_finding *f = &fs->v.items[i];
    if (!f->fix || !f->fix->edits.len) continue;
    if (strcmp(f->fix->applicability, "safe") != 0 && !opts->unsafe) continue;
    size_t before = project_code(f->code) ? 0 : count_code(l, parser, path, text.data, text.len, f->code);
    size_t mark = accepted.len;
    for (size_t e = 0; e < f->fix->edits.len; e++) ll_vec_push(&accepted, f->fix->edits.items[e]);
    ll_strbuf candidate;
    ll_strbuf_init(&candidate);
    const char *why = NULL;
    if (ll_edit_apply(&src, accepted.items, accepted.len, &candidate) != 0) why = "it overlaps another fix";
    else if (ll_edit_syntax_errors(candidate.data, candidate.len) > base_errors) why = "the result would not parse";
    else if (!project_code(f->code) && count_code(l, parser, path, candidate.data, candidate.len, f->code) >= before)
      why = "the rule would still fire";
    if (why) {
      fprintf(stderr, "looplint: %s:%u:%u: %s fix skipped: %s\n", path, f->start.row, f->start.col, f->code, why);
      accepted.len = mark;
    } else {
      ll_strbuf_clear(&text);
      ll_strbuf_addn(&text, candidate.data, candidate.len);
      done[i - from] = 1;
    }
    ll_strbuf_free(&candidate);
  }
  int rc = 0;
  if (accepted.len) {
    if (opts->diff) ll_edit_diff(stdout, path, src.text, src.len, text.data, text.len);
    else if (ll_edit_write_atomic(path, text.data, text.len, err, sizeof err)) {
      fprintf(stderr, "looplint: %s: cannot write the fixed file, left unchanged: %s\n", path, err);
      rc = -1;
    }
  }
  if (rc == 0)
    for (size_t i = from; i < to; i++)
      if (done[i - from]) { fs->v.items[i].code = NULL; (*fixed)++; }
  free(done);
  ll_vec_free(&accepted);
  ll_strbuf_free(&text);
  ll_source_free(&src);
  return rc;
}

int ll_apply_fixes(const ll_linter *l, ll_findings *fs, const ll_apply_opts *opts) {
  TSParser *parser = ts_parser_new();
  int fixed = 0, rc = 0;
  for (size_t i = 0; i < fs->v.len;) {
    size_t j = i;
    while (j < fs->v.len && strcmp(fs->v.items[j].filename, fs->v.items[i].filename) == 0) j++;
    if (fix_file(l, parser, fs, i, j, opts, &fixed) < 0) rc = -1;
    i = j;
  }
  ts_parser_delete(parser);
  /* drop the fixed findings (code set to NULL above) */
  size_t w = 0;
  for (size_t r = 0; r < fs->v.len; r++) {
    ll_finding *f = &fs->v.items[r];
    if (!f->code) { ll_finding_free(f); continue; }
    fs->v.items[w++] = *f;
  }
  fs->v.len = w;
  return rc < 0 ? -1 : fixed;
}

/* The row a noqa comment for f can go on: its own, unless that line ends inside a string
 * (then the comment would become string content): the statement's last row. */
static uint32_t noqa_row(TSTree *tree, const ll_source *src, const ll_finding *f) {
  uint32_t row = f->noqa_row ? f->noqa_row : f->start.row;
  if (row == 0 || row > src->line_starts.len) return row;
  size_t end = ll_source_line_end(src, src->line_starts.items[row - 1]);
  TSPoint pt = {row - 1, (uint32_t)(end - src->line_starts.items[row - 1])};
  TSNode n = ts_node_descendant_for_point_range(ts_tree_root_node(tree), pt, pt);
  for (; !ts_node_is_null(n); n = ts_node_parent(n))
    if (strcmp(ts_node_type(n), "string") == 0 && ts_node_end_point(n).row > row - 1 && ts_node_start_point(n).row <= row - 1)
      return f->stmt_last ? f->stmt_last : row;
  return row;
}

int ll_apply_add_noqa(const ll_linter *l, const ll_findings *fs, int diff) {
  (void)l;
  int added = 0, rc = 0;
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_python());
  for (size_t i = 0; i < fs->v.len;) {
    size_t j = i;
    const char *path = fs->v.items[i].filename;
    while (j < fs->v.len && strcmp(fs->v.items[j].filename, path) == 0) j++;
    ll_source src;
    char err[256];
    if (ll_source_read(&src, path, err, sizeof err)) { i = j; continue; }
    TSTree *tree = ts_parser_parse_string(parser, NULL, src.text, (uint32_t)src.len);
    /* codes per row */
    LL_VEC(uint32_t) rows = {0};
    LL_VEC(const char *) codes = {0};
    for (size_t k = i; k < j; k++) {
      const ll_finding *f = &fs->v.items[k];
      if (strncmp(f->code, "LOOP9", 5) == 0) continue;
      uint32_t r = noqa_row(tree, &src, f);
      int dup = 0;
      for (size_t x = 0; x < rows.len; x++)
        if (rows.items[x] == r && strcmp(codes.items[x], f->code) == 0) dup = 1;
      if (!dup) { ll_vec_push(&rows, r); ll_vec_push(&codes, f->code); }
    }
    LL_VEC(ll_edit) edits = {0};
    LL_VEC(char *) contents = {0};
    for (size_t x = 0; x < rows.len; x++) {
      uint32_t r = rows.items[x];
      int first = 1;
      for (size_t y = 0; y < x; y++)
        if (rows.items[y] == r) first = 0;
      if (!first || r == 0 || r > src.line_starts.len) continue;
      size_t ls = src.line_starts.items[r - 1], le = ll_source_line_end(&src, ls);
      ll_strbuf c;
      ll_strbuf_init(&c);
      /* an existing `# noqa: X` on the line: append; a blanket `# noqa` covers everything */
      const char *line = src.text + ls;
      size_t n = le - ls;
      const char *existing = NULL;
      for (size_t p = 0; p + 5 <= n; p++)
        if (line[p] == '#' && strncasecmp(line + p + 1, " noqa", 5) == 0) existing = line + p;
      int blanket = existing && !memchr(existing, ':', (size_t)(line + n - existing));
      if (blanket) { ll_strbuf_free(&c); continue; }
      for (size_t y = x; y < rows.len; y++)
        if (rows.items[y] == r) ll_strbuf_addf(&c, "%s%s", c.len ? ", " : "", codes.items[y]);
      ll_strbuf txt;
      ll_strbuf_init(&txt);
      if (existing) ll_strbuf_addf(&txt, ", %s", c.data);
      else ll_strbuf_addf(&txt, "  # noqa: %s", c.data);
      ll_pos at = ll_source_pos(&src, le);
      ll_edit e = {.content = ll_strbuf_detach(&txt), .start = at, .end = at};
      ll_vec_push(&contents, e.content);
      ll_vec_push(&edits, e);
      ll_strbuf_free(&c);
      added++;
    }
    if (edits.len) {
      ll_strbuf out;
      ll_strbuf_init(&out);
      if (ll_edit_apply(&src, edits.items, edits.len, &out) == 0 &&
          ll_edit_syntax_errors(out.data, out.len) <= ll_edit_syntax_errors(src.text, src.len)) {
        if (diff) ll_edit_diff(stdout, path, src.text, src.len, out.data, out.len);
        else if (ll_edit_write_atomic(path, out.data, out.len, err, sizeof err)) {
          fprintf(stderr, "looplint: %s: cannot write the noqa comments, left unchanged: %s\n", path, err);
          rc = -1;
        }
      } else fprintf(stderr, "looplint: %s: noqa comments skipped: the result would not parse\n", path);
      ll_strbuf_free(&out);
    }
    for (size_t x = 0; x < contents.len; x++) free(contents.items[x]);
    ll_vec_free(&contents);
    ll_vec_free(&edits);
    ll_vec_free(&rows);
    ll_vec_free(&codes);
    ts_tree_delete(tree);
    ll_source_free(&src);
    i = j;
  }
  ts_parser_delete(parser);
  return rc < 0 ? -1 : added;
}
