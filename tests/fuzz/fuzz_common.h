/* fuzz_common.h: what every libFuzzer harness shares. The harnesses are tests, not part of
 * the product's layers: they call the real library (ll_core) as the unit tests do, with the
 * real rules data (rules/ of the source tree) loaded once per process, and a private scratch
 * folder for the harnesses that need files on disk (removed at exit). */
#ifndef LL_FUZZ_COMMON_H
#define LL_FUZZ_COMMON_H
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "knowledge/ruledb.h"
#include "rules/engine.h"

/* A property the product promises failed: report it as libFuzzer reports a crash. */
#define FZ_ASSERT(cond, ...)                                         \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "fuzz: property failed: %s: ", #cond);         \
      fprintf(stderr, __VA_ARGS__);                                  \
      fputc('\n', stderr);                                           \
      abort();                                                       \
    }                                                                \
  } while (0)

/* Inputs larger than this are skipped: size is not what the harnesses explore (the hostile
 * inputs of tests/cli cover it) and big inputs slow every execution. */
#define FZ_MAX_INPUT (48 * 1024)

static ll_ruledb fz_db_storage;
static ll_linter fz_linter_storage;
static int fz_loaded;

/* The standard rules data and a linter over it, built once (both immutable afterwards). */
static inline const ll_linter *fz_linter(void) {
  if (!fz_loaded) {
    char err[512];
    ll_ruledb_init(&fz_db_storage);
    const char *dir = getenv("LOOPLINT_FUZZ_RULES");
    if (!dir) dir = LOOPLINT_SOURCE_DIR "/rules";
    if (ll_ruledb_load_dir(&fz_db_storage, dir, err, sizeof err) != 0) {
      fprintf(stderr, "fuzz: cannot load the rules data: %s\n", err);
      abort();
    }
    ll_settings s = {.ha_mode = -1};
    ll_linter_init(&fz_linter_storage, &fz_db_storage, &s);
    fz_loaded = 1;
  }
  return &fz_linter_storage;
}

static char fz_dir[256];

static inline int fz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st; (void)flag; (void)ftw;
  return remove(p);
}
static inline void fz_cleanup(void) {
  if (fz_dir[0]) nftw(fz_dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The process's scratch folder (created on first use). */
static inline const char *fz_tmpdir(void) {
  if (!fz_dir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(fz_dir, sizeof fz_dir, "%s/looplint-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(fz_dir)) { perror("fuzz: mkdtemp"); abort(); }
    atexit(fz_cleanup);
  }
  return fz_dir;
}

static inline void fz_write(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); abort(); }
  if (n && fwrite(data, 1, n, f) != n) { perror(path); abort(); }
  fclose(f);
}

/* Where the reports go: they are exercised, not read. */
static inline FILE *fz_null(void) {
  static FILE *null;
  if (!null) null = fopen("/dev/null", "w");
  if (!null) abort();
  return null;
}

/* Splits data at the separator line "\n#---\n" into at most max parts; returns their count. */
static inline size_t fz_split(const uint8_t *data, size_t size, const uint8_t **parts, size_t *lens, size_t max) {
  static const char SEP[] = "\n#---\n";
  size_t k = 0, start = 0;
  for (size_t i = 0; k + 1 < max && i + sizeof SEP - 1 <= size; i++)
    if (memcmp(data + i, SEP, sizeof SEP - 1) == 0) {
      parts[k] = data + start;
      lens[k++] = i - start;
      start = i + sizeof SEP - 1;
      i = start - 1;
    }
  parts[k] = data + start;
  lens[k++] = size - start;
  return k;
}
#endif
