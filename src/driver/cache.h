/* cache.h: the result cache (.looplint_cache/). Each file's entry holds what phase 1 made of
 * it (its findings and its facts for the project model) under a key that hashes everything
 * the result depends on: the path and module name, the content, looplint's version, the
 * rules data and the file's Home Assistant mode. A warm run reads and hashes the files,
 * takes unchanged results from the cache and runs only the project pass. All entries live
 * in one pack file, read once at start and replaced atomically at the end. */
#ifndef LL_CACHE_H
#define LL_CACHE_H
#include <stdint.h>
#include "../util/strbuf.h"
#include "../util/strmap.h"
#include "../model/facts.h"

/* What stat says of a file: when it is unchanged, the content is not read again (as git's
 * index does); any difference falls back to hashing the content. */
typedef struct ll_cache_stat {
  uint64_t size, mtime_ns, ctime_ns, ino;
} ll_cache_stat;

typedef struct ll_cache_entry {
  uint64_t key;     /* everything but the content */
  uint64_t content; /* hash of the bytes */
  ll_cache_stat st;
  const unsigned char *blob; /* serialized state, findings and facts */
  size_t len;
} ll_cache_entry;

typedef struct ll_cache {
  char *path;           /* the pack file */
  unsigned char *data;  /* its bytes (owned) */
  size_t len;
  ll_strmap by_path;    /* source path -> ll_cache_entry* */
  LL_VEC(ll_cache_entry) entries;
  LL_VEC(char *) paths; /* keys of by_path (owned) */
} ll_cache;

/* Opens (reads) the cache in dir; a missing or unreadable pack is an empty cache. */
void ll_cache_open(ll_cache *c, const char *dir);
void ll_cache_free(ll_cache *c);
/* The entry for path when its key matches (NULL otherwise); the caller then compares the stat
 * signature or the content hash. */
const ll_cache_entry *ll_cache_lookup(const ll_cache *c, const char *path, uint64_t key);
int ll_cache_stat_of(const char *path, ll_cache_stat *st);
int ll_cache_stat_equal(const ll_cache_stat *a, const ll_cache_stat *b);
uint64_t ll_cache_content_hash(const char *text, size_t len);

/* The key of one file's result, without its content: path, module, rules data, HA mode,
 * version and the binary's identity. */
uint64_t ll_cache_key(uint64_t rules_fingerprint, const char *path, const char *module, int ha_mode);

/* Serializes one file's phase-1 result (state: 1 parsed, 2 cold) into out. */
void ll_cache_encode(ll_strbuf *out, int state, const ll_findings *findings, const ll_file_facts *facts);
/* Restores it; returns the state, or -1 when the blob is damaged. */
int ll_cache_decode(const unsigned char *blob, size_t len, ll_findings *findings, ll_file_facts *facts);
/* A list of findings across files (the project pass's), each with its file; decode returns
 * 0, or -1 when the blob is damaged (what was read stays in findings). */
void ll_cache_encode_findings(ll_strbuf *out, const ll_findings *findings);
int ll_cache_decode_findings(const unsigned char *blob, size_t len, ll_findings *findings);

/* Writes a new pack: entries given plus the old ones for other paths. An entry's blob is
 * either given (blob, len: reused from the old pack) or produced, when it is written, by
 * encode(arg, index, out) so encoded results never pile up in memory. */
typedef struct ll_cache_new {
  const char *path;
  uint64_t key, content;
  ll_cache_stat st;
  const char *blob;
  size_t len;
  size_t index; /* passed to encode when blob is NULL */
} ll_cache_new;
typedef void (*ll_cache_encode_fn)(void *arg, size_t index, ll_strbuf *out);
int ll_cache_write(const ll_cache *old, const ll_cache_new *items, size_t n, ll_cache_encode_fn encode, void *arg,
                   char *err, size_t errlen);

#endif
