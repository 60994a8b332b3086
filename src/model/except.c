/* except.c: except-clause reading shared by the cancellation rules. */
#include "../front/fields.h"
#include "except.h"
#include "../util/strbuf.h"

#include <string.h>

const char *const ll_cancelled_error_names[] = {"asyncio.CancelledError", "asyncio.exceptions.CancelledError", NULL};
const char *const ll_base_exception_names[] = {"builtins.BaseException", NULL};

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static void add_types(ll_except_info *out, TSNode e) {
  while (is(e, "parenthesized_expression") && ts_node_named_child_count(e)) e = ts_node_named_child(e, 0);
  if (is(e, "tuple") || is(e, "expression_list")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(e); i++) add_types(out, ts_node_named_child(e, i));
    return;
  }
  if (is(e, "list_splat")) e = ts_node_named_child(e, 0); /* except* A parses as a splat */
  if (!ts_node_is_null(e) && out->ntypes < LL_EXCEPT_MAX) out->types[out->ntypes++] = e;
}

void ll_except_read(ll_ctx *ctx, TSNode clause, ll_except_info *out) {
  memset(out, 0, sizeof *out);
  for (uint32_t i = 0; i < ts_node_named_child_count(clause); i++) {
    TSNode c = ts_node_named_child(clause, i);
    if (is(c, "block")) { out->body = c; continue; }
    if (is(c, "comment")) continue;
    if (is(c, "as_pattern")) {
      add_types(out, ts_node_named_child(c, 0));
      TSNode alias = ll_field(c, "alias");
      if (!ts_node_is_null(alias)) {
        TSNode name = ts_node_named_child_count(alias) ? ts_node_named_child(alias, 0) : alias;
        out->bound = ll_ctx_text(ctx, name);
      }
      continue;
    }
    if (ts_node_symbol(c) == (TSSymbol)-1) { /* PEP 758: the names after the first */
      for (uint32_t k = 0; k < ts_node_named_child_count(c); k++) add_types(out, ts_node_named_child(c, k));
      continue;
    }
    add_types(out, c); /* `except A` and each name of `except A, B:` */
  }
  out->bare = out->ntypes == 0;
}

int ll_except_catches(ll_ctx *ctx, const ll_except_info *info, const char *const *quals) {
  for (size_t i = 0; i < info->ntypes; i++) {
    const char *q = ll_resolve_qualname(ctx, info->types[i]);
    if (!q) continue;
    for (const char *const *w = quals; *w; w++)
      if (strcmp(q, *w) == 0) return 1;
  }
  return 0;
}

const char *ll_except_guarding(ll_ctx *ctx, TSNode node) {
  ll_strbuf out;
  ll_strbuf_init(&out);
  TSNode child = node, p = ll_ctx_parent(ctx, node);
  for (int depth = 0; !ts_node_is_null(p) && depth < 256; depth++, child = p, p = ll_ctx_parent(ctx, p)) {
    if (is(p, "function_definition") || is(p, "lambda") || is(p, "class_definition")) break;
    if (!is(p, "try_statement") || !ts_node_eq(ll_field(p, "body"), child)) continue;
    for (uint32_t i = 0; i < ts_node_named_child_count(p); i++) {
      TSNode c = ts_node_named_child(p, i);
      if (!is(c, "except_clause") && !is(c, "except_group_clause")) continue;
      ll_except_info info;
      ll_except_read(ctx, c, &info);
      for (size_t k = 0; k < info.ntypes; k++) {
        const char *q = ll_resolve_qualname(ctx, info.types[k]);
        if (q) ll_strbuf_addf(&out, "%s\n", q);
      }
    }
  }
  const char *r = out.len ? ll_arena_strdup(&ctx->arena, out.data) : NULL;
  ll_strbuf_free(&out);
  return r;
}

int ll_except_guarding_has(const char *guarding, const char *const *names) {
  for (const char *s = guarding; s && *s;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    for (const char *const *w = names; *w; w++)
      if (strlen(*w) == n && memcmp(*w, s, n) == 0) return 1;
    s += n + (nl != NULL);
  }
  return 0;
}
