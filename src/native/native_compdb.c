/* native_compdb.c: finding and reading compile_commands.json, and turning an entry into
 * libclang flags (see the header for what is kept and why). */
#include "native_compdb.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/strbuf.h"

void ll_native_args_push(ll_native_args *a, const char *s) {
  char *copy = ll_xstrdup(s);
  ll_vec_push(a, copy);
}

void ll_native_args_free(ll_native_args *a) {
  for (size_t i = 0; i < a->len; i++) free(a->items[i]);
  ll_vec_free(a);
}

void ll_native_split_command(const char *cmd, ll_native_args *out) {
  ll_strbuf word;
  ll_strbuf_init(&word);
  const char *p = cmd;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    if (!*p) break;
    ll_strbuf_clear(&word);
    ll_strbuf_addn(&word, "", 0); /* an empty quoted word ('') is still a word */
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
      if (*p == '\'') {
        for (p++; *p && *p != '\''; p++) ll_strbuf_addc(&word, *p);
        if (*p) p++;
      } else if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
          if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`')) p++;
          ll_strbuf_addc(&word, *p);
        }
        if (*p) p++;
      } else if (*p == '\\' && p[1]) {
        ll_strbuf_addc(&word, p[1]);
        p += 2;
      } else {
        ll_strbuf_addc(&word, *p++);
      }
    }
    ll_native_args_push(out, word.data ? word.data : "");
  }
  ll_strbuf_free(&word);
}

/* Flags whose value is a path: kept, with the path made absolute. */
static const char *const PATH_FLAGS[] = {"-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros",
                                         "-isysroot", "--sysroot", NULL};
/* Flags kept as they are, with a joined or separate value. */
static const char *const VALUE_FLAGS[] = {"-D", "-U", NULL};
static const char *const PLAIN_FLAGS[] = {"-pthread", "-ansi", "-m32", "-m64", NULL};

static void push_path(ll_native_args *out, const char *flag, const char *path, const char *dir) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (path[0] != '/' && dir && *dir) ll_strbuf_addf(&sb, "%s/%s", dir, path);
  else ll_strbuf_add(&sb, path);
  if (strcmp(flag, "-I") == 0) {
    ll_strbuf p;
    ll_strbuf_init(&p);
    ll_strbuf_addf(&p, "-I%s", sb.data);
    ll_native_args_push(out, p.data);
    ll_strbuf_free(&p);
  } else {
    ll_native_args_push(out, flag);
    ll_native_args_push(out, sb.data);
  }
  ll_strbuf_free(&sb);
}

void ll_native_filter_args(const char *const *argv, size_t argc, const char *dir, ll_native_args *out) {
  for (size_t i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    int done = 0;
    for (const char *const *f = PATH_FLAGS; *f && !done; f++) {
      size_t n = strlen(*f);
      if (strcmp(a, *f) == 0 && next) { push_path(out, *f, next, dir); i++; done = 1; }
      else if (strncmp(a, *f, n) == 0 && a[n]) { push_path(out, *f, a[n] == '=' ? a + n + 1 : a + n, dir); done = 1; }
    }
    for (const char *const *f = VALUE_FLAGS; *f && !done; f++) {
      if (strcmp(a, *f) == 0 && next) { ll_native_args_push(out, a); ll_native_args_push(out, next); i++; done = 1; }
      else if (strncmp(a, *f, strlen(*f)) == 0) { ll_native_args_push(out, a); done = 1; }
    }
    for (const char *const *f = PLAIN_FLAGS; *f && !done; f++)
      if (strcmp(a, *f) == 0) { ll_native_args_push(out, a); done = 1; }
    if (!done && strncmp(a, "-std=", 5) == 0) ll_native_args_push(out, a);
  }
}

static char *read_text(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return NULL; }
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  int bad = ll_strbuf_add_stream(&sb, f);
  fclose(f);
  if (bad) { snprintf(err, errlen, "%s: read error", path); ll_strbuf_free(&sb); return NULL; }
  if (!sb.data) ll_strbuf_add(&sb, "");
  return ll_strbuf_detach(&sb);
}

/* dir/file, resolved to a real path when it exists (so symlinks and ".." compare equal). */
static const char *entry_path(ll_arena *a, const char *dir, const char *file) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (file[0] != '/') ll_strbuf_addf(&sb, "%s/", dir);
  ll_strbuf_add(&sb, file);
  char real[PATH_MAX];
  const char *res = ll_arena_strdup(a, realpath(sb.data, real) ? real : sb.data);
  ll_strbuf_free(&sb);
  return res;
}

int ll_native_compdb_load(ll_native_compdb *db, const char *path, char *err, size_t errlen) {
  memset(db, 0, sizeof *db);
  ll_arena_init(&db->arena);
  db->path = ll_arena_strdup(&db->arena, path);
  char *text = read_text(path, err, errlen);
  if (!text) return -1;
  cJSON *root = cJSON_Parse(text);
  free(text);
  int rc = 0;
  if (!cJSON_IsArray(root)) {
    snprintf(err, errlen, "%s: not a JSON list of compile commands", path);
    rc = -1;
  }
  int i = 0;
  for (const cJSON *it = root ? root->child : NULL; !rc && it; it = it->next, i++) {
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(it, "directory");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(it, "file");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(it, "arguments");
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(it, "command");
    if (!cJSON_IsString(dir) || !cJSON_IsString(file) || (!cJSON_IsArray(args) && !cJSON_IsString(cmd))) {
      snprintf(err, errlen, "%s: entry %d needs \"directory\", \"file\" and \"arguments\" or \"command\"", path, i);
      rc = -1;
      break;
    }
    ll_native_compdb_entry e = {.dir = ll_arena_strdup(&db->arena, dir->valuestring)};
    e.file = entry_path(&db->arena, e.dir, file->valuestring);
    if (cJSON_IsArray(args)) {
      for (const cJSON *a = args->child; a; a = a->next)
        if (cJSON_IsString(a)) {
          const char *s = ll_arena_strdup(&db->arena, a->valuestring);
          ll_vec_push(&e.argv, s);
        }
    } else {
      ll_native_args words = {0};
      ll_native_split_command(cmd->valuestring, &words);
      for (size_t w = 0; w < words.len; w++) {
        const char *s = ll_arena_strdup(&db->arena, words.items[w]);
        ll_vec_push(&e.argv, s);
      }
      ll_native_args_free(&words);
    }
    ll_vec_push(&db->entries, e);
  }
  cJSON_Delete(root);
  if (rc) { /* all or nothing: a half-read database would give some files wrong flags */
    for (size_t k = 0; k < db->entries.len; k++) ll_vec_free(&db->entries.items[k].argv);
    db->entries.len = 0;
  }
  return rc;
}

void ll_native_compdb_free(ll_native_compdb *db) {
  for (size_t i = 0; i < db->entries.len; i++) ll_vec_free(&db->entries.items[i].argv);
  ll_vec_free(&db->entries);
  ll_arena_free(&db->arena);
}

char *ll_native_compdb_find(const char *start) {
  char real[PATH_MAX];
  if (!realpath(start, real)) return NULL;
  struct stat st;
  if (stat(real, &st) == 0 && !S_ISDIR(st.st_mode)) {
    char *slash = strrchr(real, '/');
    if (slash) *(slash == real ? slash + 1 : slash) = 0;
  }
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  for (;;) {
    /* as clangd does: DIR/compile_commands.json, then DIR/build/compile_commands.json */
    for (int in_build = 0; in_build < 2; in_build++) {
      ll_strbuf_clear(&sb);
      ll_strbuf_addf(&sb, "%s%s%scompile_commands.json", real, strcmp(real, "/") == 0 ? "" : "/",
                     in_build ? "build/" : "");
      if (stat(sb.data, &st) == 0 && S_ISREG(st.st_mode)) return ll_strbuf_detach(&sb);
    }
    char *slash = strrchr(real, '/');
    if (!slash || strcmp(real, "/") == 0) break;
    *(slash == real ? slash + 1 : slash) = 0;
  }
  ll_strbuf_free(&sb);
  return NULL;
}

static size_t dir_len(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? (size_t)(slash - path) : 0;
}

int ll_native_compdb_flags(const ll_native_compdb *db, const char *file, ll_native_args *out) {
  char real[PATH_MAX];
  const char *want = realpath(file, real) ? real : file;
  const ll_native_compdb_entry *hit = NULL;
  int exact = 0;
  for (size_t i = 0; i < db->entries.len && !exact; i++) {
    const ll_native_compdb_entry *e = &db->entries.items[i];
    if (strcmp(e->file, want) == 0) { hit = e; exact = 1; }
    else if (!hit && dir_len(e->file) == dir_len(want) && strncmp(e->file, want, dir_len(want)) == 0) hit = e;
  }
  if (!hit) return -1;
  ll_native_filter_args(hit->argv.items, hit->argv.len, hit->dir, out);
  return exact;
}
