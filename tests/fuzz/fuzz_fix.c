/* fuzz_fix.c: fix application. The input is written as a module of a package and linted as a
 * run lints it (file-local rules and the project pass); then every fix, unsafe ones too, is
 * applied as `check --fix --unsafe-fixes` applies them (the file is rewritten), and the result
 * linted again and given `--add-noqa` comments. The promise checked: no applied fix, and no
 * noqa comment, leaves the file with more syntax errors than it had (a file that parsed still
 * parses), and a file nothing could be applied to is left byte for byte as it was. */
#include "fuzz_common.h"

#include "driver/batch.h"
#include "fix/apply.h"
#include "fix/edit.h"
#include "front/source.h"

static void lint_file(const ll_linter *l, const char *path, ll_batch_result *res) {
  ll_pathlist files = {0}, context = {0};
  ll_vec_push(&files, ll_xstrdup(path));
  ll_batch_opts o = {.nthreads = 1};
  ll_batch_run(l, &files, &context, NULL, &o, res);
  ll_pathlist_free(&files);
}

static void read_back(const char *path, ll_source *src) {
  char err[256];
  if (ll_source_read(src, path, err, sizeof err) != 0) {
    fprintf(stderr, "fuzz: %s: %s\n", path, err);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FZ_MAX_INPUT / 2) return 0;
  const ll_linter *l = fz_linter();
  char dir[400], path[440];
  snprintf(dir, sizeof dir, "%s/fix", fz_tmpdir());
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/__init__.py", dir);
  fz_write(path, "", 0);
  snprintf(path, sizeof path, "%s/mod.py", dir);
  fz_write(path, data + 1, size - 1);
  size_t base = ll_edit_syntax_errors((const char *)data + 1, size - 1);

  /* the messages of skipped fixes are not what is tested: keep the log readable */
  FILE *saved = stderr;
  stderr = fz_null();
  ll_batch_result res;
  lint_file(l, path, &res);
  ll_apply_opts ao = {.unsafe = data[0] & 1};
  int fixed = ll_apply_fixes(l, &res.findings, &ao);
  ll_batch_result_free(&res);
  stderr = saved;
  FZ_ASSERT(fixed >= 0, "the fixed file could not be written");

  ll_source after;
  read_back(path, &after);
  size_t now = ll_edit_syntax_errors(after.text, after.len);
  FZ_ASSERT(now <= base, "fixes left %zu syntax errors where there were %zu", now, base);
  if (fixed == 0)
    FZ_ASSERT(after.len == size - 1 && memcmp(after.text, data + 1, size - 1) == 0, "no fix applied, yet the file changed");

  stderr = fz_null();
  lint_file(l, path, &res);
  int added = ll_apply_add_noqa(l, &res.findings, 0);
  ll_batch_result_free(&res);
  stderr = saved;
  FZ_ASSERT(added >= 0, "the noqa comments could not be written");
  ll_source noqa;
  read_back(path, &noqa);
  size_t later = ll_edit_syntax_errors(noqa.text, noqa.len);
  FZ_ASSERT(later <= now, "noqa comments left %zu syntax errors where there were %zu", later, now);
  ll_source_free(&noqa);
  ll_source_free(&after);
  return 0;
}
