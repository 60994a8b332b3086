/* context.h: the state of one file's analysis: its source and tree, the scope stack the
 * engine maintains during its single walk, the name bindings in each scope, and the
 * findings produced. Nothing here is shared between files, so any thread can run one. */
#ifndef LL_CONTEXT_H
#define LL_CONTEXT_H
#include <tree_sitter/api.h>
#include "../front/source.h"
#include "../diag/finding.h"
#include "../knowledge/ruledb.h"
#include "../util/arena.h"
#include "../util/budget.h"
#include "../util/strmap.h"

typedef enum ll_binding_kind {
  LL_BIND_UNKNOWN = 0, /* shadowed by something we cannot type: resolves to nothing */
  LL_BIND_ALIAS,       /* an import or an alias: the name stands for `qual` */
  LL_BIND_INSTANCE,    /* a value of type `qual` */
  LL_BIND_DEF,         /* a function or class defined in this file, qualified `qual` */
  LL_BIND_PATH,        /* a value: `qual` is its type path (model/types.h) */
} ll_binding_kind;

typedef struct ll_binding {
  ll_binding_kind kind;
  const char *qual;
} ll_binding;

typedef enum ll_scope_kind { LL_SCOPE_MODULE, LL_SCOPE_CLASS, LL_SCOPE_FUNCTION, LL_SCOPE_LAMBDA } ll_scope_kind;

typedef struct ll_scope {
  ll_scope_kind kind;
  TSNode node;
  int is_async;       /* async def */
  int is_callback;    /* decorated with @callback (Home Assistant: runs on the loop) */
  int is_method;      /* a function directly inside a class, taking self or cls */
  int in_class;       /* a function directly inside a class (static methods too) */
  const char *name;   /* function or class name ("" for module/lambda) */
  const char *qual;   /* module-qualified name */
  ll_strmap bindings; /* name -> ll_binding* (arena) */
  int32_t func_index; /* index of this function in the file's facts, -1 if none */
  int32_t class_index; /* a class: its index in the file's facts, -1 if none */
  int is_classmethod;  /* @classmethod: the first parameter is the class */
  int has_return_annotation;
  const char *first_param;   /* a function: its first parameter's name */
  const char *returned_name; /* the one name every `return NAME` gives ("" when several) */
  LL_VEC(int32_t) nested;    /* a function: its nested defs (facts indexes) */
} ll_scope;

typedef struct ll_settings ll_settings;
typedef struct ll_file_facts ll_file_facts;
typedef struct ll_linter ll_linter;

typedef struct ll_ctx {
  const ll_linter *linter;
  const ll_ruledb *db;
  const ll_source *src;
  TSNode root;
  const char *module;  /* dotted module name of the file ("pkg.mod"), "" when unknown */
  const char *package; /* the package relative imports start from */
  int ha;              /* Home Assistant mode for this file */
  ll_arena arena;
  ll_findings *out;
  ll_file_facts *facts; /* what this file tells the project model (never NULL while linting) */
  LL_VEC(ll_scope) scopes;
  LL_VEC(TSNode) path; /* the walk's ancestors: path.items[len-1] is the node being visited */
  uint32_t last_syntax_row; /* syntax rule: one LOOP901 per line */
  int in_prepass;           /* binding module-level names before the walk */
  int star_imported;        /* a module-level `from M import *` was seen (names it binds are unknown) */
  const ll_strmap *project_roots; /* top-level modules of the project, or NULL: all calls kept */
  void *rule_state[16];     /* per-rule state for this file, indexed by the rule's slot */
  size_t cur_rule;          /* slot of the rule the engine is calling */
  /* the callee of the last call resolved (rules share it instead of resolving again) */
  uint32_t callee_node_start, callee_node_end;
  const char *callee_qual;
  int callee_valid;
  struct ll_typer *typer; /* the file's type engine (model/types.h), made on first use */
  struct ll_value *callee_value; /* the value of the last call's callee (rules share it) */
  /* a project pass follows (the caller keeps the facts): the blocking findings of async defs
   * are held in the facts (held_findings), for it to drop those of coroutines that run on a
   * loop of their own in a worker thread; holds: each such finding (index in out) and its
   * function */
  int hold_blocking;
  LL_VEC(struct ll_ctx_hold { uint32_t finding; int32_t func; const char *module; }) holds;
  /* set by the rule reporting it: the blocking finding being reported is harmless when this
   * module is certainly imported already (`importlib.import_module("pkg.const")`); the
   * project pass decides, from the top-level imports of the file and its packages */
  const char *hold_module;
  /* the file's steps: the walk's nodes, the resolver's descents, the typer's steps and the
   * rules' own subtree walks; once past the limit everything answers unknown, the walk
   * stops and the file gets LOOP905 (engine.c) */
  ll_budget budget;
} ll_ctx;

/* --- scopes (engine) --- */
ll_scope *ll_ctx_scope(ll_ctx *ctx);
/* The innermost function or lambda scope (class scopes are transparent), or NULL at module level. */
ll_scope *ll_ctx_function(ll_ctx *ctx);
/* The facts record of the innermost function, or NULL at module level. */
struct ll_funcdef *ll_ctx_funcdef(ll_ctx *ctx);
/* The innermost class scope enclosing the current function, or NULL. */
ll_scope *ll_ctx_class(ll_ctx *ctx);
void ll_ctx_bind(ll_ctx *ctx, ll_scope *scope, const char *name, size_t n, ll_binding_kind kind, const char *qual);

/* The parent of node: from the walk's ancestor stack when node is on it (tree-sitter 0.20
 * finds parents by descending from the root, which dominated the profile), else tree-sitter. */
TSNode ll_ctx_parent(ll_ctx *ctx, TSNode node);

/* Spends n steps of the file's budget; 0 once it is exhausted (the caller then gives up:
 * unknown, nothing found). */
static inline int ll_ctx_spend(ll_ctx *ctx, uint64_t n) { return ll_budget_spend(&ctx->budget, n); }

/* The calling rule's per-file state slot (starts NULL; allocate from ctx->arena). */
void **ll_ctx_state(ll_ctx *ctx);

/* --- text and positions --- */
const char *ll_ctx_text(ll_ctx *ctx, TSNode node); /* arena copy of the node's source */
int ll_ctx_text_is(ll_ctx *ctx, TSNode node, const char *s);
/* The argument of call at position pos (-1: none) or passed as keyword kw (NULL: none), or a
 * null node; a `*args` splat before the position hides it. */
TSNode ll_ctx_argument(ll_ctx *ctx, TSNode call, int pos, const char *kw);
ll_pos ll_ctx_start(const ll_ctx *ctx, TSNode node);
ll_pos ll_ctx_end(const ll_ctx *ctx, TSNode node);
/* Rows of the simple statement holding node (for a node in a compound statement's header:
 * the node's own rows), so a `# noqa` on either end of a multi-line statement applies. */
void ll_ctx_stmt_rows(ll_ctx *ctx, TSNode node, uint32_t *first, uint32_t *last);
ll_finding *ll_ctx_report(ll_ctx *ctx, const char *code, TSNode node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* --- name resolution (resolve.c) --- */
/* The value of a call's callee, cached per call node: every rule asks for it. The type
 * engine notes the last callee it reduced (an assignment's value is resolved before the
 * rules see its call). */
void ll_ctx_note_callee(ll_ctx *ctx, TSNode call, const char *callee_path);
const struct ll_value *ll_ctx_callee_value(ll_ctx *ctx, TSNode call);
/* Qualified name of a call's callee, cached per call node: every rule asks for it. */
const char *ll_ctx_callee(ll_ctx *ctx, TSNode call);
/* Qualified name an expression stands for (identifier, attribute chain, call of a type's
 * method), e.g. `t.sleep` -> "time.sleep", `s.get` -> "requests.Session.get"; NULL if unknown. */
const char *ll_resolve_qualname(ll_ctx *ctx, TSNode expr);
/* Type of the value an expression produces ("requests.Session"), or NULL. */
const char *ll_resolve_type(ll_ctx *ctx, TSNode expr);
/* Binds the names an import statement introduces into the current scope. */
void ll_resolve_import(ll_ctx *ctx, TSNode stmt);
/* Binds assignment targets (identifiers, self.attr) to what the right side produces. */
void ll_resolve_assignment(ll_ctx *ctx, TSNode assignment);
/* Binds `with X as NAME` targets. */
void ll_resolve_with_item(ll_ctx *ctx, TSNode with_item);
/* Binds a function's parameters in its new scope (annotations give types). */
void ll_resolve_parameters(ll_ctx *ctx, TSNode function);
/* The type path of an expression, reduced as far as the file can (NULL: unknown). */
const char *ll_resolve_path(ll_ctx *ctx, TSNode expr);
/* Whether a qualified name is the project's (not a library's). */
int ll_resolve_is_project_name(ll_ctx *ctx, const char *name);
/* The value it reduces to. */
struct ll_value ll_resolve_value(ll_ctx *ctx, TSNode expr);
/* The qualified name a value stands for (what ll_resolve_qualname gives). */
const char *ll_resolve_value_name(ll_ctx *ctx, const struct ll_value *v);
struct ll_typer *ll_ctx_typer(ll_ctx *ctx);
/* Binds `(x := v)`, `for` targets, a comprehension's variables; records a return's path. */
void ll_resolve_named_expression(ll_ctx *ctx, TSNode walrus);
void ll_resolve_for_statement(ll_ctx *ctx, TSNode stmt);
void ll_resolve_comprehension(ll_ctx *ctx, TSNode comp);
void ll_resolve_return(ll_ctx *ctx, TSNode stmt);
/* A function's body is done: what it makes of a function it decorates (facts). */
void ll_resolve_function_done(ll_ctx *ctx);
/* Binds module-level definitions and imports before the walk (functions use names bound later in the file). */
void ll_resolve_module_prepass(ll_ctx *ctx);
/* The qualified name of a decorator expression, or its source text if unresolved. */
const char *ll_resolve_decorator(ll_ctx *ctx, TSNode decorator);
/* Computes the module name of a file from the __init__.py files above it ("pkg.sub.mod"). */
char *ll_module_name_for_path(const char *path, int *is_package);

#endif
