/* finding.h: one diagnostic, and the list every front end (Python, C, runtime) fills.
 * Positions are 1-based; columns count Unicode characters, like ruff's JSON. */
#ifndef LL_FINDING_H
#define LL_FINDING_H
#include <stdint.h>
#include "../util/vec.h"

typedef struct ll_pos {
  uint32_t row, col;
} ll_pos;

/* A text edit: replace [start, end) with content. */
typedef struct ll_edit {
  char *content;
  ll_pos start, end;
} ll_edit;

typedef struct ll_fix {
  const char *applicability; /* "safe" or "unsafe" (static strings) */
  char *message;             /* may be NULL */
  LL_VEC(ll_edit) edits;
} ll_fix;

/* A place a finding points to besides its own: a hop of a LOOP110/LOOP111 call chain. */
typedef struct ll_related {
  char *filename; /* owned */
  ll_pos start, end;
  char *message;  /* owned */
} ll_related;

typedef struct ll_finding {
  const char *code; /* static string owned by the rule registry, e.g. "LOOP101" */
  char *message;    /* owned */
  char *filename;   /* owned */
  ll_pos start, end;
  uint32_t noqa_row;
  uint32_t stmt_first, stmt_last; /* rows of the enclosing simple statement (0: unknown) */
  ll_fix *fix;   /* owned, NULL when the rule offers none */
  int confirmed; /* -1 unknown, 0 not seen at run time, 1 seen (check --verify) */
  ll_related *related; /* owned, nrelated of them (editors show them beside the finding) */
  uint32_t nrelated;
  /* findings with one root (LOOP110/111: the same helper, so the same blocking step) share
   * a key; the report shows one per root with the other call sites as related locations */
  char *group;       /* owned, NULL: its own root */
  uint32_t grouped;  /* the other call sites merged into this one (ll_findings_group) */
} ll_finding;

typedef struct ll_findings {
  LL_VEC(ll_finding) v;
} ll_findings;

void ll_findings_init(ll_findings *fs);
void ll_findings_free(ll_findings *fs);
/* Adds a finding; message is printf-formatted and copied. Returns it for further fields. */
ll_finding *ll_findings_add(ll_findings *fs, const char *code, const char *filename, ll_pos start,
                            ll_pos end, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Frees what one finding owns (for code that drops findings from a list in place). */
void ll_finding_free(ll_finding *f);
/* A deep copy of src into dst. */
void ll_finding_copy(ll_finding *dst, const ll_finding *src);
/* Appends a related location to f; message is printf-formatted and copied. */
void ll_finding_add_related(ll_finding *f, const char *filename, ll_pos start, ll_pos end, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Merges the findings of fs (sorted) that share a group key into the first of them: the
 * others become its related locations ("also called here") and a compact list at the end of
 * its message. Returns how many roots had more than one call site. */
size_t ll_findings_group(ll_findings *fs);
/* Moves every finding of src to the end of dst; src is left empty. */
void ll_findings_move(ll_findings *dst, ll_findings *src);
/* Sorts by filename, row, column, code: the order every output format uses. */
void ll_findings_sort(ll_findings *fs);
/* Number of distinct filenames (call after sorting). */
size_t ll_findings_file_count(const ll_findings *fs);

ll_fix *ll_fix_new(const char *applicability, const char *message);
void ll_fix_add_edit(ll_fix *fix, ll_pos start, ll_pos end, const char *content);
void ll_fix_free(ll_fix *fix);

#endif
