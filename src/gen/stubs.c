/* stubs.c: the stub reader behind `looplint typeshed`. Each *.pyi is parsed with the linter's
 * tree-sitter grammar and reduced, while its tree is alive, to small arena records: module
 * bindings (definitions, imports, star imports, aliases, type aliases, __all__), classes with
 * their bases and members, and each function's occurrences (overloads and version or platform
 * branches all count). Nothing is resolved while reading, because a stub may re-export names
 * from files read later; ll_stubs_derive then resolves names across the whole stub set,
 * assigns every definition its public qualified names, and classifies them. */
#include "../model/modules.h"
#include "../front/fields.h"
#include "stubs.h"
#include "../front/source.h"
#include "../util/strbuf.h"
#include "../util/strmap.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>


/* Resolution follows imports, aliases and star imports; stub sets have cycles (a package
 * star-imports a submodule that imports the package), so every walk is depth-bounded. */
#define MAX_RESOLVE_DEPTH 24
/* Classes nested in classes (and inherited nested classes) get paths this deep at most. */
#define MAX_NESTING 4

/* ------------------------------------------------------------------------------------------
 * The model
 * ------------------------------------------------------------------------------------------ */

/* An annotation, reduced to what classification needs. */
typedef enum tx_kind { TX_OTHER, TX_NONE, TX_NAME, TX_GENERIC, TX_UNION, TX_ELLIPSIS } tx_kind;

typedef struct texpr {
  tx_kind kind;
  const char *name;    /* TX_NAME, TX_GENERIC: the dotted name ("Future", "asyncio.Task") */
  struct texpr **items; /* TX_GENERIC: the arguments; TX_UNION: the members */
  size_t n;
} texpr;

/* One definition of a function: an overload or a branch of `if sys.version_info ...`; or an
 * annotated variable (`x: T` in a module or class body), which reads like a property. */
typedef struct occ {
  unsigned is_async : 1;
  unsigned is_property : 1;          /* @property and friends, annotated variables: not a call */
  unsigned is_legacy_coroutine : 1;  /* @coroutine generator-based coroutines: left out */
  unsigned seq;                      /* source order across the whole stub set */
  int nrequired;                     /* parameters without a default (self included) */
  const texpr *ret;                  /* NULL when unannotated */
  const texpr *self_ann;             /* the first parameter's annotation (`self: _S`), or NULL */
  struct occ *next;
} occ;

/* A TypeVar (or ParamSpec, TypeVarTuple) as a stub declares it; its identity is this record,
 * shared by every module that imports it. */
typedef struct tvar {
  const char *name;
  const texpr *bound;   /* bound=, or the constraints as a union; NULL */
  const texpr *deflt;   /* default=; NULL */
  struct stub_module *mod;
} tvar;

typedef struct stub_module stub_module;
typedef struct stub_def stub_def;
struct rtype;

/* A base's type parameters as bound in a subclass: owner's $i is vars[i] in the subclass. */
typedef struct subst_memo {
  stub_def *owner;
  struct rtype **vars; /* NULL when owner is not a base */
} subst_memo;

typedef struct base_ref {
  const texpr *tx;
  struct base_ref *next;
} base_ref;

typedef struct def_path {
  const char *path;
  const char *origin; /* origin of the module the path starts from */
} def_path;

/* A function or a class; branches defining the same name in one scope share one record. */
struct stub_def {
  int is_class;
  const char *name;
  stub_module *mod;
  stub_def *owner;          /* the enclosing class, NULL at module level */
  const char *qual;         /* defining qualified name, computed on demand */
  occ *occs;                /* functions */
  ll_strmap members;        /* classes: member name -> stub_def* */
  base_ref *bases;          /* classes */
  int mro_state;            /* 0 not computed, 1 computing, 2 done */
  LL_VEC(stub_def *) mro;   /* the class, then its bases depth-first, each once */
  LL_VEC(def_path) paths;   /* public paths (classes), filled by ll_stubs_derive */
  int canonical_done;
  const char *canonical;
  /* classes, for the types ll_stubs_derive writes */
  int params_state;                 /* 0 not computed, 1 computing, 2 done */
  LL_VEC(const tvar *) params;      /* own type parameters: $0, $1, ... */
  LL_VEC(struct subst_memo) substs; /* how the type parameters of each base are bound here */
  unsigned hidden : 1;              /* no public path: named by its defining qualified name */
  unsigned interesting : 1;         /* leads to a blocking call, a coroutine or an awaitable */
  unsigned container : 1;           /* a generic builtins/typing class whose members give $N */
  unsigned pinned : 1;              /* named by the rules data or --keep: kept, not spreading */
};

typedef enum bind_kind {
  B_DEF,    /* def or class in this module */
  B_FROM,   /* from MODULE import ATTR */
  B_MODULE, /* import MODULE */
  B_ALIAS,  /* NAME = dotted.expression */
  B_TYPE,   /* X: TypeAlias = ..., type X = ... */
  B_TVAR,   /* X = TypeVar(...), ParamSpec(...), TypeVarTuple(...) */
} bind_kind;

typedef struct binding {
  bind_kind kind;
  int reexport; /* public without __all__: definitions, aliases, `import X as X` forms */
  stub_def *def;
  const char *module, *attr;
  const texpr *type;
  const tvar *tv;       /* B_TVAR */
  struct binding *next; /* the same name bound in another branch */
} binding;

struct stub_module {
  const char *name;
  const char *origin;
  int is_package;
  ll_strmap names; /* name -> binding* chain */
  LL_VEC(const char *) stars;
  ll_strmap all;   /* names listed in __all__ */
  int has_all;
  int exports_state;
  ll_strmap exports;
  ll_strmap resolved; /* name -> resolved* (memo of resolve_name) */
};

struct ll_stubs {
  ll_arena arena;
  TSParser *parser;
  ll_strmap modules;  /* name -> stub_module* */
  ll_strmap prefixes; /* every module name and each of its parent packages -> the interned name */
  LL_VEC(stub_module *) module_list;
  LL_VEC(stub_def *) defs;
  struct resolved *in_progress; /* marker in stub_module.resolved while a name is being resolved */
  unsigned next_seq;            /* source order of occurrences */
};

ll_stubs *ll_stubs_new(void) {
  ll_stubs *s = ll_xcalloc(1, sizeof *s);
  ll_arena_init(&s->arena);
  ll_strmap_init(&s->modules);
  ll_strmap_init(&s->prefixes);
  s->parser = ts_parser_new();
  ts_parser_set_language(s->parser, tree_sitter_python());
  s->in_progress = ll_arena_alloc(&s->arena, 16); /* a unique address, never read */
  return s;
}

void ll_stubs_free(ll_stubs *s) {
  if (!s) return;
  for (size_t i = 0; i < s->defs.len; i++) {
    stub_def *d = s->defs.items[i];
    ll_strmap_free(&d->members);
    ll_vec_free(&d->mro);
    ll_vec_free(&d->paths);
    ll_vec_free(&d->params);
    ll_vec_free(&d->substs);
  }
  for (size_t i = 0; i < s->module_list.len; i++) {
    stub_module *m = s->module_list.items[i];
    ll_strmap_free(&m->names);
    ll_strmap_free(&m->all);
    ll_strmap_free(&m->exports);
    ll_strmap_free(&m->resolved);
    ll_vec_free(&m->stars);
  }
  ll_vec_free(&s->defs);
  ll_vec_free(&s->module_list);
  ll_strmap_free(&s->modules);
  ll_strmap_free(&s->prefixes);
  ts_parser_delete(s->parser);
  ll_arena_free(&s->arena);
  free(s);
}

static const char *last_component(const char *dotted) {
  const char *dot = strrchr(dotted, '.');
  return dot ? dot + 1 : dotted;
}

static stub_module *module_get(const ll_stubs *s, const char *name) { return ll_strmap_get(&s->modules, name); }

static stub_module *module_intern(ll_stubs *s, const char *name, const char *origin, int is_package) {
  stub_module *m = module_get(s, name);
  if (m) {
    m->is_package |= is_package;
    return m;
  }
  m = ll_arena_alloc(&s->arena, sizeof *m);
  m->name = ll_arena_strdup(&s->arena, name);
  m->origin = ll_arena_strdup(&s->arena, origin);
  m->is_package = is_package;
  ll_strmap_init(&m->names);
  ll_strmap_init(&m->all);
  ll_strmap_init(&m->exports);
  ll_strmap_init(&m->resolved);
  ll_strmap_put(&s->modules, m->name, m);
  ll_vec_push(&s->module_list, m);
  /* namespace packages (google/ without __init__.pyi) still resolve as attribute roots */
  for (const char *p = m->name;; p++) {
    if (*p == '.' || *p == 0) {
      size_t n = (size_t)(p - m->name);
      if (!ll_strmap_getn(&s->prefixes, m->name, n)) {
        char *k = ll_arena_strndup(&s->arena, m->name, n);
        ll_strmap_put(&s->prefixes, k, k);
      }
      if (*p == 0) break;
    }
  }
  return m;
}

static stub_def *def_new(ll_stubs *s, stub_module *m, stub_def *owner, const char *name, int is_class) {
  stub_def *d = ll_arena_alloc(&s->arena, sizeof *d);
  d->is_class = is_class;
  d->name = name;
  d->mod = m;
  d->owner = owner;
  ll_strmap_init(&d->members);
  ll_vec_push(&s->defs, d);
  return d;
}

/* ------------------------------------------------------------------------------------------
 * Reading one stub
 * ------------------------------------------------------------------------------------------ */

typedef struct collector {
  ll_stubs *s;
  stub_module *mod;
  const char *text;
} collector;

static int is(TSNode n, const char *type) { return strcmp(ts_node_type(n), type) == 0; }

static const char *text_of(collector *c, TSNode n) {
  return ll_arena_strndup(&c->s->arena, c->text + ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

static int text_is(collector *c, TSNode n, const char *lit) {
  size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
  return strlen(lit) == len && memcmp(c->text + ts_node_start_byte(n), lit, len) == 0;
}

/* `a.b.c` as a string, or NULL when the expression is not a plain dotted name. */
static const char *dotted(collector *c, TSNode n) {
  if (ts_node_is_null(n)) return NULL;
  if (is(n, "identifier")) return text_of(c, n);
  if (is(n, "type") && ts_node_named_child_count(n) == 1) return dotted(c, ts_node_named_child(n, 0));
  if (!is(n, "attribute")) return NULL;
  const char *obj = dotted(c, ll_field(n, "object"));
  TSNode attr = ll_field(n, "attribute");
  if (!obj || ts_node_is_null(attr)) return NULL;
  return ll_arena_join(&c->s->arena, obj, text_of(c, attr));
}

typedef LL_VEC(texpr *) texpr_list;

static texpr *to_texpr(collector *c, TSNode n, int depth);

static void add_item(collector *c, texpr_list *items, TSNode n, int depth, int flatten_unions) {
  if (is(n, "comment")) return;
  texpr *t = to_texpr(c, n, depth + 1);
  if (flatten_unions && t->kind == TX_UNION) {
    for (size_t i = 0; i < t->n; i++) ll_vec_push(items, t->items[i]);
  } else {
    ll_vec_push(items, t);
  }
}

static void set_items(collector *c, texpr *t, texpr_list *items) {
  t->n = items->len;
  t->items = ll_arena_alloc(&c->s->arena, (items->len ? items->len : 1) * sizeof(texpr *));
  if (items->len) memcpy(t->items, items->items, items->len * sizeof(texpr *));
  ll_vec_free(items);
}

static texpr *to_texpr(collector *c, TSNode n, int depth) {
  texpr *t = ll_arena_alloc(&c->s->arena, sizeof *t);
  t->kind = TX_OTHER;
  if (ts_node_is_null(n) || depth > 32) return t;
  if ((is(n, "type") || is(n, "parenthesized_expression")) && ts_node_named_child_count(n) == 1)
    return to_texpr(c, ts_node_named_child(n, 0), depth + 1);
  texpr_list items = {0};
  if (is(n, "identifier") || is(n, "attribute")) {
    t->name = dotted(c, n);
    if (t->name) t->kind = TX_NAME;
  } else if (is(n, "none")) {
    t->kind = TX_NONE;
  } else if (is(n, "ellipsis")) {
    t->kind = TX_ELLIPSIS;
  } else if (is(n, "generic_type") && ts_node_named_child_count(n) >= 1) {
    /* Name[args]: an identifier and a type_parameter holding the argument types */
    t->name = dotted(c, ts_node_named_child(n, 0));
    if (t->name) t->kind = TX_GENERIC;
    for (uint32_t i = 1; i < ts_node_named_child_count(n); i++) {
      TSNode p = ts_node_named_child(n, i);
      if (!is(p, "type_parameter")) continue;
      for (uint32_t k = 0; k < ts_node_named_child_count(p); k++) add_item(c, &items, ts_node_named_child(p, k), depth, 0);
    }
  } else if (is(n, "subscript")) {
    t->name = dotted(c, ll_field(n, "value"));
    if (t->name) t->kind = TX_GENERIC;
    for (uint32_t i = 1; i < ts_node_named_child_count(n); i++) add_item(c, &items, ts_node_named_child(n, i), depth, 0);
  } else if (is(n, "union_type")) {
    t->kind = TX_UNION;
    for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) add_item(c, &items, ts_node_named_child(n, i), depth, 1);
  } else if (is(n, "binary_operator")) {
    TSNode op = ll_field(n, "operator");
    if (!ts_node_is_null(op) && text_is(c, op, "|")) {
      t->kind = TX_UNION;
      add_item(c, &items, ll_field(n, "left"), depth, 1);
      add_item(c, &items, ll_field(n, "right"), depth, 1);
    }
  }
  set_items(c, t, &items);
  return t;
}

/* Adds a binding to a module name (branches keep every binding of a name). */
static void bind(collector *c, const char *name, binding *b) {
  b->next = ll_strmap_get(&c->mod->names, name);
  ll_strmap_put(&c->mod->names, name, b);
}

static binding *binding_new(collector *c, bind_kind kind, int reexport) {
  binding *b = ll_arena_alloc(&c->s->arena, sizeof *b);
  b->kind = kind;
  b->reexport = reexport;
  return b;
}

/* The record for `name` defined in scope cls (NULL: the module); branches and overloads
 * defining the same kind of thing share it. */
static stub_def *scope_def(collector *c, stub_def *cls, const char *name, int is_class) {
  if (cls) {
    stub_def *old = ll_strmap_get(&cls->members, name);
    if (old && old->is_class == is_class) return old;
    stub_def *d = def_new(c->s, c->mod, cls, name, is_class);
    ll_strmap_put(&cls->members, name, d);
    return d;
  }
  for (binding *b = ll_strmap_get(&c->mod->names, name); b; b = b->next)
    if (b->kind == B_DEF && b->def->is_class == is_class) return b->def;
  stub_def *d = def_new(c->s, c->mod, NULL, name, is_class);
  binding *b = binding_new(c, B_DEF, 1);
  b->def = d;
  bind(c, name, b);
  return d;
}

static void collect_block(collector *c, TSNode block, stub_def *cls);

static void add_function(collector *c, TSNode fn, TSNode decorated, stub_def *cls) {
  TSNode name = ll_field(fn, "name");
  if (ts_node_is_null(name)) return;
  occ *o = ll_arena_alloc(&c->s->arena, sizeof *o);
  for (uint32_t i = 0; i < ts_node_child_count(fn); i++) {
    TSNode k = ts_node_child(fn, i);
    if (ts_node_is_named(k)) continue;
    if (is(k, "async")) o->is_async = 1;
    if (is(k, "def")) break;
  }
  if (!ts_node_is_null(decorated)) {
    for (uint32_t i = 0; i < ts_node_named_child_count(decorated); i++) {
      TSNode d = ts_node_named_child(decorated, i);
      if (!is(d, "decorator") || ts_node_named_child_count(d) == 0) continue;
      TSNode e = ts_node_named_child(d, 0);
      if (is(e, "call")) e = ll_field(e, "function");
      const char *q = dotted(c, e);
      if (!q) continue;
      const char *last = last_component(q);
      /* a property's setter and deleter say nothing about what reading it gives */
      if (q != last && (strcmp(last, "setter") == 0 || strcmp(last, "deleter") == 0)) return;
      if (strcmp(last, "property") == 0 || strcmp(last, "cached_property") == 0 ||
          strcmp(last, "abstractproperty") == 0)
        o->is_property = 1;
      if (strcmp(last, "coroutine") == 0) o->is_legacy_coroutine = 1;
    }
  }
  TSNode ret = ll_field(fn, "return_type");
  o->ret = ts_node_is_null(ret) ? NULL : to_texpr(c, ret, 0);
  o->seq = c->s->next_seq++;
  /* parameters without a default pick the overload a call with the fewest arguments gets;
   * a method's first parameter may name its Self type (`def __enter__(self: _T) -> _T`) */
  TSNode params = ll_field(fn, "parameters");
  int first = 1;
  for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
    TSNode p = ts_node_named_child(params, i);
    if (is(p, "comment")) continue;
    int plain = is(p, "identifier") ||
                (is(p, "typed_parameter") && ts_node_named_child_count(p) && is(ts_node_named_child(p, 0), "identifier"));
    if (plain) o->nrequired++;
    if (first && cls && is(p, "typed_parameter") && plain) o->self_ann = to_texpr(c, ll_field(p, "type"), 0);
    first = 0;
  }
  stub_def *d = scope_def(c, cls, text_of(c, name), 0);
  o->next = d->occs;
  d->occs = o;
}

/* `x: T` (with or without a value) in a module or class body: an attribute of type T, read
 * like a property. ClassVar[T] and Final[T] are T. */
static void add_variable(collector *c, TSNode left, TSNode ann, stub_def *cls) {
  occ *o = ll_arena_alloc(&c->s->arena, sizeof *o);
  o->is_property = 1;
  o->seq = c->s->next_seq++;
  texpr *t = to_texpr(c, ann, 0);
  while (t->kind == TX_GENERIC && t->n == 1 &&
         (strcmp(last_component(t->name), "ClassVar") == 0 || strcmp(last_component(t->name), "Final") == 0))
    t = t->items[0];
  o->ret = t;
  stub_def *d = scope_def(c, cls, text_of(c, left), 0);
  o->next = d->occs;
  d->occs = o;
}

static void add_class(collector *c, TSNode node, stub_def *cls) {
  TSNode name = ll_field(node, "name"), supers = ll_field(node, "superclasses"), body = ll_field(node, "body");
  if (ts_node_is_null(name)) return;
  stub_def *d = scope_def(c, cls, text_of(c, name), 1);
  if (!ts_node_is_null(supers)) {
    for (uint32_t i = 0; i < ts_node_named_child_count(supers); i++) {
      TSNode b = ts_node_named_child(supers, i);
      if (is(b, "keyword_argument") || is(b, "comment") || is(b, "list_splat") || is(b, "dictionary_splat")) continue;
      texpr *t = to_texpr(c, b, 0);
      if (t->kind != TX_NAME && t->kind != TX_GENERIC) continue;
      base_ref *r = ll_arena_alloc(&c->s->arena, sizeof *r);
      r->tx = t;
      /* keep source order: base order decides which inherited member wins */
      base_ref **tail = &d->bases;
      while (*tail) tail = &(*tail)->next;
      *tail = r;
    }
  }
  if (!ts_node_is_null(body)) collect_block(c, body, d);
}

/* Parent package of a dotted module name ("" at the top). */
static char *parent_of(ll_arena *a, const char *name) {
  const char *dot = strrchr(name, '.');
  return ll_arena_strndup(a, name, dot ? (size_t)(dot - name) : 0);
}

/* The absolute module a `from X import` names; leading dots count from this stub's package. */
static const char *from_module(collector *c, TSNode modnode) {
  if (ts_node_is_null(modnode)) return NULL;
  if (!is(modnode, "relative_import")) return text_of(c, modnode);
  size_t dots = 0;
  const char *rest = "";
  for (uint32_t i = 0; i < ts_node_named_child_count(modnode); i++) {
    TSNode k = ts_node_named_child(modnode, i);
    if (is(k, "import_prefix")) dots = ts_node_end_byte(k) - ts_node_start_byte(k);
    else rest = text_of(c, k);
  }
  const char *package = c->mod->is_package ? c->mod->name : parent_of(&c->s->arena, c->mod->name);
  return ll_module_relative(&c->s->arena, package, dots, rest);
}

static void add_import(collector *c, TSNode st) {
  if (is(st, "import_statement")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(st); i++) {
      TSNode k = ts_node_named_child(st, i);
      if (is(k, "dotted_name")) {
        /* `import a.b` binds `a` */
        const char *full = text_of(c, k);
        binding *b = binding_new(c, B_MODULE, 0);
        b->module = ll_arena_strndup(&c->s->arena, full, strcspn(full, "."));
        bind(c, b->module, b);
      } else if (is(k, "aliased_import")) {
        TSNode name = ll_field(k, "name"), alias = ll_field(k, "alias");
        if (ts_node_is_null(name) || ts_node_is_null(alias)) continue;
        const char *full = text_of(c, name), *as = text_of(c, alias);
        binding *b = binding_new(c, B_MODULE, strcmp(full, as) == 0);
        b->module = full;
        bind(c, as, b);
      }
    }
    return;
  }
  TSNode modnode = ll_field(st, "module_name");
  const char *module = from_module(c, modnode);
  if (!module) return;
  for (uint32_t i = 0; i < ts_node_named_child_count(st); i++) {
    TSNode k = ts_node_named_child(st, i);
    if (ts_node_eq(k, modnode)) continue;
    if (is(k, "wildcard_import")) {
      ll_vec_push(&c->mod->stars, module);
    } else if (is(k, "dotted_name")) {
      binding *b = binding_new(c, B_FROM, 0);
      b->module = module;
      b->attr = text_of(c, k);
      bind(c, b->attr, b);
    } else if (is(k, "aliased_import")) {
      TSNode name = ll_field(k, "name"), alias = ll_field(k, "alias");
      if (ts_node_is_null(name) || ts_node_is_null(alias)) continue;
      const char *as = text_of(c, alias);
      binding *b = binding_new(c, B_FROM, text_is(c, name, as)); /* `import x as x` re-exports */
      b->module = module;
      b->attr = text_of(c, name);
      bind(c, as, b);
    }
  }
}

/* Collects the strings of an __all__ value: lists, tuples and their concatenations. */
static void add_all_names(collector *c, TSNode v) {
  if (ts_node_is_null(v)) return;
  if (is(v, "string")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(v); i++) {
      TSNode k = ts_node_named_child(v, i);
      if (!is(k, "string_content")) continue;
      const char *name = text_of(c, k);
      ll_strmap_put(&c->mod->all, name, (void *)1);
    }
    return;
  }
  if (is(v, "list") || is(v, "tuple") || is(v, "parenthesized_expression") || is(v, "argument_list")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(v); i++) add_all_names(c, ts_node_named_child(v, i));
    return;
  }
  if (is(v, "binary_operator")) {
    add_all_names(c, ll_field(v, "left"));
    add_all_names(c, ll_field(v, "right"));
  }
}

/* `X = TypeVar("X", bound=B, default=D)`: bound B; constrained `TypeVar("X", A, B)`: A | B. */
static tvar *typevar_of(collector *c, const char *name, TSNode call) {
  tvar *tv = ll_arena_alloc(&c->s->arena, sizeof *tv);
  tv->name = name;
  tv->mod = c->mod;
  TSNode args = ll_field(call, "arguments");
  if (ts_node_is_null(args)) return tv;
  texpr_list items = {0};
  int first = 1;
  for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument")) {
      TSNode k = ll_field(a, "name");
      if (!ts_node_is_null(k) && text_is(c, k, "bound")) tv->bound = to_texpr(c, ll_field(a, "value"), 0);
      if (!ts_node_is_null(k) && text_is(c, k, "default")) tv->deflt = to_texpr(c, ll_field(a, "value"), 0);
      continue;
    }
    if (first) { first = 0; continue; } /* the name string */
    add_item(c, &items, a, 0, 1);
  }
  if (items.len && !tv->bound) {
    texpr *t = ll_arena_alloc(&c->s->arena, sizeof *t);
    t->kind = TX_UNION;
    set_items(c, t, &items);
    tv->bound = t;
  }
  ll_vec_free(&items);
  return tv;
}

static void add_assignment(collector *c, TSNode a) {
  TSNode left = ll_field(a, "left"), right = ll_field(a, "right"), ann = ll_field(a, "type");
  if (ts_node_is_null(left) || !is(left, "identifier")) return;
  const char *name = text_of(c, left);
  if (strcmp(name, "__all__") == 0) {
    if (ts_node_is_null(right)) return;
    c->mod->has_all = 1;
    add_all_names(c, right);
    return;
  }
  if (!ts_node_is_null(ann)) {
    const char *an = dotted(c, ann);
    if (ts_node_is_null(right) || !an || strcmp(last_component(an), "TypeAlias") != 0) {
      add_variable(c, left, ann, NULL);
      return;
    }
    binding *b = binding_new(c, B_TYPE, 1);
    b->type = to_texpr(c, right, 0);
    bind(c, name, b);
    return;
  }
  if (ts_node_is_null(right)) return;
  if (is(right, "identifier") || is(right, "attribute")) {
    const char *target = dotted(c, right);
    if (!target) return;
    binding *b = binding_new(c, B_ALIAS, 1);
    b->attr = target;
    bind(c, name, b);
    return;
  }
  if (is(right, "call")) {
    const char *fn = dotted(c, ll_field(right, "function"));
    const char *last = fn ? last_component(fn) : "";
    if (strcmp(last, "TypeVar") == 0 || strcmp(last, "ParamSpec") == 0 || strcmp(last, "TypeVarTuple") == 0) {
      binding *b = binding_new(c, B_TVAR, 0);
      b->tv = typevar_of(c, name, right);
      bind(c, name, b);
    }
    return;
  }
  if (is(right, "subscript") || is(right, "binary_operator")) {
    /* an old-style alias: `_Fut = Future[Any] | Task[Any]` */
    binding *b = binding_new(c, B_TYPE, 1);
    b->type = to_texpr(c, right, 0);
    bind(c, name, b);
  }
}

static void add_expression_statement(collector *c, TSNode st) {
  for (uint32_t i = 0; i < ts_node_named_child_count(st); i++) {
    TSNode e = ts_node_named_child(st, i);
    if (is(e, "assignment")) {
      add_assignment(c, e);
    } else if (is(e, "augmented_assignment")) {
      TSNode left = ll_field(e, "left");
      if (!ts_node_is_null(left) && text_is(c, left, "__all__")) {
        c->mod->has_all = 1;
        add_all_names(c, ll_field(e, "right"));
      }
    } else if (is(e, "call")) {
      /* __all__.extend([...]) and __all__.append("x") */
      TSNode fn = ll_field(e, "function");
      if (ts_node_is_null(fn) || !is(fn, "attribute")) continue;
      TSNode obj = ll_field(fn, "object");
      if (!ts_node_is_null(obj) && text_is(c, obj, "__all__")) {
        c->mod->has_all = 1;
        add_all_names(c, ll_field(e, "arguments"));
      }
    }
  }
}

static void add_type_alias(collector *c, TSNode st) {
  const char *name = dotted(c, ll_field(st, "left"));
  if (!name) return;
  binding *b = binding_new(c, B_TYPE, 1);
  b->type = to_texpr(c, ll_field(st, "right"), 0);
  bind(c, name, b);
}

/* Every branch of `if sys.version_info >= ...:` / `if sys.platform == ...:` counts. */
static void collect_if(collector *c, TSNode st, stub_def *cls) {
  for (uint32_t i = 0; i < ts_node_named_child_count(st); i++) {
    TSNode k = ts_node_named_child(st, i);
    if (is(k, "block")) {
      collect_block(c, k, cls);
    } else if (is(k, "elif_clause") || is(k, "else_clause")) {
      for (uint32_t j = 0; j < ts_node_named_child_count(k); j++) {
        TSNode b = ts_node_named_child(k, j);
        if (is(b, "block")) collect_block(c, b, cls);
      }
    }
  }
}

static void collect_block(collector *c, TSNode block, stub_def *cls) {
  for (uint32_t i = 0; i < ts_node_named_child_count(block); i++) {
    TSNode st = ts_node_named_child(block, i);
    const char *t = ts_node_type(st);
    if (strcmp(t, "decorated_definition") == 0) {
      TSNode def = ll_field(st, "definition");
      if (ts_node_is_null(def)) continue;
      if (is(def, "function_definition")) add_function(c, def, st, cls);
      else if (is(def, "class_definition")) add_class(c, def, cls);
    } else if (strcmp(t, "function_definition") == 0) {
      add_function(c, st, (TSNode){0}, cls);
    } else if (strcmp(t, "class_definition") == 0) {
      add_class(c, st, cls);
    } else if (strcmp(t, "if_statement") == 0) {
      collect_if(c, st, cls);
    } else if (cls) {
      /* class bodies: definitions and annotated attributes */
      if (strcmp(t, "expression_statement") != 0) continue;
      for (uint32_t k = 0; k < ts_node_named_child_count(st); k++) {
        TSNode a = ts_node_named_child(st, k);
        if (!is(a, "assignment")) continue;
        TSNode left = ll_field(a, "left"), ann = ll_field(a, "type");
        if (!ts_node_is_null(left) && is(left, "identifier") && !ts_node_is_null(ann)) add_variable(c, left, ann, cls);
      }
    } else if (strcmp(t, "import_statement") == 0 || strcmp(t, "import_from_statement") == 0) {
      add_import(c, st);
    } else if (strcmp(t, "expression_statement") == 0) {
      add_expression_statement(c, st);
    } else if (strcmp(t, "type_alias_statement") == 0) {
      add_type_alias(c, st);
    }
  }
}

/* The first ERROR or MISSING node, for the message of a skipped stub. */
static TSNode first_error(TSNode n) {
  if (strcmp(ts_node_type(n), "ERROR") == 0 || ts_node_is_missing(n)) return n;
  for (uint32_t i = 0; i < ts_node_child_count(n); i++) {
    TSNode k = ts_node_child(n, i);
    if (!ts_node_has_error(k)) continue;
    TSNode e = first_error(k);
    if (!ts_node_is_null(e)) return e;
  }
  return (TSNode){0};
}

int ll_stubs_add_file(ll_stubs *s, const char *path, const char *module, int is_package, const char *origin,
                      char *err, size_t errlen) {
  ll_source src;
  char why[256];
  if (ll_source_read(&src, path, why, sizeof why) != 0) {
    snprintf(err, errlen, "cannot read: %s", why);
    return -1;
  }
  if (src.len > UINT32_MAX) {
    snprintf(err, errlen, "too large to parse");
    ll_source_free(&src);
    return -1;
  }
  TSTree *tree = ts_parser_parse_string(s->parser, NULL, src.text, (uint32_t)src.len);
  if (!tree) {
    snprintf(err, errlen, "the parser gave up on this file");
    ll_source_free(&src);
    return -1;
  }
  TSNode root = ts_tree_root_node(tree);
  int rc = 0;
  if (ts_node_has_error(root)) {
    /* half a stub would silently drop definitions, and a wrong __all__ would hide others */
    TSNode e = first_error(root);
    uint32_t row = ts_node_is_null(e) ? 0 : ts_node_start_point(e).row;
    snprintf(err, errlen, "syntax error on line %u: not read", row + 1);
    rc = -1;
  } else {
    collector c = {s, module_intern(s, module, origin, is_package), src.text};
    collect_block(&c, root, NULL);
  }
  ts_tree_delete(tree);
  ll_source_free(&src);
  return rc;
}

/* ------------------------------------------------------------------------------------------
 * Walking a typeshed folder
 * ------------------------------------------------------------------------------------------ */

typedef struct walk_state {
  ll_stubs *s;
  ll_stubs_warn_fn warn;
  void *warn_ctx;
  long nread;
} walk_state;

static int is_identifier(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The entries of a folder, sorted (so modules read in a stable order); NULL if unreadable. */
static char **list_dir(const char *dir, size_t *n) {
  DIR *d = opendir(dir);
  if (!d) return NULL;
  LL_VEC(char *) names = {0};
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    ll_vec_push(&names, ll_xstrdup(de->d_name));
  }
  closedir(d);
  if (names.len > 1) qsort(names.items, names.len, sizeof(char *), cmp_str);
  *n = names.len;
  if (!names.items) names.items = ll_xcalloc(1, sizeof(char *));
  return names.items;
}

static void free_list(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* Reads the stubs under dir as modules below package prefix ("" at a root). Folder names
 * that are not identifiers (@tests) hold no modules. */
static void walk_stubs(walk_state *w, const char *dir, const char *prefix, const char *origin, int depth) {
  size_t n = 0;
  char **names = list_dir(dir, &n);
  if (!names) {
    if (w->warn) w->warn(w->warn_ctx, dir, strerror(errno));
    return;
  }
  for (size_t i = 0; i < n; i++) {
    ll_strbuf p, mod;
    ll_strbuf_init(&p);
    ll_strbuf_init(&mod);
    ll_strbuf_addf(&p, "%s/%s", dir, names[i]);
    struct stat st;
    size_t len = strlen(names[i]);
    if (stat(p.data, &st) != 0) {
      /* dangling link: nothing to read */
    } else if (S_ISDIR(st.st_mode)) {
      if (is_identifier(names[i]) && depth < 64) {
        ll_strbuf_addf(&mod, "%s%s%s", prefix, *prefix ? "." : "", names[i]);
        walk_stubs(w, p.data, mod.data, origin, depth + 1);
      }
    } else if (len > 4 && strcmp(names[i] + len - 4, ".pyi") == 0) {
      names[i][len - 4] = 0;
      int is_package = strcmp(names[i], "__init__") == 0;
      if (is_package) ll_strbuf_add(&mod, prefix);
      else if (is_identifier(names[i])) ll_strbuf_addf(&mod, "%s%s%s", prefix, *prefix ? "." : "", names[i]);
      if (mod.len) {
        char why[512];
        if (ll_stubs_add_file(w->s, p.data, mod.data, is_package, origin, why, sizeof why) == 0) w->nread++;
        else if (w->warn) w->warn(w->warn_ctx, p.data, why);
      }
    }
    ll_strbuf_free(&p);
    ll_strbuf_free(&mod);
  }
  free_list(names, n);
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

long ll_stubs_add_typeshed(ll_stubs *s, const char *dir, ll_stubs_warn_fn warn, void *warn_ctx, char *err,
                           size_t errlen) {
  struct stat st;
  if (stat(dir, &st) != 0) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: not a folder", dir);
    return -1;
  }
  walk_state w = {s, warn, warn_ctx, 0};
  ll_strbuf p;
  ll_strbuf_init(&p);
  ll_strbuf_addf(&p, "%s/stdlib", dir);
  int has_stdlib = is_dir(p.data);
  if (has_stdlib) walk_stubs(&w, p.data, "", "stdlib", 0);
  ll_strbuf_clear(&p);
  ll_strbuf_addf(&p, "%s/stubs", dir);
  int has_stubs = is_dir(p.data);
  if (has_stubs) {
    size_t n = 0;
    char **dists = list_dir(p.data, &n);
    for (size_t i = 0; dists && i < n; i++) {
      ll_strbuf d;
      ll_strbuf_init(&d);
      ll_strbuf_addf(&d, "%s/%s", p.data, dists[i]);
      if (dists[i][0] != '@' && is_dir(d.data)) walk_stubs(&w, d.data, "", dists[i], 0);
      ll_strbuf_free(&d);
    }
    if (dists) free_list(dists, n);
  }
  ll_strbuf_free(&p);
  if (!has_stdlib && !has_stubs) {
    snprintf(err, errlen, "%s: not a typeshed folder (it has neither stdlib/ nor stubs/)", dir);
    return -1;
  }
  return w.nread;
}

/* ------------------------------------------------------------------------------------------
 * Resolving names across the stub set
 * ------------------------------------------------------------------------------------------ */

typedef enum target_kind { T_DEF, T_MODULE, T_TYPE, T_TVAR } target_kind;

typedef struct target {
  target_kind kind;
  stub_def *def;
  const char *module;       /* T_MODULE: interned module or namespace package name */
  const texpr *type;        /* T_TYPE */
  stub_module *type_module; /* T_TYPE: where the alias is written, to resolve its names */
  const tvar *tv;           /* T_TVAR */
} target;

typedef LL_VEC(target) targets;

static void add_target(targets *out, target t) {
  for (size_t i = 0; i < out->len; i++) {
    target *o = &out->items[i];
    if (o->kind == t.kind && o->def == t.def && o->module == t.module && o->type == t.type && o->tv == t.tv) return;
  }
  ll_vec_push(out, t);
}

static void resolve_name(ll_stubs *s, stub_module *m, const char *name, targets *out, int depth);
static void resolve_dotted(ll_stubs *s, stub_module *m, stub_def *scope, const char *name, targets *out, int depth);

/* The names `from m import *` brings: __all__ when there is one, else the public names the
 * stub re-exports (definitions, aliases, `import x as x`, and its own star imports). */
static const ll_strmap *exports(ll_stubs *s, stub_module *m) {
  if (m->exports_state) return &m->exports; /* done, or a cycle: what is known so far */
  m->exports_state = 1;
  if (m->has_all) {
    for (size_t i = 0; i < m->all.cap; i++)
      if (m->all.slots[i].key) ll_strmap_put(&m->exports, m->all.slots[i].key, (void *)1);
  } else {
    for (size_t i = 0; i < m->names.cap; i++) {
      const char *k = m->names.slots[i].key;
      if (!k || k[0] == '_') continue;
      for (const binding *b = m->names.slots[i].value; b; b = b->next)
        if (b->reexport) { ll_strmap_put(&m->exports, k, (void *)1); break; }
    }
    for (size_t i = 0; i < m->stars.len; i++) {
      stub_module *x = module_get(s, m->stars.items[i]);
      if (!x || x == m) continue;
      const ll_strmap *e = exports(s, x);
      for (size_t k = 0; k < e->cap; k++)
        if (e->slots[k].key && e->slots[k].key[0] != '_') ll_strmap_put(&m->exports, e->slots[k].key, (void *)1);
    }
  }
  m->exports_state = 2;
  return &m->exports;
}

/* ATTR of MODULE: a name the module binds, or its submodule. */
static void module_attr(ll_stubs *s, const char *module, const char *attr, targets *out, int depth) {
  resolve_name(s, module_get(s, module), attr, out, depth);
  ll_strbuf sub;
  ll_strbuf_init(&sub);
  ll_strbuf_addf(&sub, "%s%s%s", module, *module ? "." : "", attr);
  const char *interned = ll_strmap_get(&s->prefixes, sub.data);
  if (interned) add_target(out, (target){.kind = T_MODULE, .module = interned});
  ll_strbuf_free(&sub);
}

static void resolve_name_uncached(ll_stubs *s, stub_module *m, const char *name, targets *out, int depth) {
  for (const binding *b = ll_strmap_get(&m->names, name); b; b = b->next) {
    switch (b->kind) {
      case B_DEF: add_target(out, (target){.kind = T_DEF, .def = b->def}); break;
      case B_MODULE: {
        const char *interned = ll_strmap_get(&s->prefixes, b->module);
        if (interned) add_target(out, (target){.kind = T_MODULE, .module = interned});
        break;
      }
      case B_FROM: module_attr(s, b->module, b->attr, out, depth + 1); break;
      case B_ALIAS: resolve_dotted(s, m, NULL, b->attr, out, depth + 1); break;
      case B_TYPE: add_target(out, (target){.kind = T_TYPE, .type = b->type, .type_module = m}); break;
      case B_TVAR: add_target(out, (target){.kind = T_TVAR, .tv = b->tv}); break;
    }
  }
  for (size_t i = 0; i < m->stars.len; i++) {
    stub_module *x = module_get(s, m->stars.items[i]);
    if (x && x != m && ll_strmap_get(exports(s, x), name)) resolve_name(s, x, name, out, depth + 1);
  }
}

/* What a module-level name stands for. Results are remembered per module: re-export chains
 * are long and shared, and an import cycle (a package importing its own name back) meets
 * the in-progress marker and contributes nothing instead of recursing. */
typedef struct resolved {
  target *items;
  size_t n;
} resolved;

static void resolve_name(ll_stubs *s, stub_module *m, const char *name, targets *out, int depth) {
  if (!m || depth > MAX_RESOLVE_DEPTH) return;
  resolved *r = ll_strmap_get(&m->resolved, name);
  if (r == s->in_progress) return;
  if (!r) {
    const char *key = ll_arena_strdup(&s->arena, name);
    ll_strmap_put(&m->resolved, key, s->in_progress);
    targets found = {0};
    resolve_name_uncached(s, m, name, &found, depth);
    r = ll_arena_alloc(&s->arena, sizeof *r);
    r->n = found.len;
    r->items = ll_arena_alloc(&s->arena, (found.len ? found.len : 1) * sizeof(target));
    if (found.len) memcpy(r->items, found.items, found.len * sizeof(target));
    ll_vec_free(&found);
    ll_strmap_put(&m->resolved, key, r);
  }
  for (size_t i = 0; i < r->n; i++) add_target(out, r->items[i]);
}

static void mro(ll_stubs *s, stub_def *cls);

/* A member of a class or one of its bases (the first in method resolution order). */
static stub_def *class_member(ll_stubs *s, stub_def *cls, const char *name) {
  mro(s, cls);
  for (size_t i = 0; i < cls->mro.len; i++) {
    stub_def *m = ll_strmap_get(&cls->mro.items[i]->members, name);
    if (m) return m;
  }
  return NULL;
}

/* Resolves `a.b.c` as written in module m (inside class scope when not NULL); names a stub
 * does not bind fall back to builtins, as they do for the type checker. */
static void resolve_dotted(ll_stubs *s, stub_module *m, stub_def *scope, const char *name, targets *out, int depth) {
  if (!m || depth > MAX_RESOLVE_DEPTH) return;
  targets cur = {0};
  const char *p = name;
  size_t n = strcspn(p, ".");
  char *first = ll_xstrndup(p, n);
  if (scope) {
    /* in a class body a type names a nested class; a method or attribute of the same name
     * (`def list(self) -> list[Container]`) is never the type meant */
    stub_def *d = class_member(s, scope, first);
    if (d && d->is_class) add_target(&cur, (target){.kind = T_DEF, .def = d});
  }
  if (!cur.len) resolve_name(s, m, first, &cur, depth + 1);
  if (!cur.len && strcmp(m->name, "builtins") != 0) resolve_name(s, module_get(s, "builtins"), first, &cur, depth + 1);
  free(first);
  p += n;
  while (*p == '.' && cur.len) {
    p++;
    n = strcspn(p, ".");
    char *comp = ll_xstrndup(p, n);
    targets next = {0};
    for (size_t i = 0; i < cur.len; i++) {
      target *t = &cur.items[i];
      if (t->kind == T_MODULE) {
        module_attr(s, t->module, comp, &next, depth + 1);
      } else if (t->kind == T_DEF && t->def->is_class) {
        stub_def *d = class_member(s, t->def, comp);
        if (d) add_target(&next, (target){.kind = T_DEF, .def = d});
      }
    }
    free(comp);
    ll_vec_free(&cur);
    cur = next;
    p += n;
  }
  for (size_t i = 0; i < cur.len; i++) add_target(out, cur.items[i]);
  ll_vec_free(&cur);
}

static int mro_has(const stub_def *cls, const stub_def *d) {
  for (size_t i = 0; i < cls->mro.len; i++)
    if (cls->mro.items[i] == d) return 1;
  return 0;
}

/* Fills cls->mro: the class, then its bases depth-first, each once. Inherited members are
 * looked up in this order, so a subclass's own definition wins. In a cycle the order is
 * whatever is known so far. */
static void mro(ll_stubs *s, stub_def *cls) {
  if (cls->mro_state) return;
  cls->mro_state = 1;
  ll_vec_push(&cls->mro, cls);
  for (const base_ref *b = cls->bases; b; b = b->next) {
    targets t = {0};
    resolve_dotted(s, cls->mod, cls->owner, b->tx->name, &t, 0);
    for (size_t i = 0; i < t.len; i++) {
      stub_def *base = t.items[i].def;
      if (t.items[i].kind != T_DEF || !base->is_class || base == cls) continue;
      mro(s, base);
      for (size_t k = 0; k < base->mro.len; k++)
        if (!mro_has(cls, base->mro.items[k])) ll_vec_push(&cls->mro, base->mro.items[k]);
    }
    ll_vec_free(&t);
  }
  cls->mro_state = 2;
}

/* ------------------------------------------------------------------------------------------
 * Classification
 * ------------------------------------------------------------------------------------------ */

static const char *def_qual(ll_stubs *s, stub_def *d) {
  if (!d->qual) d->qual = ll_arena_join(&s->arena, d->owner ? def_qual(s, d->owner) : d->mod->name, d->name);
  return d->qual;
}

static int qual_in(ll_stubs *s, stub_def *d, const char *const *list) {
  const char *q = def_qual(s, d);
  for (; *list; list++)
    if (strcmp(q, *list) == 0) return 1;
  return 0;
}

/* asyncio's Future (and so Task, its subclass), wherever typeshed defines it this year. */
static const char *const FUTURE_ROOTS[] = {"_asyncio.Future", "asyncio.futures.Future", "asyncio.Future", NULL};
/* The protocols a call's result can be declared as; their subclasses are not included, to
 * stay with what the stubs state outright. */
static const char *const AWAITABLE_PROTOCOLS[] = {"typing.Awaitable", "typing.Coroutine",
                                                  "collections.abc.Awaitable", "collections.abc.Coroutine", NULL};
/* Where the generic containers live that annotations name (`list[Path]`, `Iterator[Path]`):
 * kept whether or not a library result mentions them, with their members that give $N. */
static const char *const CONTAINER_MODULES[] = {"builtins", "typing", "typing_extensions", "collections",
                                                "collections.abc", "_collections_abc", "contextlib", NULL};

static int class_is_future(ll_stubs *s, stub_def *cls) {
  mro(s, cls);
  for (size_t i = 0; i < cls->mro.len; i++)
    if (qual_in(s, cls->mro.items[i], FUTURE_ROOTS)) return 1;
  return 0;
}

static int tx_awaitable(ll_stubs *s, stub_module *m, stub_def *scope, const texpr *t, int depth) {
  if (!t || depth > 8) return 0;
  if (t->kind == TX_UNION) {
    if (!t->n) return 0;
    for (size_t i = 0; i < t->n; i++)
      if (!tx_awaitable(s, m, scope, t->items[i], depth + 1)) return 0;
    return 1;
  }
  if (t->kind != TX_NAME && t->kind != TX_GENERIC) return 0;
  const char *last = last_component(t->name);
  if (t->kind == TX_GENERIC && strcmp(last, "Optional") == 0) return 0;
  if (t->kind == TX_GENERIC && strcmp(last, "Union") == 0) {
    if (!t->n) return 0;
    for (size_t i = 0; i < t->n; i++)
      if (!tx_awaitable(s, m, scope, t->items[i], depth + 1)) return 0;
    return 1;
  }
  targets ts = {0};
  resolve_dotted(s, m, scope, t->name, &ts, 0);
  int yes = 0;
  for (size_t i = 0; i < ts.len && !yes; i++) {
    target *x = &ts.items[i];
    if (x->kind == T_DEF && x->def->is_class)
      yes = qual_in(s, x->def, AWAITABLE_PROTOCOLS) || class_is_future(s, x->def);
    else if (x->kind == T_TYPE)
      yes = tx_awaitable(s, x->type_module, NULL, x->type, depth + 1);
    else if (x->kind == T_TVAR && x->tv->bound)
      yes = tx_awaitable(s, x->tv->mod, NULL, x->tv->bound, depth + 1);
  }
  ll_vec_free(&ts);
  return yes;
}

/* `async def f() -> AsyncIterator[X]` is how a stub writes an async generator. */
static int tx_async_iterator(const texpr *t) {
  if (!t || (t->kind != TX_NAME && t->kind != TX_GENERIC)) return 0;
  const char *last = last_component(t->name);
  return strcmp(last, "AsyncIterator") == 0 || strcmp(last, "AsyncGenerator") == 0 ||
         strcmp(last, "AsyncIterable") == 0;
}

typedef enum occ_kind { K_ASYNC, K_ASYNCGEN, K_AWAITABLE, K_SYNC } occ_kind;

static occ_kind classify(ll_stubs *s, stub_def *d, const occ *o) {
  if (o->is_async) return tx_async_iterator(o->ret) ? K_ASYNCGEN : K_ASYNC;
  if (o->is_legacy_coroutine) return K_SYNC;
  return tx_awaitable(s, d->mod, d->owner, o->ret, 0) ? K_AWAITABLE : K_SYNC;
}

static int count_components(const char *p) {
  int n = 1;
  for (; *p; p++) n += *p == '.';
  return n;
}

/* The name a class is known by: among its paths, `builtins.NAME` for a builtin (not its
 * `typing.Text` alias), then one in its own distribution, then one ending in its own name
 * (`pymysql.Connection`, not the alias `pymysql.Connect`), then the fewest components, then
 * the defining module, then the shortest ("asyncio.Task" over "asyncio.tasks.Task"). A class without a public path is
 * known by its defining qualified name (`os._ScandirIterator`). */
/* Whether path is MODULE.NAME of the module that defines the (top-level) class. */
static int defined_at(const stub_def *cls, const char *path) {
  size_t n = strlen(cls->mod->name);
  return !cls->owner && strncmp(path, cls->mod->name, n) == 0 && path[n] == '.' && strcmp(path + n + 1, cls->name) == 0;
}

static const char *canonical(stub_def *cls) {
  if (cls->canonical_done) return cls->canonical;
  cls->canonical_done = 1;
  const def_path *best = NULL;
  int builtin = !cls->owner && strcmp(cls->mod->name, "builtins") == 0;
  for (size_t i = 0; i < cls->paths.len; i++) {
    const def_path *p = &cls->paths.items[i];
    if (builtin && strncmp(p->path, "builtins.", 9) == 0 && strcmp(p->path + 9, cls->name) == 0) { best = p; break; }
    if (!best) { best = p; continue; }
    int own_p = strcmp(p->origin, cls->mod->origin) == 0, own_b = strcmp(best->origin, cls->mod->origin) == 0;
    if (own_p != own_b) { if (own_p) best = p; continue; }
    int named_p = strcmp(last_component(p->path), cls->name) == 0, named_b = strcmp(last_component(best->path), cls->name) == 0;
    if (named_p != named_b) { if (named_p) best = p; continue; }
    int cp = count_components(p->path), cb = count_components(best->path);
    if (cp != cb) { if (cp < cb) best = p; continue; }
    int here_p = defined_at(cls, p->path), here_b = defined_at(cls, best->path);
    if (here_p != here_b) { if (here_p) best = p; continue; } /* os.DirEntry, not nt.DirEntry */
    size_t lp = strlen(p->path), lb = strlen(best->path);
    if (lp != lb) { if (lp < lb) best = p; continue; }
    if (strcmp(p->path, best->path) < 0) best = p;
  }
  cls->canonical = best ? best->path : NULL;
  return cls->canonical;
}

static int in_modules(stub_def *cls, const char *const *mods) {
  while (cls->owner) cls = cls->owner;
  for (; *mods; mods++)
    if (strcmp(cls->mod->name, *mods) == 0) return 1;
  return 0;
}

/* ------------------------------------------------------------------------------------------
 * Types: annotations resolved across the stub set
 *
 * An annotation becomes an rtype: a class with arguments, a type parameter of the class the
 * member belongs to ($N), Self, None, or unknown. A member's type is resolved in its defining
 * class, then bound to the class the entry is for: Self becomes that class, and the defining
 * class's $N become what the entry class's bases say (`class dict_values(ValuesView[_VT_co],
 * Generic[_KT_co, _VT_co])`: ValuesView's $0 is dict_values's $1).
 * ------------------------------------------------------------------------------------------ */

typedef enum rkind { R_ANY, R_NONE, R_ELLIPSIS, R_SELF, R_VAR, R_CLASS, R_UNION } rkind;

typedef struct rtype {
  rkind kind;
  int var;                /* R_VAR */
  stub_def *cls;          /* R_CLASS */
  struct rtype **args;    /* R_CLASS: generic arguments; R_UNION: members */
  size_t n;
} rtype;

static rtype RT_ANY = {R_ANY, 0, NULL, NULL, 0};
static rtype RT_NONE = {R_NONE, 0, NULL, NULL, 0};
static rtype RT_ELLIPSIS = {R_ELLIPSIS, 0, NULL, NULL, 0};
static rtype RT_SELF = {R_SELF, 0, NULL, NULL, 0};

/* What an annotation is read against: the class whose type parameters are $N, and a TypeVar
 * that stands for Self in this one definition (`def __enter__(self: _T) -> _T`). */
typedef struct renv {
  stub_def *cls;
  const tvar *self_tv;
} renv;

static const renv NO_ENV = {NULL, NULL};

static rtype *rt_new(ll_stubs *s, rkind kind, stub_def *cls, size_t n) {
  rtype *r = ll_arena_alloc(&s->arena, sizeof *r);
  r->kind = kind;
  r->cls = cls;
  r->n = n;
  r->args = n ? ll_arena_alloc(&s->arena, n * sizeof(rtype *)) : NULL;
  return r;
}

static rtype *rt_var(ll_stubs *s, int i) {
  rtype *r = rt_new(s, R_VAR, NULL, 0);
  r->var = i;
  return r;
}

static int rt_equal(const rtype *a, const rtype *b) {
  if (a == b) return 1;
  if (a->kind != b->kind || a->n != b->n) return 0;
  if (a->kind == R_VAR) return a->var == b->var;
  if (a->kind == R_CLASS && a->cls != b->cls) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (!rt_equal(a->args[i], b->args[i])) return 0;
  return 1;
}

static rtype *resolve_rt(ll_stubs *s, stub_module *m, stub_def *scope, const texpr *t, const renv *env, int depth);

/* The TypeVar a plain name stands for, or NULL. */
static const tvar *tvar_named(ll_stubs *s, stub_module *m, stub_def *scope, const texpr *t) {
  if (!t || t->kind != TX_NAME) return NULL;
  targets ts = {0};
  resolve_dotted(s, m, scope, t->name, &ts, 0);
  const tvar *tv = ts.len == 1 && ts.items[0].kind == T_TVAR ? ts.items[0].tv : NULL;
  ll_vec_free(&ts);
  return tv;
}

static void add_param(stub_def *cls, const tvar *tv) {
  for (size_t i = 0; i < cls->params.len; i++)
    if (cls->params.items[i] == tv) return;
  ll_vec_push(&cls->params, tv);
}

/* TypeVars in the order the bases mention them (PEP 484, for classes without Generic[...]). */
static void collect_tvars(ll_stubs *s, stub_def *cls, const texpr *t, int depth) {
  if (!t || depth > 8) return;
  if (t->kind == TX_NAME) {
    const tvar *tv = tvar_named(s, cls->mod, cls->owner, t);
    if (tv) add_param(cls, tv);
  } else if (t->kind == TX_GENERIC || t->kind == TX_UNION) {
    for (size_t i = 0; i < t->n; i++) collect_tvars(s, cls, t->items[i], depth + 1);
  }
}

/* A class's own type parameters: those of Generic[...] (or Protocol[...]) among its bases,
 * else the TypeVars its bases' arguments name. */
static void class_params(ll_stubs *s, stub_def *cls) {
  if (cls->params_state) return;
  cls->params_state = 1;
  const base_ref *gen = NULL;
  for (const base_ref *b = cls->bases; b; b = b->next) {
    if (b->tx->kind != TX_GENERIC) continue;
    const char *last = last_component(b->tx->name);
    if (strcmp(last, "Generic") == 0) { gen = b; break; }
    if (strcmp(last, "Protocol") == 0 && !gen) gen = b;
  }
  if (gen) {
    for (size_t i = 0; i < gen->tx->n; i++) {
      const texpr *a = gen->tx->items[i];
      if (a->kind == TX_GENERIC && strcmp(last_component(a->name), "Unpack") == 0 && a->n == 1) a = a->items[0];
      const tvar *tv = tvar_named(s, cls->mod, cls->owner, a);
      if (tv) add_param(cls, tv);
    }
  } else {
    for (const base_ref *b = cls->bases; b; b = b->next) collect_tvars(s, cls, b->tx, 0);
  }
  cls->params_state = 2;
}

static int param_index(ll_stubs *s, stub_def *cls, const tvar *tv) {
  if (!cls) return -1;
  class_params(s, cls);
  for (size_t i = 0; i < cls->params.len; i++)
    if (cls->params.items[i] == tv) return (int)i;
  return -1;
}

static rtype *rt_union2(ll_stubs *s, rtype *a, rtype *b) {
  rtype *u = rt_new(s, R_UNION, NULL, 2);
  u->args[0] = a;
  u->args[1] = b;
  return u;
}

/* typing's names for builtin and collections classes (`List = _Alias()`, `Tuple: _SpecialForm`). */
static const struct {
  const char *name, *module, *cls;
} TYPING_ALIASES[] = {{"List", "builtins", "list"},         {"Dict", "builtins", "dict"},
                      {"Set", "builtins", "set"},           {"FrozenSet", "builtins", "frozenset"},
                      {"Tuple", "builtins", "tuple"},       {"Type", "builtins", "type"},
                      {"DefaultDict", "collections", "defaultdict"}, {"Deque", "collections", "deque"},
                      {"Counter", "collections", "Counter"}, {"ChainMap", "collections", "ChainMap"},
                      {"OrderedDict", "collections", "OrderedDict"}};

static stub_def *typing_alias(ll_stubs *s, const char *name) {
  const char *last = last_component(name);
  for (size_t i = 0; i < sizeof TYPING_ALIASES / sizeof TYPING_ALIASES[0]; i++) {
    if (strcmp(last, TYPING_ALIASES[i].name) != 0) continue;
    targets ts = {0};
    resolve_name(s, module_get(s, TYPING_ALIASES[i].module), TYPING_ALIASES[i].cls, &ts, 0);
    stub_def *d = ts.len && ts.items[0].kind == T_DEF && ts.items[0].def->is_class ? ts.items[0].def : NULL;
    ll_vec_free(&ts);
    return d;
  }
  return NULL;
}

/* cls[args] as written; arguments left out take their TypeVar's default (`Generator[Path]` is
 * `Generator[Path, None, None]`), or stay unknown. */
static rtype *class_rt(ll_stubs *s, stub_def *cls, stub_module *m, stub_def *scope, const texpr *t, const renv *env,
                       int depth) {
  /* typeshed declares `class Any` these days; it is still the unknown type */
  static const char *const ANY[] = {"typing.Any", "typing_extensions.Any", NULL};
  if (!cls->owner && qual_in(s, cls, ANY)) return &RT_ANY;
  if (t->kind != TX_GENERIC || !t->n) return rt_new(s, R_CLASS, cls, 0);
  class_params(s, cls);
  size_t n = t->n < cls->params.len ? cls->params.len : t->n;
  rtype *r = rt_new(s, R_CLASS, cls, n);
  for (size_t i = 0; i < n; i++) {
    if (i < t->n) {
      r->args[i] = resolve_rt(s, m, scope, t->items[i], env, depth + 1);
    } else {
      const tvar *tv = cls->params.items[i];
      r->args[i] = tv->deflt ? resolve_rt(s, tv->mod, NULL, tv->deflt, &NO_ENV, depth + 1) : &RT_ANY;
    }
  }
  return r;
}

static rtype *tvar_rt(ll_stubs *s, const tvar *tv, const renv *env, int depth) {
  if (env->self_tv == tv) return &RT_SELF;
  int i = param_index(s, env->cls, tv);
  if (i >= 0) return rt_var(s, i);
  /* a function's own TypeVar: what its bound says, if anything */
  return tv->bound ? resolve_rt(s, tv->mod, NULL, tv->bound, &NO_ENV, depth + 1) : &RT_ANY;
}

static rtype *resolve_rt(ll_stubs *s, stub_module *m, stub_def *scope, const texpr *t, const renv *env, int depth) {
  if (!t || depth > 16) return &RT_ANY;
  if (t->kind == TX_NONE) return &RT_NONE;
  if (t->kind == TX_ELLIPSIS) return &RT_ELLIPSIS;
  if (t->kind == TX_UNION) {
    rtype *u = rt_new(s, R_UNION, NULL, t->n);
    for (size_t i = 0; i < t->n; i++) u->args[i] = resolve_rt(s, m, scope, t->items[i], env, depth + 1);
    return u;
  }
  if (t->kind != TX_NAME && t->kind != TX_GENERIC) return &RT_ANY;
  const char *last = last_component(t->name);
  if (t->kind == TX_NAME && strcmp(last, "Self") == 0) return &RT_SELF;
  if (t->kind == TX_GENERIC) {
    if (strcmp(last, "Optional") == 0 && t->n == 1)
      return rt_union2(s, resolve_rt(s, m, scope, t->items[0], env, depth + 1), &RT_NONE);
    if (strcmp(last, "Union") == 0) {
      rtype *u = rt_new(s, R_UNION, NULL, t->n);
      for (size_t i = 0; i < t->n; i++) u->args[i] = resolve_rt(s, m, scope, t->items[i], env, depth + 1);
      return u;
    }
    if ((strcmp(last, "ClassVar") == 0 || strcmp(last, "Final") == 0 || strcmp(last, "Annotated") == 0 ||
         strcmp(last, "Required") == 0 || strcmp(last, "NotRequired") == 0 || strcmp(last, "ReadOnly") == 0) &&
        t->n >= 1)
      return resolve_rt(s, m, scope, t->items[0], env, depth + 1);
  }
  targets ts = {0};
  resolve_dotted(s, m, scope, t->name, &ts, 0);
  rtype *r = NULL;
  int ok = 1;
  for (size_t i = 0; i < ts.len && ok; i++) {
    target *x = &ts.items[i];
    rtype *one = &RT_ANY;
    if (x->kind == T_DEF && x->def->is_class) one = class_rt(s, x->def, m, scope, t, env, depth);
    else if (x->kind == T_TVAR) one = tvar_rt(s, x->tv, env, depth);
    else if (x->kind == T_TYPE && t->kind == TX_NAME) one = resolve_rt(s, x->type_module, NULL, x->type, &NO_ENV, depth + 1);
    else if (x->kind == T_DEF) {
      stub_def *alias = typing_alias(s, t->name);
      if (alias) one = class_rt(s, alias, m, scope, t, env, depth);
    }
    if (!r) r = one;
    else if (!rt_equal(r, one)) ok = 0;
  }
  ll_vec_free(&ts);
  if (!r) {
    stub_def *alias = typing_alias(s, t->name);
    if (alias) r = class_rt(s, alias, m, scope, t, env, depth);
  }
  return ok && r ? r : &RT_ANY;
}

/* r with $i replaced by vars[i] and Self by self (NULL: Self stays). */
static rtype *rt_subst(ll_stubs *s, rtype *r, rtype **vars, size_t n, rtype *self) {
  switch (r->kind) {
    case R_VAR: return (size_t)r->var < n ? vars[r->var] : &RT_ANY;
    case R_SELF: return self ? self : r;
    case R_CLASS:
    case R_UNION: {
      if (!r->n) return r;
      rtype *c = rt_new(s, r->kind, r->cls, r->n);
      for (size_t i = 0; i < r->n; i++) c->args[i] = rt_subst(s, r->args[i], vars, n, self);
      return c;
    }
    default: return r;
  }
}

/* `X | None` is X; a union of different types is unknown; a class whose arguments are all
 * unknown is the bare class (`asyncio.Task`, not `asyncio.Task[typing.Any]`). */
static rtype *rt_norm(ll_stubs *s, rtype *r) {
  if (r->kind == R_UNION) {
    rtype *one = NULL;
    for (size_t i = 0; i < r->n; i++) {
      rtype *m = rt_norm(s, r->args[i]);
      if (m->kind == R_NONE || m->kind == R_ANY) continue;
      if (one && !rt_equal(one, m)) return &RT_ANY;
      one = m;
    }
    return one ? one : &RT_ANY;
  }
  if (r->kind != R_CLASS || !r->n) return r;
  rtype *c = rt_new(s, R_CLASS, r->cls, r->n);
  int known = 0;
  for (size_t i = 0; i < r->n; i++) {
    c->args[i] = rt_norm(s, r->args[i]);
    known |= c->args[i]->kind != R_ANY && c->args[i]->kind != R_ELLIPSIS;
  }
  if (!known) c->n = 0;
  return c;
}

/* Whether a type names a kept-for-a-reason class, itself or in a generic argument. With spread
 * set (deciding whether a class is interesting through what its members give), the builtins
 * and typing classes do not count: a `body_file: IO[bytes]` attribute does not make every
 * WSGI request object a client. They still count for which members of a kept class to write
 * (`subprocess.Popen.stdout`). */
static int rt_leads_to(const rtype *r, int spread) {
  if (r->kind != R_CLASS) return 0;
  if (r->cls->interesting && !(spread && in_modules(r->cls, CONTAINER_MODULES))) return 1;
  if (r->cls->pinned && !spread) return 1;
  for (size_t i = 0; i < r->n; i++)
    if (rt_leads_to(r->args[i], spread)) return 1;
  return 0;
}

static int rt_leads(const rtype *r) { return rt_leads_to(r, 0); }

static int rt_has_var(const rtype *r) {
  if (r->kind == R_VAR) return 1;
  for (size_t i = 0; i < r->n; i++)
    if (rt_has_var(r->args[i])) return 1;
  return 0;
}

static int rt_useful(const rtype *r) { return r && (r->kind == R_CLASS || r->kind == R_VAR); }

static const char *class_name(ll_stubs *s, stub_def *cls) {
  const char *c = canonical(cls);
  return c ? c : def_qual(s, cls);
}

static void rt_render(ll_stubs *s, ll_strbuf *sb, const rtype *r) {
  switch (r->kind) {
    case R_NONE: ll_strbuf_add(sb, "None"); return;
    case R_ELLIPSIS: ll_strbuf_add(sb, "..."); return;
    case R_VAR: ll_strbuf_addf(sb, "$%d", r->var); return;
    case R_CLASS:
      ll_strbuf_add(sb, class_name(s, r->cls));
      if (!r->n) return;
      ll_strbuf_addc(sb, '[');
      for (size_t i = 0; i < r->n; i++) {
        if (i) ll_strbuf_add(sb, ", ");
        rt_render(s, sb, r->args[i]);
      }
      ll_strbuf_addc(sb, ']');
      return;
    default: ll_strbuf_add(sb, "typing.Any"); return;
  }
}

/* How owner's type parameters are bound in cls, which has owner among its bases: owner's $i
 * is the result's [i], written with cls's own $N. NULL when no base path leads to owner. */
static rtype **base_subst(ll_stubs *s, stub_def *cls, stub_def *owner, int depth) {
  class_params(s, cls);
  class_params(s, owner);
  for (size_t i = 0; i < cls->substs.len; i++)
    if (cls->substs.items[i].owner == owner) return cls->substs.items[i].vars;
  rtype **found = NULL;
  if (cls == owner) {
    found = ll_arena_alloc(&s->arena, (cls->params.len ? cls->params.len : 1) * sizeof(rtype *));
    for (size_t i = 0; i < cls->params.len; i++) found[i] = rt_var(s, (int)i);
  } else if (depth < 16) {
    mro(s, cls);
    renv env = {cls, NULL};
    for (const base_ref *b = cls->bases; b && !found && mro_has(cls, owner); b = b->next) {
      rtype *rb = resolve_rt(s, cls->mod, cls->owner, b->tx, &env, 0);
      if (rb->kind != R_CLASS || rb->cls == cls) continue;
      stub_def *base = rb->cls;
      mro(s, base);
      if (!mro_has(base, owner)) continue;
      rtype **sub = base_subst(s, base, owner, depth + 1);
      if (!sub) continue;
      size_t nb = base->params.len;
      rtype **bargs = ll_arena_alloc(&s->arena, (nb ? nb : 1) * sizeof(rtype *));
      for (size_t i = 0; i < nb; i++) bargs[i] = i < rb->n ? rb->args[i] : &RT_ANY;
      found = ll_arena_alloc(&s->arena, (owner->params.len ? owner->params.len : 1) * sizeof(rtype *));
      for (size_t i = 0; i < owner->params.len; i++) found[i] = rt_subst(s, sub[i], bargs, nb, NULL);
    }
  }
  subst_memo memo = {owner, found};
  ll_vec_push(&cls->substs, memo);
  return found;
}

/* The class as its own members see it: cls[$0, $1, ...]. */
static rtype *self_of(ll_stubs *s, stub_def *cls) {
  class_params(s, cls);
  rtype *r = rt_new(s, R_CLASS, cls, cls->params.len);
  for (size_t i = 0; i < cls->params.len; i++) r->args[i] = rt_var(s, (int)i);
  return r;
}

/* What one definition of d gives, for an entry on class ctx (NULL: reached through a module
 * alias such as `from_env = DockerClient.from_env`). Calling an `async def` gives
 * typing.Coroutine[Any, Any, T] (an `async def` returning AsyncIterator is an async
 * generator: calling it gives the iterator). */
static rtype *occ_type(ll_stubs *s, stub_def *d, const occ *o, stub_def *ctx, stub_def *coroutine_cls) {
  stub_def *owner = d->owner;
  renv env = {owner, NULL};
  if (owner && o->self_ann) {
    const texpr *a = o->self_ann;
    if (a->kind == TX_GENERIC && a->n == 1 && strcmp(last_component(a->name), "type") == 0) a = a->items[0];
    const tvar *tv = tvar_named(s, d->mod, owner, a);
    if (tv && param_index(s, owner, tv) < 0) env.self_tv = tv;
  }
  rtype *r = resolve_rt(s, d->mod, owner, o->ret, &env, 0);
  if (o->is_async && !tx_async_iterator(o->ret)) {
    if (!coroutine_cls) return &RT_ANY;
    rtype *c = rt_new(s, R_CLASS, coroutine_cls, 3);
    c->args[0] = &RT_ANY;
    c->args[1] = &RT_ANY;
    c->args[2] = r;
    r = c;
  }
  if (owner) {
    if (ctx) {
      rtype **vars = base_subst(s, ctx, owner, 0);
      r = rt_subst(s, r, vars, vars ? owner->params.len : 0, self_of(s, ctx));
    } else {
      r = rt_subst(s, r, NULL, 0, rt_new(s, R_CLASS, owner, 0));
    }
  }
  return rt_norm(s, r);
}

/* What using d gives: its definitions' type when they agree, else the one a call with the
 * fewest arguments gets (overloads are tried in order: `open(path)` is the text overload). */
static rtype *def_type(ll_stubs *s, stub_def *d, stub_def *ctx, stub_def *coroutine_cls) {
  rtype *agreed = NULL, *best_t = NULL;
  const occ *best = NULL;
  int agree = 1;
  for (const occ *o = d->occs; o; o = o->next) {
    rtype *t = occ_type(s, d, o, ctx, coroutine_cls);
    if (!agreed) agreed = t;
    else if (!rt_equal(agreed, t)) agree = 0;
    if (!best || o->nrequired < best->nrequired || (o->nrequired == best->nrequired && o->seq < best->seq)) {
      best = o;
      best_t = t;
    }
  }
  if (!agreed) return &RT_ANY;
  return agree ? agreed : best_t;
}

/* ------------------------------------------------------------------------------------------
 * Deriving the facts
 * ------------------------------------------------------------------------------------------ */

typedef struct entry {
  const char *path;
  const char *origin;   /* of the module the path starts from */
  stub_def *def;
  stub_def *ctx;        /* the class the path looks the member up on */
  const char *cls_path; /* members: the path of ctx this entry hangs from */
  int hidden;           /* under a class that has no public path */
} entry;

typedef struct derive_state {
  ll_stubs *s;
  ll_stubs_facts *out;
  LL_VEC(entry) entries;
  LL_VEC(stub_def *) classes; /* every class given a path, in visiting order */
} derive_state;

static int is_public_path(const char *p) {
  if (*p == '_') return 0;
  for (; *p; p++)
    if (*p == '.' && p[1] == '_') return 0;
  return 1;
}

/* The special methods the engine follows: iteration, `with`, subscripts, `/`, `await`. */
static const char *const FOLLOWED_DUNDERS[] = {"__iter__",    "__next__",  "__enter__",   "__aenter__", "__aiter__",
                                               "__anext__",   "__getitem__", "__truediv__", "__await__", NULL};

static int is_dunder(const char *name) { return name[0] == '_' && name[1] == '_'; }

static int followed(const char *name) {
  if (name[0] != '_') return 1;
  for (const char *const *d = FOLLOWED_DUNDERS; *d; d++)
    if (strcmp(name, *d) == 0) return 1;
  return 0;
}

static void visit(derive_state *st, stub_def *d, const char *path, const char *origin, stub_def *ctx,
                  const char *cls_path, int hidden, int depth) {
  entry e = {path, origin, d, ctx, cls_path, hidden};
  ll_vec_push(&st->entries, e);
  if (!d->is_class) return;
  for (size_t i = 0; i < d->paths.len; i++)
    if (strcmp(d->paths.items[i].path, path) == 0) return;
  if (!d->paths.len) ll_vec_push(&st->classes, d);
  d->hidden = hidden;
  def_path dp = {path, origin};
  ll_vec_push(&d->paths, dp);
  if (depth >= MAX_NESTING) return;
  mro(st->s, d);
  ll_strmap seen;
  ll_strmap_init(&seen);
  /* member names sorted, so paths are visited in the same order every run */
  LL_VEC(const char *) names = {0};
  for (size_t i = 0; i < d->mro.len; i++) {
    const ll_strmap *mem = &d->mro.items[i]->members;
    for (size_t k = 0; k < mem->cap; k++) {
      const char *name = mem->slots[k].key;
      if (!name || !followed(name) || ll_strmap_get(&seen, name)) continue;
      ll_strmap_put(&seen, name, (void *)1);
      ll_vec_push(&names, name);
    }
  }
  if (names.len > 1) qsort(names.items, names.len, sizeof(char *), cmp_str);
  for (size_t i = 0; i < names.len; i++) {
    stub_def *m = class_member(st->s, d, names.items[i]);
    /* nested classes: public names only (a class's own dunders are not classes) */
    if (m) visit(st, m, ll_arena_join(&st->out->arena, path, names.items[i]), origin, d, path, hidden, depth + 1);
  }
  ll_vec_free(&names);
  ll_strmap_free(&seen);
}

/* Classes typeshed defines in a private module whose run-time home is public (`type({}.values())`
 * is builtins.dict_values). */
static const struct {
  const char *module, *name, *path;
} RUNTIME_NAMES[] = {{"_collections_abc", "dict_keys", "builtins.dict_keys"},
                     {"_collections_abc", "dict_values", "builtins.dict_values"},
                     {"_collections_abc", "dict_items", "builtins.dict_items"}};

static int cmp_module(const void *a, const void *b) {
  return strcmp((*(stub_module *const *)a)->name, (*(stub_module *const *)b)->name);
}

/* Every public name of every definition: module-level names each public module defines or
 * re-exports, then the members of each class reached, inherited ones included. Classes no
 * public name reaches follow under their defining names, since a result may name them
 * (`os.scandir() -> _ScandirIterator[str]`). */
static void collect_paths(derive_state *st) {
  ll_stubs *s = st->s;
  LL_VEC(stub_module *) mods = {0};
  for (size_t i = 0; i < s->module_list.len; i++) ll_vec_push(&mods, s->module_list.items[i]);
  if (mods.len > 1) qsort(mods.items, mods.len, sizeof(stub_module *), cmp_module);
  for (size_t i = 0; i < mods.len; i++) {
    stub_module *m = mods.items[i];
    if (!is_public_path(m->name)) continue;
    ll_strmap set;
    ll_strmap_init(&set);
    LL_VEC(const char *) names = {0};
    const ll_strmap *ex = exports(s, m);
    for (size_t k = 0; k < ex->cap; k++) {
      const char *name = ex->slots[k].key;
      if (name && name[0] != '_' && !ll_strmap_get(&set, name)) { ll_strmap_put(&set, name, (void *)1); ll_vec_push(&names, name); }
    }
    for (size_t k = 0; k < m->names.cap; k++) {
      const char *name = m->names.slots[k].key;
      if (!name || name[0] == '_' || ll_strmap_get(&set, name)) continue;
      for (const binding *b = m->names.slots[k].value; b; b = b->next)
        if (b->kind == B_DEF) { ll_strmap_put(&set, name, (void *)1); ll_vec_push(&names, name); break; }
    }
    if (names.len > 1) qsort(names.items, names.len, sizeof(char *), cmp_str);
    for (size_t k = 0; k < names.len; k++) {
      targets ts = {0};
      resolve_name(s, m, names.items[k], &ts, 0);
      const char *path = NULL;
      for (size_t t = 0; t < ts.len; t++) {
        if (ts.items[t].kind != T_DEF) continue;
        if (!path) path = ll_arena_join(&st->out->arena, m->name, names.items[k]);
        visit(st, ts.items[t].def, path, m->origin, NULL, NULL, 0, 0);
      }
      ll_vec_free(&ts);
    }
    ll_vec_free(&names);
    ll_strmap_free(&set);
  }
  ll_vec_free(&mods);
  /* classes the stubs define in a private module that are builtins at run time */
  for (size_t i = 0; i < sizeof RUNTIME_NAMES / sizeof RUNTIME_NAMES[0]; i++) {
    targets ts = {0};
    resolve_name(s, module_get(s, RUNTIME_NAMES[i].module), RUNTIME_NAMES[i].name, &ts, 0);
    for (size_t t = 0; t < ts.len; t++)
      if (ts.items[t].kind == T_DEF && ts.items[t].def->is_class && !ts.items[t].def->paths.len)
        visit(st, ts.items[t].def, RUNTIME_NAMES[i].path, "stdlib", NULL, NULL, 0, 0);
    ll_vec_free(&ts);
  }
  /* s->defs holds a class before the classes nested in it, so owners get their name first */
  for (size_t i = 0; i < s->defs.len; i++) {
    stub_def *d = s->defs.items[i];
    if (!d->is_class || d->paths.len) continue;
    visit(st, d, def_qual(s, d), d->mod->origin, NULL, NULL, 1, 0);
  }
}

static int cmp_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  return strcmp(x->path, y->path);
}

static int cmp_pair(const void *a, const void *b) {
  return strcmp(((const ll_stubs_pair *)a)->name, ((const ll_stubs_pair *)b)->name);
}

static int cmp_bases(const void *a, const void *b) {
  return strcmp(((const ll_stubs_bases *)a)->name, ((const ll_stubs_bases *)b)->name);
}

/* All the entries of one path. */
typedef struct group {
  size_t first, end;       /* in derive_state.entries */
  rtype *type;             /* what the path gives, when computed */
  unsigned is_class : 1;
  unsigned is_call_fact : 2; /* listed in calls: 1 coroutine, 2 awaitable */
  unsigned async_member : 1; /* a member some definition of which is async or awaitable */
  unsigned own_member : 1;   /* a member entry hanging from its class's canonical name */
  unsigned mixed : 1;        /* async in some branches, not in others */
} group;

/* A member entry blocks per the rules data: its name (or a pattern naming its class, not a
 * module: `redis.Redis.*`, not `shutil.*`), or its class is a synchronous client. */
static int entry_blocks(const ll_ruledb *db, const entry *e) {
  if (!db || !e->cls_path) return 0;
  const ll_blocking_entry *b = ll_ruledb_blocking(db, e->path);
  if (b && (!b->is_prefix || strlen(b->name) > strlen(e->cls_path))) return 1;
  return ll_ruledb_sync_client(db, e->cls_path, e->def->name) != NULL;
}

static const char *render(derive_state *st, const rtype *r) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  rt_render(st->s, &sb, r);
  const char *v = ll_arena_strdup(&st->out->arena, sb.data);
  ll_strbuf_free(&sb);
  return v;
}

static int is_exception(ll_stubs *s, stub_def *cls) {
  static const char *const ROOT[] = {"builtins.BaseException", NULL};
  for (size_t i = 0; i < cls->mro.len; i++)
    if (qual_in(s, cls->mro.items[i], ROOT)) return 1;
  return 0;
}

/* Marks the classes that lead to a blocking call, a coroutine or an awaitable: directly (a
 * member listed in the rules data, an async or awaitable member, a Future), through a base,
 * or through what a member gives (its type or a generic argument of it), to a fixpoint. */
static void mark_interesting(derive_state *st, group *groups, size_t ngroups, const ll_stubs_options *opt) {
  ll_stubs *s = st->s;
  const ll_ruledb *db = opt ? opt->blocking : NULL;
  const ll_strmap *named = opt ? opt->mentioned : NULL;
  for (size_t i = 0; i < st->classes.len; i++) {
    stub_def *c = st->classes.items[i];
    if (class_is_future(s, c)) c->interesting = 1;
    for (size_t k = 0; named && k < c->paths.len && !c->pinned; k++)
      if (ll_strmap_get(named, c->paths.items[k].path)) c->pinned = 1;
    for (const char *const *m = opt ? opt->keep_modules : NULL; m && *m && !c->pinned; m++) {
      size_t n = strlen(*m);
      for (size_t k = 0; k < c->paths.len && !c->pinned; k++)
        if (strncmp(c->paths.items[k].path, *m, n) == 0 && c->paths.items[k].path[n] == '.') c->pinned = 1;
    }
  }
  for (size_t g = 0; g < ngroups; g++) {
    if (groups[g].is_class) continue;
    for (size_t k = groups[g].first; k < groups[g].end; k++) {
      entry *e = &st->entries.items[k];
      if (!e->ctx) continue;
      if ((groups[g].async_member && !is_dunder(e->def->name)) || entry_blocks(db, e)) e->ctx->interesting = 1;
      else if (named && ll_strmap_get(named, e->path)) e->ctx->pinned = 1;
    }
  }
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t i = 0; i < st->classes.len; i++) {
      stub_def *c = st->classes.items[i];
      if (c->interesting) continue;
      for (size_t k = 1; k < c->mro.len; k++)
        if (c->mro.items[k]->interesting) { c->interesting = 1; changed = 1; break; }
    }
    /* an exception's attributes (`psycopg2.Error.cursor`) do not make it a client */
    for (size_t g = 0; g < ngroups; g++) {
      if (!groups[g].own_member || !groups[g].type) continue;
      stub_def *c = st->entries.items[groups[g].first].ctx;
      if (!c->interesting && !is_exception(s, c) && rt_leads_to(groups[g].type, 1)) { c->interesting = 1; changed = 1; }
    }
  }
  for (size_t g = 0; g < ngroups; g++) {
    if (!groups[g].own_member || !groups[g].type) continue;
    stub_def *c = st->entries.items[groups[g].first].ctx;
    class_params(s, c);
    if (c->params.len && in_modules(c, CONTAINER_MODULES) && strcmp(c->mod->origin, "stdlib") == 0 &&
        rt_has_var(groups[g].type))
      c->container = 1;
  }
}

static int kept(const stub_def *c, int trim) { return !trim || c->interesting || c->container || c->pinned; }

/* The direct bases of a class, by name; Generic, Protocol and object say nothing here. */
static void class_bases(derive_state *st, stub_def *cls, ll_stubs_bases *out) {
  ll_stubs *s = st->s;
  LL_VEC(const char *) names = {0};
  for (const base_ref *b = cls->bases; b; b = b->next) {
    const char *last = last_component(b->tx->name);
    if (strcmp(last, "Generic") == 0 || strcmp(last, "Protocol") == 0) continue;
    targets ts = {0};
    resolve_dotted(s, cls->mod, cls->owner, b->tx->name, &ts, 0);
    for (size_t i = 0; i < ts.len; i++) {
      stub_def *base = ts.items[i].def;
      if (ts.items[i].kind != T_DEF || !base->is_class || base == cls) continue;
      if (!base->owner && strcmp(base->mod->name, "builtins") == 0 && strcmp(base->name, "object") == 0) continue;
      const char *n = class_name(s, base);
      int dup = 0;
      for (size_t k = 0; k < names.len; k++) dup |= strcmp(names.items[k], n) == 0;
      if (!dup) ll_vec_push(&names, n);
    }
    ll_vec_free(&ts);
  }
  out->name = class_name(s, cls);
  out->n = names.len;
  out->items = ll_arena_alloc(&st->out->arena, (names.len ? names.len : 1) * sizeof(char *));
  for (size_t k = 0; k < names.len; k++) out->items[k] = names.items[k];
  ll_vec_free(&names);
}

void ll_stubs_derive(ll_stubs *s, const ll_stubs_options *opt, ll_stubs_facts *out) {
  memset(out, 0, sizeof *out);
  ll_arena_init(&out->arena);
  for (size_t i = 0; i < s->defs.len; i++) {
    stub_def *d = s->defs.items[i];
    d->paths.len = 0;
    d->canonical_done = 0;
    d->interesting = d->container = d->hidden = d->pinned = 0;
  }
  int trim = opt ? opt->trim_returns : 0;
  derive_state st = {s, out, {0}, {0}};
  collect_paths(&st);
  if (st.entries.len > 1) qsort(st.entries.items, st.entries.len, sizeof(entry), cmp_entry);
  stub_def *coroutine_cls = NULL;
  {
    targets ts = {0};
    resolve_name(s, module_get(s, "typing"), "Coroutine", &ts, 0);
    if (ts.len && ts.items[0].kind == T_DEF && ts.items[0].def->is_class) coroutine_cls = ts.items[0].def;
    ll_vec_free(&ts);
  }

  /* one group per path: what calling it gives (calls), and its type */
  LL_VEC(group) groups = {0};
  ll_strmap noted;
  ll_strmap_init(&noted);
  for (size_t i = 0; i < st.entries.len;) {
    size_t j = i;
    while (j < st.entries.len && strcmp(st.entries.items[j].path, st.entries.items[i].path) == 0) j++;
    group g = {.first = i, .end = j};
    stub_def *first = st.entries.items[i].def;
    for (size_t k = i; k < j; k++) g.is_class |= st.entries.items[k].def->is_class;
    if (g.is_class) {
      ll_vec_push(&groups, g);
      i = j;
      continue;
    }
    size_t counts[4] = {0};
    for (size_t k = i; k < j; k++)
      for (const occ *o = st.entries.items[k].def->occs; o; o = o->next)
        if (!o->is_property) counts[classify(s, st.entries.items[k].def, o)]++;
    size_t ncalls = counts[K_ASYNC] + counts[K_ASYNCGEN] + counts[K_AWAITABLE] + counts[K_SYNC];
    if (ncalls && counts[K_ASYNC] == ncalls) g.is_call_fact = 1;
    else if (counts[K_AWAITABLE] && !counts[K_SYNC] && !counts[K_ASYNCGEN]) g.is_call_fact = 2;
    g.async_member = counts[K_ASYNC] || counts[K_ASYNCGEN] || counts[K_AWAITABLE];
    g.mixed = (counts[K_ASYNC] || counts[K_AWAITABLE]) && (counts[K_SYNC] || counts[K_ASYNCGEN]);
    if (g.mixed) {
      const char *q = def_qual(s, first);
      if (!ll_strmap_get(&noted, q)) {
        ll_strmap_put(&noted, q, (void *)1);
        ll_strbuf sb;
        ll_strbuf_init(&sb);
        ll_strbuf_addf(&sb, "%s: %zu async, %zu async-generator, %zu awaitable-returning and %zu other definitions "
                       "(overloads or branches): left out", q, counts[K_ASYNC], counts[K_ASYNCGEN],
                       counts[K_AWAITABLE], counts[K_SYNC]);
        ll_vec_push(&out->notes, ll_arena_strdup(&out->arena, sb.data));
        ll_strbuf_free(&sb);
      }
    }
    /* types: module-level names, and members under their class's own name (the engine looks
     * members up as CLASS.member, CLASS being what a type expression names) */
    entry *e0 = &st.entries.items[i];
    g.own_member = e0->ctx && e0->cls_path && canonical(e0->ctx) && strcmp(e0->cls_path, canonical(e0->ctx)) == 0;
    if (!g.mixed && (!e0->ctx || g.own_member)) {
      rtype *t = NULL;
      for (size_t k = i; k < j; k++) {
        entry *e = &st.entries.items[k];
        rtype *one = def_type(s, e->def, e->ctx, coroutine_cls);
        if (!t) t = one;
        else if (!rt_equal(t, one)) { t = &RT_ANY; break; }
      }
      if (t && rt_useful(t)) g.type = t;
    }
    ll_vec_push(&groups, g);
    i = j;
  }
  ll_strmap_free(&noted);
  for (size_t i = 0; i < st.classes.len; i++) canonical(st.classes.items[i]);
  out->classes_seen = st.classes.len;
  mark_interesting(&st, groups.items, groups.len, opt);

  LL_VEC(ll_stubs_bases) aliases = {0};
  for (size_t gi = 0; gi < groups.len; gi++) {
    group *g = &groups.items[gi];
    entry *e0 = &st.entries.items[g->first];
    const char *path = e0->path;
    if (g->is_class) {
      /* a class's other names map to the one it is known by, so `asyncio.locks.Lock()` is an
       * asyncio.Lock; the name itself is in `bases` */
      const char *canon = NULL;
      int ok = 1;
      for (size_t k = g->first; k < g->end && ok; k++) {
        stub_def *d = st.entries.items[k].def;
        if (!d->is_class) continue;
        const char *c = canonical(d);
        if (!c || d->hidden || !kept(d, trim) || (canon && strcmp(canon, c) != 0)) ok = 0;
        canon = c;
      }
      if (ok && canon && strcmp(canon, path) != 0) {
        ll_vec_push(&out->returns, ((ll_stubs_pair){path, canon}));
        /* and the name is a class standing for the one it re-exports */
        ll_stubs_bases alias = {path, ll_arena_alloc(&out->arena, sizeof(char *)), 1};
        alias.items[0] = canon;
        ll_vec_push(&aliases, alias);
      }
      continue;
    }
    stub_def *ctx = e0->ctx;
    int dunder = is_dunder(e0->def->name);
    if (g->is_call_fact && !dunder && (!e0->hidden || kept(ctx, trim)))
    {
      if (g->is_call_fact == 1) ll_vec_push(&out->coroutine, path);
      else ll_vec_push(&out->awaitable, path);
    }
    if (!g->type) continue;
    int keep = ctx ? kept(ctx, trim) && (!trim || rt_leads(g->type) || (ctx->params.len && rt_has_var(g->type)))
                   : !trim || rt_leads(g->type);
    if (!keep) {
      out->trimmed_returns++;
      continue;
    }
    ll_vec_push(&out->returns, ((ll_stubs_pair){path, render(&st, g->type)}));
  }
  if (out->returns.len > 1) qsort(out->returns.items, out->returns.len, sizeof(ll_stubs_pair), cmp_pair);

  ll_strmap named;
  ll_strmap_init(&named);
  for (size_t i = 0; i < st.classes.len; i++) {
    stub_def *c = st.classes.items[i];
    if (!kept(c, trim) || ll_strmap_get(&named, class_name(s, c))) continue;
    ll_stubs_bases b;
    class_bases(&st, c, &b);
    ll_strmap_put(&named, b.name, (void *)1);
    ll_vec_push(&out->bases, b);
  }
  for (size_t i = 0; i < aliases.len; i++) {
    if (ll_strmap_get(&named, aliases.items[i].name)) continue;
    ll_strmap_put(&named, aliases.items[i].name, (void *)1);
    ll_vec_push(&out->bases, aliases.items[i]);
  }
  ll_vec_free(&aliases);
  ll_strmap_free(&named);
  if (out->bases.len > 1) qsort(out->bases.items, out->bases.len, sizeof(ll_stubs_bases), cmp_bases);
  ll_vec_free(&groups);
  ll_vec_free(&st.entries);
  ll_vec_free(&st.classes);
}

void ll_stubs_facts_free(ll_stubs_facts *f) {
  ll_vec_free(&f->coroutine);
  ll_vec_free(&f->awaitable);
  ll_vec_free(&f->returns);
  ll_vec_free(&f->bases);
  ll_vec_free(&f->notes);
  ll_arena_free(&f->arena);
}
