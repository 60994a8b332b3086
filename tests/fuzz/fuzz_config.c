/* fuzz_config.c: the TOML configuration reader. The input is written as pyproject.toml or
 * looplint.toml (first byte) and read as a run reads it: ll_config_load, then found through
 * the finder for a file below it, and when it loads, every question a run asks of it
 * (exclusion, per-file-ignores, test paths, selection), and its extra-blocking and
 * extra-coroutines merged into a rules database that then lints a small file. */
#include "fuzz_common.h"

#include "config/config.h"
#include "driver/suppress.h"

static const char BASE_RULES[] =
    "{\"categories\": {\"sleep\":\"LOOP101\",\"file\":\"LOOP104\",\"other\":\"LOOP106\"},"
    " \"blocking\": [{\"name\":\"time.sleep\",\"category\":\"sleep\"}]}";

static const char SNIPPET[] =
    "import time, pkg.helpers\nfrom lib import slow\nasync def f(x):\n    time.sleep(1)\n"
    "    pkg.helpers.slow()\n    slow(x)\n    await pkg.helpers.fetch()\n    pkg.helpers.fetch()\n";

static const char *const PROBES[] = {"pkg/mod.py", "tests/test_x.py", "build/x.py", "pkg/sub/conftest.py",
                                     "a_test.py", "x/y/z/w.pyi", "", "/abs/olute.py"};
static const char *const CODES[] = {"LOOP101", "LOOP104", "LOOP110", "LOOP201", "LOOP301", "LOOP901", "LOOP902"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FZ_MAX_INPUT) return 0;
  char dir[400], path[440], file[460], err[512];
  snprintf(dir, sizeof dir, "%s/cfg", fz_tmpdir());
  mkdir(dir, 0755);
  const char *name = data[0] & 1 ? "looplint.toml" : "pyproject.toml";
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(file, sizeof file, "%s/pkg/mod.py", dir);
  unlink(data[0] & 1 ? "pyproject.toml" : "looplint.toml");
  fz_write(path, data + 1, size - 1);

  ll_config cfg;
  int rc = ll_config_load(&cfg, path, err, sizeof err);
  if (rc == 1) {
    for (size_t i = 0; i < sizeof PROBES / sizeof *PROBES; i++) {
      (void)ll_config_excludes(&cfg, PROBES[i]);
      (void)ll_config_is_test_path(&cfg, PROBES[i]);
      char *rel = ll_config_relpath(&cfg, PROBES[i]);
      free(rel);
      for (size_t c = 0; c < sizeof CODES / sizeof *CODES; c++) (void)ll_config_ignores_for_file(&cfg, PROBES[i], CODES[c]);
    }
    for (size_t c = 0; c < sizeof CODES / sizeof *CODES; c++) {
      (void)ll_selection_enabled(&cfg.selection, CODES[c]);
      (void)ll_config_test_profile_holds(CODES[c]);
    }
    ll_ruledb db;
    ll_ruledb_init(&db);
    if (ll_ruledb_load_text(&db, "base", BASE_RULES, err, sizeof err) != 0) abort();
    if (ll_config_extend_db(&cfg, &db, err, sizeof err) == 0) {
      ll_settings s = {.ha_mode = cfg.homeassistant};
      ll_linter lt;
      ll_linter_init(&lt, &db, &s);
      TSParser *parser = ts_parser_new();
      ll_source src;
      ll_source_from_buffer(&src, "pkg/mod.py", SNIPPET, sizeof SNIPPET - 1);
      ll_findings out;
      ll_findings_init(&out);
      ll_file_facts facts;
      ll_facts_init(&facts);
      facts.db = &db;
      ll_lint_source(&lt, parser, &src, &out, &facts);
      ll_suppress_apply(&out, &facts, 1);
      ll_facts_free(&facts);
      ll_findings_free(&out);
      ll_source_free(&src);
      ts_parser_delete(parser);
      ll_linter_free(&lt);
    }
    ll_ruledb_free(&db);
    ll_config_free(&cfg);
  }
  /* the way a run finds it: nearest upward from a linted file */
  ll_config_finder finder;
  ll_config_finder_init(&finder);
  const ll_config *found = NULL;
  if (ll_config_for(&finder, file, &found, err, sizeof err) == 0 && found) (void)ll_config_excludes(found, file);
  ll_config_finder_free(&finder);
  return 0;
}
