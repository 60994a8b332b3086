/* except.h: reading an `except` clause: the exception types it catches and the name it binds.
 * Handles `except:`, `except A`, `except (A, B) as e`, `except* A`, and Python 3.14's
 * `except A, B:` (PEP 758), which tree-sitter-python 0.23 parses with an ERROR node. */
#ifndef LL_EXCEPT_H
#define LL_EXCEPT_H
#include "context.h"

#define LL_EXCEPT_MAX 16
typedef struct ll_except_info {
  int bare;                     /* `except:` */
  size_t ntypes;
  TSNode types[LL_EXCEPT_MAX];  /* the type expressions */
  const char *bound;            /* the `as` name, or NULL */
  TSNode body;                  /* the handler block */
} ll_except_info;

/* asyncio's CancelledError by its qualified names (NULL-terminated; concurrent.futures'
 * CancelledError is a different class, an Exception, since Python 3.8), and BaseException. */
extern const char *const ll_cancelled_error_names[];
extern const char *const ll_base_exception_names[];

void ll_except_read(ll_ctx *ctx, TSNode clause, ll_except_info *out);
/* Whether the clause catches one of the qualified names (NULL-terminated list). */
int ll_except_catches(ll_ctx *ctx, const ll_except_info *info, const char *const *quals);

/* The exceptions the handlers of the `try` statements around node catch, where node is in a
 * try body, within node's own function: their qualified names, each followed by '\n' (an
 * arena string), or NULL when there are none. A socket call guarded by `except
 * BlockingIOError` is one on a non-blocking socket. */
const char *ll_except_guarding(ll_ctx *ctx, TSNode node);
/* Whether a list made by ll_except_guarding holds one of the names (NULL-terminated). */
int ll_except_guarding_has(const char *guarding, const char *const *names);

#endif
