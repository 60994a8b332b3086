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

void ll_except_read(ll_ctx *ctx, TSNode clause, ll_except_info *out);
/* Whether the clause catches one of the qualified names (NULL-terminated list). */
int ll_except_catches(ll_ctx *ctx, const ll_except_info *info, const char *const *quals);

#endif
