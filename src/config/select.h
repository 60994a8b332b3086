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
/* Whether a selector ("LOOP1", "LOOP101", "ALL") matches at least one registry code. */
int ll_selector_valid(const char *sel);

#endif
