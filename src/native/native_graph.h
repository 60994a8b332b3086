/* native_graph.h: the C call graph of a linked model, as shortest call chains from every
 * function to a blocking call, and what looplint concludes from them: LOOP601 findings
 * (blocking while holding the GIL in a function Python can call) and the blocking entries
 * written by `--emit-rules` (every exposed function that blocks its calling thread).
 *
 * A node is (function, GIL state when it is entered). A call made in state ENTRY inherits the
 * node's state, so a helper called inside Py_BEGIN_ALLOW_THREADS is analysed as GIL-released
 * there and as GIL-held when an exposed function calls it directly. */
#ifndef LL_NATIVE_GRAPH_H
#define LL_NATIVE_GRAPH_H
#include <stdint.h>

#include "../diag/finding.h"
#include "../util/strbuf.h"
#include "native_model.h"

#define LL_NATIVE_FAR UINT32_MAX

typedef enum ll_native_goal {
  LL_NATIVE_GOAL_HELD = 0, /* a blocking call made with the GIL held */
  LL_NATIVE_GOAL_ANY = 1,  /* any blocking call (it blocks the calling thread either way) */
} ll_native_goal;

typedef struct ll_native_reach {
  size_t nodes;       /* 2 * number of functions: node = func * 2 + (entry released ? 1 : 0) */
  uint32_t *dist[2];  /* [goal][node]: calls to the nearest goal, LL_NATIVE_FAR when none */
  uint32_t *first[2]; /* [goal][node]: index of the call (in the function) that starts it */
} ll_native_reach;

/* A chain resolved from a call site: the C names and the blocking call it ends in. */
typedef struct ll_native_chain {
  ll_strbuf text;                     /* "f() -> g() -> recv()" */
  const ll_native_call *leaf;         /* the blocking call */
  ll_native_gil leaf_gil;             /* HELD or RELEASED at that call */
} ll_native_chain;

void ll_native_reach_compute(ll_native_reach *r, const ll_native_model *m);
void ll_native_reach_free(ll_native_reach *r);

/* The GIL state in effect at call c of a function entered in state entry (HELD/RELEASED). */
ll_native_gil ll_native_effective_gil(ll_native_gil call_state, ll_native_gil entry);

/* The chain that starts with call index `call` of func entered in `entry`, toward goal.
 * Returns 0 and fills out (ll_native_chain_free it), or -1 when that call reaches no goal. */
int ll_native_chain_from_call(const ll_native_model *m, const ll_native_reach *r, size_t func, ll_native_gil entry,
                              size_t call, ll_native_goal goal, ll_native_chain *out);
/* The shortest chain from func entered in entry toward goal; 0, or -1 when there is none. */
int ll_native_chain_from_func(const ll_native_model *m, const ll_native_reach *r, size_t func, ll_native_gil entry,
                              ll_native_goal goal, ll_native_chain *out);
void ll_native_chain_free(ll_native_chain *c);

/* Adds one LOOP601 finding per call site, in an exposed function, that leads to a blocking
 * call made while the GIL is held (the call itself in the direct case). */
void ll_native_findings(const ll_native_model *m, const ll_native_reach *r, ll_findings *out);

/* The `--emit-rules` document: {"blocking": [...], "returns": {...}} as JSON text (malloc'd):
 * one entry per Python name that can be called (getters are left out), and a `returns` entry
 * per type so `r = mod.Type(); r.method()` resolves to mod.Type.method. */
char *ll_native_emit_rules(const ll_native_model *m, const ll_native_reach *r);

#endif
