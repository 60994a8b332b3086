/* fields.c: see fields.h. */
#include "fields.h"
#include "../util/strmap.h"

#include <pthread.h>
#include <stdint.h>

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
