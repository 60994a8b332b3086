/* select.c: rule selection by code prefix. */
#include "select.h"
#include "../diag/registry.h"

#include <stdio.h>
#include <string.h>

void ll_selection_init(ll_selection *s) { memset(s, 0, sizeof *s); }

static void free_list(void *vec) {
  LL_VEC(char *) *v = vec;
  for (size_t i = 0; i < v->len; i++) free(v->items[i]);
  ll_vec_free(v);
}

void ll_selection_free(ll_selection *s) {
  free_list(&s->select);
  free_list(&s->ignore);
}

int ll_selector_valid(const char *sel) {
  if (strcmp(sel, "ALL") == 0) return 1;
  size_t n = strlen(sel);
  for (const ll_rule_info *r = ll_registry_all(); r->code; r++)
    if (strncmp(r->code, sel, n) == 0) return 1;
  return 0;
}

int ll_selection_add(ll_selection *s, int which, const char *list, int replace, char *err, size_t errlen) {
  if (replace && which == 0) free_list(&s->select);
  if (which == 0) s->select_given = 1;
  const char *p = list;
  while (*p) {
    while (*p == ',' || *p == ' ' || *p == '\t') p++;
    if (!*p) break;
    size_t n = strcspn(p, ", \t");
    char *sel = ll_xstrndup(p, n);
    for (char *c = sel; *c; c++)
      if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    if (!ll_selector_valid(sel)) {
      snprintf(err, errlen, "unknown rule selector `%s`", sel);
      free(sel);
      return -1;
    }
    if (which == 0) ll_vec_push(&s->select, sel);
    else ll_vec_push(&s->ignore, sel);
    p += n;
  }
  return 0;
}

static size_t best_match(char *const *items, size_t len, const char *code) {
  size_t best = 0;
  for (size_t i = 0; i < len; i++) {
    const char *sel = items[i];
    size_t n = strcmp(sel, "ALL") == 0 ? 0 : strlen(sel);
    if (strncmp(code, sel, n) == 0 && n + 1 > best) best = n + 1;
  }
  return best;
}

int ll_selection_enabled(const ll_selection *s, const char *code) {
  size_t sel = s->select.len || s->select_given ? best_match(s->select.items, s->select.len, code)
                                               : (strncmp(code, "LOOP", 4) == 0 ? 5 : 0);
  size_t ign = best_match(s->ignore.items, s->ignore.len, code);
  return sel > 0 && sel > ign;
}

int ll_selection_enabled_over(const ll_selection *config, const ll_selection *cli, int cli_has_select, const char *code) {
  size_t sel = best_match(cli->select.items, cli->select.len, code);
  size_t ign = best_match(cli->ignore.items, cli->ignore.len, code);
  if (sel || ign) return sel > ign;
  if (cli_has_select) return 0;
  return ll_selection_enabled(config, code);
}
