#define _GNU_SOURCE
/* test_core.c: rules loader errors, bases and decorators, source positions and UTF-8, selection, string map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "front/source.h"
#include "util/strbuf.h"
#include "knowledge/ruledb.h"
#include "config/select.h"
#include "util/strmap.h"
#include "util/u32map.h"
#include "driver/lazy.h"
#include "driver/partial.h"
#include "front/fields.h"
#include "front/parse.h"
#include "util/budget.h"

static int load(const char *text, char *err, size_t n) {
  ll_ruledb db;
  ll_ruledb_init(&db);
  int rc = ll_ruledb_load_text(&db, "rules/blocking.json", text, err, n);
  ll_ruledb_free(&db);
  return rc;
}

static void ruledb_errors(void **state) {
  (void)state;
  char err[256];
  assert_int_equal(load("{\"categories\": {\"sleep\": \"LOOP101\"}, \"blocking\": [", err, sizeof err), -1);
  assert_non_null(strstr(err, "invalid JSON"));
  assert_non_null(strstr(err, "rules/blocking.json"));
  assert_int_equal(load("[1,2]", err, sizeof err), -1);
  assert_non_null(strstr(err, "must be a JSON object"));
  assert_int_equal(load("{\"categories\": {\"sleep\": \"LOOP999\"}}", err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown rule code"));
  assert_int_equal(load("{\"categories\": {\"sleep\": \"LOOP101\"}, \"blocking\": [{\"category\": \"sleep\"}]}", err, sizeof err), -1);
  assert_non_null(strstr(err, "blocking[0]: missing \"name\""));
  assert_int_equal(load("{\"categories\": {\"sleep\": \"LOOP101\"}, \"blocking\": [{\"name\": \"x\", \"category\": \"nap\"}]}", err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown category"));
  assert_int_equal(load("{\"categories\": {\"sleep\": \"LOOP101\"}, \"blocking\": [{\"name\": \"x\", \"category\": \"sleep\", \"fix\": 3}]}", err, sizeof err), -1);
  assert_int_equal(load("{\"categories\": {\"sleep\": \"LOOP101\"}, \"blocking\": [{\"name\": \"x\", \"category\": \"sleep\"}]}", err, sizeof err), 0);
}

static const char CATS[] = "\"categories\": {\"other\": \"LOOP106\", \"http\": \"LOOP102\"}";

static int load_named(const char *body, char *err, size_t n) {
  ll_ruledb db;
  ll_ruledb_init(&db);
  char text[2048];
  snprintf(text, sizeof text, "{%s, %s}", CATS, body);
  int rc = ll_ruledb_load_text(&db, "rules/t.json", text, err, n);
  ll_ruledb_free(&db);
  return rc;
}

/* bases, sync_clients, implicit_modules: what the loader keeps, and what it refuses (with the
 * file and the section in the message) */
static void ruledb_types_sections(void **state) {
  (void)state;
  char err[256];
  ll_ruledb db;
  ll_ruledb_init(&db);
  assert_int_equal(
      ll_ruledb_load_text(&db, "t",
                          "{\"categories\": {\"other\": \"LOOP106\"},"
                          "\"bases\": {\"pathlib.PosixPath\": [\"pathlib.Path\", \"pathlib.PurePosixPath\"],"
                          "            \"docker.DockerClient\": []},"
                          "\"sync_clients\": ["
                          "  {\"name\": \"serial.Serial\", \"category\": \"other\", \"constructor\": true,"
                          "   \"message\": \"m\", \"except\": [\"fileno\"]},"
                          "  {\"name\": \"git\", \"module\": true, \"category\": \"other\"},"
                          "  {\"name\": \"git.cmd\", \"module\": true, \"category\": \"other\", \"message\": \"c\"},"
                          "  {\"name\": \"git.Repo\", \"category\": \"other\", \"constructor\": true, \"fix\": \"f\"}],"
                          "\"implicit_modules\": [\"subprocess\", \"os\"]}",
                          err, sizeof err),
      0);
  const char *const *b = ll_ruledb_bases(&db, "pathlib.PosixPath");
  assert_non_null(b);
  assert_string_equal(b[0], "pathlib.Path");
  assert_string_equal(b[1], "pathlib.PurePosixPath");
  assert_null(b[2]);
  b = ll_ruledb_bases(&db, "docker.DockerClient"); /* a class with no bases is still a class */
  assert_non_null(b);
  assert_null(b[0]);
  assert_null(ll_ruledb_bases(&db, "pathlib.Path"));
  assert_null(ll_ruledb_bases(&db, NULL));
  /* a class entry: its methods and (constructor) creating it; dunders and excepted names never */
  const ll_blocking_entry *e = ll_ruledb_sync_client(&db, "serial.Serial", "read");
  assert_non_null(e);
  assert_string_equal(e->code, "LOOP106");
  assert_string_equal(e->message, "m");
  assert_non_null(ll_ruledb_sync_client(&db, "serial.Serial", NULL));
  assert_null(ll_ruledb_sync_client(&db, "serial.Serial", "fileno"));
  assert_null(ll_ruledb_sync_client(&db, "serial.Serial", "__enter__"));
  assert_null(ll_ruledb_sync_client(&db, "serial.SerialBase", "read")); /* the caller walks the bases */
  /* a module entry covers the classes under it, not their construction; the longest entry wins */
  assert_non_null(ll_ruledb_sync_client(&db, "git.remote.Remote", "pull"));
  assert_null(ll_ruledb_sync_client(&db, "git.remote.Remote", NULL));
  assert_null(ll_ruledb_sync_client(&db, "gitdb.GitDB", "stream"));
  assert_null(ll_ruledb_sync_client(&db, "git", "x"));
  e = ll_ruledb_sync_client(&db, "git.cmd.sub.Git", "execute"); /* the nearest module above */
  assert_non_null(e);
  assert_string_equal(e->message, "c");
  e = ll_ruledb_sync_client(&db, "git.cmdline.Tool", "run");
  assert_non_null(e);
  assert_null(e->message);
  assert_true(ll_ruledb_sync_client_class(&db, "git.Repo"));
  assert_false(ll_ruledb_sync_client_class(&db, "git"));
  e = ll_ruledb_sync_client(&db, "git.Repo", NULL);
  assert_non_null(e);
  assert_string_equal(e->fix, "f");
  /* implicit modules: whole names only */
  assert_true(ll_ruledb_implicit_module(&db, "subprocess", 10));
  assert_true(ll_ruledb_implicit_module(&db, "os.path", 2));
  assert_false(ll_ruledb_implicit_module(&db, "o", 1));
  assert_false(ll_ruledb_implicit_module(&db, "queue", 5));
  ll_ruledb_free(&db);

  /* wrong types give the file, the section and a reason */
  assert_int_equal(load_named("\"bases\": [\"x\"]", err, sizeof err), -1);
  assert_non_null(strstr(err, "rules/t.json: bases: must be an object of lists"));
  assert_int_equal(load_named("\"bases\": {\"a.B\": \"a.C\"}", err, sizeof err), -1);
  assert_non_null(strstr(err, "rules/t.json: bases: values must be lists of class names"));
  assert_int_equal(load_named("\"bases\": {\"a.B\": [\"a.C\", 3]}", err, sizeof err), -1);
  assert_non_null(strstr(err, "bases: values must be lists of class names"));
  assert_int_equal(load_named("\"sync_clients\": {}", err, sizeof err), -1);
  assert_non_null(strstr(err, "rules/t.json: sync_clients: must be a list"));
  assert_int_equal(load_named("\"sync_clients\": [3]", err, sizeof err), -1);
  assert_non_null(strstr(err, "sync_clients[0]: must be an object"));
  assert_int_equal(load_named("\"sync_clients\": [{\"category\": \"other\"}]", err, sizeof err), -1);
  assert_non_null(strstr(err, "sync_clients[0]: needs string \"name\" and \"category\""));
  assert_int_equal(load_named("\"sync_clients\": [{\"name\": \"a.B\", \"category\": \"other\"}, {\"name\": \"a.C\", \"category\": \"nap\"}]",
                              err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "sync_clients[1]: unknown category"));
  assert_int_equal(load_named("\"sync_clients\": [{\"name\": \"a.B\", \"category\": \"other\", \"except\": \"close\"}]", err, sizeof err), -1);
  assert_non_null(strstr(err, "sync_clients[0]: \"except\" must be a list"));
  assert_int_equal(load_named("\"sync_clients\": [{\"name\": \"a.B\", \"category\": \"other\", \"except\": [1]}]", err, sizeof err), -1);
  assert_non_null(strstr(err, "\"except\" must be a list"));
  assert_int_equal(load_named("\"sync_clients\": [{\"name\": 7, \"category\": \"other\"}]", err, sizeof err), -1);
  assert_non_null(strstr(err, "needs string"));
  assert_int_equal(load_named("\"implicit_modules\": \"os\"", err, sizeof err), -1);
  assert_non_null(strstr(err, "rules/t.json: implicit_modules: must be a list of names"));
  assert_int_equal(load_named("\"implicit_modules\": [\"os\", 1]", err, sizeof err), -1);
  assert_non_null(strstr(err, "implicit_modules: must be a list of names"));
  /* sync_clients needs the categories loaded first, like blocking */
  ll_ruledb_init(&db);
  assert_int_equal(ll_ruledb_load_text(&db, "x.json", "{\"sync_clients\": [{\"name\": \"a.B\", \"category\": \"other\"}]}", err, sizeof err), -1);
  assert_non_null(strstr(err, "x.json: sync_clients: no categories loaded"));
  ll_ruledb_free(&db);
  assert_int_equal(load_named("\"bases\": {}, \"sync_clients\": [], \"implicit_modules\": []", err, sizeof err), 0);
}

static void ruledb_lookup(void **state) {
  (void)state;
  char err[256];
  ll_ruledb db;
  ll_ruledb_init(&db);
  assert_int_equal(ll_ruledb_load_text(&db, "t",
                                       "{\"categories\": {\"file\": \"LOOP104\"}, \"blocking\": ["
                                       "{\"name\": \"shutil.*\", \"category\": \"file\", \"except\": [\"shutil.get_terminal_size\"]},"
                                       "{\"name\": \"shutil.copy\", \"category\": \"file\", \"message\": \"exact\"}]}",
                                       err, sizeof err),
                   0);
  assert_non_null(ll_ruledb_blocking(&db, "shutil.rmtree"));
  assert_null(ll_ruledb_blocking(&db, "shutil.get_terminal_size"));
  assert_string_equal(ll_ruledb_blocking(&db, "shutil.copy")->message, "exact");
  assert_null(ll_ruledb_blocking(&db, "os.shutil"));
  assert_string_equal(ll_ruledb_blocking(&db, "shutil.rmtree")->code, "LOOP104");
  ll_ruledb_free(&db);
}

/* bases: a member a class does not list itself is looked up on its bases, depth first, in
 * calls and returns alike; decorators: what each kind means; both validate their shape. */
static void ruledb_bases_decorators(void **state) {
  (void)state;
  char err[256];
  ll_ruledb db;
  ll_ruledb_init(&db);
  assert_int_equal(ll_ruledb_load_text(&db, "rules/homeassistant.json",
                                       "{\"calls\": {\"coroutine\": [\"ha.Entity.async_update_ha_state\", \"ha.Child.async_x\"],"
                                       " \"not_coroutine\": [\"ha.Entity.async_write_ha_state\", \"ha.Mixin.async_x\"]},"
                                       " \"returns\": {\"ha.Entity.hass\": \"ha.HomeAssistant\"},"
                                       " \"bases\": {\"ha.Sensor\": [\"ha.Mixin\", \"ha.Child\"], \"ha.Child\": [\"ha.Entity\"],"
                                       " \"ha.Alias\": [\"ha.Sensor\"], \"ha.Loop\": [\"ha.Loop\"]},"
                                       " \"decorators\": {\"keeps\": [\"tenacity.retry\"], \"schedules\": [\"textual.work\"]}}",
                                       err, sizeof err),
                   0);
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Entity.async_write_ha_state"), LL_CALL_NOT_COROUTINE);
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Sensor.async_update_ha_state"), LL_CALL_COROUTINE);  /* 2 levels */
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Alias.async_write_ha_state"), LL_CALL_NOT_COROUTINE); /* 3 levels */
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Sensor.async_x"), LL_CALL_NOT_COROUTINE);  /* first base wins */
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Child.async_x"), LL_CALL_COROUTINE);       /* own entry wins */
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Sensor.missing"), LL_CALL_UNKNOWN);
  assert_int_equal(ll_ruledb_call_kind(&db, "ha.Loop.missing"), LL_CALL_UNKNOWN);  /* a cycle ends */
  assert_int_equal(ll_ruledb_call_kind(&db, "Unlisted.async_write_ha_state"), LL_CALL_UNKNOWN);
  assert_string_equal(ll_ruledb_returns(&db, "ha.Sensor.hass"), "ha.HomeAssistant");
  assert_null(ll_ruledb_returns(&db, "ha.Mixin.hass"));
  const char *const *b = ll_ruledb_bases(&db, "ha.Sensor");
  assert_non_null(b);
  assert_string_equal(b[0], "ha.Mixin");
  assert_string_equal(b[1], "ha.Child");
  assert_null(b[2]);
  assert_null(ll_ruledb_bases(&db, "ha.Entity"));
  assert_int_equal(ll_ruledb_decorator(&db, "tenacity.retry"), LL_DECO_KEEPS);
  assert_int_equal(ll_ruledb_decorator(&db, "textual.work"), LL_DECO_SCHEDULES);
  assert_int_equal(ll_ruledb_decorator(&db, "functools.lru_cache"), LL_DECO_UNKNOWN);
  assert_int_equal(ll_ruledb_decorator(&db, NULL), LL_DECO_UNKNOWN);
  ll_ruledb_free(&db);

  assert_int_equal(load("{\"bases\": {\"a.B\": \"a.C\"}}", err, sizeof err), -1);
  assert_non_null(strstr(err, "bases"));
  assert_int_equal(load("{\"decorators\": {\"wraps\": [\"functools.wraps\"]}}", err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown kind \"wraps\""));
  assert_int_equal(load("{\"decorators\": {\"keeps\": [3]}}", err, sizeof err), -1);
  assert_int_equal(load("{\"decorators\": {\"keeps\": [\"functools.wraps\"]}, \"bases\": {}}", err, sizeof err), 0);
}

static void positions(void **state) {
  (void)state;
  ll_source s;
  const char *text = "ab\n\xc3\xa9x\ny";
  ll_source_from_buffer(&s, "p.py", text, strlen(text));
  ll_pos p = ll_source_pos(&s, 0);
  assert_int_equal(p.row, 1);
  assert_int_equal(p.col, 1);
  p = ll_source_pos(&s, 5); /* 'x' after a 2-byte character: column 2 in characters */
  assert_int_equal(p.row, 2);
  assert_int_equal(p.col, 2);
  p = ll_source_pos(&s, 7);
  assert_int_equal(p.row, 3);
  assert_int_equal(p.col, 1);
  assert_int_equal(s.first_nul, SIZE_MAX);
  assert_int_equal(s.first_bad_utf8, SIZE_MAX);
  ll_source_free(&s);
  ll_source_from_buffer(&s, "n.py", "a\0b", 3);
  assert_int_equal(s.first_nul, 1);
  ll_source_free(&s);
}

/* Columns on lines longer than LL_SOURCE_BLOCK come from the block index: they must equal a
 * plain count of characters from the line start, at every offset, blocks' edges included. */
static void positions_long_lines(void **state) {
  (void)state;
  ll_strbuf b;
  ll_strbuf_init(&b);
  unsigned seed = 7;
  for (int line = 0; line < 4; line++) {
    size_t n = line == 1 ? 10 : (size_t)LL_SOURCE_BLOCK * (size_t)(line + 1) + (size_t)line * 3;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      switch ((seed >> 16) % 4) {
        case 0: ll_strbuf_add(&b, "\xc3\xa9"); break;          /* 2 bytes */
        case 1: ll_strbuf_add(&b, "\xf0\x9f\x98\x80"); break;  /* 4 bytes */
        default: ll_strbuf_add(&b, "a"); break;
      }
    }
    ll_strbuf_add(&b, "\n");
  }
  ll_source s;
  ll_source_from_buffer(&s, "long.py", b.data, b.len);
  assert_true(s.long_rows.len == 3);
  for (size_t off = 0; off <= b.len; off++) {
    if (off < b.len && ((unsigned char)b.data[off] & 0xC0) == 0x80) continue;
    ll_pos p = ll_source_pos(&s, off);
    size_t start = s.line_starts.items[p.row - 1];
    uint32_t want = 1;
    for (size_t i = start; i < off; i++)
      if (((unsigned char)b.data[i] & 0xC0) != 0x80) want++;
    if (p.col != want) fail_msg("offset %zu: column %u, want %u", off, p.col, want);
  }
  ll_source_free(&s);
  ll_strbuf_free(&b);
}

static void utf8(void **state) {
  (void)state;
  assert_int_equal(ll_utf8_first_invalid("abc", 3), SIZE_MAX);
  assert_int_equal(ll_utf8_first_invalid("\xff", 1), 0);
  assert_int_equal(ll_utf8_first_invalid("a\xc3", 2), 1);        /* truncated */
  assert_int_equal(ll_utf8_first_invalid("\xc0\xaf", 2), 0);     /* overlong */
  assert_int_equal(ll_utf8_first_invalid("\xed\xa0\x80", 3), 0); /* surrogate */
  assert_int_equal(ll_utf8_first_invalid("\xf0\x9f\x98\x80", 4), SIZE_MAX);
  /* past the eight-bytes-at-a-time ASCII runs: every offset of a bad byte and of a good
   * two-byte character in 40 ASCII bytes */
  for (size_t at = 0; at < 40; at++) {
    char buf[41];
    memset(buf, 'a', 40);
    buf[at] = (char)0xff;
    assert_int_equal(ll_utf8_first_invalid(buf, 40), at);
    if (at + 1 < 40) {
      buf[at] = (char)0xc3;
      buf[at + 1] = (char)0xa9;
      assert_int_equal(ll_utf8_first_invalid(buf, 40), SIZE_MAX);
      assert_int_equal(ll_utf8_first_invalid(buf, at + 1), at); /* cut in the middle */
    }
  }
}

static void selection(void **state) {
  (void)state;
  char err[128];
  ll_selection s;
  ll_selection_init(&s);
  assert_true(ll_selection_enabled(&s, "LOOP101"));
  assert_int_equal(ll_selection_add(&s, 1, "LOOP1", 0, err, sizeof err), 0);
  assert_false(ll_selection_enabled(&s, "LOOP101"));
  assert_true(ll_selection_enabled(&s, "LOOP301"));
  assert_int_equal(ll_selection_add(&s, 0, "loop101,LOOP3", 1, err, sizeof err), 0);
  assert_true(ll_selection_enabled(&s, "LOOP101")); /* more specific select beats ignore LOOP1 */
  assert_false(ll_selection_enabled(&s, "LOOP102"));
  assert_true(ll_selection_enabled(&s, "LOOP301"));
  assert_false(ll_selection_enabled(&s, "LOOP401"));
  assert_int_equal(ll_selection_add(&s, 0, "FOO1", 0, err, sizeof err), -1);
  assert_non_null(strstr(err, "FOO1"));
  ll_selection_free(&s);
}

static void strmap(void **state) {
  (void)state;
  ll_strmap m;
  ll_strmap_init(&m);
  char keys[1000][8];
  for (int i = 0; i < 1000; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    assert_null(ll_strmap_put(&m, keys[i], (void *)(intptr_t)(i + 1)));
  }
  for (int i = 0; i < 1000; i++) assert_int_equal((intptr_t)ll_strmap_get(&m, keys[i]), i + 1);
  assert_null(ll_strmap_get(&m, "k1000"));
  assert_int_equal((intptr_t)ll_strmap_getn(&m, "k12xyz", 3), 13);
  assert_int_equal((intptr_t)ll_strmap_put(&m, keys[5], (void *)99), 6);
  /* deleting every other key keeps the rest reachable (runs shifted back, wrapping too) */
  for (int i = 0; i < 1000; i += 2) assert_non_null(ll_strmap_del(&m, keys[i]));
  assert_null(ll_strmap_del(&m, keys[0]));
  assert_int_equal(m.len, 500);
  for (int i = 0; i < 1000; i++) {
    if (i % 2 == 0) assert_null(ll_strmap_get(&m, keys[i]));
    else assert_int_equal((intptr_t)ll_strmap_get(&m, keys[i]), i == 5 ? 99 : i + 1);
  }
  assert_int_equal((intptr_t)ll_strmap_deln(&m, "k13xyz", 3), 14);
  assert_null(ll_strmap_get(&m, "k13"));
  for (int i = 0; i < 1000; i += 2) assert_null(ll_strmap_put(&m, keys[i], (void *)(intptr_t)(i + 1)));
  for (int i = 0; i < 1000; i++)
    if (i != 5 && i != 13) assert_int_equal((intptr_t)ll_strmap_get(&m, keys[i]), i + 1);
  /* a small table (runs wrap around its end) against a plain array, puts and deletes mixed */
  ll_strmap w;
  ll_strmap_init(&w);
  intptr_t ref[40] = {0};
  unsigned seed = 12345;
  for (int step = 0; step < 20000; step++) {
    seed = seed * 1103515245u + 12345u;
    int k = (int)((seed >> 16) % 40);
    if (((seed >> 8) & 1) && w.len < 7) {
      ll_strmap_put(&w, keys[k], (void *)(intptr_t)(step + 1));
      ref[k] = step + 1;
    } else {
      assert_int_equal((intptr_t)ll_strmap_del(&w, keys[k]), ref[k]);
      ref[k] = 0;
    }
    for (int q = 0; q < 40; q++) assert_int_equal((intptr_t)ll_strmap_get(&w, keys[q]), ref[q]);
  }
  ll_strmap_free(&w);
  ll_strmap_free(&m);
}

static void u32map(void **state) {
  (void)state;
  ll_u32map m;
  ll_u32map_init(&m);
  for (uint32_t k = 1; k <= 5000; k++) *ll_u32map_slot(&m, k * 7919u) = k;
  for (uint32_t k = 1; k <= 5000; k++) assert_int_equal(*ll_u32map_find(&m, k * 7919u), k);
  assert_null(ll_u32map_find(&m, 3));
  assert_int_equal(m.len, 5000);
  assert_int_not_equal(ll_u32_hash("", 0), 0);
  ll_u32map_free(&m);
}

/* The text a partial parse keeps: everything but the unwanted top-level definitions. */
static char *kept(const char *text, const char *const *wanted) {
  ll_strmap w;
  ll_strmap_init(&w);
  for (; *wanted; wanted++) ll_strmap_put(&w, *wanted, (void *)1);
  TSRange *r = NULL;
  ll_lazy_skipped *sk = NULL;
  uint32_t n = 0, ns = 0;
  static char out[4096];
  out[0] = 0;
  if (ll_lazy_partial_ranges(text, strlen(text), &w, &r, &n, &sk, &ns, NULL)) {
    /* what is left out is named, in text order */
    for (uint32_t i = 0; i < ns; i++) {
      if (i) assert_true(sk[i - 1].start < sk[i].start);
      assert_false(ll_strmap_getn(&w, text + sk[i].name_off, sk[i].name_len));
    }
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
      /* each range starts at a line start, at the row its point says */
      uint32_t row = 0;
      for (uint32_t b = 0; b < r[i].start_byte; b++) row += text[b] == '\n';
      assert_int_equal(r[i].start_point.row, row);
      assert_int_equal(r[i].start_point.column, 0);
      memcpy(out + o, text + r[i].start_byte, r[i].end_byte - r[i].start_byte);
      o += r[i].end_byte - r[i].start_byte;
    }
    out[o] = 0;
  } else {
    snprintf(out, sizeof out, "ALL");
  }
  free(r);
  free(sk);
  ll_strmap_free(&w);
  return out;
}

static void partial_ranges(void **state) {
  (void)state;
  const char *src = "import os\n"
                    "X = (1,\n"
                    "def_not = 2)\n"
                    "def a():\n"
                    "    s = '''\n"
                    "def inside_string():\n"
                    "'''\n"
                    "# a comment at column 0 inside a body\n"
                    "    return s\n"
                    "@deco\n"
                    "\n"
                    "@other(1)\n"
                    "def b(x=[\n"
                    "1]):\n"
                    "    pass\n"
                    "class C(Base):\n"
                    "    def m(self): pass\n"
                    "async def d(): pass\n"
                    "Y = 1\n";
  const char *none[] = {NULL};
  assert_string_equal(kept(src, none), "import os\nX = (1,\ndef_not = 2)\nY = 1\n");
  const char *wa[] = {"a", NULL};
  assert_string_equal(kept(src, wa), "import os\nX = (1,\ndef_not = 2)\ndef a():\n    s = '''\ndef inside_string():\n'''\n"
                                     "# a comment at column 0 inside a body\n    return s\nY = 1\n");
  const char *wb[] = {"b", "C", NULL};
  assert_string_equal(kept(src, wb), "import os\nX = (1,\ndef_not = 2)\n@deco\n\n@other(1)\ndef b(x=[\n1]):\n    pass\n"
                                     "class C(Base):\n    def m(self): pass\nY = 1\n");
  const char *all[] = {"a", "b", "C", "d", NULL};
  assert_string_equal(kept(src, all), "ALL"); /* nothing left out: parse it whole */
  /* a kept definition brings the module's functions it calls (and module code its own) and
   * the classes it derives from; not names it only mentions, nor classes it only constructs */
  const char *chain = "def helper():\n    return _inner(Made())\ndef _inner(x: Hint):\n    return _deep()\n"
                      "def _deep(): pass\ndef make(): pass\nREGISTRY = [make(), other]\ndef other(): pass\n"
                      "class Base: pass\nclass Made: pass\nclass Hint: pass\nclass K(Base):\n    pass\n";
  const char *wh[] = {"helper", "K", NULL};
  assert_string_equal(kept(chain, wh), "def helper():\n    return _inner(Made())\ndef _inner(x: Hint):\n    return _deep()\n"
                                       "def _deep(): pass\ndef make(): pass\nREGISTRY = [make(), other]\n"
                                       "class Base: pass\nclass K(Base):\n    pass\n");
  /* a form feed at a line start is not indentation: the def after it is a top-level one */
  assert_string_equal(kept("X = 1\n\fdef g():\n    pass\nY = 2\n", none), "X = 1\nY = 2\n");
  /* not plain enough to split: an unterminated string, code before any statement */
  assert_string_equal(kept("def a():\n    x = '''\n", none), "ALL");
  assert_string_equal(kept("  x = 1\ndef a(): pass\n", none), "ALL");
}

static void summary_names(void **state) {
  (void)state;
  ll_file_facts f;
  ll_facts_init(&f);
  const char *src = "from pkg.mod import Thing\nclass Sub(Thing):\n    def go(self):\n        return self.fetch ( )\n";
  ll_lazy_summarize(src, strlen(src), &f);
  assert_true(ll_lazy_names(&f, "Thing", 5));
  assert_true(ll_lazy_names(&f, "mod", 3));
  assert_true(ll_lazy_names(&f, "fetch", 5));
  assert_false(ll_lazy_names(&f, "missing", 7));
  ll_facts_free(&f);
}

/* The old trigger scan, one memmem pass per trigger: the one-pass scanner must agree with it
 * on every text. */
static int ref_ident(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 || (c >= '0' && c <= '9');
}
static int ref_whole(const char *text, size_t len, const char *w) {
  size_t wl = strlen(w);
  const char *end = text + len;
  for (const char *p = text; (p = memmem(p, (size_t)(end - p), w, wl)) != NULL; p += wl)
    if ((p == text || !ref_ident((unsigned char)p[-1])) && (p + wl == end || !ref_ident((unsigned char)p[wl]))) return 1;
  return 0;
}
static int ref_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\\' || c == '\r' || c == '\n'; }
/* a module as code names it: whole, not after `.`, then `.`, `import` or `as` */
static int ref_module(const char *text, size_t len, const char *w) {
  size_t wl = strlen(w);
  const char *end = text + len;
  for (const char *p = text; (p = memmem(p, (size_t)(end - p), w, wl)) != NULL; p++) {
    if (p > text && (ref_ident((unsigned char)p[-1]) || p[-1] == '.')) continue;
    const char *q = p + wl;
    if (q < end && ref_ident((unsigned char)*q)) continue;
    while (q < end && ref_space((unsigned char)*q)) q++;
    if (q < end && *q == '.') return 1;
    for (int k = 0; k < 2; k++) {
      const char *kw = k ? "as" : "import";
      size_t kl = strlen(kw);
      if ((size_t)(end - q) >= kl && memcmp(q, kw, kl) == 0 && ((size_t)(end - q) == kl || !ref_ident((unsigned char)q[kl])))
        return 1;
    }
  }
  return 0;
}
static int ref_callback(const char *text, size_t len) {
  const char *end = text + len;
  for (const char *p = text; (p = memchr(p, '@', (size_t)(end - p))) != NULL;) {
    const char *q = ++p, *last = NULL;
    for (;;) {
      while (q < end && ref_space((unsigned char)*q)) q++;
      const char *s = q;
      while (q < end && ref_ident((unsigned char)*q)) q++;
      if (q == s) break;
      last = s;
      const char *d = q;
      while (d < end && ref_space((unsigned char)*d)) d++;
      if (d < end && *d == '.') { q = d + 1; continue; }
      break;
    }
    if (last) {
      size_t n = (size_t)(q - last);
      if ((n == 8 && memcmp(last, "callback", 8) == 0) || (n == 11 && memcmp(last, "ha_callback", 11) == 0)) return 1;
    }
  }
  for (const char *p = text; (p = memmem(p, (size_t)(end - p), "callback", 8)) != NULL;) {
    const char *q = p + 8;
    if (p > text && ref_ident((unsigned char)p[-1])) { p = q; continue; }
    if (q < end && ref_ident((unsigned char)*q)) { p = q; continue; }
    while (q < end && ref_space((unsigned char)*q)) q++;
    if (end - q > 3 && q[0] == 'a' && q[1] == 's' && ref_space((unsigned char)q[2])) return 1;
    p = p + 8;
  }
  return 0;
}
static int ref_hot(const ll_triggers *t, const char *text, size_t len) {
  for (size_t i = 0; i < t->words.len; i++)
    if (memmem(text, len, t->words.items[i], strlen(t->words.items[i]))) return 1;
  if (ref_whole(text, len, "async")) return 1;
  for (size_t i = 0; i < t->modules.len; i++)
    if (ref_module(text, len, t->modules.items[i])) return 1;
  return ref_callback(text, len);
}

static void hot_scan(void **state) {
  (void)state;
  ll_ruledb db;
  char err[256];
  ll_ruledb_init(&db);
  assert_int_equal(ll_ruledb_load_text(&db, "rules/coroutines.json",
                                       "{\"calls\": {\"coroutine\": [\"grpc.aio.Channel.close\", \"pdb.set_trace_async\", "
                                       "\"aiohttp.request\", \"asyncio.sleep\"]}}",
                                       err, sizeof err),
                   0);
  ll_triggers t;
  ll_triggers_init(&t, &db, 1);
  assert_true(t.modules.len >= 3);
  /* fixed cases, each way */
  static const struct { const char *text; int hot; } CASES[] = {
      {"x = 1\n", 0},
      {"async def f(): pass\n", 1},
      {"asyncio_x = 1\n", 0},
      {"import asyncio\n", 0}, /* named, never used */
      {"import asyncio\nasyncio.sleep(1)\n", 1},
      {"self._async_setup()\n", 1},
      {"@callback\ndef f(): pass\n", 1},
      {"@core . callback\ndef f(): pass\n", 1},
      {"@ha_callback\ndef f(): pass\n", 1},
      {"@xha_callback\ndef f(): pass\n", 0},
      {"@callback.other\ndef f(): pass\n", 0},
      {"@9callback\n", 0},
      {"from x import callback as cb\n", 1},
      {"from x import callback as", 0},
      {"callbacks = 1\n", 0},
      {"# noqa: LOOP101\n", 1},
      {"pdb.set_trace_async()\n", 1},
      {"from grpc import aio\n", 1},
      {"import trio as t, pdb \\\n  as p\n", 1},
      {"pdb\n", 0},
      {"channels = pdb\n", 0},
      {"self.pdb.run()\n", 0},
      {"pdbx.run()\n", 0},
      {"from grpc importer import x\n", 0},
      {"grpcx\n", 0},
      {"", 0},
      {"a", 0},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    size_t n = strlen(CASES[i].text);
    if (ll_lazy_is_hot(&t, CASES[i].text, n) != CASES[i].hot) fail_msg("scan wrong on \"%s\"", CASES[i].text);
    if (ref_hot(&t, CASES[i].text, n) != CASES[i].hot) fail_msg("reference wrong on \"%s\"", CASES[i].text);
  }
  /* random texts from pieces that make and break the triggers */
  static const char *const PIECES[] = {"async", "await", "asyn", "c", "_", "callback", "ha_", "@", ".", " ", "\\",
                                       "\n", "as", " as ", "x", "9", "pdb", "grpc", "aiohttp", "Async", "noq", "a",
                                       "import", " import ", "s",
                                       "create_tas", "k", "\xc3\xa9", "(", "#", "'"};
  unsigned seed = 12345;
  int hot = 0;
  for (int round = 0; round < 20000; round++) {
    char buf[128];
    size_t n = 0;
    int pieces = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 8;
    for (int k = 0; k < pieces; k++) {
      const char *pc = PIECES[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof PIECES / sizeof PIECES[0])];
      size_t pl = strlen(pc);
      if (n + pl >= sizeof buf) break;
      memcpy(buf + n, pc, pl);
      n += pl;
    }
    int want = ref_hot(&t, buf, n);
    hot += want;
    if (ll_lazy_is_hot(&t, buf, n) != want) fail_msg("scan disagrees on \"%.*s\": want %d", (int)n, buf, want);
  }
  assert_true(hot > 2000 && hot < 18000); /* both kinds were tried */
  ll_triggers_free(&t);
  ll_ruledb_free(&db);
}

/* The pinned grammars load in the runtime linked in, and field ids match the grammar's. */
static void grammars(void **state) {
  (void)state;
  char err[256] = "";
  assert_int_equal(ll_grammars_fit(err, sizeof err), 1);
  assert_int_not_equal(ll_field_id("name"), 0);
  assert_int_equal(ll_field_id("no_such_field"), 0);
  TSParser *p = ts_parser_new();
  ts_parser_set_language(p, tree_sitter_python());
  const char *src = "def f(x):\n    return x\n";
  TSTree *t = ts_parser_parse_string(p, NULL, src, (uint32_t)strlen(src));
  TSNode def = ts_node_named_child(ts_tree_root_node(t), 0);
  TSNode name = ll_field(def, "name");
  assert_int_equal(ts_node_start_byte(name), 4);
  assert_int_equal(ts_node_end_byte(name), 5);
  ts_tree_delete(t);
  ts_parser_delete(p);
}

/* A budget: spending past the limit answers 0 from then on; limit 0 is none. */
static void budget(void **state) {
  (void)state;
  ll_budget b = {0, 3};
  assert_int_equal(ll_budget_spend(&b, 2), 1);
  assert_int_equal(ll_budget_exhausted(&b), 0);
  assert_int_equal(ll_budget_spend(&b, 1), 1);
  assert_int_equal(ll_budget_spend(&b, 1), 0);
  assert_int_equal(ll_budget_exhausted(&b), 1);
  assert_int_equal(ll_budget_spend(&b, 0), 0);
  ll_budget none = {0, 0};
  assert_int_equal(ll_budget_spend(&none, UINT32_MAX), 1);
  assert_int_equal(ll_budget_exhausted(&none), 0);
}

/* The parser's limit counts operations: the same text stops at the same point every time,
 * a parse given up leaves the parser ready for the next text, and no limit parses it all. */
static void parse_limit(void **state) {
  (void)state;
  TSParser *p = ts_parser_new();
  ts_parser_set_language(p, tree_sitter_python());
  ll_strbuf big;
  ll_strbuf_init(&big);
  for (int i = 0; i < 2000; i++) ll_strbuf_addf(&big, "def f%d(a, b):\n    return a + b * %d\n", i, i);
  int over = 0;
  uint64_t ops = 0, ops2 = 0;
  TSTree *t = ll_parse_limited(p, NULL, big.data, (uint32_t)big.len, 0, &over, &ops);
  assert_non_null(t);
  assert_int_equal(over, 0);
  assert_true(ops > 1000);
  ts_tree_delete(t);
  t = ll_parse_limited(p, NULL, big.data, (uint32_t)big.len, ops / 2, &over, &ops2);
  assert_null(t);
  assert_int_equal(over, 1);
  assert_true(ops2 <= ops / 2 + 200);
  uint64_t ops3 = 0;
  t = ll_parse_limited(p, NULL, big.data, (uint32_t)big.len, ops / 2, &over, &ops3);
  assert_null(t);
  assert_int_equal(ops3, ops2); /* deterministic */
  /* the next parse starts afresh (not resumed from the one given up) */
  const char *small = "def g():\n    pass\n";
  t = ll_parse_limited(p, NULL, small, (uint32_t)strlen(small), ops / 2, &over, NULL);
  assert_non_null(t);
  assert_int_equal(over, 0);
  assert_false(ts_node_has_error(ts_tree_root_node(t)));
  assert_int_equal(ts_node_named_child_count(ts_tree_root_node(t)), 1);
  ts_tree_delete(t);
  ll_strbuf_free(&big);
  ts_parser_delete(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ruledb_errors), cmocka_unit_test(ruledb_lookup), cmocka_unit_test(ruledb_types_sections), cmocka_unit_test(ruledb_bases_decorators),
      cmocka_unit_test(positions),     cmocka_unit_test(positions_long_lines),
      cmocka_unit_test(utf8),          cmocka_unit_test(selection),     cmocka_unit_test(strmap),
      cmocka_unit_test(u32map),        cmocka_unit_test(partial_ranges), cmocka_unit_test(summary_names),
      cmocka_unit_test(grammars),      cmocka_unit_test(hot_scan),      cmocka_unit_test(budget),
      cmocka_unit_test(parse_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
