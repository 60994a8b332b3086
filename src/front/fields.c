/* fields.c: see fields.h. */
#include "fields.h"
#include "../util/strmap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static ll_strmap ids; /* field name -> id; names are the language's own strings */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void) {
  const TSLanguage *lang = tree_sitter_python();
  ll_strmap_init(&ids);
  uint32_t n = ts_language_field_count(lang);
  for (TSFieldId f = 1; f <= n; f++) {
    const char *name = ts_language_field_name_for_id(lang, f);
    if (name) ll_strmap_put(&ids, name, (void *)(uintptr_t)f);
  }
}

TSFieldId ll_field_id(const char *name) {
  pthread_once(&once, build);
  return (TSFieldId)(uintptr_t)ll_strmap_get(&ids, name);
}

const TSLanguage *tree_sitter_toml(void);

int ll_grammars_fit(char *err, size_t errlen) {
  const TSLanguage *langs[2] = {tree_sitter_python(), tree_sitter_toml()};
  const char *names[2] = {"Python", "TOML"};
  TSParser *p = ts_parser_new();
  for (int i = 0; i < 2; i++)
    if (!ts_parser_set_language(p, langs[i])) {
#ifdef TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION
      snprintf(err, errlen, "the %s grammar does not fit this tree-sitter runtime (it loads grammar ABI %d to %d): "
               "rebuild with the pinned runtime (./dev setup)", names[i], TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
               TREE_SITTER_LANGUAGE_VERSION);
#else
      snprintf(err, errlen, "the %s grammar does not fit this tree-sitter runtime", names[i]);
#endif
      ts_parser_delete(p);
      return 0;
    }
  ts_parser_delete(p);
  return 1;
}
