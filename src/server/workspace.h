/* workspace.h: the project an editor has open, kept in memory between edits. The files under
 * the workspace root (and the open documents outside it) are linted once with every file's
 * phase-1 result kept (driver/batch.h); the unsaved text of open documents takes the place of
 * the files on disk. After an edit only the changed files are linted again and the project
 * pass re-runs, so a finding that crosses files follows either file. Configuration is read
 * like `looplint check` reads it; the editor's settings act as command-line options. */
#ifndef LL_WORKSPACE_H
#define LL_WORKSPACE_H
#include <stdatomic.h>
#include "../config/config.h"
#include "../driver/batch.h"
#include "../front/source.h"
#include "../knowledge/ruledb.h"
#include "../rules/engine.h"
#include "../util/strmap.h"

/* The settings a user gives the server (initializationOptions), as on the command line. */
typedef struct ll_ws_options {
  ll_strlist select, extend_select, ignore; /* selector lists as given */
  int has_select;
  int ha_mode;        /* -1 by path and imports, 0 off, 1 on */
  int include_tests;  /* the test profile: -1 as lint-tests says, 1 everything in test code too
                       * (--include-tests), 0 the default profile there */
  char *cache_dir;    /* NULL: <root>/.looplint_cache */
  int no_cache;
  int threads;        /* 0: one per core */
} ll_ws_options;

void ll_ws_options_init(ll_ws_options *o);
void ll_ws_options_free(ll_ws_options *o);

typedef struct ll_workspace {
  char *root; /* absolute, or NULL: only the open documents (and their packages) */
  ll_ws_options opts;
  ll_selection cli;
  ll_ruledb db;
  ll_linter linter;
  ll_settings settings;
  ll_config_finder finder;
  char *config_error; /* the last configuration that could not be read, or NULL */
  size_t nextra_db;
  ll_ruledb **extra_dbs;
  ll_linter **extra_linters;
  /* the files of the last build: walked, then open documents outside the walk; context */
  ll_pathlist files, context;
  signed char *ha_modes;
  const ll_linter **linters;
  const ll_source **overlays; /* per file and context file */
  ll_batch_state state;
  int built;
  ll_strmap index;    /* path (files and context items) -> index + 1 */
  ll_strmap wanted;   /* path -> ws_doc*: documents opened (their buffers while open) */
  unsigned char *dirty; /* per file and context file: lint again */
  int need_rebuild;
  double last_build_ms, last_update_ms;
  size_t last_relinted;
} ll_workspace;

/* Loads the rules data; -1 and err when it cannot be read. root may be NULL. opts is moved in. */
int ll_ws_init(ll_workspace *ws, const char *root, ll_ws_options *opts, char *err, size_t errlen);
void ll_ws_free(ll_workspace *ws);

/* The canonical form of a path (absolute, the folders' symlinks resolved; the file itself
 * need not exist). malloc'd. */
char *ll_ws_canonical(const char *path);

/* An open document's text; edited: the text is the previous one changed by the edits given
 * to ll_ws_edit since (its tree is re-parsed incrementally), else a new text. path canonical. */
void ll_ws_set_overlay(ll_workspace *ws, const char *path, const char *text, size_t len, int edited);
/* Records that bytes [start, end) of the document's current text old_text become repl (before
 * the text itself is changed), so its kept tree follows the text. */
void ll_ws_edit(ll_workspace *ws, const char *path, const char *old_text, size_t old_len, size_t start, size_t end,
                const char *repl, size_t repl_len);
/* The document closed: the file on disk counts again. */
void ll_ws_clear_overlay(ll_workspace *ws, const char *path);
/* The overlay of path, or NULL. */
const ll_source *ll_ws_overlay(const ll_workspace *ws, const char *path);
/* A file on disk changed (1), was created (2) or deleted (3). */
void ll_ws_file_changed(ll_workspace *ws, const char *path, int kind);
/* Everything again: configuration, files, results (the settings changed). */
void ll_ws_invalidate(ll_workspace *ws);
/* Whether a lint would do work. */
int ll_ws_stale(const ll_workspace *ws);

/* Brings the results up to date and puts into out the findings (selected, suppressed, sorted)
 * of the files in report (canonical paths; NULL: every file of the workspace). Returns 1 when
 * cancel became nonzero on the way (out is empty; the work done is kept), else 0. */
int ll_ws_lint(ll_workspace *ws, const char *const *report, size_t nreport, const atomic_int *cancel,
               ll_findings *out);
/* Whether path is excluded by its configuration. */
int ll_ws_excluded(ll_workspace *ws, const char *path);

#endif
