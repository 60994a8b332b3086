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
typedef enum tx_kind { TX_OTHER, TX_NONE, TX_NAME, TX_GENERIC, TX_UNION } tx_kind;

typedef struct texpr {
  tx_kind kind;
  const char *name;    /* TX_NAME, TX_GENERIC: the dotted name ("Future", "asyncio.Task") */
  struct texpr **items; /* TX_GENERIC: the arguments; TX_UNION: the members */
  size_t n;
} texpr;

/* One definition of a function: an overload or a branch of `if sys.version_info ...`. */
typedef struct occ {
  unsigned is_async : 1;
  unsigned is_property : 1;          /* @property and friends: an attribute, not a call */
  unsigned is_legacy_coroutine : 1;  /* @coroutine generator-based coroutines: left out */
  const texpr *ret;                  /* NULL when unannotated */
  struct occ *next;
} occ;

typedef struct stub_module stub_module;
typedef struct stub_def stub_def;

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
};

typedef enum bind_kind {
  B_DEF,    /* def or class in this module */
  B_FROM,   /* from MODULE import ATTR */
  B_MODULE, /* import MODULE */
  B_ALIAS,  /* NAME = dotted.expression */
  B_TYPE,   /* X: TypeAlias = ..., type X = ..., X = TypeVar(..., bound=...) */
} bind_kind;

typedef struct binding {
  bind_kind kind;
  int reexport; /* public without __all__: definitions, aliases, `import X as X` forms */
  stub_def *def;
  const char *module, *attr;
  const texpr *type;
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
  stub_def *d = scope_def(c, cls, text_of(c, name), 0);
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

/* `X = TypeVar("X", bound=B)` -> B; constrained `TypeVar("X", A, B)` -> A | B. */
static texpr *typevar_type(collector *c, TSNode call) {
  TSNode args = ll_field(call, "arguments");
  texpr *t = ll_arena_alloc(&c->s->arena, sizeof *t);
  t->kind = TX_OTHER;
  if (ts_node_is_null(args)) return t;
  texpr_list items = {0};
  int first = 1;
  for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
    TSNode a = ts_node_named_child(args, i);
    if (is(a, "comment")) continue;
    if (is(a, "keyword_argument")) {
      TSNode k = ll_field(a, "name");
      if (!ts_node_is_null(k) && text_is(c, k, "bound")) {
        ll_vec_free(&items);
        return to_texpr(c, ll_field(a, "value"), 0);
      }
      continue;
    }
    if (first) { first = 0; continue; } /* the name string */
    add_item(c, &items, a, 0, 1);
  }
  if (items.len) t->kind = TX_UNION;
  set_items(c, t, &items);
  return t;
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
  if (ts_node_is_null(right)) return; /* a declaration: `x: int` */
  if (!ts_node_is_null(ann)) {
    const char *an = dotted(c, ann);
    if (!an || strcmp(last_component(an), "TypeAlias") != 0) return; /* an annotated variable */
    binding *b = binding_new(c, B_TYPE, 1);
    b->type = to_texpr(c, right, 0);
    bind(c, name, b);
    return;
  }
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
    if (fn && strcmp(last_component(fn), "TypeVar") == 0) {
      binding *b = binding_new(c, B_TYPE, 0);
      b->type = typevar_type(c, right);
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
      continue; /* class bodies: only definitions matter */
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

typedef enum target_kind { T_DEF, T_MODULE, T_TYPE } target_kind;

typedef struct target {
  target_kind kind;
  stub_def *def;
  const char *module;       /* T_MODULE: interned module or namespace package name */
  const texpr *type;        /* T_TYPE */
  stub_module *type_module; /* T_TYPE: where the alias is written, to resolve its names */
} target;

typedef LL_VEC(target) targets;

static void add_target(targets *out, target t) {
  for (size_t i = 0; i < out->len; i++) {
    target *o = &out->items[i];
    if (o->kind == t.kind && o->def == t.def && o->module == t.module && o->type == t.type) return;
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
    stub_def *d = class_member(s, scope, first);
    if (d) add_target(&cur, (target){.kind = T_DEF, .def = d});
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
/* Types whose values the engine has no use for: results typed as these are left out. */
static const char *const UNINTERESTING_MODULES[] = {"builtins", "typing", "typing_extensions", "collections.abc",
                                                    "_collections_abc", NULL};

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

/* The name a class is known by: among its public paths, one in its own distribution, then
 * the fewest components, then the shortest ("asyncio.Task" over "asyncio.tasks.Task"). */
static const char *canonical(stub_def *cls) {
  if (cls->canonical_done) return cls->canonical;
  cls->canonical_done = 1;
  const def_path *best = NULL;
  for (size_t i = 0; i < cls->paths.len; i++) {
    const def_path *p = &cls->paths.items[i];
    if (!best) { best = p; continue; }
    int own_p = strcmp(p->origin, cls->mod->origin) == 0, own_b = strcmp(best->origin, cls->mod->origin) == 0;
    if (own_p != own_b) { if (own_p) best = p; continue; }
    int cp = count_components(p->path), cb = count_components(best->path);
    if (cp != cb) { if (cp < cb) best = p; continue; }
    size_t lp = strlen(p->path), lb = strlen(best->path);
    if (lp != lb) { if (lp < lb) best = p; continue; }
    if (strcmp(p->path, best->path) < 0) best = p;
  }
  cls->canonical = best ? best->path : NULL;
  return cls->canonical;
}

static int uninteresting_type(stub_def *cls) {
  while (cls->owner) cls = cls->owner;
  for (const char *const *m = UNINTERESTING_MODULES; *m; m++)
    if (strcmp(cls->mod->name, *m) == 0) return 1;
  return 0;
}

/* The class an occurrence returns, when the annotation names exactly one: `-> AbstractEventLoop`,
 * `-> Self` (the class the method is looked up on), or a Future/Task generic. */
static stub_def *returned_class(ll_stubs *s, stub_def *d, const occ *o, stub_def *ctx) {
  const texpr *t = o->ret;
  if (!t || (t->kind != TX_NAME && t->kind != TX_GENERIC)) return NULL;
  if (t->kind == TX_NAME && strcmp(last_component(t->name), "Self") == 0) return d->owner ? ctx : NULL;
  targets ts = {0};
  resolve_dotted(s, d->mod, d->owner, t->name, &ts, 0);
  stub_def *cls = NULL;
  int ok = ts.len > 0;
  for (size_t i = 0; i < ts.len && ok; i++) {
    target *x = &ts.items[i];
    if (x->kind != T_DEF || !x->def->is_class || (cls && cls != x->def)) ok = 0;
    else cls = x->def;
  }
  ll_vec_free(&ts);
  if (!ok) return NULL;
  if (t->kind == TX_GENERIC && !class_is_future(s, cls)) return NULL; /* list[X], Iterator[X]: not X */
  return cls;
}

/* ------------------------------------------------------------------------------------------
 * Deriving the facts
 * ------------------------------------------------------------------------------------------ */

typedef struct entry {
  const char *path;
  const char *origin; /* of the module the path starts from */
  stub_def *def;
  stub_def *ctx;      /* the class the path looks the member up on */
} entry;

typedef struct derive_state {
  ll_stubs *s;
  ll_stubs_facts *out;
  LL_VEC(entry) entries;
} derive_state;

static int is_public_path(const char *p) {
  if (*p == '_') return 0;
  for (; *p; p++)
    if (*p == '.' && p[1] == '_') return 0;
  return 1;
}

static void visit(derive_state *st, stub_def *d, const char *path, const char *origin, stub_def *ctx, int depth) {
  entry e = {path, origin, d, ctx};
  ll_vec_push(&st->entries, e);
  if (!d->is_class) return;
  for (size_t i = 0; i < d->paths.len; i++)
    if (strcmp(d->paths.items[i].path, path) == 0) return;
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
      if (!name || name[0] == '_' || ll_strmap_get(&seen, name)) continue;
      ll_strmap_put(&seen, name, (void *)1);
      ll_vec_push(&names, name);
    }
  }
  if (names.len > 1) qsort(names.items, names.len, sizeof(char *), cmp_str);
  for (size_t i = 0; i < names.len; i++) {
    stub_def *m = class_member(st->s, d, names.items[i]);
    if (m) visit(st, m, ll_arena_join(&st->out->arena, path, names.items[i]), origin, d, depth + 1);
  }
  ll_vec_free(&names);
  ll_strmap_free(&seen);
}

static int cmp_module(const void *a, const void *b) {
  return strcmp((*(stub_module *const *)a)->name, (*(stub_module *const *)b)->name);
}

/* Every public name of every definition: module-level names each public module defines or
 * re-exports, then the members of each class reached, inherited ones included. */
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
        visit(st, ts.items[t].def, path, m->origin, NULL, 0);
      }
      ll_vec_free(&ts);
    }
    ll_vec_free(&names);
    ll_strmap_free(&set);
  }
  ll_vec_free(&mods);
}

static int cmp_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  return strcmp(x->path, y->path);
}

static int same_name(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

typedef struct pending_return {
  const char *name, *value, *origin;
} pending_return;

void ll_stubs_derive(ll_stubs *s, const ll_stubs_options *opt, ll_stubs_facts *out) {
  memset(out, 0, sizeof *out);
  ll_arena_init(&out->arena);
  for (size_t i = 0; i < s->defs.len; i++) {
    s->defs.items[i]->paths.len = 0;
    s->defs.items[i]->canonical_done = 0;
  }
  derive_state st = {s, out, {0}};
  collect_paths(&st);
  if (st.entries.len > 1) qsort(st.entries.items, st.entries.len, sizeof(entry), cmp_entry);

  LL_VEC(pending_return) returns = {0};
  ll_strmap async_origins, noted;
  ll_strmap_init(&async_origins);
  ll_strmap_init(&noted);
  for (size_t i = 0; i < st.entries.len;) {
    size_t j = i;
    while (j < st.entries.len && strcmp(st.entries.items[j].path, st.entries.items[i].path) == 0) j++;
    const char *path = st.entries.items[i].path, *origin = st.entries.items[i].origin;
    stub_def *first = st.entries.items[i].def;
    int any_class = 0;
    for (size_t k = i; k < j; k++) any_class |= st.entries.items[k].def->is_class;
    if (any_class) {
      /* a class: its name maps to what it is known by, so `x = asyncio.Lock()` types x */
      const char *canon = NULL;
      int ok = 1;
      for (size_t k = i; k < j && ok; k++) {
        stub_def *d = st.entries.items[k].def;
        if (!d->is_class) continue;
        const char *c = canonical(d);
        if (!c || uninteresting_type(d) || (canon && strcmp(canon, c) != 0)) ok = 0;
        canon = c;
      }
      if (ok && canon) ll_vec_push(&returns, ((pending_return){path, canon, origin}));
      i = j;
      continue;
    }
    size_t counts[4] = {0};
    stub_def *ret = NULL;
    int ret_ok = 1;
    for (size_t k = i; k < j; k++) {
      entry *e = &st.entries.items[k];
      for (const occ *o = e->def->occs; o; o = o->next) {
        if (!o->is_property) counts[classify(s, e->def, o)]++;
        stub_def *r = ret_ok ? returned_class(s, e->def, o, e->ctx) : NULL;
        if (!r || (ret && r != ret && !same_name(canonical(ret), canonical(r)))) ret_ok = 0;
        else ret = r;
      }
    }
    size_t ncalls = counts[K_ASYNC] + counts[K_ASYNCGEN] + counts[K_AWAITABLE] + counts[K_SYNC];
    int is_call_fact = 0;
    if (ncalls && counts[K_ASYNC] == ncalls) {
      ll_vec_push(&out->coroutine, path);
      is_call_fact = 1;
    } else if (counts[K_AWAITABLE] && !counts[K_SYNC] && !counts[K_ASYNCGEN]) {
      ll_vec_push(&out->awaitable, path);
      is_call_fact = 1;
    }
    /* a distribution counts only through its own definitions (six.moves re-exports builtins.anext) */
    if (is_call_fact) ll_strmap_put(&async_origins, first->mod->origin, (void *)1);
    if ((counts[K_ASYNC] || counts[K_AWAITABLE]) && (counts[K_SYNC] || counts[K_ASYNCGEN])) {
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
    /* calling an async def gives a coroutine, never the annotated type; and methods of
     * builtins and typing classes (BaseException.with_traceback -> Self, inherited by every
     * exception) would only bloat the file */
    if (ret_ok && ret && !counts[K_ASYNC] && !counts[K_ASYNCGEN] && canonical(ret) && !uninteresting_type(ret) &&
        !(first->owner && uninteresting_type(first->owner)))
      ll_vec_push(&returns, ((pending_return){path, canonical(ret), origin}));
    i = j;
  }
  for (size_t i = 0; i < returns.len; i++) {
    pending_return *r = &returns.items[i];
    if (opt && opt->trim_returns && strcmp(r->origin, "stdlib") != 0 && !ll_strmap_get(&async_origins, r->origin)) {
      out->trimmed_returns++;
      continue;
    }
    ll_vec_push(&out->returns, ((ll_stubs_pair){r->name, r->value}));
  }
  ll_vec_free(&returns);
  ll_strmap_free(&async_origins);
  ll_strmap_free(&noted);
  ll_vec_free(&st.entries);
}

void ll_stubs_facts_free(ll_stubs_facts *f) {
  ll_vec_free(&f->coroutine);
  ll_vec_free(&f->awaitable);
  ll_vec_free(&f->returns);
  ll_vec_free(&f->notes);
  ll_arena_free(&f->arena);
}
