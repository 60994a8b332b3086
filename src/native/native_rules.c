/* native_rules.c: loads rules/native_blocking.json into an ll_native_rules (see the header).
 * The file is data so that adding a blocking libc call never needs a C change. */
#include "native_rules.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/fs.h"
#include "../util/strbuf.h"

void ll_native_rules_init(ll_native_rules *r) {
  memset(r, 0, sizeof *r);
  ll_arena_init(&r->arena);
  ll_strmap_init(&r->blocking_by_name);
  ll_strmap_init(&r->gil_by_name);
}

void ll_native_rules_free(ll_native_rules *r) {
  ll_vec_free(&r->blocking);
  ll_vec_free(&r->gil);
  ll_vec_free(&r->slots);
  ll_strmap_free(&r->blocking_by_name);
  ll_strmap_free(&r->gil_by_name);
  ll_arena_free(&r->arena);
}

static int fail(char *err, size_t errlen, const char *section, int index, const char *why) {
  if (index >= 0) snprintf(err, errlen, "%s[%d]: %s", section, index, why);
  else snprintf(err, errlen, "%s: %s", section, why);
  return -1;
}

static const char *str_item(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_state(const char *s, ll_native_gil *out) {
  if (s && strcmp(s, "held") == 0) { *out = LL_NATIVE_GIL_HELD; return 0; }
  if (s && strcmp(s, "released") == 0) { *out = LL_NATIVE_GIL_RELEASED; return 0; }
  return -1;
}

static int load_blocking(ll_native_rules *r, const cJSON *list, char *err, size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, "native_blocking", -1, "must be a list");
  int i = 0;
  for (const cJSON *it = list->child; it; it = it->next, i++) {
    const char *name = str_item(it, "name"), *cat = str_item(it, "category");
    if (!name || !*name) return fail(err, errlen, "native_blocking", i, "missing \"name\"");
    if (!cat || !*cat) return fail(err, errlen, "native_blocking", i, "missing \"category\"");
    ll_native_blocking b = {.name = ll_arena_strdup(&r->arena, name),
                            .category = ll_arena_strdup(&r->arena, cat)};
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(it, "nonblocking_if");
    if (cond) {
      const cJSON *arg = cJSON_GetObjectItemCaseSensitive(cond, "arg");
      const cJSON *eq = cJSON_GetObjectItemCaseSensitive(cond, "equals");
      const cJSON *bits = cJSON_GetObjectItemCaseSensitive(cond, "has_bits");
      if (!cJSON_IsNumber(arg) || arg->valuedouble < 0 || (!cJSON_IsNumber(eq) == !cJSON_IsNumber(bits)))
        return fail(err, errlen, "native_blocking", i,
                    "\"nonblocking_if\" needs \"arg\" and one of \"equals\", \"has_bits\"");
      b.cond = cJSON_IsNumber(eq) ? LL_NATIVE_COND_EQUALS : LL_NATIVE_COND_HAS_BITS;
      b.cond_arg = (unsigned)arg->valuedouble;
      b.cond_value = (long long)(cJSON_IsNumber(eq) ? eq->valuedouble : bits->valuedouble);
    }
    ll_vec_push(&r->blocking, b);
  }
  return 0;
}

static int load_gil(ll_native_rules *r, const cJSON *list, char *err, size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, "native_gil", -1, "must be a list");
  int i = 0;
  for (const cJSON *it = list->child; it; it = it->next, i++) {
    const char *name = str_item(it, "name"), *push = str_item(it, "push"), *pop = str_item(it, "pop");
    if (!name || !*name) return fail(err, errlen, "native_gil", i, "missing \"name\"");
    ll_native_gil_call g = {.name = ll_arena_strdup(&r->arena, name), .push = push != NULL};
    if ((push != NULL) == (pop != NULL) || parse_state(push ? push : pop, &g.state))
      return fail(err, errlen, "native_gil", i, "needs one of \"push\" or \"pop\": \"held\" or \"released\"");
    ll_vec_push(&r->gil, g);
  }
  return 0;
}

static int load_slots(ll_native_rules *r, const cJSON *list, char *err, size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, "native_slots", -1, "must be a list");
  int i = 0;
  for (const cJSON *it = list->child; it; it = it->next, i++) {
    const char *field = str_item(it, "field"), *python = str_item(it, "python");
    const cJSON *slot = cJSON_GetObjectItemCaseSensitive(it, "slot");
    if (!field || !python || !cJSON_IsNumber(slot))
      return fail(err, errlen, "native_slots", i, "needs \"field\", \"slot\" (a number) and \"python\"");
    ll_native_slot s = {.field = ll_arena_strdup(&r->arena, field),
                        .slot = (int)slot->valuedouble,
                        .python = ll_arena_strdup(&r->arena, python)};
    ll_vec_push(&r->slots, s);
  }
  return 0;
}

/* The maps hold indexes, not pointers: the vectors may still grow while a file loads. */
static void index_names(ll_native_rules *r) {
  for (size_t i = 0; i < r->blocking.len; i++)
    ll_strmap_put(&r->blocking_by_name, r->blocking.items[i].name, (void *)(i + 1));
  for (size_t i = 0; i < r->gil.len; i++) ll_strmap_put(&r->gil_by_name, r->gil.items[i].name, (void *)(i + 1));
}

int ll_native_rules_parse(ll_native_rules *r, const char *json, char *err, size_t errlen) {
  cJSON *root = cJSON_Parse(json);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    snprintf(err, errlen, "not a JSON object");
    return -1;
  }
  int rc = 0;
  const cJSON *s;
  if ((s = cJSON_GetObjectItemCaseSensitive(root, "native_blocking"))) rc = load_blocking(r, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "native_gil"))) rc = load_gil(r, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "native_slots"))) rc = load_slots(r, s, err, errlen);
  cJSON_Delete(root);
  if (!rc) index_names(r);
  return rc;
}

int ll_native_rules_load(ll_native_rules *r, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  int bad = ll_strbuf_add_stream(&sb, f);
  fclose(f);
  int rc = -1;
  char why[256];
  if (bad) snprintf(err, errlen, "%s: read error", path);
  else if (ll_native_rules_parse(r, sb.data ? sb.data : "", why, sizeof why)) snprintf(err, errlen, "%s: %s", path, why);
  else rc = 0;
  ll_strbuf_free(&sb);
  return rc;
}

int ll_native_rules_default_path(char *buf, size_t size) {
  char *data = ll_data_dir(NULL); /* the same folder `check` reads its rules from */
  struct stat st;
  int found = data && (size_t)snprintf(buf, size, "%s/rules/native_blocking.json", data) < size && stat(buf, &st) == 0;
  free(data);
  return found ? 0 : -1;
}

const ll_native_blocking *ll_native_rules_blocking(const ll_native_rules *r, const char *name) {
  size_t i = (size_t)ll_strmap_get(&r->blocking_by_name, name);
  return i ? &r->blocking.items[i - 1] : NULL;
}

const ll_native_gil_call *ll_native_rules_gil(const ll_native_rules *r, const char *name) {
  size_t i = (size_t)ll_strmap_get(&r->gil_by_name, name);
  return i ? &r->gil.items[i - 1] : NULL;
}

const ll_native_slot *ll_native_rules_slot_by_field(const ll_native_rules *r, const char *field) {
  for (size_t i = 0; i < r->slots.len; i++)
    if (strcmp(r->slots.items[i].field, field) == 0) return &r->slots.items[i];
  return NULL;
}

const ll_native_slot *ll_native_rules_slot_by_id(const ll_native_rules *r, long long id) {
  for (size_t i = 0; i < r->slots.len; i++)
    if (r->slots.items[i].slot == id) return &r->slots.items[i];
  return NULL;
}
