/* project.c: the project index. The facts of all files indexed by qualified name (functions,
 * classes, re-exports), and resolving a call site through them: re-exports, class bases,
 * super(). The cross-file findings built on it live in rules/rule_project.c. */
#include "project.h"
#include "types.h"
#include "../util/strbuf.h"

#include <stdio.h>
#include <string.h>

/* The sets (async_methods, async_names, roots) count the definitions that bring each name, so
 * a file can leave them; a kept index copies their keys, which outlive the file's facts. */
/* Sets the count of a name the set has (a replace keeps the slot's key: name is only read). */
static void set_count(ll_strmap *m, const char *name, size_t n, uintptr_t c) {
  if (!name[n]) { ll_strmap_put(m, name, (void *)c); return; }
  char *k = ll_xstrndup(name, n);
  ll_strmap_put(m, k, (void *)c);
  free(k);
}

static void set_add(ll_project *p, ll_strmap *m, const char *name, size_t n) {
  uintptr_t c = (uintptr_t)ll_strmap_getn(m, name, n);
  if (c) set_count(m, name, n, c + 1);
  else ll_strmap_put(m, p->kept || name[n] ? ll_arena_strndup(&p->arena, name, n) : name, (void *)1);
}

static void set_drop(ll_strmap *m, const char *name, size_t n) {
  uintptr_t c = (uintptr_t)ll_strmap_getn(m, name, n);
  if (c > 1) set_count(m, name, n, c - 1);
  else if (c) ll_strmap_deln(m, name, n);
}

/* A key two files claim: the later file's entry stands, an order an update cannot keep. */
static void contest(ll_project *p, const char *key) {
  if (!ll_strmap_get(&p->contested, key)) ll_strmap_put(&p->contested, ll_arena_strdup(&p->arena, key), (void *)1);
}

static int in_range(const void *v, const void *items, size_t len, size_t size) {
  return v >= items && (const char *)v < (const char *)items + len * size;
}

static int export_target_of(const ll_file_facts *ff, const void *v) {
  for (size_t i = 0; i < ff->exports.len; i++)
    if (ff->exports.items[i].target == v) return 1;
  return 0;
}

/* The key ll_arena_join makes, in a scratch buffer (look-ups need no arena copy). */
static const char *scratch_join(ll_strbuf *sb, const char *x, const char *y) {
  ll_strbuf_clear(sb);
  ll_strbuf_add(sb, x);
  if (*x && *y) ll_strbuf_addc(sb, '.');
  ll_strbuf_add(sb, y);
  return sb->data ? sb->data : "";
}

/* Indexes file f's facts. Returns 1 when a key another file claims too was met (kept
 * index: it must be built again to keep the order), else 0. */
static int index_file(ll_project *p, size_t f) {
  ll_file_facts *ff = &p->files[f];
  int clash = 0;
  void *old;
  for (size_t i = 0; i < ff->funcs.len; i++) {
    ll_funcdef *d = &ff->funcs.items[i];
    if (d->is_nested) continue; /* a nested def is not reachable by name from elsewhere */
    ll_funcref *r = ll_arena_alloc(&p->arena, sizeof *r);
    r->file = ff;
    r->def = d;
    r->index = (int32_t)i;
    if ((old = ll_strmap_put(&p->funcs, d->qual, r)) && ((ll_funcref *)old)->file != ff) clash = 1, contest(p, d->qual);
    if (d->cls && d->is_async) set_add(p, &p->async_methods, d->name, strlen(d->name));
    if (d->is_async) set_add(p, &p->async_names, d->name, strlen(d->name));
  }
  for (size_t i = 0; i < ff->classes.len; i++) {
    ll_classdef *c = &ff->classes.items[i];
    if ((old = ll_strmap_put(&p->classes, c->qual, c)) && !in_range(old, ff->classes.items, ff->classes.len, sizeof *c))
      clash = 1, contest(p, c->qual);
    for (size_t m = 0; m < c->members.len; m++) {
      const char *key = ll_arena_join(&p->arena, c->qual, c->members.items[m].name);
      if ((old = ll_strmap_put(&p->members, key, &c->members.items[m])) &&
          !in_range(old, c->members.items, c->members.len, sizeof *c->members.items))
        clash = 1, contest(p, key);
    }
  }
  if (ff->module && *ff->module) {
    if ((old = ll_strmap_put(&p->modules, ff->module, ff)) && old != ff) clash = 1, contest(p, ff->module);
    set_add(p, &p->roots, ff->module, strcspn(ff->module, "."));
    for (size_t g = 0; g < ff->globals.len; g++) {
      const char *key = ll_arena_join(&p->arena, ff->module, ff->globals.items[g].name);
      if ((old = ll_strmap_put(&p->globals, key, &ff->globals.items[g])) &&
          !in_range(old, ff->globals.items, ff->globals.len, sizeof *ff->globals.items))
        clash = 1, contest(p, key);
    }
  }
  for (size_t i = 0; i < ff->exports.len; i++) {
    const ll_export *e = &ff->exports.items[i];
    const char *key = ll_arena_join(&p->arena, ff->module ? ff->module : "", e->name);
    if (strcmp(key, e->target) != 0 && (old = ll_strmap_put(&p->exports, key, (void *)e->target)) &&
        !export_target_of(ff, old))
      clash = 1, contest(p, key);
  }
  return clash;
}

static void build_index(ll_project *p, ll_file_facts *files, size_t nfiles, const ll_ruledb *db, int kept) {
  memset(p, 0, sizeof *p);
  ll_arena_init(&p->arena);
  p->files = files;
  p->nfiles = nfiles;
  p->db = db;
  p->kept = kept;
  for (size_t f = 0; f < nfiles; f++) index_file(p, f);
  /* `from .impl import main as run`: a call of run may give main's coroutine (a kept index
   * does not follow this across updates: may_give_awaitable then assumes any name may) */
  for (size_t f = 0; f < nfiles && !kept; f++)
    for (size_t i = 0; i < files[f].exports.len; i++) {
      const ll_export *e = &files[f].exports.items[i];
      const char *last = strrchr(e->target, '.');
      if (ll_strmap_get(&p->async_names, last ? last + 1 : e->target)) ll_strmap_put(&p->async_names, e->name, (void *)1);
    }
  p->calls_by_func = ll_xcalloc(nfiles ? nfiles : 1, sizeof(*p->calls_by_func));
  size_t reserved = 0;
  p->arena_built = 0;
  ll_arena_stats(&p->arena, &reserved, &p->arena_built); /* it adds to both */
}

void ll_project_build(ll_project *p, ll_file_facts *files, size_t nfiles, const ll_ruledb *db) {
  build_index(p, files, nfiles, db, 0);
}

void ll_project_build_kept(ll_project *p, ll_file_facts *files, size_t nfiles, const ll_ruledb *db) {
  build_index(p, files, nfiles, db, 1);
}

/* What the index derived from the facts it holds: asked again after a change. */
static void forget_derived(ll_project *p) {
  if (p->rv) ll_resolver_free(p->rv);
  p->rv = NULL;
}

int ll_project_drop_file(ll_project *p, size_t f) {
  if (!p->kept || f >= p->nfiles) return -1;
  ll_file_facts *ff = &p->files[f];
  forget_derived(p);
  if (p->calls_by_func[f]) {
    for (size_t i = 0; i < ff->funcs.len; i++) ll_vec_free(&p->calls_by_func[f][i]);
    free(p->calls_by_func[f]);
    p->calls_by_func[f] = NULL;
  }
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  int rc = 0;
  /* a key another file claims too: the entry to fall back on is unknown */
#define DROP(map, key, mine)                                                   \
  do {                                                                         \
    const char *k_ = (key);                                                    \
    if (p->contested.len && ll_strmap_get(&p->contested, k_)) { rc = -1; goto done; } \
    void *v_ = ll_strmap_get(&(map), k_);                                      \
    if (v_ && (mine)) ll_strmap_del(&(map), k_);                               \
  } while (0)
  for (size_t i = 0; i < ff->funcs.len; i++) {
    const ll_funcdef *d = &ff->funcs.items[i];
    if (d->is_nested) continue;
    DROP(p->funcs, d->qual, ((ll_funcref *)v_)->file == ff);
    if (d->cls && d->is_async) set_drop(&p->async_methods, d->name, strlen(d->name));
    if (d->is_async) set_drop(&p->async_names, d->name, strlen(d->name));
  }
  for (size_t i = 0; i < ff->classes.len; i++) {
    const ll_classdef *c = &ff->classes.items[i];
    DROP(p->classes, c->qual, in_range(v_, ff->classes.items, ff->classes.len, sizeof *c));
    for (size_t m = 0; m < c->members.len; m++)
      DROP(p->members, scratch_join(&sb, c->qual, c->members.items[m].name),
           in_range(v_, c->members.items, c->members.len, sizeof *c->members.items));
  }
  if (ff->module && *ff->module) {
    DROP(p->modules, ff->module, v_ == ff);
    set_drop(&p->roots, ff->module, strcspn(ff->module, "."));
    for (size_t g = 0; g < ff->globals.len; g++)
      DROP(p->globals, scratch_join(&sb, ff->module, ff->globals.items[g].name),
           in_range(v_, ff->globals.items, ff->globals.len, sizeof *ff->globals.items));
  }
  for (size_t i = 0; i < ff->exports.len; i++)
    DROP(p->exports, scratch_join(&sb, ff->module ? ff->module : "", ff->exports.items[i].name),
         export_target_of(ff, v_));
#undef DROP
done:
  ll_strbuf_free(&sb);
  return rc;
}

int ll_project_add_file(ll_project *p, size_t f) {
  if (!p->kept || f >= p->nfiles) return -1;
  forget_derived(p);
  return index_file(p, f) ? -1 : 0;
}

int ll_project_worn(const ll_project *p) {
  size_t reserved = 0, used = 0;
  ll_arena_stats(&p->arena, &reserved, &used);
  return used > 2 * p->arena_built + (8u << 20);
}

void ll_project_free(ll_project *p) {
  for (size_t f = 0; f < p->nfiles; f++) {
    if (!p->calls_by_func[f]) continue;
    for (size_t i = 0; i < p->files[f].funcs.len; i++) ll_vec_free(&p->calls_by_func[f][i]);
    free(p->calls_by_func[f]);
  }
  free(p->calls_by_func);
  ll_strmap_free(&p->funcs);
  ll_strmap_free(&p->classes);
  ll_strmap_free(&p->exports);
  ll_strmap_free(&p->async_methods);
  ll_strmap_free(&p->async_names);
  ll_strmap_free(&p->members);
  ll_strmap_free(&p->globals);
  ll_strmap_free(&p->modules);
  ll_strmap_free(&p->roots);
  ll_strmap_free(&p->contested);
  if (p->rv) ll_resolver_free(p->rv);
  ll_arena_free(&p->arena);
}

#define MAX_DEPTH 12

typedef ll_resolver resolver;

/* Probing records a name the index does not hold: a file not parsed yet may define it. The
 * value says what was looked for: LL_MISS_FUNC and/or LL_MISS_CLASS. */
static void missed_as(resolver *rv, const char *q, uintptr_t kind) {
  if (!rv->misses || !q || q[0] == '?') return;
  if (rv->hopeless && ll_strmap_get(rv->hopeless, q)) return;
  rv->miss_events++;
  uintptr_t old = (uintptr_t)ll_strmap_get(rv->misses, q);
  if ((old | kind) == old) return;
  ll_strmap_put(rv->misses, old ? q : ll_arena_strdup(rv->arena, q), (void *)(old | kind));
}

static ll_funcref *resolve_func(resolver *rv, const char *q, int depth, const char **lib);

/* The class a name stands for, following re-exports. */
static const ll_classdef *resolve_class(resolver *rv, const char *q, int depth) {
  ll_project *p = rv->p;
  if (!q || depth > MAX_DEPTH) return NULL;
  const ll_classdef *c = ll_strmap_get(&p->classes, q);
  if (c) return c;
  const char *t = ll_strmap_get(&p->exports, q);
  if (t) return resolve_class(rv, t, depth + 1);
  const char *dot = strrchr(q, '.');
  if (!dot) { missed_as(rv, q, LL_MISS_CLASS); return NULL; }
  /* pkg.Name where pkg re-exports a module: try the re-exported prefix */
  char *prefix = ll_arena_strndup(rv->arena, q, (size_t)(dot - q));
  const char *pt = ll_strmap_get(&p->exports, prefix);
  if (pt) return resolve_class(rv, ll_arena_join(rv->arena, pt, dot + 1), depth + 1);
  missed_as(rv, q, LL_MISS_CLASS);
  return NULL;
}

/* Method lookup through the class and its bases (depth-first, like a simple MRO). A base
 * outside the project gives its qualified name to the rules data (lib). */
static ll_funcref *method_in(resolver *rv, const ll_classdef *c, const char *m, int depth, int skip_self,
                             const char **lib) {
  ll_project *p = rv->p;
  if (!c || depth > MAX_DEPTH) return NULL;
  if (!skip_self) {
    ll_funcref *r = ll_strmap_get(&p->funcs, ll_arena_join(rv->arena, c->qual, m));
    if (r) return r;
  }
  for (size_t i = 0; i < c->bases.len; i++) {
    const ll_classdef *b = resolve_class(rv, c->bases.items[i], depth + 1);
    if (b) {
      ll_funcref *r = method_in(rv, b, m, depth + 1, 0, lib);
      if (r) return r;
    } else if (lib && !*lib) {
      const char *cand = ll_arena_join(rv->arena, c->bases.items[i], m);
      if (ll_ruledb_call_kind(rv->db, cand) != LL_CALL_UNKNOWN) *lib = cand;
    }
  }
  return NULL;
}

static ll_funcref *resolve_func(resolver *rv, const char *q, int depth, const char **lib) {
  ll_project *p = rv->p;
  if (!q || depth > MAX_DEPTH) return NULL;
  ll_funcref *r = ll_strmap_get(&p->funcs, q);
  if (r) return r;
  const char *t = ll_strmap_get(&p->exports, q);
  if (t && strcmp(t, q) != 0) return resolve_func(rv, t, depth + 1, lib);
  const char *dot = strrchr(q, '.');
  if (!dot) { missed_as(rv, q, LL_MISS_FUNC); return NULL; }
  char *prefix = ll_arena_strndup(rv->arena, q, (size_t)(dot - q));
  const ll_classdef *c = resolve_class(rv, prefix, depth + 1);
  if (c) return method_in(rv, c, dot + 1, depth + 1, 0, lib);
  const char *pt = ll_strmap_get(&p->exports, prefix);
  if (pt) return resolve_func(rv, ll_arena_join(rv->arena, pt, dot + 1), depth + 1, lib);
  missed_as(rv, q, LL_MISS_FUNC);
  return NULL;
}

void ll_resolver_init(ll_resolver *rv, ll_project *p, ll_arena *arena, const ll_ruledb *db, ll_strmap *misses) {
  memset(rv, 0, sizeof *rv);
  rv->p = p;
  rv->arena = arena;
  rv->db = db;
  rv->misses = misses;
}

void ll_resolver_free(ll_resolver *rv) {
  if (rv->typer) ll_typer_free(rv->typer);
  rv->typer = NULL;
}

/* The resolver's typer, for the rules data it resolves with now (a file's configuration may
 * bring its own: what was reduced with another is forgotten). */
static ll_typer *typer_of(ll_resolver *rv) {
  if (rv->typer && rv->typer->db == rv->db) return rv->typer;
  if (rv->typer) ll_typer_free(rv->typer);
  else rv->typer = ll_arena_alloc(rv->arena, sizeof *rv->typer);
  ll_typer_init(rv->typer, rv->db, rv->arena, rv);
  return rv->typer;
}

const ll_classdef *ll_resolver_class(ll_resolver *rv, const char *q, int record_miss) {
  ll_strmap *saved = rv->misses;
  if (!record_miss) rv->misses = NULL;
  const ll_classdef *c = resolve_class(rv, q, 0);
  rv->misses = saved;
  return c;
}

ll_funcref *ll_resolver_func(ll_resolver *rv, const char *q, const char **lib) {
  if (lib) *lib = NULL;
  /* a module function or variable is looked for by the typer too: record it as a value */
  ll_funcref *r = resolve_func(rv, q, 0, lib);
  return r;
}

ll_funcref *ll_resolver_method(ll_resolver *rv, const ll_classdef *c, const char *m, const char **lib) {
  if (lib) *lib = NULL;
  return method_in(rv, c, m, 0, 0, lib);
}

const char *ll_resolver_export(ll_resolver *rv, const char *q) { return ll_strmap_get(&rv->p->exports, q); }

void ll_resolver_miss(ll_resolver *rv, const char *q) { missed_as(rv, q, LL_MISS_VALUE); }

const ll_value *ll_resolver_callee(ll_resolver *rv, const ll_callsite *cs) {
  if (!cs->callee || cs->callee[0] == '?') return NULL;
  ll_typer *t = typer_of(rv);
  ll_value v = ll_typer_reduce(t, cs->callee);
  if (v.kind == LL_V_UNKNOWN) return NULL;
  ll_value *out = ll_arena_alloc(rv->arena, sizeof *out);
  *out = v;
  return out;
}

ll_funcref *ll_resolver_call(ll_resolver *rv, const ll_callsite *cs, const char **lib) {
  if (lib) *lib = NULL;
  if (cs->callee[0] == '?') return NULL;
  if (cs->super_of) {
    const ll_classdef *c = ll_strmap_get(&rv->p->classes, cs->super_of);
    const char *m = strrchr(cs->callee, '.');
    return c && m ? method_in(rv, c, m + 1, 0, 1, lib) : NULL;
  }
  const ll_value *v = ll_resolver_callee(rv, cs);
  if (!v) return NULL;
  if (v->kind == LL_V_FUNC && v->func) return v->func;
  if (lib && (v->kind == LL_V_LIB || v->kind == LL_V_MEMBER || v->kind == LL_V_CLASS))
    *lib = ll_typer_callable(typer_of(rv), v);
  return NULL;
}

ll_resolver *ll_project_resolver(ll_project *p) {
  if (!p->rv) {
    p->rv = ll_arena_alloc(&p->arena, sizeof *p->rv);
    ll_resolver_init(p->rv, p, &p->arena, p->db, NULL);
  }
  return p->rv;
}

ll_funcref *ll_project_resolve_call(ll_project *p, const ll_callsite *cs, const char **lib) {
  return ll_resolver_call(ll_project_resolver(p), cs, lib);
}

/* What the project decorator d wears makes of it: the decorator's own kind, or for a factory
 * (`@retry(3)`), the kind of the decorator it returns. */
static ll_deco_kind project_decorator_kind(ll_resolver *rv, const ll_funcdef *d) {
  if (!d->decorator || !*d->decorator) return LL_DECO_UNKNOWN;
  ll_strmap *saved = rv->misses;
  rv->misses = NULL; /* a decorator in a file not parsed stays unknown, as the decorated name does */
  ll_funcref *r = resolve_func(rv, d->decorator, 0, NULL);
  rv->misses = saved;
  if (!r) return LL_DECO_UNKNOWN;
  return (ll_deco_kind)(d->decorator_called ? r->def->factory_kind : r->def->deco_kind);
}

ll_callee_kind ll_resolver_callee_kind(ll_resolver *rv, const ll_callsite *cs) {
  ll_project *p = rv->p;
  const ll_ruledb *db = rv->db;
  const char *lib = NULL;
  ll_funcref *r = ll_resolver_call(rv, cs, &lib);
  if (r) {
    const ll_funcdef *d = r->def;
    /* `@websocket_api.async_response async def h(...)`: calling h schedules the coroutine */
    if (d->schedules) return LL_CALLEE_NOT_AWAITABLE;
    /* a decorator the project defines says what it makes of the function; one we do not
     * know may make it anything: no claim on its callers */
    if (d->other_decorator) {
      ll_deco_kind k = project_decorator_kind(rv, d);
      if (k == LL_DECO_SCHEDULES) return LL_CALLEE_NOT_AWAITABLE;
      if (k != LL_DECO_KEEPS) return LL_CALLEE_UNKNOWN;
    }
    if (d->is_property) return LL_CALLEE_UNKNOWN;
    if (d->is_async) return d->has_yield ? LL_CALLEE_ASYNC_GENERATOR : LL_CALLEE_COROUTINE;
    /* an interface stub may be overridden by an async def in a subclass */
    if (d->is_stub) return LL_CALLEE_UNKNOWN;
    if (d->cls && ll_strmap_get(&p->async_methods, d->name)) return LL_CALLEE_UNKNOWN;
    if (d->is_callback && !d->returns_value) return LL_CALLEE_NOT_AWAITABLE;
    if (!d->returns_value && !d->has_yield) return LL_CALLEE_NOT_AWAITABLE;
    return LL_CALLEE_UNKNOWN;
  }
  ll_call_kind k = LL_CALL_UNKNOWN;
  if (lib) k = ll_ruledb_call_kind(db, lib);
  if (k == LL_CALL_UNKNOWN && cs->callee[0] != '?') k = ll_ruledb_call_kind(db, cs->callee);
  switch (k) {
    case LL_CALL_COROUTINE: return LL_CALLEE_COROUTINE;
    case LL_CALL_AWAITABLE: return LL_CALLEE_AWAITABLE;
    case LL_CALL_NOT_COROUTINE: return LL_CALLEE_NOT_AWAITABLE;
    default: return LL_CALLEE_UNKNOWN;
  }
}

ll_callee_kind ll_project_callee_kind(ll_project *p, const ll_callsite *cs) {
  return ll_resolver_callee_kind(ll_project_resolver(p), cs);
}


ll_callsite_list *ll_project_calls_of(ll_project *p, ll_funcref *r) {
  size_t f = (size_t)(r->file - p->files);
  if (!p->calls_by_func[f]) {
    ll_file_facts *ff = r->file;
    p->calls_by_func[f] = ll_xcalloc(ff->funcs.len ? ff->funcs.len : 1, sizeof(*p->calls_by_func[f]));
    for (size_t i = 0; i < ff->calls.len; i++) {
      ll_callsite *cs = &ff->calls.items[i];
      if (cs->func >= 0) ll_vec_push(&p->calls_by_func[f][cs->func], cs);
    }
  }
  return &p->calls_by_func[f][r->index];
}

/* The sync project functions code on the loop reaches, each once, in the order found. */
void ll_reach_add(ll_reach_set *s, ll_funcref *r) {
  if (!r || r->def->is_async || ll_strmap_get(&s->seen, r->def->qual)) return;
  ll_strmap_put(&s->seen, r->def->qual, r);
  ll_vec_push(&s->items, r);
}

void ll_reach_free(ll_reach_set *s) {
  ll_vec_free(&s->items);
  ll_strmap_free(&s->seen);
}

int ll_callsite_judged(const ll_callsite *cs) {
  return cs->use == LL_USE_DISCARDED || cs->use == LL_USE_BOOL || (cs->use == LL_USE_LOCAL && cs->local_unused) ||
         cs->use == LL_USE_AWAITED;
}

/* One call site in a probe round. A call site resolved once without missing a name is
 * settled: the definitions it reached stay, and no file parsed later changes the answer (a
 * later round only adds files), so it is not resolved again; its target is kept for the
 * reach set. arena holds the targets across rounds. */
static ll_funcref *probe_call(resolver *rv, ll_callsite *cs, ll_arena *keep) {
  if (cs->probe_settled) return cs->probe_target ? ll_strmap_get(&rv->p->funcs, cs->probe_target) : NULL;
  uint64_t before = rv->miss_events;
  const char *lib;
  ll_funcref *r = ll_resolver_call(rv, cs, &lib);
  if (rv->miss_events == before) {
    cs->probe_settled = 1;
    cs->probe_target = r ? ll_arena_strdup(keep, r->def->qual) : NULL;
  }
  return r;
}

/* Whether a judged call can be one LOOP201-204 report, by the name it calls: an awaited call
 * may be anything (LOOP204); otherwise only a name some async def of the project (all are in
 * hot files, parsed from the first round) or a coroutine of the rules data bears. The others
 * need no file parsed for them. */
static int may_give_awaitable(const ll_project *p, const ll_ruledb *db, const ll_callsite *cs) {
  if (cs->use == LL_USE_AWAITED || p->kept) return 1;
  const char *c = cs->callee;
  size_t n = strlen(c);
  if (!n || c[n - 1] == ')' || c[n - 1] == ']' || c[n - 1] == '@' || c[n - 1] == '!' || c[n - 1] == '~' || c[n - 1] == '^')
    return 1;
  size_t s = n;
  while (s > 0 && c[s - 1] != '.' && c[s - 1] != '>') s--;
  return ll_strmap_getn(&p->async_names, c + s, n - s) || ll_ruledb_awaitable_name(db, c + s, n - s);
}

/* Whether f's top level imports m or a module inside it (importing pkg.x.y imports pkg.x). */
static int top_level_imports(const ll_file_facts *f, const char *m, size_t n) {
  for (size_t i = 0; i < f->imports.len; i++) {
    const char *s = f->imports.items[i];
    if (strncmp(s, m, n) == 0 && (s[n] == 0 || s[n] == '.')) return 1;
  }
  return 0;
}

int ll_resolver_module_imported(ll_resolver *rv, const ll_file_facts *ff, const char *m) {
  size_t n = m ? strlen(m) : 0;
  if (!n || !ff->module || !*ff->module) return 0;
  if (top_level_imports(ff, m, n)) return 1;
  char pkg[512];
  size_t len = strlen(ff->module);
  if (len >= sizeof pkg) return 0;
  memcpy(pkg, ff->module, len + 1);
  for (char *dot; (dot = strrchr(pkg, '.'));) {
    *dot = 0;
    const ll_file_facts *pf = ll_strmap_get(&rv->p->modules, pkg);
    if (!pf) continue;
    if (top_level_imports(pf, m, n)) return 1;
    if (rv->misses && pf->lazy && !pf->partial) {
      /* not parsed: its text must name m's part below the package (or m's first part) */
      size_t pl = strlen(pkg);
      const char *part = strncmp(m, pkg, pl) == 0 && m[pl] == '.' ? m + pl + 1 : m;
      const char *q = ll_arena_join(rv->arena, pkg, ll_arena_strndup(rv->arena, part, strcspn(part, ".")));
      missed_as(rv, q, LL_MISS_VALUE);
    }
  }
  return 0;
}

void ll_project_probe(ll_project *p, ll_strmap *misses, const ll_strmap *hopeless, ll_arena *arena, ll_arena *keep) {
  resolver rv;
  ll_resolver_init(&rv, p, arena, p->db, misses);
  rv.hopeless = hopeless;
  ll_reach_set rs = {0};
  ll_strmap_init(&rs.seen);
  for (size_t f = 0; f < p->nfiles; f++) {
    ll_file_facts *ff = &p->files[f];
    if (ff->context_only) continue;
    for (size_t i = 0; i < ff->calls.len; i++) {
      ll_callsite *cs = &ff->calls.items[i];
      /* the on-loop resolution (with the project's rules data, as compute_blocking does)
       * also serves the judged use: one resolution settles both */
      if (cs->on_loop) {
        rv.db = p->db;
        ll_reach_add(&rs, probe_call(&rv, cs, keep));
      } else if ((ll_callsite_judged(cs) || cs->use == LL_USE_HANDED) && may_give_awaitable(p, ff->db ? ff->db : p->db, cs)) {
        rv.db = ff->db ? ff->db : p->db;
        probe_call(&rv, cs, keep);
      }
    }
  }
  /* blocking steps harmless when a module is imported already: the packages' __init__ decide */
  for (size_t f = 0; f < p->nfiles; f++)
    for (size_t i = 0; !p->files[f].context_only && i < p->files[f].held_modules.len; i++)
      if (p->files[f].held_modules.items[i]) ll_resolver_module_imported(&rv, &p->files[f], p->files[f].held_modules.items[i]);
  rv.db = p->db;
  for (size_t k = 0; k < rs.items.len; k++) {
    ll_funcref *r = rs.items.items[k];
    if (r->def->block_qual) continue; /* blocks by itself: its callees change nothing */
    if (r->def->import_block_module) ll_resolver_module_imported(&rv, r->file, r->def->import_block_module);
    ll_callsite_list *calls = ll_project_calls_of(p, r);
    for (size_t i = 0; i < calls->len; i++) {
      ll_funcref *c = probe_call(&rv, calls->items[i], keep);
      if (c && c != r) ll_reach_add(&rs, c);
    }
  }
  ll_reach_free(&rs);
  ll_resolver_free(&rv);
}

static const char *last_part(const char *q) {
  const char *d = strrchr(q, '.');
  return d ? d + 1 : q;
}

/* The async method names a class has, its own and its bases' (memoised per class). */
static ll_strmap *async_methods_of(resolver *rv, const ll_classdef *c, ll_strmap *own, ll_strmap *memo, int depth) {
  ll_strmap *m = ll_strmap_get(memo, c->qual);
  if (m || depth > MAX_DEPTH) return m;
  m = ll_arena_alloc(rv->arena, sizeof *m);
  ll_strmap_init(m);
  ll_strmap_put(memo, c->qual, m); /* before the bases: a cycle ends here */
  ll_strmap *mine = ll_strmap_get(own, c->qual);
  for (size_t i = 0; mine && i < mine->cap; i++)
    if (mine->slots[i].key) ll_strmap_put(m, mine->slots[i].key, (void *)1);
  for (size_t b = 0; b < c->bases.len; b++) {
    const ll_classdef *bc = resolve_class(rv, c->bases.items[b], 0);
    ll_strmap *inh = bc ? async_methods_of(rv, bc, own, memo, depth + 1) : NULL;
    for (size_t i = 0; inh && i < inh->cap; i++)
      if (inh->slots[i].key) ll_strmap_put(m, inh->slots[i].key, (void *)1);
  }
  return m;
}

void ll_project_coroutine_names(ll_project *p, ll_name_module_list *funcs, ll_method_witness_list *methods,
                                ll_arena *arena) {
  resolver rv;
  ll_resolver_init(&rv, p, arena, p->db, NULL);
  ll_strmap own, memo;
  ll_strmap_init(&own);
  ll_strmap_init(&memo);
  LL_VEC(ll_strmap *) owned = {0};
  for (size_t f = 0; f < p->nfiles; f++) {
    const ll_file_facts *ff = &p->files[f];
    /* a stub's definitions describe another module: calling them is calling that module */
    size_t pl = ff->path ? strlen(ff->path) : 0;
    if (pl > 4 && strcmp(ff->path + pl - 4, ".pyi") == 0) continue;
    for (size_t i = 0; i < ff->funcs.len; i++) {
      const ll_funcdef *d = &ff->funcs.items[i];
      if (!d->is_async || d->has_yield || d->is_nested || d->schedules) continue;
      /* dunders (__aenter__) are called by the language, never by name */
      if (d->name[0] == '_' && d->name[1] == '_') continue;
      if (!d->cls) {
        ll_name_module nm = {d->name, ff->module};
        ll_vec_push(funcs, nm);
        continue;
      }
      ll_strmap *mine = ll_strmap_get(&own, d->cls);
      if (!mine) {
        mine = ll_arena_alloc(arena, sizeof *mine);
        ll_strmap_init(mine);
        ll_vec_push(&owned, mine);
        ll_strmap_put(&own, d->cls, mine);
      }
      ll_strmap_put(mine, d->name, (void *)1);
    }
  }
  /* a method reaches sync code only through an instance whose type the file names: the class
   * or a subclass, imported from its module or a module re-exporting it */
  for (size_t f = 0; f < p->nfiles; f++) {
    const ll_file_facts *ff = &p->files[f];
    for (size_t i = 0; i < ff->classes.len; i++) {
      ll_strmap *m = async_methods_of(&rv, &ff->classes.items[i], &own, &memo, 0);
      for (size_t k = 0; m && k < m->cap; k++)
        if (m->slots[k].key) {
          ll_method_witness w = {m->slots[k].key, last_part(ff->classes.items[i].qual), ff->module};
          ll_vec_push(methods, w);
        }
    }
    for (size_t i = 0; i < ff->exports.len; i++) {
      /* `from .impl import main as run`: run, imported from this module, is the coroutine */
      ll_funcref *r = resolve_func(&rv, ff->exports.items[i].target, 0, NULL);
      size_t rl = r && r->file->path ? strlen(r->file->path) : 0;
      int stub = rl > 4 && strcmp(r->file->path + rl - 4, ".pyi") == 0;
      if (r && !stub && r->def->is_async && !r->def->has_yield && !r->def->cls && !r->def->is_nested &&
          !r->def->schedules) {
        ll_name_module nm = {ff->exports.items[i].name, ff->module};
        ll_vec_push(funcs, nm);
      }
      const ll_classdef *c = resolve_class(&rv, ff->exports.items[i].target, 0);
      ll_strmap *m = c ? async_methods_of(&rv, c, &own, &memo, 0) : NULL;
      for (size_t k = 0; m && k < m->cap; k++)
        if (m->slots[k].key) {
          ll_method_witness w = {m->slots[k].key, ff->exports.items[i].name, ff->module};
          ll_vec_push(methods, w);
        }
    }
  }
  for (size_t i = 0; i < memo.cap; i++)
    if (memo.slots && memo.slots[i].key) ll_strmap_free((ll_strmap *)memo.slots[i].value);
  for (size_t i = 0; i < owned.len; i++) ll_strmap_free(owned.items[i]);
  ll_vec_free(&owned);
  ll_strmap_free(&own);
  ll_strmap_free(&memo);
}

