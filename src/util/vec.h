/* vec.h: a tiny growable array used everywhere instead of ad-hoc reallocs.
 *
 *   LL_VEC(int) v = {0};  ll_vec_push(&v, 3);  ... ll_vec_free(&v);
 *
 * Growth failure aborts through ll_oom(): running out of memory is the one error
 * looplint does not try to recover from. */
#ifndef LL_VEC_H
#define LL_VEC_H
#include <stddef.h>
#include <stdlib.h>

void ll_oom(void);
void *ll_xrealloc(void *p, size_t n);
void *ll_xmalloc(size_t n);
void *ll_xcalloc(size_t n, size_t size);
char *ll_xstrdup(const char *s);
char *ll_xstrndup(const char *s, size_t n);

#define LL_VEC(T) struct { T *items; size_t len, cap; }

#define ll_vec_reserve(v, n)                                                     \
  do {                                                                           \
    if ((v)->cap < (n)) {                                                        \
      size_t ll__c = (v)->cap ? (v)->cap : 8;                                    \
      while (ll__c < (n)) ll__c *= 2;                                            \
      (v)->items = ll_xrealloc((v)->items, ll__c * sizeof(*(v)->items));        \
      (v)->cap = ll__c;                                                          \
    }                                                                            \
  } while (0)

#define ll_vec_push(v, x)                                                        \
  do {                                                                           \
    ll_vec_reserve((v), (v)->len + 1);                                           \
    (v)->items[(v)->len++] = (x);                                                \
  } while (0)

#define ll_vec_free(v) do { free((v)->items); (v)->items = NULL; (v)->len = (v)->cap = 0; } while (0)
#define ll_vec_last(v) ((v)->items[(v)->len - 1])

#endif
