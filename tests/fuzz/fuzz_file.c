/* fuzz_file.c: the whole per-file pipeline on arbitrary bytes: read (NUL / UTF-8 checks,
 * line index), parse, the one walk with every rule, the facts, the project pass over this
 * one file, `# noqa` suppression and LOOP902, then every output format. The facts must also
 * survive the cache: encoded, decoded and encoded again they give the same bytes.
 * The first input byte picks the file's path (package module, Home Assistant integration,
 * test file, stub) and Home Assistant mode; the rest is the file. */
#include "fuzz_common.h"

#include "driver/cache.h"
#include "driver/suppress.h"
#include "model/project.h"
#include "report/report.h"

static const char *const PATHS[] = {"pkg/mod.py", "custom_components/demo/sensor.py", "tests/test_mod.py",
                                    "pkg/__init__.pyi"};
static const char *const MODULES[] = {"pkg.mod", "custom_components.demo.sensor", "tests.test_mod", "pkg"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FZ_MAX_INPUT) return 0;
  const ll_linter *l = fz_linter();
  unsigned sel = data[0];
  size_t which = sel & 3;
  int ha = (int)((sel >> 2) % 3) - 1; /* -1 auto, 0 off, 1 on */
  ll_source src;
  ll_source_from_buffer(&src, PATHS[which], (const char *)data + 1, size - 1);
  src.module = MODULES[which];
  src.is_package = which == 3;

  TSParser *parser = ts_parser_new();
  ll_findings out;
  ll_findings_init(&out);
  ll_file_facts facts;
  ll_facts_init(&facts);
  facts.db = l->db;
  ll_lint_source_ha(l, parser, &src, &out, &facts, ha);

  /* the cache round trip: what a warm run reads back is what the cold run wrote */
  ll_strbuf a, b;
  ll_strbuf_init(&a);
  ll_strbuf_init(&b);
  ll_cache_encode(&a, 1, &out, &facts);
  ll_findings back;
  ll_findings_init(&back);
  ll_file_facts bf;
  ll_facts_init(&bf);
  bf.path = ll_arena_strdup(&bf.arena, src.path);
  int st = ll_cache_decode((const unsigned char *)a.data, a.len, &back, &bf);
  FZ_ASSERT(st == 1, "a freshly encoded result does not decode (%d)", st);
  ll_cache_encode(&b, 1, &back, &bf);
  FZ_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "the cache round trip changed the result");
  ll_strbuf_free(&a);
  ll_strbuf_free(&b);
  ll_findings_free(&back);
  ll_facts_free(&bf);

  /* the project pass over this file alone, then noqa, as a run does */
  ll_project p;
  ll_project_build(&p, &facts, 1, l->db);
  ll_project_check(&p, &out);
  ll_project_free(&p);
  ll_suppress_apply(&out, &facts, 1);
  ll_suppress_report_unused(&out, &facts, 1);
  ll_findings_sort(&out);

  ll_report_opts ro = {.tool_version = "fuzz", .stdin_path = src.path, .stdin_text = src.text, .stdin_len = src.len};
  static const ll_format FORMATS[] = {LL_FMT_CONCISE, LL_FMT_FULL,  LL_FMT_JSON, LL_FMT_JSON_LINES,
                                      LL_FMT_GITHUB,  LL_FMT_SARIF, LL_FMT_JUNIT};
  for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++) {
    ro.format = FORMATS[i];
    ro.color = (int)(i & 1);
    ll_report_write(fz_null(), &out, &ro);
  }

  ll_facts_free(&facts);
  ll_findings_free(&out);
  ts_parser_delete(parser);
  ll_source_free(&src);
  return 0;
}
