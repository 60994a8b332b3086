/* rule_cancel.c: LOOP401-LOOP404, cancellation handling in async code.
 *
 * State follows the single walk: a frame per open `try` (and per `with suppress(...)`)
 * learns whether its body awaits as the awaits go by; a frame per open `except` learns
 * whether it re-raises as the raises go by; both are judged when the walk leaves them.
 * `task.cancel()` calls are remembered per function so the shutdown idiom (cancel, then
 * await the task and swallow its CancelledError) stays silent, and a cancelled task of
 * this object that is never awaited afterwards is reported when the function ends. */
#include "../front/fields.h"
#include "../model/except.h"
#include "../model/facts.h"
#include "../model/flow.h"
#include "../model/usage.h"
#include "engine.h"

#include <stdio.h>
#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

typedef struct frame {
  TSNode node;     /* try_statement, or with_statement of contextlib.suppress */
  uint32_t body_start, body_end, fn_start;
  int has_await;
  int awaits_cancelled; /* awaits something this function cancelled before */
  int suppress;         /* 0 try, 1 suppress(CancelledError), 2 suppress(BaseException) */
} frame;

typedef struct handler {
  TSNode clause, body;
  const char *bound;
  size_t frame;
  uint32_t fn_start;
  int is_async, cancel, broad, reraises, any_raise;
  int shadowed; /* an earlier clause of the same try catches CancelledError: this one never sees it */
  /* the last call made as a statement of the handler's own block, to a callee the project
   * pass can judge: it may never return and re-raise (`_reraise(err)`) */
  int helper_cs;         /* index into the file's call sites, -1 none */
  int arg_pos;           /* the bound exception passed positionally there, -1 not */
  const char *arg_kw;    /* or as this keyword */
} handler;

/* A LOOP401 candidate whose handler kept the exception (`errors.append(err)`): a later
 * `raise` in the function may re-raise it, so it is judged when the function ends. */
typedef struct deferred {
  TSNode clause;
  uint32_t fn_start, try_end;
  int cleared;
  int helper_cs, arg_pos; /* as in handler: the project pass decides (held) */
  const char *arg_kw;
} deferred;

/* The raises of one function's own body: whether each re-raises (bare, or a parameter). */
typedef struct fnraise {
  uint32_t fn_start;
  int bare, param, other; /* param: the parameter index raised, -1 none, -2 two different */
} fnraise;

typedef struct cancelled {
  uint32_t fn_start, after;
  const char *text;
  TSNode call;
  int owned;   /* self.<attr> typed as a task: LOOP404 candidate */
  int awaited;
} cancelled;

typedef struct state {
  LL_VEC(frame) frames;
  LL_VEC(handler) handlers;
  LL_VEC(cancelled) cancels;
  LL_VEC(deferred) deferred;
  LL_VEC(fnraise) raises;
} state;

static state *st(ll_ctx *ctx) {
  void **slot = ll_ctx_state(ctx);
  if (!*slot) *slot = ll_arena_alloc(&ctx->arena, sizeof(state));
  return *slot;
}

static void end_file(ll_ctx *ctx) {
  state *s = st(ctx);
  ll_vec_free(&s->frames);
  ll_vec_free(&s->handlers);
  ll_vec_free(&s->cancels);
  ll_vec_free(&s->deferred);
  ll_vec_free(&s->raises);
}

static uint32_t fn_start(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  return fn ? ts_node_start_byte(fn->node) : UINT32_MAX;
}

static int in_async(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_function(ctx);
  return fn && fn->kind == LL_SCOPE_FUNCTION && fn->is_async;
}

/* Strips `*` and parentheses: `*tasks` -> `tasks`. */
static const char *plain_text(ll_ctx *ctx, TSNode n) {
  while (is(n, "list_splat") || is(n, "parenthesized_expression")) n = ts_node_named_child(n, 0);
  return ts_node_is_null(n) ? "" : ll_ctx_text(ctx, n);
}

/* Whether the awaited expression is, or passes on, something cancelled earlier in this
 * function; marks those cancellations awaited. */
static int awaits_cancelled(ll_ctx *ctx, state *s, TSNode expr, uint32_t fs) {
  const char *texts[9];
  size_t nt = 0;
  texts[nt++] = plain_text(ctx, expr);
  if (is(expr, "call")) {
    TSNode args = ll_field(expr, "arguments");
    for (uint32_t i = 0; !ts_node_is_null(args) && i < ts_node_named_child_count(args) && nt < 9; i++) {
      TSNode a = ts_node_named_child(args, i);
      if (is(a, "list") || is(a, "set") || is(a, "tuple")) /* asyncio.wait([t1, t2]) */
        for (uint32_t k = 0; k < ts_node_named_child_count(a) && nt < 9; k++) texts[nt++] = plain_text(ctx, ts_node_named_child(a, k));
      else texts[nt++] = plain_text(ctx, a);
    }
  }
  int hit = 0;
  for (size_t i = 0; i < s->cancels.len; i++) {
    cancelled *c = &s->cancels.items[i];
    if (c->fn_start != fs || ts_node_start_byte(expr) < c->after) continue;
    for (size_t t = 0; t < nt; t++)
      if (strcmp(texts[t], c->text) == 0) { c->awaited = 1; hit = 1; }
  }
  return hit;
}

/* Awaiting a task handle (`t = asyncio.create_task(...)`, `self._task`): its CancelledError is
 * the task's, whoever cancelled it (another method, `conn.close()`): the shutdown idiom. */
static int awaits_task_handle(ll_ctx *ctx, TSNode awaited) {
  while (is(awaited, "parenthesized_expression")) awaited = ts_node_named_child(awaited, 0);
  if (!is(awaited, "identifier") && !is(awaited, "attribute")) return 0;
  const char *ty = ll_resolve_type(ctx, awaited);
  return ty && strcmp(ty, "asyncio.Task") == 0;
}

static void mark_await(ll_ctx *ctx, state *s, TSNode node, TSNode awaited) {
  uint32_t fs = fn_start(ctx), at = ts_node_start_byte(node);
  int cancelled_hit = !ts_node_is_null(awaited) && awaits_cancelled(ctx, s, awaited, fs);
  if (!cancelled_hit && !ts_node_is_null(awaited)) cancelled_hit = awaits_task_handle(ctx, awaited);
  for (size_t i = 0; i < s->frames.len; i++) {
    frame *f = &s->frames.items[i];
    if (f->fn_start != fs || at < f->body_start || at >= f->body_end) continue;
    f->has_await = 1;
    if (cancelled_hit) f->awaits_cancelled = 1;
  }
}

static void push_frame(ll_ctx *ctx, state *s, TSNode node, TSNode body, int suppress) {
  frame f = {.node = node, .fn_start = fn_start(ctx), .suppress = suppress};
  f.body_start = ts_node_is_null(body) ? 0 : ts_node_start_byte(body);
  f.body_end = ts_node_is_null(body) ? 0 : ts_node_end_byte(body);
  ll_vec_push(&s->frames, f);
}

static int has_async_token(TSNode n) {
  for (uint32_t i = 0; i < ts_node_child_count(n) && i < 2; i++) {
    TSNode c = ts_node_child(n, i);
    if (!ts_node_is_named(c) && strcmp(ts_node_type(c), "async") == 0) return 1;
  }
  return 0;
}

/* contextlib.suppress(...) in a with statement: 1 for CancelledError, 2 for BaseException. */
static int suppress_kind(ll_ctx *ctx, TSNode with) {
  int kind = 0;
  TSNode clause = ts_node_named_child(with, 0);
  for (uint32_t i = 0; is(clause, "with_clause") && i < ts_node_named_child_count(clause); i++) {
    TSNode v = ll_field(ts_node_named_child(clause, i), "value");
    if (is(v, "as_pattern")) v = ts_node_named_child(v, 0);
    if (!is(v, "call")) continue;
    const char *q = ll_ctx_callee(ctx, v);
    if (!q || strcmp(q, "contextlib.suppress") != 0) continue;
    TSNode args = ll_field(v, "arguments");
    for (uint32_t k = 0; !ts_node_is_null(args) && k < ts_node_named_child_count(args); k++) {
      const char *aq = ll_resolve_qualname(ctx, ts_node_named_child(args, k));
      if (!aq) continue;
      if (strcmp(aq, "builtins.BaseException") == 0) kind = 2;
      for (const char *const *c = ll_cancelled_error_names; *c && kind < 2; c++)
        if (strcmp(aq, *c) == 0) kind = 1;
    }
  }
  return kind;
}

/* Whether an earlier `except` of the same try catches CancelledError (or everything): the
 * exception never reaches this clause. `except*` clauses run differently and are left out. */
static int shadowed_clause(ll_ctx *ctx, TSNode clause) {
  if (!is(clause, "except_clause")) return 0;
  TSNode tr = ll_ctx_parent(ctx, clause);
  if (!is(tr, "try_statement")) return 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(tr); i++) {
    TSNode c = ts_node_named_child(tr, i);
    if (ts_node_eq(c, clause)) break;
    if (!is(c, "except_clause")) continue;
    ll_except_info info;
    ll_except_read(ctx, c, &info);
    if (info.bare || ll_except_catches(ctx, &info, ll_cancelled_error_names) ||
        ll_except_catches(ctx, &info, ll_base_exception_names))
      return 1;
  }
  return 0;
}

/* Records what a `raise` in a function's own body raises: the exception being handled
 * (bare), one of the function's parameters (`raise exc`, `raise exc from None`), or else. */
static void note_raise(ll_ctx *ctx, state *s, TSNode node, uint32_t fs) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (!fn || fn->kind != LL_SCOPE_FUNCTION) return;
  fnraise *r = NULL;
  for (size_t i = s->raises.len; i-- > 0;)
    if (s->raises.items[i].fn_start == fs) { r = &s->raises.items[i]; break; }
  if (!r) {
    fnraise nr = {.fn_start = fs, .param = -1};
    ll_vec_push(&s->raises, nr);
    r = &ll_vec_last(&s->raises);
  }
  if (ts_node_named_child_count(node) == 0) { r->bare++; return; }
  TSNode e = ts_node_named_child(node, 0);
  int k = is(e, "identifier") ? ll_flow_param_index(ctx, fn->node, ll_ctx_text(ctx, e)) : -1;
  if (k < 0) r->other++;
  else if (r->param == -1) r->param = k;
  else if (r->param != k) r->param = -2;
}

/* A call made as a statement of the innermost handler's own block: the handler's exception
 * may go to a helper that never returns and re-raises it. Kept when the call is a call site
 * of the file's facts (the project pass resolves it). */
static void note_handler_call(ll_ctx *ctx, state *s, TSNode call) {
  if (!s->handlers.len) return;
  handler *h = &ll_vec_last(&s->handlers);
  if (h->fn_start != fn_start(ctx) || ts_node_is_null(h->body)) return;
  TSNode st = ll_ctx_parent(ctx, call);
  if (is(st, "await")) st = ll_ctx_parent(ctx, st); /* `await self._handle_error(exc)` */
  if (!is(st, "expression_statement") || !ts_node_eq(ll_ctx_parent(ctx, st), h->body)) return;
  ll_file_facts *ff = ctx->facts;
  ll_pos at = ll_ctx_start(ctx, call);
  if (!ff->calls.len || ll_vec_last(&ff->calls).start.row != at.row || ll_vec_last(&ff->calls).start.col != at.col) return;
  h->helper_cs = (int)ff->calls.len - 1;
  h->arg_pos = -1;
  h->arg_kw = NULL;
  TSNode args = ll_field(call, "arguments");
  int pos = 0;
  for (uint32_t i = 0; h->bound && !ts_node_is_null(args) && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument")) {
      TSNode v = ll_field(a, "value");
      if (is(v, "identifier") && ll_ctx_text_is(ctx, v, h->bound))
        h->arg_kw = ll_arena_strdup(&ff->arena, ll_ctx_text(ctx, ll_field(a, "name")));
      continue;
    }
    if (is(a, "list_splat") || is(a, "dictionary_splat")) { pos = -1000; continue; }
    if (pos >= 0 && is(a, "identifier") && ll_ctx_text_is(ctx, a, h->bound)) h->arg_pos = pos;
    pos++;
  }
}

/* Whether a node can raise CancelledError or re-raise: an await (or async with/for) or a
 * raise in it, nested definitions aside. Depth-limited: a deep node counts as "can". */
static int may_cancel_or_raise(ll_ctx *ctx, TSNode n, int depth) {
  if (depth > 64 || !ll_ctx_spend(ctx, 1)) return 1;
  if (is(n, "await") || is(n, "raise_statement")) return 1;
  if (is(n, "function_definition") || is(n, "lambda") || is(n, "class_definition")) return 0;
  if ((is(n, "with_statement") || is(n, "for_statement")) && has_async_token(n)) return 1;
  for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
    if (may_cancel_or_raise(ctx, ts_node_named_child(n, i), depth + 1)) return 1;
  return 0;
}

/* A try whose handlers catch everything (bare `except:` or BaseException) and whose handlers
 * and else block can neither await nor raise: when its finally runs, no exception is in
 * flight, so a `return` there discards nothing (the swallowed cancellation is LOOP401/402's). */
static int catches_all_quietly(ll_ctx *ctx, TSNode tr) {
  if (!is(tr, "try_statement")) return 0;
  int all = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(tr); i++) {
    TSNode c = ts_node_named_child(tr, i);
    if (is(c, "except_group_clause")) return 0;
    if (is(c, "except_clause")) {
      ll_except_info info;
      ll_except_read(ctx, c, &info);
      if (info.bare || ll_except_catches(ctx, &info, ll_base_exception_names)) all = 1;
      if (may_cancel_or_raise(ctx, info.body, 0)) return 0;
    } else if (is(c, "else_clause") && may_cancel_or_raise(ctx, ll_field(c, "body"), 0)) return 0;
  }
  return all;
}

static void enter(ll_ctx *ctx, TSNode node) {
  state *s = st(ctx);
  const char *t = ts_node_type(node);
  if (strcmp(t, "try_statement") == 0) {
    push_frame(ctx, s, node, ll_field(node, "body"), 0);
  } else if (strcmp(t, "with_statement") == 0) {
    if (has_async_token(node)) mark_await(ctx, s, node, (TSNode){0});
    int k = suppress_kind(ctx, node);
    if (k) push_frame(ctx, s, node, ll_field(node, "body"), k);
  } else if (strcmp(t, "for_statement") == 0) {
    if (has_async_token(node)) mark_await(ctx, s, node, (TSNode){0});
  } else if (strcmp(t, "await") == 0) {
    mark_await(ctx, s, node, ts_node_named_child(node, 0));
  } else if (strcmp(t, "except_clause") == 0 || strcmp(t, "except_group_clause") == 0) {
    ll_except_info info;
    ll_except_read(ctx, node, &info);
    handler h = {.clause = node, .body = info.body, .bound = info.bound, .frame = s->frames.len - 1,
                 .fn_start = fn_start(ctx), .is_async = in_async(ctx), .helper_cs = -1, .arg_pos = -1};
    h.cancel = ll_except_catches(ctx, &info, ll_cancelled_error_names);
    h.broad = info.bare || ll_except_catches(ctx, &info, ll_base_exception_names);
    h.shadowed = shadowed_clause(ctx, node);
    if (!s->frames.len) return;
    ll_vec_push(&s->handlers, h);
  } else if (strcmp(t, "raise_statement") == 0) {
    uint32_t fs = fn_start(ctx);
    note_raise(ctx, s, node, fs);
    for (size_t i = 0; i < s->deferred.len; i++)
      if (s->deferred.items[i].fn_start == fs && ts_node_start_byte(node) >= s->deferred.items[i].try_end)
        s->deferred.items[i].cleared = 1;
    for (size_t i = s->handlers.len; i-- > 0;) {
      handler *h = &s->handlers.items[i];
      if (h->fn_start != fs) continue;
      h->any_raise = 1;
      TSNode e = ts_node_named_child(node, 0);
      if (ts_node_named_child_count(node) == 0 || (h->bound && is(e, "identifier") && ll_ctx_text_is(ctx, e, h->bound)))
        h->reraises = 1;
      break;
    }
  } else if (strcmp(t, "return_statement") == 0 || strcmp(t, "break_statement") == 0 ||
             strcmp(t, "continue_statement") == 0) {
    if (!in_async(ctx)) return;
    int is_return = t[0] == 'r';
    for (TSNode p = ll_ctx_parent(ctx, node); !ts_node_is_null(p); p = ll_ctx_parent(ctx, p)) {
      if (is(p, "function_definition") || is(p, "lambda") || is(p, "class_definition")) return;
      if (!is_return && (is(p, "for_statement") || is(p, "while_statement"))) return; /* its own loop */
      if (is(p, "finally_clause")) {
        TSNode tr = ll_ctx_parent(ctx, p);
        if (catches_all_quietly(ctx, tr)) return; /* nothing can be in flight when finally runs */
        for (size_t i = 0; i < s->frames.len; i++)
          if (ts_node_eq(s->frames.items[i].node, tr) && s->frames.items[i].has_await) {
            ll_ctx_report(ctx, "LOOP403", node,
                          "`%s` in `finally` discards the exception in flight, including the task's CancelledError; "
                          "move it after the try statement",
                          is_return ? "return" : (t[0] == 'b' ? "break" : "continue"));
            return;
          }
        return;
      }
    }
  } else if (strcmp(t, "call") == 0) {
    note_handler_call(ctx, s, node);
    TSNode fnode = ll_field(node, "function");
    if (!is(fnode, "attribute") || !ll_ctx_text_is(ctx, ll_field(fnode, "attribute"), "cancel")) return;
    TSNode recv = ll_field(fnode, "object");
    cancelled c = {.fn_start = fn_start(ctx), .after = ts_node_end_byte(node), .call = node};
    c.text = ll_ctx_text(ctx, recv);
    const char *ty = ll_resolve_type(ctx, recv);
    c.owned = in_async(ctx) && strncmp(c.text, "self.", 5) == 0 && ty && strcmp(ty, "asyncio.Task") == 0;
    ll_vec_push(&s->cancels, c);
    /* `for t in tasks: t.cancel()` cancels `tasks` too */
    if (is(recv, "identifier"))
      for (TSNode p = ll_ctx_parent(ctx, node); !ts_node_is_null(p) && !is(p, "function_definition"); p = ll_ctx_parent(ctx, p))
        if (is(p, "for_statement") && ll_ctx_text_is(ctx, ll_field(p, "left"), c.text)) {
          TSNode it = ll_field(p, "right");
          while (is(it, "parenthesized_expression")) it = ts_node_named_child(it, 0);
          cancelled all = c;
          all.owned = 0;
          all.after = ts_node_end_byte(p);
          if (is(it, "tuple") || is(it, "list") || is(it, "set") || is(it, "expression_list")) {
            /* `for t in (self._a, self._b): t.cancel()` cancels each element */
            for (uint32_t k = 0; k < ts_node_named_child_count(it); k++) {
              all.text = plain_text(ctx, ts_node_named_child(it, k));
              ll_vec_push(&s->cancels, all);
            }
          } else {
            all.text = plain_text(ctx, it);
            ll_vec_push(&s->cancels, all);
          }
          break;
        }
  }
}

#define MSG_401                                                                                          \
  "`CancelledError` is caught and not re-raised: the task looks finished to whoever cancelled it, and " \
  "timeouts and TaskGroups stop working; end the handler with `raise`"

static void report_401(ll_ctx *ctx, TSNode clause) { ll_ctx_report(ctx, "LOOP401", clause, "%s", MSG_401); }

/* The name of fn's parameter number k (self counted), in the facts' arena. */
static const char *reraise_name(ll_ctx *ctx, TSNode fn, int k) {
  TSNode params = ll_field(fn, "parameters");
  int idx = 0;
  for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
    TSNode p = ts_node_named_child(params, i);
    if (is(p, "keyword_separator") || is(p, "positional_separator") || is(p, "comment")) continue;
    if (idx++ != k) continue;
    TSNode n = is(p, "identifier") ? p : ll_field(p, "name");
    if (ts_node_is_null(n)) n = ts_node_named_child(p, 0);
    return ts_node_is_null(n) ? NULL : ll_arena_strdup(&ctx->facts->arena, ll_ctx_text(ctx, n));
  }
  return NULL;
}

/* LOOP401 unless the helper the handler calls last re-raises: the project pass decides. */
static void hold(ll_ctx *ctx, const deferred *d, const char *code, const char *message, int kind) {
  ll_file_facts *ff = ctx->facts;
  ll_held h;
  memset(&h, 0, sizeof h);
  h.code = code;
  h.message = ll_arena_strdup(&ff->arena, message);
  h.start = ll_ctx_start(ctx, d->clause);
  h.end = ll_ctx_end(ctx, d->clause);
  ll_ctx_stmt_rows(ctx, d->clause, &h.stmt_first, &h.stmt_last);
  h.call = (uint32_t)d->helper_cs;
  h.kind = (uint8_t)kind;
  h.arg_pos = (int8_t)(d->arg_pos > 100 ? -1 : d->arg_pos);
  h.arg_kw = d->arg_kw;
  ll_vec_push(&ff->held, h);
}

/* What a function's body guarantees its callers: it never returns and re-raises, or it
 * re-raises whenever what it is handed is a cancellation. */
static void record_reraises(ll_ctx *ctx, state *s, TSNode fn) {
  ll_pos at = ll_ctx_start(ctx, fn);
  ll_funcdef *fd = NULL;
  for (size_t i = ctx->facts->funcs.len; i-- > 0;)
    if (ctx->facts->funcs.items[i].pos.row == at.row && ctx->facts->funcs.items[i].pos.col == at.col) {
      fd = &ctx->facts->funcs.items[i];
      break;
    }
  uint32_t fs = ts_node_start_byte(fn);
  fnraise *r = NULL;
  for (size_t i = s->raises.len; i-- > 0;)
    if (s->raises.items[i].fn_start == fs) { r = &s->raises.items[i]; r->fn_start = UINT32_MAX; break; }
  if (!fd || !r || r->param == -2 || fd->has_yield) return;
  if (r->other && r->param < 0) return;
  if (ll_flow_noreturn_annotation(ctx, fn) || ll_flow_always_raises(ll_field(fn, "body"))) {
    fd->reraises = r->other ? 2 : 1;
    fd->reraise_param = (int8_t)(r->param >= 0 && r->param < 100 ? r->param : -1);
    if (r->param >= 0) fd->reraise_name = reraise_name(ctx, fn, r->param);
    return;
  }
  /* it returns on some paths, but re-raises whenever it is handed a cancellation */
  int k;
  if (r->other || !ll_flow_reraises_cancelled(ctx, fn, &k) || k >= 100) return;
  fd->reraises = 3;
  fd->reraise_param = (int8_t)k;
  fd->reraise_name = reraise_name(ctx, fn, k);
}

/* The handler passes the caught exception on (`errors.append(err)`), beyond the `as` target. */
static int bound_kept(ll_ctx *ctx, const handler *h) {
  if (!h->bound) return 0;
  ll_except_info info;
  ll_except_read(ctx, h->clause, &info);
  if (ts_node_is_null(info.body)) return 0;
  return ll_usage_name_occurs(ctx, h->bound, ts_node_start_byte(info.body), ts_node_end_byte(info.body));
}

static void leave(ll_ctx *ctx, TSNode node) {
  state *s = st(ctx);
  const char *t = ts_node_type(node);
  if (strcmp(t, "except_clause") == 0 || strcmp(t, "except_group_clause") == 0) {
    if (!s->handlers.len || !ts_node_eq(ll_vec_last(&s->handlers).clause, node)) return;
    handler h = s->handlers.items[--s->handlers.len];
    const frame *f = &s->frames.items[h.frame];
    if (!h.is_async || !f->has_await) return; /* nothing in the try can be cancelled */
    if (h.shadowed) return;
    TSNode head = node;
    if (h.cancel && !h.reraises && !f->awaits_cancelled) {
      if (bound_kept(ctx, &h) || h.helper_cs >= 0) {
        deferred d = {.clause = head, .fn_start = h.fn_start, .try_end = ts_node_end_byte(f->node),
                      .helper_cs = h.helper_cs, .arg_pos = h.arg_pos, .arg_kw = h.arg_kw};
        ll_vec_push(&s->deferred, d);
      } else report_401(ctx, head);
    } else if (h.broad && !h.cancel && !h.any_raise) {
      char m[200];
      snprintf(m, sizeof m,
               "%s around an `await` also catches `CancelledError` and swallows it; catch `Exception` instead, or "
               "re-raise",
               ts_node_named_child_count(node) <= 1 ? "Bare `except:`" : "`except BaseException`");
      /* the exception handed to a helper that never returns and may re-raise it
       * (`self._convert_error(exc)`): the project pass decides */
      if (h.helper_cs >= 0 && h.bound && (h.arg_pos >= 0 || h.arg_kw)) {
        deferred d = {.clause = head, .helper_cs = h.helper_cs, .arg_pos = h.arg_pos, .arg_kw = h.arg_kw};
        hold(ctx, &d, "LOOP402", m, LL_HELD_UNLESS_MAY_RERAISE);
      } else ll_ctx_report(ctx, "LOOP402", head, "%s", m);
    }
  } else if (strcmp(t, "try_statement") == 0 || strcmp(t, "with_statement") == 0) {
    if (!s->frames.len || !ts_node_eq(ll_vec_last(&s->frames).node, node)) return;
    frame f = s->frames.items[--s->frames.len];
    if (f.suppress && f.has_await && in_async(ctx) && !f.awaits_cancelled)
      ll_ctx_report(ctx, "LOOP402", node,
                    "`contextlib.suppress(%s)` around an `await` swallows the task's own cancellation; suppress only "
                    "the exceptions you expect, or use it only to await a task you just cancelled",
                    f.suppress == 2 ? "BaseException" : "CancelledError");
  } else if (strcmp(t, "function_definition") == 0) {
    uint32_t fs = ts_node_start_byte(node);
    for (size_t i = 0; i < s->deferred.len; i++) {
      deferred *d = &s->deferred.items[i];
      if (d->fn_start != fs) continue;
      if (!d->cleared && d->helper_cs >= 0) hold(ctx, d, "LOOP401", MSG_401, LL_HELD_UNLESS_RERAISES);
      else if (!d->cleared) report_401(ctx, d->clause);
      d->fn_start = UINT32_MAX;
    }
    record_reraises(ctx, s, node);
    for (size_t i = 0; i < s->cancels.len; i++) {
      cancelled *c = &s->cancels.items[i];
      if (c->fn_start != fs) continue;
      if (c->owned && !c->awaited)
        ll_ctx_report(ctx, "LOOP404", c->call,
                      "`%s` is cancelled but never awaited: its cleanup may still be running (or fail unseen) after "
                      "this returns; `await` it (in `contextlib.suppress(asyncio.CancelledError)`)",
                      c->text);
      c->fn_start = UINT32_MAX; /* done with this function */
    }
  }
}

static const char *const NODES[] = {"try_statement", "with_statement", "for_statement", "await", "except_clause",
                                    "except_group_clause", "raise_statement", "return_statement", "break_statement",
                                    "continue_statement", "call", "function_definition", NULL};
const ll_rule ll_rule_cancel = {.id = "cancel", .node_types = NODES, .enter = enter, .leave = leave, .end_file = end_file};
