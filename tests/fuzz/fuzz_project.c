/* fuzz_project.c: a small project made from the input, so the project pass and the
 * on-demand rounds run: the input is split at lines "#---" into up to three modules of one
 * package (pkg/__init__.py, pkg/a.py, pkg/b.py), written to a scratch folder and linted as
 * `looplint check` lints a folder (lazy: cold modules are summarised, parsed in part or whole
 * when another file needs them), then reported as JSON. The first byte picks variants: b.py
 * as context only (definitions), every file parsed (--no-lazy), `# noqa` reporting. */
#include "fuzz_common.h"

#include "driver/batch.h"
#include "report/report.h"

static const char *const NAMES[] = {"__init__.py", "a.py", "b.py"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FZ_MAX_INPUT) return 0;
  const ll_linter *l = fz_linter();
  unsigned sel = data[0];
  char dir[400], path[3][420];
  snprintf(dir, sizeof dir, "%s/pkg", fz_tmpdir());
  mkdir(dir, 0755);
  const uint8_t *parts[3];
  size_t lens[3];
  size_t n = fz_split(data + 1, size - 1, parts, lens, 3);
  ll_pathlist files = {0}, context = {0};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path[i], sizeof path[i], "%s/%s", dir, NAMES[i]);
    /* one part: a module beside an empty __init__.py; two or three: the modules in order */
    size_t k = n == 1 ? (i == 1 ? 0 : 9) : i;
    if (k < n) fz_write(path[i], parts[k], lens[k]);
    else if (i == 0) fz_write(path[i], "", 0);
    else { unlink(path[i]); continue; }
    if (i == 2 && (sel & 1)) ll_vec_push(&context, ll_xstrdup(path[i]));
    else ll_vec_push(&files, ll_xstrdup(path[i]));
  }
  ll_batch_opts o = {.nthreads = 1, .no_lazy = (sel >> 1) & 1, .report_unused_noqa = (sel >> 2) & 1};
  ll_batch_result res;
  ll_batch_run(l, &files, &context, NULL, &o, &res);
  ll_report_opts ro = {.format = LL_FMT_JSON, .tool_version = "fuzz"};
  ll_report_write(fz_null(), &res.findings, &ro);
  ll_batch_result_free(&res);
  ll_pathlist_free(&files);
  ll_pathlist_free(&context);
  return 0;
}
