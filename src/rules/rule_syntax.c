/* rule_syntax.c: LOOP901. Python would refuse to import the file: tree-sitter ERROR and
 * MISSING nodes, NUL bytes, invalid UTF-8. One finding per line; the rest of the file is
 * still linted, since tree-sitter recovers around the error. */
#include "engine.h"
#include "../diag/registry.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void report_at(ll_ctx *ctx, size_t offset, const char *fmt, const char *arg) {
  ll_pos p = ll_source_pos(ctx->src, offset);
  if (p.row == ctx->last_syntax_row) return;
  ctx->last_syntax_row = p.row;
  ll_pos e = ll_source_pos(ctx->src, offset < ctx->src->len ? offset + 1 : offset);
  if (e.row != p.row) e = (ll_pos){p.row, p.col + 1};
  ll_findings_add(ctx->out, "LOOP901", ctx->src->path, p, e, fmt, arg);
}

static void begin(ll_ctx *ctx) {
  if (ctx->src->first_nul != SIZE_MAX) report_at(ctx, ctx->src->first_nul, "Syntax error: source contains a NUL byte%s", "");
  if (ctx->src->first_bad_utf8 != SIZE_MAX) {
    char hex[8];
    snprintf(hex, sizeof hex, "0x%02X", (unsigned char)ctx->src->text[ctx->src->first_bad_utf8]);
    report_at(ctx, ctx->src->first_bad_utf8, "Syntax error: invalid UTF-8 (byte %s)", hex);
  }
}

/* The first leaf of an ERROR node: the token the parser could not place. */
static TSNode first_leaf(TSNode n) {
  while (ts_node_child_count(n) > 0) n = ts_node_child(n, 0);
  return n;
}

/* PEP 758 (Python 3.14): `except A, B:` without parentheses is valid when there is no `as`.
 * tree-sitter-python 0.23 parses the names after the first as an ERROR inside except_clause. */
static int is_pep758_except(ll_ctx *ctx, TSNode error) {
  TSNode clause = ll_ctx_parent(ctx, error);
  if (ts_node_is_null(clause) || strcmp(ts_node_type(clause), "except_clause") != 0) return 0;
  uint32_t s = ts_node_start_byte(clause), e = s;
  const char *text = ctx->src->text;
  while (e < ctx->src->len && text[e] != ':' && text[e] != '\n') e++;
  if (e >= ctx->src->len || text[e] != ':') return 0;
  for (uint32_t i = s; i + 4 <= e; i++) /* a ` as ` in the header means the old Python 2 form */
    if (text[i] == ' ' && text[i + 1] == 'a' && text[i + 2] == 's' && (text[i + 3] == ' ' || text[i + 3] == '\t'))
      return 0;
  for (uint32_t i = s + 6; i < e; i++) {
    char c = text[i];
    if (!(c == ',' || c == '.' || c == ' ' || c == '*' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return 0;
  }
  return 1;
}

/* PEP 750 (Python 3.14): t-strings, `t"..."`, `rt'...'`. tree-sitter-python 0.23 does not
 * know the prefix and leaves it as an ERROR in front of the string. */
static int is_tstring_prefix(ll_ctx *ctx, TSNode error) {
  uint32_t s = ts_node_start_byte(error);
  const char *t = ctx->src->text;
  int has_t = 0;
  uint32_t i = s;
  for (; i < ctx->src->len && i < s + 3; i++) {
    char c = t[i];
    if (c == 't' || c == 'T') has_t = 1;
    else if (c != 'r' && c != 'R') break;
  }
  return has_t && i < ctx->src->len && (t[i] == '"' || t[i] == '\'') && (s == 0 || !((t[s - 1] >= 'a' && t[s - 1] <= 'z') ||
         (t[s - 1] >= 'A' && t[s - 1] <= 'Z') || (t[s - 1] >= '0' && t[s - 1] <= '9') || t[s - 1] == '_'));
}

static void enter(ll_ctx *ctx, TSNode node) {
  if (ts_node_is_missing(node)) {
    report_at(ctx, ts_node_start_byte(node), "Syntax error: expected `%s`", ts_node_type(node));
    return;
  }
  for (TSNode p = ll_ctx_parent(ctx, node); !ts_node_is_null(p); p = ll_ctx_parent(ctx, p))
    if ((ts_node_symbol(p) == (TSSymbol)-1)) return; /* only the outermost ERROR */
  if (is_pep758_except(ctx, node)) return;
  if (is_tstring_prefix(ctx, node)) return;
  TSNode leaf = first_leaf(node);
  char tok[48];
  uint32_t s = ts_node_start_byte(leaf), e = ts_node_end_byte(leaf);
  if (e > ctx->src->len) e = (uint32_t)ctx->src->len;
  size_t n = e > s ? e - s : 0;
  if (n > 40) n = 40;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = ctx->src->text[s + i];
    if (c == '\n' || c == '\r' || c == 0) break;
    tok[k++] = c;
  }
  tok[k] = 0;
  if (k == 0) report_at(ctx, ts_node_start_byte(node), "Syntax error%s", "");
  else report_at(ctx, ts_node_start_byte(node), "Syntax error: unexpected `%s`", tok);
}

static const char *const NODES[] = {"ERROR", NULL};
const ll_rule ll_rule_syntax = {.id = "syntax", .node_types = NODES, .begin_file = begin, .enter = enter};
