/* ruledb.c: loading rules/ JSON files with cJSON into lookup tables. Every string is copied
 * into the db's arena, so the cJSON tree is freed right after a file is merged. */
#include "ruledb.h"
#include "../front/source.h"
#include "../util/strbuf.h"
#include "../diag/registry.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void ll_ruledb_init(ll_ruledb *db) {
  memset(db, 0, sizeof *db);
  ll_arena_init(&db->arena);
}

void ll_ruledb_free(ll_ruledb *db) {
  for (size_t i = 0; i < db->blocking.cap; i++) {
    ll_blocking_entry *e = db->blocking.slots ? db->blocking.slots[i].value : NULL;
    if (e) { ll_vec_free(&e->except); ll_vec_free(&e->not_on); }
  }
  for (size_t i = 0; i < db->patterns.len; i++) {
    ll_vec_free(&db->patterns.items[i]->except);
    ll_vec_free(&db->patterns.items[i]->not_on);
  }
  ll_vec_free(&db->patterns);
  for (size_t i = 0; i < db->sync_clients.len; i++) ll_vec_free(&db->sync_clients.items[i]->entry.except);
  ll_vec_free(&db->sync_clients);
  ll_strmap_free(&db->sync_client_classes);
  ll_strmap_free(&db->sync_client_modules);
  ll_strmap_free(&db->bases);
  ll_strmap_free(&db->implicit_modules);
  ll_strmap_free(&db->in_memory);
  ll_strmap_free(&db->vague_annotations);
  ll_strmap_free(&db->roots);
  ll_strmap_free(&db->awaitable_names);
  ll_strmap_free(&db->categories);
  ll_strmap_free(&db->blocking);
  ll_strmap_free(&db->returns);
  ll_strmap_free(&db->offload_functions);
  ll_strmap_free(&db->offload_methods);
  ll_strmap_free(&db->calls);
  ll_strmap_free(&db->decorators);
  ll_strmap_free(&db->aliases);
  ll_strmap_free(&db->task_create);
  ll_strmap_free(&db->task_loop_methods);
  ll_strmap_free(&db->task_kept);
  ll_strmap_free(&db->task_joins);
  ll_strmap_free(&db->ha_names);
  ll_strmap_free(&db->deprecated);
  ll_strmap_free(&db->offload_args);
  ll_strmap_free(&db->loop_runners);
  ll_strmap_free(&db->client_sessions);
  ll_strmap_free(&db->coroutine_caches);
  ll_strmap_free(&db->transparent_decorators);
  ll_strmap_free(&db->callback_apis);
  ll_strmap_free(&db->thread_loop_calls);
  ll_strmap_free(&db->thread_loop_decorators);
  ll_strmap_free(&db->thread_locks);
  ll_strmap_free(&db->poll_sleeps);
  ll_strmap_free(&db->polled_state);
  ll_strmap_free(&db->test_runner_marks);
  ll_strmap_free(&db->test_harmless_decorators);
  ll_strmap_free(&db->test_runner_fixtures);
  ll_strmap_free(&db->sync_testcases);
  ll_strmap_free(&db->testcase_hooks);
  ll_strmap_free(&db->test_plugins_run_all);
  ll_vec_free(&db->test_harmless_prefixes);
  ll_arena_free(&db->arena);
}

static const char *dup(ll_ruledb *db, const char *s) { return s ? ll_arena_strdup(&db->arena, s) : NULL; }

/* Notes the top-level module of a qualified name the data holds. */
static void note_root(ll_ruledb *db, const char *q) {
  size_t n = strcspn(q, ".");
  if (n && q[n] == '.' && !ll_strmap_getn(&db->roots, q, n)) ll_strmap_put(&db->roots, ll_arena_strndup(&db->arena, q, n), (void *)1);
}

static int fail(char *err, size_t errlen, const char *name, const char *what, int index, const char *reason) {
  if (index >= 0) snprintf(err, errlen, "%s: %s[%d]: %s", name, what, index, reason);
  else snprintf(err, errlen, "%s: %s: %s", name, what, reason);
  return -1;
}

static const char *opt_string(const cJSON *obj, const char *key, int *bad) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || cJSON_IsNull(v)) return NULL;
  if (!cJSON_IsString(v)) { *bad = 1; return NULL; }
  return v->valuestring;
}

static int load_categories(ll_ruledb *db, const char *name, const cJSON *cats, char *err, size_t errlen) {
  if (!cJSON_IsObject(cats)) return fail(err, errlen, name, "categories", -1, "must be an object");
  const cJSON *c;
  cJSON_ArrayForEach(c, cats) {
    if (!cJSON_IsString(c)) return fail(err, errlen, name, "categories", -1, "values must be rule codes");
    const char *code = ll_registry_code(c->valuestring);
    if (!code) {
      char why[160];
      snprintf(why, sizeof why, "unknown rule code \"%s\" for category \"%s\"", c->valuestring, c->string);
      return fail(err, errlen, name, "categories", -1, why);
    }
    ll_strmap_put(&db->categories, dup(db, c->string), (void *)code);
  }
  return 0;
}

/* A list of strings as a NULL-terminated arena array; *bad when it is not one. */
static const char *const *str_list(ll_ruledb *db, const cJSON *l, int *bad) {
  if (!l) return NULL;
  if (!cJSON_IsArray(l)) { *bad = 1; return NULL; }
  size_t n = (size_t)cJSON_GetArraySize(l), k = 0;
  const char **out = ll_arena_alloc(&db->arena, (n + 1) * sizeof *out);
  const cJSON *x;
  cJSON_ArrayForEach(x, l) {
    if (!cJSON_IsString(x)) { *bad = 1; return NULL; }
    out[k++] = dup(db, x->valuestring);
  }
  out[k] = NULL;
  return out;
}

/* "harmless_when": [{"keyword": K, "position": N, "receiver": B, "value": [...], "type": [...],
 * "absent": [...], "imported": B}, or {"caught": [...]}] */
static int load_harmless(ll_ruledb *db, const char *name, int i, const cJSON *list, ll_blocking_entry *e, char *err,
                         size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, name, "blocking", i, "\"harmless_when\" must be a list");
  size_t n = (size_t)cJSON_GetArraySize(list), k = 0;
  ll_harmless *hs = ll_arena_alloc(&db->arena, (n ? n : 1) * sizeof *hs);
  const cJSON *c;
  cJSON_ArrayForEach(c, list) {
    ll_harmless *h = &hs[k++];
    int bad = !cJSON_IsObject(c);
    if (bad) return fail(err, errlen, name, "blocking", i, "each \"harmless_when\" condition must be an object");
    h->keyword = dup(db, opt_string(c, "keyword", &bad));
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(c, "position");
    h->position = -1;
    if (pos && (!cJSON_IsNumber(pos) || pos->valueint < 0 || pos->valueint > 16)) bad = 1;
    else if (pos) h->position = pos->valueint;
    h->receiver = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "receiver"));
    h->imported = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "imported"));
    h->values = str_list(db, cJSON_GetObjectItemCaseSensitive(c, "value"), &bad);
    h->types = str_list(db, cJSON_GetObjectItemCaseSensitive(c, "type"), &bad);
    h->absent = str_list(db, cJSON_GetObjectItemCaseSensitive(c, "absent"), &bad);
    h->caught = str_list(db, cJSON_GetObjectItemCaseSensitive(c, "caught"), &bad);
    if (!bad && !h->keyword && h->position < 0 && !h->caught) bad = 1;
    if (bad)
      return fail(err, errlen, name, "blocking", i,
                  "a \"harmless_when\" condition needs \"keyword\" (a string), \"position\" (0-16) or "
                  "\"caught\"; \"value\", \"type\", \"absent\", \"caught\" are lists of strings");
  }
  e->harmless = hs;
  e->nharmless = k;
  return 0;
}

static int load_blocking(ll_ruledb *db, const char *name, const cJSON *list, char *err, size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, name, "blocking", -1, "must be a list");
  int i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, list) {
    if (!cJSON_IsObject(it)) return fail(err, errlen, name, "blocking", i, "must be an object");
    int bad = 0;
    const char *qn = opt_string(it, "name", &bad), *cat = opt_string(it, "category", &bad);
    const char *msg = opt_string(it, "message", &bad), *fix = opt_string(it, "fix", &bad);
    const char *ha_fix = opt_string(it, "ha_fix", &bad);
    if (bad) return fail(err, errlen, name, "blocking", i, "name, category, message, fix, ha_fix must be strings");
    if (!qn || !*qn) return fail(err, errlen, name, "blocking", i, "missing \"name\"");
    if (!cat) return fail(err, errlen, name, "blocking", i, "missing \"category\"");
    const char *code = ll_strmap_get(&db->categories, cat);
    if (!code) {
      char why[160];
      snprintf(why, sizeof why, "unknown category \"%s\"", cat);
      return fail(err, errlen, name, "blocking", i, why);
    }
    ll_blocking_entry *e = ll_arena_alloc(&db->arena, sizeof *e);
    size_t n = strlen(qn);
    e->is_prefix = qn[n - 1] == '*';
    e->name = ll_arena_strndup(&db->arena, qn, e->is_prefix ? n - 1 : n);
    e->category = dup(db, cat);
    e->code = code;
    e->message = dup(db, msg);
    e->fix = dup(db, fix);
    e->ha_fix = dup(db, ha_fix);
    e->lazy = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "lazy"));
    e->no_wrap = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "wrap"));
    const char *twin = opt_string(it, "async_twin", &bad);
    if (bad) return fail(err, errlen, name, "blocking", i, "\"async_twin\" must be a string");
    e->async_twin = dup(db, twin);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(it, "except");
    if (ex) {
      if (!cJSON_IsArray(ex)) return fail(err, errlen, name, "blocking", i, "\"except\" must be a list of names");
      const cJSON *x;
      cJSON_ArrayForEach(x, ex) {
        if (!cJSON_IsString(x)) return fail(err, errlen, name, "blocking", i, "\"except\" must be a list of names");
        ll_vec_push(&e->except, dup(db, x->valuestring));
      }
    }
    const cJSON *no = cJSON_GetObjectItemCaseSensitive(it, "not_on");
    if (no) {
      if (!cJSON_IsArray(no)) return fail(err, errlen, name, "blocking", i, "\"not_on\" must be a list of names");
      const cJSON *x;
      cJSON_ArrayForEach(x, no) {
        if (!cJSON_IsString(x)) return fail(err, errlen, name, "blocking", i, "\"not_on\" must be a list of names");
        ll_vec_push(&e->not_on, dup(db, x->valuestring));
      }
    }
    const cJSON *hw = cJSON_GetObjectItemCaseSensitive(it, "harmless_when");
    if (hw && load_harmless(db, name, i, hw, e, err, errlen)) return -1;
    note_root(db, e->name);
    if (e->is_prefix) ll_vec_push(&db->patterns, e);
    else {
      ll_blocking_entry *old = ll_strmap_put(&db->blocking, e->name, e);
      if (old) { ll_vec_free(&old->except); ll_vec_free(&old->not_on); }
    }
    db->nblocking++;
    i++;
  }
  return 0;
}

static int load_string_map(ll_ruledb *db, const char *name, const char *what, const cJSON *obj, ll_strmap *into,
                           char *err, size_t errlen) {
  if (!cJSON_IsObject(obj)) return fail(err, errlen, name, what, -1, "must be an object");
  const cJSON *c;
  cJSON_ArrayForEach(c, obj) {
    if (!cJSON_IsString(c)) return fail(err, errlen, name, what, -1, "values must be strings");
    ll_strmap_put(into, dup(db, c->string), (void *)dup(db, c->valuestring));
    if (into == &db->returns) note_root(db, c->string);
  }
  return 0;
}

static int load_name_list(ll_ruledb *db, const char *name, const char *what, const cJSON *list, ll_strmap *into,
                          void *value, char *err, size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, name, what, -1, "must be a list of names");
  const cJSON *x;
  cJSON_ArrayForEach(x, list) {
    if (!cJSON_IsString(x)) return fail(err, errlen, name, what, -1, "must be a list of names");
    ll_strmap_put(into, dup(db, x->valuestring), value);
    if (into == &db->calls) {
      note_root(db, x->valuestring);
      if (value == (void *)(intptr_t)LL_CALL_COROUTINE || value == (void *)(intptr_t)LL_CALL_AWAITABLE) {
        const char *last = strrchr(x->valuestring, '.');
        last = last ? last + 1 : x->valuestring;
        if (!ll_strmap_get(&db->awaitable_names, last)) ll_strmap_put(&db->awaitable_names, dup(db, last), (void *)1);
      }
    }
  }
  return 0;
}

static int load_offload(ll_ruledb *db, const char *name, const cJSON *obj, char *err, size_t errlen) {
  if (!cJSON_IsObject(obj)) return fail(err, errlen, name, "offload", -1, "must be an object");
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, "functions");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "methods");
  if (f && load_name_list(db, name, "offload.functions", f, &db->offload_functions, (void *)1, err, errlen)) return -1;
  if (m && load_name_list(db, name, "offload.methods", m, &db->offload_methods, (void *)1, err, errlen)) return -1;
  return 0;
}

/* "coroutines": {"coroutine": [...], "awaitable": [...], "not_coroutine": [...],
 *                "methods": {"coroutine": [...], ...}} */
static int load_calls(ll_ruledb *db, const char *name, const char *what, const cJSON *obj, ll_strmap *into,
                      char *err, size_t errlen) {
  if (!cJSON_IsObject(obj)) return fail(err, errlen, name, what, -1, "must be an object");
  static const struct { const char *key; ll_call_kind kind; } KINDS[] = {
      {"coroutine", LL_CALL_COROUTINE}, {"awaitable", LL_CALL_AWAITABLE}, {"not_coroutine", LL_CALL_NOT_COROUTINE}};
  for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(obj, KINDS[k].key);
    if (l && load_name_list(db, name, what, l, into, (void *)(intptr_t)KINDS[k].kind, err, errlen)) return -1;
  }
  return 0;
}

/* "callback_apis": [{"name": Q | "types": [T...], "method": M, "arg": N, "keyword": K, "runs": R, "fix": F,
 * "off_loop": B, "args": "after" | {"keyword": K, "position": N}}]; with thread_loops (the
 * "calls" of "thread_loops"), {"name" | "types"+"method", "arg", "keyword", "when": K} into into. */
static int load_callback_apis(ll_ruledb *db, const char *name, const cJSON *list, ll_strmap *into, int thread_loops,
                              char *err, size_t errlen) {
  const char *what = thread_loops ? "thread_loops.calls" : "callback_apis";
  if (!cJSON_IsArray(list)) return fail(err, errlen, name, what, -1, "must be a list");
  int i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, list) {
    if (!cJSON_IsObject(it)) return fail(err, errlen, name, what, i, "must be an object");
    int bad = 0;
    const char *qn = opt_string(it, "name", &bad), *method = opt_string(it, "method", &bad);
    const char *kw = opt_string(it, "keyword", &bad), *runs = opt_string(it, "runs", &bad), *fix = opt_string(it, "fix", &bad);
    const char *when = opt_string(it, "when", &bad);
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(it, "types");
    const cJSON *arg = cJSON_GetObjectItemCaseSensitive(it, "arg");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(it, "off_loop");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(it, "args");
    if (bad) return fail(err, errlen, name, what, i, "name, method, keyword, runs, fix, when must be strings");
    if (!qn == !(types && method)) return fail(err, errlen, name, what, i, "needs either \"name\" or \"types\" with \"method\"");
    if (types && !cJSON_IsArray(types)) return fail(err, errlen, name, what, i, "\"types\" must be a list of names");
    if (arg && (!cJSON_IsNumber(arg) || arg->valueint < -1 || arg->valueint > 8))
      return fail(err, errlen, name, what, i, "\"arg\" must be an argument index (0-8) or -1");
    if ((!arg || arg->valueint < 0) && !kw) return fail(err, errlen, name, what, i, "needs \"arg\" or \"keyword\"");
    if (!thread_loops && (!runs || !fix)) return fail(err, errlen, name, what, i, "needs \"runs\" and \"fix\"");
    if (thread_loops && !when) return fail(err, errlen, name, what, i, "needs \"when\" (the keyword that asks for a thread)");
    if (off && !cJSON_IsBool(off)) return fail(err, errlen, name, what, i, "\"off_loop\" must be true or false");
    int args_after = 0, args_pos = -1;
    const char *args_kw = NULL;
    if (args && cJSON_IsString(args) && strcmp(args->valuestring, "after") == 0) args_after = 1;
    else if (args && cJSON_IsObject(args)) {
      const cJSON *ap = cJSON_GetObjectItemCaseSensitive(args, "position");
      args_kw = opt_string(args, "keyword", &bad);
      if (bad || (ap && (!cJSON_IsNumber(ap) || ap->valueint < 0 || ap->valueint > 8)) || (!ap && !args_kw))
        return fail(err, errlen, name, what, i, "\"args\" needs a \"keyword\" string or a \"position\" (0-8)");
      args_pos = ap ? ap->valueint : -1;
    } else if (args)
      return fail(err, errlen, name, what, i, "\"args\" must be \"after\" or {\"keyword\": K, \"position\": N}");
    const cJSON *t = NULL;
    int more = 1;
    if (types) t = types->child;
    while (more) {
      const char *q = qn;
      if (types) {
        if (!t) break;
        if (!cJSON_IsString(t)) return fail(err, errlen, name, what, i, "\"types\" must be a list of names");
        q = ll_arena_join(&db->arena, t->valuestring, method);
        t = t->next;
      } else more = 0;
      ll_callback_api *a = ll_arena_alloc(&db->arena, sizeof *a);
      memset(a, 0, sizeof *a);
      a->name = dup(db, q);
      a->arg = arg ? arg->valueint : -1;
      a->keyword = dup(db, kw);
      a->runs = dup(db, runs);
      a->fix = dup(db, fix);
      a->off_loop = off && cJSON_IsTrue(off);
      a->args_after = args_after;
      a->args_pos = args_pos;
      a->args_kw = dup(db, args_kw);
      a->when = dup(db, when);
      ll_strmap_put(into, a->name, a);
    }
    i++;
  }
  return 0;
}

/* "thread_loops": {"calls": [...], "decorators": {"textual.work": "thread", ...}} */
static int load_thread_loops(ll_ruledb *db, const char *name, const cJSON *obj, char *err, size_t errlen) {
  if (!cJSON_IsObject(obj)) return fail(err, errlen, name, "thread_loops", -1, "must be an object");
  const cJSON *calls = cJSON_GetObjectItemCaseSensitive(obj, "calls");
  if (calls && load_callback_apis(db, name, calls, &db->thread_loop_calls, 1, err, errlen)) return -1;
  const cJSON *decos = cJSON_GetObjectItemCaseSensitive(obj, "decorators");
  if (decos && !cJSON_IsObject(decos))
    return fail(err, errlen, name, "thread_loops.decorators", -1, "must be an object of keyword names");
  const cJSON *d;
  cJSON_ArrayForEach(d, decos) {
    if (!cJSON_IsString(d)) return fail(err, errlen, name, "thread_loops.decorators", -1, "values must be keyword names");
    ll_strmap_put(&db->thread_loop_decorators, dup(db, d->string), (void *)dup(db, d->valuestring));
  }
  return 0;
}

/* A list section inside an object section: obj[key], when present, into map. */
static int load_sub_list(ll_ruledb *db, const char *name, const char *what, const cJSON *obj, const char *key,
                         ll_strmap *into, char *err, size_t errlen) {
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!l) return 0;
  char full[96];
  snprintf(full, sizeof full, "%s.%s", what, key);
  return load_name_list(db, name, full, l, into, (void *)1, err, errlen);
}

static int load_async_tests(ll_ruledb *db, const char *name, const cJSON *s, char *err, size_t errlen) {
  if (!cJSON_IsObject(s)) return fail(err, errlen, name, "async_tests", -1, "must be an object");
  if (load_sub_list(db, name, "async_tests", s, "runner_marks", &db->test_runner_marks, err, errlen) ||
      load_sub_list(db, name, "async_tests", s, "runner_fixtures", &db->test_runner_fixtures, err, errlen) ||
      load_sub_list(db, name, "async_tests", s, "sync_testcases", &db->sync_testcases, err, errlen) ||
      load_sub_list(db, name, "async_tests", s, "testcase_hooks", &db->testcase_hooks, err, errlen) ||
      load_sub_list(db, name, "async_tests", s, "plugins_run_all", &db->test_plugins_run_all, err, errlen) ||
      load_sub_list(db, name, "async_tests", s, "harmless_decorators", &db->test_harmless_decorators, err, errlen))
    return -1;
  /* "pytest.mark.*": a prefix */
  for (size_t i = 0; i < db->test_harmless_decorators.cap; i++) {
    const char *k = db->test_harmless_decorators.slots ? db->test_harmless_decorators.slots[i].key : NULL;
    size_t n = k ? strlen(k) : 0;
    if (n > 1 && k[n - 1] == '*') ll_vec_push(&db->test_harmless_prefixes, ll_arena_strndup(&db->arena, k, n - 1));
  }
  return 0;
}

/* "bases": {"pathlib.Path": ["pathlib.PurePath"], ...} */
static int load_bases(ll_ruledb *db, const char *name, const cJSON *obj, char *err, size_t errlen) {
  if (!cJSON_IsObject(obj)) return fail(err, errlen, name, "bases", -1, "must be an object of lists");
  const cJSON *c;
  cJSON_ArrayForEach(c, obj) {
    if (!cJSON_IsArray(c)) return fail(err, errlen, name, "bases", -1, "values must be lists of class names");
    int n = cJSON_GetArraySize(c);
    const char **list = ll_arena_alloc(&db->arena, sizeof(char *) * (size_t)(n + 1));
    int k = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, c) {
      if (!cJSON_IsString(x)) return fail(err, errlen, name, "bases", -1, "values must be lists of class names");
      list[k++] = dup(db, x->valuestring);
    }
    list[k] = NULL;
    ll_strmap_put(&db->bases, dup(db, c->string), (void *)list);
    note_root(db, c->string);
  }
  return 0;
}

/* "sync_clients": [{"name": "docker", "module": true, "category": "network", "message": ...,
 *                   "constructor": false, "except": ["close"]}, ...] */
static int load_sync_clients(ll_ruledb *db, const char *name, const cJSON *list, char *err, size_t errlen) {
  if (!cJSON_IsArray(list)) return fail(err, errlen, name, "sync_clients", -1, "must be a list");
  int i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, list) {
    if (!cJSON_IsObject(it)) return fail(err, errlen, name, "sync_clients", i, "must be an object");
    int bad = 0;
    const char *qn = opt_string(it, "name", &bad), *cat = opt_string(it, "category", &bad);
    const char *msg = opt_string(it, "message", &bad), *fix = opt_string(it, "fix", &bad);
    if (bad || !qn || !*qn || !cat)
      return fail(err, errlen, name, "sync_clients", i, "needs string \"name\" and \"category\"");
    const char *code = ll_strmap_get(&db->categories, cat);
    if (!code) return fail(err, errlen, name, "sync_clients", i, "unknown category");
    ll_sync_client *c = ll_arena_alloc(&db->arena, sizeof *c);
    c->entry.name = dup(db, qn);
    c->entry.category = dup(db, cat);
    c->entry.code = code;
    c->entry.message = dup(db, msg);
    c->entry.fix = dup(db, fix);
    c->is_module = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "module"));
    c->constructor = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "constructor"));
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(it, "except"), *x;
    if (ex && !cJSON_IsArray(ex)) return fail(err, errlen, name, "sync_clients", i, "\"except\" must be a list");
    cJSON_ArrayForEach(x, ex) {
      if (!cJSON_IsString(x)) return fail(err, errlen, name, "sync_clients", i, "\"except\" must be a list");
      ll_vec_push(&c->entry.except, dup(db, x->valuestring));
    }
    ll_vec_push(&db->sync_clients, c);
    ll_strmap_put(c->is_module ? &db->sync_client_modules : &db->sync_client_classes, c->entry.name, c);
    note_root(db, ll_arena_join(&db->arena, c->entry.name, "x"));
    i++;
  }
  return 0;
}

/* "decorators": {"keeps": [...], "schedules": [...]} */
static int load_decorators(ll_ruledb *db, const char *name, const cJSON *obj, char *err, size_t errlen) {
  if (!cJSON_IsObject(obj)) return fail(err, errlen, name, "decorators", -1, "must be an object");
  static const struct { const char *key; ll_deco_kind kind; } KINDS[] = {{"keeps", LL_DECO_KEEPS},
                                                                         {"schedules", LL_DECO_SCHEDULES}};
  const cJSON *c;
  cJSON_ArrayForEach(c, obj) {
    size_t k = 0;
    while (k < sizeof KINDS / sizeof KINDS[0] && strcmp(c->string, KINDS[k].key) != 0) k++;
    if (k == sizeof KINDS / sizeof KINDS[0]) {
      char why[160];
      snprintf(why, sizeof why, "unknown kind \"%s\" (keeps, schedules)", c->string);
      return fail(err, errlen, name, "decorators", -1, why);
    }
    if (load_name_list(db, name, "decorators", c, &db->decorators, (void *)(intptr_t)KINDS[k].kind, err, errlen))
      return -1;
  }
  return 0;
}

static size_t error_line(const char *text, const char *at) {
  size_t line = 1;
  for (const char *p = text; p < at && *p; p++)
    if (*p == '\n') line++;
  return line;
}

int ll_ruledb_load_text(ll_ruledb *db, const char *name, const char *text, char *err, size_t errlen) {
  db->fingerprint = (db->fingerprint ^ ll_hash_bytes(text, strlen(text))) * 0x100000001B3ULL + 1;
  cJSON *root = cJSON_Parse(text);
  if (!root) {
    const char *at = cJSON_GetErrorPtr();
    snprintf(err, errlen, "%s: line %zu: invalid JSON", name, at ? error_line(text, at) : (size_t)0);
    return -1;
  }
  int rc = 0;
  if (!cJSON_IsObject(root)) rc = fail(err, errlen, name, "top level", -1, "must be a JSON object");
  const cJSON *s;
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "categories"))) rc = load_categories(db, name, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "blocking"))) {
    if (!db->categories.len) {
      /* a --rules file may rely on the standard categories */
      rc = fail(err, errlen, name, "blocking", -1, "no categories loaded (load rules/blocking.json first)");
    } else rc = load_blocking(db, name, s, err, errlen);
  }
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "returns")))
    rc = load_string_map(db, name, "returns", s, &db->returns, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "offload"))) rc = load_offload(db, name, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "calls")))
    rc = load_calls(db, name, "calls", s, &db->calls, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "decorators")))
    rc = load_decorators(db, name, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "aliases")))
    rc = load_string_map(db, name, "aliases", s, &db->aliases, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "ha_names")))
    rc = load_string_map(db, name, "ha_names", s, &db->ha_names, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "loop_runners")))
    rc = load_name_list(db, name, "loop_runners", s, &db->loop_runners, (void *)1, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "client_sessions")))
    rc = load_name_list(db, name, "client_sessions", s, &db->client_sessions, (void *)1, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "coroutine_caches"))) {
    if (!cJSON_IsObject(s)) rc = fail(err, errlen, name, "coroutine_caches", -1, "must be an object");
    if (!rc) rc = load_sub_list(db, name, "coroutine_caches", s, "caches", &db->coroutine_caches, err, errlen);
    if (!rc) rc = load_sub_list(db, name, "coroutine_caches", s, "transparent", &db->transparent_decorators, err, errlen);
  }
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "callback_apis")))
    rc = load_callback_apis(db, name, s, &db->callback_apis, 0, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "thread_loops"))) rc = load_thread_loops(db, name, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "thread_locks")))
    rc = load_name_list(db, name, "thread_locks", s, &db->thread_locks, (void *)1, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "polling"))) {
    const cJSON *st;
    if (!cJSON_IsObject(s)) rc = fail(err, errlen, name, "polling", -1, "must be an object");
    if (!rc) rc = load_sub_list(db, name, "polling", s, "sleeps", &db->poll_sleeps, err, errlen);
    if (!rc && (st = cJSON_GetObjectItemCaseSensitive(s, "state")))
      rc = load_string_map(db, name, "polling.state", st, &db->polled_state, err, errlen);
  }
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "async_tests"))) rc = load_async_tests(db, name, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "bases"))) rc = load_bases(db, name, s, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "sync_clients"))) {
    if (!db->categories.len) rc = fail(err, errlen, name, "sync_clients", -1, "no categories loaded (load rules/blocking.json first)");
    else rc = load_sync_clients(db, name, s, err, errlen);
  }
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "vague_annotations")))
    rc = load_name_list(db, name, "vague_annotations", s, &db->vague_annotations, (void *)1, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "in_memory")))
    rc = load_name_list(db, name, "in_memory", s, &db->in_memory, (void *)1, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "implicit_modules")))
    rc = load_name_list(db, name, "implicit_modules", s, &db->implicit_modules, (void *)1, err, errlen);
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "offload_args"))) {
    const cJSON *c;
    if (!cJSON_IsObject(s)) rc = fail(err, errlen, name, "offload_args", -1, "must be an object of numbers");
    cJSON_ArrayForEach(c, s) {
      if (rc) break;
      if (!cJSON_IsNumber(c) || c->valueint < 0 || c->valueint > 8)
        rc = fail(err, errlen, name, "offload_args", -1, "values must be argument indexes (0-8)");
      else ll_strmap_put(&db->offload_args, dup(db, c->string), (void *)(intptr_t)(c->valueint + 1));
    }
  }
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "tasks"))) {
    const cJSON *l;
    if (!cJSON_IsObject(s)) rc = fail(err, errlen, name, "tasks", -1, "must be an object");
    if (!rc && (l = cJSON_GetObjectItemCaseSensitive(s, "create")))
      rc = load_name_list(db, name, "tasks.create", l, &db->task_create, (void *)1, err, errlen);
    if (!rc && (l = cJSON_GetObjectItemCaseSensitive(s, "loop_methods")))
      rc = load_name_list(db, name, "tasks.loop_methods", l, &db->task_loop_methods, (void *)1, err, errlen);
    if (!rc && (l = cJSON_GetObjectItemCaseSensitive(s, "kept")))
      rc = load_name_list(db, name, "tasks.kept", l, &db->task_kept, (void *)1, err, errlen);
    if (!rc && (l = cJSON_GetObjectItemCaseSensitive(s, "joins")))
      rc = load_name_list(db, name, "tasks.joins", l, &db->task_joins, (void *)1, err, errlen);
  }
  if (!rc && (s = cJSON_GetObjectItemCaseSensitive(root, "deprecated"))) {
    if (!cJSON_IsArray(s)) rc = fail(err, errlen, name, "deprecated", -1, "must be a list");
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, s) {
      if (rc) break;
      int bad = 0;
      const char *qn = opt_string(it, "name", &bad), *msg = opt_string(it, "message", &bad);
      if (bad || !qn) rc = fail(err, errlen, name, "deprecated", i, "needs a string \"name\" (and \"message\")");
      else ll_strmap_put(&db->deprecated, dup(db, qn), (void *)dup(db, msg ? msg : "deprecated; see its documentation for the replacement"));
      i++;
    }
  }
  cJSON_Delete(root);
  return rc;
}

int ll_ruledb_load_file(ll_ruledb *db, const char *path, char *err, size_t errlen) {
  ll_source src;
  char why[256];
  if (ll_source_read(&src, path, why, sizeof why) != 0) {
    snprintf(err, errlen, "%s: cannot read: %s", path, why);
    return -1;
  }
  int rc = ll_ruledb_load_text(db, path, src.text, err, errlen);
  ll_source_free(&src);
  return rc;
}

/* The standard files, in load order: categories first, then the facts generated from
 * typeshed, then the curated files, whose entries replace generated ones. Other JSON files
 * in rules/ belong to other front ends (native_blocking.json is read by `looplint native`). */
static const char *const STANDARD[] = {"blocking.json", "typeshed.json", "types.json", "coroutines.json",
                                       "homeassistant.json", "hazards.json", "aliases.json"};

int ll_ruledb_load_dir(ll_ruledb *db, const char *dir, char *err, size_t errlen) {
  for (size_t i = 0; i < sizeof STANDARD / sizeof STANDARD[0]; i++) {
    ll_strbuf p;
    ll_strbuf_init(&p);
    ll_strbuf_addf(&p, "%s/%s", dir, STANDARD[i]);
    struct stat st;
    int exists = stat(p.data, &st) == 0;
    int rc = 0;
    if (!exists && i == 0) {
      snprintf(err, errlen, "%s: missing (the rules data folder is incomplete)", p.data);
      rc = -1;
    } else if (exists) rc = ll_ruledb_load_file(db, p.data, err, errlen);
    ll_strbuf_free(&p);
    if (rc) return rc;
  }
  return 0;
}

static int is_excepted(const ll_blocking_entry *e, const char *qualname) {
  for (size_t i = 0; i < e->except.len; i++)
    if (strcmp(e->except.items[i], qualname) == 0) return 1;
  return 0;
}

const ll_blocking_entry *ll_ruledb_blocking(const ll_ruledb *db, const char *qualname) {
  const ll_blocking_entry *e = ll_strmap_get(&db->blocking, qualname);
  if (e) return e;
  const ll_blocking_entry *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < db->patterns.len; i++) {
    const ll_blocking_entry *p = db->patterns.items[i];
    size_t n = strlen(p->name);
    if (n >= best_len && strncmp(qualname, p->name, n) == 0 && !is_excepted(p, qualname)) {
      best = p;
      best_len = n;
    }
  }
  return best;
}

/* `Class.member` not in map: the member as the bases of Class define it, depth first in the
 * order listed (a simple MRO; the data's class graphs are small and acyclic, depth is capped). */
static void *inherited(const ll_ruledb *db, const ll_strmap *map, const char *cls, size_t cls_len, const char *member,
                       int depth) {
  if (depth > 10) return NULL;
  const char *const *bases = ll_strmap_getn(&db->bases, cls, cls_len);
  for (; bases && *bases; bases++) {
    char key[512];
    size_t nb = strlen(*bases), nm = strlen(member);
    if (nb + 1 + nm >= sizeof key) continue;
    memcpy(key, *bases, nb);
    key[nb] = '.';
    memcpy(key + nb + 1, member, nm + 1);
    void *v = ll_strmap_get(map, key);
    if (!v) v = inherited(db, map, *bases, strlen(*bases), member, depth + 1);
    if (v) return v;
  }
  return NULL;
}

static void *member_lookup(const ll_ruledb *db, const ll_strmap *map, const char *qualname) {
  if (!qualname) return NULL;
  void *v = ll_strmap_get(map, qualname);
  if (v || !db->bases.len) return v;
  const char *dot = strrchr(qualname, '.');
  return dot ? inherited(db, map, qualname, (size_t)(dot - qualname), dot + 1, 0) : NULL;
}

const char *ll_ruledb_returns(const ll_ruledb *db, const char *qualname) {
  return member_lookup(db, &db->returns, qualname);
}

const char *const *ll_ruledb_bases(const ll_ruledb *db, const char *cls) {
  return cls ? ll_strmap_get(&db->bases, cls) : NULL;
}

ll_deco_kind ll_ruledb_decorator(const ll_ruledb *db, const char *qualname) {
  return qualname ? (ll_deco_kind)(intptr_t)ll_strmap_get(&db->decorators, qualname) : LL_DECO_UNKNOWN;
}

int ll_ruledb_is_offload(const ll_ruledb *db, const char *qualname, const char *method) {
  if (qualname && ll_strmap_get(&db->offload_functions, qualname)) return 1;
  if (method && ll_strmap_get(&db->offload_methods, method)) return 1;
  return 0;
}

ll_call_kind ll_ruledb_call_kind(const ll_ruledb *db, const char *qualname) {
  return (ll_call_kind)(intptr_t)member_lookup(db, &db->calls, qualname);
}

int ll_ruledb_has(const ll_strmap *map, const char *name) { return name && ll_strmap_get(map, name) != NULL; }

const ll_blocking_entry *ll_ruledb_sync_client(const ll_ruledb *db, const char *cls, const char *member) {
  if (!cls || !db->sync_clients.len) return NULL;
  /* dunders are the language's (`__enter__`, `__repr__`), not calls to the server */
  if (member && member[0] == '_' && member[1] == '_') return NULL;
  /* the longest name that covers cls: the class itself, else the nearest module above it */
  const ll_sync_client *best = ll_strmap_get(&db->sync_client_classes, cls);
  for (const char *d = strrchr(cls, '.'); !best && d && d > cls;) {
    best = ll_strmap_getn(&db->sync_client_modules, cls, (size_t)(d - cls));
    do d--; while (d > cls && *d != '.');
    if (d == cls) d = NULL;
  }
  if (!best || (!member && !best->constructor)) return NULL;
  for (size_t i = 0; member && i < best->entry.except.len; i++)
    if (strcmp(best->entry.except.items[i], member) == 0) return NULL;
  return &best->entry;
}

int ll_ruledb_vague_annotation(const ll_ruledb *db, const char *te, size_t head_len) {
  return te && ll_strmap_getn(&db->vague_annotations, te, head_len) != NULL;
}

int ll_ruledb_in_memory(const ll_ruledb *db, const char *cls) { return cls && ll_strmap_get(&db->in_memory, cls) != NULL; }

int ll_ruledb_implicit_module(const ll_ruledb *db, const char *name, size_t n) {
  return ll_strmap_getn(&db->implicit_modules, name, n) != NULL;
}

int ll_ruledb_knows_root(const ll_ruledb *db, const char *root, size_t n) {
  return ll_strmap_getn(&db->roots, root, n) != NULL;
}

int ll_ruledb_awaitable_name(const ll_ruledb *db, const char *name, size_t n) {
  return ll_strmap_getn(&db->awaitable_names, name, n) != NULL;
}

int ll_ruledb_sync_client_class(const ll_ruledb *db, const char *cls) {
  return cls && ll_strmap_get(&db->sync_client_classes, cls) != NULL;
}
