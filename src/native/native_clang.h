/* native_clang.h: the only part of looplint that talks to libclang. Parses one C source and
 * adds its facts (functions, calls with their GIL state, exposure tables) to a model. */
#ifndef LL_NATIVE_CLANG_H
#define LL_NATIVE_CLANG_H
#include <stddef.h>

#include "../util/strbuf.h"
#include "native_model.h"
#include "native_rules.h"

typedef struct ll_native_clang ll_native_clang; /* a libclang index, reused for every file */

ll_native_clang *ll_native_clang_new(void);
void ll_native_clang_free(ll_native_clang *cx);

/* Parses file with the given compiler arguments and adds its facts to m.
 * Returns 0 when it parsed cleanly, 1 when it parsed with errors (its facts are still added;
 * the error diagnostics are appended to diag), -1 when libclang could not parse it at all. */
int ll_native_clang_parse(ll_native_clang *cx, const char *file, const char *const *args, size_t nargs,
                          const ll_native_rules *rules, ll_native_model *m, ll_strbuf *diag);

#endif
