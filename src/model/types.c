/* types.c: reducing type paths (see types.h). One step at a time: a global name is looked up
 * (the project's index in the project pass, else the rules data), then each attribute, call,
 * subscript, iteration, `with` and `await` is applied to the value so far. Library types
 * answer from `returns` (with `$N` standing for the receiver's generic arguments) and
 * `bases`; project types from the facts: a class's methods, properties and attributes, and
 * its bases in any file; a function's return type; a module's variables. */
#include "types.h"
#include "../util/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 12     /* definitions followed inside one reduction (var -> var -> ...) */
#define MAX_BASES 8      /* library base classes searched for a member, depth */
#define DEFAULT_BUDGET 4000000u

static const ll_value UNKNOWN = {0};

void ll_typer_init(ll_typer *t, const ll_ruledb *db, ll_arena *arena, ll_resolver *rv) {
  memset(t, 0, sizeof *t);
  t->db = db;
  t->arena = arena;
  t->rv = rv;
  t->own_budget.limit = DEFAULT_BUDGET;
  t->budget = &t->own_budget;
  ll_strmap_init(&t->memo);
}

void ll_typer_free(ll_typer *t) { ll_strmap_free(&t->memo); }

/* ------------------------------------------------------------------------------------------
 * Type expressions
 * ------------------------------------------------------------------------------------------ */

size_t ll_texpr_head_len(const char *te) {
  size_t n = 0;
  while (te[n] && te[n] != '[' && te[n] != ' ' && te[n] != ',' && te[n] != ']') n++;
  return n;
}

/* [start, end) of generic argument i of te, or 0 when there is none. */
static int texpr_arg_span(const char *te, int i, size_t *start, size_t *end) {
  size_t h = ll_texpr_head_len(te);
  if (te[h] != '[') return 0;
  int depth = 0, k = 0;
  size_t s = h + 1;
  for (size_t p = h + 1; te[p]; p++) {
    char c = te[p];
    if (c == '[') depth++;
    else if ((c == ',' || c == ']') && depth == 0) {
      if (k == i) {
        while (te[s] == ' ') s++;
        size_t e = p;
        while (e > s && te[e - 1] == ' ') e--;
        *start = s;
        *end = e;
        return e > s;
      }
      if (c == ']') return 0;
      k++;
      s = p + 1;
    } else if (c == ']') depth--;
  }
  return 0;
}

const char *ll_texpr_arg(ll_arena *a, const char *te, int i) {
  size_t s, e;
  if (!te || !texpr_arg_span(te, i, &s, &e)) return NULL;
  char *out = ll_arena_alloc(a, e - s + 1);
  size_t n = 0;
  for (size_t p = s; p < e; p++)
    if (te[p] != ' ') out[n++] = te[p];
  out[n] = 0;
  return out;
}

static int texpr_is(const char *te, const char *head) {
  size_t n = ll_texpr_head_len(te);
  return strlen(head) == n && strncmp(te, head, n) == 0;
}

static const char *texpr_head(ll_typer *t, const char *te) {
  size_t n = ll_texpr_head_len(te);
  return te[n] ? ll_arena_strndup(t->arena, te, n) : te;
}

/* A member's type from the data, with `$N` replaced by the receiver's argument N (an
 * argument the receiver does not have makes the result unknown). */
static const char *substitute(ll_typer *t, const char *ty, const char *recv) {
  if (!ty || !strchr(ty, '$')) return ty;
  ll_strbuf b;
  ll_strbuf_init(&b);
  const char *out = NULL;
  for (const char *p = ty; *p; p++) {
    if (*p != '$' || p[1] < '0' || p[1] > '9') { ll_strbuf_addn(&b, p, 1); continue; }
    int i = p[1] - '0';
    const char *arg = ll_texpr_arg(t->arena, recv, i);
    if (!arg) goto done;
    ll_strbuf_add(&b, arg);
    p++;
  }
  out = ll_arena_strdup(t->arena, b.data ? b.data : "");
done:
  ll_strbuf_free(&b);
  return out;
}

/* ------------------------------------------------------------------------------------------
 * Paths
 * ------------------------------------------------------------------------------------------ */

const char *ll_path_step(ll_arena *a, const char *base, const char *step) {
  if (!base) return NULL;
  size_t bl = strlen(base), sl = strlen(step);
  if (bl + sl >= LL_PATH_MAX) return NULL;
  char *p = ll_arena_alloc(a, bl + sl + 1);
  memcpy(p, base, bl);
  memcpy(p + bl, step, sl + 1);
  return p;
}

const char *ll_path_attr(ll_arena *a, const char *base, const char *name, size_t n) {
  if (!base) return NULL;
  size_t bl = strlen(base);
  if (bl + n + 1 >= LL_PATH_MAX) return NULL;
  char *p = ll_arena_alloc(a, bl + n + 2);
  memcpy(p, base, bl);
  p[bl] = '.';
  memcpy(p + bl + 1, name, n);
  p[bl + n + 1] = 0;
  return p;
}

const char *ll_path_instance(ll_arena *a, const char *type) {
  if (!type) return NULL;
  size_t n = strlen(type);
  if (n + 2 >= LL_PATH_MAX) return NULL;
  char *p = ll_arena_alloc(a, n + 3);
  p[0] = '<';
  memcpy(p + 1, type, n);
  p[n + 1] = '>';
  p[n + 2] = 0;
  return p;
}

const char *ll_value_path(ll_typer *t, const ll_value *v) {
  switch (v->kind) {
    case LL_V_LIB:
    case LL_V_MODULE:
    case LL_V_CLASS:
    case LL_V_PENDING: return v->name;
    case LL_V_FUNC:
      if (v->self_type && v->func) return ll_path_attr(t->arena, ll_path_instance(t->arena, v->self_type), v->func->def->name, strlen(v->func->def->name));
      return v->func ? v->func->def->qual : v->name;
    case LL_V_INSTANCE: return ll_path_instance(t->arena, v->name);
    case LL_V_MEMBER: return ll_path_attr(t->arena, ll_path_instance(t->arena, v->name), v->member, strlen(v->member));
    default: return NULL;
  }
}

int ll_typer_is_project(const ll_typer *t, const char *name) {
  size_t root = strcspn(name, ".");
  /* a project module named like a library the data knows (a stub folder, a script called
   * `json.py`) hides it only where the project really defines the name */
  int shared = ll_ruledb_knows_root(t->db, name, root);
  if (t->rv) {
    const ll_project *p = t->rv->p;
    if (!ll_strmap_getn(&p->roots, name, root)) return 0;
    if (!shared) return 1;
    if (ll_strmap_get(&p->classes, name) || ll_strmap_get(&p->funcs, name) || ll_strmap_get(&p->globals, name) ||
        ll_strmap_get(&p->exports, name))
      return 1;
    /* under a module the project has */
    for (const char *d = strchr(name, '.'); d; d = strchr(d + 1, '.'))
      if (ll_strmap_getn(&p->modules, name, (size_t)(d - name))) return 1;
    return ll_strmap_get(&p->modules, name) != NULL;
  }
  if (t->module && *t->module) {
    size_t mroot = strcspn(t->module, ".");
    if (mroot == root && strncmp(t->module, name, root) == 0) return 1;
  }
  return !shared && t->project_roots && ll_strmap_getn(t->project_roots, name, root);
}

/* ------------------------------------------------------------------------------------------
 * Library knowledge
 * ------------------------------------------------------------------------------------------ */

static int lib_is_class(ll_typer *t, const char *name) {
  if (ll_ruledb_bases(t->db, name) || ll_ruledb_sync_client_class(t->db, name)) return 1;
  const char *r = ll_ruledb_returns(t->db, name);
  return r && strcmp(r, name) == 0;
}

static int lib_knows(ll_typer *t, const char *q) {
  return ll_ruledb_returns(t->db, q) || ll_ruledb_call_kind(t->db, q) != LL_CALL_UNKNOWN ||
         ll_ruledb_blocking(t->db, q) || ll_strmap_get(&t->db->thread_loop_calls, q);
}

/* The class (the receiver's own, or a library base) whose `cls.member` the data knows,
 * breadth-first through `bases`; the receiver's own name when none does. */
static const char *lib_owner(ll_typer *t, const char *cls, const char *member, int depth) {
  const char *q = ll_arena_join(t->arena, cls, member);
  if (lib_knows(t, q) || ll_ruledb_sync_client(t->db, cls, member) || ll_ruledb_in_memory(t->db, cls)) return cls;
  if (depth >= MAX_BASES) return NULL;
  const char *const *bases = ll_ruledb_bases(t->db, cls);
  for (size_t i = 0; bases && bases[i]; i++) {
    const char *o = lib_owner(t, bases[i], member, depth + 1);
    if (o) return o;
  }
  return NULL;
}

/* The type the data gives `recv.member` (an attribute's type, or what calling the method
 * returns: the syntax that follows decides which is asked), or NULL. */
static const char *lib_member_type(ll_typer *t, const char *recv, const char *member) {
  const char *head = texpr_head(t, recv);
  const char *owner = lib_owner(t, head, member, 0);
  if (!owner) return NULL;
  const char *ty = ll_ruledb_returns(t->db, ll_arena_join(t->arena, owner, member));
  return substitute(t, ty, recv);
}

static ll_value instance(const char *type) {
  ll_value v = UNKNOWN;
  if (!type || !*type) return v;
  v.kind = LL_V_INSTANCE;
  v.name = type;
  return v;
}

/* The element a value of type te gives when iterated: an iterator's own `__next__`, or the
 * iterator its `__iter__` returns. */
static ll_value lib_iterate(ll_typer *t, const char *te) {
  const char *next = lib_member_type(t, te, "__next__");
  if (next) return instance(next);
  const char *it = lib_member_type(t, te, "__iter__");
  if (!it) return UNKNOWN;
  next = lib_member_type(t, it, "__next__");
  return instance(next);
}

/* ------------------------------------------------------------------------------------------
 * Reduction
 * ------------------------------------------------------------------------------------------ */

static ll_value reduce(ll_typer *t, const char *path);
static ll_value apply_attr(ll_typer *t, ll_value v, const char *name);
static ll_value apply_call(ll_typer *t, ll_value v);

static const char *dot(ll_typer *t, const char *name) {
  size_t n = strlen(name);
  char *s = ll_arena_alloc(t->arena, n + 2);
  s[0] = '.';
  memcpy(s + 1, name, n + 1);
  return s;
}

static ll_value pending(ll_typer *t, const ll_value *v, const char *step) {
  ll_value p = UNKNOWN;
  const char *base = ll_value_path(t, v);
  const char *path = step[0] == '.' ? ll_path_attr(t->arena, base, step + 1, strlen(step + 1)) : ll_path_step(t->arena, base, step);
  if (!path) return p;
  p.kind = LL_V_PENDING;
  p.name = path;
  return p;
}

static ll_value func_value(ll_funcref *r, const char *self_type) {
  ll_value v = UNKNOWN;
  v.kind = LL_V_FUNC;
  v.func = r;
  v.name = r->def->qual;
  v.self_type = self_type;
  return v;
}

/* A project name in the project pass. */
static ll_value project_global(ll_typer *t, const char *name) {
  ll_project *p = t->rv->p;
  ll_member *g = ll_strmap_get(&p->globals, name);
  if (g) {
    if (!g->path || g->conflict) return UNKNOWN;
    return reduce(t, g->path);
  }
  if (ll_strmap_get(&p->modules, name)) {
    ll_value v = {LL_V_MODULE, name, NULL, NULL, NULL};
    return v;
  }
  const ll_classdef *c = ll_resolver_class(t->rv, name, 1);
  if (c) {
    ll_value v = {LL_V_CLASS, c->qual, NULL, NULL, NULL};
    return v;
  }
  const char *lib = NULL;
  ll_funcref *r = ll_resolver_func(t->rv, name, &lib);
  if (r) return func_value(r, NULL);
  const char *target = ll_resolver_export(t->rv, name);
  if (target && strcmp(target, name) != 0) {
    if (!ll_typer_is_project(t, target)) return reduce(t, target);
    return reduce(t, target);
  }
  /* mod.VAR.attr, mod.Class.attr: the prefix is something whose attribute this is */
  const char *dot = strrchr(name, '.');
  if (!dot) return UNKNOWN;
  const char *prefix = ll_arena_strndup(t->arena, name, (size_t)(dot - name));
  ll_value pv = reduce(t, prefix);
  if (pv.kind == LL_V_MODULE || pv.kind == LL_V_UNKNOWN) {
    ll_resolver_miss(t->rv, name);
    return UNKNOWN;
  }
  return apply_attr(t, pv, dot + 1);
}

static ll_value global(ll_typer *t, const char *name) {
  ll_value v = UNKNOWN;
  if (ll_typer_is_project(t, name)) {
    if (!t->rv) {
      v.kind = LL_V_PENDING;
      v.name = name;
      return v;
    }
    return project_global(t, name);
  }
  v.kind = lib_is_class(t, name) ? LL_V_CLASS : LL_V_LIB;
  v.name = name;
  return v;
}

/* Attribute name of an instance of the project class cls (through its bases). */
static ll_value project_instance_attr(ll_typer *t, const ll_classdef *c, const char *self_type, const char *name,
                                      int depth) {
  ll_project *p = t->rv->p;
  if (!c || depth > MAX_BASES) return UNKNOWN;
  ll_funcref *r = ll_strmap_get(&p->funcs, ll_arena_join(t->arena, c->qual, name));
  if (r) {
    if (r->def->is_property) return apply_call(t, func_value(r, self_type));
    return func_value(r, self_type);
  }
  ll_member *m = ll_strmap_get(&p->members, ll_arena_join(t->arena, c->qual, name));
  if (m) {
    if (!m->path || m->conflict) return UNKNOWN;
    return reduce(t, m->path);
  }
  for (size_t i = 0; i < c->bases.len; i++) {
    const char *b = c->bases.items[i];
    if (!ll_typer_is_project(t, b)) {
      const char *bh = texpr_head(t, b);
      if (!lib_owner(t, bh, name, 0)) continue;
      ll_value mv = {LL_V_MEMBER, bh, name, NULL, NULL};
      return mv;
    }
    const ll_classdef *bc = ll_resolver_class(t->rv, b, 1);
    if (!bc) return UNKNOWN; /* a base we cannot see may define it */
    ll_value v = project_instance_attr(t, bc, self_type, name, depth + 1);
    if (v.kind != LL_V_UNKNOWN) return v;
  }
  return UNKNOWN;
}

/* A file's walk: an instance of one of its own classes whose member only a library base can
 * tell (an Entity's `hass`); anything else needs the project pass. */
static ll_value local_instance_attr(ll_typer *t, const ll_value *v, const char *name) {
  const ll_classdef *c = t->local.class_of ? t->local.class_of(t->local.arg, v->name) : NULL;
  if (c) {
    for (size_t i = 0; i < c->members.len; i++)
      if (strcmp(c->members.items[i].name, name) == 0) return pending(t, v, dot(t, name));
    int all_library = 1;
    for (size_t i = 0; i < c->bases.len; i++) {
      const char *b = c->bases.items[i];
      if (ll_typer_is_project(t, b)) { all_library = 0; continue; }
      const char *bh = texpr_head(t, b);
      if (lib_owner(t, bh, name, 0)) {
        ll_value mv = {LL_V_MEMBER, bh, name, NULL, NULL};
        return mv;
      }
    }
    (void)all_library;
  }
  return pending(t, v, dot(t, name));
}

static ll_value apply_attr(ll_typer *t, ll_value v, const char *name) {
  switch (v.kind) {
    case LL_V_LIB:
    case LL_V_MODULE: return global(t, ll_arena_join(t->arena, v.name, name));
    case LL_V_CLASS:
      if (ll_typer_is_project(t, v.name)) {
        if (!t->rv) return pending(t, &v, dot(t, name));
        /* an attribute of the class object: a method (unbound), a class attribute */
        const char *lib = NULL;
        const ll_classdef *c = ll_resolver_class(t->rv, v.name, 1);
        ll_funcref *r = c ? ll_resolver_method(t->rv, c, name, &lib) : NULL;
        if (r) return func_value(r, r->def->is_classmethod ? v.name : NULL);
        ll_member *m = ll_strmap_get(&t->rv->p->members, ll_arena_join(t->arena, v.name, name));
        if (m) return m->path && !m->conflict ? reduce(t, m->path) : UNKNOWN;
        if (lib) {
          ll_value lv = {LL_V_LIB, lib, NULL, NULL, NULL};
          return lv;
        }
        return UNKNOWN;
      }
      return global(t, ll_arena_join(t->arena, v.name, name));
    case LL_V_INSTANCE: {
      const char *head = texpr_head(t, v.name);
      if (ll_typer_is_project(t, head)) {
        if (!t->rv) return local_instance_attr(t, &v, name);
        const ll_classdef *c = ll_resolver_class(t->rv, head, 1);
        return c ? project_instance_attr(t, c, v.name, name, 0) : UNKNOWN;
      }
      ll_value m = {LL_V_MEMBER, v.name, name, NULL, NULL};
      return m;
    }
    case LL_V_MEMBER: {
      /* the member was an attribute after all: its type, then this attribute of it */
      ll_value inner = instance(lib_member_type(t, v.name, v.member));
      return inner.kind ? apply_attr(t, inner, name) : UNKNOWN;
    }
    case LL_V_PENDING: return pending(t, &v, dot(t, name));
    default: return UNKNOWN;
  }
}

static const char *self_or(const ll_value *v, const char *ret) { return ret ? ret : v->self_type; }

static ll_value apply_call(ll_typer *t, ll_value v) {
  switch (v.kind) {
    case LL_V_CLASS: {
      if (!ll_typer_is_project(t, v.name)) {
        /* a factory the data gives another type for (a class returning a subclass) */
        const char *r = ll_ruledb_returns(t->db, v.name);
        return instance(r ? r : v.name);
      }
      if (!t->rv) return pending(t, &v, "()");
      return instance(v.name);
    }
    case LL_V_LIB: return instance(ll_ruledb_returns(t->db, v.name));
    case LL_V_MEMBER: return instance(lib_member_type(t, v.name, v.member));
    case LL_V_FUNC: {
      const ll_funcdef *d = v.func ? v.func->def : NULL;
      if (!d) return instance(ll_ruledb_returns(t->db, v.name));
      if (d->has_yield || d->other_decorator) return UNKNOWN;
      if (d->is_async) {
        /* a coroutine of what the body returns */
        ll_value r = d->ret ? reduce(t, d->ret) : UNKNOWN;
        const char *rt = r.kind == LL_V_INSTANCE ? r.name : "typing.Any";
        ll_strbuf b;
        ll_strbuf_init(&b);
        ll_strbuf_addf(&b, "builtins.coroutine[%s]", rt);
        const char *ty = ll_arena_strdup(t->arena, b.data);
        ll_strbuf_free(&b);
        return instance(ty);
      }
      if (!d->ret) return UNKNOWN;
      if (strcmp(d->ret, "<@Self>") == 0) return instance(self_or(&v, d->cls));
      return reduce(t, d->ret);
    }
    case LL_V_INSTANCE: {
      const char *r = lib_member_type(t, v.name, "__call__");
      return instance(r);
    }
    case LL_V_PENDING: return pending(t, &v, "()");
    default: return UNKNOWN;
  }
}

/* A dunder of value v called: `__getitem__`, `__enter__`, `__iter__` ... */
static ll_value call_dunder(ll_typer *t, ll_value v, const char *dunder, const char *step) {
  if (v.kind == LL_V_PENDING) return pending(t, &v, step);
  if (v.kind != LL_V_INSTANCE) return UNKNOWN;
  return apply_call(t, apply_attr(t, v, dunder));
}

static int is_awaitable_type(const char *te) {
  static const char *const FAMILIES[] = {"builtins.coroutine", "typing.Awaitable", "typing.Coroutine",
                                         "asyncio.Task", "asyncio.Future", "asyncio.tasks.Task",
                                         "asyncio.futures.Future", "collections.abc.Awaitable",
                                         "collections.abc.Coroutine", NULL};
  for (int i = 0; FAMILIES[i]; i++)
    if (texpr_is(te, FAMILIES[i])) return texpr_is(te, "typing.Coroutine") || texpr_is(te, "collections.abc.Coroutine") ? 2 : 1;
  return 0;
}

static ll_value apply_await(ll_typer *t, ll_value v) {
  if (v.kind == LL_V_PENDING) return pending(t, &v, "!");
  if (v.kind != LL_V_INSTANCE) return UNKNOWN;
  int fam = is_awaitable_type(v.name);
  if (!fam) return UNKNOWN;
  const char *r = ll_texpr_arg(t->arena, v.name, fam == 2 ? 2 : 0);
  if (!r || strcmp(r, "typing.Any") == 0) return UNKNOWN;
  return instance(r);
}

static ll_value apply_iter(ll_typer *t, ll_value v) {
  if (v.kind == LL_V_PENDING) return pending(t, &v, "@");
  if (v.kind != LL_V_INSTANCE) return UNKNOWN;
  if (ll_typer_is_project(t, texpr_head(t, v.name))) {
    if (!t->rv) return pending(t, &v, "@");
    ll_value it = apply_call(t, apply_attr(t, v, "__iter__"));
    if (it.kind != LL_V_INSTANCE) return UNKNOWN;
    return ll_typer_is_project(t, texpr_head(t, it.name)) ? apply_call(t, apply_attr(t, it, "__next__"))
                                                          : lib_iterate(t, it.name);
  }
  return lib_iterate(t, v.name);
}

static ll_value apply_index(ll_typer *t, ll_value v, int index) {
  if (v.kind == LL_V_PENDING) {
    char step[16];
    snprintf(step, sizeof step, "[%d]", index);
    return pending(t, &v, step);
  }
  if (v.kind != LL_V_INSTANCE) return UNKNOWN;
  if (texpr_is(v.name, "builtins.tuple") || texpr_is(v.name, "typing.Tuple")) {
    const char *last = ll_texpr_arg(t->arena, v.name, 1);
    if (last && strcmp(last, "...") == 0) return instance(ll_texpr_arg(t->arena, v.name, 0));
    return instance(ll_texpr_arg(t->arena, v.name, index));
  }
  return call_dunder(t, v, "__getitem__", "[]");
}

/* Applies the step at path[*i] to v, advancing *i past it. */
static ll_value apply_step(ll_typer *t, ll_value v, const char *path, size_t *i) {
  char c = path[*i];
  /* a member not called is an attribute: every step but a call takes its value first */
  if (v.kind == LL_V_MEMBER && c != '(' && c != '.') v = instance(lib_member_type(t, v.name, v.member));
  if (c == '.') {
    size_t s = ++*i;
    while (path[*i] && path[*i] != '.' && path[*i] != '(' && path[*i] != '[' && path[*i] != '@' && path[*i] != '~' &&
           path[*i] != '^' && path[*i] != '!')
      (*i)++;
    return apply_attr(t, v, ll_arena_strndup(t->arena, path + s, *i - s));
  }
  if (c == '(') {
    *i += path[*i + 1] == ')' ? 2 : 1;
    return apply_call(t, v);
  }
  if (c == '[') {
    size_t s = ++*i;
    while (path[*i] && path[*i] != ']') (*i)++;
    int n = -1;
    if (*i > s) {
      n = 0;
      for (size_t k = s; k < *i; k++) n = path[k] >= '0' && path[k] <= '9' && n < 1000 ? n * 10 + (path[k] - '0') : -1000000;
    }
    if (path[*i]) (*i)++;
    if (n >= 0) return apply_index(t, v, n);
    return call_dunder(t, v, "__getitem__", "[]");
  }
  (*i)++;
  switch (c) {
    case '@': return apply_iter(t, v);
    case '~': return call_dunder(t, v, "__enter__", "~");
    case '^': return apply_await(t, call_dunder(t, v, "__aenter__", "^"));
    case '!': return apply_await(t, v);
    default: return UNKNOWN;
  }
}

/* A memo entry remembers whether computing it missed a name (probing): a later hit counts
 * as a miss again, so a call site resolved through it is not taken as settled. */
typedef struct memo_slot {
  ll_value v;
  uint8_t missed;
} memo_slot;

static uint64_t miss_events(const ll_typer *t) { return t->rv ? t->rv->miss_events : 0; }

static int memo_get(ll_typer *t, const char *path, size_t n, ll_value *out) {
  memo_slot *s = ll_strmap_getn(&t->memo, path, n);
  if (!s) return 0;
  if (s->missed && t->rv) t->rv->miss_events++;
  *out = s->v;
  return 1;
}

static void memo_put(ll_typer *t, const char *path, size_t n, ll_value v, int missed) {
  memo_slot *slot = ll_strmap_getn(&t->memo, path, n);
  if (!slot) {
    slot = ll_arena_alloc(t->arena, sizeof *slot);
    ll_strmap_put(&t->memo, ll_arena_strndup(t->arena, path, n), slot);
  }
  slot->v = v;
  slot->missed = (uint8_t)missed;
}

static ll_value reduce(ll_typer *t, const char *path) {
  if (!path || !*path || t->depth >= MAX_DEPTH) return UNKNOWN;
  size_t len = strlen(path);
  if (len >= LL_PATH_MAX) return UNKNOWN;
  ll_value v = UNKNOWN;
  if (memo_get(t, path, len, &v)) return v;
  uint64_t start = miss_events(t);
  size_t i = 0;
  if (path[0] == '<') {
    int depth = 0;
    for (i = 1; path[i]; i++) {
      if (path[i] == '[') depth++;
      else if (path[i] == ']') depth--;
      else if (path[i] == '>' && depth == 0) break;
    }
    if (path[i] != '>') return UNKNOWN;
    v = instance(ll_arena_strndup(t->arena, path + 1, i - 1));
    i++;
  } else {
    /* a dotted head: the longest prefix of dotted names before the first other step */
    size_t e = 0;
    while (path[e] && path[e] != '(' && path[e] != '[' && path[e] != '@' && path[e] != '~' && path[e] != '^' &&
           path[e] != '!')
      e++;
    if (e == 0) return UNKNOWN;
    if (!memo_get(t, path, e, &v)) {
      /* the mark stops a definition that leads back to itself */
      memo_put(t, path, e, UNKNOWN, 0);
      t->depth++;
      v = global(t, ll_arena_strndup(t->arena, path, e));
      t->depth--;
      memo_put(t, path, e, v, miss_events(t) != start);
    }
    i = e;
  }
  while (path[i] && v.kind != LL_V_UNKNOWN) {
    if (!ll_budget_spend(t->budget, 1)) return UNKNOWN;
    t->depth++;
    v = apply_step(t, v, path, &i);
    t->depth--;
    if (path[i] && !memo_get(t, path, i, &v)) memo_put(t, path, i, v, miss_events(t) != start);
  }
  memo_put(t, path, len, v, miss_events(t) != start);
  return v;
}

ll_value ll_typer_reduce(ll_typer *t, const char *path) { return reduce(t, path); }

ll_value ll_typer_attribute(ll_typer *t, const ll_value *member) {
  if (member->kind != LL_V_MEMBER) return *member;
  return instance(lib_member_type(t, member->name, member->member));
}

/* ------------------------------------------------------------------------------------------
 * What a callee is, for the rules
 * ------------------------------------------------------------------------------------------ */

const char *ll_typer_callable(ll_typer *t, const ll_value *callee) {
  switch (callee->kind) {
    case LL_V_LIB:
    case LL_V_CLASS:
    case LL_V_MODULE: return callee->name;
    case LL_V_FUNC: return callee->name;
    case LL_V_MEMBER: {
      const char *head = texpr_head(t, callee->name);
      const char *owner = lib_owner(t, head, callee->member, 0);
      return ll_arena_join(t->arena, owner ? owner : head, callee->member);
    }
    default: return NULL;
  }
}

/* The sync client entry of a class or one of its library bases. */
static const ll_blocking_entry *sync_client(ll_typer *t, const char *cls, const char *member, int depth) {
  const ll_blocking_entry *e = ll_ruledb_sync_client(t->db, cls, member);
  if (e || depth >= MAX_BASES) return e;
  const char *const *bases = ll_ruledb_bases(t->db, cls);
  for (size_t i = 0; bases && bases[i]; i++)
    if ((e = sync_client(t, bases[i], member, depth + 1))) return e;
  return NULL;
}

const ll_blocking_entry *ll_typer_blocking(ll_typer *t, const ll_value *callee, const char **name) {
  const char *q = ll_typer_callable(t, callee);
  if (name) *name = q;
  if (!q || (callee->kind == LL_V_FUNC && callee->func)) return NULL;
  if (callee->kind == LL_V_MEMBER && ll_ruledb_in_memory(t->db, lib_owner(t, texpr_head(t, callee->name), callee->member, 0)))
    return NULL;
  const ll_blocking_entry *e = ll_ruledb_blocking(t->db, q);
  if (e) return e;
  if (callee->kind == LL_V_MEMBER) return sync_client(t, texpr_head(t, callee->name), callee->member, 0);
  if (callee->kind == LL_V_CLASS && !ll_typer_is_project(t, callee->name)) return sync_client(t, callee->name, NULL, 0);
  return NULL;
}

ll_call_kind ll_typer_call_kind(ll_typer *t, const ll_value *callee) {
  if (callee->kind == LL_V_FUNC && callee->func) return LL_CALL_UNKNOWN;
  const char *q = ll_typer_callable(t, callee);
  return q ? ll_ruledb_call_kind(t->db, q) : LL_CALL_UNKNOWN;
}

static const char *listed_in(ll_typer *t, const char *cls, const char *member, const ll_strmap *set, int depth) {
  const char *q = ll_arena_join(t->arena, cls, member);
  if (ll_strmap_get(set, q)) return q;
  if (depth >= MAX_BASES) return NULL;
  const char *const *bases = ll_ruledb_bases(t->db, cls);
  for (size_t i = 0; bases && bases[i]; i++) {
    const char *o = listed_in(t, bases[i], member, set, depth + 1);
    if (o) return o;
  }
  return NULL;
}

const char *ll_typer_listed(ll_typer *t, const ll_value *callee, const ll_strmap *set) {
  if (callee->kind == LL_V_MEMBER) return listed_in(t, texpr_head(t, callee->name), callee->member, set, 0);
  const char *q = ll_typer_callable(t, callee);
  return q && ll_strmap_get(set, q) ? q : NULL;
}
