/* usage.c: classifying a call's use from its syntactic parents. */
#include "../front/fields.h"
#include "usage.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static int ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || (c & 0x80);
}

/* Skips a string literal starting at text[i] (a quote); returns the index after it. In an
 * f-string, the code between braces is scanned for the name: *hit is set when found. */
static uint32_t skip_string(const char *text, uint32_t i, uint32_t to, int fstring, const char *name, size_t n, int *hit) {
  char q = text[i];
  int triple = i + 2 < to && text[i + 1] == q && text[i + 2] == q;
  i += triple ? 3 : 1;
  int depth = 0;
  while (i < to) {
    char c = text[i];
    if (c == '\\') { i += 2; continue; }
    if (fstring && c == '{') {
      if (i + 1 < to && text[i + 1] == '{' && !depth) { i += 2; continue; }
      depth++;
    } else if (fstring && c == '}' && depth) depth--;
    else if (depth && c == name[0] && i + n <= to && memcmp(text + i, name, n) == 0 &&
             !ident_char(text[i - 1]) && text[i - 1] != '.' && (i + n >= to || !ident_char(text[i + n])))
      *hit = 1;
    if (!depth && c == q) {
      if (!triple) return i + 1;
      if (i + 2 < to && text[i + 1] == q && text[i + 2] == q) return i + 3;
    }
    if (!triple && !depth && c == '\n') return i + 1; /* unterminated: stop at the line end */
    i++;
  }
  return to;
}

int ll_usage_name_occurs(const ll_ctx *ctx, const char *name, uint32_t from, uint32_t to) {
  size_t n = strlen(name);
  const char *text = ctx->src->text;
  if (to > ctx->src->len) to = (uint32_t)ctx->src->len;
  for (uint32_t i = from; i + n <= to; i++) {
    char c = text[i];
    if (c == '#') { /* comment: to the end of the line */
      while (i < to && text[i] != '\n') i++;
      continue;
    }
    if (c == '"' || c == '\'') {
      /* string prefix letters just before the quote (f, rb, Rf, ...) */
      int fstring = 0;
      for (uint32_t k = i; k > from && k + 3 > i && ident_char(text[k - 1]); k--)
        if (text[k - 1] == 'f' || text[k - 1] == 'F') fstring = 1;
      int hit = 0;
      i = skip_string(text, i, to, fstring, name, n, &hit) - 1;
      if (hit) return 1;
      continue;
    }
    if (c != name[0] || memcmp(text + i, name, n) != 0) continue;
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
  for (TSNode p = ll_ctx_parent(ctx, n); !ts_node_is_null(p); p = ll_ctx_parent(ctx, p)) {
    if (fn && ts_node_eq(p, fn->node)) break;
    if (is(p, "for_statement") || is(p, "while_statement")) return ts_node_start_byte(p);
  }
  return UINT32_MAX;
}

ll_call_use ll_usage_of_call(ll_ctx *ctx, TSNode call) {
  ll_call_use u;
  memset(&u, 0, sizeof u);
  TSNode child = call, p = ll_ctx_parent(ctx, call);
  while (is(p, "parenthesized_expression")) { child = p; p = ll_ctx_parent(ctx, p); }
  if (ts_node_is_null(p)) return u;
  const char *t = ts_node_type(p);
  if (strcmp(t, "expression_statement") == 0) u.use = LL_USE_DISCARDED;
  else if (strcmp(t, "await") == 0) u.use = LL_USE_AWAITED;
  else if (strcmp(t, "return_statement") == 0 || strcmp(t, "yield") == 0 || strcmp(t, "lambda") == 0) u.use = LL_USE_RETURNED;
  else if (strcmp(t, "argument_list") == 0 || strcmp(t, "keyword_argument") == 0) {
    u.use = LL_USE_ARGUMENT;
    TSNode al = strcmp(t, "keyword_argument") == 0 ? ll_ctx_parent(ctx, p) : p;
    TSNode outer = ll_ctx_parent(ctx, al);
    if (is(outer, "call")) u.outer_call = outer;
  } else if (strcmp(t, "not_operator") == 0 || strcmp(t, "boolean_operator") == 0 || strcmp(t, "assert_statement") == 0) {
    u.use = LL_USE_BOOL;
  } else if (strcmp(t, "if_statement") == 0 || strcmp(t, "elif_clause") == 0 || strcmp(t, "while_statement") == 0) {
    TSNode cond = ll_field(p, "condition");
    u.use = ts_node_eq(cond, child) ? LL_USE_BOOL : LL_USE_OTHER;
  } else if (strcmp(t, "conditional_expression") == 0) {
    /* a if COND else b: the condition is the second named child */
    u.use = ts_node_named_child_count(p) >= 2 && ts_node_eq(ts_node_named_child(p, 1), child) ? LL_USE_BOOL : LL_USE_OTHER;
  } else if (strcmp(t, "assignment") == 0) {
    TSNode left = ll_field(p, "left"), right = ll_field(p, "right");
    if (ts_node_eq(right, child) && is(left, "identifier") && ll_ctx_function(ctx) &&
        ts_node_is_null(ll_field(p, "type"))) {
      u.use = LL_USE_LOCAL;
      u.local = ll_ctx_text(ctx, left);
      if (strcmp(u.local, "_") == 0) u.local_unused = 1;
      else {
        TSNode stmt = ll_ctx_parent(ctx, p);
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

/* `ensure_future(x)` where x is known to be a Future already (not a Task, not a coroutine):
 * it returns x itself and makes no task (`ensure_future(loop.run_in_executor(...))`). */
static int passes_future(ll_ctx *ctx, TSNode call) {
  TSNode args = ll_field(call, "arguments");
  for (uint32_t i = 0; !ts_node_is_null(args) && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument") || is(a, "list_splat") || is(a, "dictionary_splat")) return 0;
    const char *ty = ll_resolve_type(ctx, a);
    if (!ty) return 0;
    static const char *const FUTURE[] = {"asyncio.Future", "asyncio.futures.Future", NULL};
    for (const char *const *f = FUTURE; *f; f++) {
      size_t n = strlen(*f);
      if (strncmp(ty, *f, n) == 0 && (ty[n] == 0 || ty[n] == '[')) return 1;
    }
    return 0;
  }
  return 0;
}

static int is_ensure_future(const char *q, const char *method) {
  if (q && (strcmp(q, "asyncio.ensure_future") == 0 || strcmp(q, "asyncio.tasks.ensure_future") == 0)) return 1;
  return !q && method && strcmp(method, "ensure_future") == 0;
}

int ll_usage_creates_task(ll_ctx *ctx, TSNode call) {
  TSNode fnode = ll_field(call, "function");
  if (ts_node_is_null(fnode)) return 0;
  const char *q = ll_ctx_callee(ctx, call);
  if (ll_ruledb_has(&ctx->db->task_kept, q)) return 0;
  if (ll_ruledb_has(&ctx->db->task_create, q)) return !(is_ensure_future(q, NULL) && passes_future(ctx, call));
  if (!is(fnode, "attribute")) return 0;
  const char *method = ll_ctx_text(ctx, ll_field(fnode, "attribute"));
  if (!ll_ruledb_has(&ctx->db->task_loop_methods, method)) return 0;
  const char *recv = ll_ctx_text(ctx, ll_field(fnode, "object"));
  size_t n = strlen(recv);
  if (n < 4 || strcmp(recv + n - 4, "loop") != 0) return 0;
  return !(strcmp(method, "ensure_future") == 0 && passes_future(ctx, call));
}

int ll_usage_awaited_there(ll_ctx *ctx, TSNode call) {
  TSNode child = call, p = ll_ctx_parent(ctx, call);
  while (is(p, "parenthesized_expression")) { child = p; p = ll_ctx_parent(ctx, p); }
  if (is(p, "await")) return 1;
  /* an element of a literal list, tuple or set, or the body of a comprehension */
  if (is(p, "list") || is(p, "tuple") || is(p, "set") ||
      ((is(p, "list_comprehension") || is(p, "generator_expression") || is(p, "set_comprehension")) &&
       ts_node_eq(ll_field(p, "body"), child))) {
    child = p;
    p = ll_ctx_parent(ctx, p);
  }
  if (is(p, "list_splat")) { child = p; p = ll_ctx_parent(ctx, p); }
  if (!is(p, "argument_list")) return 0;
  TSNode outer = ll_ctx_parent(ctx, p);
  if (!is(outer, "call")) return 0;
  const char *q = ll_resolve_qualname(ctx, ll_field(outer, "function"));
  if (!q || !ll_ruledb_has(&ctx->db->task_joins, q)) return 0;
  TSNode op = ll_ctx_parent(ctx, outer);
  while (is(op, "parenthesized_expression")) op = ll_ctx_parent(ctx, op);
  return is(op, "await");
}
