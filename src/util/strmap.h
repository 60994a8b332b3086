/* strmap.h: an open-addressing hash map from NUL-terminated strings to pointers.
 * Keys are not copied: the owner keeps them alive (usually in an arena). */
#ifndef LL_STRMAP_H
#define LL_STRMAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct ll_strmap_slot {
  const char *key;
  void *value;
  uint64_t hash;
} ll_strmap_slot;

typedef struct ll_strmap {
  ll_strmap_slot *slots;
  size_t len, cap; /* cap is 0 or a power of two */
} ll_strmap;

void ll_strmap_init(ll_strmap *m);
void ll_strmap_free(ll_strmap *m);
uint64_t ll_hash_bytes(const void *data, size_t n);
void *ll_strmap_get(const ll_strmap *m, const char *key);
void *ll_strmap_getn(const ll_strmap *m, const char *key, size_t n);
/* Inserts or replaces; returns the previous value or NULL. */
void *ll_strmap_put(ll_strmap *m, const char *key, void *value);
/* Removes key (its first n bytes); returns its value or NULL. The slots after it move back
 * (linear probing without tombstones), so look-ups stay as fast as before. */
void *ll_strmap_deln(ll_strmap *m, const char *key, size_t n);
void *ll_strmap_del(ll_strmap *m, const char *key);

#endif
