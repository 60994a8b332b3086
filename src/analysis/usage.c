/* usage.c: classifying a call's use from its syntactic parents. */
#include "usage.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static int ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || (c & 0x80);
}

int ll_usage_name_occurs(const ll_ctx *ctx, const char *name, uint32_t from, uint32_t to) {
  size_t n = strlen(name);
  const char *text = ctx->src->text;
  if (to > ctx->src->len) to = (uint32_t)ctx->src->len;
  for (uint32_t i = from; i + n <= to; i++) {
    if (text[i] != name[0] || memcmp(text + i, name, n) != 0) continue;
    if (i > 0 && (ident_char(text[i - 1]) || text[i - 1] == '.')) continue; /* part of a word or `.name` */
    if (i + n < ctx->src->len && ident_char(text[i + n])) continue;
    return 1;
  }
  return 0;
}

/* The end of the code a local can be read in: its function (or, at module level, the file). */
static uint32_t scope_end(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  return fn ? ts_node_end_byte(fn->node) : (uint32_t)ctx->src->len;
}

/* Start of the enclosing loop body, when the assignment sits inside a loop in its function:
 * a read earlier in the loop body happens after the assignment on the next iteration. */
static uint32_t loop_start(ll_ctx *ctx, TSNode n) {
  ll_scope *fn = ll_ctx_function(ctx);
  for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
    if (fn && ts_node_eq(p, fn->node)) break;
    if (is(p, "for_statement") || is(p, "while_statement")) return ts_node_start_byte(p);
  }
  return UINT32_MAX;
}

ll_call_use ll_usage_of_call(ll_ctx *ctx, TSNode call) {
  ll_call_use u;
  memset(&u, 0, sizeof u);
  TSNode child = call, p = ts_node_parent(call);
  while (is(p, "parenthesized_expression")) { child = p; p = ts_node_parent(p); }
  if (ts_node_is_null(p)) return u;
  const char *t = ts_node_type(p);
  if (strcmp(t, "expression_statement") == 0) u.use = LL_USE_DISCARDED;
  else if (strcmp(t, "await") == 0) u.use = LL_USE_AWAITED;
  else if (strcmp(t, "return_statement") == 0 || strcmp(t, "yield") == 0 || strcmp(t, "lambda") == 0) u.use = LL_USE_RETURNED;
  else if (strcmp(t, "argument_list") == 0 || strcmp(t, "keyword_argument") == 0) {
    u.use = LL_USE_ARGUMENT;
    TSNode al = strcmp(t, "keyword_argument") == 0 ? ts_node_parent(p) : p;
    TSNode outer = ts_node_parent(al);
    if (is(outer, "call")) u.outer_call = outer;
  } else if (strcmp(t, "not_operator") == 0 || strcmp(t, "boolean_operator") == 0 || strcmp(t, "assert_statement") == 0) {
    u.use = LL_USE_BOOL;
  } else if (strcmp(t, "if_statement") == 0 || strcmp(t, "elif_clause") == 0 || strcmp(t, "while_statement") == 0) {
    TSNode cond = ts_node_child_by_field_name(p, "condition", 9);
    u.use = ts_node_eq(cond, child) ? LL_USE_BOOL : LL_USE_OTHER;
  } else if (strcmp(t, "conditional_expression") == 0) {
    /* a if COND else b: the condition is the second named child */
    u.use = ts_node_named_child_count(p) >= 2 && ts_node_eq(ts_node_named_child(p, 1), child) ? LL_USE_BOOL : LL_USE_OTHER;
  } else if (strcmp(t, "assignment") == 0) {
    TSNode left = ts_node_child_by_field_name(p, "left", 4), right = ts_node_child_by_field_name(p, "right", 5);
    if (ts_node_eq(right, child) && is(left, "identifier") && ll_ctx_function(ctx) &&
        ts_node_is_null(ts_node_child_by_field_name(p, "type", 4))) {
      u.use = LL_USE_LOCAL;
      u.local = ll_ctx_text(ctx, left);
      if (strcmp(u.local, "_") == 0) u.local_unused = 1;
      else {
        TSNode stmt = ts_node_parent(p);
        uint32_t after = ts_node_end_byte(is(stmt, "expression_statement") ? stmt : p);
        uint32_t loop = loop_start(ctx, p);
        int read = ll_usage_name_occurs(ctx, u.local, after, scope_end(ctx));
        if (!read && loop != UINT32_MAX) read = ll_usage_name_occurs(ctx, u.local, loop, ts_node_start_byte(p));
        /* a name declared global/nonlocal outlives the function */
        ll_scope *fn = ll_ctx_function(ctx);
        if (!read && fn) {
          uint32_t body = ts_node_start_byte(fn->node);
          const char *text = ctx->src->text;
          for (uint32_t i = body; i < ts_node_start_byte(p); i++)
            if ((text[i] == 'g' && strncmp(text + i, "global ", 7) == 0) ||
                (text[i] == 'n' && strncmp(text + i, "nonlocal ", 9) == 0)) {
              if (ll_usage_name_occurs(ctx, u.local, i, ll_source_line_end(ctx->src, i))) read = 1;
            }
        }
        u.local_unused = !read;
      }
    } else u.use = LL_USE_OTHER;
  } else if (strcmp(t, "named_expression") == 0) u.use = LL_USE_OTHER; /* walrus keeps it */
  return u;
}
