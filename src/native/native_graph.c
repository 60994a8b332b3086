/* native_graph.c: shortest blocking chains over the C call graph, LOOP601 findings, and the
 * emitted rules. Distances are computed level by level (each round reads only the previous
 * round), so after round k every chain of k calls is exact and ties go to the first call in
 * source order: the reported chain does not depend on the order functions were defined in.
 * Recursion needs no special case: a cycle never shortens a chain. */
#include "native_graph.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

#include "../diag/registry.h"

static size_t node_of(size_t func, ll_native_gil entry) { return func * 2 + (entry == LL_NATIVE_GIL_RELEASED); }

ll_native_gil ll_native_effective_gil(ll_native_gil call_state, ll_native_gil entry) {
  return call_state == LL_NATIVE_GIL_ENTRY ? entry : call_state;
}

/* Calls from call c (made in a function entered in `entry`) to the goal, using dist. */
static uint32_t via_call(const uint32_t *dist, const ll_native_call *c, ll_native_gil entry, ll_native_goal goal) {
  ll_native_gil eff = ll_native_effective_gil(c->gil, entry);
  if (c->blocking) return (goal == LL_NATIVE_GOAL_ANY || eff == LL_NATIVE_GIL_HELD) ? 1 : LL_NATIVE_FAR;
  if (c->callee == LL_NATIVE_NONE) return LL_NATIVE_FAR;
  uint32_t d = dist[node_of(c->callee, eff)];
  return d == LL_NATIVE_FAR ? LL_NATIVE_FAR : d + 1;
}

void ll_native_reach_compute(ll_native_reach *r, const ll_native_model *m) {
  r->nodes = m->funcs.len * 2;
  size_t n = r->nodes ? r->nodes : 1;
  uint32_t *prev = ll_xmalloc(n * sizeof *prev);
  for (int g = 0; g < 2; g++) {
    r->dist[g] = ll_xmalloc(n * sizeof **r->dist);
    r->first[g] = ll_xmalloc(n * sizeof **r->first);
    for (size_t i = 0; i < n; i++) { r->dist[g][i] = LL_NATIVE_FAR; r->first[g][i] = 0; }
    for (int changed = 1; changed;) {
      changed = 0;
      memcpy(prev, r->dist[g], n * sizeof *prev);
      for (size_t f = 0; f < m->funcs.len; f++) {
        const ll_native_func *fn = &m->funcs.items[f];
        for (int e = 0; e < 2; e++) {
          ll_native_gil entry = e ? LL_NATIVE_GIL_RELEASED : LL_NATIVE_GIL_HELD;
          size_t node = node_of(f, entry);
          uint32_t best = LL_NATIVE_FAR, best_call = 0;
          for (size_t i = 0; i < fn->calls.len; i++) {
            uint32_t d = via_call(prev, &fn->calls.items[i], entry, (ll_native_goal)g);
            if (d < best) { best = d; best_call = (uint32_t)i; }
          }
          if (best < r->dist[g][node]) {
            r->dist[g][node] = best;
            r->first[g][node] = best_call;
            changed = 1;
          }
        }
      }
    }
  }
  free(prev);
}

void ll_native_reach_free(ll_native_reach *r) {
  for (int g = 0; g < 2; g++) {
    free(r->dist[g]);
    free(r->first[g]);
    r->dist[g] = r->first[g] = NULL;
  }
  r->nodes = 0;
}

int ll_native_chain_from_call(const ll_native_model *m, const ll_native_reach *r, size_t func, ll_native_gil entry,
                              size_t call, ll_native_goal goal, ll_native_chain *out) {
  const ll_native_call *c = &m->funcs.items[func].calls.items[call];
  if (via_call(r->dist[goal], c, entry, goal) == LL_NATIVE_FAR) return -1;
  ll_strbuf_init(&out->text);
  ll_strbuf_addf(&out->text, "%s()", m->funcs.items[func].name);
  /* Every step follows `first`, whose distance is one less: the walk ends at a leaf. */
  for (;;) {
    ll_strbuf_addf(&out->text, " -> %s()", c->callee_name);
    ll_native_gil eff = ll_native_effective_gil(c->gil, entry);
    if (c->blocking) {
      out->leaf = c;
      out->leaf_gil = eff;
      return 0;
    }
    func = c->callee;
    entry = eff;
    c = &m->funcs.items[func].calls.items[r->first[goal][node_of(func, entry)]];
  }
}

int ll_native_chain_from_func(const ll_native_model *m, const ll_native_reach *r, size_t func, ll_native_gil entry,
                              ll_native_goal goal, ll_native_chain *out) {
  size_t node = node_of(func, entry);
  if (r->dist[goal][node] == LL_NATIVE_FAR) return -1;
  return ll_native_chain_from_call(m, r, func, entry, r->first[goal][node], goal, out);
}

void ll_native_chain_free(ll_native_chain *c) { ll_strbuf_free(&c->text); }

void ll_native_findings(const ll_native_model *m, const ll_native_reach *r, ll_findings *out) {
  const char *code = ll_registry_code("LOOP601");
  unsigned char *seen = ll_xcalloc(m->funcs.len ? m->funcs.len : 1, 1);
  /* exports are sorted by Python name: a function exposed twice is named by the first */
  for (size_t x = 0; x < m->exports.len; x++) {
    const ll_native_export *ex = &m->exports.items[x];
    if (seen[ex->func]) continue;
    seen[ex->func] = 1;
    const ll_native_func *fn = &m->funcs.items[ex->func];
    for (size_t i = 0; i < fn->calls.len; i++) {
      ll_native_chain ch;
      if (fn->calls.items[i].noqa) continue;
      if (ll_native_chain_from_call(m, r, ex->func, LL_NATIVE_GIL_HELD, i, LL_NATIVE_GOAL_HELD, &ch)) continue;
      const ll_native_site *s = &fn->calls.items[i].site;
      ll_findings_add(out, code, s->file, s->start, s->end, "`%s` blocks the event loop: %s while holding the GIL",
                      ex->py_name, ch.text.data);
      ll_native_chain_free(&ch);
    }
  }
  free(seen);
}

/* --- emitted rules ------------------------------------------------------------------------ */

/* What to hand to the executor: the qualified name for functions and constructors, and
 * `instance.method` for methods ("_speedups.Reader" + "fetch" -> "reader.fetch"). */
static void callable_text(const ll_native_export *ex, ll_strbuf *sb) {
  if (!ex->type_name || !*ex->attr) { ll_strbuf_add(sb, ex->py_name); return; }
  const char *dot = strrchr(ex->type_name, '.');
  for (const char *p = dot ? dot + 1 : ex->type_name; *p; p++) ll_strbuf_addc(sb, (char)tolower((unsigned char)*p));
  ll_strbuf_addf(sb, ".%s", ex->attr);
}

static cJSON *blocking_entry(const ll_native_export *ex, const ll_native_chain *ch) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "name", ex->py_name);
  cJSON_AddStringToObject(e, "category", ch->leaf->blocking->category);
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (ch->leaf_gil == LL_NATIVE_GIL_HELD)
    ll_strbuf_addf(&sb, "`%s` blocks the event loop in C: %s while holding the GIL", ex->py_name, ch->text.data);
  else
    ll_strbuf_addf(&sb, "`%s` blocks the event loop in C: %s (the GIL is released, but the calling thread waits)",
                   ex->py_name, ch->text.data);
  cJSON_AddStringToObject(e, "message", sb.data);
  ll_strbuf callable;
  ll_strbuf_init(&callable);
  callable_text(ex, &callable);
  ll_strbuf_clear(&sb);
  ll_strbuf_addf(&sb, "`await asyncio.to_thread(%s, ...)`", callable.data);
  cJSON_AddStringToObject(e, "fix", sb.data);
  ll_strbuf_clear(&sb);
  ll_strbuf_addf(&sb, "`await hass.async_add_executor_job(%s, ...)`", callable.data);
  cJSON_AddStringToObject(e, "ha_fix", sb.data);
  ll_strbuf_free(&callable);
  ll_strbuf_free(&sb);
  return e;
}

char *ll_native_emit_rules(const ll_native_model *m, const ll_native_reach *r) {
  cJSON *root = cJSON_CreateObject();
  cJSON *list = cJSON_AddArrayToObject(root, "blocking");
  const char *last = NULL; /* one entry per Python name (tp_new and tp_init share one) */
  for (size_t x = 0; x < m->exports.len; x++) {
    const ll_native_export *ex = &m->exports.items[x];
    /* a getter blocks on attribute access, which no call rule can match */
    if (ex->is_attribute || (last && strcmp(last, ex->py_name) == 0)) continue;
    ll_native_chain ch;
    if (ll_native_chain_from_func(m, r, ex->func, LL_NATIVE_GIL_HELD, LL_NATIVE_GOAL_ANY, &ch)) continue;
    cJSON_AddItemToArray(list, blocking_entry(ex, &ch));
    ll_native_chain_free(&ch);
    last = ex->py_name;
  }
  /* calls to a type construct it: `r = mod.Reader(); r.fetch()` resolves to mod.Reader.fetch */
  if (m->types.len) {
    cJSON *ret = cJSON_AddObjectToObject(root, "returns");
    for (size_t i = 0; i < m->types.len; i++) cJSON_AddStringToObject(ret, m->types.items[i], m->types.items[i]);
  }
  char *printed = cJSON_Print(root);
  cJSON_Delete(root);
  if (!printed) ll_oom();
  char *text = ll_xstrdup(printed); /* one allocator for the caller: free() */
  cJSON_free(printed);
  return text;
}
