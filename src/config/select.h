/* select.h: which codes are on, from --select/--extend-select/--ignore (and, later, the
 * configuration): ruff's semantics, the most specific selector wins, ignore wins a tie. */
#ifndef LL_SELECT_H
#define LL_SELECT_H
#include <stddef.h>
#include "../util/vec.h"

typedef struct ll_selection {
  LL_VEC(char *) select; /* empty means ["LOOP"] */
  LL_VEC(char *) ignore;
  int select_given; /* a select list was given, possibly empty: no default "LOOP" */
} ll_selection;

void ll_selection_init(ll_selection *s);
void ll_selection_free(ll_selection *s);
/* Adds comma- or space-separated selectors to select (which=0) or ignore (which=1); a
 * --select list replaces earlier selections (replace=1). Returns -1 and names the bad
 * selector in err when one matches no rule code. */
int ll_selection_add(ll_selection *s, int which, const char *list, int replace, char *err, size_t errlen);
int ll_selection_enabled(const ll_selection *s, const char *code);
/* Whether code is on for files under a configuration's selection with the command line's on
 * top (cli: --select and --extend-select in select, --ignore in ignore), as in ruff:
 * --select starts afresh, and the command line decides the codes it names (the more specific
 * selector wins within it); the configuration decides the rest. */
int ll_selection_enabled_over(const ll_selection *config, const ll_selection *cli, int cli_has_select, const char *code);
/* Whether a selector ("LOOP1", "LOOP101", "ALL") matches at least one registry code. */
int ll_selector_valid(const char *sel);

#endif
