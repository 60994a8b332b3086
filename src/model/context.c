/* context.c: scope stack access, node text and positions, and reporting for one file. */
#include "../front/fields.h"
#include "context.h"
#include "facts.h"
#include "types.h"
#include "../util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

ll_scope *ll_ctx_scope(ll_ctx *ctx) { return &ll_vec_last(&ctx->scopes); }

ll_scope *ll_ctx_function(ll_ctx *ctx) {
  for (size_t i = ctx->scopes.len; i-- > 0;) {
    ll_scope *s = &ctx->scopes.items[i];
    if (s->kind == LL_SCOPE_FUNCTION || s->kind == LL_SCOPE_LAMBDA) return s;
  }
  return NULL;
}

ll_funcdef *ll_ctx_funcdef(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (!fn || fn->func_index < 0 || !ctx->facts) return NULL;
  return &ctx->facts->funcs.items[fn->func_index];
}

ll_scope *ll_ctx_class(ll_ctx *ctx) {
  for (size_t i = ctx->scopes.len; i-- > 0;) {
    ll_scope *s = &ctx->scopes.items[i];
    if (s->kind == LL_SCOPE_CLASS) return s;
  }
  return NULL;
}

void ll_ctx_bind(ll_ctx *ctx, ll_scope *scope, const char *name, size_t n, ll_binding_kind kind, const char *qual) {
  ll_binding *b = ll_arena_alloc(&ctx->arena, sizeof *b);
  b->kind = kind;
  b->qual = qual;
  ll_binding *old = ll_strmap_getn(&scope->bindings, name, n);
  if (old) { *old = *b; return; }
  ll_strmap_put(&scope->bindings, ll_arena_strndup(&ctx->arena, name, n), b);
}

const char *ll_ctx_text(ll_ctx *ctx, TSNode node) {
  uint32_t s = ts_node_start_byte(node), e = ts_node_end_byte(node);
  if (e > ctx->src->len) e = (uint32_t)ctx->src->len;
  if (s > e) s = e;
  return ll_arena_strndup(&ctx->arena, ctx->src->text + s, e - s);
}

int ll_ctx_text_is(ll_ctx *ctx, TSNode node, const char *s) {
  uint32_t a = ts_node_start_byte(node), e = ts_node_end_byte(node);
  size_t n = strlen(s);
  return e - a == n && e <= ctx->src->len && memcmp(ctx->src->text + a, s, n) == 0;
}

TSNode ll_ctx_argument(ll_ctx *ctx, TSNode call, int pos, const char *kw) {
  TSNode args = ll_field(call, "arguments"), none = {0};
  if (ts_node_is_null(args) || strcmp(ts_node_type(args), "argument_list") != 0) return none;
  int at = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    const char *t = ts_node_type(a);
    if (strcmp(t, "comment") == 0 || strcmp(t, "dictionary_splat") == 0) continue;
    if (strcmp(t, "keyword_argument") == 0) {
      if (kw && ll_ctx_text_is(ctx, ll_field(a, "name"), kw)) return ll_field(a, "value");
      continue;
    }
    if (strcmp(t, "list_splat") == 0) pos = -1;
    if (pos >= 0 && at == pos) return a;
    at++;
  }
  return none;
}

ll_pos ll_ctx_start(const ll_ctx *ctx, TSNode node) {
  return ll_source_pos_in_row(ctx->src, ts_node_start_point(node).row, ts_node_start_byte(node));
}

ll_pos ll_ctx_end(const ll_ctx *ctx, TSNode node) {
  return ll_source_pos_in_row(ctx->src, ts_node_end_point(node).row, ts_node_end_byte(node));
}

static int compound(const char *t) {
  static const char *const C[] = {"if_statement", "for_statement", "while_statement", "try_statement",
                                  "with_statement", "function_definition", "class_definition",
                                  "decorated_definition", "match_statement", "except_clause", "finally_clause",
                                  "elif_clause", "else_clause", "case_clause", "except_group_clause", NULL};
  for (const char *const *c = C; *c; c++)
    if (strcmp(*c, t) == 0) return 1;
  return 0;
}

void ll_ctx_stmt_rows(ll_ctx *ctx, TSNode node, uint32_t *first, uint32_t *last) {
  TSNode n = node;
  for (;;) {
    if (compound(ts_node_type(n))) { n = node; break; }
    TSNode p = ll_ctx_parent(ctx, n);
    if (ts_node_is_null(p)) break;
    const char *pt = ts_node_type(p);
    if (strcmp(pt, "block") == 0 || strcmp(pt, "module") == 0) break;
    if (compound(pt)) { n = node; break; }
    n = p;
  }
  *first = ts_node_start_point(n).row + 1;
  *last = ts_node_end_point(n).row + 1;
}

ll_finding *ll_ctx_report(ll_ctx *ctx, const char *code, TSNode node, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ll_finding *f = ll_findings_add(ctx->out, code, ctx->src->path, ll_ctx_start(ctx, node), ll_ctx_end(ctx, node), "%s", buf);
  ll_ctx_stmt_rows(ctx, node, &f->stmt_first, &f->stmt_last);
  /* LOOP101-LOOP107 in the body of an async def, or one harmless when a module is imported
   * already (a @callback's too, with no function): held (the engine moves them at the end) */
  int blocking = strncmp(code, "LOOP10", 6) == 0 && code[6] >= '1' && code[6] <= '7' && !code[7];
  if (ctx->hold_blocking && (blocking || (ctx->hold_module && strcmp(code, "LOOP111") == 0))) {
    ll_scope *fn = ll_ctx_function(ctx);
    if (blocking && fn && fn->kind == LL_SCOPE_FUNCTION && fn->is_async && fn->func_index >= 0) {
      struct ll_ctx_hold h = {(uint32_t)(ctx->out->v.len - 1), fn->func_index, ctx->hold_module};
      ll_vec_push(&ctx->holds, h);
    } else if (fn && fn->kind == LL_SCOPE_FUNCTION && ctx->hold_module) {
      struct ll_ctx_hold h = {(uint32_t)(ctx->out->v.len - 1), -1, ctx->hold_module};
      ll_vec_push(&ctx->holds, h);
    }
  }
  return f;
}

/* One resolution per call node: its callee's value, and the name the rules data knows it by. */
static void resolve_callee(ll_ctx *ctx, TSNode call) {
  uint32_t a = ts_node_start_byte(call), b = ts_node_end_byte(call);
  if (ctx->callee_valid && ctx->callee_node_start == a && ctx->callee_node_end == b) return;
  if (!ctx->callee_value) ctx->callee_value = ll_arena_alloc(&ctx->arena, sizeof *ctx->callee_value);
  *ctx->callee_value = ll_resolve_value(ctx, ll_field(call, "function"));
  ctx->callee_qual = ll_resolve_value_name(ctx, ctx->callee_value);
  ctx->callee_node_start = a;
  ctx->callee_node_end = b;
  ctx->callee_valid = 1;
}

void ll_ctx_note_callee(ll_ctx *ctx, TSNode call, const char *callee_path) {
  if (!ctx->callee_value) ctx->callee_value = ll_arena_alloc(&ctx->arena, sizeof *ctx->callee_value);
  *ctx->callee_value = ll_typer_reduce(ll_ctx_typer(ctx), callee_path);
  ctx->callee_qual = ll_resolve_value_name(ctx, ctx->callee_value);
  ctx->callee_node_start = ts_node_start_byte(call);
  ctx->callee_node_end = ts_node_end_byte(call);
  ctx->callee_valid = 1;
}

const ll_value *ll_ctx_callee_value(ll_ctx *ctx, TSNode call) {
  resolve_callee(ctx, call);
  return ctx->callee_value;
}

const char *ll_ctx_callee(ll_ctx *ctx, TSNode call) {
  resolve_callee(ctx, call);
  return ctx->callee_qual;
}

void **ll_ctx_state(ll_ctx *ctx) { return &ctx->rule_state[ctx->cur_rule]; }

TSNode ll_ctx_parent(ll_ctx *ctx, TSNode node) {
  for (size_t i = ctx->path.len; i-- > 1;)
    if (ts_node_eq(ctx->path.items[i], node)) return ctx->path.items[i - 1];
  if (ctx->path.len && ts_node_eq(ctx->path.items[0], node)) return (TSNode){0};
  return ts_node_parent(node);
}
