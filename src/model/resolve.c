/* resolve.c: what names and expressions mean within one file. Imports (absolute, relative,
 * aliased) and definitions bind names; every expression is turned into a type path (see
 * model/types.h) from those bindings: `self.x`, a parameter's annotation, a local assigned
 * from a call, a `with ... as` target, a loop variable, a comprehension variable. Paths are
 * reduced at once with what the file knows (the rules data, its own classes' library bases);
 * what needs another file stays pending in the path and the project pass finishes it.
 * Unknown stays unknown: a shadowed name resolves to nothing, and nothing is guessed from a
 * name's spelling. */
#include "../front/fields.h"
#include "context.h"
#include "../util/strbuf.h"
#include "facts.h"
#include "modules.h"
#include "types.h"

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

static int type_is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

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

static TSNode unwrap(TSNode n) {
  while (!ts_node_is_null(n) && type_is(n, "parenthesized_expression") && ts_node_named_child_count(n) > 0)
    n = ts_node_named_child(n, 0);
  return n;
}

/* ------------------------------------------------------------------------------------------
 * The file's typer
 * ------------------------------------------------------------------------------------------ */

static const ll_classdef *local_class(void *arg, const char *qual) {
  ll_ctx *ctx = arg;
  for (size_t i = ctx->facts->classes.len; i-- > 0;)
    if (strcmp(ctx->facts->classes.items[i].qual, qual) == 0) return &ctx->facts->classes.items[i];
  return NULL;
}

ll_typer *ll_ctx_typer(ll_ctx *ctx) {
  if (!ctx->typer) {
    ctx->typer = ll_arena_alloc(&ctx->arena, sizeof *ctx->typer);
    ll_typer_init(ctx->typer, ctx->db, &ctx->arena, NULL);
    ctx->typer->project_roots = ctx->project_roots;
    ctx->typer->module = ctx->module;
    ctx->typer->local.arg = ctx;
    ctx->typer->local.class_of = local_class;
    ctx->typer->budget = &ctx->budget;
  }
  return ctx->typer;
}

/* A path in its normal form: reduced as far as this file can. */
static const char *normal(ll_ctx *ctx, const char *path) {
  if (!path) return NULL;
  ll_typer *t = ll_ctx_typer(ctx);
  ll_value v = ll_typer_reduce(t, path);
  return ll_value_path(t, &v);
}

/* ------------------------------------------------------------------------------------------
 * Annotations
 * ------------------------------------------------------------------------------------------ */

static const char *annotation_te(ll_ctx *ctx, TSNode ann, int depth);

/* typing names that mean the same as a builtin generic, or that only wrap the type */
static const char *generic_alias(const char *q) {
  static const char *const MAP[][2] = {
      {"typing.List", "builtins.list"}, {"typing.Dict", "builtins.dict"}, {"typing.Set", "builtins.set"},
      {"typing.FrozenSet", "builtins.frozenset"}, {"typing.Tuple", "builtins.tuple"}, {"typing.Type", "builtins.type"},
      {"typing.DefaultDict", "collections.defaultdict"}, {"typing.Deque", "collections.deque"},
      {"collections.abc.Iterable", "typing.Iterable"}, {"collections.abc.Iterator", "typing.Iterator"},
      {"collections.abc.Generator", "typing.Generator"}, {"collections.abc.Sequence", "typing.Sequence"},
      {"collections.abc.MutableSequence", "typing.MutableSequence"}, {"collections.abc.Mapping", "typing.Mapping"},
      {"collections.abc.MutableMapping", "typing.MutableMapping"}, {"collections.abc.Collection", "typing.Collection"},
      {"collections.abc.AsyncIterator", "typing.AsyncIterator"}, {"collections.abc.AsyncIterable", "typing.AsyncIterable"},
      {"collections.abc.Awaitable", "typing.Awaitable"}, {"collections.abc.Coroutine", "typing.Coroutine"},
      {"typing_extensions.Self", "typing.Self"}, {NULL, NULL}};
  for (int i = 0; MAP[i][0]; i++)
    if (strcmp(q, MAP[i][0]) == 0) return MAP[i][1];
  return q;
}

static int is_wrapper(const char *q) {
  return strcmp(q, "typing.Optional") == 0 || strcmp(q, "typing.Final") == 0 || strcmp(q, "typing.ClassVar") == 0 ||
         strcmp(q, "typing.Annotated") == 0 || strcmp(q, "typing_extensions.Final") == 0 ||
         strcmp(q, "typing_extensions.Annotated") == 0 || strcmp(q, "typing.Required") == 0 ||
         strcmp(q, "typing.NotRequired") == 0;
}

/* The qualified name an annotation's name part stands for. */
static const char *annotation_name(ll_ctx *ctx, TSNode n) {
  n = unwrap(n);
  if (type_is(n, "identifier")) {
    const char *name = ctx->src->text + ts_node_start_byte(n);
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    const ll_binding *b = lookup(ctx, name, len);
    if (b) return b->kind == LL_BIND_ALIAS || b->kind == LL_BIND_DEF ? b->qual : NULL;
    if (is_builtin(name, len)) return ll_arena_join(&ctx->arena, "builtins", ll_arena_strndup(&ctx->arena, name, len));
    return NULL;
  }
  if (type_is(n, "attribute")) {
    const char *base = annotation_name(ctx, ll_field(n, "object"));
    TSNode attr = ll_field(n, "attribute");
    return base && !ts_node_is_null(attr) ? ll_arena_join(&ctx->arena, base, ll_ctx_text(ctx, attr)) : NULL;
  }
  return NULL;
}

/* A string annotation ("Path", "Optional[Hub]"): its text parsed as a tiny expression. */
typedef struct strann {
  ll_ctx *ctx;
  const char *s;
  size_t i, n;
} strann;

static void sa_space(strann *a) {
  while (a->i < a->n && (a->s[a->i] == ' ' || a->s[a->i] == '\t')) a->i++;
}

static const char *sa_type(strann *a, int depth);

static const char *sa_name(strann *a) {
  sa_space(a);
  size_t s = a->i;
  while (a->i < a->n && (a->s[a->i] == '_' || a->s[a->i] == '.' || (a->s[a->i] >= '0' && a->s[a->i] <= '9') ||
                         (a->s[a->i] >= 'a' && a->s[a->i] <= 'z') || (a->s[a->i] >= 'A' && a->s[a->i] <= 'Z')))
    a->i++;
  if (a->i == s) return NULL;
  size_t first = s;
  while (first < a->i && a->s[first] != '.') first++;
  const char *head = a->s + s;
  size_t hl = first - s;
  if (hl == 4 && memcmp(head, "None", 4) == 0 && first == a->i) return "None";
  const ll_binding *b = lookup(a->ctx, head, hl);
  const char *q = NULL;
  if (b && (b->kind == LL_BIND_ALIAS || b->kind == LL_BIND_DEF)) q = b->qual;
  else if (!b && is_builtin(head, hl)) q = ll_arena_join(&a->ctx->arena, "builtins", ll_arena_strndup(&a->ctx->arena, head, hl));
  if (!q) return NULL;
  if (first < a->i) q = ll_arena_join(&a->ctx->arena, q, ll_arena_strndup(&a->ctx->arena, a->s + first + 1, a->i - first - 1));
  return q;
}

static const char *sa_primary(strann *a, int depth) {
  const char *q = sa_name(a);
  if (!q) return NULL;
  sa_space(a);
  if (strcmp(q, "None") == 0) return q;
  q = generic_alias(q);
  if (a->i < a->n && a->s[a->i] == '[') {
    a->i++;
    ll_strbuf b;
    ll_strbuf_init(&b);
    const char *first = NULL;
    int nargs = 0, ok = 1;
    for (;;) {
      const char *arg = sa_type(a, depth + 1);
      sa_space(a);
      if (!arg) ok = 0;
      else {
        if (!first) first = arg;
        ll_strbuf_add(&b, nargs ? "," : "");
        ll_strbuf_add(&b, arg);
      }
      nargs++;
      if (a->i < a->n && a->s[a->i] == ',') { a->i++; continue; }
      break;
    }
    if (a->i < a->n && a->s[a->i] == ']') a->i++;
    const char *out = NULL;
    if (is_wrapper(q)) out = first;
    else if (ok) {
      ll_strbuf full;
      ll_strbuf_init(&full);
      ll_strbuf_addf(&full, "%s[%s]", q, b.data ? b.data : "");
      out = ll_arena_strdup(&a->ctx->arena, full.data);
      ll_strbuf_free(&full);
    } else out = q;
    ll_strbuf_free(&b);
    return out;
  }
  return q;
}

static const char *sa_type(strann *a, int depth) {
  if (depth > 8) return NULL;
  const char *t = sa_primary(a, depth);
  sa_space(a);
  while (a->i < a->n && a->s[a->i] == '|') {
    a->i++;
    const char *u = sa_primary(a, depth);
    sa_space(a);
    if (t && strcmp(t, "None") == 0) t = u;
    else if (u && strcmp(u, "None") != 0) t = NULL; /* a union of two real types: unknown */
  }
  return t;
}

/* The type expression an annotation names: `Path`, `pathlib.Path`, `Path | None`,
 * `Optional[Path]`, `list[Path]`, `Final[Path]`, `"Path"`; NULL when unknown. `type[X]`
 * gives "type[X]" (the class object), `Self` "typing.Self". */
static const char *annotation_te(ll_ctx *ctx, TSNode ann, int depth) {
  if (ts_node_is_null(ann) || depth > 8) return NULL;
  if (type_is(ann, "type") && ts_node_named_child_count(ann)) ann = ts_node_named_child(ann, 0);
  ann = unwrap(ann);
  if (type_is(ann, "none")) return "None";
  if (type_is(ann, "identifier") || type_is(ann, "attribute")) {
    const char *q = annotation_name(ctx, ann);
    return q ? generic_alias(q) : NULL;
  }
  if (type_is(ann, "string")) {
    uint32_t s = ts_node_start_byte(ann), e = ts_node_end_byte(ann);
    const char *text = ctx->src->text;
    while (s < e && text[s] != '"' && text[s] != '\'') s++; /* a prefix (r, b) */
    if (e - s < 2) return NULL;
    char quote = text[s];
    size_t q = (e - s >= 6 && text[s + 1] == quote && text[s + 2] == quote) ? 3 : 1;
    strann a = {ctx, text + s + q, 0, e - s - 2 * q};
    if (e - s < 2 * q) return NULL;
    const char *t = sa_type(&a, depth);
    sa_space(&a);
    return a.i == a.n ? t : NULL;
  }
  if (type_is(ann, "binary_operator")) {
    TSNode l = ll_field(ann, "left"), r = ll_field(ann, "right");
    const char *lt = annotation_te(ctx, l, depth + 1), *rt = annotation_te(ctx, r, depth + 1);
    if (lt && strcmp(lt, "None") == 0) return rt;
    if (rt && strcmp(rt, "None") == 0) return lt;
    return NULL;
  }
  if (type_is(ann, "generic_type") || type_is(ann, "subscript")) {
    TSNode base = ts_node_named_child(ann, 0);
    const char *q = annotation_name(ctx, base);
    if (!q) return NULL;
    q = generic_alias(q);
    /* the arguments: a type_parameter node (generic_type) or the subscript's indices */
    LL_VEC(TSNode) args = {0};
    for (uint32_t i = 1; i < ts_node_named_child_count(ann); i++) {
      TSNode a = ts_node_named_child(ann, i);
      if (type_is(a, "type_parameter")) {
        for (uint32_t k = 0; k < ts_node_named_child_count(a); k++) ll_vec_push(&args, ts_node_named_child(a, k));
      } else if (!type_is(a, "comment")) ll_vec_push(&args, a);
    }
    const char *out = NULL;
    if (strcmp(q, "typing.Union") == 0) {
      const char *real = NULL;
      int n = 0;
      for (size_t i = 0; i < args.len; i++) {
        const char *t = annotation_te(ctx, args.items[i], depth + 1);
        if (t && strcmp(t, "None") == 0) continue;
        real = t;
        n++;
      }
      out = n == 1 ? real : NULL;
    } else if (is_wrapper(q)) {
      out = args.len ? annotation_te(ctx, args.items[0], depth + 1) : NULL;
    } else {
      ll_strbuf b;
      ll_strbuf_init(&b);
      ll_strbuf_addf(&b, "%s[", q);
      int ok = 1;
      for (size_t i = 0; i < args.len && ok; i++) {
        const char *t = annotation_te(ctx, args.items[i], depth + 1);
        if (!t && type_is(args.items[i], "ellipsis")) t = "...";
        if (!t) ok = 0;
        else ll_strbuf_addf(&b, "%s%s", i ? "," : "", t);
      }
      ll_strbuf_add(&b, "]");
      out = ok && args.len ? ll_arena_strdup(&ctx->arena, b.data) : q;
      ll_strbuf_free(&b);
    }
    ll_vec_free(&args);
    return out;
  }
  return NULL;
}

/* The path of a value an annotation declares: `<T>`, the class itself for `type[X]`, the
 * marker `<@Self>` for Self; NULL when unknown or None. */
static const char *annotation_path(ll_ctx *ctx, TSNode ann) {
  const char *te = annotation_te(ctx, ann, 0);
  if (!te || strcmp(te, "None") == 0 || strncmp(te, "typing.Any", 10) == 0 || strcmp(te, "builtins.object") == 0)
    return NULL;
  if (strcmp(te, "typing.Self") == 0) return "<@Self>";
  if (strncmp(te, "builtins.type[", 14) == 0) {
    const char *inner = ll_texpr_arg(&ctx->arena, te, 0);
    return inner && !strchr(inner, '[') ? inner : NULL;
  }
  return ll_path_instance(&ctx->arena, te);
}

/* ------------------------------------------------------------------------------------------
 * Expressions to paths
 * ------------------------------------------------------------------------------------------ */

/* An attribute chain longer than this is unknown: no real code names a callable that deep,
 * and a bound keeps every resolution linear in the expression's size (the hostile inputs
 * have chains of thousands of links). */
#define MAX_CHAIN 32

static const char *expr_path(ll_ctx *ctx, TSNode expr, int depth);

static const char *class_self_path(ll_ctx *ctx, ll_scope *cls, TSNode ident) {
  ll_scope *fn = ll_ctx_function(ctx);
  if (ll_ctx_text_is(ctx, ident, "cls") || (fn && fn->is_classmethod)) return cls->qual;
  return ll_path_instance(&ctx->arena, cls->qual);
}

static const char *binding_path(ll_ctx *ctx, const ll_binding *b) {
  switch (b->kind) {
    case LL_BIND_ALIAS:
    case LL_BIND_DEF: return b->qual;
    case LL_BIND_INSTANCE: return ll_path_instance(&ctx->arena, b->qual);
    case LL_BIND_PATH: return b->qual;
    default: return NULL;
  }
}

static const char *identifier_path(ll_ctx *ctx, TSNode expr) {
  const char *name = ctx->src->text + ts_node_start_byte(expr);
  size_t n = ts_node_end_byte(expr) - ts_node_start_byte(expr);
  ll_scope *cls = self_class(ctx, expr);
  if (cls) return class_self_path(ctx, cls, expr);
  const ll_binding *b = lookup(ctx, name, n);
  if (b) {
    const char *p = binding_path(ctx, b);
    /* Home Assistant's documented convention: `hass` is the HomeAssistant instance */
    if (!p && ctx->ha && b->kind == LL_BIND_UNKNOWN) {
      const char *ty = ll_strmap_getn(&ctx->db->ha_names, name, n);
      if (ty) return ll_path_instance(&ctx->arena, ty);
    }
    return p;
  }
  if (is_builtin(name, n)) return ll_arena_join(&ctx->arena, "builtins", ll_arena_strndup(&ctx->arena, name, n));
  if (ctx->ha) {
    const char *ty = ll_strmap_getn(&ctx->db->ha_names, name, n);
    if (ty) return ll_path_instance(&ctx->arena, ty);
  }
  /* a name the file never binds: the well-known module of that name (star imports) */
  if (ll_ruledb_implicit_module(ctx->db, name, n)) return ll_arena_strndup(&ctx->arena, name, n);
  return NULL;
}

static const char *attribute_path(ll_ctx *ctx, TSNode expr, int depth) {
  TSNode obj = unwrap(ll_field(expr, "object")), attr = ll_field(expr, "attribute");
  if (ts_node_is_null(obj) || ts_node_is_null(attr)) return NULL;
  const char *an = ctx->src->text + ts_node_start_byte(attr);
  size_t anl = ts_node_end_byte(attr) - ts_node_start_byte(attr);
  if (type_is(obj, "identifier")) {
    ll_scope *cls = self_class(ctx, obj);
    if (cls && !ll_ctx_text_is(ctx, obj, "cls")) {
      /* self.x assigned earlier in the class: its value; else the class's member, which the
       * project pass knows once every method is read */
      ll_strbuf key;
      ll_strbuf_init(&key);
      ll_strbuf_addf(&key, "self.%.*s", (int)anl, an);
      const ll_binding *b = ll_strmap_get(&cls->bindings, key.data);
      ll_strbuf_free(&key);
      if (b) return binding_path(ctx, b);
      if (ctx->ha) {
        const char *ty = ll_strmap_getn(&ctx->db->ha_names, an, anl);
        if (ty) return ll_path_instance(&ctx->arena, ty);
      }
    }
  }
  const char *base = expr_path(ctx, obj, depth + 1);
  return normal(ctx, ll_path_attr(&ctx->arena, base, an, anl));
}

/* `await asyncio.to_thread(f, ...)` and the executor forms give what f returns. */
static const char *offloaded_result(ll_ctx *ctx, TSNode call, int depth) {
  TSNode fn = ll_field(call, "function"), args = ll_field(call, "arguments");
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
    return normal(ctx, ll_path_step(&ctx->arena, expr_path(ctx, a, depth + 1), "()"));
  }
  return NULL;
}

static const char *literal_path(const char *t) {
  if (strcmp(t, "string") == 0 || strcmp(t, "concatenated_string") == 0) return "<builtins.str>";
  if (strcmp(t, "integer") == 0) return "<builtins.int>";
  if (strcmp(t, "float") == 0) return "<builtins.float>";
  if (strcmp(t, "true") == 0 || strcmp(t, "false") == 0) return "<builtins.bool>";
  if (strcmp(t, "list") == 0) return "<builtins.list>";
  if (strcmp(t, "dictionary") == 0) return "<builtins.dict>";
  if (strcmp(t, "set") == 0) return "<builtins.set>";
  if (strcmp(t, "tuple") == 0) return "<builtins.tuple>";
  return NULL;
}

/* An argument by position (keyword arguments skipped) or by keyword name, or a null node. */
static TSNode call_argument(ll_ctx *ctx, TSNode call, uint32_t pos, const char *keyword) {
  TSNode args = ll_field(call, "arguments"), none = {0};
  uint32_t at = 0;
  for (uint32_t i = 0; !ts_node_is_null(args) && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (type_is(a, "keyword_argument")) {
      TSNode k = ll_field(a, "name");
      if (!ts_node_is_null(k) && ll_ctx_text_is(ctx, k, keyword)) return ll_field(a, "value");
      continue;
    }
    if (type_is(a, "comment")) continue;
    if (type_is(a, "list_splat") || type_is(a, "dictionary_splat")) return none;
    if (at++ == pos) return a;
  }
  return none;
}

/* The text of a plain string literal (no f-string, no concatenation), or NULL. */
static const char *literal_string(ll_ctx *ctx, TSNode n) {
  if (ts_node_is_null(n) || !type_is(n, "string")) return NULL;
  const char *text = ll_ctx_text(ctx, n);
  size_t len = strlen(text), q = strcspn(text, "'\"");
  if (q > 1 || len < q + 2 || (q == 1 && text[0] != 'r' && text[0] != 'R')) return NULL; /* f, b, u prefixes */
  return ll_arena_strndup(&ctx->arena, text + q + 1, len - q - 2);
}

/* The file class `open()` returns, as typeshed's overloads say: text modes give a
 * TextIOWrapper; binary ones a BufferedReader ("rb"), BufferedWriter ("wb", "ab", "xb"),
 * BufferedRandom ("r+b", ...), or FileIO (`buffering=0`); a mode that is not a literal gives
 * IO. NULL: not an opener (fn_path names the callee), or the default (text) mode, which the
 * rules data's `returns` says. */
static const char *open_mode_type(ll_ctx *ctx, TSNode call, TSNode fn, const char *fn_path) {
  static const struct { const char *name; uint32_t mode_pos; } OPENERS[] = {
      {"builtins.open", 1}, {"io.open", 1}, {"os.fdopen", 1}, {"pathlib.Path.open", 0}};
  /* only calls spelled `open`/`fdopen` are asked what they are */
  TSNode name = type_is(fn, "attribute") ? ll_field(fn, "attribute") : fn;
  if (ts_node_is_null(name) || (!ll_ctx_text_is(ctx, name, "open") && !ll_ctx_text_is(ctx, name, "fdopen")))
    return NULL;
  ll_typer *t = ll_ctx_typer(ctx);
  ll_value v = ll_typer_reduce(t, fn_path);
  const char *q = ll_typer_callable(t, &v);
  if (!q) return NULL;
  size_t k = 0, n = sizeof OPENERS / sizeof OPENERS[0];
  while (k < n && strcmp(q, OPENERS[k].name) != 0) k++;
  if (k == n) return NULL;
  TSNode mode = call_argument(ctx, call, OPENERS[k].mode_pos, "mode");
  if (ts_node_is_null(mode)) return NULL;
  const char *m = literal_string(ctx, mode);
  if (!m) return "typing.IO[typing.Any]";
  if (!strchr(m, 'b')) return NULL;
  TSNode buffering = call_argument(ctx, call, OPENERS[k].mode_pos + 1, "buffering");
  if (!ts_node_is_null(buffering) && type_is(buffering, "integer") && ll_ctx_text_is(ctx, buffering, "0"))
    return "io.FileIO";
  if (strchr(m, '+')) return "io.BufferedRandom";
  if (strchr(m, 'w') || strchr(m, 'a') || strchr(m, 'x')) return "io.BufferedWriter";
  return "io.BufferedReader";
}

static const char *expr_path(ll_ctx *ctx, TSNode expr, int depth) {
  expr = unwrap(expr);
  if (ts_node_is_null(expr) || depth > MAX_CHAIN || !ll_ctx_spend(ctx, 1)) return NULL;
  const char *t = ts_node_type(expr);
  /* a binding holds a normal form already; a global name reduces to itself */
  if (strcmp(t, "identifier") == 0) return identifier_path(ctx, expr);
  if (strcmp(t, "attribute") == 0) return attribute_path(ctx, expr, depth);
  if (strcmp(t, "call") == 0) {
    TSNode fn = unwrap(ll_field(expr, "function"));
    if (type_is(fn, "identifier") && ll_ctx_text_is(ctx, fn, "super")) return NULL;
    const char *fq = expr_path(ctx, fn, depth + 1);
    /* typing.cast(T, value): a declared type */
    if (fq && strcmp(fq, "typing.cast") == 0) {
      TSNode args = ll_field(expr, "arguments");
      return ts_node_named_child_count(args) ? annotation_path(ctx, ts_node_named_child(args, 0)) : NULL;
    }
    ll_ctx_note_callee(ctx, expr, fq);
    /* open(p, "wb"): the file class its mode gives */
    const char *opened = fq ? open_mode_type(ctx, expr, fn, fq) : NULL;
    if (opened) return ll_path_instance(&ctx->arena, opened);
    return normal(ctx, ll_path_step(&ctx->arena, fq, "()"));
  }
  if (strcmp(t, "await") == 0) {
    TSNode c = unwrap(ts_node_named_child(expr, 0));
    if (type_is(c, "call")) {
      const char *off = offloaded_result(ctx, c, depth);
      if (off) return off;
    }
    return normal(ctx, ll_path_step(&ctx->arena, expr_path(ctx, c, depth + 1), "!"));
  }
  if (strcmp(t, "subscript") == 0) {
    TSNode value = ll_field(expr, "value"), index = ll_field(expr, "subscript");
    const char *base = expr_path(ctx, value, depth + 1);
    if (type_is(index, "integer")) {
      const char *it = ll_ctx_text(ctx, index);
      if (strlen(it) < 6) {
        char step[16];
        snprintf(step, sizeof step, "[%s]", it);
        return normal(ctx, ll_path_step(&ctx->arena, base, step));
      }
    }
    return normal(ctx, ll_path_step(&ctx->arena, base, "[]"));
  }
  if (strcmp(t, "binary_operator") == 0) {
    TSNode op = ll_field(expr, "operator");
    if (!ts_node_is_null(op) && ll_ctx_text_is(ctx, op, "/"))
      return normal(ctx, ll_path_step(&ctx->arena, expr_path(ctx, ll_field(expr, "left"), depth + 1), ".__truediv__()"));
    return NULL;
  }
  if (strcmp(t, "conditional_expression") == 0 && ts_node_named_child_count(expr) >= 3) {
    const char *a = expr_path(ctx, ts_node_named_child(expr, 0), depth + 1);
    const char *b = expr_path(ctx, ts_node_named_child(expr, 2), depth + 1);
    return a && b && strcmp(a, b) == 0 ? a : NULL;
  }
  return literal_path(t);
}

const char *ll_resolve_path(ll_ctx *ctx, TSNode expr) { return expr_path(ctx, expr, 0); }

int ll_resolve_is_project_name(ll_ctx *ctx, const char *name) { return ll_typer_is_project(ll_ctx_typer(ctx), name); }

ll_value ll_resolve_value(ll_ctx *ctx, TSNode expr) {
  const char *p = expr_path(ctx, expr, 0);
  return ll_typer_reduce(ll_ctx_typer(ctx), p);
}

const char *ll_resolve_qualname(ll_ctx *ctx, TSNode expr) {
  ll_value v = ll_resolve_value(ctx, expr);
  return ll_resolve_value_name(ctx, &v);
}

const char *ll_resolve_value_name(ll_ctx *ctx, const ll_value *vp) {
  ll_value v = *vp;
  if (v.kind == LL_V_PENDING) {
    /* a project name with no step left (a function, a class of the project) */
    for (const char *p = v.name; *p; p++)
      if (*p == '<' || *p == '(' || *p == '[' || *p == '@' || *p == '~' || *p == '^' || *p == '!') return NULL;
    return v.name;
  }
  return ll_typer_callable(ll_ctx_typer(ctx), &v);
}

const char *ll_resolve_type(ll_ctx *ctx, TSNode expr) {
  ll_value v = ll_resolve_value(ctx, expr);
  ll_typer *t = ll_ctx_typer(ctx);
  /* an attribute not called: its value's type */
  if (v.kind == LL_V_MEMBER) v = ll_typer_attribute(t, &v);
  if (v.kind != LL_V_INSTANCE) return NULL;
  size_t h = ll_texpr_head_len(v.name);
  return v.name[h] ? ll_arena_strndup(&ctx->arena, v.name, h) : v.name;
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

/* Whether stmt is a statement of the module's top level that always runs when the module is
 * imported: a direct child of the module, not inside `if`/`try`/`with` or a definition. */
static int top_level_always(ll_ctx *ctx, TSNode stmt) {
  if (ctx->scopes.len != 1 || !ctx->in_prepass) return 0;
  TSNode parent = ts_node_parent(stmt);
  return !ts_node_is_null(parent) && ts_node_eq(parent, ctx->root);
}

/* Records module (dotted) as certainly imported once the file's top level has run: what
 * `importlib.import_module` of it then only looks up in sys.modules (rule_project.c). */
static void note_imported(ll_ctx *ctx, const char *module) {
  if (!module || !*module || module[0] == '.' || strlen(module) > 255) return;
  for (size_t i = 0; i < ctx->facts->imports.len; i++)
    if (strcmp(ctx->facts->imports.items[i], module) == 0) return;
  if (ctx->facts->imports.len >= 256) return;
  ll_vec_push(&ctx->facts->imports, ll_arena_strdup(&ctx->facts->arena, module));
}

/* `from P import X` in P's own __init__.py imports the submodule P.X unless P already has an
 * attribute X (Python's fromlist handling asks hasattr first): nothing bound X before, and no
 * module `__getattr__` (PEP 562) can answer for it. Were P.X not a module either, the
 * statement raises and the package fails to import. */
static int imports_submodule(ll_ctx *ctx, const char *module, const char *name, size_t n) {
  if (!ctx->module || strcmp(module, ctx->module) != 0 || strcmp(ctx->package ? ctx->package : "", ctx->module) != 0)
    return 0;
  const ll_strmap *b = &ctx->scopes.items[0].bindings;
  return !ctx->star_imported && !ll_strmap_getn(b, name, n) && !ll_strmap_get(b, "__getattr__");
}

static void note_homeassistant(ll_ctx *ctx, const char *module) {
  if (ctx->ha < 0 && strncmp(module, "homeassistant", 13) == 0 && (module[13] == 0 || module[13] == '.')) ctx->ha = 1;
}

void ll_resolve_import(ll_ctx *ctx, TSNode stmt) {
  ll_scope *scope = ll_ctx_scope(ctx);
  int always = top_level_always(ctx, stmt);
  if (type_is(stmt, "import_statement")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(stmt); i++) {
      TSNode c = ts_node_named_child(stmt, i);
      if (always) note_imported(ctx, ll_ctx_text(ctx, type_is(c, "aliased_import") ? ll_field(c, "name") : c));
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
  if (always) note_imported(ctx, module);
  TSNode modnode = ll_field(stmt, "module_name");
  for (uint32_t i = 0; i < ts_node_named_child_count(stmt); i++) {
    TSNode c = ts_node_named_child(stmt, i);
    if (!ts_node_is_null(modnode) && ts_node_eq(c, modnode)) continue;
    /* names it binds are unknown: any later `from P import X` may find X bound */
    if (type_is(c, "wildcard_import") && ctx->scopes.len == 1) ctx->star_imported = 1;
    if (always && (type_is(c, "dotted_name") || type_is(c, "aliased_import"))) {
      const char *name = ll_ctx_text(ctx, type_is(c, "aliased_import") ? ll_field(c, "name") : c);
      if (!strchr(name, '.') && imports_submodule(ctx, module, name, strlen(name)))
        note_imported(ctx, ll_arena_join(&ctx->arena, module, name));
    }
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


/* --- bindings --- */

static void bind_name(ll_ctx *ctx, TSNode ident, const char *path) {
  ll_ctx_bind(ctx, ll_ctx_scope(ctx), ctx->src->text + ts_node_start_byte(ident),
              ts_node_end_byte(ident) - ts_node_start_byte(ident), path ? LL_BIND_PATH : LL_BIND_UNKNOWN, path);
}

/* Adds (or merges) a member with the type of its value: a declaration wins over assignments;
 * assignments of different paths make it unknown. At most LL_MAX_MEMBERS per list. */
#define LL_MAX_MEMBERS 512
static void add_member(ll_file_facts *facts, ll_member_list *list, const char *name, size_t n, const char *path,
                       int annotated) {
  for (size_t i = 0; i < list->len; i++) {
    ll_member *m = &list->items[i];
    if (strlen(m->name) != n || memcmp(m->name, name, n) != 0) continue;
    if (m->annotated && !annotated) return;
    if (annotated && !m->annotated) {
      m->path = path ? ll_arena_strdup(&facts->arena, path) : NULL;
      m->annotated = 1;
      m->conflict = 0;
      return;
    }
    if (!m->conflict && (!path || !m->path || strcmp(path, m->path) != 0)) {
      if (annotated) return; /* two declarations: the first */
      m->conflict = 1;
      m->path = NULL;
    }
    return;
  }
  if (list->len >= LL_MAX_MEMBERS) return;
  ll_member m = {ll_arena_strndup(&facts->arena, name, n), path ? ll_arena_strdup(&facts->arena, path) : NULL,
                 (uint8_t)annotated, 0};
  ll_vec_push(list, m);
}

static ll_classdef *scope_classdef(ll_ctx *ctx, ll_scope *cls) {
  if (!cls || cls->class_index < 0 || (size_t)cls->class_index >= ctx->facts->classes.len) return NULL;
  return &ctx->facts->classes.items[cls->class_index];
}

/* Binds one target to the value's path (NULL: unknown); annotated: a declaration. */
static void bind_target(ll_ctx *ctx, TSNode target, const char *path, int annotated) {
  target = unwrap(target);
  if (type_is(target, "identifier")) {
    ll_scope *scope = ll_ctx_scope(ctx);
    bind_name(ctx, target, path);
    const char *name = ctx->src->text + ts_node_start_byte(target);
    size_t n = ts_node_end_byte(target) - ts_node_start_byte(target);
    if (scope->kind == LL_SCOPE_MODULE && ctx->in_prepass) add_member(ctx->facts, &ctx->facts->globals, name, n, path, annotated);
    else if (scope->kind == LL_SCOPE_CLASS) {
      ll_classdef *cd = scope_classdef(ctx, scope);
      if (cd) add_member(ctx->facts, &cd->members, name, n, path, annotated);
    }
    return;
  }
  if (type_is(target, "attribute")) {
    /* self.attr = X() in a method: the class's attribute, for every method and every file */
    TSNode obj = unwrap(ll_field(target, "object")), attr = ll_field(target, "attribute");
    if (ts_node_is_null(obj) || ts_node_is_null(attr) || !type_is(obj, "identifier")) return;
    ll_scope *cls = self_class(ctx, obj);
    if (!cls || ll_ctx_text_is(ctx, obj, "cls")) return;
    const char *an = ctx->src->text + ts_node_start_byte(attr);
    size_t anl = ts_node_end_byte(attr) - ts_node_start_byte(attr);
    ll_strbuf key;
    ll_strbuf_init(&key);
    ll_strbuf_addf(&key, "self.%.*s", (int)anl, an);
    ll_ctx_bind(ctx, cls, key.data, key.len, path ? LL_BIND_PATH : LL_BIND_UNKNOWN, path);
    ll_strbuf_free(&key);
    ll_classdef *cd = scope_classdef(ctx, cls);
    if (cd) add_member(ctx->facts, &cd->members, an, anl, path, annotated);
    return;
  }
  if (type_is(target, "pattern_list") || type_is(target, "tuple_pattern") || type_is(target, "list_pattern") ||
      type_is(target, "tuple") || type_is(target, "list")) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < ts_node_named_child_count(target); i++) {
      TSNode c = ts_node_named_child(target, i);
      if (type_is(c, "comment")) continue;
      if (type_is(c, "list_splat_pattern") || type_is(c, "list_splat")) {
        /* `a, *rest = ...`: positions after it are unknown */
        if (ts_node_named_child_count(c)) bind_target(ctx, ts_node_named_child(c, 0), NULL, 0);
        path = NULL;
        continue;
      }
      char step[16];
      snprintf(step, sizeof step, "[%u]", k++);
      bind_target(ctx, c, path ? normal(ctx, ll_path_step(&ctx->arena, path, step)) : NULL, 0);
    }
    return;
  }
  if (type_is(target, "list_splat_pattern") && ts_node_named_child_count(target))
    bind_target(ctx, ts_node_named_child(target, 0), NULL, 0);
}

void ll_resolve_assignment(ll_ctx *ctx, TSNode assignment) {
  TSNode left = ll_field(assignment, "left"), right = ll_field(assignment, "right"), ann = ll_field(assignment, "type");
  if (ts_node_is_null(left)) return;
  if (!ts_node_is_null(ann)) {
    /* `x: T = v` and `x: T`: the declaration */
    bind_target(ctx, left, annotation_path(ctx, ann), 1);
    return;
  }
  /* a = b = value: the right side may itself be an assignment */
  TSNode value = right;
  while (!ts_node_is_null(value) && type_is(value, "assignment")) value = ll_field(value, "right");
  const char *path = ts_node_is_null(value) ? NULL : expr_path(ctx, value, 0);
  while (!ts_node_is_null(right) && type_is(right, "assignment")) {
    bind_target(ctx, left, path, 0);
    left = ll_field(right, "left");
    right = ll_field(right, "right");
  }
  if (ts_node_is_null(right)) return;
  bind_target(ctx, left, path, 0);
}

void ll_resolve_named_expression(ll_ctx *ctx, TSNode walrus) {
  TSNode name = ll_field(walrus, "name"), value = ll_field(walrus, "value");
  if (type_is(name, "identifier")) bind_name(ctx, name, expr_path(ctx, value, 0));
}

static int has_async_token(TSNode n) {
  for (uint32_t i = 0; i < ts_node_child_count(n); i++) {
    TSNode c = ts_node_child(n, i);
    if (!ts_node_is_named(c) && strcmp(ts_node_type(c), "async") == 0) return 1;
  }
  return 0;
}

void ll_resolve_with_item(ll_ctx *ctx, TSNode item) {
  TSNode v = ll_field(item, "value");
  if (ts_node_is_null(v) || !type_is(v, "as_pattern")) return;
  TSNode value = ts_node_named_child(v, 0), alias = ll_field(v, "alias");
  if (ts_node_is_null(alias)) return;
  TSNode target = ts_node_named_child_count(alias) ? ts_node_named_child(alias, 0) : alias;
  /* what __enter__ (__aenter__ awaited) returns */
  TSNode with = ll_ctx_parent(ctx, item);
  if (type_is(with, "with_clause")) with = ll_ctx_parent(ctx, with);
  int is_async = type_is(with, "with_statement") && has_async_token(with);
  bind_target(ctx, target, normal(ctx, ll_path_step(&ctx->arena, expr_path(ctx, value, 0), is_async ? "^" : "~")), 0);
}

/* The positional arguments of a call (none after a splat or keyword): up to max, or -1
 * when one is a splat. */
static int positional_args(TSNode call, TSNode *out, int max) {
  TSNode args = ll_field(call, "arguments");
  int n = 0;
  for (uint32_t i = 0; type_is(args, "argument_list") && i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (type_is(a, "comment")) continue;
    if (type_is(a, "list_splat") || type_is(a, "dictionary_splat")) return -1;
    if (type_is(a, "keyword_argument")) continue;
    if (n < max) out[n] = a;
    n++;
  }
  return n;
}

/* The names of a two-or-more target pattern (`i, p`, `(i, (k, v))`), or 0. */
static int pattern_items(TSNode left, TSNode *out, int max) {
  left = unwrap(left);
  if (!type_is(left, "pattern_list") && !type_is(left, "tuple_pattern") && !type_is(left, "list_pattern")) return 0;
  int n = 0;
  for (uint32_t i = 0; i < ts_node_named_child_count(left); i++) {
    TSNode c = ts_node_named_child(left, i);
    if (type_is(c, "comment")) continue;
    if (type_is(c, "list_splat_pattern")) return 0;
    if (n < max) out[n] = c;
    n++;
  }
  return n <= max ? n : 0;
}

/* The builtins whose iteration gives the elements of their first argument, as the stubs'
 * generics say (`sorted(Iterable[T]) -> list[T]`); enumerate gives (int, element) pairs and
 * zip a tuple of the elements of each argument. */
static const char *const SAME_ELEMENTS[] = {"builtins.sorted", "builtins.reversed", "builtins.list", "builtins.tuple",
                                            "builtins.set", "builtins.frozenset", "builtins.iter", NULL};

/* `for v in xs` (and a comprehension's `for v in xs`): an element of xs. */
void ll_resolve_for(ll_ctx *ctx, TSNode left, TSNode right, int is_async) {
  if (ts_node_is_null(left)) return;
  TSNode call = unwrap(right);
  if (!is_async && type_is(call, "call")) {
    const char *q = ll_resolve_qualname(ctx, ll_field(call, "function"));
    TSNode args[8], items[8];
    int na = q ? positional_args(call, args, 8) : -1;
    for (const char *const *w = SAME_ELEMENTS; q && na == 1 && *w; w++)
      if (strcmp(q, *w) == 0) {
        ll_resolve_for(ctx, left, args[0], 0);
        return;
      }
    if (q && strcmp(q, "builtins.enumerate") == 0 && na == 1 && pattern_items(left, items, 8) == 2) {
      bind_target(ctx, items[0], NULL, 0);
      ll_resolve_for(ctx, items[1], args[0], 0);
      return;
    }
    if (q && strcmp(q, "builtins.zip") == 0 && na >= 1 && na <= 8 && pattern_items(left, items, 8) == na) {
      for (int i = 0; i < na; i++) ll_resolve_for(ctx, items[i], args[i], 0);
      return;
    }
  }
  const char *path = is_async ? NULL : normal(ctx, ll_path_step(&ctx->arena, expr_path(ctx, right, 0), "@"));
  bind_target(ctx, left, path, 0);
}

void ll_resolve_for_statement(ll_ctx *ctx, TSNode stmt) {
  ll_resolve_for(ctx, ll_field(stmt, "left"), ll_field(stmt, "right"), has_async_token(stmt));
}

/* A comprehension's variables are bound before its element is visited (the element comes
 * first in the text). */
void ll_resolve_comprehension(ll_ctx *ctx, TSNode comp) {
  for (uint32_t i = 0; i < ts_node_named_child_count(comp); i++) {
    TSNode c = ts_node_named_child(comp, i);
    if (type_is(c, "for_in_clause")) ll_resolve_for(ctx, ll_field(c, "left"), ll_field(c, "right"), has_async_token(c));
  }
}

/* What a decorator returns: `return wrapper` (a nested def), `return func` (the function
 * itself), and whether a wrapper returns the wrapped function's call (`return func(*a)`,
 * `return await func(*a)`). */
static void note_decorator_return(ll_ctx *ctx, ll_scope *fn, ll_funcdef *fd, TSNode value) {
  value = unwrap(value);
  if (type_is(value, "identifier")) {
    const char *name = ll_ctx_text(ctx, value);
    if (!fn->returned_name) fn->returned_name = name;
    else if (strcmp(fn->returned_name, name) != 0) fn->returned_name = "";
  } else if (fn->returned_name == NULL) fn->returned_name = "";
  else fn->returned_name = "";
  if (type_is(value, "await")) value = unwrap(ts_node_named_child(value, 0));
  if (!type_is(value, "call")) return;
  TSNode callee = unwrap(ll_field(value, "function"));
  if (!type_is(callee, "identifier")) return;
  /* the enclosing function (the decorator) and its first parameter */
  for (size_t i = ctx->scopes.len - 1; i-- > 0;) {
    ll_scope *outer = &ctx->scopes.items[i];
    if (outer->kind != LL_SCOPE_FUNCTION) continue;
    if (outer->first_param && ll_ctx_text_is(ctx, callee, outer->first_param)) fd->pass_through = 1;
    break;
  }
}

void ll_resolve_function_done(ll_ctx *ctx) {
  ll_scope *fn = ll_ctx_scope(ctx);
  ll_funcdef *fd = fn->kind == LL_SCOPE_FUNCTION && fn->func_index >= 0 ? &ctx->facts->funcs.items[fn->func_index] : NULL;
  if (fd && fn->returned_name && *fn->returned_name) {
    if (fn->first_param && strcmp(fn->returned_name, fn->first_param) == 0) fd->deco_kind = LL_DECO_KEEPS;
    for (size_t i = 0; i < fn->nested.len; i++) {
      const ll_funcdef *w = &ctx->facts->funcs.items[fn->nested.items[i]];
      if (strcmp(w->name, fn->returned_name) != 0) continue;
      if (w->deco_kind) fd->factory_kind = w->deco_kind; /* it returns a decorator */
      /* a plain wrapper that returns something else may return anything (a task, the
       * coroutine asyncio.to_thread gives): unknown; one that returns nothing is a plain
       * function */
      else if (w->is_async || w->pass_through) fd->deco_kind = LL_DECO_KEEPS;
      else if (!w->returns_value && !w->has_yield) fd->deco_kind = LL_DECO_SCHEDULES;
    }
  }
  ll_vec_free(&fn->nested);
}

void ll_resolve_return(ll_ctx *ctx, TSNode stmt) {
  ll_funcdef *fd = ll_ctx_funcdef(ctx);
  ll_scope *fn = ll_ctx_function(ctx);
  if (fd && fn && fn->kind == LL_SCOPE_FUNCTION && ts_node_named_child_count(stmt))
    note_decorator_return(ctx, fn, fd, ts_node_named_child(stmt, 0));
  if (!fd || !fn || fn->kind != LL_SCOPE_FUNCTION || fn->has_return_annotation || fd->ret_conflict) return;
  const char *p = ts_node_named_child_count(stmt) ? expr_path(ctx, ts_node_named_child(stmt, 0), 0) : NULL;
  /* `return self` in a method: the instance (Self) */
  if (ts_node_named_child_count(stmt) && type_is(unwrap(ts_node_named_child(stmt, 0)), "identifier") &&
      ll_ctx_text_is(ctx, unwrap(ts_node_named_child(stmt, 0)), "self") && fn->is_method)
    p = "<@Self>";
  if (!p) { fd->ret_conflict = 1; fd->ret = NULL; return; }
  if (!fd->ret) fd->ret = ll_arena_strdup(&ctx->facts->arena, p);
  else if (strcmp(fd->ret, p) != 0) { fd->ret_conflict = 1; fd->ret = NULL; }
}

void ll_resolve_parameters(ll_ctx *ctx, TSNode function) {
  TSNode params = ll_field(function, "parameters");
  ll_scope *scope = ll_ctx_scope(ctx);
  ll_funcdef *fd = ll_ctx_funcdef(ctx);
  TSNode ret = ll_field(function, "return_type");
  if (!ts_node_is_null(ret) && fd) {
    scope->has_return_annotation = 1;
    const char *p = annotation_path(ctx, ret);
    /* an async def's annotation is what awaiting it gives */
    fd->ret = p ? ll_arena_strdup(&ctx->facts->arena, p) : NULL;
  }
  if (ts_node_is_null(params)) return;
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
      if (ts_node_named_child_count(name)) bind_target(ctx, ts_node_named_child(name, 0), NULL, 0);
      continue;
    }
    if (!type_is(name, "identifier")) continue;
    if (!scope->first_param) scope->first_param = ll_ctx_text(ctx, name);
    const char *path = has_ann ? annotation_path(ctx, ann) : NULL;
    if (path && strcmp(path, "<@Self>") == 0) path = NULL;
    /* `out: BinaryIO`: the caller's stream, a BytesIO as often as a file: unknown */
    const char *te = path ? annotation_te(ctx, ann, 0) : NULL;
    if (te && ll_ruledb_vague_annotation(ctx->db, te, ll_texpr_head_len(te))) path = NULL;
    ll_ctx_bind(ctx, scope, ctx->src->text + ts_node_start_byte(name), ts_node_end_byte(name) - ts_node_start_byte(name),
                path ? LL_BIND_PATH : LL_BIND_UNKNOWN, path);
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
    if (!ll_ctx_spend(ctx, 1)) break;
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
