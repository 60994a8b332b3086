/* u32map.h: an open-addressing map from non-zero 32-bit keys (hashes) to 32-bit values, for
 * the lazy scans' name sets. Key 0 marks an empty slot; ll_u32_hash never returns it. */
#ifndef LL_U32MAP_H
#define LL_U32MAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct ll_u32map {
  uint32_t *keys, *vals;
  size_t cap, len;
} ll_u32map;

/* FNV-1a over the bytes, never 0. A scan that reads a name byte by byte can hash it on
 * the way: h = LL_U32_HASH_SEED, h = ll_u32_hash_step(h, c) per byte, then
 * ll_u32_hash_end(h). */
#define LL_U32_HASH_SEED 2166136261u
static inline uint32_t ll_u32_hash_step(uint32_t h, unsigned char c) { return (h ^ c) * 16777619u; }
static inline uint32_t ll_u32_hash_end(uint32_t h) { return h ? h : 1; }
uint32_t ll_u32_hash(const char *s, size_t n);
void ll_u32map_init(ll_u32map *m);
void ll_u32map_free(ll_u32map *m);
/* Returns the value slot for key, inserting it with value 0 when absent. */
uint32_t *ll_u32map_slot(ll_u32map *m, uint32_t key);
/* Returns the value slot for key, or NULL. */
uint32_t *ll_u32map_find(const ll_u32map *m, uint32_t key);

#endif
