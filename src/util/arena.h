/* arena.h: a bump allocator. One arena per file analysis; freed in one call when the
 * file's facts have been extracted, so no per-node free is ever needed. */
#ifndef LL_ARENA_H
#define LL_ARENA_H
#include <stddef.h>

typedef struct ll_arena_block ll_arena_block;
typedef struct ll_arena {
  ll_arena_block *head;
} ll_arena;

void ll_arena_init(ll_arena *a);
void ll_arena_free(ll_arena *a);
void *ll_arena_alloc(ll_arena *a, size_t n);       /* zeroed, 8-byte aligned */
char *ll_arena_strndup(ll_arena *a, const char *s, size_t n);
char *ll_arena_strdup(ll_arena *a, const char *s);
/* Joins a and b with a dot ("a.b"); either may be empty. */
char *ll_arena_join(ll_arena *a, const char *x, const char *y);
/* Adds the bytes the arena holds and the bytes in use to *reserved and *used. */
void ll_arena_stats(const ll_arena *a, size_t *reserved, size_t *used);

#endif
