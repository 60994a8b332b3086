/* engine.c: the single walk over a file's tree. The engine owns the scope stack (module,
 * class, function, lambda) and name bindings, so rules only look at their own nodes and
 * ask the context where they are and what names mean. */
#include "../front/fields.h"
#include "engine.h"
#include "../model/facts.h"
#include "../model/types.h"
#include "../util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ll_rule *const ALL_RULES[] = {&ll_rule_syntax, &ll_rule_blocking, &ll_rule_calls,
                                           &ll_rule_tasks,  &ll_rule_cancel,   &ll_rule_homeassistant,
                                           &ll_rule_noqa,   &ll_rule_cache,    &ll_rule_locks,
                                           &ll_rule_polling, &ll_rule_handoff, &ll_rule_tests};

/* A positive number from the environment, or def. */
static uint64_t env_limit(const char *name, uint64_t def) {
  const char *v = getenv(name);
  if (!v || !*v) return def;
  char *end;
  unsigned long long n = strtoull(v, &end, 10);
  return *end == 0 && n > 0 ? (uint64_t)n : def;
}

void ll_linter_init(ll_linter *l, const ll_ruledb *db, const ll_settings *settings) {
  memset(l, 0, sizeof *l);
  l->step_base = env_limit("LOOPLINT_STEP_LIMIT", 0);
  l->step_per_byte = l->step_base ? 0 : LL_STEP_PER_BYTE;
  if (!l->step_base) l->step_base = LL_STEP_BASE;
  l->parse_base = env_limit("LOOPLINT_PARSE_LIMIT", 0);
  l->parse_per_byte = l->parse_base ? 0 : LL_PARSE_PER_BYTE;
  if (!l->parse_base) l->parse_base = LL_PARSE_BASE;
  l->budget_stats = getenv("LOOPLINT_BUDGET_STATS") != NULL;
  l->lang = tree_sitter_python();
  l->db = db;
  l->settings = *settings;
  l->nsymbols = ts_language_symbol_count(l->lang);
  l->dispatch = ll_xcalloc(l->nsymbols + 1, sizeof(uint32_t));
  for (size_t r = 0; r < sizeof ALL_RULES / sizeof ALL_RULES[0] && r < LL_MAX_RULES; r++) {
    const ll_rule *rule = ALL_RULES[r];
    l->rules[l->nrules] = rule;
    for (const char *const *nt = rule->node_types; nt && *nt; nt++) {
      /* every symbol with that name (aliases share names), named nodes only */
      for (TSSymbol s = 0; s < l->nsymbols; s++) {
        if (ts_language_symbol_type(l->lang, s) != TSSymbolTypeRegular) continue;
        if (strcmp(ts_language_symbol_name(l->lang, s), *nt) == 0) l->dispatch[s] |= 1u << l->nrules;
      }
      if (strcmp(*nt, "ERROR") == 0) l->dispatch[l->nsymbols] |= 1u << l->nrules;
    }
    l->nrules++;
  }
  l->sym_function = ts_language_symbol_for_name(l->lang, "function_definition", 19, true);
  l->sym_class = ts_language_symbol_for_name(l->lang, "class_definition", 16, true);
  l->sym_lambda = ts_language_symbol_for_name(l->lang, "lambda", 6, true);
  l->sym_decorated = ts_language_symbol_for_name(l->lang, "decorated_definition", 20, true);
  static const char *const TRACKED[] = {"import_statement", "import_from_statement", "assignment", "with_item",
                                        "yield", "return_statement", "for_statement", "named_expression",
                                        "list_comprehension", "set_comprehension", "dictionary_comprehension",
                                        "generator_expression", NULL};
  l->track = ll_xcalloc(l->nsymbols + 1, 1);
  for (TSSymbol s = 0; s < l->nsymbols; s++) {
    if (ts_language_symbol_type(l->lang, s) != TSSymbolTypeRegular) continue;
    for (int k = 0; TRACKED[k]; k++)
      if (strcmp(ts_language_symbol_name(l->lang, s), TRACKED[k]) == 0) l->track[s] = (uint8_t)(k + 1);
  }
}

uint64_t ll_linter_step_limit(const ll_linter *l, size_t len) { return l->step_base + l->step_per_byte * (uint64_t)len; }

uint64_t ll_linter_parse_limit(const ll_linter *l, size_t len) {
  return l->parse_base + l->parse_per_byte * (uint64_t)len;
}

void ll_linter_free(ll_linter *l) {
  free(l->dispatch);
  l->dispatch = NULL;
  free(l->track);
  l->track = NULL;
}

static int node_is(TSNode n, const char *t) { return strcmp(ts_node_type(n), t) == 0; }

static void push_scope(ll_ctx *ctx, ll_scope_kind kind, TSNode node) {
  ll_scope s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.node = node;
  s.name = "";
  s.qual = ctx->module;
  s.func_index = -1;
  s.class_index = -1;
  ll_strmap_init(&s.bindings);
  ll_vec_push(&ctx->scopes, s);
}

static void pop_scope(ll_ctx *ctx) {
  ll_strmap_free(&ll_ctx_scope(ctx)->bindings);
  ll_vec_free(&ll_ctx_scope(ctx)->nested);
  ctx->scopes.len--;
}

/* A body of only a docstring, `pass`, `...` and `raise`: an interface meant to be overridden. */
static uint8_t body_is_stub(TSNode body) {
  if (ts_node_is_null(body)) return 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
    TSNode st = ts_node_named_child(body, i);
    if (node_is(st, "pass_statement") || node_is(st, "raise_statement") || node_is(st, "comment")) continue;
    if (node_is(st, "expression_statement") && ts_node_named_child_count(st) == 1) {
      TSNode e = ts_node_named_child(st, 0);
      if (node_is(e, "string") || node_is(e, "ellipsis")) continue;
    }
    return 0;
  }
  return 1;
}

/* Whether call passes keyword kw as the literal True (`@work(thread=True)`). */
static int passes_true(ll_ctx *ctx, TSNode call, const char *kw) {
  TSNode args = ll_field(call, "arguments");
  for (uint32_t i = 0; !ts_node_is_null(args) && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (node_is(a, "keyword_argument") && ll_ctx_text_is(ctx, ll_field(a, "name"), kw))
      return node_is(ll_field(a, "value"), "true");
  }
  return 0;
}

/* Opens the scope of a def/class/lambda before its children are visited. */
static void enter_definition(ll_ctx *ctx, TSNode node, TSSymbol sym) {
  const ll_linter *l = ctx->linter;
  if (sym == l->sym_lambda) {
    push_scope(ctx, LL_SCOPE_LAMBDA, node);
    return;
  }
  ll_scope *outer = ll_ctx_scope(ctx);
  int in_class = outer->kind == LL_SCOPE_CLASS;
  const char *outer_qual = outer->qual;
  TSNode name = ll_field(node, "name");
  const char *n = ts_node_is_null(name) ? "" : ll_ctx_text(ctx, name);
  if (!ts_node_is_null(name) && outer->kind != LL_SCOPE_MODULE)
    ll_ctx_bind(ctx, outer, n, strlen(n), LL_BIND_UNKNOWN, NULL); /* a local def shadows */
  if (sym == l->sym_class) {
    ll_classdef cd;
    memset(&cd, 0, sizeof cd);
    cd.qual = ll_arena_join(&ctx->facts->arena, outer_qual, n);
    TSNode supers = ll_field(node, "superclasses");
    for (uint32_t i = 0; !ts_node_is_null(supers) && i < ts_node_named_child_count(supers); i++) {
      TSNode b = ts_node_named_child(supers, i);
      if (node_is(b, "keyword_argument")) continue;
      if (node_is(b, "subscript")) b = ll_field(b, "value"); /* Generic[T] */
      if (ts_node_is_null(b)) continue;
      const char *q = ll_resolve_qualname(ctx, b);
      ll_vec_push(&cd.bases, ll_arena_strdup(&ctx->facts->arena, q ? q : ll_ctx_text(ctx, b)));
    }
    ll_vec_push(&ctx->facts->classes, cd);
    push_scope(ctx, LL_SCOPE_CLASS, node);
    ll_ctx_scope(ctx)->class_index = (int32_t)ctx->facts->classes.len - 1;
  } else {
    int is_async = 0, is_callback = 0, is_property = 0, is_static = 0, is_classmethod = 0, other_decorator = 0,
        schedules = 0, decorator_called = 0, memo = 0, thread_loop = 0;
    const char *project_decorator = NULL;
    for (uint32_t i = 0; i < ts_node_child_count(node); i++) {
      TSNode c = ts_node_child(node, i);
      if (!ts_node_is_named(c) && node_is(c, "async")) { is_async = 1; break; }
      if (!ts_node_is_named(c) && node_is(c, "def")) break;
    }
    TSNode parent = ll_ctx_parent(ctx, node);
    if (!ts_node_is_null(parent) && ts_node_symbol(parent) == l->sym_decorated) {
      for (uint32_t i = 0; i < ts_node_named_child_count(parent); i++) {
        TSNode d = ts_node_named_child(parent, i);
        if (!node_is(d, "decorator")) continue;
        const char *q = ll_resolve_decorator(ctx, d);
        const char *thread_kw = ll_strmap_get(&ctx->db->thread_loop_decorators, q);
        TSNode dx = ts_node_named_child_count(d) ? ts_node_named_child(d, 0) : (TSNode){0};
        if (thread_kw && !ts_node_is_null(dx) && node_is(dx, "call") && passes_true(ctx, dx, thread_kw)) thread_loop = 1;
        if (strcmp(q, "homeassistant.core.callback") == 0 || strcmp(q, "callback") == 0 ||
            strcmp(q, "core.callback") == 0 || strcmp(q, "ha_callback") == 0)
          is_callback = 1;
        size_t ql = strlen(q);
        if (strcmp(q, "builtins.property") == 0 || (ql >= 15 && strcmp(q + ql - 15, "cached_property") == 0) ||
            (ql >= 7 && strcmp(q + ql - 7, ".setter") == 0) || (ql >= 8 && strcmp(q + ql - 8, ".deleter") == 0))
          is_property = 1;
        if (strcmp(q, "builtins.classmethod") == 0) is_classmethod = 1;
        if (strcmp(q, "builtins.staticmethod") == 0) is_static = 1;
        else if (!is_async && !is_property && ll_ruledb_has(&ctx->db->coroutine_caches, q))
          memo = 1; /* a sync function memoized (`@functools.lru_cache`): its body runs once per argument */
        else if (!is_callback && !is_property && strcmp(q, "builtins.classmethod") != 0 &&
                 strstr(q, "abstractmethod") == NULL && strstr(q, "override") == NULL) {
          /* a library decorator the rules data knows: one that keeps the function what it
           * was changes nothing; one that schedules the coroutine makes a plain function
           * (still unknown to LOOP110: the body may run elsewhere) */
          ll_deco_kind k = ll_ruledb_decorator(ctx->db, q);
          if (k == LL_DECO_SCHEDULES) schedules = 1;
          if (k != LL_DECO_KEEPS) {
            /* one the project defines: the project pass reads what it does */
            project_decorator = project_decorator || other_decorator ? "" : q;
            decorator_called = ts_node_named_child_count(d) && node_is(ts_node_named_child(d, 0), "call");
            other_decorator = 1;
          }
        }
      }
    }
    push_scope(ctx, LL_SCOPE_FUNCTION, node);
    ll_scope *s = ll_ctx_scope(ctx);
    s->is_async = is_async;
    s->is_callback = is_callback;
    s->is_method = in_class && !is_static;
    s->in_class = in_class;
    s->is_classmethod = in_class && is_classmethod;
    ll_funcdef fd;
    memset(&fd, 0, sizeof fd);
    fd.qual = ll_arena_join(&ctx->facts->arena, outer_qual, n);
    fd.name = ll_arena_strdup(&ctx->facts->arena, n);
    fd.cls = in_class ? ll_arena_strdup(&ctx->facts->arena, outer_qual) : NULL;
    fd.is_async = (uint8_t)is_async;
    fd.is_callback = (uint8_t)is_callback;
    fd.is_property = (uint8_t)is_property;
    fd.is_static = (uint8_t)is_static;
    fd.is_classmethod = (uint8_t)(in_class && is_classmethod);
    outer = &ctx->scopes.items[ctx->scopes.len - 2]; /* push_scope may have moved the stack */
    fd.is_nested = outer->kind == LL_SCOPE_FUNCTION || outer->kind == LL_SCOPE_LAMBDA;
    fd.pos = ll_ctx_start(ctx, node);
    fd.other_decorator = (uint8_t)other_decorator;
    fd.schedules = (uint8_t)schedules;
    fd.memo = (uint8_t)memo;
    fd.thread_loop = (uint8_t)(thread_loop && is_async);
    if (project_decorator && *project_decorator && !ll_resolve_is_project_name(ctx, project_decorator)) project_decorator = "";
    fd.decorator = project_decorator ? ll_arena_strdup(&ctx->facts->arena, project_decorator) : NULL;
    fd.decorator_called = (uint8_t)decorator_called;
    fd.is_stub = body_is_stub(ll_field(node, "body"));
    s->func_index = (int32_t)ctx->facts->funcs.len;
    if (outer->kind == LL_SCOPE_FUNCTION) ll_vec_push(&outer->nested, s->func_index);
    ll_vec_push(&ctx->facts->funcs, fd);
    ll_resolve_parameters(ctx, node);
  }
  ll_scope *s = ll_ctx_scope(ctx);
  s->name = n;
  s->qual = ll_arena_join(&ctx->arena, outer_qual, n);
}

/* Bindings the engine maintains as the walk passes them. */
static void track_bindings(ll_ctx *ctx, TSNode node, TSSymbol sym) {
  const ll_linter *l = ctx->linter;
  switch (sym < l->nsymbols ? l->track[sym] : 0) {
    case 1: /* import_statement */
    case 2: /* import_from_statement */
      ll_resolve_import(ctx, node);
      break;
    case 3: ll_resolve_assignment(ctx, node); break;
    case 4: ll_resolve_with_item(ctx, node); break;
    case 5: { /* yield */
      ll_funcdef *fd = ll_ctx_funcdef(ctx);
      if (fd && ll_ctx_function(ctx)->kind == LL_SCOPE_FUNCTION) fd->has_yield = 1;
      break;
    }
    case 6: /* return_statement */
      if (ts_node_named_child_count(node) > 0) {
        ll_funcdef *fd = ll_ctx_funcdef(ctx);
        if (fd && ll_ctx_function(ctx)->kind == LL_SCOPE_FUNCTION) fd->returns_value = 1;
      }
      ll_resolve_return(ctx, node);
      break;
    case 7: ll_resolve_for_statement(ctx, node); break;
    case 8: ll_resolve_named_expression(ctx, node); break;
    case 9: case 10: case 11: case 12: ll_resolve_comprehension(ctx, node); break;
    default: break;
  }
}

static void dispatch(ll_ctx *ctx, TSNode node, TSSymbol sym, int leaving) {
  const ll_linter *l = ctx->linter;
  uint32_t mask = sym < l->nsymbols ? l->dispatch[sym] : 0;
  if (sym == (TSSymbol)-1 || ts_node_is_missing(node)) mask |= l->dispatch[l->nsymbols];
  while (mask) {
    int r = __builtin_ctz(mask);
    mask &= mask - 1;
    const ll_rule *rule = l->rules[r];
    ctx->cur_rule = (size_t)r;
    if (leaving) { if (rule->leave) rule->leave(ctx, node); }
    else if (rule->enter) rule->enter(ctx, node);
  }
}

static void walk(ll_ctx *ctx) {
  const ll_linter *l = ctx->linter;
  TSTreeCursor cur = ts_tree_cursor_new(ctx->root);
  for (;;) {
    TSNode node = ts_tree_cursor_current_node(&cur);
    TSSymbol sym = ts_node_symbol(node);
    /* an anonymous leaf (a keyword, punctuation) matters only when it is missing (a syntax
     * error's placeholder): no rule, binding or ancestor needs the others */
    if (ts_node_child_count(node) == 0 && !ts_node_is_named(node) && !ts_node_is_missing(node)) {
      if (ts_tree_cursor_goto_next_sibling(&cur)) continue;
      goto climb;
    }
    ll_vec_push(&ctx->path, node);
    int opens = sym == l->sym_function || sym == l->sym_class || sym == l->sym_lambda;
    if (opens) {
      /* rules see the definition itself in the outer scope, its body in the new one */
      dispatch(ctx, node, sym, 0);
      enter_definition(ctx, node, sym);
    } else {
      track_bindings(ctx, node, sym);
      dispatch(ctx, node, sym, 0);
    }
    /* out of budget: the rest is not walked (the file gets LOOP905) */
    if (!ll_ctx_spend(ctx, 1)) {
      ts_tree_cursor_delete(&cur);
      return;
    }
    if (ts_tree_cursor_goto_first_child(&cur)) continue;
    /* leaf: leave it, then climb until a sibling exists */
    for (;;) {
      TSNode done = ts_tree_cursor_current_node(&cur);
      TSSymbol ds = ts_node_symbol(done);
      if (ds == l->sym_function || ds == l->sym_class || ds == l->sym_lambda) {
        if (ctx->scopes.len > 1) {
          if (ds == l->sym_function) ll_resolve_function_done(ctx);
          pop_scope(ctx);
        }
      }
      dispatch(ctx, done, ds, 1);
      ctx->path.len--;
      if (ts_tree_cursor_goto_next_sibling(&cur)) break;
    climb:
      if (!ts_tree_cursor_goto_parent(&cur)) { ts_tree_cursor_delete(&cur); return; }
    }
  }
}

/* The file ran out of its step budget: what it found so far is dropped (half a walk may
 * report what the other half would have excused) and so are its facts (the project sees a
 * file that defines nothing: unknown, never a guess), and one LOOP905 says so. */
static void too_complex(ll_ctx *ctx, size_t first_finding) {
  ll_findings *out = ctx->out;
  for (size_t i = first_finding; i < out->v.len; i++) ll_finding_free(&out->v.items[i]);
  out->v.len = first_finding;
  ll_file_facts *facts = ctx->facts;
  const ll_ruledb *db = facts->db;
  uint8_t ha = facts->ha, context_only = facts->context_only;
  const char *module = ctx->module; /* in ctx's arena, alive until the end of the file */
  ll_facts_free(facts);
  ll_facts_init(facts);
  facts->db = db;
  facts->ha = ha;
  facts->context_only = context_only;
  facts->module = ll_arena_strdup(&facts->arena, module);
  facts->path = ll_arena_strdup(&facts->arena, ctx->src->path);
  ll_findings_add(out, "LOOP905", ctx->src->path, (ll_pos){1, 1}, (ll_pos){1, 1},
                  "Too complex to analyse: this file needs more than %llu steps of name resolution and rules; none "
                  "of its findings are reported, the rest of the project was checked",
                  (unsigned long long)ctx->budget.limit);
}

static const char *package_of(ll_ctx *ctx, const char *module, int is_package) {
  if (is_package) return module;
  const char *dot = strrchr(module, '.');
  return dot ? ll_arena_strndup(&ctx->arena, module, (size_t)(dot - module)) : "";
}

/* The blocking findings of async defs (and those harmless when a module is imported already)
 * leave out for the facts' held_findings (the project pass decides them), but for those of a
 * function whose decorator runs it on a loop of its own in a worker thread
 * (`@work(thread=True)`): the file alone knows those never block the main loop. The others
 * keep their order. */
static void hold_blocking(ll_ctx *ctx) {
  if (!ctx->holds.len) return;
  ll_findings *out = ctx->out;
  size_t k = 0, w = ctx->holds.items[0].finding;
  for (size_t i = ctx->holds.items[0].finding; i < out->v.len; i++) {
    if (k < ctx->holds.len && ctx->holds.items[k].finding == i) {
      int32_t fn = ctx->holds.items[k].func;
      const char *module = ctx->holds.items[k++].module;
      if (fn >= 0 && ctx->facts->funcs.items[fn].thread_loop) {
        ll_finding_free(&out->v.items[i]);
      } else {
        ll_vec_push(&ctx->facts->held_findings.v, out->v.items[i]);
        ll_vec_push(&ctx->facts->held_funcs, fn);
        ll_vec_push(&ctx->facts->held_modules, module ? ll_arena_strdup(&ctx->facts->arena, module) : NULL);
      }
      continue;
    }
    out->v.items[w++] = out->v.items[i];
  }
  out->v.len = w;
  ll_vec_free(&ctx->holds);
}

static int path_is_homeassistant(const char *path) {
  return strstr(path, "custom_components/") != NULL || strstr(path, "homeassistant/components/") != NULL;
}

void ll_lint_source(const ll_linter *l, TSParser *parser, const ll_source *src, ll_findings *out,
                    ll_file_facts *facts) {
  ll_lint_source_ha(l, parser, src, out, facts, -1);
}

void ll_lint_source_ha(const ll_linter *l, TSParser *parser, const ll_source *src, ll_findings *out,
                       ll_file_facts *facts, int ha_mode) {
  ll_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ll_file_facts local_facts;
  if (!facts) {
    ll_facts_init(&local_facts);
    facts = &local_facts;
  }
  ctx.facts = facts;
  ctx.linter = l;
  ctx.db = l->db;
  ctx.src = src;
  ctx.out = out;
  ctx.project_roots = src->project_roots;
  ll_arena_init(&ctx.arena);
  int is_package = src->is_package;
  char *module = src->module ? ll_xstrdup(src->module) : ll_module_name_for_path(src->path, &is_package);
  ctx.module = ll_arena_strdup(&ctx.arena, module);
  facts->module = ll_arena_strdup(&facts->arena, module);
  facts->path = ll_arena_strdup(&facts->arena, src->path);
  free(module);
  ctx.package = package_of(&ctx, ctx.module, is_package);
  ctx.ha = ha_mode >= 0 ? ha_mode : l->settings.ha_mode;
  if (ctx.ha < 0 && path_is_homeassistant(src->path)) ctx.ha = 1;

  ts_parser_set_language(parser, l->lang);
  TSTree *tree = NULL;
  int over_limit = 0;
  uint64_t parse_ops = 0, ops = 0;
  size_t first_finding = out->v.len;
  uint64_t parse_limit = ll_linter_parse_limit(l, src->len);
  if (src->nranges && ts_parser_set_included_ranges(parser, src->ranges, src->nranges)) {
    tree = ll_parse_limited(parser, NULL, src->text, (uint32_t)src->len, parse_limit, &over_limit, &ops);
    parse_ops += ops;
    ts_parser_set_included_ranges(parser, NULL, 0);
    /* the split was not clean: parse it all */
    if (tree && ts_node_has_error(ts_tree_root_node(tree))) {
      ts_tree_delete(tree);
      tree = NULL;
    } else if (tree) {
      facts->partial = 1;
    }
  }
  if (!tree) {
    tree = ll_parse_limited(parser, src->nranges ? NULL : (const TSTree *)src->old_tree, src->text, (uint32_t)src->len,
                            parse_limit, &over_limit, &ops);
    parse_ops += ops;
  }
  if (l->budget_stats)
    fprintf(stderr, "budget: %s parse_ops=%llu\n", src->path, (unsigned long long)parse_ops);
  if (!tree) {
    if (over_limit)
      ll_findings_add(out, "LOOP905", src->path, (ll_pos){1, 1}, (ll_pos){1, 1},
                      "Too complex to analyse: parsing this file needs more than %llu parser operations; none of "
                      "its findings are reported, the rest of the project was checked",
                      (unsigned long long)parse_limit);
    else
      ll_findings_add(out, "LOOP901", src->path, (ll_pos){1, 1}, (ll_pos){1, 1}, "Syntax error: the parser gave up on this file");
    ll_arena_free(&ctx.arena);
    if (facts == &local_facts) ll_facts_free(&local_facts);
    return;
  }
  ctx.root = ts_tree_root_node(tree);
  ctx.budget.limit = ll_linter_step_limit(l, src->len);
  push_scope(&ctx, LL_SCOPE_MODULE, ctx.root);
  ll_resolve_module_prepass(&ctx);
  if (ctx.ha < 0) ctx.ha = 0;
  facts->ha = (uint8_t)ctx.ha;
  for (size_t r = 0; r < l->nrules; r++) {
    ctx.cur_rule = r;
    if (l->rules[r]->begin_file) l->rules[r]->begin_file(&ctx);
  }
  ctx.hold_blocking = facts != &local_facts;
  walk(&ctx);
  for (size_t r = 0; r < l->nrules; r++) {
    ctx.cur_rule = r;
    if (l->rules[r]->end_file) l->rules[r]->end_file(&ctx);
  }
  hold_blocking(&ctx);
  while (ctx.scopes.len) pop_scope(&ctx);
  if (l->budget_stats)
    fprintf(stderr, "budget: %s steps=%llu%s\n", src->path, (unsigned long long)ctx.budget.spent,
            facts->partial ? " (partial)" : "");
  if (ll_budget_exhausted(&ctx.budget)) too_complex(&ctx, first_finding);
  if (ctx.typer) ll_typer_free(ctx.typer);
  ll_vec_free(&ctx.scopes);
  ll_vec_free(&ctx.path);
  if (src->keep_tree && !src->nranges) *src->keep_tree = tree;
  else ts_tree_delete(tree);
  ll_arena_free(&ctx.arena);
  if (facts == &local_facts) ll_facts_free(&local_facts);
}
