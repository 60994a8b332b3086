/* rule_noqa.c: reads suppression comments into the file's facts. Comments are tree nodes,
 * so a `# noqa` inside a string is never taken for one. The suppression itself is applied
 * after the project pass (analysis/suppress.c), because project findings have no tree. */
#define _GNU_SOURCE /* memmem */
#include "../model/facts.h"
#include "engine.h"

#include <ctype.h>
#include <string.h>

static const char *find_ci(const char *s, const char *needle) {
  size_t n = strlen(needle);
  for (; *s; s++)
    if (strncasecmp(s, needle, n) == 0) return s;
  return NULL;
}

/* Parses "CODE, CODE CODE" into the directive; stops at anything that is not a code. */
static void parse_codes(ll_ctx *ctx, const char *p, ll_noqa *d) {
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    const char *s = p;
    while (isalpha((unsigned char)*p)) p++;
    if (p == s) break;
    while (isdigit((unsigned char)*p)) p++;
    if (d->ncodes >= LL_NOQA_MAX_CODES) break;
    char *code = ll_arena_strndup(&ctx->facts->arena, s, (size_t)(p - s));
    for (char *c = code; *c; c++) *c = (char)toupper((unsigned char)*c);
    const char *mapped = NULL;
    if (strncmp(code, "LOOP", 4) == 0) mapped = code;
    else mapped = ll_strmap_get(&ctx->db->aliases, code);
    d->written[d->ncodes] = code;
    d->codes[d->ncodes] = mapped; /* NULL: another tool's code */
    d->ncodes++;
  }
}

static void enter(ll_ctx *ctx, TSNode node) {
  const char *text = ll_ctx_text(ctx, node);
  ll_noqa d;
  memset(&d, 0, sizeof d);
  d.row = ts_node_start_point(node).row + 1;
  d.start = ll_ctx_start(ctx, node);
  d.end = ll_ctx_end(ctx, node);
  /* `# looplint: noqa[: CODES]` alone on its line: the whole file */
  const char *p = text + 1;
  while (*p == ' ' || *p == '\t') p++;
  if (strncasecmp(p, "looplint:", 9) == 0) {
    p += 9;
    while (*p == ' ' || *p == '\t') p++;
    if (strncasecmp(p, "noqa", 4) == 0) {
      uint32_t line_start = ctx->src->line_starts.items[d.row - 1];
      int alone = 1;
      for (uint32_t i = line_start; i < ts_node_start_byte(node); i++)
        if (ctx->src->text[i] != ' ' && ctx->src->text[i] != '\t') alone = 0;
      if (alone) {
        d.file_level = 1;
        p += 4;
        while (*p == ' ') p++;
        if (*p == ':') parse_codes(ctx, p + 1, &d);
        d.blanket = d.ncodes == 0;
        ll_vec_push(&ctx->facts->noqa, d);
        return;
      }
    }
  }
  /* mypy's `# type: ignore[unused-coroutine]` and pyright's `# pyright:
   * ignore[reportUnusedCoroutine]`: the author knows the coroutine is dropped (LOOP201) */
  const char *ig = find_ci(text, "ignore[");
  if (ig && ig - text >= 6) {
    const char *codes = ig + 7;
    const char *close = strchr(codes, ']');
    size_t n = close ? (size_t)(close - codes) : 0;
    if (n && (memmem(codes, n, "unused-coroutine", 16) || memmem(codes, n, "reportUnusedCoroutine", 21)) &&
        (find_ci(text, "type:") || find_ci(text, "pyright:"))) {
      ll_noqa b = d;
      b.ncodes = 1;
      b.codes[0] = "LOOP201";
      b.written[0] = "unused-coroutine";
      b.borrowed = 1;
      ll_vec_push(&ctx->facts->noqa, b);
    }
  }
  const char *q = find_ci(text, "noqa");
  if (!q) return;
  /* the `#` that opens the directive: `# noqa` or `#noqa`, possibly after other comment text */
  const char *h = q;
  while (h > text && (h[-1] == ' ' || h[-1] == '\t')) h--;
  if (h == text || h[-1] != '#') return;
  q += 4;
  if (isalnum((unsigned char)*q) || *q == '_') return; /* "noqamatic" */
  while (*q == ' ') q++;
  if (*q == ':') parse_codes(ctx, q + 1, &d);
  d.blanket = d.ncodes == 0;
  ll_vec_push(&ctx->facts->noqa, d);
}

static const char *const NODES[] = {"comment", NULL};
const ll_rule ll_rule_noqa = {.id = "noqa", .node_types = NODES, .enter = enter};
