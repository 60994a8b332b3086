/* apply.h: --fix / --diff / --add-noqa over a findings list. Fixes are taken one at a time
 * per file: each must keep the file parsing (no new syntax errors) and, for rules decided
 * within the file, make its finding go away when the file is linted again; otherwise it
 * is skipped with a message on stderr. Files are written atomically. */
#ifndef LL_APPLY_H
#define LL_APPLY_H
#include "../rules/engine.h"

typedef struct ll_apply_opts {
  int unsafe;   /* --unsafe-fixes */
  int diff;     /* --diff: print, write nothing */
} ll_apply_opts;

/* Applies the fixes in fs; fixed findings are removed from fs. Returns the number fixed, or
 * -1 when a file could not be written. */
int ll_apply_fixes(const ll_linter *l, ll_findings *fs, const ll_apply_opts *opts);
/* Adds `# noqa: CODE` comments for every finding in fs (except LOOP9xx). Returns the number
 * of comments added, or -1 on a write error. */
int ll_apply_add_noqa(const ll_linter *l, const ll_findings *fs, int diff);

#endif
