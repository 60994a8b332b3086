/* server.c: `looplint server`: the message loop, documents, and when diagnostics go out.
 *
 * One thread (this one) handles every message in order; a reader thread (rpc.c) queues them.
 * An edit schedules a lint: it starts once no message waits (a burst of edits already queued
 * is linted once, with the newest text), or debounceMs after the last edit when the editor
 * asks for a wait; while a lint runs, the arrival of another edit makes it stop between steps
 * (stale runs are abandoned) and the loop takes the new text first. The default is no wait:
 * a lint of one edit costs a few milliseconds, less than any wait would save. Diagnostics are
 * pushed (textDocument/publishDiagnostics) unless the client pulls them
 * (textDocument/diagnostic, workspace/diagnostic). */
#include "server.h"
#include "lsp.h"
#include "rpc.h"
#include "text.h"
#include "workspace.h"
#include "../diag/registry.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* JSON-RPC and LSP error codes */
enum {
  ERR_INVALID_REQUEST = -32600,
  ERR_METHOD_NOT_FOUND = -32601,
  ERR_INVALID_PARAMS = -32602,
  ERR_NOT_INITIALIZED = -32002,
  ERR_REQUEST_CANCELLED = -32800,
};

/* An open document. */
typedef struct sdoc {
  char *uri;     /* as the client wrote it */
  char *path;    /* canonical */
  ll_strbuf text;
  int version;
  int open;
  ll_findings findings; /* of the last lint, for code actions */
  char *published;      /* the diagnostics last sent (NULL: none yet) */
  int published_version;
} sdoc;

typedef struct server {
  ll_rpc rpc;
  int initialized, shutdown, exit_now;
  ll_lsp_encoding enc;
  int pull;           /* the client pulls diagnostics: none are pushed */
  int refresh;        /* ...and can be asked to pull again */
  int watch_dynamic;  /* the client registers file watchers when asked */
  int ws_ok;
  ll_workspace ws;
  LL_VEC(sdoc *) docs;
  int lint_pending;
  double deadline;
  int debounce_ms;
  int next_request; /* ids of requests to the client */
  ll_strmap cancelled; /* request id -> 1 (keys owned in cancelled_keys) */
  LL_VEC(char *) cancelled_keys;
} server;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* --- messages --- */

static void respond(server *s, const cJSON *id, cJSON *result) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
  cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
  ll_rpc_send(&s->rpc, m);
}

static void respond_error(server *s, const cJSON *id, int code, const char *message) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
  cJSON *e = cJSON_AddObjectToObject(m, "error");
  cJSON_AddNumberToObject(e, "code", code);
  cJSON_AddItemToObject(e, "message", ll_lsp_string(message));
  ll_rpc_send(&s->rpc, m);
}

static void notify(server *s, const char *method, cJSON *params) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  cJSON_AddStringToObject(m, "method", method);
  cJSON_AddItemToObject(m, "params", params);
  ll_rpc_send(&s->rpc, m);
}

static void request(server *s, const char *method, cJSON *params) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  char id[32];
  snprintf(id, sizeof id, "looplint-%d", ++s->next_request);
  cJSON_AddStringToObject(m, "id", id);
  cJSON_AddStringToObject(m, "method", method);
  cJSON_AddItemToObject(m, "params", params ? params : cJSON_CreateNull());
  ll_rpc_send(&s->rpc, m);
}

static void show_message(server *s, int type, const char *text) {
  cJSON *p = cJSON_CreateObject();
  cJSON_AddNumberToObject(p, "type", type);
  cJSON_AddItemToObject(p, "message", ll_lsp_string(text));
  notify(s, "window/showMessage", p);
}

static const char *str_at(const cJSON *obj, const char *key) {
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *obj_at(const cJSON *obj, const char *key) {
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  return cJSON_IsObject(v) ? v : NULL;
}

/* The key a request id is known by (numbers and strings are different ids). */
static void id_key(const cJSON *id, char *buf, size_t n) {
  if (cJSON_IsString(id)) snprintf(buf, n, "s:%s", id->valuestring);
  else if (cJSON_IsNumber(id)) snprintf(buf, n, "n:%.0f", id->valuedouble);
  else snprintf(buf, n, "?");
}

/* --- documents --- */

static sdoc *doc_by_uri(server *s, const char *uri) {
  for (size_t i = 0; i < s->docs.len; i++)
    if (strcmp(s->docs.items[i]->uri, uri) == 0) return s->docs.items[i];
  return NULL;
}

static void doc_free(sdoc *d) {
  free(d->uri);
  free(d->path);
  ll_strbuf_free(&d->text);
  ll_findings_free(&d->findings);
  free(d->published);
  free(d);
}

static void schedule_lint(server *s) {
  s->deadline = now_ms() + s->debounce_ms; /* the newest edit counts */
  s->lint_pending = 1;
}

/* Diagnostics of doc d from findings fs (those of its file), as a JSON array. */
static cJSON *diagnostics_of(server *s, ll_lsp_texts *t, const ll_findings *fs, const char *path) {
  cJSON *arr = cJSON_CreateArray();
  const ll_source *src = ll_lsp_text(t, path);
  for (size_t i = 0; i < fs->v.len; i++)
    cJSON_AddItemToArray(arr, ll_lsp_diagnostic(t, &fs->v.items[i], src, s->enc));
  return arr;
}

/* Splits findings (sorted by file) per open document; what belongs to no open one is freed. */
static void hand_out(server *s, ll_findings *all) {
  for (size_t k = 0; k < s->docs.len; k++) {
    ll_findings_free(&s->docs.items[k]->findings);
    ll_findings_init(&s->docs.items[k]->findings);
  }
  for (size_t i = 0; i < all->v.len; i++) {
    ll_finding *f = &all->v.items[i];
    sdoc *owner = NULL;
    for (size_t k = 0; k < s->docs.len && !owner; k++)
      if (s->docs.items[k]->open && strcmp(s->docs.items[k]->path, f->filename) == 0) owner = s->docs.items[k];
    if (owner) ll_vec_push(&owner->findings.v, *f);
    else ll_finding_free(f);
  }
  all->v.len = 0;
  ll_findings_free(all);
}

/* Lints the open documents. cancellable: stop if an edit arrives (the loop lints again). */
static int lint_open(server *s, int cancellable) {
  if (!s->ws_ok) return 0;
  const char **paths = ll_xcalloc(s->docs.len ? s->docs.len : 1, sizeof *paths);
  size_t n = 0;
  for (size_t k = 0; k < s->docs.len; k++)
    if (s->docs.items[k]->open) paths[n++] = s->docs.items[k]->path;
  ll_findings fs;
  if (cancellable) atomic_store(&s->rpc.edits, 0);
  int stopped = ll_ws_lint(&s->ws, paths, n, cancellable ? &s->rpc.edits : NULL, &fs);
  free(paths);
  if (stopped) return 1;
  hand_out(s, &fs);
  if (s->ws.config_error) {
    char msg[700];
    snprintf(msg, sizeof msg, "looplint: bad configuration (the defaults apply): %s", s->ws.config_error);
    show_message(s, 1, msg);
    free(s->ws.config_error);
    s->ws.config_error = NULL;
  }
  return 0;
}

/* Sends the diagnostics of every open document whose diagnostics changed, and again with each
 * new version of a document that has been sent some (the client sees they are current); a
 * clean buffer that stays clean needs no message. */
static void publish(server *s) {
  ll_lsp_texts t;
  ll_lsp_texts_init(&t, &s->ws);
  int others_changed = 0;
  for (size_t k = 0; k < s->docs.len; k++) {
    sdoc *d = s->docs.items[k];
    if (!d->open) continue;
    cJSON *diags = diagnostics_of(s, &t, &d->findings, d->path);
    char *text = cJSON_PrintUnformatted(diags);
    /* nothing sent yet counts as no diagnostics: a clean new buffer needs no message */
    int same = text && strcmp(d->published ? d->published : "[]", text) == 0;
    if (!same) others_changed = 1;
    int sent = 0;
    if (!s->pull && (!same || (d->published && d->published_version != d->version))) {
      cJSON *p = cJSON_CreateObject();
      cJSON_AddStringToObject(p, "uri", d->uri);
      cJSON_AddNumberToObject(p, "version", d->version);
      cJSON_AddItemToObject(p, "diagnostics", diags);
      diags = NULL;
      notify(s, "textDocument/publishDiagnostics", p);
      sent = 1;
    }
    cJSON_Delete(diags);
    if (sent || (s->pull && !same)) {
      free(d->published);
      d->published = text;
      d->published_version = d->version;
    } else {
      free(text);
    }
  }
  ll_lsp_texts_free(&t);
  if (s->pull && s->refresh && others_changed) request(s, "workspace/diagnostic/refresh", NULL);
}

/* The lint the debounce scheduled: skipped while messages wait (they come first), abandoned
 * when an edit arrives during it. */
static void run_scheduled(server *s) {
  if (ll_rpc_pending(&s->rpc)) return;
  if (lint_open(s, 1)) return; /* stale: the loop takes the edit, then lints again */
  s->lint_pending = 0;
  publish(s);
}

/* Results for a request that needs them now (code actions, pulled diagnostics). */
static void ensure_fresh(server *s) {
  if (!s->lint_pending && !ll_ws_stale(&s->ws)) return;
  lint_open(s, 0);
  s->lint_pending = 0;
  publish(s);
}

/* --- settings --- */

static void add_selectors(ll_strlist *list, const cJSON *v) {
  if (cJSON_IsString(v)) ll_vec_push(list, ll_xstrdup(v->valuestring));
  else if (cJSON_IsArray(v)) {
    const cJSON *e;
    cJSON_ArrayForEach(e, v) if (cJSON_IsString(e)) ll_vec_push(list, ll_xstrdup(e->valuestring));
  }
}

/* initializationOptions (or workspace/didChangeConfiguration's settings.looplint): the
 * command-line settings a user would set. */
static void read_options(server *s, const cJSON *o, ll_ws_options *opts) {
  if (!cJSON_IsObject(o)) return;
  const cJSON *inner = obj_at(o, "looplint");
  if (inner) o = inner;
  const cJSON *v;
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "select")) && !cJSON_IsNull(v)) {
    add_selectors(&opts->select, v);
    opts->has_select = 1;
  }
  add_selectors(&opts->extend_select, cJSON_GetObjectItemCaseSensitive(o, "extendSelect"));
  add_selectors(&opts->ignore, cJSON_GetObjectItemCaseSensitive(o, "ignore"));
  v = cJSON_GetObjectItemCaseSensitive(o, "homeAssistant");
  if (cJSON_IsBool(v)) opts->ha_mode = cJSON_IsTrue(v);
  v = cJSON_GetObjectItemCaseSensitive(o, "includeTests");
  if (cJSON_IsBool(v)) opts->include_tests = cJSON_IsTrue(v);
  v = cJSON_GetObjectItemCaseSensitive(o, "cacheDir");
  if (cJSON_IsString(v)) { free(opts->cache_dir); opts->cache_dir = ll_xstrdup(v->valuestring); }
  v = cJSON_GetObjectItemCaseSensitive(o, "noCache");
  if (cJSON_IsBool(v)) opts->no_cache = cJSON_IsTrue(v);
  v = cJSON_GetObjectItemCaseSensitive(o, "threads");
  if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 64) opts->threads = (int)v->valuedouble;
  v = cJSON_GetObjectItemCaseSensitive(o, "debounceMs");
  if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 10000) s->debounce_ms = (int)v->valuedouble;
}

/* --- requests and notifications --- */

static void on_initialize(server *s, const cJSON *id, const cJSON *params) {
  const cJSON *caps = obj_at(params, "capabilities");
  const cJSON *general = obj_at(caps, "general");
  const cJSON *encs = general ? cJSON_GetObjectItemCaseSensitive(general, "positionEncodings") : NULL;
  s->enc = LL_ENC_UTF16;
  const cJSON *e;
  if (cJSON_IsArray(encs))
    cJSON_ArrayForEach(e, encs) if (cJSON_IsString(e) && strcmp(e->valuestring, "utf-8") == 0) s->enc = LL_ENC_UTF8;
  const cJSON *td = obj_at(caps, "textDocument");
  s->pull = obj_at(td, "diagnostic") != NULL;
  const cJSON *wsc = obj_at(caps, "workspace");
  const cJSON *wd = obj_at(wsc, "diagnostics");
  s->refresh = wd && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(wd, "refreshSupport"));
  const cJSON *watch = obj_at(wsc, "didChangeWatchedFiles");
  s->watch_dynamic = watch && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(watch, "dynamicRegistration"));
  /* the root: the first workspace folder, else rootUri, else rootPath */
  char *root = NULL;
  const cJSON *folders = params ? cJSON_GetObjectItemCaseSensitive(params, "workspaceFolders") : NULL;
  if (cJSON_IsArray(folders) && cJSON_GetArraySize(folders) > 0) {
    const char *u = str_at(cJSON_GetArrayItem(folders, 0), "uri");
    if (u) root = ll_lsp_uri_to_path(u);
  }
  if (!root && str_at(params, "rootUri")) root = ll_lsp_uri_to_path(str_at(params, "rootUri"));
  if (!root && str_at(params, "rootPath")) root = ll_xstrdup(str_at(params, "rootPath"));
  char *canon = NULL;
  if (root) {
    canon = realpath(root, NULL);
    if (!canon) fprintf(stderr, "looplint server: the workspace folder %s does not exist\n", root);
    free(root);
  }
  ll_ws_options opts;
  ll_ws_options_init(&opts);
  read_options(s, params ? cJSON_GetObjectItemCaseSensitive(params, "initializationOptions") : NULL, &opts);
  char err[512];
  s->ws_ok = ll_ws_init(&s->ws, canon, &opts, err, sizeof err) == 0;
  ll_ws_options_free(&opts);
  free(canon);
  if (!s->ws_ok) show_message(s, 1, err);

  cJSON *res = cJSON_CreateObject();
  cJSON *c = cJSON_AddObjectToObject(res, "capabilities");
  cJSON_AddStringToObject(c, "positionEncoding", s->enc == LL_ENC_UTF8 ? "utf-8" : "utf-16");
  cJSON *sync = cJSON_AddObjectToObject(c, "textDocumentSync");
  cJSON_AddBoolToObject(sync, "openClose", 1);
  cJSON_AddNumberToObject(sync, "change", 2); /* incremental */
  cJSON *save = cJSON_AddObjectToObject(sync, "save");
  cJSON_AddBoolToObject(save, "includeText", 0);
  cJSON *ca = cJSON_AddObjectToObject(c, "codeActionProvider");
  cJSON *kinds = cJSON_AddArrayToObject(ca, "codeActionKinds");
  cJSON_AddItemToArray(kinds, cJSON_CreateString("quickfix"));
  cJSON_AddItemToArray(kinds, cJSON_CreateString("source.fixAll.looplint"));
  cJSON_AddBoolToObject(c, "hoverProvider", 1);
  cJSON *dp = cJSON_AddObjectToObject(c, "diagnosticProvider");
  cJSON_AddStringToObject(dp, "identifier", "looplint");
  cJSON_AddBoolToObject(dp, "interFileDependencies", 1);
  cJSON_AddBoolToObject(dp, "workspaceDiagnostics", 1);
  cJSON *info = cJSON_AddObjectToObject(res, "serverInfo");
  cJSON_AddStringToObject(info, "name", "looplint");
  cJSON_AddStringToObject(info, "version", LOOPLINT_VERSION);
  respond(s, id, res);
  s->initialized = 1;
}

static void on_initialized(server *s) {
  if (s->watch_dynamic) {
    /* the files whose change on disk changes findings: sources and configuration */
    cJSON *p = cJSON_CreateObject();
    cJSON *regs = cJSON_AddArrayToObject(p, "registrations");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", "looplint-watched-files");
    cJSON_AddStringToObject(r, "method", "workspace/didChangeWatchedFiles");
    cJSON *ro = cJSON_AddObjectToObject(r, "registerOptions");
    cJSON *w = cJSON_AddArrayToObject(ro, "watchers");
    static const char *const GLOBS[] = {"**/*.py", "**/*.pyi", "**/pyproject.toml", "**/looplint.toml", NULL};
    for (int i = 0; GLOBS[i]; i++) {
      cJSON *g = cJSON_CreateObject();
      cJSON_AddStringToObject(g, "globPattern", GLOBS[i]);
      cJSON_AddItemToArray(w, g);
    }
    cJSON_AddItemToArray(regs, r);
    request(s, "client/registerCapability", p);
  }
  /* read the project now, so the first document's diagnostics come from a warm model */
  if (s->ws_ok) schedule_lint(s);
}

static void on_did_open(server *s, const cJSON *params) {
  const cJSON *td = obj_at(params, "textDocument");
  const char *uri = str_at(td, "uri"), *text = str_at(td, "text");
  if (!uri || !text) return;
  char *path = ll_lsp_uri_to_path(uri);
  if (!path) return; /* not a file: nothing to lint it with */
  sdoc *d = doc_by_uri(s, uri);
  if (!d) {
    d = ll_xcalloc(1, sizeof *d);
    d->uri = ll_xstrdup(uri);
    d->path = ll_ws_canonical(path);
    ll_strbuf_init(&d->text);
    ll_findings_init(&d->findings);
    ll_vec_push(&s->docs, d);
  }
  free(path);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(td, "version");
  d->version = cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
  d->open = 1;
  ll_strbuf_clear(&d->text);
  ll_strbuf_add(&d->text, text);
  free(d->published);
  d->published = NULL;
  if (s->ws_ok) ll_ws_set_overlay(&s->ws, d->path, d->text.data, d->text.len, 0);
  schedule_lint(s);
}

static void on_did_change(server *s, const cJSON *params) {
  const cJSON *td = obj_at(params, "textDocument");
  const char *uri = str_at(td, "uri");
  sdoc *d = uri ? doc_by_uri(s, uri) : NULL;
  if (!d || !d->open) return;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(td, "version");
  if (cJSON_IsNumber(v)) d->version = (int)v->valuedouble;
  const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "contentChanges"), *ch;
  int edited = 1; /* only ranges changed: the kept tree follows */
  cJSON_ArrayForEach(ch, changes) {
    const char *text = str_at(ch, "text");
    if (!text) continue;
    const cJSON *range = obj_at(ch, "range");
    if (!range) { /* the whole text */
      ll_strbuf_clear(&d->text);
      ll_strbuf_add(&d->text, text);
      edited = 0;
      continue;
    }
    const cJSON *a = obj_at(range, "start"), *b = obj_at(range, "end");
    const cJSON *al = a ? cJSON_GetObjectItemCaseSensitive(a, "line") : NULL, *ac = a ? cJSON_GetObjectItemCaseSensitive(a, "character") : NULL;
    const cJSON *bl = b ? cJSON_GetObjectItemCaseSensitive(b, "line") : NULL, *bc = b ? cJSON_GetObjectItemCaseSensitive(b, "character") : NULL;
    if (!cJSON_IsNumber(al) || !cJSON_IsNumber(ac) || !cJSON_IsNumber(bl) || !cJSON_IsNumber(bc)) continue;
    ll_lsp_pos ps = {al->valuedouble < 0 ? 0 : al->valuedouble > 4e9 ? 4000000000u : (uint32_t)al->valuedouble,
                     ac->valuedouble < 0 ? 0 : ac->valuedouble > 4e9 ? 4000000000u : (uint32_t)ac->valuedouble};
    ll_lsp_pos pe = {bl->valuedouble < 0 ? 0 : bl->valuedouble > 4e9 ? 4000000000u : (uint32_t)bl->valuedouble,
                     bc->valuedouble < 0 ? 0 : bc->valuedouble > 4e9 ? 4000000000u : (uint32_t)bc->valuedouble};
    const char *base = d->text.data ? d->text.data : "";
    size_t start = ll_text_offset(base, d->text.len, ps, s->enc), end = ll_text_offset(base, d->text.len, pe, s->enc);
    if (end < start) { size_t t = start; start = end; end = t; }
    if (s->ws_ok && edited) ll_ws_edit(&s->ws, d->path, base, d->text.len, start, end, text, strlen(text));
    ll_text_replace(&d->text, start, end, text, strlen(text));
  }
  if (s->ws_ok) ll_ws_set_overlay(&s->ws, d->path, d->text.data ? d->text.data : "", d->text.len, edited);
  schedule_lint(s);
}

static void on_did_close(server *s, const cJSON *params) {
  const char *uri = str_at(obj_at(params, "textDocument"), "uri");
  sdoc *d = uri ? doc_by_uri(s, uri) : NULL;
  if (!d) return;
  if (s->ws_ok) ll_ws_clear_overlay(&s->ws, d->path);
  if (!s->pull) { /* its diagnostics go with the buffer */
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "uri", d->uri);
    cJSON_AddArrayToObject(p, "diagnostics");
    notify(s, "textDocument/publishDiagnostics", p);
  }
  for (size_t k = 0; k < s->docs.len; k++)
    if (s->docs.items[k] == d) {
      s->docs.items[k] = s->docs.items[--s->docs.len];
      break;
    }
  doc_free(d);
  schedule_lint(s); /* other files may depend on what it said */
}

static void on_watched_files(server *s, const cJSON *params) {
  const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "changes"), *ch;
  cJSON_ArrayForEach(ch, changes) {
    const char *uri = str_at(ch, "uri");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ch, "type");
    char *path = uri ? ll_lsp_uri_to_path(uri) : NULL;
    if (!path) continue;
    char *canon = ll_ws_canonical(path);
    int t = cJSON_IsNumber(type) ? (int)type->valuedouble : 2;
    /* LSP: 1 created, 2 changed, 3 deleted */
    if (s->ws_ok) ll_ws_file_changed(&s->ws, canon, t == 1 ? 2 : t == 3 ? 3 : 1);
    free(canon);
    free(path);
  }
  schedule_lint(s);
}

static void on_did_change_configuration(server *s, const cJSON *params) {
  const cJSON *settings = obj_at(params, "settings");
  const cJSON *mine = obj_at(settings, "looplint");
  if (!mine || !s->ws_ok) return;
  ll_ws_options_free(&s->ws.opts);
  read_options(s, mine, &s->ws.opts);
  ll_ws_invalidate(&s->ws);
  schedule_lint(s);
}

static void on_code_action(server *s, const cJSON *id, const cJSON *params) {
  const char *uri = str_at(obj_at(params, "textDocument"), "uri");
  sdoc *d = uri ? doc_by_uri(s, uri) : NULL;
  if (!d) { respond(s, id, cJSON_CreateArray()); return; }
  ensure_fresh(s);
  ll_lsp_texts t;
  ll_lsp_texts_init(&t, &s->ws);
  const ll_source *src = ll_lsp_text(&t, d->path);
  respond(s, id, ll_lsp_code_actions(&t, d->uri, src, &d->findings, params, s->enc));
  ll_lsp_texts_free(&t);
}

static void on_hover(server *s, const cJSON *id, const cJSON *params) {
  const char *uri = str_at(obj_at(params, "textDocument"), "uri");
  const cJSON *pos = obj_at(params, "position");
  sdoc *d = uri ? doc_by_uri(s, uri) : NULL;
  const cJSON *l = pos ? cJSON_GetObjectItemCaseSensitive(pos, "line") : NULL;
  const cJSON *c = pos ? cJSON_GetObjectItemCaseSensitive(pos, "character") : NULL;
  if (!d || !cJSON_IsNumber(l) || !cJSON_IsNumber(c) || l->valuedouble < 0 || c->valuedouble < 0) {
    respond(s, id, NULL);
    return;
  }
  ll_lsp_pos p = {l->valuedouble > 4e9 ? 4000000000u : (uint32_t)l->valuedouble,
                  c->valuedouble > 4e9 ? 4000000000u : (uint32_t)c->valuedouble};
  const ll_source *src = s->ws_ok ? ll_ws_overlay(&s->ws, d->path) : NULL;
  respond(s, id, ll_lsp_hover(s->ws_ok ? &s->ws.db : NULL, src, p, s->enc));
}

/* A report's id: the diagnostics' text hashed, so an unchanged report can say so. */
static void result_id(const char *text, char *buf, size_t n) {
  snprintf(buf, n, "%016llx", (unsigned long long)ll_hash_bytes(text, strlen(text)));
}

static void on_document_diagnostic(server *s, const cJSON *id, const cJSON *params) {
  const char *uri = str_at(obj_at(params, "textDocument"), "uri");
  sdoc *d = uri ? doc_by_uri(s, uri) : NULL;
  if (!d) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kind", "full");
    cJSON_AddArrayToObject(r, "items");
    respond(s, id, r);
    return;
  }
  ensure_fresh(s);
  ll_lsp_texts t;
  ll_lsp_texts_init(&t, &s->ws);
  cJSON *items = diagnostics_of(s, &t, &d->findings, d->path);
  ll_lsp_texts_free(&t);
  char *text = cJSON_PrintUnformatted(items);
  char rid[32];
  result_id(text ? text : "", rid, sizeof rid);
  free(text);
  cJSON *r = cJSON_CreateObject();
  const char *prev = str_at(params, "previousResultId");
  if (prev && strcmp(prev, rid) == 0) {
    cJSON_AddStringToObject(r, "kind", "unchanged");
    cJSON_Delete(items);
  } else {
    cJSON_AddStringToObject(r, "kind", "full");
    cJSON_AddItemToObject(r, "items", items);
  }
  cJSON_AddStringToObject(r, "resultId", rid);
  respond(s, id, r);
}

static void on_workspace_diagnostic(server *s, const cJSON *id) {
  cJSON *r = cJSON_CreateObject();
  cJSON *items = cJSON_AddArrayToObject(r, "items");
  if (!s->ws_ok) { respond(s, id, r); return; }
  ensure_fresh(s);
  ll_findings all;
  ll_ws_lint(&s->ws, NULL, 0, NULL, &all);
  ll_lsp_texts t;
  ll_lsp_texts_init(&t, &s->ws);
  for (size_t i = 0; i < all.v.len;) {
    size_t j = i;
    while (j < all.v.len && strcmp(all.v.items[j].filename, all.v.items[i].filename) == 0) j++;
    ll_findings one = {{all.v.items + i, j - i, j - i}};
    cJSON *report = cJSON_CreateObject();
    char *uri = ll_lsp_path_to_uri(all.v.items[i].filename);
    sdoc *d = NULL;
    for (size_t k = 0; k < s->docs.len && !d; k++)
      if (strcmp(s->docs.items[k]->path, all.v.items[i].filename) == 0) d = s->docs.items[k];
    cJSON_AddStringToObject(report, "kind", "full");
    cJSON_AddItemToObject(report, "uri", ll_lsp_string(d ? d->uri : uri));
    if (d) cJSON_AddNumberToObject(report, "version", d->version);
    else cJSON_AddNullToObject(report, "version");
    cJSON_AddItemToObject(report, "items", diagnostics_of(s, &t, &one, all.v.items[i].filename));
    cJSON_AddItemToArray(items, report);
    free(uri);
    i = j;
  }
  ll_lsp_texts_free(&t);
  ll_findings_free(&all);
  respond(s, id, r);
}

/* Requests that need an answer before `initialize` is done are refused; so are all after
 * `shutdown` but `exit`. */
static void handle(server *s, ll_rpc_msg *m) {
  if (m->parse_error) {
    /* its id is unknown, so no client could match an answer to it: said on stderr only */
    fputs("looplint server: a message that is not valid JSON was skipped\n", stderr);
    return;
  }
  const cJSON *j = m->json;
  if (!cJSON_IsObject(j)) {
    respond_error(s, NULL, ERR_INVALID_REQUEST, "a message must be a JSON object");
    return;
  }
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
  const char *method = str_at(j, "method");
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
  int is_request = id && (cJSON_IsNumber(id) || cJSON_IsString(id));
  if (!method) {
    if (!id) respond_error(s, NULL, ERR_INVALID_REQUEST, "a message needs a method");
    return; /* a response to one of our requests */
  }
  if (id && !is_request) {
    respond_error(s, NULL, ERR_INVALID_REQUEST, "a request id must be a number or a string");
    return;
  }
  if (strcmp(method, "exit") == 0) { s->exit_now = 1; return; }
  if (strcmp(method, "$/cancelRequest") == 0) {
    const cJSON *cid = params ? cJSON_GetObjectItemCaseSensitive(params, "id") : NULL;
    if (cid) {
      char key[128];
      id_key(cid, key, sizeof key);
      if (!ll_strmap_get(&s->cancelled, key)) {
        char *k = ll_xstrdup(key);
        ll_vec_push(&s->cancelled_keys, k);
        ll_strmap_put(&s->cancelled, k, (void *)1);
      }
    }
    return;
  }
  if (!s->initialized && strcmp(method, "initialize") != 0) {
    if (is_request) respond_error(s, id, ERR_NOT_INITIALIZED, "the server is not initialized yet");
    return;
  }
  if (s->shutdown) {
    if (is_request) respond_error(s, id, ERR_INVALID_REQUEST, "the server is shutting down");
    return;
  }
  if (is_request) {
    char key[128];
    id_key(id, key, sizeof key);
    if (ll_strmap_get(&s->cancelled, key)) {
      respond_error(s, id, ERR_REQUEST_CANCELLED, "cancelled");
      return;
    }
  }
  if (strcmp(method, "initialize") == 0) {
    if (!is_request) return;
    if (s->initialized) respond_error(s, id, ERR_INVALID_REQUEST, "initialize was already called");
    else on_initialize(s, id, cJSON_IsObject(params) ? params : NULL);
  } else if (strcmp(method, "initialized") == 0) on_initialized(s);
  else if (strcmp(method, "shutdown") == 0) {
    s->shutdown = 1;
    if (is_request) respond(s, id, NULL);
  } else if (strcmp(method, "textDocument/didOpen") == 0) on_did_open(s, params);
  else if (strcmp(method, "textDocument/didChange") == 0) on_did_change(s, params);
  else if (strcmp(method, "textDocument/didSave") == 0) { /* the buffer already stands for the file */ }
  else if (strcmp(method, "textDocument/didClose") == 0) on_did_close(s, params);
  else if (strcmp(method, "workspace/didChangeWatchedFiles") == 0) on_watched_files(s, params);
  else if (strcmp(method, "workspace/didChangeConfiguration") == 0) on_did_change_configuration(s, params);
  else if (is_request && !cJSON_IsObject(params) && strncmp(method, "textDocument/", 13) == 0)
    respond_error(s, id, ERR_INVALID_PARAMS, "params must be an object");
  else if (strcmp(method, "textDocument/codeAction") == 0 && is_request) on_code_action(s, id, params);
  else if (strcmp(method, "textDocument/hover") == 0 && is_request) on_hover(s, id, params);
  else if (strcmp(method, "textDocument/diagnostic") == 0 && is_request) on_document_diagnostic(s, id, params);
  else if (strcmp(method, "workspace/diagnostic") == 0 && is_request) on_workspace_diagnostic(s, id);
  else if (is_request) {
    char msg[300];
    snprintf(msg, sizeof msg, "unknown method %.200s", method);
    respond_error(s, id, ERR_METHOD_NOT_FOUND, msg);
  }
  /* other notifications ($/setTrace, $/progress, ...) need nothing */
}

static const char SERVER_USAGE[] =
    "Usage: looplint server\n"
    "\n"
    "Runs looplint as a Language Server (LSP 3.17) on standard input and output, for editors:\n"
    "diagnostics as you type (also those that cross files), fixes and `# noqa` as code actions,\n"
    "hover on `# noqa` codes. Settings come from [tool.looplint] and the editor's\n"
    "initializationOptions (select, extendSelect, ignore, homeAssistant, includeTests, cacheDir,\n"
    "noCache, debounceMs). Set-up for editors: docs/editors.md.\n";

int ll_server_main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { fputs(SERVER_USAGE, stdout); return 0; }
    if (strcmp(argv[i], "--stdio") == 0) continue; /* what some clients add */
    fprintf(stderr, "looplint server: unknown option `%s`\n", argv[i]);
    return 2;
  }
  server *s = ll_xcalloc(1, sizeof *s);
  s->debounce_ms = 0;
  ll_strmap_init(&s->cancelled);
  if (ll_rpc_start(&s->rpc, 0, 1) != 0) {
    fputs("looplint server: cannot start the reader thread\n", stderr);
    free(s);
    return 2;
  }
  for (;;) {
    int timeout = -1;
    if (s->lint_pending) {
      double left = s->deadline - now_ms();
      timeout = left > 0 ? (int)left + 1 : 0;
    }
    ll_rpc_msg *m = NULL;
    int rc = ll_rpc_next(&s->rpc, timeout, &m);
    if (rc < 0) break; /* the client is gone */
    if (rc == 1) {
      handle(s, m);
      ll_rpc_msg_free(m);
      if (s->exit_now) break;
      continue;
    }
    if (s->lint_pending && now_ms() >= s->deadline) run_scheduled(s);
  }
  int code = s->shutdown ? 0 : 1;
  ll_rpc_stop(&s->rpc);
  for (size_t k = 0; k < s->docs.len; k++) doc_free(s->docs.items[k]);
  ll_vec_free(&s->docs);
  if (s->initialized) ll_ws_free(&s->ws);
  for (size_t i = 0; i < s->cancelled_keys.len; i++) free(s->cancelled_keys.items[i]);
  ll_vec_free(&s->cancelled_keys);
  ll_strmap_free(&s->cancelled);
  free(s);
  return code;
}
