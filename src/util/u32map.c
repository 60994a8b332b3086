/* u32map.c: see u32map.h. */
#include "u32map.h"
#include "vec.h"

#include <string.h>

uint32_t ll_u32_hash(const char *s, size_t n) {
  uint32_t h = LL_U32_HASH_SEED;
  for (size_t i = 0; i < n; i++) h = ll_u32_hash_step(h, (unsigned char)s[i]);
  return ll_u32_hash_end(h);
}

void ll_u32map_init(ll_u32map *m) { memset(m, 0, sizeof *m); }

void ll_u32map_free(ll_u32map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static size_t start_of(uint32_t key, size_t cap) { return (size_t)(key * 2654435761u) & (cap - 1); }

uint32_t *ll_u32map_find(const ll_u32map *m, uint32_t key) {
  if (!m->cap) return NULL;
  for (size_t i = start_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
    if (m->keys[i] == key) return &m->vals[i];
    if (!m->keys[i]) return NULL;
  }
}

static void grow(ll_u32map *m) {
  ll_u32map old = *m;
  m->cap = old.cap ? old.cap * 2 : 64;
  m->keys = ll_xcalloc(m->cap, sizeof *m->keys);
  m->vals = ll_xcalloc(m->cap, sizeof *m->vals);
  m->len = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.keys[i]) *ll_u32map_slot(m, old.keys[i]) = old.vals[i];
  free(old.keys);
  free(old.vals);
}

uint32_t *ll_u32map_slot(ll_u32map *m, uint32_t key) {
  if ((m->len + 1) * 2 > m->cap) grow(m);
  size_t i = start_of(key, m->cap);
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
  if (!m->keys[i]) {
    m->keys[i] = key;
    m->vals[i] = 0;
    m->len++;
  }
  return &m->vals[i];
}
