/* strmap.c: linear-probing hash map, FNV-1a hashes, grows at 50 % load. */
#include "strmap.h"
#include "vec.h"

#include <string.h>

void ll_strmap_init(ll_strmap *m) { m->slots = NULL; m->len = m->cap = 0; }
void ll_strmap_free(ll_strmap *m) { free(m->slots); ll_strmap_init(m); }

/* Eight bytes a step, multiply-xorshift mixing; the tail byte by byte. Fast enough to hash
 * every source file on a warm run (it was 8 % of it byte by byte). */
uint64_t ll_hash_bytes(const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t h = 1469598103934665603ULL ^ (n * 0x9E3779B97F4A7C15ULL);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h ^= w * 0xC2B2AE3D27D4EB4FULL;
    h = (h << 31 | h >> 33) * 0x9E3779B97F4A7C15ULL;
  }
  for (; i < n; i++) { h ^= p[i]; h *= 1099511628211ULL; }
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 32;
  return h;
}

void *ll_strmap_getn(const ll_strmap *m, const char *key, size_t n) {
  if (!m->cap) return NULL;
  uint64_t h = ll_hash_bytes(key, n);
  for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    const ll_strmap_slot *s = &m->slots[i];
    if (!s->key) return NULL;
    if (s->hash == h && strncmp(s->key, key, n) == 0 && s->key[n] == 0) return s->value;
  }
}

void *ll_strmap_get(const ll_strmap *m, const char *key) { return ll_strmap_getn(m, key, strlen(key)); }

static void insert_slot(ll_strmap_slot *slots, size_t cap, ll_strmap_slot s) {
  for (size_t i = s.hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
    if (!slots[i].key) { slots[i] = s; return; }
  }
}

void *ll_strmap_put(ll_strmap *m, const char *key, void *value) {
  if ((m->len + 1) * 2 > m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 16;
    ll_strmap_slot *ns = ll_xcalloc(nc, sizeof(*ns));
    for (size_t i = 0; i < m->cap; i++)
      if (m->slots[i].key) insert_slot(ns, nc, m->slots[i]);
    free(m->slots);
    m->slots = ns;
    m->cap = nc;
  }
  size_t n = strlen(key);
  uint64_t h = ll_hash_bytes(key, n);
  for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    ll_strmap_slot *s = &m->slots[i];
    if (!s->key) { s->key = key; s->value = value; s->hash = h; m->len++; return NULL; }
    if (s->hash == h && strcmp(s->key, key) == 0) { void *old = s->value; s->value = value; return old; }
  }
}

void *ll_strmap_deln(ll_strmap *m, const char *key, size_t n) {
  if (!m->cap) return NULL;
  uint64_t h = ll_hash_bytes(key, n);
  size_t mask = m->cap - 1, i = h & mask;
  for (;; i = (i + 1) & mask) {
    const ll_strmap_slot *s = &m->slots[i];
    if (!s->key) return NULL;
    if (s->hash == h && strncmp(s->key, key, n) == 0 && s->key[n] == 0) break;
  }
  void *old = m->slots[i].value;
  /* backward shift: a later slot of the run moves into the hole unless its home lies
   * cyclically in (hole, slot] */
  for (size_t j = i;;) {
    j = (j + 1) & mask;
    if (!m->slots[j].key) break;
    size_t home = m->slots[j].hash & mask;
    int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    m->slots[i] = m->slots[j];
    i = j;
  }
  m->slots[i].key = NULL;
  m->slots[i].value = NULL;
  m->slots[i].hash = 0;
  m->len--;
  return old;
}

void *ll_strmap_del(ll_strmap *m, const char *key) { return ll_strmap_deln(m, key, strlen(key)); }
