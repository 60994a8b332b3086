/* config.h: looplint's settings from `[tool.looplint]` in pyproject.toml or from
 * looplint.toml, found like ruff finds its configuration: the nearest file upward from each
 * linted file (looplint.toml wins over pyproject.toml in the same folder). Keys: select,
 * ignore, extend-select, exclude, extend-exclude, per-file-ignores, homeassistant,
 * extra-blocking, extra-coroutines, target-version, test-paths, lint-tests. */
#ifndef LL_CONFIG_H
#define LL_CONFIG_H
#include "../knowledge/ruledb.h"
#include "select.h"
#include "../util/strmap.h"
#include "../util/vec.h"
#include <stdint.h>

typedef LL_VEC(char *) ll_strlist;

typedef struct ll_per_file_ignore {
  char *pattern;
  ll_strlist codes;
} ll_per_file_ignore;

typedef struct ll_extra_blocking {
  char *name, *category, *message, *fix;
} ll_extra_blocking;

/* lint-tests: what is reported in test code */
enum {
  LL_LINT_TESTS_UNSET = -1,
  LL_LINT_TESTS_DEFAULT = 0, /* the findings that mean the test is broken (not LOOP1xx, LOOP4xx) */
  LL_LINT_TESTS_ALL = 1,     /* everything, as in any other file */
};

typedef struct ll_config {
  char *path; /* the file; NULL for the built-in defaults */
  char *dir;  /* patterns are relative to it */
  ll_selection selection;
  int has_select;
  ll_strlist exclude; /* exclude and extend-exclude together */
  LL_VEC(ll_per_file_ignore) per_file_ignores;
  int homeassistant; /* -1 not set */
  LL_VEC(ll_extra_blocking) extra_blocking;
  uint32_t extra_blocking_row;
  ll_strlist extra_coroutines;
  char *target_version;
  ll_strlist test_paths; /* patterns naming test code */
  int has_test_paths;    /* test-paths given (else the defaults) */
  int lint_tests;        /* LL_LINT_TESTS_* */
} ll_config;

/* Loads one file. Returns 1 when it has looplint settings, 0 when it is a pyproject.toml
 * without [tool.looplint], -1 on error ("path:line: reason" in err). */
int ll_config_load(ll_config *cfg, const char *path, char *err, size_t errlen);
void ll_config_free(ll_config *cfg);

/* Finds configurations, caching by folder. */
typedef struct ll_config_finder {
  ll_strmap by_dir; /* absolute folder -> ll_config* (or the empty default) */
  ll_strmap by_written_dir; /* folder as written in a path -> ll_config* (saves a realpath per file) */
  LL_VEC(ll_config *) owned;
  ll_config defaults;
} ll_config_finder;

void ll_config_finder_init(ll_config_finder *f);
void ll_config_finder_free(ll_config_finder *f);
/* The configuration that applies to path (never NULL); -1 and err when one is invalid. */
int ll_config_for(ll_config_finder *f, const char *path, const ll_config **out, char *err, size_t errlen);

/* Whether path (as linted) matches one of the config's exclude patterns. */
int ll_config_excludes(const ll_config *cfg, const char *path);
/* Whether code is ignored for path by per-file-ignores. */
int ll_config_ignores_for_file(const ll_config *cfg, const char *path, const char *code);
/* Whether path is test code for cfg: its test-paths match it, or by default `tests`,
 * `test_*.py`, `*_test.py`, `conftest.py` (patterns as for exclude). */
int ll_config_is_test_path(const ll_config *cfg, const char *path);
/* Whether the default test profile holds code back in test code: blocking calls (LOOP1xx,
 * LOOP110/111 included) and cancellation handling (LOOP4xx). A coroutine never awaited, a
 * dropped task or a nested loop means the test itself is broken, and stays reported. */
int ll_config_test_profile_holds(const char *code);
/* Adds extra-blocking and extra-coroutines to db. */
int ll_config_extend_db(const ll_config *cfg, ll_ruledb *db, char *err, size_t errlen);
/* Path relative to the config's folder (malloc'd), for pattern matching. */
char *ll_config_relpath(const ll_config *cfg, const char *path);
/* fnmatch-style glob that also matches any trailing part of the path ("tests/x" matches
 * "proj/tests/x.py" relative names) and folder prefixes. */
int ll_glob_match_path(const char *pattern, const char *relpath);

#endif
