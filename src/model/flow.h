/* flow.h: what the shape of a function says, read from its tree: its parameters and their
 * defaults, the condition a node runs under (a flag parameter, a module-level memo), and
 * whether a block always ends in `raise`. Each question looks at one function's nodes and
 * answers from syntax and names the file resolves; nothing here guesses from a name. */
#ifndef LL_FLOW_H
#define LL_FLOW_H
#include "context.h"

/* Index of parameter `name` in function fn's list, self and cls counted; -1 when none. */
int ll_flow_param_index(ll_ctx *ctx, TSNode fn, const char *name);
/* Whether parameter `name` of fn defaults to False or None: off unless a caller passes it. */
int ll_flow_param_off_by_default(ll_ctx *ctx, TSNode fn, const char *name);
/* Whether the name is assigned anywhere in fn's own body (nested defs excluded): a
 * parameter that is rebound no longer says what the caller passed. */
int ll_flow_rebinds(ll_ctx *ctx, TSNode fn, const char *name);

/* Whether fn is annotated to never return (`-> NoReturn`, `-> Never`). */
int ll_flow_noreturn_annotation(ll_ctx *ctx, TSNode fn);
/* Whether executing block always ends in a `raise`: a `raise` statement, or an if/elif/else
 * whose every branch does, met before any statement that may return. */
int ll_flow_always_raises(TSNode block);
/* Whether fn re-raises its parameter (returned in *param, self counted) whenever that parameter
 * is a cancellation: a top-level `if` whose condition provably holds for a CancelledError
 * (`not isinstance(exc, Exception)`, `isinstance(exc, (CancelledError, ...))`) raises it (or
 * bare `raise`), with no `return` before it. */
int ll_flow_reraises_cancelled(ll_ctx *ctx, TSNode fn, int *param);

/* The condition a node runs under inside its function. */
typedef enum ll_guard_kind {
  LL_GUARD_NONE = 0,
  LL_GUARD_MEMO, /* `global _X` ... `if _X is None: _X = ...` with `_X = None` at module level:
                    runs once per process; or a per-key memo of a module-level dict (`try:
                    return D[k] except KeyError: ... D[k] = v`, `if k not in D: ... D[k] = v`) */
  LL_GUARD_FLAG, /* `if flag:` (or `if flag and ...:`) where flag is a parameter defaulting to
                    False/None and never rebound: runs only when the caller passes it */
} ll_guard_kind;

typedef struct ll_guard {
  ll_guard_kind kind;
  int pos;          /* LL_GUARD_FLAG: the parameter's index (self counted) */
  const char *name; /* LL_GUARD_FLAG: the parameter's name (arena) */
} ll_guard;

/* The guard of node within the innermost function fn (the outermost guard that applies). */
ll_guard ll_flow_guard(ll_ctx *ctx, TSNode fn, TSNode node);

#endif
