/* lint_helper.h: runs the real engine on an in-memory source with a small in-memory rules
 * database, so unit tests assert on findings without touching the file system. */
#ifndef LL_TEST_LINT_HELPER_H
#define LL_TEST_LINT_HELPER_H
#include <stdio.h>
#include <string.h>
#include "rules/engine.h"

static const char TEST_RULES[] =
    "{\"categories\": {\"sleep\":\"LOOP101\",\"http\":\"LOOP102\",\"subprocess\":\"LOOP103\",\"file\":\"LOOP104\","
    "\"socket\":\"LOOP105\",\"other\":\"LOOP106\"},"
    " \"blocking\": ["
    "  {\"name\":\"time.sleep\",\"category\":\"sleep\"},"
    "  {\"name\":\"requests.get\",\"category\":\"http\"},"
    "  {\"name\":\"requests.Session.get\",\"category\":\"http\"},"
    "  {\"name\":\"builtins.open\",\"category\":\"file\"},"
    "  {\"name\":\"io.TextIOWrapper.read\",\"category\":\"file\"},"
    "  {\"name\":\"pathlib.Path.read_text\",\"category\":\"file\"},"
    "  {\"name\":\"pathlib.Path.glob\",\"category\":\"file\",\"lazy\":true},"
    "  {\"name\":\"os.spawn*\",\"category\":\"subprocess\",\"except\":[\"os.spawnzz\"]},"
    "  {\"name\":\"pkg.helpers.slow\",\"category\":\"other\"}"
    " ],"
    " \"offload\": {\"functions\":[\"asyncio.to_thread\"],\"methods\":[\"run_in_executor\"]},"
    " \"returns\": {\"requests.Session\":\"requests.Session\",\"pathlib.Path\":\"pathlib.Path\","
    "  \"pathlib.Path.__truediv__\":\"pathlib.Path\",\"pathlib.Path.parent\":\"pathlib.Path\","
    "  \"builtins.open\":\"io.TextIOWrapper\", \"io.TextIOWrapper.__enter__\":\"io.TextIOWrapper\"}}";

typedef struct test_env {
  ll_ruledb db;
  ll_linter linter;
  TSParser *parser;
  ll_findings out;
} test_env;

static inline void test_env_init(test_env *e, int ha_mode) {
  char err[256];
  ll_ruledb_init(&e->db);
  if (ll_ruledb_load_text(&e->db, "test", TEST_RULES, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    abort();
  }
  ll_settings s = {.ha_mode = ha_mode};
  ll_linter_init(&e->linter, &e->db, &s);
  e->parser = ts_parser_new();
  ll_findings_init(&e->out);
}

static inline void test_env_free(test_env *e) {
  ll_findings_free(&e->out);
  ts_parser_delete(e->parser);
  ll_linter_free(&e->linter);
  ll_ruledb_free(&e->db);
}

/* Lints code as file `path`; returns "CODE@row CODE@row ..." (sorted) in buf. */
static inline const char *lint_codes(test_env *e, const char *path, const char *code, char *buf, size_t size) {
  ll_findings_free(&e->out);
  ll_findings_init(&e->out);
  ll_source src;
  ll_source_from_buffer(&src, path, code, strlen(code));
  ll_lint_source(&e->linter, e->parser, &src, &e->out, NULL);
  ll_source_free(&src);
  ll_findings_sort(&e->out);
  buf[0] = 0;
  size_t n = 0;
  for (size_t i = 0; i < e->out.v.len; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%s@%u", i ? " " : "", e->out.v.items[i].code,
                          e->out.v.items[i].start.row);
  return buf;
}
#endif
