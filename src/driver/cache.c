/* cache.c: pack file format, and (de)serialization of findings and facts.
 *
 * Pack: MAGIC, u32 count, then per entry: u64 check, u32 path length, path, u64 key, u64
 * content hash, 4 x u64 stat signature, u32 blob length, blob. The check is a hash of the rest
 * of the entry: an entry damaged in any byte is dropped (its file analysed afresh), never
 * decoded into wrong findings. Blob: u8 state, findings, facts, each a sequence of u32
 * counts, u32 numbers and length-prefixed strings (0xFFFFFFFF for NULL). Integers are
 * little-endian.
 *
 * Writing: a temporary file in the cache's folder, renamed over the pack once complete, so a
 * run killed at any moment or a full disk leaves the previous pack (or none), and concurrent
 * runs each replace it with a whole one of their own. Temporary files a killed run left behind
 * are removed by a later write once they are an hour old. */
#include "cache.h"
#include "../diag/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "LLCACHEH"

/* --- writing --- */
static void put_u32(ll_strbuf *b, uint32_t v) {
  unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  ll_strbuf_addn(b, (const char *)x, 4);
}
static void put_u64(ll_strbuf *b, uint64_t v) { put_u32(b, (uint32_t)v); put_u32(b, (uint32_t)(v >> 32)); }
static void put_str(ll_strbuf *b, const char *s) {
  if (!s) { put_u32(b, 0xFFFFFFFFu); return; }
  size_t n = strlen(s);
  put_u32(b, (uint32_t)n);
  ll_strbuf_addn(b, s, n);
}
static void put_pos(ll_strbuf *b, ll_pos p) { put_u32(b, p.row); put_u32(b, p.col); }

/* --- reading --- */
typedef struct reader {
  const unsigned char *p, *end;
  int bad;
  ll_arena *arena;
} reader;

static uint32_t get_u32(reader *r) {
  if (r->end - r->p < 4) { r->bad = 1; return 0; }
  uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
  r->p += 4;
  return v;
}
static uint64_t get_u64(reader *r) { uint64_t lo = get_u32(r); return lo | (uint64_t)get_u32(r) << 32; }
static ll_pos get_pos(reader *r) { ll_pos p; p.row = get_u32(r); p.col = get_u32(r); return p; }
/* A string into the arena (or malloc when arena is NULL). */
static char *get_str(reader *r) {
  uint32_t n = get_u32(r);
  if (n == 0xFFFFFFFFu || r->bad) return NULL;
  if ((size_t)(r->end - r->p) < n) { r->bad = 1; return NULL; }
  char *s = r->arena ? ll_arena_strndup(r->arena, (const char *)r->p, n) : ll_xstrndup((const char *)r->p, n);
  r->p += n;
  return s;
}
/* A count that cannot exceed what is left: damaged data must not make us allocate a lot. */
static uint32_t get_count(reader *r) {
  uint32_t n = get_u32(r);
  if (n > (size_t)(r->end - r->p)) { r->bad = 1; return 0; }
  return n;
}

/* The running binary's identity (size and modification time): a rebuilt looplint with the
 * same version number must not reuse results its predecessor made. */
static uint64_t build_identity(void) {
  static _Atomic uint64_t id;
  uint64_t v = id;
  if (v) return v;
  struct stat st;
  v = 0x5555;
  if (stat("/proc/self/exe", &st) == 0)
    v ^= (uint64_t)st.st_size * 0x9E3779B97F4A7C15ULL ^ (uint64_t)st.st_mtim.tv_sec * 0xC2B2AE3D27D4EB4FULL ^
         (uint64_t)st.st_mtim.tv_nsec;
  id = v;
  return v;
}

uint64_t ll_cache_content_hash(const char *text, size_t len) { return ll_hash_bytes(text, len); }

int ll_cache_stat_of(const char *path, ll_cache_stat *out) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  out->size = (uint64_t)st.st_size;
  out->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
  out->ctime_ns = (uint64_t)st.st_ctim.tv_sec * 1000000000ULL + (uint64_t)st.st_ctim.tv_nsec;
  out->ino = (uint64_t)st.st_ino;
  return 0;
}

int ll_cache_stat_equal(const ll_cache_stat *a, const ll_cache_stat *b) {
  return a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->ino == b->ino;
}

uint64_t ll_cache_key(uint64_t rules_fingerprint, const char *path, const char *module, int ha_mode) {
  uint64_t h = 0x51ED27F4B3A5C9D1ULL;
  h ^= ll_hash_bytes(path, strlen(path)) * 0x9E3779B97F4A7C15ULL;
  h ^= ll_hash_bytes(module, strlen(module)) * 0xC2B2AE3D27D4EB4FULL;
  h ^= rules_fingerprint * 0x165667B19E3779F9ULL;
  h ^= (uint64_t)(ha_mode + 2) * 0x27D4EB2F165667C5ULL;
  h ^= ll_hash_bytes(LOOPLINT_VERSION, strlen(LOOPLINT_VERSION));
  h ^= build_identity() * 0x94D049BB133111EBULL;
  return h;
}

/* A list of findings; with_path: each with its file (a project's findings span files). */
static void put_findings(ll_strbuf *b, const ll_findings *fs, int with_path) {
  put_u32(b, (uint32_t)fs->v.len);
  for (size_t i = 0; i < fs->v.len; i++) {
    const ll_finding *x = &fs->v.items[i];
    put_str(b, x->code);
    if (with_path) put_str(b, x->filename);
    put_str(b, x->message);
    put_pos(b, x->start);
    put_pos(b, x->end);
    put_u32(b, x->noqa_row);
    put_u32(b, x->stmt_first);
    put_u32(b, x->stmt_last);
    put_u32(b, x->fix ? 1 : 0);
    if (x->fix) {
      put_str(b, x->fix->applicability);
      put_str(b, x->fix->message);
      put_u32(b, (uint32_t)x->fix->edits.len);
      for (size_t e = 0; e < x->fix->edits.len; e++) {
        put_str(b, x->fix->edits.items[e].content);
        put_pos(b, x->fix->edits.items[e].start);
        put_pos(b, x->fix->edits.items[e].end);
      }
    }
    /* the chain hops and the root key: a warm run reports what a cold one does */
    put_u32(b, x->nrelated);
    for (uint32_t k = 0; k < x->nrelated; k++) {
      put_str(b, x->related[k].filename);
      put_pos(b, x->related[k].start);
      put_pos(b, x->related[k].end);
      put_str(b, x->related[k].message);
    }
    put_str(b, x->group);
  }
}

static void put_members(ll_strbuf *b, const ll_member_list *l) {
  put_u32(b, (uint32_t)l->len);
  for (size_t i = 0; i < l->len; i++) {
    put_str(b, l->items[i].name);
    put_str(b, l->items[i].path);
    put_u32(b, (uint32_t)(l->items[i].annotated | l->items[i].conflict << 1));
  }
}

/* The facts about what bodies guarantee (re-raising helpers, guarded blocking calls, the
 * arguments calls pass) and the findings the project pass confirms: after the rest. */
static void put_precision(ll_strbuf *b, const ll_file_facts *f) {
  for (size_t i = 0; i < f->funcs.len; i++) {
    const ll_funcdef *d = &f->funcs.items[i];
    put_u32(b, (uint32_t)((d->reraises & 1) | (uint32_t)(d->reraises >> 1 & 1) << 24 | d->memo << 1 | (uint8_t)d->reraise_param << 8 | (uint8_t)d->flag_pos << 16));
    put_str(b, d->reraise_name);
    put_str(b, d->flag_block_qual);
    put_str(b, d->flag_block_code);
    put_pos(b, d->flag_block_pos);
    put_str(b, d->flag_name);
  }
  for (size_t i = 0; i < f->calls.len; i++) {
    const ll_callsite *c = &f->calls.items[i];
    put_u32(b, (uint32_t)(c->guard | (uint8_t)c->guard_pos << 8));
    put_str(b, c->guard_name);
    put_str(b, c->args);
  }
  put_u32(b, (uint32_t)f->held.len);
  for (size_t i = 0; i < f->held.len; i++) {
    const ll_held *h = &f->held.items[i];
    put_str(b, h->code); put_str(b, h->message);
    put_pos(b, h->start); put_pos(b, h->end);
    put_u32(b, h->stmt_first); put_u32(b, h->stmt_last);
    put_u32(b, h->call);
    put_u32(b, (uint32_t)(h->kind | (uint8_t)h->arg_pos << 8));
    put_str(b, h->arg_kw);
  }
  /* how each call's coroutine is run, and the blocking findings of async defs held whole */
  for (size_t i = 0; i < f->calls.len; i++) {
    put_u32(b, f->calls.items[i].thread_loop);
    put_u32(b, (uint32_t)f->calls.items[i].runner);
  }
  put_findings(b, &f->held_findings, 0);
  for (size_t i = 0; i < f->held_findings.v.len; i++) put_u32(b, (uint32_t)f->held_funcs.items[i]);
  /* what import_module steps wait on, and the modules the top level imports */
  for (size_t i = 0; i < f->held_findings.v.len; i++) put_str(b, f->held_modules.items[i]);
  for (size_t i = 0; i < f->funcs.len; i++) {
    const ll_funcdef *d = &f->funcs.items[i];
    put_str(b, d->import_block_module);
    if (!d->import_block_module) continue;
    put_str(b, d->import_block_qual);
    put_str(b, d->import_block_code);
    put_pos(b, d->import_block_pos);
  }
  put_u32(b, (uint32_t)f->imports.len);
  for (size_t i = 0; i < f->imports.len; i++) put_str(b, f->imports.items[i]);
}

void ll_cache_encode(ll_strbuf *b, int state, const ll_findings *fs, const ll_file_facts *f) {
  ll_strbuf_addc(b, (char)state);
  put_findings(b, fs, 0);
  put_str(b, f->module);
  put_u32(b, f->ha);
  put_u32(b, (uint32_t)f->funcs.len);
  for (size_t i = 0; i < f->funcs.len; i++) {
    const ll_funcdef *d = &f->funcs.items[i];
    put_str(b, d->qual); put_str(b, d->name); put_str(b, d->cls);
    put_u32(b, (uint32_t)(d->is_async | d->is_callback << 1 | d->has_yield << 2 | d->returns_value << 3 | d->is_property << 4 |
                          d->is_static << 5 | d->is_nested << 6 | d->is_stub << 7 | d->other_decorator << 8 |
                          d->schedules << 9 | d->is_classmethod << 10 | d->ret_conflict << 11));
    put_pos(b, d->pos);
    put_str(b, d->block_qual); put_str(b, d->block_code);
    put_pos(b, d->block_pos);
    put_str(b, d->ret);
    put_str(b, d->decorator);
    put_u32(b, (uint32_t)(d->decorator_called | d->deco_kind << 1 | d->factory_kind << 3 | d->pass_through << 5));
  }
  put_u32(b, (uint32_t)f->classes.len);
  for (size_t i = 0; i < f->classes.len; i++) {
    put_str(b, f->classes.items[i].qual);
    put_u32(b, (uint32_t)f->classes.items[i].bases.len);
    for (size_t k = 0; k < f->classes.items[i].bases.len; k++) put_str(b, f->classes.items[i].bases.items[k]);
    put_members(b, &f->classes.items[i].members);
  }
  put_u32(b, (uint32_t)f->calls.len);
  for (size_t i = 0; i < f->calls.len; i++) {
    const ll_callsite *c = &f->calls.items[i];
    put_str(b, c->callee); put_str(b, c->text); put_str(b, c->local); put_str(b, c->super_of);
    put_str(b, c->guarding);
    put_pos(b, c->start); put_pos(b, c->end);
    put_u32(b, c->stmt_first); put_u32(b, c->stmt_last);
    put_u32(b, (uint32_t)c->func);
    put_u32(b, (uint32_t)(c->use | c->local_unused << 8 | c->on_loop << 9 | c->bare_ok << 10 | c->deferred << 11 |
                          c->offloaded << 12));
  }
  put_u32(b, (uint32_t)f->exports.len);
  for (size_t i = 0; i < f->exports.len; i++) { put_str(b, f->exports.items[i].name); put_str(b, f->exports.items[i].target); }
  put_u32(b, (uint32_t)f->noqa.len);
  for (size_t i = 0; i < f->noqa.len; i++) {
    const ll_noqa *q = &f->noqa.items[i];
    put_u32(b, q->row);
    put_u32(b, (uint32_t)(q->blanket | q->file_level << 1 | q->borrowed << 2));
    put_u32(b, q->ncodes);
    for (uint8_t k = 0; k < q->ncodes; k++) { put_str(b, q->codes[k]); put_str(b, q->written[k]); }
    put_pos(b, q->start); put_pos(b, q->end);
  }
  put_members(b, &f->globals);
  int cold = state == 2 || state == 4;
  put_u32(b, cold ? f->nlazy : 0);
  for (uint32_t i = 0; cold && i < f->nlazy; i++) put_u32(b, f->lazy[i]);
  put_str(b, state == 4 ? f->partial_names : NULL);
  put_precision(b, f);
}

static const char *intern_code(reader *r, char *code) {
  const char *c = code ? ll_registry_code(code) : NULL;
  if (!c) r->bad = 1;
  return c;
}

/* Reads what put_findings wrote; path: the file of every finding when they carry none. */
static void get_findings(reader *r, ll_findings *fs, const char *path) {
  uint32_t nf = get_count(r);
  for (uint32_t i = 0; i < nf && !r->bad; i++) {
    char *code = get_str(r), *file = path ? NULL : get_str(r), *msg = get_str(r);
    const char *icode = intern_code(r, code);
    free(code);
    ll_pos s = get_pos(r), e = get_pos(r);
    if (r->bad || !msg || (!path && !file)) { free(msg); free(file); r->bad = 1; break; }
    ll_finding *x = ll_findings_add(fs, icode, path ? path : file, s, e, "%s", msg);
    free(msg);
    free(file);
    x->noqa_row = get_u32(r);
    x->stmt_first = get_u32(r);
    x->stmt_last = get_u32(r);
    if (get_u32(r)) {
      char *app = get_str(r), *fm = get_str(r);
      x->fix = ll_fix_new(app && strcmp(app, "safe") == 0 ? "safe" : "unsafe", fm);
      free(app);
      free(fm);
      uint32_t ne = get_count(r);
      for (uint32_t k = 0; k < ne && !r->bad; k++) {
        char *content = get_str(r);
        ll_pos a = get_pos(r), z = get_pos(r);
        ll_fix_add_edit(x->fix, a, z, content ? content : "");
        free(content);
      }
    }
    uint32_t nr = get_count(r);
    for (uint32_t k = 0; k < nr && !r->bad; k++) {
      char *rf = get_str(r);
      ll_pos a = get_pos(r), z = get_pos(r);
      char *rm = get_str(r);
      if (rf && rm) ll_finding_add_related(x, rf, a, z, "%s", rm);
      else r->bad = 1;
      free(rf);
      free(rm);
    }
    x->group = get_str(r);
  }
}

void ll_cache_encode_findings(ll_strbuf *out, const ll_findings *findings) { put_findings(out, findings, 1); }

int ll_cache_decode_findings(const unsigned char *blob, size_t len, ll_findings *findings) {
  reader r = {.p = blob, .end = blob + len, .arena = NULL};
  get_findings(&r, findings, NULL);
  return r.bad || r.p != r.end ? -1 : 0;
}

static void get_members(reader *r, ll_member_list *l) {
  uint32_t n = get_count(r);
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    ll_member m;
    memset(&m, 0, sizeof m);
    m.name = get_str(r);
    m.path = get_str(r);
    uint32_t fl = get_u32(r);
    m.annotated = fl & 1;
    m.conflict = fl >> 1 & 1;
    if (!m.name) r->bad = 1;
    ll_vec_push(l, m);
  }
}

static void get_precision(reader *r, ll_file_facts *f) {
  for (size_t i = 0; i < f->funcs.len && !r->bad; i++) {
    ll_funcdef *d = &f->funcs.items[i];
    uint32_t fl = get_u32(r);
    d->reraises = (uint8_t)((fl & 1) | (fl >> 24 & 1) << 1);
    d->memo = fl >> 1 & 1;
    d->reraise_param = (int8_t)(uint8_t)(fl >> 8);
    d->flag_pos = (int8_t)(uint8_t)(fl >> 16);
    d->reraise_name = get_str(r);
    d->flag_block_qual = get_str(r);
    char *bc = get_str(r);
    d->flag_block_code = bc ? ll_registry_code(bc) : NULL;
    d->flag_block_pos = get_pos(r);
    d->flag_name = get_str(r);
    if (d->flag_block_qual && (!d->flag_block_code || !d->flag_name)) r->bad = 1;
  }
  for (size_t i = 0; i < f->calls.len && !r->bad; i++) {
    ll_callsite *c = &f->calls.items[i];
    uint32_t fl = get_u32(r);
    c->guard = (uint8_t)(fl & 0xFF);
    c->guard_pos = (int8_t)(uint8_t)(fl >> 8);
    c->guard_name = get_str(r);
    c->args = get_str(r);
  }
  uint32_t n = get_count(r);
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    ll_held h;
    memset(&h, 0, sizeof h);
    char *code = get_str(r);
    h.code = code ? ll_registry_code(code) : NULL;
    h.message = get_str(r);
    h.start = get_pos(r); h.end = get_pos(r);
    h.stmt_first = get_u32(r); h.stmt_last = get_u32(r);
    h.call = get_u32(r);
    uint32_t fl = get_u32(r);
    h.kind = (uint8_t)(fl & 0xFF);
    h.arg_pos = (int8_t)(uint8_t)(fl >> 8);
    h.arg_kw = get_str(r);
    if (!h.code || !h.message || (h.call >= f->calls.len && h.kind != LL_HELD_ASYNC_TEST)) r->bad = 1;
    ll_vec_push(&f->held, h);
  }
  for (size_t i = 0; i < f->calls.len && !r->bad; i++) {
    ll_callsite *c = &f->calls.items[i];
    uint32_t k = get_u32(r);
    c->thread_loop = (uint8_t)k;
    c->runner = (int32_t)get_u32(r);
    if (k > LL_THREAD_LOOP_IF_WORKER || (k == LL_THREAD_LOOP_IF_WORKER && (c->runner < 0 || (size_t)c->runner >= f->calls.len)))
      r->bad = 1;
  }
  /* findings own their strings (malloc), not the facts' arena */
  ll_arena *arena = r->arena;
  r->arena = NULL;
  if (!r->bad) get_findings(r, &f->held_findings, f->path);
  r->arena = arena;
  for (size_t i = 0; i < f->held_findings.v.len && !r->bad; i++) {
    uint32_t k = get_u32(r);
    if (k >= f->funcs.len && k != UINT32_MAX) r->bad = 1; /* UINT32_MAX: -1, no function */
    ll_vec_push(&f->held_funcs, (int32_t)k);
  }
  for (size_t i = 0; i < f->held_findings.v.len && !r->bad; i++) ll_vec_push(&f->held_modules, (const char *)get_str(r));
  for (size_t i = 0; i < f->funcs.len && !r->bad; i++) {
    ll_funcdef *d = &f->funcs.items[i];
    d->import_block_module = get_str(r);
    if (!d->import_block_module) continue;
    d->import_block_qual = get_str(r);
    char *bc = get_str(r);
    d->import_block_code = bc ? ll_registry_code(bc) : NULL;
    d->import_block_pos = get_pos(r);
    if (!d->import_block_qual || !d->import_block_code) r->bad = 1;
  }
  uint32_t ni = r->bad ? 0 : get_count(r);
  for (uint32_t i = 0; i < ni && !r->bad; i++) {
    const char *m = get_str(r);
    if (!m) r->bad = 1;
    else ll_vec_push(&f->imports, m);
  }
}

int ll_cache_decode(const unsigned char *blob, size_t len, ll_findings *fs, ll_file_facts *f) {
  reader r = {.p = blob, .end = blob + len, .arena = NULL};
  if (len < 1) return -1;
  int state = *r.p++;
  get_findings(&r, fs, f->path);
  r.arena = &f->arena;
  f->module = get_str(&r);
  f->ha = (uint8_t)get_u32(&r);
  uint32_t n = get_count(&r);
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    ll_funcdef d;
    memset(&d, 0, sizeof d);
    d.qual = get_str(&r); d.name = get_str(&r); d.cls = get_str(&r);
    uint32_t fl = get_u32(&r);
    d.is_async = fl & 1; d.is_callback = fl >> 1 & 1; d.has_yield = fl >> 2 & 1; d.returns_value = fl >> 3 & 1;
    d.is_property = fl >> 4 & 1; d.is_static = fl >> 5 & 1; d.is_nested = fl >> 6 & 1; d.is_stub = fl >> 7 & 1;
    d.other_decorator = fl >> 8 & 1;
    d.schedules = fl >> 9 & 1;
    d.pos = get_pos(&r);
    d.block_qual = get_str(&r);
    char *bc = get_str(&r);
    d.block_code = bc ? ll_registry_code(bc) : NULL;
    d.block_pos = get_pos(&r);
    d.is_classmethod = fl >> 10 & 1;
    d.ret_conflict = fl >> 11 & 1;
    d.ret = get_str(&r);
    d.decorator = get_str(&r);
    uint32_t dk = get_u32(&r);
    d.decorator_called = dk & 1;
    d.deco_kind = dk >> 1 & 3;
    d.factory_kind = dk >> 3 & 3;
    d.pass_through = dk >> 5 & 1;
    if (!d.qual || !d.name) r.bad = 1;
    ll_vec_push(&f->funcs, d);
  }
  n = get_count(&r);
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    ll_classdef c;
    memset(&c, 0, sizeof c);
    c.qual = get_str(&r);
    uint32_t nb = get_count(&r);
    for (uint32_t k = 0; k < nb && !r.bad; k++) ll_vec_push(&c.bases, get_str(&r));
    get_members(&r, &c.members);
    ll_vec_push(&f->classes, c);
  }
  n = get_count(&r);
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    ll_callsite c;
    memset(&c, 0, sizeof c);
    c.callee = get_str(&r); c.text = get_str(&r); c.local = get_str(&r); c.super_of = get_str(&r);
    c.guarding = get_str(&r);
    c.start = get_pos(&r); c.end = get_pos(&r);
    c.stmt_first = get_u32(&r); c.stmt_last = get_u32(&r);
    c.func = (int32_t)get_u32(&r);
    uint32_t fl = get_u32(&r);
    c.use = (uint8_t)(fl & 0xFF); c.local_unused = fl >> 8 & 1; c.on_loop = fl >> 9 & 1; c.bare_ok = fl >> 10 & 1;
    c.deferred = fl >> 11 & 1; c.offloaded = fl >> 12 & 1;
    if (!c.callee || !c.text || c.func >= (int32_t)f->funcs.len) r.bad = 1;
    ll_vec_push(&f->calls, c);
  }
  n = get_count(&r);
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    ll_export e;
    e.name = get_str(&r);
    e.target = get_str(&r);
    if (!e.name || !e.target) r.bad = 1;
    ll_vec_push(&f->exports, e);
  }
  n = get_count(&r);
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    ll_noqa q;
    memset(&q, 0, sizeof q);
    q.row = get_u32(&r);
    uint32_t fl = get_u32(&r);
    q.blanket = fl & 1;
    q.file_level = fl >> 1 & 1;
    q.borrowed = fl >> 2 & 1;
    uint32_t nc = get_u32(&r);
    if (nc > LL_NOQA_MAX_CODES) { r.bad = 1; break; }
    q.ncodes = (uint8_t)nc;
    for (uint32_t k = 0; k < nc; k++) { q.codes[k] = get_str(&r); q.written[k] = get_str(&r); }
    q.start = get_pos(&r);
    q.end = get_pos(&r);
    ll_vec_push(&f->noqa, q);
  }
  get_members(&r, &f->globals);
  n = get_count(&r);
  if (n && !r.bad) {
    uint32_t *lz = ll_arena_alloc(&f->arena, n * sizeof *lz);
    for (uint32_t i = 0; i < n; i++) lz[i] = get_u32(&r);
    f->lazy = lz;
    f->nlazy = n;
  }
  f->partial_names = get_str(&r);
  f->partial = state == 4;
  if (state == 4 && !f->partial_names) r.bad = 1;
  get_precision(&r, f);
  if (r.bad || !f->module) return -1;
  return state;
}

/* The check of one entry: its header bytes (path to blob length) and its blob. */
static uint64_t entry_check(const unsigned char *header, size_t hlen, const unsigned char *blob, size_t blen) {
  return ll_hash_bytes(header, hlen) * 0x9E3779B97F4A7C15ULL ^ ll_hash_bytes(blob, blen);
}

void ll_cache_open(ll_cache *c, const char *dir) {
  memset(c, 0, sizeof *c);
  ll_strbuf p;
  ll_strbuf_init(&p);
  ll_strbuf_addf(&p, "%s/cache-v1.bin", dir);
  c->path = ll_strbuf_detach(&p);
  /* only a regular file is read: a FIFO put in its place would block the run, a device
   * (a link to /dev/zero) would never end; anything else is an empty cache */
  int fd = open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  FILE *f = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "rb"))) {
    close(fd);
    return;
  }
  ll_strbuf data;
  ll_strbuf_init(&data);
  ll_strbuf_add_stream(&data, f); /* a short read only makes a damaged pack, which is ignored */
  fclose(f);
  c->len = data.len;
  c->data = (unsigned char *)ll_strbuf_detach(&data);
  reader r = {.p = c->data, .end = c->data + c->len};
  if (c->len < 12 || memcmp(c->data, MAGIC, 8) != 0) return; /* not ours or another version: ignored */
  r.p += 8;
  uint32_t count = get_count(&r);
  for (uint32_t i = 0; i < count && !r.bad; i++) {
    uint64_t check = get_u64(&r);
    const unsigned char *header = r.p;
    char *path = get_str(&r);
    ll_cache_entry e;
    memset(&e, 0, sizeof e);
    e.key = get_u64(&r);
    e.content = get_u64(&r);
    e.st.size = get_u64(&r);
    e.st.mtime_ns = get_u64(&r);
    e.st.ctime_ns = get_u64(&r);
    e.st.ino = get_u64(&r);
    uint32_t bl = get_count(&r);
    if (r.bad || !path || (size_t)(r.end - r.p) < bl) { free(path); break; }
    if (entry_check(header, (size_t)(r.p - header), r.p, bl) != check) {
      /* damaged: this file is analysed afresh (the lengths framed it, so the rest may be fine) */
      free(path);
      r.p += bl;
      continue;
    }
    e.blob = r.p;
    e.len = bl;
    r.p += bl;
    ll_vec_push(&c->entries, e);
    ll_vec_push(&c->paths, path);
  }
  /* index after the vector stops moving */
  for (size_t i = 0; i < c->entries.len; i++) ll_strmap_put(&c->by_path, c->paths.items[i], &c->entries.items[i]);
}

void ll_cache_free(ll_cache *c) {
  for (size_t i = 0; i < c->paths.len; i++) free(c->paths.items[i]);
  ll_vec_free(&c->paths);
  ll_vec_free(&c->entries);
  ll_strmap_free(&c->by_path);
  free(c->data);
  free(c->path);
}

const ll_cache_entry *ll_cache_lookup(const ll_cache *c, const char *path, uint64_t key) {
  const ll_cache_entry *e = ll_strmap_get(&c->by_path, path);
  return e && e->key == key ? e : NULL;
}

/* Writes n bytes; on failure keeps the first error's errno in *e (a full disk: ENOSPC, a
 * file size limit: EFBIG) for the message, since later calls may change errno. */
static int write_all(FILE *f, const void *p, size_t n, int *e) {
  if (fwrite(p, 1, n, f) == n) return 0;
  if (!*e) *e = errno ? errno : EIO;
  return -1;
}

/* b holds one entry's header after a zero check (the count and magic are written apart):
 * fills the check in. */
static void set_check(ll_strbuf *b, const unsigned char *blob, size_t len) {
  uint64_t h = entry_check((const unsigned char *)b->data + 8, b->len - 8, blob, len);
  for (int k = 0; k < 8; k++) b->data[k] = (char)(h >> (8 * k));
}

/* Removes the temporary packs of runs that died writing them (SIGKILL, power loss): those
 * of pack_path's folder over an hour old (a live run takes seconds). */
static void remove_stale_temporaries(const char *dir, const char *pack_path) {
  const char *base = strrchr(pack_path, '/');
  base = base ? base + 1 : pack_path;
  ll_strbuf prefix;
  ll_strbuf_init(&prefix);
  ll_strbuf_addf(&prefix, "%s.tmp-", base);
  DIR *d = opendir(dir);
  if (d) {
    time_t now = time(NULL);
    ll_strbuf full;
    ll_strbuf_init(&full);
    for (struct dirent *de; (de = readdir(d));) {
      if (strncmp(de->d_name, prefix.data, prefix.len) != 0) continue;
      ll_strbuf_clear(&full);
      ll_strbuf_addf(&full, "%s/%s", dir, de->d_name);
      struct stat st;
      if (lstat(full.data, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > 3600) unlink(full.data);
    }
    ll_strbuf_free(&full);
    closedir(d);
  }
  ll_strbuf_free(&prefix);
}

int ll_cache_write(const ll_cache *old, const ll_cache_new *items, size_t n, ll_cache_encode_fn encode, void *arg,
                   char *err, size_t errlen) {
  ll_strmap fresh;
  ll_strmap_init(&fresh);
  for (size_t i = 0; i < n; i++) ll_strmap_put(&fresh, items[i].path, (void *)1);
  size_t count = n;
  for (size_t i = 0; i < old->entries.len; i++)
    if (!ll_strmap_get(&fresh, old->paths.items[i])) count++;
  /* the folder, with a CACHEDIR.TAG and a .gitignore so it never reaches git or backups */
  char *dir = ll_xstrdup(old->path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  mkdir(dir, 0755);
  ll_strbuf aux;
  ll_strbuf_init(&aux);
  ll_strbuf_addf(&aux, "%s/.gitignore", dir);
  FILE *g = fopen(aux.data, "wx");
  if (g) { fputs("# created by looplint\n*\n", g); fclose(g); }
  ll_strbuf_clear(&aux);
  ll_strbuf_addf(&aux, "%s/CACHEDIR.TAG", dir);
  g = fopen(aux.data, "wx");
  if (g) { fputs("Signature: 8a477f597d28d172789f06886806bc55\n# looplint result cache\n", g); fclose(g); }
  remove_stale_temporaries(dir, old->path);
  ll_strbuf_clear(&aux);
  ll_strbuf_addf(&aux, "%s.tmp-XXXXXX", old->path);
  int fd = mkstemp(aux.data);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  int rc = 0, e = 0;
  if (!f) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    if (fd >= 0) { close(fd); unlink(aux.data); }
    rc = -1;
  } else {
    ll_strbuf b, blob;
    ll_strbuf_init(&b);
    ll_strbuf_init(&blob);
    ll_strbuf_addn(&b, MAGIC, 8);
    put_u32(&b, (uint32_t)count);
    if (write_all(f, b.data, b.len, &e)) rc = -1;
    ll_strbuf_clear(&b);
    for (size_t i = 0; i < n && !rc; i++) {
      const char *data = items[i].blob;
      size_t len = items[i].len;
      if (!data) {
        ll_strbuf_clear(&blob);
        encode(arg, items[i].index, &blob);
        data = blob.data;
        len = blob.len;
      }
      put_u64(&b, 0); /* the check, below */
      put_str(&b, items[i].path);
      put_u64(&b, items[i].key);
      put_u64(&b, items[i].content);
      put_u64(&b, items[i].st.size);
      put_u64(&b, items[i].st.mtime_ns);
      put_u64(&b, items[i].st.ctime_ns);
      put_u64(&b, items[i].st.ino);
      put_u32(&b, (uint32_t)len);
      set_check(&b, (const unsigned char *)data, len);
      if (write_all(f, b.data, b.len, &e) || (len && write_all(f, data, len, &e))) rc = -1;
      ll_strbuf_clear(&b);
    }
    for (size_t i = 0; i < old->entries.len && !rc; i++) {
      if (ll_strmap_get(&fresh, old->paths.items[i])) continue;
      const ll_cache_entry *oe = &old->entries.items[i];
      put_u64(&b, 0);
      put_str(&b, old->paths.items[i]);
      put_u64(&b, oe->key);
      put_u64(&b, oe->content);
      put_u64(&b, oe->st.size);
      put_u64(&b, oe->st.mtime_ns);
      put_u64(&b, oe->st.ctime_ns);
      put_u64(&b, oe->st.ino);
      put_u32(&b, (uint32_t)oe->len);
      set_check(&b, oe->blob, oe->len);
      if (write_all(f, b.data, b.len, &e) || write_all(f, oe->blob, oe->len, &e)) rc = -1;
      ll_strbuf_clear(&b);
    }
    ll_strbuf_free(&b);
    ll_strbuf_free(&blob);
    /* a full disk often shows only here, when the buffer is flushed */
    if (fclose(f) != 0 && !e) e = errno ? errno : EIO;
    if (rc && !e) e = EIO;
    if (!e && rename(aux.data, old->path) != 0) e = errno ? errno : EIO;
    if (e) {
      /* the previous pack (or none) stays as it was */
      snprintf(err, errlen, "%s: %s", old->path, strerror(e));
      unlink(aux.data);
      rc = -1;
    }
  }
  ll_strmap_free(&fresh);
  free(dir);
  ll_strbuf_free(&aux);
  return rc;
}
