/* fuzz_noqa.c: `# noqa` parsing and suppression. Each input line becomes a comment: even
 * lines at the end of a statement that has a finding (`time.sleep(...)` in an async def),
 * odd lines on a line of their own (where `# looplint: noqa` is file-level). The file is
 * linted, the directives read into its facts, applied to its findings, and the unused ones
 * reported (LOOP902). Suppression only ever removes findings. */
#include "fuzz_common.h"

#include "driver/suppress.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FZ_MAX_INPUT / 4) return 0;
  const ll_linter *l = fz_linter();
  ll_strbuf text;
  ll_strbuf_init(&text);
  ll_strbuf_add(&text, "import time\nimport asyncio\nasync def f():\n");
  size_t start = 0, line = 0;
  for (size_t i = 0; i <= size; i++) {
    if (i < size && data[i] != '\n') continue;
    if (line % 2 == 0) ll_strbuf_addf(&text, "    time.sleep(%zu); asyncio.create_task(f())  ", line);
    else ll_strbuf_add(&text, "    ");
    ll_strbuf_addn(&text, (const char *)data + start, i - start);
    ll_strbuf_addc(&text, '\n');
    start = i + 1;
    line++;
  }
  ll_source src;
  ll_source_from_buffer(&src, "pkg/mod.py", text.data, text.len);
  src.module = "pkg.mod";
  TSParser *parser = ts_parser_new();
  ll_findings out;
  ll_findings_init(&out);
  ll_file_facts facts;
  ll_facts_init(&facts);
  facts.db = l->db;
  ll_lint_source(l, parser, &src, &out, &facts);
  size_t before = out.v.len;
  for (size_t i = 0; i < facts.noqa.len; i++) {
    const ll_noqa *d = &facts.noqa.items[i];
    FZ_ASSERT(d->ncodes <= LL_NOQA_MAX_CODES, "too many codes");
    for (uint8_t k = 0; k < d->ncodes; k++)
      FZ_ASSERT(d->written[k] && (!d->codes[k] || strncmp(d->codes[k], "LOOP", 4) == 0),
                "a directive code without its text, or mapped to another tool's code"); /* NULL: not ours */
  }
  ll_suppress_apply(&out, &facts, 1);
  FZ_ASSERT(out.v.len <= before, "suppression added findings");
  ll_suppress_report_unused(&out, &facts, 1);
  ll_findings_sort(&out);
  ll_facts_free(&facts);
  ll_findings_free(&out);
  ts_parser_delete(parser);
  ll_source_free(&src);
  ll_strbuf_free(&text);
  return 0;
}
