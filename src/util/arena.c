/* arena.c: bump allocator with a singly linked list of blocks. */
#include "arena.h"
#include "vec.h"

#include <string.h>

struct ll_arena_block {
  ll_arena_block *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
};

void ll_arena_init(ll_arena *a) { a->head = NULL; }

void ll_arena_free(ll_arena *a) {
  ll_arena_block *b = a->head;
  while (b) {
    ll_arena_block *n = b->next;
    free(b);
    b = n;
  }
  a->head = NULL;
}

void *ll_arena_alloc(ll_arena *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  ll_arena_block *b = a->head;
  if (!b || b->size - b->used < n) {
    /* blocks grow from 1 KiB to 64 KiB: most per-file arenas hold a few KiB of facts */
    size_t size = b ? b->size * 2 : 1024;
    if (size > 65536) size = 65536;
    if (size < n) size = n;
    ll_arena_block *nb = ll_xmalloc(sizeof(*nb) + size);
    nb->used = 0;
    nb->size = size;
    nb->next = a->head;
    a->head = nb;
    b = nb;
  }
  void *p = b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *ll_arena_strndup(ll_arena *a, const char *s, size_t n) {
  char *d = ll_arena_alloc(a, n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *ll_arena_strdup(ll_arena *a, const char *s) { return ll_arena_strndup(a, s, strlen(s)); }

char *ll_arena_join(ll_arena *a, const char *x, const char *y) {
  size_t nx = strlen(x), ny = strlen(y);
  if (!nx) return ll_arena_strndup(a, y, ny);
  if (!ny) return ll_arena_strndup(a, x, nx);
  char *d = ll_arena_alloc(a, nx + ny + 2);
  memcpy(d, x, nx);
  d[nx] = '.';
  memcpy(d + nx + 1, y, ny);
  return d;
}

void ll_arena_stats(const ll_arena *a, size_t *reserved, size_t *used) {
  for (const ll_arena_block *b = a->head; b; b = b->next) {
    *reserved += b->size;
    *used += b->used;
  }
}
