/* flow.c: parameters, guards and always-raising blocks, read from a function's tree. */
#include "../front/fields.h"
#include "flow.h"
#include "except.h"

#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

static int is_scope(TSNode n) { return is(n, "function_definition") || is(n, "lambda") || is(n, "class_definition"); }

/* The name node a parameter node declares (NULL node for `*`, `/`). */
static TSNode param_name(TSNode p) {
  if (is(p, "identifier")) return p;
  if (is(p, "default_parameter") || is(p, "typed_default_parameter")) return ll_field(p, "name");
  if (is(p, "typed_parameter") || is(p, "list_splat_pattern") || is(p, "dictionary_splat_pattern")) {
    TSNode c = ts_node_named_child(p, 0);
    if (is(c, "list_splat_pattern") || is(c, "dictionary_splat_pattern")) c = ts_node_named_child(c, 0);
    return is(c, "identifier") ? c : (TSNode){0};
  }
  return (TSNode){0};
}

/* The parameter node of fn named name, and its index through *idx. */
static TSNode find_param(ll_ctx *ctx, TSNode fn, const char *name, int *idx) {
  TSNode params = ll_field(fn, "parameters");
  int k = 0;
  for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
    TSNode p = ts_node_named_child(params, i);
    if (is(p, "keyword_separator") || is(p, "positional_separator") || is(p, "comment")) continue;
    TSNode n = param_name(p);
    if (!ts_node_is_null(n) && ll_ctx_text_is(ctx, n, name)) {
      if (idx) *idx = k;
      return p;
    }
    k++;
  }
  return (TSNode){0};
}

int ll_flow_param_index(ll_ctx *ctx, TSNode fn, const char *name) {
  int k = -1;
  TSNode p = find_param(ctx, fn, name, &k);
  if (ts_node_is_null(p) || is(p, "list_splat_pattern") || is(p, "dictionary_splat_pattern")) return -1;
  TSNode c = is(p, "typed_parameter") ? ts_node_named_child(p, 0) : p;
  if (is(c, "list_splat_pattern") || is(c, "dictionary_splat_pattern")) return -1;
  return k;
}

int ll_flow_param_off_by_default(ll_ctx *ctx, TSNode fn, const char *name) {
  TSNode p = find_param(ctx, fn, name, NULL);
  if (!is(p, "default_parameter") && !is(p, "typed_default_parameter")) return 0;
  TSNode v = ll_field(p, "value");
  return is(v, "false") || is(v, "none");
}

/* Whether the subtree of n (nested scopes excluded) assigns name. */
static int assigns(ll_ctx *ctx, TSNode n, const char *name) {
  if (!ll_ctx_spend(ctx, 1)) return 0;
  if (is(n, "assignment") || is(n, "augmented_assignment")) {
    TSNode left = ll_field(n, "left");
    if (is(left, "identifier") && ll_ctx_text_is(ctx, left, name)) return 1;
    if (is(left, "pattern_list") || is(left, "tuple_pattern") || is(left, "list_pattern"))
      for (uint32_t i = 0; i < ts_node_named_child_count(left); i++) {
        TSNode e = ts_node_named_child(left, i);
        if (is(e, "identifier") && ll_ctx_text_is(ctx, e, name)) return 1;
      }
  } else if (is(n, "named_expression")) {
    TSNode left = ll_field(n, "name");
    if (is(left, "identifier") && ll_ctx_text_is(ctx, left, name)) return 1;
  } else if (is(n, "for_statement") || is(n, "for_in_clause")) {
    TSNode left = ll_field(n, "left");
    if (!ts_node_is_null(left) && ll_ctx_text_is(ctx, left, name)) return 1;
  } else if (is(n, "as_pattern_target")) {
    if (ll_ctx_text_is(ctx, n, name)) return 1;
  } else if (is(n, "global_statement") || is(n, "nonlocal_statement") || is(n, "delete_statement")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
      if (ll_ctx_text_is(ctx, ts_node_named_child(n, i), name)) return 1;
  }
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
    TSNode c = ts_node_named_child(n, i);
    if (is_scope(c)) continue;
    if (assigns(ctx, c, name)) return 1;
  }
  return 0;
}

int ll_flow_rebinds(ll_ctx *ctx, TSNode fn, const char *name) {
  TSNode body = ll_field(fn, "body");
  return !ts_node_is_null(body) && assigns(ctx, body, name);
}

int ll_flow_noreturn_annotation(ll_ctx *ctx, TSNode fn) {
  TSNode rt = ll_field(fn, "return_type");
  if (ts_node_is_null(rt)) return 0;
  if (is(rt, "type") && ts_node_named_child_count(rt)) rt = ts_node_named_child(rt, 0);
  const char *q = ll_resolve_qualname(ctx, rt);
  if (!q) return 0;
  static const char *const NEVER[] = {"typing.NoReturn", "typing.Never", "typing_extensions.NoReturn",
                                      "typing_extensions.Never", NULL};
  for (const char *const *w = NEVER; *w; w++)
    if (strcmp(q, *w) == 0) return 1;
  return 0;
}

/* Whether a return statement may run inside n (nested scopes excluded). */
static int may_return(TSNode n) {
  if (is(n, "return_statement")) return 1;
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
    TSNode c = ts_node_named_child(n, i);
    if (!is_scope(c) && may_return(c)) return 1;
  }
  return 0;
}

static int stmt_always_raises(TSNode st) {
  if (is(st, "raise_statement")) return 1;
  if (!is(st, "if_statement")) return 0;
  if (!ll_flow_always_raises(ll_field(st, "consequence"))) return 0;
  int has_else = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(st); i++) {
    TSNode c = ts_node_named_child(st, i);
    if (is(c, "elif_clause") && !ll_flow_always_raises(ll_field(c, "consequence"))) return 0;
    if (is(c, "else_clause")) {
      if (!ll_flow_always_raises(ll_field(c, "body"))) return 0;
      has_else = 1;
    }
  }
  return has_else;
}

int ll_flow_always_raises(TSNode block) {
  if (ts_node_is_null(block)) return 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(block); i++) {
    TSNode st = ts_node_named_child(block, i);
    if (stmt_always_raises(st)) return 1;
    if (may_return(st)) return 0;
  }
  return 0;
}

/* Whether cond holds when parameter `name` is an asyncio.CancelledError: 1 yes, 0 no, -1 not
 * known. Knows `isinstance(name, C)` for C (or a tuple of them) CancelledError or BaseException
 * (yes) and Exception (no: CancelledError is a BaseException since Python 3.8), `not`, `and`
 * and `or`; anything else is unknown. */
static int class_takes_cancelled(ll_ctx *ctx, TSNode t) {
  while (is(t, "parenthesized_expression")) t = ts_node_named_child(t, 0);
  if (is(t, "tuple")) {
    int all_no = 1;
    for (uint32_t i = 0; i < ts_node_named_child_count(t); i++) {
      int v = class_takes_cancelled(ctx, ts_node_named_child(t, i));
      if (v == 1) return 1;
      if (v != 0) all_no = 0;
    }
    return all_no ? 0 : -1;
  }
  if (!is(t, "identifier") && !is(t, "attribute")) return -1;
  const char *q = ll_resolve_qualname(ctx, t);
  if (!q) return -1;
  for (const char *const *c = ll_cancelled_error_names; *c; c++)
    if (strcmp(q, *c) == 0) return 1;
  if (strcmp(q, ll_base_exception_names[0]) == 0) return 1;
  return strcmp(q, "builtins.Exception") == 0 ? 0 : -1;
}

static int holds_for_cancelled(ll_ctx *ctx, TSNode cond, const char *name, int depth) {
  while (is(cond, "parenthesized_expression")) cond = ts_node_named_child(cond, 0);
  if (depth > 16 || ts_node_is_null(cond)) return -1;
  if (is(cond, "not_operator")) {
    int v = holds_for_cancelled(ctx, ll_field(cond, "argument"), name, depth + 1);
    return v < 0 ? -1 : !v;
  }
  if (is(cond, "boolean_operator")) {
    TSNode op = ll_field(cond, "operator");
    int l = holds_for_cancelled(ctx, ll_field(cond, "left"), name, depth + 1);
    int r = holds_for_cancelled(ctx, ll_field(cond, "right"), name, depth + 1);
    if (!ts_node_is_null(op) && strcmp(ts_node_type(op), "and") == 0)
      return l == 0 || r == 0 ? 0 : (l == 1 && r == 1 ? 1 : -1);
    return l == 1 || r == 1 ? 1 : (l == 0 && r == 0 ? 0 : -1);
  }
  if (!is(cond, "call")) return -1;
  const char *q = ll_ctx_callee(ctx, cond);
  TSNode args = ll_field(cond, "arguments");
  if (!q || strcmp(q, "builtins.isinstance") != 0 || ts_node_named_child_count(args) != 2) return -1;
  TSNode subject = ts_node_named_child(args, 0);
  if (!is(subject, "identifier") || !ll_ctx_text_is(ctx, subject, name)) return -1;
  return class_takes_cancelled(ctx, ts_node_named_child(args, 1));
}

/* The parameter an `isinstance(P, ...)` of cond tests, or NULL. */
static const char *tested_name(ll_ctx *ctx, TSNode cond, int depth) {
  while (is(cond, "parenthesized_expression")) cond = ts_node_named_child(cond, 0);
  if (depth > 16 || ts_node_is_null(cond)) return NULL;
  if (is(cond, "not_operator")) return tested_name(ctx, ll_field(cond, "argument"), depth + 1);
  if (is(cond, "boolean_operator")) {
    const char *n = tested_name(ctx, ll_field(cond, "left"), depth + 1);
    return n ? n : tested_name(ctx, ll_field(cond, "right"), depth + 1);
  }
  if (!is(cond, "call")) return NULL;
  TSNode args = ll_field(cond, "arguments");
  TSNode subject = ts_node_named_child_count(args) ? ts_node_named_child(args, 0) : (TSNode){0};
  return is(subject, "identifier") ? ll_ctx_text(ctx, subject) : NULL;
}

int ll_flow_reraises_cancelled(ll_ctx *ctx, TSNode fn, int *param) {
  TSNode body = ll_field(fn, "body");
  for (uint32_t i = 0; !ts_node_is_null(body) && i < ts_node_named_child_count(body); i++) {
    TSNode st = ts_node_named_child(body, i);
    if (is(st, "if_statement")) {
      TSNode cond = ll_field(st, "condition"), cons = ll_field(st, "consequence");
      TSNode raise = {0};
      for (uint32_t k = 0; !ts_node_is_null(cons) && k < ts_node_named_child_count(cons); k++) {
        TSNode c = ts_node_named_child(cons, k);
        if (is(c, "raise_statement")) { raise = c; break; }
        if (may_return(c)) break;
      }
      if (!ts_node_is_null(raise)) {
        /* `raise` (the exception being handled) or `raise P`, P the tested parameter */
        const char *name = NULL;
        if (ts_node_named_child_count(raise) == 0) name = tested_name(ctx, cond, 0);
        else if (is(ts_node_named_child(raise, 0), "identifier")) name = ll_ctx_text(ctx, ts_node_named_child(raise, 0));
        int k = name ? ll_flow_param_index(ctx, fn, name) : -1;
        if (k >= 0 && !ll_flow_rebinds(ctx, fn, name) && holds_for_cancelled(ctx, cond, name, 0) == 1) {
          *param = k;
          return 1;
        }
      }
    }
    if (may_return(st)) return 0;
  }
  return 0;
}

/* `flag`, or `flag and ...`, `... and flag`: the name that must be true, or NULL node. */
static int condition_needs(ll_ctx *ctx, TSNode cond, TSNode fn, const char **name, int *pos) {
  while (is(cond, "parenthesized_expression")) cond = ts_node_named_child(cond, 0);
  if (is(cond, "identifier")) {
    const char *n = ll_ctx_text(ctx, cond);
    int k = ll_flow_param_index(ctx, fn, n);
    if (k < 0 || !ll_flow_param_off_by_default(ctx, fn, n) || ll_flow_rebinds(ctx, fn, n)) return 0;
    *name = n;
    *pos = k;
    return 1;
  }
  if (is(cond, "boolean_operator")) {
    TSNode op = ll_field(cond, "operator");
    if (ts_node_is_null(op) || strcmp(ts_node_type(op), "and") != 0) return 0;
    return condition_needs(ctx, ll_field(cond, "left"), fn, name, pos) ||
           condition_needs(ctx, ll_field(cond, "right"), fn, name, pos);
  }
  return 0;
}

/* `X is None` or `not X`: X's name node, else a null node. */
static TSNode unset_test(TSNode cond) {
  while (is(cond, "parenthesized_expression")) cond = ts_node_named_child(cond, 0);
  if (is(cond, "not_operator")) {
    TSNode a = ll_field(cond, "argument");
    return is(a, "identifier") ? a : (TSNode){0};
  }
  if (is(cond, "comparison_operator") && ts_node_named_child_count(cond) == 2) {
    TSNode l = ts_node_named_child(cond, 0), r = ts_node_named_child(cond, 1);
    int is_op = 0;
    for (uint32_t i = 0; i < ts_node_child_count(cond); i++) {
      TSNode c = ts_node_child(cond, i);
      if (!ts_node_is_named(c)) is_op = strcmp(ts_node_type(c), "is") == 0;
    }
    if (is_op && is(l, "identifier") && is(r, "none")) return l;
  }
  return (TSNode){0};
}

/* `global name` in fn's own body. */
static int declares_global(ll_ctx *ctx, TSNode n, const char *name) {
  if (is(n, "global_statement")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
      if (ll_ctx_text_is(ctx, ts_node_named_child(n, i), name)) return 1;
    return 0;
  }
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
    TSNode c = ts_node_named_child(n, i);
    if (!is_scope(c) && declares_global(ctx, c, name)) return 1;
  }
  return 0;
}

/* `name = None` (or `name: T = None`) among the module's top-level statements. */
static int module_starts_none(ll_ctx *ctx, const char *name) {
  for (uint32_t i = 0; i < ts_node_named_child_count(ctx->root); i++) {
    TSNode st = ts_node_named_child(ctx->root, i);
    if (!is(st, "expression_statement") || !ts_node_named_child_count(st)) continue;
    TSNode a = ts_node_named_child(st, 0);
    if (!is(a, "assignment")) continue;
    TSNode l = ll_field(a, "left"), r = ll_field(a, "right");
    if (is(l, "identifier") && ll_ctx_text_is(ctx, l, name) && is(r, "none")) return 1;
  }
  return 0;
}

/* `name = {}` / `name = dict()` (or annotated) among the module's top-level statements. */
static int module_starts_dict(ll_ctx *ctx, const char *name) {
  for (uint32_t i = 0; i < ts_node_named_child_count(ctx->root); i++) {
    TSNode st = ts_node_named_child(ctx->root, i);
    if (!is(st, "expression_statement") || !ts_node_named_child_count(st)) continue;
    TSNode a = ts_node_named_child(st, 0);
    if (!is(a, "assignment")) continue;
    TSNode l = ll_field(a, "left"), r = ll_field(a, "right");
    if (!is(l, "identifier") || !ll_ctx_text_is(ctx, l, name)) continue;
    if (is(r, "dictionary") && ts_node_named_child_count(r) == 0) return 1;
    if (is(r, "call") && ll_ctx_text_is(ctx, ll_field(r, "function"), "dict")) {
      TSNode args = ll_field(r, "arguments");
      return !ts_node_is_null(args) && ts_node_named_child_count(args) == 0;
    }
  }
  return 0;
}

/* `name[...] = ...` somewhere in n (nested scopes excluded): the memo is filled. */
static int stores_into(ll_ctx *ctx, TSNode n, const char *name) {
  if (is(n, "assignment")) {
    TSNode l = ll_field(n, "left");
    if (is(l, "subscript") && ll_ctx_text_is(ctx, ll_field(l, "value"), name)) return 1;
  }
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
    TSNode c = ts_node_named_child(n, i);
    if (!is_scope(c) && stores_into(ctx, c, name)) return 1;
  }
  return 0;
}

/* The module-level dict a per-key memo reads in n: the `D` of a `D[...]` subscript in n. */
static TSNode subscripted_dict(TSNode n) {
  if (is(n, "subscript") && is(ll_field(n, "value"), "identifier")) return ll_field(n, "value");
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
    TSNode c = ts_node_named_child(n, i);
    if (is_scope(c)) continue;
    TSNode d = subscripted_dict(c);
    if (!ts_node_is_null(d)) return d;
  }
  return (TSNode){0};
}

/* A per-key memo of a module-level dict D (`D = {}` at the top, never rebound in fn), the
 * node in the branch that fills it: `try: return D[k] / except KeyError: ... D[k] = v`, or
 * `if k not in D: ... D[k] = v`. It runs once per key. */
static int dict_memo(ll_ctx *ctx, TSNode fn, TSNode p, TSNode child) {
  TSNode d = {0};
  if (is(p, "except_clause")) {
    TSNode tr = ll_ctx_parent(ctx, p);
    if (!is(tr, "try_statement")) return 0;
    static const char *const KEY[] = {"builtins.KeyError", "builtins.LookupError", NULL};
    ll_except_info info;
    ll_except_read(ctx, p, &info);
    if (!ts_node_eq(info.body, child) || !ll_except_catches(ctx, &info, KEY)) return 0;
    d = subscripted_dict(ll_field(tr, "body"));
  } else if ((is(p, "if_statement") || is(p, "elif_clause")) && ts_node_eq(ll_field(p, "consequence"), child)) {
    TSNode cond = ll_field(p, "condition");
    while (is(cond, "parenthesized_expression")) cond = ts_node_named_child(cond, 0);
    if (!is(cond, "comparison_operator") || ts_node_named_child_count(cond) != 2) return 0;
    int not_in = 0;
    for (uint32_t i = 0; i < ts_node_child_count(cond); i++) {
      TSNode c = ts_node_child(cond, i);
      if (!ts_node_is_named(c) && strcmp(ts_node_type(c), "not in") == 0) not_in = 1;
    }
    TSNode r = ts_node_named_child(cond, 1);
    if (!not_in || !is(r, "identifier")) return 0;
    d = r;
  } else return 0;
  if (ts_node_is_null(d)) return 0;
  const char *n = ll_ctx_text(ctx, d);
  return module_starts_dict(ctx, n) && !ll_flow_rebinds(ctx, fn, n) && stores_into(ctx, child, n);
}

ll_guard ll_flow_guard(ll_ctx *ctx, TSNode fn, TSNode node) {
  ll_guard g = {LL_GUARD_NONE, -1, NULL};
  if (ts_node_is_null(fn) || !is(fn, "function_definition")) return g;
  TSNode child = node;
  for (TSNode p = ll_ctx_parent(ctx, node); !ts_node_is_null(p) && !ts_node_eq(p, fn); p = ll_ctx_parent(ctx, p)) {
    if (is_scope(p)) break;
    if (dict_memo(ctx, fn, p, child)) {
      g.kind = LL_GUARD_MEMO;
      g.name = NULL;
      g.pos = -1;
      return g; /* runs once per key */
    }
    if ((is(p, "if_statement") || is(p, "elif_clause")) && ts_node_eq(ll_field(p, "consequence"), child)) {
      TSNode cond = ll_field(p, "condition");
      TSNode x = unset_test(cond);
      if (!ts_node_is_null(x)) {
        const char *n = ll_ctx_text(ctx, x);
        if (declares_global(ctx, ll_field(fn, "body"), n) && module_starts_none(ctx, n) && assigns(ctx, child, n)) {
          g.kind = LL_GUARD_MEMO;
          g.name = n;
          g.pos = -1;
          return g; /* runs once: no outer condition matters */
        }
      }
      const char *name = NULL;
      int pos = -1;
      if (g.kind == LL_GUARD_NONE && condition_needs(ctx, cond, fn, &name, &pos)) {
        g.kind = LL_GUARD_FLAG;
        g.name = name;
        g.pos = pos;
      }
    }
    child = p;
  }
  return g;
}
