/* lsp.c: diagnostics, code actions and hover built from findings. */
#include "lsp.h"
#include "../diag/registry.h"
#include "../fix/edit.h"
#include "../front/fields.h"
#include "../util/fs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ll_lsp_texts_init(ll_lsp_texts *t, ll_workspace *ws) {
  memset(t, 0, sizeof *t);
  t->ws = ws;
  ll_strmap_init(&t->read);
}

void ll_lsp_texts_free(ll_lsp_texts *t) {
  for (size_t i = 0; i < t->owned.len; i++) {
    ll_source_free(t->owned.items[i]);
    free(t->owned.items[i]);
  }
  for (size_t i = 0; i < t->keys.len; i++) free(t->keys.items[i]);
  ll_vec_free(&t->owned);
  ll_vec_free(&t->keys);
  ll_strmap_free(&t->read);
}

const ll_source *ll_lsp_text(ll_lsp_texts *t, const char *path) {
  const ll_source *o = t->ws ? ll_ws_overlay(t->ws, path) : NULL;
  if (o) return o;
  for (size_t i = 0; i < t->keys.len; i++) /* few files per request: a list will do */
    if (strcmp(t->keys.items[i], path) == 0) return ll_strmap_get(&t->read, t->keys.items[i]);
  char *key = ll_xstrdup(path);
  ll_vec_push(&t->keys, key);
  ll_source *src = ll_xcalloc(1, sizeof *src);
  char err[256];
  if (ll_source_read(src, path, err, sizeof err) != 0) {
    free(src);
    ll_strmap_put(&t->read, key, NULL);
    return NULL;
  }
  ll_vec_push(&t->owned, src);
  ll_strmap_put(&t->read, key, src);
  return src;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *ll_lsp_uri_to_path(const char *uri) {
  if (strncasecmp(uri, "file://", 7) != 0) return NULL;
  const char *p = uri + 7;
  if (strncasecmp(p, "localhost/", 10) == 0) p += 9;
  if (*p != '/') return NULL; /* a host we do not serve */
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  for (; *p && *p != '?' && *p != '#'; p++) {
    int h, l;
    if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) {
      char c = (char)(h * 16 + l);
      if (c == 0) { ll_strbuf_free(&sb); return NULL; }
      ll_strbuf_addc(&sb, c);
      p += 2;
    } else {
      ll_strbuf_addc(&sb, *p);
    }
  }
  return ll_strbuf_detach(&sb);
}

char *ll_lsp_path_to_uri(const char *path) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  ll_strbuf_add(&sb, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (isalnum(*p) || strchr("/-._~", *p)) ll_strbuf_addc(&sb, (char)*p);
    else ll_strbuf_addf(&sb, "%%%02X", *p);
  }
  return ll_strbuf_detach(&sb);
}

cJSON *ll_lsp_string(const char *s) {
  char *clean = ll_text_clean_utf8(s ? s : "");
  cJSON *j = cJSON_CreateString(clean);
  free(clean);
  return j;
}

static cJSON *lsp_position(ll_lsp_pos p) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "line", p.line);
  cJSON_AddNumberToObject(j, "character", p.character);
  return j;
}

static ll_lsp_pos to_lsp(const ll_source *src, ll_pos p, ll_lsp_encoding enc) {
  if (!src) return (ll_lsp_pos){p.row ? p.row - 1 : 0, p.col ? p.col - 1 : 0};
  return ll_text_lsp_pos(src->text, src->len, src->line_starts.items, src->line_starts.len, p, enc);
}

cJSON *ll_lsp_range(const ll_source *src, ll_pos start, ll_pos end, ll_lsp_encoding enc) {
  cJSON *r = cJSON_CreateObject();
  ll_lsp_pos s = to_lsp(src, start, enc), e = to_lsp(src, end, enc);
  if (e.line < s.line || (e.line == s.line && e.character < s.character)) e = s;
  cJSON_AddItemToObject(r, "start", lsp_position(s));
  cJSON_AddItemToObject(r, "end", lsp_position(e));
  return r;
}

static cJSON *text_edit(const ll_source *src, ll_pos start, ll_pos end, const char *text, ll_lsp_encoding enc) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddItemToObject(e, "range", ll_lsp_range(src, start, end, enc));
  cJSON_AddItemToObject(e, "newText", ll_lsp_string(text));
  return e;
}

/* LOOP9xx are about the file itself (it does not parse, cannot be read): errors; the rest
 * are warnings, as ruff's server reports its rules. */
static int severity(const char *code) { return strcmp(code, "LOOP901") == 0 || strcmp(code, "LOOP903") == 0 ? 1 : 2; }

cJSON *ll_lsp_diagnostic(ll_lsp_texts *t, const ll_finding *f, const ll_source *src, ll_lsp_encoding enc) {
  cJSON *d = cJSON_CreateObject();
  cJSON_AddItemToObject(d, "range", ll_lsp_range(src, f->start, f->end, enc));
  cJSON_AddNumberToObject(d, "severity", severity(f->code));
  cJSON_AddStringToObject(d, "code", f->code);
  char url[512];
  ll_registry_url(f->code, url, sizeof url);
  cJSON *desc = cJSON_AddObjectToObject(d, "codeDescription");
  cJSON_AddStringToObject(desc, "href", url);
  cJSON_AddStringToObject(d, "source", "looplint");
  cJSON_AddItemToObject(d, "message", ll_lsp_string(f->message));
  if (f->nrelated) {
    cJSON *rel = cJSON_AddArrayToObject(d, "relatedInformation");
    for (uint32_t i = 0; i < f->nrelated; i++) {
      const ll_related *r = &f->related[i];
      cJSON *item = cJSON_CreateObject();
      cJSON *loc = cJSON_AddObjectToObject(item, "location");
      char *uri = ll_lsp_path_to_uri(r->filename);
      cJSON_AddItemToObject(loc, "uri", ll_lsp_string(uri));
      free(uri);
      cJSON_AddItemToObject(loc, "range", ll_lsp_range(t ? ll_lsp_text(t, r->filename) : NULL, r->start, r->end, enc));
      cJSON_AddItemToObject(item, "message", ll_lsp_string(r->message));
      cJSON_AddItemToArray(rel, item);
    }
  }
  /* what a client needs to apply the fix without asking (the server's code actions do not
   * depend on it: they use the findings of the document's last lint) */
  cJSON *data = cJSON_AddObjectToObject(d, "data");
  cJSON_AddNumberToObject(data, "noqaRow", (f->noqa_row ? f->noqa_row : f->start.row) - 1);
  if (f->fix) {
    cJSON *fix = cJSON_AddObjectToObject(data, "fix");
    cJSON_AddStringToObject(fix, "applicability", f->fix->applicability);
    if (f->fix->message) cJSON_AddItemToObject(fix, "message", ll_lsp_string(f->fix->message));
    cJSON *edits = cJSON_AddArrayToObject(fix, "edits");
    for (size_t i = 0; i < f->fix->edits.len; i++)
      cJSON_AddItemToArray(edits, text_edit(src, f->fix->edits.items[i].start, f->fix->edits.items[i].end,
                                            f->fix->edits.items[i].content, enc));
  }
  return d;
}

/* --- code actions --- */

static int pos_before(ll_lsp_pos a, ll_lsp_pos b) { return a.line < b.line || (a.line == b.line && a.character < b.character); }

static int get_pos(const cJSON *j, ll_lsp_pos *p) {
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "line"), *c = cJSON_GetObjectItemCaseSensitive(j, "character");
  if (!cJSON_IsNumber(l) || !cJSON_IsNumber(c) || l->valuedouble < 0 || c->valuedouble < 0) return -1;
  p->line = l->valuedouble > 4e9 ? 4000000000u : (uint32_t)l->valuedouble;
  p->character = c->valuedouble > 4e9 ? 4000000000u : (uint32_t)c->valuedouble;
  return 0;
}

/* Whether the request's kinds (`only`) take an action of kind. */
static int kind_wanted(const cJSON *only, const char *kind) {
  if (!cJSON_IsArray(only)) return 1;
  const cJSON *k;
  cJSON_ArrayForEach(k, only) {
    if (!cJSON_IsString(k)) continue;
    size_t n = strlen(k->valuestring);
    if (strncmp(kind, k->valuestring, n) == 0 && (kind[n] == 0 || kind[n] == '.')) return 1;
  }
  return 0;
}

static cJSON *action(const char *title, const char *kind, const char *uri, cJSON *edits, cJSON *diag, int preferred) {
  cJSON *a = cJSON_CreateObject();
  cJSON_AddItemToObject(a, "title", ll_lsp_string(title));
  cJSON_AddStringToObject(a, "kind", kind);
  if (diag) {
    cJSON *ds = cJSON_AddArrayToObject(a, "diagnostics");
    cJSON_AddItemToArray(ds, diag);
  }
  if (preferred) cJSON_AddBoolToObject(a, "isPreferred", 1);
  cJSON *we = cJSON_AddObjectToObject(a, "edit");
  cJSON *changes = cJSON_AddObjectToObject(we, "changes");
  cJSON_AddItemToObject(changes, uri, edits);
  return a;
}

/* Line row's bytes [*ls, *le) (1-based row); 0 when there is no such line. */
static int line_span(const ll_source *src, uint32_t row, size_t *ls, size_t *le) {
  if (row == 0 || row > src->line_starts.len) return 0;
  *ls = src->line_starts.items[row - 1];
  *le = ll_source_line_end(src, *ls);
  if (*le > *ls && src->text[*le - 1] == '\r') (*le)--;
  return 1;
}

/* The row a `# noqa` comment for f can go on: its own, unless that line ends inside a string
 * (the comment would become string content): then the statement's last row. */
static uint32_t noqa_row(TSTree *tree, const ll_source *src, const ll_finding *f) {
  uint32_t row = f->noqa_row ? f->noqa_row : f->start.row;
  size_t ls, le;
  if (!tree || !line_span(src, row, &ls, &le)) return row;
  TSPoint pt = {row - 1, (uint32_t)(le - ls)};
  TSNode n = ts_node_descendant_for_point_range(ts_tree_root_node(tree), pt, pt);
  for (; !ts_node_is_null(n); n = ts_node_parent(n))
    if (strcmp(ts_node_type(n), "string") == 0 && ts_node_end_point(n).row > row - 1 &&
        ts_node_start_point(n).row <= row - 1)
      return f->stmt_last ? f->stmt_last : row;
  return row;
}

/* The edit that adds code to a `# noqa` on row: appended to one that lists codes, a new
 * comment otherwise; 0 when a blanket `# noqa` already covers the line. */
static int noqa_edit(const ll_source *src, uint32_t row, const char *code, ll_pos *at, ll_strbuf *text) {
  size_t ls, le;
  if (!line_span(src, row, &ls, &le)) return 0;
  const char *line = src->text + ls, *existing = NULL;
  size_t n = le - ls;
  for (size_t p = 0; p + 5 <= n; p++)
    if (line[p] == '#' && strncasecmp(line + p + 1, " noqa", 5) == 0) existing = line + p;
  if (existing && !memchr(existing, ':', (size_t)(line + n - existing))) return 0;
  if (existing) ll_strbuf_addf(text, ", %s", code);
  else ll_strbuf_addf(text, "  # noqa: %s", code);
  *at = ll_source_pos(src, le);
  return 1;
}

static int has_word(const char *p, const char *end, const char *w) {
  size_t n = strlen(w);
  for (; p + n <= end; p++)
    if (memcmp(p, w, n) == 0) return 1;
  return 0;
}

/* The edit that adds code to the file's `# looplint: noqa: ...` line, or a new such line at the
 * top (below a shebang or an encoding line); 0 when a blanket one covers the file. */
static int file_noqa_edit(const ll_source *src, const char *code, ll_pos *at, ll_strbuf *text) {
  uint32_t after = 0;
  for (uint32_t row = 1; row <= src->line_starts.len; row++) {
    size_t ls = 0, le = 0;
    line_span(src, row, &ls, &le);
    const char *p = src->text + ls, *end = src->text + le;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    if (p >= end || *p != '#') continue;
    if (row <= 2 && (strncmp(p, "#!", 2) == 0 || (has_word(p, end, "coding") && row == after + 1)))
      after = row;
    const char *q = p + 1;
    while (q < end && *q == ' ') q++;
    if ((size_t)(end - q) < 13 || strncasecmp(q, "looplint:", 9) != 0) continue;
    q += 9;
    while (q < end && *q == ' ') q++;
    if ((size_t)(end - q) < 4 || strncasecmp(q, "noqa", 4) != 0) continue;
    q += 4;
    while (q < end && *q == ' ') q++;
    if (q >= end || *q != ':') return 0; /* the whole file already */
    ll_strbuf_addf(text, ", %s", code);
    *at = ll_source_pos(src, le);
    return 1;
  }
  ll_strbuf_addf(text, "# looplint: noqa: %s\n", code);
  *at = (ll_pos){after + 1, 1};
  return 1;
}

typedef struct fix_span {
  const ll_finding *f;
  size_t start, end;
} fix_span;

static int cmp_span(const void *a, const void *b) {
  const fix_span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* source.fixAll: every safe fix that does not overlap an earlier one, kept only while the
 * text parses no worse than before (as `check --fix` keeps them). */
static cJSON *fix_all(const ll_source *src, const ll_findings *fs, ll_lsp_encoding enc, size_t *count) {
  LL_VEC(fix_span) spans = {0};
  for (size_t i = 0; i < fs->v.len; i++) {
    const ll_finding *f = &fs->v.items[i];
    if (!f->fix || strcmp(f->fix->applicability, "safe") != 0 || !f->fix->edits.len) continue;
    fix_span s = {f, SIZE_MAX, 0};
    for (size_t k = 0; k < f->fix->edits.len; k++) {
      size_t a = ll_edit_offset(src, f->fix->edits.items[k].start), b = ll_edit_offset(src, f->fix->edits.items[k].end);
      if (a < s.start) s.start = a;
      if (b > s.end) s.end = b;
    }
    ll_vec_push(&spans, s);
  }
  if (spans.len > 1) qsort(spans.items, spans.len, sizeof *spans.items, cmp_span);
  size_t before = ll_edit_syntax_errors(src->text, src->len);
  LL_VEC(ll_edit) kept = {0};
  size_t last_end = 0;
  *count = 0;
  for (size_t i = 0; i < spans.len; i++) {
    if (i && *count && spans.items[i].start < last_end) continue; /* overlaps one taken */
    size_t mark = kept.len;
    for (size_t k = 0; k < spans.items[i].f->fix->edits.len; k++) ll_vec_push(&kept, spans.items[i].f->fix->edits.items[k]);
    ll_strbuf out;
    ll_strbuf_init(&out);
    int ok = ll_edit_apply(src, kept.items, kept.len, &out) == 0 && ll_edit_syntax_errors(out.data, out.len) <= before;
    ll_strbuf_free(&out);
    if (!ok) { kept.len = mark; continue; }
    last_end = spans.items[i].end;
    (*count)++;
  }
  cJSON *edits = cJSON_CreateArray();
  for (size_t k = 0; k < kept.len; k++)
    cJSON_AddItemToArray(edits, text_edit(src, kept.items[k].start, kept.items[k].end, kept.items[k].content, enc));
  ll_vec_free(&kept);
  ll_vec_free(&spans);
  return edits;
}

cJSON *ll_lsp_code_actions(ll_lsp_texts *t, const char *uri, const ll_source *src, const ll_findings *fs,
                           const cJSON *params, ll_lsp_encoding enc) {
  cJSON *out = cJSON_CreateArray();
  if (!src) return out;
  const cJSON *range = cJSON_GetObjectItemCaseSensitive(params, "range");
  const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
  const cJSON *only = ctx ? cJSON_GetObjectItemCaseSensitive(ctx, "only") : NULL;
  ll_lsp_pos rs = {0, 0}, re = {UINT32_MAX, UINT32_MAX};
  if (range) {
    get_pos(cJSON_GetObjectItemCaseSensitive(range, "start"), &rs);
    get_pos(cJSON_GetObjectItemCaseSensitive(range, "end"), &re);
  }
  TSTree *tree = NULL;
  if (kind_wanted(only, "quickfix")) {
    for (size_t i = 0; i < fs->v.len; i++) {
      const ll_finding *f = &fs->v.items[i];
      ll_lsp_pos fs_ = to_lsp(src, f->start, enc), fe = to_lsp(src, f->end, enc);
      /* the finding's range meets the request's (an empty request range: the cursor's line) */
      int meets = !pos_before(fe, rs) && !pos_before(re, fs_);
      if (!meets && rs.line == re.line && rs.character == re.character) meets = fs_.line <= rs.line && rs.line <= fe.line;
      if (!meets) continue;
      char title[256];
      if (f->fix && f->fix->edits.len) {
        int safe = strcmp(f->fix->applicability, "safe") == 0;
        snprintf(title, sizeof title, "%s%s", f->fix->message ? f->fix->message : "Apply the fix",
                 safe ? "" : " (unsafe fix: check the result)");
        cJSON *edits = cJSON_CreateArray();
        for (size_t k = 0; k < f->fix->edits.len; k++)
          cJSON_AddItemToArray(edits, text_edit(src, f->fix->edits.items[k].start, f->fix->edits.items[k].end,
                                                f->fix->edits.items[k].content, enc));
        cJSON *a = action(title, "quickfix", uri, edits, ll_lsp_diagnostic(t, f, src, enc), safe);
        cJSON *data = cJSON_AddObjectToObject(a, "data");
        cJSON_AddStringToObject(data, "applicability", f->fix->applicability);
        cJSON_AddItemToArray(out, a);
      }
      if (strcmp(f->code, "LOOP901") == 0 || strcmp(f->code, "LOOP903") == 0) continue; /* not suppressible */
      if (!tree) {
        TSParser *parser = ts_parser_new();
        ts_parser_set_language(parser, tree_sitter_python());
        tree = ts_parser_parse_string(parser, NULL, src->text, (uint32_t)src->len);
        ts_parser_delete(parser);
      }
      ll_strbuf text;
      ll_strbuf_init(&text);
      ll_pos at;
      if (noqa_edit(src, noqa_row(tree, src, f), f->code, &at, &text)) {
        snprintf(title, sizeof title, "Suppress %s with `# noqa: %s`", f->code, f->code);
        cJSON *edits = cJSON_CreateArray();
        cJSON_AddItemToArray(edits, text_edit(src, at, at, text.data, enc));
        cJSON_AddItemToArray(out, action(title, "quickfix", uri, edits, ll_lsp_diagnostic(t, f, src, enc), 0));
      }
      ll_strbuf_clear(&text);
      if (file_noqa_edit(src, f->code, &at, &text)) {
        snprintf(title, sizeof title, "Suppress %s in this file", f->code);
        cJSON *edits = cJSON_CreateArray();
        cJSON_AddItemToArray(edits, text_edit(src, at, at, text.data, enc));
        cJSON_AddItemToArray(out, action(title, "quickfix", uri, edits, ll_lsp_diagnostic(t, f, src, enc), 0));
      }
      ll_strbuf_free(&text);
    }
  }
  if (tree) ts_tree_delete(tree);
  if (kind_wanted(only, "source.fixAll.looplint")) {
    size_t count = 0;
    cJSON *edits = fix_all(src, fs, enc, &count);
    if (count) {
      char title[128];
      snprintf(title, sizeof title, "Fix all auto-fixable looplint findings (%zu)", count);
      cJSON_AddItemToArray(out, action(title, "source.fixAll.looplint", uri, edits, NULL, 0));
    } else {
      cJSON_Delete(edits);
    }
  }
  return out;
}

/* --- hover --- */

/* The "What it does" section of the rule's page, or NULL. */
static char *what_it_does(const char *code) {
  char *data = ll_data_dir(NULL);
  if (!data) return NULL;
  ll_strbuf path;
  ll_strbuf_init(&path);
  ll_strbuf_addf(&path, "%s/docs/%s.md", data, code);
  free(data);
  FILE *f = fopen(path.data, "rb");
  ll_strbuf_free(&path);
  if (!f) return NULL;
  ll_strbuf doc;
  ll_strbuf_init(&doc);
  ll_strbuf_add_stream(&doc, f);
  fclose(f);
  char *out = NULL;
  const char *s = doc.data ? strstr(doc.data, "## What it does\n") : NULL;
  if (s) {
    s += 16;
    const char *e = strstr(s, "\n## ");
    size_t n = e ? (size_t)(e - s) : strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) n--;
    out = ll_xstrndup(s, n);
  }
  ll_strbuf_free(&doc);
  return out;
}

cJSON *ll_lsp_hover(const ll_ruledb *db, const ll_source *src, ll_lsp_pos pos, ll_lsp_encoding enc) {
  if (!src || pos.line >= src->line_starts.len) return NULL;
  size_t ls = src->line_starts.items[pos.line], le = ll_source_line_end(src, ls);
  size_t at = ll_text_offset_in_line(src->text, src->len, ls, pos.character, enc);
  const char *t = src->text;
  /* the `noqa` of a comment on this line, then its codes: is the cursor on one? */
  for (size_t h = ls; h < le; h++) {
    if (t[h] != '#') continue;
    size_t p = h + 1;
    while (p < le && (t[p] == ' ' || t[p] == '\t')) p++;
    if (le - p >= 9 && strncasecmp(t + p, "looplint:", 9) == 0) {
      p += 9;
      while (p < le && t[p] == ' ') p++;
    }
    if (le - p < 4 || strncasecmp(t + p, "noqa", 4) != 0) continue;
    p += 4;
    while (p < le && t[p] == ' ') p++;
    if (p >= le || t[p] != ':') return NULL;
    p++;
    while (p < le) {
      while (p < le && (t[p] == ' ' || t[p] == ',' || t[p] == '\t')) p++;
      size_t s = p;
      while (p < le && isalnum((unsigned char)t[p])) p++;
      if (p == s) break;
      if (at < s || at > p) continue;
      char written[32];
      size_t n = p - s < sizeof written - 1 ? p - s : sizeof written - 1;
      memcpy(written, t + s, n);
      written[n] = 0;
      for (char *c = written; *c; c++) *c = (char)toupper((unsigned char)*c);
      const char *code = ll_registry_code(written);
      if (!code && db) code = ll_strmap_get(&db->aliases, written);
      const ll_rule_info *r = code ? ll_registry_find(code) : NULL;
      ll_strbuf md;
      ll_strbuf_init(&md);
      if (!r) {
        ll_strbuf_addf(&md, "`%s` is not a looplint code: this directive suppresses nothing of looplint's", written);
      } else {
        char url[512];
        ll_registry_url(r->code, url, sizeof url);
        if (strcmp(written, r->code) != 0) ll_strbuf_addf(&md, "`%s` stands for looplint's %s.\n\n", written, r->code);
        ll_strbuf_addf(&md, "**%s** `%s`: %s\n\n", r->code, r->name, r->summary);
        char *what = what_it_does(r->code);
        if (what) ll_strbuf_addf(&md, "%s\n\n", what);
        free(what);
        ll_strbuf_addf(&md, "[Documentation](%s)", url);
      }
      cJSON *hover = cJSON_CreateObject();
      cJSON *contents = cJSON_AddObjectToObject(hover, "contents");
      cJSON_AddStringToObject(contents, "kind", "markdown");
      cJSON_AddItemToObject(contents, "value", ll_lsp_string(md.data));
      ll_strbuf_free(&md);
      cJSON_AddItemToObject(hover, "range", ll_lsp_range(src, ll_source_pos(src, s), ll_source_pos(src, p), enc));
      return hover;
    }
    return NULL;
  }
  return NULL;
}
