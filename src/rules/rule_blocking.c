/* rule_blocking.c: LOOP101-LOOP106 and LOOP111. A call, made directly on the event loop
 * (the body of an `async def`, or of a Home Assistant `@callback`), to a callable that
 * rules/blocking.json lists. Calls in a nested `def` or `lambda` run elsewhere and are
 * skipped by construction: the innermost function scope decides. */
#include "../front/fields.h"
#include "../model/facts.h"
#include "../model/except.h"
#include "../model/flow.h"
#include "../model/modules.h"
#include "fixgen.h"
#include "../util/strbuf.h"
#include "engine.h"
#include "../model/types.h"
#include "../diag/registry.h"

#include <stdio.h>
#include <string.h>


/* `await asyncio.to_thread(list, p.glob("*"))`: a lazy iterator handed straight to an executor
 * wrapper is consumed in the worker thread (ruff#28040). */
static int passed_to_offload(ll_ctx *ctx, TSNode call) {
  TSNode args = ll_ctx_parent(ctx, call);
  if (ts_node_is_null(args)) return 0;
  if (strcmp(ts_node_type(args), "keyword_argument") == 0) args = ll_ctx_parent(ctx, args);
  if (ts_node_is_null(args) || strcmp(ts_node_type(args), "argument_list") != 0) return 0;
  TSNode outer = ll_ctx_parent(ctx, args);
  if (ts_node_is_null(outer) || strcmp(ts_node_type(outer), "call") != 0) return 0;
  TSNode fn = ll_field(outer, "function");
  const char *method = NULL;
  if (strcmp(ts_node_type(fn), "attribute") == 0) method = ll_ctx_text(ctx, ll_field(fn, "attribute"));
  return ll_ruledb_is_offload(ctx->db, ll_resolve_qualname(ctx, fn), method);
}

/* `run_coroutine_threadsafe(...).result()`: the receiver is a call another rule reports. */
static int on_excluded_receiver(ll_ctx *ctx, TSNode call, const ll_blocking_entry *e) {
  if (!e->not_on.len) return 0;
  TSNode fn = ll_field(call, "function");
  if (strcmp(ts_node_type(fn), "attribute") != 0) return 0;
  TSNode obj = ll_field(fn, "object");
  if (strcmp(ts_node_type(obj), "call") != 0) return 0;
  const char *rq = ll_ctx_callee(ctx, obj);
  for (size_t i = 0; rq && i < e->not_on.len; i++)
    if (strcmp(rq, e->not_on.items[i]) == 0) return 1;
  return 0;
}

/* A fix without a Home Assistant wording, as Home Assistant code does it: the executor is
 * hass's (`hass.async_add_executor_job` takes the function and its arguments as `to_thread`
 * does), so the suggestion names it. */
static void add_ha_fix(ll_strbuf *msg, const char *fix) {
  static const char TO_THREAD[] = "asyncio.to_thread";
  for (const char *hit; (hit = strstr(fix, TO_THREAD)) != NULL; fix = hit + sizeof TO_THREAD - 1) {
    ll_strbuf_addn(msg, fix, (size_t)(hit - fix));
    ll_strbuf_add(msg, "hass.async_add_executor_job");
  }
  ll_strbuf_add(msg, fix);
}

void ll_blocking_message(ll_strbuf *msg, const ll_blocking_entry *e, const char *q, int in_async, int ha,
                         const char *fn_name) {
  /* a sync client's entry names its class or module: the call is named by itself */
  int own = e->message && !e->is_prefix && strcmp(e->name, q) == 0;
  if (own) ll_strbuf_add(msg, e->message);
  else if (e->message) ll_strbuf_addf(msg, "`%s`: %s", q, e->message);
  else ll_strbuf_addf(msg, "`%s` blocks the event loop", q);
  if (!in_async) {
    /* a @callback is sync: the usual `await ...` fixes do not apply */
    ll_strbuf_addf(msg, " (in @callback `%s`, which runs on the event loop); a @callback cannot await: run the work "
                        "with `hass.async_add_executor_job(func, *args)` and handle its result in a callback or task",
                   fn_name);
  } else {
    const char *fix = ha && e->ha_fix ? e->ha_fix : e->fix;
    if (fix) {
      ll_strbuf_add(msg, "; use ");
      if (ha && !e->ha_fix) add_ha_fix(msg, fix);
      else ll_strbuf_add(msg, fix);
    }
  }
}

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

/* The argument of call that h names (its keyword, else its position), or a null node;
 * *splat when a `*args`/`**kwargs` of the call may pass it unseen. */
static TSNode named_arg(ll_ctx *ctx, TSNode call, const ll_harmless *h, int *splat) {
  TSNode args = ll_field(call, "arguments"), by_pos = {0};
  int pos = 0;
  *splat = 0;
  for (uint32_t i = 0; is(args, "argument_list") && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument")) {
      if (h->keyword && ll_ctx_text_is(ctx, ll_field(a, "name"), h->keyword)) return ll_field(a, "value");
      continue;
    }
    if (is(a, "dictionary_splat")) { *splat = 1; continue; }
    if (is(a, "list_splat")) { *splat = 1; pos = 1000; continue; }
    if (pos++ == h->position) by_pos = a;
  }
  return by_pos;
}

static int keyword_passed(ll_ctx *ctx, TSNode call, const char *kw) {
  TSNode args = ll_field(call, "arguments");
  for (uint32_t i = 0; is(args, "argument_list") && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "dictionary_splat")) return 1;
    if (is(a, "keyword_argument") && ll_ctx_text_is(ctx, ll_field(a, "name"), kw)) return 1;
  }
  return 0;
}

/* Whether type ty (a type expression) is cls or, through the bases the data lists, derives from it. */
static int type_is(const ll_ruledb *db, const char *ty, const char *cls, int depth) {
  size_t n = strlen(cls);
  if (strncmp(ty, cls, n) == 0 && (ty[n] == 0 || ty[n] == '[')) return 1;
  if (depth > 6) return 0;
  char head[256];
  size_t hl = ll_texpr_head_len(ty);
  if (hl >= sizeof head) return 0;
  memcpy(head, ty, hl);
  head[hl] = 0;
  const char *const *bases = ll_ruledb_bases(db, head);
  for (size_t i = 0; bases && bases[i]; i++)
    if (type_is(db, bases[i], cls, depth + 1)) return 1;
  return 0;
}

static int is_dunder(ll_ctx *ctx, TSNode a, const char *name) {
  /* `__name__` / `__package__`, not rebound by the file (in any scope the walk is in) */
  if (!is(a, "identifier") || !ll_ctx_text_is(ctx, a, name)) return 0;
  for (size_t i = 0; i < ctx->scopes.len; i++)
    if (ll_strmap_get(&ctx->scopes.items[i].bindings, name)) return 0;
  return 1;
}

/* The text of a plain string literal ('...' or "...", no prefix, escape or brace), or NULL. */
static const char *plain_string(ll_ctx *ctx, TSNode a, size_t *len) {
  if (!is(a, "string")) return NULL;
  const char *text = ll_ctx_text(ctx, a);
  size_t n = strlen(text);
  if (n < 2 || (text[0] != '"' && text[0] != '\'') || text[n - 1] != text[0]) return NULL;
  if (n >= 6 && text[1] == text[0] && text[2] == text[0]) return NULL; /* triple-quoted */
  if (memchr(text + 1, '{', n - 2) || memchr(text + 1, '\\', n - 2) || memchr(text + 1, text[0], n - 2)) return NULL;
  *len = n - 2;
  return text + 1;
}

/* The package a module name is made absolute against: import_module's `package` argument
 * (keyword, or the second positional), when it is `__package__`, `__name__` or a plain string. */
static const char *package_arg(ll_ctx *ctx, TSNode call) {
  const ll_harmless h = {.keyword = "package", .position = 1};
  int splat = 0;
  TSNode a = named_arg(ctx, call, &h, &splat);
  while (is(a, "parenthesized_expression")) a = ts_node_named_child(a, 0);
  if (ts_node_is_null(a) || splat) return NULL;
  if (is_dunder(ctx, a, "__package__")) return ctx->package;
  if (is_dunder(ctx, a, "__name__")) return ctx->module;
  size_t n;
  const char *s = plain_string(ctx, a, &n);
  return s ? ll_arena_strndup(&ctx->arena, s, n) : NULL;
}

/* The absolute module argument a of import_module call names, or NULL when it is built at
 * run time: a plain string ("pkg.const"; ".const" made absolute against the package
 * argument), or the f-string
 * `f"{__package__}.const"` (`__name__` likewise). */
static const char *named_module(ll_ctx *ctx, TSNode call, TSNode a) {
  if (!ctx->module || !*ctx->module) return NULL;
  size_t n;
  const char *s = plain_string(ctx, a, &n);
  if (s) {
    if (n == 0) return NULL;
    size_t dots = strspn(s, ".");
    if (!dots) return ll_arena_strndup(&ctx->arena, s, n);
    const char *pkg = package_arg(ctx, call);
    if (!pkg || !*pkg) return NULL;
    return ll_module_relative(&ctx->arena, pkg, dots, ll_arena_strndup(&ctx->arena, s + dots, n - dots));
  }
  /* f"{__package__}.rest": one interpolation, first, then plain text */
  if (!is(a, "string")) return NULL;
  const char *text = ll_ctx_text(ctx, a);
  if ((text[0] != 'f' && text[0] != 'F') || (text[1] != '"' && text[1] != '\'')) return NULL;
  TSNode interp = {0};
  for (uint32_t i = 0; i < ts_node_named_child_count(a); i++) {
    TSNode c = ts_node_named_child(a, i);
    if (!is(c, "interpolation")) continue;
    if (!ts_node_is_null(interp)) return NULL;
    interp = c;
  }
  if (ts_node_is_null(interp) || ts_node_start_byte(interp) != ts_node_start_byte(a) + 2) return NULL;
  TSNode e = ts_node_named_child(interp, 0);
  if (ts_node_named_child_count(interp) != 1) return NULL;
  const char *base = is_dunder(ctx, e, "__package__") ? ctx->package : is_dunder(ctx, e, "__name__") ? ctx->module : NULL;
  if (!base || !*base) return NULL;
  const char *rest = ctx->src->text + ts_node_end_byte(interp);
  size_t rn = ts_node_end_byte(a) - ts_node_end_byte(interp);
  if (rn < 3 || rest[0] != '.' || rest[rn - 1] != text[1] || rest[1] == '.') return NULL;
  rn--; /* the closing quote */
  for (size_t i = 1; i < rn; i++)
    if (!(rest[i] == '.' || rest[i] == '_' || (rest[i] >= 'a' && rest[i] <= 'z') || (rest[i] >= 'A' && rest[i] <= 'Z') ||
          (rest[i] >= '0' && rest[i] <= '9')))
      return NULL;
  return ll_arena_join(&ctx->arena, base, ll_arena_strndup(&ctx->arena, rest + 1, rn - 1));
}

/* Whether module m is imported whenever this code runs: the calling module itself or a
 * package above it (importing a module imports its packages first). The module system's
 * dictionary answers those; nothing is read from disk. */
static int own_module(ll_ctx *ctx, const char *m) {
  size_t len = strlen(m);
  return len && strncmp(ctx->module, m, len) == 0 && (ctx->module[len] == 0 || ctx->module[len] == '.');
}

/* Whether argument a satisfies h's value and type lists (either, when both are given). */
static int arg_matches(ll_ctx *ctx, TSNode a, const ll_harmless *h) {
  while (is(a, "parenthesized_expression")) a = ts_node_named_child(a, 0);
  if (ts_node_is_null(a) || is(a, "none")) return 0;
  if (!h->values && !h->types) return 1;
  for (const char *const *v = h->values; v && *v; v++) {
    if ((strcmp(*v, "True") == 0 && is(a, "true")) || (strcmp(*v, "False") == 0 && is(a, "false"))) return 1;
    const char *q = is(a, "identifier") || is(a, "attribute") ? ll_resolve_qualname(ctx, a) : NULL;
    if (q && strcmp(q, *v) == 0) return 1;
  }
  const char *ty = h->types ? ll_resolve_type(ctx, a) : NULL;
  for (const char *const *t = h->types; ty && t && *t; t++)
    if (type_is(ctx->db, ty, *t, 0)) return 1;
  return 0;
}

/* Whether the call's arguments make it harmless by one of the entry's "harmless_when"
 * conditions: `tarfile.open(fileobj=io.BytesIO(data))`, `Path(os.devnull).open()`. Values and
 * types are known by resolution, never by the text. *cond: a module an "imported" condition
 * names that only the project can say is imported already (its packages' __init__ imports). */
static int harmless_call(ll_ctx *ctx, TSNode call, const ll_blocking_entry *e, const char **cond) {
  for (size_t i = 0; i < e->nharmless; i++) {
    const ll_harmless *h = &e->harmless[i];
    if (h->caught) {
      if (!ll_except_guarding_has(ll_except_guarding(ctx, call), h->caught)) continue;
      if (!h->keyword && h->position < 0) return 1;
    }
    TSNode target = call;
    if (h->receiver) {
      TSNode fn = ll_field(call, "function");
      if (!is(fn, "attribute")) continue;
      target = ll_field(fn, "object");
      while (is(target, "parenthesized_expression")) target = ts_node_named_child(target, 0);
      if (!is(target, "call")) continue;
    }
    int splat = 0, blocked = 0;
    for (const char *const *k = h->absent; k && *k && !blocked; k++) blocked = keyword_passed(ctx, target, *k);
    if (blocked) continue;
    TSNode a = named_arg(ctx, target, h, &splat);
    while (is(a, "parenthesized_expression")) a = ts_node_named_child(a, 0);
    if (h->imported) {
      if (is_dunder(ctx, a, "__name__") || is_dunder(ctx, a, "__package__")) return 1;
      const char *m = ts_node_is_null(a) ? NULL : named_module(ctx, target, a);
      if (m && own_module(ctx, m)) return 1;
      if (m && !*cond) *cond = m;
      continue;
    }
    if (!ts_node_is_null(a) && arg_matches(ctx, a, h)) return 1;
  }
  return 0;
}

/* The blocking entry a call is reported under, or NULL. */
static const ll_blocking_entry *reported_entry(ll_ctx *ctx, TSNode call, const char **qual, const char **cond) {
  const char *cond_ = NULL;
  if (!cond) cond = &cond_;
  *cond = NULL;
  /* what the callee is, by its type: a library function, a method of a typed receiver (its
   * own class's entry or a library base's), a sync client's method or constructor */
  ll_value callee = *ll_ctx_callee_value(ctx, call);
  const char *q = NULL;
  const ll_blocking_entry *e = ll_typer_blocking(ll_ctx_typer(ctx), &callee, &q);
  if (qual) *qual = q;
  if (!e || !q) return NULL;
  if (e->lazy && passed_to_offload(ctx, call)) return NULL;
  if (on_excluded_receiver(ctx, call, e)) return NULL;
  if (e->nharmless && harmless_call(ctx, call, e, cond)) return NULL;
  return e;
}

/* `open(p).read()`: the call is the receiver of a method call that is reported itself. One
 * hazard gives one finding, the outermost call's, which carries the fix for the whole. */
static int receiver_of_reported(ll_ctx *ctx, TSNode call) {
  TSNode inner = call, p = ll_ctx_parent(ctx, call);
  while (!ts_node_is_null(p) && strcmp(ts_node_type(p), "parenthesized_expression") == 0) {
    inner = p;
    p = ll_ctx_parent(ctx, p);
  }
  if (ts_node_is_null(p) || strcmp(ts_node_type(p), "attribute") != 0 || !ts_node_eq(ll_field(p, "object"), inner))
    return 0;
  TSNode outer = ll_ctx_parent(ctx, p);
  if (ts_node_is_null(outer) || strcmp(ts_node_type(outer), "call") != 0 || !ts_node_eq(ll_field(outer, "function"), p))
    return 0;
  return reported_entry(ctx, outer, NULL, NULL) != NULL;
}

/* A function's direct blocking step, as the chains of LOOP110/111 use it. A step behind the
 * module memo idiom (`global _X; if _X is None: _X = load()`) runs once per process and is
 * not one; a step under `if flag:` (flag a parameter off by default) blocks only the calls
 * that pass the flag. A second flag, or a step no flag guards, makes the function block
 * whatever is passed. */
static void record_block(ll_ctx *ctx, ll_funcdef *fd, ll_scope *fn, TSNode call, const char *q,
                         const ll_blocking_entry *e, const char *cond) {
  ll_guard g = ll_flow_guard(ctx, fn->node, call);
  if (g.kind == LL_GUARD_MEMO) return;
  /* harmless when module cond is imported already: the project pass decides; a second such
   * step naming another module blocks whatever (one module is all the facts keep) */
  if (cond && g.kind != LL_GUARD_FLAG) {
    if (!fd->import_block_qual) {
      fd->import_block_qual = ll_arena_strdup(&ctx->facts->arena, q);
      fd->import_block_code = e->code;
      fd->import_block_pos = ll_ctx_start(ctx, call);
      fd->import_block_module = ll_arena_strdup(&ctx->facts->arena, cond);
      return;
    }
    if (strcmp(fd->import_block_module, cond) == 0) return;
  }
  if (g.kind == LL_GUARD_FLAG && g.pos >= 0 && g.pos < 127) {
    if (!fd->flag_block_qual) {
      fd->flag_block_qual = ll_arena_strdup(&ctx->facts->arena, q);
      fd->flag_block_code = e->code;
      fd->flag_block_pos = ll_ctx_start(ctx, call);
      fd->flag_name = ll_arena_strdup(&ctx->facts->arena, g.name);
      fd->flag_pos = (int8_t)g.pos;
      return;
    }
    if (strcmp(fd->flag_name, g.name) == 0) return;
  }
  fd->block_qual = ll_arena_strdup(&ctx->facts->arena, q);
  fd->block_code = e->code;
  fd->block_pos = ll_ctx_start(ctx, call);
}

static void enter(ll_ctx *ctx, TSNode call) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (!fn || fn->kind != LL_SCOPE_FUNCTION) return;
  const char *q, *cond;
  const ll_blocking_entry *e = reported_entry(ctx, call, &q, &cond);
  if (!e) return;
  /* every function records its first direct blocking call: sync helpers called from the
   * loop are reported through the project model (LOOP110) */
  ll_funcdef *fd = ll_ctx_funcdef(ctx);
  if (fd && !fd->block_qual) record_block(ctx, fd, fn, call, q, e, cond);
  if (!fn->is_async && !fn->is_callback) return;
  if (receiver_of_reported(ctx, call)) return;
  ll_strbuf msg;
  ll_strbuf_init(&msg);
  ll_blocking_message(&msg, e, q, fn->is_async, ctx->ha, fn->name);
  const char *code = fn->is_async ? e->code : ll_registry_code("LOOP111");
  ctx->hold_module = cond; /* the project pass drops it when cond is imported already */
  ll_finding *f = ll_ctx_report(ctx, code, call, "%s", msg.data);
  ctx->hold_module = NULL;
  if (fn->is_async) {
    if (e->async_twin) {
      char m[160];
      snprintf(m, sizeof m, "Use `await %s(...)`", e->async_twin);
      f->fix = ll_fixgen_await(ctx, call, e->async_twin, "safe", m);
      const char *dot = strchr(e->async_twin, '.');
      if (f->fix && dot) {
        char mod[64];
        snprintf(mod, sizeof mod, "%.*s", (int)(dot - e->async_twin), e->async_twin);
        ll_fixgen_ensure_import(ctx, f->fix, mod);
      }
    } else if (!e->no_wrap && !e->lazy) f->fix = ll_fixgen_executor(ctx, call);
  }
  ll_strbuf_free(&msg);
}

static const char *const NODES[] = {"call", NULL};
const ll_rule ll_rule_blocking = {.id = "blocking", .node_types = NODES, .enter = enter};
