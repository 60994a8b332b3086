/* rule_project.c: the findings that need the whole project, decided on the project index
 * (model/project.c) after every file's walk: coroutines never awaited and awaits of values
 * that are not awaitable (LOOP201-204), and sync helpers that block, called from the loop
 * (LOOP110, LOOP111 in a @callback), with the chain of calls in the message. */
#include "../model/project.h"
#include "../model/types.h"
#include "../diag/registry.h"
#include "../util/strbuf.h"
#include "engine.h"
#include "../model/except.h"
#include "../model/flow.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef ll_resolver resolver;

/* The blocking entry a call site whose callee only the project could type reaches, or NULL
 * (a lazy iterator handed straight to an executor wrapper is consumed there). */
static const ll_blocking_entry *typed_blocking(resolver *rv, const ll_callsite *cs, const char **name) {
  if (!cs->deferred || cs->super_of) return NULL;
  const ll_value *v = ll_resolver_callee(rv, cs);
  if (!v || !rv->typer) return NULL;
  const ll_blocking_entry *e = ll_typer_blocking(rv->typer, v, name);
  if (e && e->lazy && cs->offloaded) return NULL;
  /* the entry's "caught" conditions (a socket call guarded by `except BlockingIOError`); its
   * argument conditions need the call's text, which only the file pass had */
  for (size_t i = 0; e && i < e->nharmless; i++)
    if (e->harmless[i].caught && e->harmless[i].keyword == NULL && e->harmless[i].position < 0 &&
        ll_except_guarding_has(cs->guarding, e->harmless[i].caught))
      return NULL;
  return e;
}

/* How a call site passes its callee d's flag parameter (index pos, self counted; name):
 * 0 not at all or as a literal False/None/0 (the default, off); 1 as something that may be
 * true (another value, or a splat that may hold it); 2 as the caller's own flag parameter
 * (*via_name, *via_pos), so the flag is on only when the caller's is. */
static int flag_passed(const ll_callsite *cs, const ll_funcdef *d, int pos, const char *name, const char **via_name,
                       int *via_pos, ll_arena *arena) {
  const char *a = cs->args;
  if (!a) return 0;
  /* a method called on an instance or class receives it as its first parameter */
  int offset = d->cls && !d->is_static ? 1 : 0;
  const char *tok = NULL;
  size_t toklen = 0;
  int k = 0;
  while (*a && *a != ';') {
    size_t n = strcspn(a, ",;");
    if (n == 1 && *a == '*') return 1;
    if (k + offset == pos) { tok = a; toklen = n; }
    k++;
    a += n;
    if (*a == ',') a++;
  }
  if (*a == ';') a++;
  size_t nl = strlen(name);
  while (*a && !tok) {
    size_t n = strcspn(a, ",");
    const char *eq = memchr(a, '=', n);
    if (eq) {
      if (eq - a == 2 && a[0] == '*' && a[1] == '*') return 1;
      if ((size_t)(eq - a) == nl && strncmp(a, name, nl) == 0) { tok = eq + 1; toklen = n - (size_t)(eq + 1 - a); }
    }
    a += n;
    if (*a == ',') a++;
  }
  if (!tok || (toklen == 1 && *tok == 'f')) return 0;
  if (*tok == 'p' && toklen > 2) {
    const char *at = memchr(tok, '@', toklen);
    if (at && at > tok + 1) {
      *via_name = ll_arena_strndup(arena, tok + 1, (size_t)(at - tok - 1));
      *via_pos = atoi(at + 1);
      return 2;
    }
  }
  return 1;
}

/* Whether calling r at cs blocks (after compute_blocking): always (2), or only under a flag
 * the call passes (4). via_name and via_pos: set when the call hands the caller's own flag on. */
static int blocks_via(const ll_funcref *r, const ll_callsite *cs, const char **via_name, int *via_pos, ll_arena *arena) {
  *via_name = NULL;
  if (r->block_state == 2) return 1;
  if (r->block_state != 4) return 0;
  return flag_passed(cs, r->def, r->flag_pos, r->flag_name, via_name, via_pos, arena) != 0;
}

static int blocks_at(const ll_funcref *r, const ll_callsite *cs, ll_arena *arena) {
  const char *vn;
  int vp;
  /* on the loop, the caller's own flag is whatever the caller was given: it may be true */
  return blocks_via(r, cs, &vn, &vp, arena);
}

/* A call edge inside a sync helper: the callee and the call site (its guard, its arguments). */
typedef struct edge {
  ll_funcref *callee;
  const ll_callsite *cs;
} edge;

/* Moves r to "blocks" (2), or to "blocks when flag is passed" (4); a second, different flag
 * makes it block whatever is passed (one flag is all a function's state says). */
static int raise_state(ll_funcref *r, int state, int pos, const char *name, ll_funcref *via) {
  if (r->block_state == 2) return 0;
  if (state == 4 && r->block_state == 4) {
    if (r->flag_pos == pos && strcmp(r->flag_name, name) == 0) return 0;
    state = 2;
  }
  r->block_state = (uint8_t)state;
  r->block_next = via;
  if (state == 4) {
    r->flag_pos = (int8_t)pos;
    r->flag_name = name;
  }
  return 1;
}

/* Decides whether calling each function that code on the loop can reach blocks: it makes
 * a blocking call itself, or calls a sync project function that does. The functions reached
 * from on-loop call sites are collected first (each call site resolved once), then "blocks"
 * spreads from direct blockers to callers until nothing changes, so call cycles are right by
 * construction (a cycle blocks exactly when one of its members reaches a blocker).
 * What cannot run on the loop does not spread: a memoized callee (`@functools.lru_cache`) or
 * a call behind the module memo idiom runs its body once; a call under `if flag:` (a
 * parameter off by default) makes its caller block only when the flag is passed, and a
 * callee that blocks only under its flag blocks the calls that pass it.
 * block_next keeps the callee that made a function block: the chain for the message. */
static void compute_blocking(ll_project *p) {
  ll_reach_set rs = {0};
  ll_strmap_init(&rs.seen);
  for (size_t f = 0; f < p->nfiles; f++) {
    ll_file_facts *ff = &p->files[f];
    if (ff->context_only) continue;
    for (size_t i = 0; i < ff->calls.len; i++)
      if (ff->calls.items[i].on_loop) {
        ll_funcref *r = ll_project_resolve_call(p, &ff->calls.items[i], NULL);
        ll_reach_add(&rs, r);
      }
  }
  typedef LL_VEC(edge) edgelist;
  LL_VEC(edgelist) callees = {0};
  for (size_t k = 0; k < rs.items.len; k++) {
    ll_funcref *r = rs.items.items[k];
    edgelist cl = {0};
    r->block_next = NULL;
    r->block_state = r->def->block_qual ? 2 : 0;
    r->flag_pos = -1;
    r->flag_name = NULL;
    if (!r->def->block_qual && r->def->flag_block_qual) {
      r->block_state = 4;
      r->flag_pos = r->def->flag_pos;
      r->flag_name = r->def->flag_name;
    }
    r->typed_block_qual = NULL;
    /* `importlib.import_module(M)`: a look-up in sys.modules when the file or a package above
     * it imports M at its top level, else a blocking step like any other */
    if (!r->def->block_qual && r->def->import_block_module &&
        !ll_resolver_module_imported(ll_project_resolver(p), r->file, r->def->import_block_module)) {
      r->typed_block_qual = r->def->import_block_qual;
      r->typed_block_code = r->def->import_block_code;
      r->typed_block_pos = r->def->import_block_pos;
      r->block_state = 2;
    }
    if (!r->def->block_qual) {
      ll_callsite_list *calls = ll_project_calls_of(p, r);
      /* a blocking call the file could not see: its callee's type is declared elsewhere */
      for (size_t i = 0; i < calls->len && !r->typed_block_qual; i++) {
        if (calls->items[i]->guard == LL_GUARD_MEMO) continue;
        const char *name = NULL;
        const ll_blocking_entry *e = typed_blocking(ll_project_resolver(p), calls->items[i], &name);
        if (!e) continue;
        r->typed_block_qual = ll_arena_strdup(&p->arena, name);
        r->typed_block_code = e->code;
        r->typed_block_pos = calls->items[i]->start;
        r->block_state = 2;
      }
    }
    if (!r->def->block_qual && !r->typed_block_qual) {
      ll_callsite_list *calls = ll_project_calls_of(p, r);
      for (size_t i = 0; i < calls->len; i++) {
        const ll_callsite *cs = calls->items[i];
        if (cs->guard == LL_GUARD_MEMO) continue;
        ll_funcref *c = ll_project_resolve_call(p, cs, NULL);
        /* an unknown decorator may run the callee elsewhere; a memo runs its body once */
        if (c && c != r && !c->def->is_async && !c->def->memo && !c->def->other_decorator) {
          ll_vec_push(&cl, ((edge){c, cs}));
          ll_reach_add(&rs, c);
        }
      }
    }
    ll_vec_push(&callees, cl);
  }
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t k = 0; k < rs.items.len; k++) {
      ll_funcref *r = rs.items.items[k];
      if (r->block_state == 2) continue;
      for (size_t i = 0; i < callees.items[k].len && r->block_state != 2; i++) {
        const edge *e = &callees.items[k].items[i];
        const char *via_name;
        int via_pos;
        if (!blocks_via(e->callee, e->cs, &via_name, &via_pos, &p->arena)) continue;
        /* under `if flag:`, or handing the caller's flag on: blocks only when that flag is passed */
        int guarded = e->cs->guard == LL_GUARD_FLAG && e->cs->guard_name;
        if (guarded && via_name && (via_pos != e->cs->guard_pos || strcmp(via_name, e->cs->guard_name) != 0))
          changed |= raise_state(r, 2, -1, NULL, e->callee); /* two flags: one state cannot say it */
        else if (guarded) changed |= raise_state(r, 4, e->cs->guard_pos, e->cs->guard_name, e->callee);
        else if (via_name) changed |= raise_state(r, 4, via_pos, via_name, e->callee);
        else changed |= raise_state(r, 2, -1, NULL, e->callee);
      }
    }
  }
  for (size_t k = 0; k < rs.items.len; k++) {
    if (rs.items.items[k]->block_state == 0) rs.items.items[k]->block_state = 3;
    ll_vec_free(&callees.items[k]);
  }
  ll_vec_free(&callees);
  ll_reach_free(&rs);
}

/* --- coroutines that run on an event loop of their own in a worker thread --- */

/* The funcref of function k of file ff, or NULL (a name another definition took). */
static ll_funcref *funcref_of(ll_project *p, const ll_file_facts *ff, int32_t k) {
  if (k < 0 || (size_t)k >= ff->funcs.len) return NULL;
  ll_funcref *r = ll_strmap_get(&p->funcs, ff->funcs.items[k].qual);
  return r && r->def == &ff->funcs.items[k] ? r : NULL;
}

static const char *last_part(const char *q) {
  const char *d = strrchr(q, '.');
  return d ? d + 1 : q;
}

typedef struct thread_site {
  const ll_file_facts *ff;
  const ll_callsite *cs;
  ll_funcref *r;
} thread_site;

/* Decides which async defs run only on event loops of their own in worker threads: some call
 * starts one so (`Thread(target=asyncio.run, args=(job(),))`, `run_worker(job(), thread=True)`,
 * `asyncio.run(job())` in a sync def that only off-loop APIs call) and no other call of it
 * exists in the project (`await job()` on the loop keeps its findings; handing the function
 * itself to an API runs nothing). Their blocking findings are dropped, and their calls of
 * blocking helpers are not LOOP110. Returns whether any function is thread-only. */
static int compute_thread_only(ll_project *p) {
  for (size_t i = 0; i < p->funcs.cap; i++) {
    ll_funcref *r = p->funcs.slots && p->funcs.slots[i].key ? p->funcs.slots[i].value : NULL;
    if (r) { r->thread_cand = r->thread_only = 0; r->thread_starts = r->thread_others = 0; }
  }
  ll_strmap names;
  ll_strmap_init(&names);
  for (size_t f = 0; f < p->nfiles; f++) {
    const ll_file_facts *ff = &p->files[f];
    for (size_t i = 0; i < ff->calls.len; i++) {
      const ll_callsite *cs = &ff->calls.items[i];
      if (!cs->thread_loop) continue;
      ll_funcref *r = ll_project_resolve_call(p, cs, NULL);
      if (!r || !r->def->is_async) continue;
      r->thread_cand = 1;
      ll_strmap_put(&names, r->def->name, (void *)1);
      ll_funcref *fn = cs->thread_loop == LL_THREAD_LOOP_IF_THREAD ? funcref_of(p, ff, cs->func) : NULL;
      if (fn && !fn->def->is_async) {
        fn->thread_cand = 1;
        ll_strmap_put(&names, fn->def->name, (void *)1);
      }
    }
  }
  int any = 0;
  if (names.len) {
    /* every call of a candidate, anywhere in the project */
    LL_VEC(thread_site) sites = {0};
    for (size_t f = 0; f < p->nfiles; f++) {
      const ll_file_facts *ff = &p->files[f];
      for (size_t i = 0; i < ff->calls.len; i++) {
        const ll_callsite *cs = &ff->calls.items[i];
        if (!ll_strmap_get(&names, last_part(cs->callee))) continue;
        ll_funcref *r = ll_project_resolve_call(p, cs, NULL);
        if (r && r->thread_cand) ll_vec_push(&sites, ((thread_site){ff, cs, r}));
      }
    }
    const ll_ruledb *db = p->db;
    /* the sync defs first: handed to off-loop APIs (a thread's target, an executor) and never
     * called or handed otherwise */
    for (size_t k = 0; k < sites.len; k++) {
      thread_site *t = &sites.items[k];
      if (t->r->def->is_async) continue;
      const ll_callback_api *a = t->cs->use == LL_USE_HANDED && t->cs->local ? ll_strmap_get(&db->callback_apis, t->cs->local) : NULL;
      if (a && a->off_loop) t->r->thread_starts++;
      else t->r->thread_others++;
    }
    resolver *rv = ll_project_resolver(p);
    for (size_t k = 0; k < sites.len; k++) {
      thread_site *t = &sites.items[k];
      const ll_callsite *cs = t->cs;
      if (!t->r->def->is_async || cs->use == LL_USE_HANDED) continue;
      int start = cs->thread_loop == LL_THREAD_LOOP_KNOWN;
      if (cs->thread_loop == LL_THREAD_LOOP_IF_THREAD) {
        ll_funcref *fn = funcref_of(p, t->ff, cs->func);
        start = fn && !fn->def->is_async && fn->thread_starts && !fn->thread_others;
      } else if (cs->thread_loop == LL_THREAD_LOOP_IF_WORKER && cs->runner >= 0 && (size_t)cs->runner < t->ff->calls.len) {
        rv->db = t->ff->db ? t->ff->db : p->db;
        const ll_value *v = ll_resolver_callee(rv, &t->ff->calls.items[cs->runner]);
        start = v && rv->typer && ll_typer_listed(rv->typer, v, &rv->db->thread_loop_calls) != NULL;
        rv->db = p->db;
      }
      if (start) t->r->thread_starts++;
      else t->r->thread_others++;
    }
    for (size_t k = 0; k < sites.len; k++) {
      ll_funcref *r = sites.items[k].r;
      r->thread_only = r->def->is_async && r->thread_starts && !r->thread_others;
      any |= r->thread_only;
    }
    ll_vec_free(&sites);
  }
  ll_strmap_free(&names);
  return any;
}

static const char *short_path(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* The blocking step a chain ends in: the function's own, one only the project pass typed, or
 * the one under its flag (*flag: that flag's name). */
static const char *chain_leaf(const ll_funcref *c, ll_pos *at, const char **flag) {
  *flag = NULL;
  if (c->def->block_qual) { *at = c->def->block_pos; return c->def->block_qual; }
  if (c->typed_block_qual) { *at = c->typed_block_pos; return c->typed_block_qual; }
  if (c->def->flag_block_qual) {
    *at = c->def->flag_block_pos;
    *flag = c->def->flag_name;
    return c->def->flag_block_qual;
  }
  return NULL;
}

static void describe_chain(ll_strbuf *sb, ll_funcref *r) {
  int n = 0;
  for (ll_funcref *c = r; c && n < 8; c = c->block_next, n++) {
    ll_strbuf_addf(sb, "%s%s()", n ? " -> " : "", c->def->name);
    if (!c->block_next) {
      ll_pos at;
      const char *flag;
      const char *b = chain_leaf(c, &at, &flag);
      if (!b) break;
      if (strncmp(b, "builtins.", 9) == 0) b += 9;
      ll_strbuf_addf(sb, " -> %s() at %s:%u", b, short_path(c->file->path), at.row);
      if (flag) ll_strbuf_addf(sb, " (when `%s` is passed)", flag);
    }
  }
}

/* Each hop of the chain as a location: the helpers' definitions, then the blocking call. */
static void add_chain(ll_finding *f, ll_funcref *r) {
  int n = 0;
  for (ll_funcref *c = r; c && n < 8; c = c->block_next, n++) {
    if (!c->file->path) continue;
    ll_finding_add_related(f, c->file->path, c->def->pos, c->def->pos, "`%s()` is defined here", c->def->name);
    if (!c->block_next) {
      ll_pos at;
      const char *flag;
      const char *b = chain_leaf(c, &at, &flag);
      if (!b) break;
      if (strncmp(b, "builtins.", 9) == 0) b += 9;
      ll_finding_add_related(f, c->file->path, at, at, "`%s()` blocks here", b);
    }
  }
}

/* The grouping key of a LOOP110/111 finding: its code and the blocking step at the end of its
 * chain (file, position, callee); the first helper when the step is not known. */
static void group_key(ll_strbuf *sb, const char *code, ll_funcref *r) {
  ll_funcref *c = r;
  for (int n = 0; c->block_next && n < 64; n++) c = c->block_next;
  ll_pos at;
  const char *flag;
  const char *b = c->block_next ? NULL : chain_leaf(c, &at, &flag);
  if (b && c->file->path) ll_strbuf_addf(sb, "%s %s:%u:%u %s", code, c->file->path, at.row, at.col, b);
  else ll_strbuf_addf(sb, "%s %s", code, r->def->qual);
}

static ll_finding *report(ll_findings *out, const ll_file_facts *ff, const ll_callsite *cs, const char *code, const char *msg) {
  ll_finding *f = ll_findings_add(out, ll_registry_code(code), ff->path, cs->start, cs->end, "%s", msg);
  f->stmt_first = cs->stmt_first;
  f->stmt_last = cs->stmt_last;
  return f;
}

/* Whether the helper a held LOOP401's handler calls re-raises the handler's exception: it
 * never returns, or returns only when what it is handed is no cancellation (reraises 3), and
 * re-raises what is being handled (bare `raise`) or the parameter the handler passes the
 * exception to. */
static int helper_reraises(resolver *rv, const ll_file_facts *ff, const ll_held *h) {
  if (h->call >= ff->calls.len) return 0;
  ll_funcref *r = ll_resolver_call(rv, &ff->calls.items[h->call], NULL);
  if (!r || !r->def->reraises || r->def->other_decorator) return 0;
  if (r->def->reraises == 2 && h->kind != LL_HELD_UNLESS_MAY_RERAISE) return 0;
  const ll_funcdef *d = r->def;
  /* an async helper's body runs only when the handler awaits it */
  if (d->is_async && ff->calls.items[h->call].use != LL_USE_AWAITED) return 0;
  if (d->reraise_param < 0) return 1; /* bare `raise` only */
  if (h->arg_kw && d->reraise_name && strcmp(h->arg_kw, d->reraise_name) == 0) return 1;
  /* a method called on an instance or class receives it as its first parameter */
  int offset = d->cls && !d->is_static ? 1 : 0;
  return h->arg_pos >= 0 && h->arg_pos + offset == d->reraise_param;
}

/* LOOP206: a callable handed to an API that calls it without awaiting (rule_handoff.c) is a
 * coroutine function by definition: an `async def` of the project that its decorators keep one,
 * or a coroutine of the rules data. */
static void check_handed(resolver *rv, const ll_file_facts *ff, const ll_callsite *cs, ll_strbuf *msg, ll_findings *out) {
  const ll_callback_api *a = cs->local ? ll_strmap_get(&rv->db->callback_apis, cs->local) : NULL;
  if (!a || ll_resolver_callee_kind(rv, cs) != LL_CALLEE_COROUTINE) return;
  /* the API by its last two parts: `AbstractEventLoop.call_soon`, `atexit.register` */
  const char *api = a->name + strlen(a->name);
  for (int dots = 0; api > a->name; api--)
    if (api[-1] == '.' && ++dots == 2) break;
  ll_strbuf_addf(msg, "`%s` is a coroutine function: `%s()` calls it %s and drops what it returns, so the coroutine is "
                      "never awaited and its body never runs; %s",
                 cs->text, api, a->runs, a->fix);
  report(out, ff, cs, "LOOP206", msg->data);
}

/* The project-wide findings of one file. Reads the index and the blocking results computed
 * before; writes only to out and to the resolver's own arena, so files run in parallel. */
static void check_file(resolver *rv, ll_strmap *test_memo, ll_file_facts *ff, ll_findings *out, int thread_only) {
  ll_strbuf msg;
  ll_strbuf_init(&msg);
  /* blocking findings of async defs: kept unless the function runs only on loops of its own
   * (or the module they import is imported already) */
  for (size_t i = 0; i < ff->held_findings.v.len; i++) {
    ll_funcref *r = thread_only ? funcref_of(rv->p, ff, ff->held_funcs.items[i]) : NULL;
    if (r && r->thread_only) continue;
    /* `importlib.import_module(M)` of a module the file or a package above it imports */
    const char *m = i < ff->held_modules.len ? ff->held_modules.items[i] : NULL;
    if (m && ll_resolver_module_imported(rv, ff, m)) continue;
    ll_finding f;
    ll_finding_copy(&f, &ff->held_findings.v.items[i]);
    ll_vec_push(&out->v, f);
  }
  for (size_t i = 0; i < ff->held.len; i++) {
    const ll_held *h = &ff->held.items[i];
    if ((h->kind == LL_HELD_UNLESS_RERAISES || h->kind == LL_HELD_UNLESS_MAY_RERAISE) && helper_reraises(rv, ff, h)) continue;
    ll_strbuf_clear(&msg);
    if (h->kind == LL_HELD_ASYNC_TEST && !ll_tests_decide(rv, test_memo, ff, h, &msg)) continue;
    ll_finding *f = ll_findings_add(out, ll_registry_code(h->code), ff->path, h->start, h->end, "%s",
                                    h->kind == LL_HELD_ASYNC_TEST ? msg.data : h->message);
    f->stmt_first = h->stmt_first;
    f->stmt_last = h->stmt_last;
  }
    for (size_t i = 0; i < ff->calls.len; i++) {
      const ll_callsite *cs = &ff->calls.items[i];
      ll_strbuf_clear(&msg);
      if (cs->use == LL_USE_HANDED) {
        check_handed(rv, ff, cs, &msg, out);
        continue;
      }
      if (ll_callsite_judged(cs)) {
        ll_callee_kind k = ll_resolver_callee_kind(rv, cs);
        int in_async = cs->func >= 0 && ff->funcs.items[cs->func].is_async;
        if (k == LL_CALLEE_COROUTINE && cs->use == LL_USE_DISCARDED) {
          if (in_async)
            ll_strbuf_addf(&msg, "`%s()` is a coroutine and is never awaited: it does not run; add `await`", cs->text);
          if (in_async) {
            /* an expression statement: `await` needs no parentheses */
            ll_finding *f = report(out, ff, cs, "LOOP201", msg.data);
            f->fix = ll_fix_new("unsafe", "Add `await`");
            ll_fix_add_edit(f->fix, cs->start, cs->start, "await ");
            continue;
          } else
            ll_strbuf_addf(&msg, "`%s()` is a coroutine and is never awaited: calling it from sync code does not run it; "
                                 "%s", cs->text, ff->ha ? "schedule it with `hass.async_create_task(...)`"
                                                       : "await it from async code or schedule it as a task");
          report(out, ff, cs, "LOOP201", msg.data);
        } else if (k == LL_CALLEE_COROUTINE && cs->use == LL_USE_LOCAL) {
          ll_strbuf_addf(&msg, "The coroutine from `%s()` is stored in `%s` and never awaited or passed on: it does not run",
                         cs->text, cs->local);
          report(out, ff, cs, "LOOP202", msg.data);
        } else if ((k == LL_CALLEE_COROUTINE || k == LL_CALLEE_AWAITABLE) && cs->use == LL_USE_BOOL) {
          ll_strbuf_addf(&msg, "`%s()` returns %s, which is always true as a condition; add `await`", cs->text,
                         k == LL_CALLEE_COROUTINE ? "a coroutine" : "an awaitable");
          report(out, ff, cs, "LOOP203", msg.data);
        } else if (k == LL_CALLEE_NOT_AWAITABLE && cs->use == LL_USE_AWAITED) {
          ll_strbuf_addf(&msg, "`%s()` does not return an awaitable: `await` on its result raises TypeError; remove `await`",
                         cs->text);
          report(out, ff, cs, "LOOP204", msg.data);
        }
      }
      if (cs->on_loop && thread_only) {
        /* in a coroutine that runs only on a loop of its own in a worker thread */
        ll_funcref *caller = funcref_of(rv->p, ff, cs->func);
        if (caller && caller->thread_only) continue;
      }
      if (cs->on_loop && cs->func >= 0) {
        /* a blocking call seen only now that its callee's type is known */
        const char *name = NULL;
        const ll_blocking_entry *e = typed_blocking(rv, cs, &name);
        if (e) {
          const ll_funcdef *caller = &ff->funcs.items[cs->func];
          ll_strbuf_clear(&msg);
          ll_blocking_message(&msg, e, name, caller->is_async, ff->ha, caller->name);
          report(out, ff, cs, caller->is_async ? e->code : "LOOP111", msg.data);
          continue;
        }
      }
      if (cs->on_loop) {
        ll_funcref *r = ll_resolver_call(rv, cs, NULL);
        /* an unknown decorator may run the helper elsewhere (`@sync_to_async`, `@run_in_executor`) */
        if (r && !r->def->is_async && !r->def->is_callback && !r->def->is_property && !r->def->other_decorator &&
            !r->def->memo && blocks_at(r, cs, rv->arena)) {
          ll_strbuf_clear(&msg);
          const ll_funcdef *caller = &ff->funcs.items[cs->func];
          ll_strbuf_addf(&msg, "`%s()` blocks the event loop: ", cs->text);
          describe_chain(&msg, r);
          if (!caller->is_async)
            ll_strbuf_addf(&msg, "; a @callback cannot await: schedule it with `hass.async_add_executor_job(%s, ...)`", cs->text);
          else if (ff->ha) ll_strbuf_addf(&msg, "; use `await hass.async_add_executor_job(%s, ...)`", cs->text);
          else ll_strbuf_addf(&msg, "; use `await asyncio.to_thread(%s, ...)`", cs->text);
          const char *code = caller->is_async ? "LOOP110" : "LOOP111";
          ll_finding *f = report(out, ff, cs, code, msg.data);
          add_chain(f, r);
          /* one root: the blocking step the chain ends at, whichever helpers lead there, so
           * a step reached from many places is fixed (or offloaded) once */
          ll_strbuf_clear(&msg);
          group_key(&msg, code, r);
          f->group = ll_xstrdup(msg.data);
        }
      }
    }
  ll_strbuf_free(&msg);
}

typedef struct check_job {
  ll_project *p;
  int thread_only; /* some async def runs only on loops of its own in worker threads */
  ll_findings *per_file;
  atomic_size_t next;
} check_job;

static void *check_worker(void *arg) {
  check_job *job = arg;
  /* one resolver for the worker's files: what one file reduced (a class's members, a
   * module's variables) serves the next; it forgets when a file brings other rules data */
  ll_arena arena;
  ll_arena_init(&arena);
  resolver rv;
  ll_resolver_init(&rv, job->p, &arena, job->p->db, NULL);
  ll_strmap test_memo;
  ll_strmap_init(&test_memo);
  for (;;) {
    size_t f = atomic_fetch_add(&job->next, 1);
    if (f >= job->p->nfiles) break;
    ll_file_facts *ff = &job->p->files[f];
    if (ff->context_only) continue;
    /* what a call returns is judged with the knowledge of the calling file's configuration */
    rv.db = ff->db ? ff->db : job->p->db;
    check_file(&rv, &test_memo, ff, &job->per_file[f], job->thread_only);
  }
  ll_strmap_free(&test_memo);
  ll_resolver_free(&rv);
  ll_arena_free(&arena);
  return NULL;
}

void ll_project_release_held(const ll_file_facts *files, size_t n, ll_findings *out) {
  for (size_t f = 0; f < n; f++) {
    if (files[f].context_only) continue;
    for (size_t i = 0; i < files[f].held_findings.v.len; i++) {
      ll_finding x;
      ll_finding_copy(&x, &files[f].held_findings.v.items[i]);
      ll_vec_push(&out->v, x);
    }
  }
}

void ll_project_check(ll_project *p, ll_findings *out) {
  /* serial: whether each function blocks (the parallel checks only read it) */
  compute_blocking(p);
  /* parallel: files handed out through one counter, findings merged in file order */
  check_job job = {.p = p};
  job.thread_only = compute_thread_only(p);
  job.per_file = ll_xcalloc(p->nfiles ? p->nfiles : 1, sizeof(ll_findings));
  atomic_init(&job.next, 0);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int nthreads = cpus > 1 ? (int)(cpus > 64 ? 64 : cpus) : 1;
  if ((size_t)nthreads > p->nfiles) nthreads = p->nfiles ? (int)p->nfiles : 1;
  pthread_t tids[64];
  int started = 0;
  for (int t = 1; t < nthreads; t++)
    if (pthread_create(&tids[started], NULL, check_worker, &job) == 0) started++;
  check_worker(&job);
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
  for (size_t f = 0; f < p->nfiles; f++) {
    ll_findings_move(out, &job.per_file[f]);
    ll_findings_free(&job.per_file[f]);
  }
  free(job.per_file);
}
