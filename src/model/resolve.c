/* resolve.c: name resolution within a file. Imports (absolute, relative, aliased),
 * definitions, and a small type inference: a name assigned from a call whose result type
 * the rules data knows (`requests.Session()`, `open()`, `Path()`), a `with ... as` target,
 * an annotated parameter, or `self.attr` assigned in a method. Unknown stays unknown:
 * precision matters more than reach, so a shadowed name resolves to nothing. */
#include "../front/fields.h"
#include "context.h"
#include "../util/strbuf.h"
#include "facts.h"
#include "modules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const BUILTINS[] = {
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
    "chr", "classmethod", "compile", "complex", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec",
    "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input",
    "int", "isinstance", "issubclass", "iter", "len", "list", "locals", "map", "max", "memoryview", "min", "next",
    "object", "oct", "open", "ord", "pow", "print", "property", "range", "repr", "reversed", "round", "set",
    "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip",
    /* exceptions: `except BaseException` must resolve like any other builtin */
    "BaseException", "BaseExceptionGroup", "Exception", "ExceptionGroup", "ArithmeticError", "AssertionError",
    "AttributeError", "BlockingIOError", "BrokenPipeError", "BufferError", "ChildProcessError",
    "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "EOFError",
    "EnvironmentError", "FileExistsError", "FileNotFoundError", "FloatingPointError", "GeneratorExit", "IOError",
    "ImportError", "IndexError", "InterruptedError", "IsADirectoryError", "KeyError", "KeyboardInterrupt",
    "LookupError", "MemoryError", "ModuleNotFoundError", "NameError", "NotADirectoryError", "NotImplementedError",
    "OSError", "OverflowError", "PermissionError", "ProcessLookupError", "RecursionError", "ReferenceError",
    "RuntimeError", "StopAsyncIteration", "StopIteration", "SyntaxError", "SystemError", "SystemExit",
    "TimeoutError", "TypeError", "UnboundLocalError", "UnicodeError", "ValueError", "ZeroDivisionError", NULL};

static int is_builtin(const char *name, size_t n) {
  for (const char *const *b = BUILTINS; *b; b++)
    if (strlen(*b) == n && memcmp(*b, name, n) == 0) return 1;
  return 0;
}

static int type_is(TSNode n, const char *t) { return strcmp(ts_node_type(n), t) == 0; }

/* Looks a name up the scope chain as Python does: class bodies are visible only to code
 * directly in them, not to nested functions. */
static const ll_binding *lookup(ll_ctx *ctx, const char *name, size_t n) {
  for (size_t i = ctx->scopes.len; i-- > 0;) {
    ll_scope *s = &ctx->scopes.items[i];
    if (s->kind == LL_SCOPE_CLASS && i != ctx->scopes.len - 1) continue;
    const ll_binding *b = ll_strmap_getn(&s->bindings, name, n);
    if (b) return b;
  }
  return NULL;
}

/* `self` or `cls` as the first parameter of a method: the enclosing class. */
static ll_scope *self_class(ll_ctx *ctx, TSNode ident) {
  if (!ll_ctx_text_is(ctx, ident, "self") && !ll_ctx_text_is(ctx, ident, "cls")) return NULL;
  ll_scope *fn = NULL;
  for (size_t i = ctx->scopes.len; i-- > 0;) {
    ll_scope *s = &ctx->scopes.items[i];
    if (s->kind == LL_SCOPE_FUNCTION) {
      if (s->is_method) fn = s;
      else if (!fn) continue; /* nested def inside a method still sees self via closure */
    }
    if (s->kind == LL_SCOPE_CLASS) return fn ? s : NULL;
  }
  return NULL;
}

/* An attribute a library base class declares (`CoordinatorEntity.coordinator`, `Entity.hass`):
 * the rules data's type for it, through the class's bases and those of the same file's
 * classes it derives from. */
static const char *inherited_attr_type(ll_ctx *ctx, const char *cls_qual, const char *name, int depth) {
  if (depth > 8) return NULL;
  const ll_file_facts *facts = ctx->facts;
  for (size_t i = facts->classes.len; i-- > 0;) {
    const ll_classdef *cd = &facts->classes.items[i];
    if (strcmp(cd->qual, cls_qual) != 0) continue;
    for (size_t b = 0; b < cd->bases.len; b++) {
      const char *t = ll_ruledb_returns(ctx->db, ll_arena_join(&ctx->arena, cd->bases.items[b], name));
      if (!t) t = inherited_attr_type(ctx, cd->bases.items[b], name, depth + 1);
      if (t) return t;
    }
    return NULL;
  }
  return NULL;
}

static const char *self_attr_type(ll_ctx *ctx, ll_scope *cls, TSNode attr) {
  const char *name = ll_ctx_text(ctx, attr);
  ll_strbuf key;
  ll_strbuf_init(&key);
  ll_strbuf_addf(&key, "self.%s", name);
  const ll_binding *b = ll_strmap_get(&cls->bindings, key.data);
  ll_strbuf_free(&key);
  if (b) return b->kind == LL_BIND_INSTANCE ? b->qual : NULL;
  return inherited_attr_type(ctx, cls->qual, name, 0);
}

static TSNode unwrap(TSNode n) {
  while (!ts_node_is_null(n) && type_is(n, "parenthesized_expression") && ts_node_named_child_count(n) > 0)
    n = ts_node_named_child(n, 0);
  return n;
}

/* An attribute chain longer than this is unknown: no real code names a callable that deep,
 * and a bound keeps every resolution linear in the expression's size (the hostile inputs
 * have chains of thousands of links). */
#define MAX_CHAIN 32

static const char *type_of(ll_ctx *ctx, TSNode expr, int depth);

/* What an expression names and what type its value has, in one descent: the name and the
 * type of `a.b.c` both come from those of `a.b`, which is resolved once (resolving them
 * separately, each asking for both of the prefix, took time exponential in the chain). */
static void qual_and_type(ll_ctx *ctx, TSNode expr, int depth, const char **qual, const char **type) {
  *qual = *type = NULL;
  expr = unwrap(expr);
  if (ts_node_is_null(expr) || depth > MAX_CHAIN) return;
  const char *t = ts_node_type(expr);
  if (strcmp(t, "identifier") == 0) {
    const char *name = ctx->src->text + ts_node_start_byte(expr);
    size_t n = ts_node_end_byte(expr) - ts_node_start_byte(expr);
    const ll_binding *b = lookup(ctx, name, n);
    if (b) {
      if (b->kind == LL_BIND_ALIAS || b->kind == LL_BIND_DEF) *qual = b->qual;
    } else if (is_builtin(name, n)) {
      char *q = ll_arena_alloc(&ctx->arena, n + 10);
      memcpy(q, "builtins.", 9);
      memcpy(q + 9, name, n);
      q[n + 9] = 0;
      *qual = q;
    }
    if (self_class(ctx, expr)) return;
    if (b && b->kind == LL_BIND_INSTANCE) *type = b->qual;
    else if (ctx->ha && (!b || b->kind == LL_BIND_UNKNOWN)) *type = ll_strmap_getn(&ctx->db->ha_names, name, n);
    return;
  }
  if (strcmp(t, "attribute") == 0) {
    TSNode obj = unwrap(ll_field(expr, "object")), attr = ll_field(expr, "attribute");
    if (ts_node_is_null(obj) || ts_node_is_null(attr)) return;
    const char *an = ll_ctx_text(ctx, attr);
    if (type_is(obj, "identifier")) {
      ll_scope *cls = self_class(ctx, obj);
      if (cls) {
        *qual = ll_arena_join(&ctx->arena, cls->qual, an);
        *type = self_attr_type(ctx, cls, attr);
        if (!*type && ctx->ha) *type = ll_strmap_get(&ctx->db->ha_names, an);
        return;
      }
    }
    const char *oq, *ot;
    qual_and_type(ctx, obj, depth + 1, &oq, &ot);
    if (ot) {
      *qual = ll_arena_join(&ctx->arena, ot, an);
      *type = ll_ruledb_returns(ctx->db, *qual);
    } else if (oq) {
      *qual = ll_arena_join(&ctx->arena, oq, an);
      *type = ll_ruledb_returns(ctx->db, *qual);
    }
    return;
  }
  *type = type_of(ctx, expr, depth);
}

const char *ll_resolve_qualname(ll_ctx *ctx, TSNode expr) {
  const char *q, *ty;
  qual_and_type(ctx, expr, 0, &q, &ty);
  return q;
}

const char *ll_resolve_type(ll_ctx *ctx, TSNode expr) {
  const char *q, *ty;
  qual_and_type(ctx, expr, 0, &q, &ty);
  return ty;
}

/* The type of a value that names nothing: a call, `a / b`, `await ...`. */
static const char *type_of(ll_ctx *ctx, TSNode expr, int depth) {
  const char *t = ts_node_type(expr);
  if (strcmp(t, "call") == 0) {
    const char *q, *unused;
    qual_and_type(ctx, ll_field(expr, "function"), depth + 1, &q, &unused);
    if (!q) return NULL;
    const char *r = ll_ruledb_returns(ctx->db, q);
    if (r) return r;
    /* `Client(...)`: a CapWords callable is taken to be a class constructing its instance, so
     * `self._client = Client(); self._client.fetch()` reaches Client.fetch in the project model.
     * A wrong guess only yields a name nothing is known about. */
    const char *last = strrchr(q, '.');
    last = last ? last + 1 : q;
    if (last[0] >= 'A' && last[0] <= 'Z' && strncmp(q, "builtins.", 9) != 0) return q;
    return NULL;
  }
  if (strcmp(t, "binary_operator") == 0) {
    TSNode op = ll_field(expr, "operator");
    if (!ts_node_is_null(op) && ll_ctx_text_is(ctx, op, "/")) {
      const char *lq, *ty;
      qual_and_type(ctx, ll_field(expr, "left"), depth + 1, &lq, &ty);
      if (ty) return ll_ruledb_returns(ctx->db, ll_arena_join(&ctx->arena, ty, "__truediv__"));
    }
    return NULL;
  }
  if (strcmp(t, "await") == 0) {
    /* `await asyncio.to_thread(f, ...)` and the executor forms give what f returns */
    TSNode c = unwrap(ts_node_named_child(expr, 0));
    if (ts_node_is_null(c) || !type_is(c, "call")) return NULL;
    TSNode fn = ll_field(c, "function"), args = ll_field(c, "arguments");
    const char *q = ll_resolve_qualname(ctx, fn);
    const char *m = type_is(fn, "attribute") ? ll_ctx_text(ctx, ll_field(fn, "attribute")) : NULL;
    if (!ll_ruledb_is_offload(ctx->db, q, m) || ts_node_is_null(args)) return NULL;
    intptr_t idx = m ? (intptr_t)ll_strmap_get(&ctx->db->offload_args, m) : 0;
    if (!idx && q) {
      const char *last = strrchr(q, '.');
      idx = (intptr_t)ll_strmap_get(&ctx->db->offload_args, last ? last + 1 : q);
    }
    uint32_t want = idx ? (uint32_t)(idx - 1) : 0, pos = 0;
    for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
      TSNode a = ts_node_named_child(args, i);
      if (type_is(a, "keyword_argument") || type_is(a, "comment")) continue;
      if (pos++ != want) continue;
      const char *aq = ll_resolve_qualname(ctx, a);
      return aq ? ll_ruledb_returns(ctx->db, aq) : NULL;
    }
    return NULL;
  }
  return NULL;
}

/* --- imports --- */

/* The absolute module a `from X import` statement names, resolving leading dots against
 * the file's package. */
static const char *from_module(ll_ctx *ctx, TSNode modnode) {
  if (ts_node_is_null(modnode)) return "";
  if (!type_is(modnode, "relative_import")) return ll_ctx_text(ctx, modnode);
  size_t dots = 0;
  const char *rest = "";
  for (uint32_t i = 0; i < ts_node_named_child_count(modnode); i++) {
    TSNode c = ts_node_named_child(modnode, i);
    if (type_is(c, "import_prefix")) dots = ts_node_end_byte(c) - ts_node_start_byte(c);
    else rest = ll_ctx_text(ctx, c);
  }
  return ll_module_relative(&ctx->arena, ctx->package ? ctx->package : "", dots, rest);
}

/* Module-level imports re-export names: `from .client import Client` in pkg/__init__.py makes
 * `pkg.Client` mean `pkg.client.Client` for every other file of the project. */
static void note_export(ll_ctx *ctx, const char *name, size_t n, const char *target) {
  if (ctx->scopes.len != 1 || !ctx->in_prepass) return;
  ll_export e;
  e.name = ll_arena_strndup(&ctx->facts->arena, name, n);
  e.target = ll_arena_strdup(&ctx->facts->arena, target);
  ll_vec_push(&ctx->facts->exports, e);
}

static void note_homeassistant(ll_ctx *ctx, const char *module) {
  if (ctx->ha < 0 && strncmp(module, "homeassistant", 13) == 0 && (module[13] == 0 || module[13] == '.')) ctx->ha = 1;
}

void ll_resolve_import(ll_ctx *ctx, TSNode stmt) {
  ll_scope *scope = ll_ctx_scope(ctx);
  if (type_is(stmt, "import_statement")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(stmt); i++) {
      TSNode c = ts_node_named_child(stmt, i);
      if (type_is(c, "dotted_name")) {
        const char *full = ll_ctx_text(ctx, c);
        note_homeassistant(ctx, full);
        size_t n = strcspn(full, ".");
        ll_ctx_bind(ctx, scope, full, n, LL_BIND_ALIAS, ll_arena_strndup(&ctx->arena, full, n));
      } else if (type_is(c, "aliased_import")) {
        TSNode name = ll_field(c, "name"), alias = ll_field(c, "alias");
        if (ts_node_is_null(name) || ts_node_is_null(alias)) continue;
        const char *full = ll_ctx_text(ctx, name), *as = ll_ctx_text(ctx, alias);
        note_homeassistant(ctx, full);
        ll_ctx_bind(ctx, scope, as, strlen(as), LL_BIND_ALIAS, full);
        note_export(ctx, as, strlen(as), full);
      }
    }
    return;
  }
  if (!type_is(stmt, "import_from_statement")) return;
  const char *module = from_module(ctx, ll_field(stmt, "module_name"));
  note_homeassistant(ctx, module);
  if (strcmp(module, "__future__") == 0) return;
  TSNode modnode = ll_field(stmt, "module_name");
  for (uint32_t i = 0; i < ts_node_named_child_count(stmt); i++) {
    TSNode c = ts_node_named_child(stmt, i);
    if (!ts_node_is_null(modnode) && ts_node_eq(c, modnode)) continue;
    if (type_is(c, "dotted_name")) {
      const char *name = ll_ctx_text(ctx, c);
      const char *target = ll_arena_join(&ctx->arena, module, name);
      ll_ctx_bind(ctx, scope, name, strlen(name), LL_BIND_ALIAS, target);
      note_export(ctx, name, strlen(name), target);
    } else if (type_is(c, "aliased_import")) {
      TSNode name = ll_field(c, "name"), alias = ll_field(c, "alias");
      if (ts_node_is_null(name) || ts_node_is_null(alias)) continue;
      const char *as = ll_ctx_text(ctx, alias);
      const char *target = ll_arena_join(&ctx->arena, module, ll_ctx_text(ctx, name));
      ll_ctx_bind(ctx, scope, as, strlen(as), LL_BIND_ALIAS, target);
      note_export(ctx, as, strlen(as), target);
    }
  }
}

/* --- assignments and targets --- */

static void bind_target_unknown(ll_ctx *ctx, TSNode target) {
  target = unwrap(target);
  if (type_is(target, "identifier")) {
    ll_ctx_bind(ctx, ll_ctx_scope(ctx), ctx->src->text + ts_node_start_byte(target),
                ts_node_end_byte(target) - ts_node_start_byte(target), LL_BIND_UNKNOWN, NULL);
    return;
  }
  if (type_is(target, "pattern_list") || type_is(target, "tuple_pattern") || type_is(target, "list_pattern") ||
      type_is(target, "tuple") || type_is(target, "list") || type_is(target, "list_splat_pattern")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(target); i++)
      bind_target_unknown(ctx, ts_node_named_child(target, i));
  }
}

/* Binds one target to the value node (which may be null: unknown). */
static void bind_target(ll_ctx *ctx, TSNode target, TSNode value) {
  target = unwrap(target);
  if (ts_node_is_null(value)) { bind_target_unknown(ctx, target); return; }
  const char *ty = ll_resolve_type(ctx, value);
  if (type_is(target, "identifier")) {
    const char *name = ctx->src->text + ts_node_start_byte(target);
    size_t n = ts_node_end_byte(target) - ts_node_start_byte(target);
    if (ty) { ll_ctx_bind(ctx, ll_ctx_scope(ctx), name, n, LL_BIND_INSTANCE, ty); return; }
    TSNode v = unwrap(value);
    if (type_is(v, "identifier") || type_is(v, "attribute")) {
      const char *q = ll_resolve_qualname(ctx, v);
      if (q && !ll_resolve_type(ctx, v)) { ll_ctx_bind(ctx, ll_ctx_scope(ctx), name, n, LL_BIND_ALIAS, q); return; }
      const char *vt = ll_resolve_type(ctx, v);
      if (vt) { ll_ctx_bind(ctx, ll_ctx_scope(ctx), name, n, LL_BIND_INSTANCE, vt); return; }
    }
    ll_ctx_bind(ctx, ll_ctx_scope(ctx), name, n, LL_BIND_UNKNOWN, NULL);
    return;
  }
  if (type_is(target, "attribute")) {
    /* self.attr = X() inside a method: remembered on the class for the other methods */
    TSNode obj = unwrap(ll_field(target, "object")), attr = ll_field(target, "attribute");
    if (ts_node_is_null(obj) || ts_node_is_null(attr) || !type_is(obj, "identifier")) return;
    ll_scope *cls = self_class(ctx, obj);
    if (!cls) return;
    ll_strbuf key;
    ll_strbuf_init(&key);
    ll_strbuf_addf(&key, "self.%s", ll_ctx_text(ctx, attr));
    ll_ctx_bind(ctx, cls, key.data, key.len, ty ? LL_BIND_INSTANCE : LL_BIND_UNKNOWN, ty);
    ll_strbuf_free(&key);
    return;
  }
  bind_target_unknown(ctx, target);
}

void ll_resolve_assignment(ll_ctx *ctx, TSNode assignment) {
  TSNode left = ll_field(assignment, "left"), right = ll_field(assignment, "right");
  if (ts_node_is_null(left)) return;
  /* a = b = value: the right side may itself be an assignment */
  while (!ts_node_is_null(right) && type_is(right, "assignment")) {
    bind_target(ctx, left, ll_field(right, "right"));
    left = ll_field(right, "left");
    right = ll_field(right, "right");
  }
  if (ts_node_is_null(right)) {
    /* annotated declaration without value: `x: Path` */
    return;
  }
  bind_target(ctx, left, right);
}

void ll_resolve_with_item(ll_ctx *ctx, TSNode item) {
  TSNode v = ll_field(item, "value");
  if (ts_node_is_null(v) || !type_is(v, "as_pattern")) return;
  TSNode value = ts_node_named_child(v, 0), alias = ll_field(v, "alias");
  if (ts_node_is_null(alias)) return;
  TSNode target = ts_node_named_child_count(alias) ? ts_node_named_child(alias, 0) : alias;
  /* files and most context managers return themselves from __enter__ */
  bind_target(ctx, target, value);
}

/* The type an annotation names: `Path`, `pathlib.Path`, `Path | None`, `Optional[Path]`. */
static const char *annotation_type(ll_ctx *ctx, TSNode ann) {
  if (ts_node_is_null(ann)) return NULL;
  if (type_is(ann, "type") && ts_node_named_child_count(ann)) ann = ts_node_named_child(ann, 0);
  ann = unwrap(ann);
  if (type_is(ann, "identifier") || type_is(ann, "attribute")) {
    const char *q = ll_resolve_qualname(ctx, ann);
    if (!q || strncmp(q, "builtins.", 9) == 0) return NULL;
    return q;
  }
  if (type_is(ann, "binary_operator")) {
    TSNode l = ll_field(ann, "left"), r = ll_field(ann, "right");
    if (!ts_node_is_null(r) && type_is(unwrap(r), "none")) return annotation_type(ctx, l);
    if (!ts_node_is_null(l) && type_is(unwrap(l), "none")) return annotation_type(ctx, r);
    return NULL;
  }
  if (type_is(ann, "generic_type") || type_is(ann, "subscript")) {
    TSNode base = ts_node_named_child(ann, 0);
    const char *q = ll_resolve_qualname(ctx, base);
    if (q && (strcmp(q, "typing.Optional") == 0) && ts_node_named_child_count(ann) > 1) {
      TSNode arg = ts_node_named_child(ann, 1);
      if (type_is(arg, "type_parameter") && ts_node_named_child_count(arg)) arg = ts_node_named_child(arg, 0);
      return annotation_type(ctx, arg);
    }
  }
  return NULL;
}

void ll_resolve_parameters(ll_ctx *ctx, TSNode function) {
  TSNode params = ll_field(function, "parameters");
  if (ts_node_is_null(params)) return;
  ll_scope *scope = ll_ctx_scope(ctx);
  for (uint32_t i = 0; i < ts_node_named_child_count(params); i++) {
    TSNode p = ts_node_named_child(params, i), name = p, ann = {0};
    int has_ann = 0;
    if (type_is(p, "typed_parameter")) {
      name = ts_node_named_child(p, 0);
      ann = ll_field(p, "type");
      has_ann = 1;
    } else if (type_is(p, "default_parameter")) name = ll_field(p, "name");
    else if (type_is(p, "typed_default_parameter")) { name = ll_field(p, "name"); ann = ll_field(p, "type"); has_ann = 1; }
    if (ts_node_is_null(name)) continue;
    if (type_is(name, "list_splat_pattern") || type_is(name, "dictionary_splat_pattern")) {
      if (ts_node_named_child_count(name)) bind_target_unknown(ctx, ts_node_named_child(name, 0));
      continue;
    }
    if (!type_is(name, "identifier")) continue;
    const char *ty = has_ann ? annotation_type(ctx, ann) : NULL;
    ll_ctx_bind(ctx, scope, ctx->src->text + ts_node_start_byte(name),
                ts_node_end_byte(name) - ts_node_start_byte(name), ty ? LL_BIND_INSTANCE : LL_BIND_UNKNOWN, ty);
  }
}

const char *ll_resolve_decorator(ll_ctx *ctx, TSNode decorator) {
  TSNode e = ts_node_named_child_count(decorator) ? ts_node_named_child(decorator, 0) : decorator;
  if (type_is(e, "call")) e = ll_field(e, "function");
  const char *q = ll_resolve_qualname(ctx, e);
  return q ? q : ll_ctx_text(ctx, e);
}

/* Module-level names are visible in every function body, even when bound further down the
 * file, so bind imports, definitions and typed assignments of the top level first. */
/* A partial parse: the definitions left out before byte `before` are bound in text order. */
static void bind_skipped(ll_ctx *ctx, uint32_t *next, uint32_t before) {
  const ll_source *src = ctx->src;
  for (; *next < src->nskipped && src->skipped[*next].start < before; (*next)++) {
    const ll_lazy_skipped *sk = &src->skipped[*next];
    const char *n = ll_arena_strndup(&ctx->arena, src->text + sk->name_off, sk->name_len);
    ll_ctx_bind(ctx, ll_ctx_scope(ctx), n, sk->name_len, LL_BIND_DEF, ll_arena_join(&ctx->arena, ctx->module, n));
  }
}

static void prepass_block(ll_ctx *ctx, TSNode block) {
  int top = ts_node_eq(block, ctx->root);
  uint32_t next = 0;
  /* a cursor: ts_node_named_child(block, i) walks from the first child each time */
  TSTreeCursor cur = ts_tree_cursor_new(block);
  for (int more = ts_tree_cursor_goto_first_child(&cur); more; more = ts_tree_cursor_goto_next_sibling(&cur)) {
    TSNode s = ts_tree_cursor_current_node(&cur);
    if (!ts_node_is_named(s)) continue;
    if (top) bind_skipped(ctx, &next, ts_node_start_byte(s));
    const char *t = ts_node_type(s);
    if (strcmp(t, "import_statement") == 0 || strcmp(t, "import_from_statement") == 0) ll_resolve_import(ctx, s);
    else if (strcmp(t, "function_definition") == 0 || strcmp(t, "class_definition") == 0 ||
             strcmp(t, "decorated_definition") == 0) {
      TSNode def = strcmp(t, "decorated_definition") == 0 ? ll_field(s, "definition") : s;
      TSNode name = ts_node_is_null(def) ? def : ll_field(def, "name");
      if (ts_node_is_null(name)) continue;
      const char *n = ll_ctx_text(ctx, name);
      ll_ctx_bind(ctx, ll_ctx_scope(ctx), n, strlen(n), LL_BIND_DEF, ll_arena_join(&ctx->arena, ctx->module, n));
    } else if (strcmp(t, "expression_statement") == 0) {
      TSNode e = ts_node_named_child(s, 0);
      if (!ts_node_is_null(e) && type_is(e, "assignment")) ll_resolve_assignment(ctx, e);
    } else if (strcmp(t, "if_statement") == 0 || strcmp(t, "try_statement") == 0 ||
               strcmp(t, "else_clause") == 0 || strcmp(t, "elif_clause") == 0 || strcmp(t, "except_clause") == 0 ||
               strcmp(t, "finally_clause") == 0 || strcmp(t, "block") == 0) {
      prepass_block(ctx, s);
    }
  }
  ts_tree_cursor_delete(&cur);
  if (top) bind_skipped(ctx, &next, UINT32_MAX);
}

void ll_resolve_module_prepass(ll_ctx *ctx) {
  ctx->in_prepass = 1;
  prepass_block(ctx, ctx->root);
  ctx->in_prepass = 0;
}

/* One file's module name: the same rule the batch driver applies to a whole run. */
char *ll_module_name_for_path(const char *path, int *is_package) {
  ll_modules m;
  char *paths[1] = {(char *)path};
  ll_modules_compute(&m, paths, 1);
  char *name = ll_xstrdup(m.names[0]);
  if (is_package) *is_package = m.is_pkg[0];
  ll_modules_free(&m);
  return name;
}
