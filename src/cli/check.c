/* check.c: `looplint check`: options, loading the rules data, collecting files, running
 * the batch, filtering by selection, printing, and the exit code contract
 * (0 clean, 1 findings, 2 usage error, bad rules data or unreadable input). */
#include "../driver/batch.h"
#include "../config/config.h"
#include "../fix/apply.h"
#include "../runtime/watch.h"
#include "../report/report.h"
#include "../rules/engine.h"
#include "../diag/registry.h"
#include "../config/select.h"
#include "../util/fs.h"
#include "../util/strbuf.h"
#include "../util/strmap.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* LOOPLINT_TIMING=1: phase times on stderr, for profiling (the benchmark lives in bench/). */
static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
static void phase(const char *name, double *t) {
  static int on = -1;
  if (on < 0) on = getenv("LOOPLINT_TIMING") != NULL;
  double n = now_ms();
  if (on) fprintf(stderr, "timing: %-10s %8.1f ms\n", name, n - *t);
  *t = n;
}

static const char CHECK_USAGE[] =
    "Usage: looplint check [OPTIONS] [PATH...]\n"
    "\n"
    "Lints Python files and folders (recursively, *.py and *.pyi) for code that blocks or\n"
    "mismanages the asyncio event loop. No PATH: the current folder. PATH `-` reads standard input.\n"
    "\n"
    "Options:\n"
    "  --output-format FMT     concise (default; also `text`), full, json, json-lines, github, sarif, junit\n"
    "  --select CODES          only these codes or prefixes (comma-separated, e.g. LOOP1,LOOP301)\n"
    "  --extend-select CODES   add codes to the selection\n"
    "  --ignore CODES          leave these codes or prefixes out\n"
    "  --fix                   apply the safe fixes (files are rewritten atomically, and only if they still parse)\n"
    "  --unsafe-fixes          with --fix/--diff, also the unsafe ones (e.g. moving a call to a worker thread)\n"
    "  --diff                  print the fixes as a unified diff instead of writing them\n"
    "  --add-noqa              add `# noqa: CODE` comments for every finding\n"
    "  --force-exclude         apply `exclude` to paths given on the command line too\n"
    "  --show-settings FILE    print the settings that apply to FILE and exit\n"
    "  --rules FILE            load extra rules data (e.g. from `looplint native --emit-rules`)\n"
    "  --ha / --no-ha          force Home Assistant mode on or off (default: by path and imports)\n"
    "  --include-tests         report everything in test code too (by default blocking calls, LOOP1xx,\n"
    "                          and cancellation handling, LOOP4xx, are held back there; see `lint-tests`)\n"
    "  --stdin-filename PATH   lint standard input as if it were PATH\n"
    "  --no-lazy               parse every file whole (by default a file that cannot hold a hazard is\n"
    "                          parsed only as far as another file needs its definitions; same findings,\n"
    "                          but code nothing needs is not syntax-checked)\n"
    "  --no-project            file-local rules only (no cross-file analysis): for measurements\n"
    "  --parse-only            benchmark floor: parse every file with tree-sitter, report nothing\n"
    "  --verify -- COMMAND     also run COMMAND under libloopwatch: findings seen at run time get\n"
    "                          \"confirmed\": true in JSON, runtime events no rule found are LOOP904\n"
    "  --threads N             worker threads (default: one per core)\n"
    "  --no-cache              do not read or write the result cache (.looplint_cache/)\n"
    "  --cache-dir DIR         where the cache lives (also LOOPLINT_CACHE_DIR)\n"
    "  --statistics            print a count per code instead of the findings (with the roots LOOP110/111\n"
    "                          call sites share, and what the test profile held back)\n"
    "  --no-group              report every LOOP110/111 call site on its own (by default the call sites\n"
    "                          of one helper are one finding, the others its related locations)\n"
    "  --report-unused-noqa    report `# noqa` directives that suppress nothing (LOOP902)\n"
    "  -q, --quiet             print findings only, no summary\n"
    "  --exit-zero             exit 0 even when there are findings\n"
    "  -h, --help              this help\n";

const char *ll_cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '=') return a + n + 1;
  if (a[n] != 0) return NULL;
  if (*i + 1 >= argc) { *missing = 1; return NULL; }
  (*i)++;
  return argv[*i];
}

typedef struct check_opts {
  ll_report_opts report;
  ll_strlist cli_select, cli_extend, cli_ignore; /* as given; combined with each file's config */
  int cli_has_select;
  ll_settings settings;
  LL_VEC(const char *) rules_files;
  LL_VEC(char *) paths;
  const char *stdin_filename;
  int exit_zero;
  int threads;
  int report_unused_noqa;
  int statistics;
  int no_group; /* --no-group: each call site of a root on its own */
  int force_exclude;
  int include_tests; /* --include-tests: lint-tests = "all" for every file */
  const char *show_settings;
  int fix, diff, unsafe_fixes, add_noqa;
  int no_lazy;
  int parse_only;
  int no_project;
  int verify;        /* --verify -- COMMAND: confirm findings at run time */
  char **verify_cmd; /* points into argv */
  int no_cache;
  const char *cache_dir;
} check_opts;

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "looplint: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nRun `looplint check --help` for the options.\n");
  return 2;
}

/* Checks that every selector in a comma/space list names at least one rule code. */
static int validate_selectors(const char *list, char *err, size_t errlen) {
  ll_selection scratch;
  ll_selection_init(&scratch);
  int rc = ll_selection_add(&scratch, 0, list, 0, err, errlen);
  ll_selection_free(&scratch);
  return rc;
}

/* Returns -1 to continue, or an exit code. */
static int parse_args(int argc, char **argv, check_opts *o) {
  char err[256];
  int only_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    int missing = 0;
    if (only_paths || a[0] != '-' || strcmp(a, "-") == 0) { ll_vec_push(&o->paths, argv[i]); continue; }
    if (strcmp(a, "--") == 0) {
      if (o->verify) { o->verify_cmd = &argv[i + 1]; break; } /* the rest is the command to watch */
      only_paths = 1;
      continue;
    }
    if (strcmp(a, "--verify") == 0) { o->verify = 1; continue; }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { fputs(CHECK_USAGE, stdout); return 0; }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { o->report.quiet = 1; continue; }
    if (strcmp(a, "--exit-zero") == 0) { o->exit_zero = 1; continue; }
    if (strcmp(a, "--report-unused-noqa") == 0) { o->report_unused_noqa = 1; continue; }
    if (strcmp(a, "--statistics") == 0) { o->statistics = 1; continue; }
    if (strcmp(a, "--no-group") == 0) { o->no_group = 1; continue; }
    if (strcmp(a, "--ha") == 0) { o->settings.ha_mode = 1; continue; }
    if (strcmp(a, "--no-ha") == 0) { o->settings.ha_mode = 0; continue; }
    if (strcmp(a, "--no-cache") == 0) { o->no_cache = 1; continue; }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--cache-dir", &missing))) { o->cache_dir = v; continue; }
    if (strcmp(a, "--no-lazy") == 0) { o->no_lazy = 1; continue; }
    if (strcmp(a, "--parse-only") == 0) { o->parse_only = 1; continue; }
    if (strcmp(a, "--no-project") == 0) { o->no_project = 1; continue; }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--output-format", &missing)) ||
        (v = ll_cli_opt_value(argc, argv, &i, "--format", &missing))) {
      if (ll_report_parse_format(v, &o->report.format) != 0) {
        fprintf(stderr, "looplint: unknown output format `%s` (one of: %s)\n", v, ll_report_format_names());
        return 2;
      }
      continue;
    }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--select", &missing))) {
      if (validate_selectors(v, err, sizeof err)) return usage_error("%s", err);
      for (size_t k = 0; k < o->cli_select.len; k++) free(o->cli_select.items[k]);
      o->cli_select.len = 0;
      ll_vec_push(&o->cli_select, ll_xstrdup(v));
      o->cli_has_select = 1;
      continue;
    }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--extend-select", &missing))) {
      if (validate_selectors(v, err, sizeof err)) return usage_error("%s", err);
      ll_vec_push(&o->cli_extend, ll_xstrdup(v));
      continue;
    }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--ignore", &missing))) {
      if (validate_selectors(v, err, sizeof err)) return usage_error("%s", err);
      ll_vec_push(&o->cli_ignore, ll_xstrdup(v));
      continue;
    }
    if (strcmp(a, "--force-exclude") == 0) { o->force_exclude = 1; continue; }
    if (strcmp(a, "--include-tests") == 0) { o->include_tests = 1; continue; }
    if (strcmp(a, "--fix") == 0) { o->fix = 1; continue; }
    if (strcmp(a, "--no-fix") == 0) { o->fix = 0; continue; }
    if (strcmp(a, "--diff") == 0) { o->diff = 1; continue; }
    if (strcmp(a, "--unsafe-fixes") == 0) { o->unsafe_fixes = 1; continue; }
    if (strcmp(a, "--add-noqa") == 0) { o->add_noqa = 1; continue; }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--show-settings", &missing))) { o->show_settings = v; continue; }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--rules", &missing))) { ll_vec_push(&o->rules_files, v); continue; }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--stdin-filename", &missing))) { o->stdin_filename = v; continue; }
    if ((v = ll_cli_opt_value(argc, argv, &i, "--threads", &missing))) {
      char *end;
      long t = strtol(v, &end, 10);
      if (*end || t < 1 || t > 64) return usage_error("--threads wants a number from 1 to 64, not `%s`", v);
      o->threads = (int)t;
      continue;
    }
    if (missing) return usage_error("option `%s` needs a value", a);
    return usage_error("unknown option `%s`", a);
  }
  return -1;
}

/* --statistics: one line per code, most frequent first (ruff's layout); JSON as an array.
 * A code whose findings share roots (LOOP110/111: call sites of one helper) says how many
 * roots its call sites have; what the test profile held back is said last (text), or as a
 * last entry with code null (JSON). */
static void print_statistics(const ll_findings *fs, const ll_report_opts *ro) {
  const ll_rule_info *all = ll_registry_all();
  size_t counts[64] = {0}, roots[64] = {0}, order[64], n = 0;
  int grouped[64] = {0};
  ll_strmap seen;
  ll_strmap_init(&seen);
  for (size_t r = 0; all[r].code && r < 64; r++) {
    for (size_t i = 0; i < fs->v.len; i++) {
      const ll_finding *f = &fs->v.items[i];
      if (strcmp(f->code, all[r].code) != 0) continue;
      counts[r]++;
      if (!f->group) roots[r]++;
      else {
        grouped[r] = 1;
        if (!ll_strmap_get(&seen, f->group)) {
          ll_strmap_put(&seen, f->group, (void *)1);
          roots[r]++;
        }
      }
    }
    if (counts[r]) order[n++] = r;
  }
  ll_strmap_free(&seen);
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && counts[order[j]] > counts[order[j - 1]]; j--) {
      size_t t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
    }
  int json = ro->format == LL_FMT_JSON || ro->format == LL_FMT_JSON_LINES;
  size_t held = ro->tests_held_back;
  if (json) fputs("[", stdout);
  for (size_t i = 0; i < n; i++) {
    size_t k = order[i];
    const ll_rule_info *r = &all[k];
    if (json) {
      printf("%s\n  {\"code\": \"%s\", \"name\": \"%s\", \"count\": %zu", i ? "," : "", r->code, r->name, counts[k]);
      if (grouped[k]) printf(", \"roots\": %zu", roots[k]);
      fputs("}", stdout);
    } else if (grouped[k])
      printf("%5zu\t%s\t%s\t(%zu call sites through %zu root%s)\n", counts[k], r->code, r->name, counts[k], roots[k],
             roots[k] == 1 ? "" : "s");
    else printf("%5zu\t%s\t%s\n", counts[k], r->code, r->name);
  }
  if (json && held)
    printf("%s\n  {\"code\": null, \"name\": \"held-back-in-tests\", \"count\": %zu}", n ? "," : "", held);
  if (json) fputs(n || held ? "\n]\n" : "]\n", stdout);
  else if (held)
    printf("%zu finding%s in test code held back (blocking calls and cancellation handling; `--include-tests` shows "
           "them)\n", held, held == 1 ? "" : "s");
}

/* Whether code is on for files under cfg: the configuration decides first, then the command
 * line on top, as in ruff: --select starts afresh, --extend-select and --ignore override the
 * configuration for the codes they name (the more specific selector wins within the CLI). */
static int code_enabled(const check_opts *o, const ll_config *cfg, const char *code) {
  ll_selection cli;
  char err[128];
  ll_selection_init(&cli);
  for (size_t i = 0; i < o->cli_select.len; i++) ll_selection_add(&cli, 0, o->cli_select.items[i], 0, err, sizeof err);
  for (size_t i = 0; i < o->cli_extend.len; i++) ll_selection_add(&cli, 0, o->cli_extend.items[i], 0, err, sizeof err);
  for (size_t i = 0; i < o->cli_ignore.len; i++) ll_selection_add(&cli, 1, o->cli_ignore.items[i], 0, err, sizeof err);
  int enabled = ll_selection_enabled_over(&cfg->selection, &cli, o->cli_has_select, code);
  ll_selection_free(&cli);
  return enabled;
}

static void print_list(const char *name, char *const *items, size_t n) {
  printf("%-18s [", name);
  for (size_t i = 0; i < n; i++) printf("%s\"%s\"", i ? ", " : "", items[i]);
  puts("]");
}

/* --show-settings FILE */
/* Whether the test profile holds a finding of code in file back: test code, a code it holds
 * (blocking calls, cancellation handling), and neither `lint-tests = "all"` nor
 * --include-tests. */
static int held_in_tests(const check_opts *o, const ll_config *cfg, const char *file, const char *code) {
  if (o->include_tests || cfg->lint_tests == LL_LINT_TESTS_ALL || !ll_config_test_profile_holds(code)) return 0;
  return ll_config_is_test_path(cfg, file);
}

static int show_settings(const check_opts *o, ll_config_finder *finder, const char *file) {
  char err[512];
  const ll_config *cfg;
  if (ll_config_for(finder, file, &cfg, err, sizeof err)) { fprintf(stderr, "looplint: bad configuration: %s\n", err); return 2; }
  printf("%-18s %s\n", "file", file);
  printf("%-18s %s\n", "config", cfg->path ? cfg->path : "(none: defaults)");
  if (cfg->selection.select_given) print_list("select", cfg->selection.select.items, cfg->selection.select.len);
  else puts("select             [\"LOOP\"]");
  print_list("ignore", cfg->selection.ignore.items, cfg->selection.ignore.len);
  if (o->cli_select.len || o->cli_extend.len || o->cli_ignore.len) {
    print_list("cli select", o->cli_select.items, o->cli_select.len);
    print_list("cli extend-select", o->cli_extend.items, o->cli_extend.len);
    print_list("cli ignore", o->cli_ignore.items, o->cli_ignore.len);
  }
  printf("%-18s [", "enabled codes");
  int first = 1;
  for (const ll_rule_info *r = ll_registry_all(); r->code; r++)
    if (code_enabled(o, cfg, r->code) && !ll_config_ignores_for_file(cfg, file, r->code)) {
      printf("%s%s", first ? "" : ", ", r->code);
      first = 0;
    }
  puts("]");
  print_list("exclude", cfg->exclude.items, cfg->exclude.len);
  printf("%-18s %s\n", "excluded", ll_config_excludes(cfg, file) ? "yes" : "no");
  printf("%-18s [", "per-file-ignores");
  for (size_t i = 0; i < cfg->per_file_ignores.len; i++) {
    const ll_per_file_ignore *p = &cfg->per_file_ignores.items[i];
    printf("%s\"%s\" = [", i ? ", " : "", p->pattern);
    for (size_t c = 0; c < p->codes.len; c++) printf("%s\"%s\"", c ? ", " : "", p->codes.items[c]);
    printf("]");
  }
  puts("]");
  int ha = o->settings.ha_mode >= 0 ? o->settings.ha_mode : cfg->homeassistant;
  printf("%-18s %s\n", "homeassistant", ha < 0 ? "auto (by path and imports)" : ha ? "true" : "false");
  printf("%-18s %zu\n", "extra-blocking", cfg->extra_blocking.len);
  print_list("extra-coroutines", cfg->extra_coroutines.items, cfg->extra_coroutines.len);
  printf("%-18s %s\n", "target-version", cfg->target_version ? cfg->target_version : "(not set)");
  if (cfg->has_test_paths) print_list("test-paths", cfg->test_paths.items, cfg->test_paths.len);
  else puts("test-paths         [\"tests\", \"test_*.py\", \"*_test.py\", \"conftest.py\"] (the defaults)");
  int all = o->include_tests || cfg->lint_tests == LL_LINT_TESTS_ALL;
  printf("%-18s %s\n", "lint-tests", all ? "all" : "default (LOOP1xx and LOOP4xx held back in test code)");
  printf("%-18s %s\n", "test code", ll_config_is_test_path(cfg, file) ? "yes" : "no");
  return 0;
}

static char *real_or_copy(const char *p) {
  char *r = realpath(p, NULL);
  return r ? r : ll_xstrdup(p);
}

/* --verify: runs the command under libloopwatch; a static finding whose file and line the
 * runtime saw blocking is confirmed; a runtime event on a line no static finding names is
 * a false negative of ours, reported as LOOP904. */
static void verify(check_opts *o, ll_findings *kept) {
  ll_findings events;
  ll_findings_init(&events);
  int status = 0;
  if (ll_watch_collect(o->verify_cmd, 100, &events, &status) != 0) {
    fputs("looplint: --verify: the command could not be run under libloopwatch\n", stderr);
    ll_findings_free(&events);
    return;
  }
  o->report.show_confirmed = 1;
  char **kept_real = calloc(kept->v.len ? kept->v.len : 1, sizeof *kept_real);
  for (size_t i = 0; i < kept->v.len; i++) {
    kept_real[i] = real_or_copy(kept->v.items[i].filename);
    if (strncmp(kept->v.items[i].code, "LOOP1", 5) == 0 || strcmp(kept->v.items[i].code, "LOOP503") == 0)
      kept->v.items[i].confirmed = 0;
  }
  size_t n = kept->v.len;
  for (size_t e = 0; e < events.v.len; e++) {
    const ll_finding *ev = &events.v.items[e];
    char *er = real_or_copy(ev->filename);
    int matched = 0;
    for (size_t i = 0; i < n; i++)
      if (kept->v.items[i].start.row == ev->start.row && strcmp(kept_real[i], er) == 0) {
        kept->v.items[i].confirmed = 1;
        matched = 1;
      }
    if (!matched) {
      ll_finding *f = ll_findings_add(kept, "LOOP904", ev->filename, ev->start, ev->end,
                                      "Seen at run time, not found statically (%s): %s", ev->code, ev->message);
      f->confirmed = 1;
    }
    free(er);
  }
  for (size_t i = 0; i < n; i++) free(kept_real[i]);
  free(kept_real);
  ll_findings_free(&events);
  ll_findings_sort(kept);
  fprintf(stderr, "looplint: --verify: the command exited with status %d\n", status);
}

/* The standard rules data plus --rules files; "bad rules data: ..." in err on failure. */
static int load_rules(ll_ruledb *db, const check_opts *o, char *err, size_t errlen) {
  char *data = ll_data_dir(NULL);
  if (!data) {
    snprintf(err, errlen, "cannot find the rules data folder (set LOOPLINT_DATA to the folder holding rules/)");
    return -1;
  }
  ll_strbuf rules_dir;
  ll_strbuf_init(&rules_dir);
  ll_strbuf_addf(&rules_dir, "%s/rules", data);
  free(data);
  char inner[400];
  int rc = ll_ruledb_load_dir(db, rules_dir.data, inner, sizeof inner);
  ll_strbuf_free(&rules_dir);
  if (rc) { snprintf(err, errlen, "bad rules data: %s", inner); return -1; }
  for (size_t i = 0; i < o->rules_files.len; i++)
    if (ll_ruledb_load_file(db, o->rules_files.items[i], inner, sizeof inner)) {
      snprintf(err, errlen, "bad rules file: %s", inner);
      return -1;
    }
  return 0;
}

static int is_explicit(const check_opts *o, const char *path) {
  for (size_t i = 0; i < o->paths.len; i++)
    if (strcmp(o->paths.items[i], path) == 0) return 1;
  return 0;
}

/* Reads all of standard input into src as if it were path. */
static int read_stdin(ll_source *src, const char *path) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (ll_strbuf_add_stream(&sb, stdin)) { ll_strbuf_free(&sb); return -1; }
  ll_source_from_buffer(src, path, sb.data ? sb.data : "", sb.len);
  ll_strbuf_free(&sb);
  return 0;
}

int ll_cli_check(int argc, char **argv) {
  check_opts o;
  memset(&o, 0, sizeof o);
  o.report.format = LL_FMT_CONCISE;
  o.report.tool_version = LOOPLINT_VERSION;
  o.settings.ha_mode = -1;
  int rc = parse_args(argc, argv, &o);
  if (rc < 0 && o.verify && (!o.verify_cmd || !o.verify_cmd[0])) rc = usage_error("%s", "--verify needs a command after `--`");
  ll_ruledb db;
  ll_ruledb_init(&db);
  ll_pathlist files = {0};
  ll_fs_errors errors = {0};
  ll_source stdin_src;
  int have_stdin = 0;
  ll_config_finder finder;
  ll_config_finder_init(&finder);
  signed char *ha_modes = NULL;
  ll_ruledb **extra_dbs = NULL;
  ll_linter **extra_linters = NULL;
  const ll_linter **file_linters = NULL;
  size_t n_extra = 0;
  if (rc >= 0) goto done;
  rc = 2;
  if (o.show_settings) { rc = show_settings(&o, &finder, o.show_settings); goto done; }

  char err[512];
  double t0 = now_ms();
  if (load_rules(&db, &o, err, sizeof err)) {
    fprintf(stderr, "looplint: %s\n", err);
    goto done;
  }
  phase("rules", &t0);

  /* standard input: `-`, or --stdin-filename with no other path */
  int use_stdin = 0;
  for (size_t i = 0; i < o.paths.len; i++)
    if (strcmp(o.paths.items[i], "-") == 0) use_stdin = 1;
  if (o.stdin_filename && o.paths.len == 0) use_stdin = 1;
  if (use_stdin) {
    const char *name = o.stdin_filename ? o.stdin_filename : "-";
    if (read_stdin(&stdin_src, name) != 0) { fputs("looplint: cannot read standard input\n", stderr); goto done; }
    have_stdin = 1;
    ll_vec_push(&files, ll_xstrdup(name));
  } else {
    char *cwd[] = {"."};
    if (o.paths.len) ll_fs_collect(o.paths.items, o.paths.len, &files, &errors);
    else ll_fs_collect(cwd, 1, &files, &errors);
  }
  for (size_t i = 0; i < errors.len; i++)
    fprintf(stderr, "looplint: %s: %s\n", errors.items[i].path, errors.items[i].reason);
  phase("collect", &t0);

  /* configuration of every file: exclusions, then the knowledge it adds */
  {
    size_t w = 0;
    for (size_t i = 0; i < files.len; i++) {
      const ll_config *cfg;
      if (ll_config_for(&finder, files.items[i], &cfg, err, sizeof err)) {
        fprintf(stderr, "looplint: bad configuration: %s\n", err);
        goto done;
      }
      int excluded = ll_config_excludes(cfg, files.items[i]) &&
                     (have_stdin ? o.force_exclude : (o.force_exclude || !is_explicit(&o, files.items[i])));
      if (excluded) { free(files.items[i]); continue; }
      files.items[w++] = files.items[i];
    }
    files.len = w;
    /* a configuration that adds knowledge gets its own rules database, so its additions
     * apply to its files only (a nested project's extras do not leak into its parent) */
    extra_dbs = ll_xcalloc(finder.owned.len ? finder.owned.len : 1, sizeof *extra_dbs);
    extra_linters = ll_xcalloc(finder.owned.len ? finder.owned.len : 1, sizeof *extra_linters);
    n_extra = finder.owned.len;
    for (size_t c = 0; c < finder.owned.len; c++) {
      const ll_config *cfg = finder.owned.items[c];
      if (!cfg->extra_blocking.len && !cfg->extra_coroutines.len) continue;
      extra_dbs[c] = ll_xcalloc(1, sizeof(ll_ruledb));
      ll_ruledb_init(extra_dbs[c]);
      if (load_rules(extra_dbs[c], &o, err, sizeof err) || ll_config_extend_db(cfg, extra_dbs[c], err, sizeof err)) {
        fprintf(stderr, "looplint: bad configuration: %s\n", err);
        goto done;
      }
      extra_linters[c] = ll_xcalloc(1, sizeof(ll_linter));
      ll_linter_init(extra_linters[c], extra_dbs[c], &o.settings);
    }
    file_linters = ll_xcalloc(files.len ? files.len : 1, sizeof *file_linters);
    for (size_t i = 0; i < files.len; i++) {
      const ll_config *cfg;
      ll_config_for(&finder, files.items[i], &cfg, err, sizeof err);
      for (size_t c = 0; c < finder.owned.len; c++)
        if (finder.owned.items[c] == cfg) file_linters[i] = extra_linters[c];
    }
    ha_modes = ll_xcalloc(files.len ? files.len : 1, 1);
    for (size_t i = 0; i < files.len; i++) {
      const ll_config *cfg;
      ll_config_for(&finder, files.items[i], &cfg, err, sizeof err);
      ha_modes[i] = (signed char)(o.settings.ha_mode >= 0 ? o.settings.ha_mode : cfg->homeassistant);
    }
  }

  phase("config", &t0);
  ll_pathlist context = {0};
  if (!o.no_project) ll_fs_package_context_walked(&files, have_stdin ? NULL : o.paths.items, have_stdin ? 0 : o.paths.len, &context);
  phase("context", &t0);
  ll_linter linter;
  ll_linter_init(&linter, &db, &o.settings);
  ll_batch_result res;
  /* files named on the command line are always parsed (a syntax error in them is reported) */
  unsigned char *explicit = ll_xcalloc(files.len ? files.len : 1, 1);
  for (size_t i = 0; i < files.len; i++) explicit[i] = (unsigned char)(have_stdin || is_explicit(&o, files.items[i]));
  /* the cache lives in the current folder, like ruff's; LOOPLINT_CACHE_DIR or --cache-dir move it */
  const char *cache_dir = o.cache_dir ? o.cache_dir : getenv("LOOPLINT_CACHE_DIR");
  if (!cache_dir || !*cache_dir) cache_dir = ".looplint_cache";
  ll_batch_opts bopts = {.nthreads = o.threads, .report_unused_noqa = o.report_unused_noqa, .ha_modes = ha_modes,
                         .no_lazy = o.no_lazy,
                         .cache_dir = o.no_cache ? NULL : cache_dir,
                         .linters = (const ll_linter *const *)file_linters,
                         .parse_only = o.parse_only,
                         .no_project = o.no_project,
                         .explicit_files = explicit};
  ll_batch_run(&linter, &files, &context, have_stdin ? &stdin_src : NULL, &bopts, &res);
  free(explicit);
  phase("lint", &t0);
  if (getenv("LOOPLINT_TIMING"))
    fprintf(stderr, "timing: parsed %zu of %zu files (%zu more in part), %zu from the cache\n", res.files_parsed,
            files.len + context.len, res.files_partial, res.cache_hits);
  ll_pathlist_free(&context);

  /* unreadable paths met while collecting are findings too, so JSON consumers see them */
  for (size_t i = 0; i < errors.len; i++)
    ll_findings_add(&res.findings, "LOOP903", errors.items[i].path, (ll_pos){1, 1}, (ll_pos){1, 1},
                    "Failed to read: %s", errors.items[i].reason);
  ll_findings kept;
  ll_findings_init(&kept);
  for (size_t i = 0; i < res.findings.v.len; i++) {
    ll_finding *f = &res.findings.v.items[i];
    const ll_config *cfg = &finder.defaults;
    ll_config_for(&finder, f->filename, &cfg, err, sizeof err);
    int keep = strcmp(f->code, "LOOP903") == 0 ||
               (code_enabled(&o, cfg, f->code) && !ll_config_ignores_for_file(cfg, f->filename, f->code));
    if (keep && strcmp(f->code, "LOOP903") != 0 && held_in_tests(&o, cfg, f->filename, f->code)) {
      keep = 0;
      o.report.tests_held_back++;
    }
    if (keep) ll_vec_push(&kept.v, *f);
    else ll_finding_free(f);
  }
  res.findings.v.len = 0;
  ll_findings_sort(&kept);
  phase("filter", &t0);
  int write_error = 0, relint = 0;
  if (o.add_noqa) {
    int n = ll_apply_add_noqa(&linter, &kept, o.diff);
    if (n < 0) write_error = 1;
    else if (!o.diff) fprintf(stderr, "Added %d noqa directive%s.\n", n, n == 1 ? "" : "s");
    ll_findings_free(&kept);
    ll_findings_init(&kept);
  } else if (o.fix || o.diff) {
    ll_apply_opts ao = {.unsafe = o.unsafe_fixes, .diff = o.diff};
    int n = ll_apply_fixes(&linter, &kept, &ao);
    if (n < 0) write_error = 1;
    else if (n > 0) fprintf(stderr, "%s %d fix%s.\n", o.diff ? "Would apply" : "Applied", n, n == 1 ? "" : "es");
    if (n > 0 && !o.diff) relint = 1; /* report what the fixed files say now, not before */
  }
  const char *no_color = getenv("NO_COLOR"); /* no-color.org: set and not empty */
  o.report.color = o.report.format == LL_FMT_FULL && isatty(1) && !(no_color && *no_color);
  if (have_stdin) {
    o.report.stdin_path = stdin_src.path;
    o.report.stdin_text = stdin_src.text;
    o.report.stdin_len = stdin_src.len;
  }
  if (o.verify) verify(&o, &kept);
  if (relint && !write_error) {
    ll_findings_free(&kept);
    ll_batch_result_free(&res);
    ll_linter_free(&linter);
    /* the same command without the fix options, on the files as they are now */
    char **again = calloc((size_t)argc + 1, sizeof *again);
    int n = 0;
    for (int i = 0; i < argc; i++)
      if (strcmp(argv[i], "--fix") != 0 && strcmp(argv[i], "--unsafe-fixes") != 0) again[n++] = argv[i];
    rc = ll_cli_check(n, again);
    free(again);
    goto done;
  }
  if (o.statistics) print_statistics(&kept, &o.report);
  else if (!o.diff || (!o.fix && !o.add_noqa && !o.diff)) {
    /* one finding per root, its other call sites as related locations: fixed once */
    if (!o.no_group) ll_findings_group(&kept);
    ll_report_write(stdout, &kept, &o.report);
  }
  fflush(stdout);
  phase("output", &t0);
  ll_linter_free(&linter);
  int io_error = res.read_errors > 0 || errors.len > 0 || write_error;
  rc = io_error ? 2 : (kept.v.len && !o.exit_zero ? 1 : 0);
  ll_findings_free(&kept);
  ll_batch_result_free(&res);

done:
  free(ha_modes);
  free(file_linters);
  for (size_t c = 0; c < n_extra; c++) {
    if (extra_linters[c]) { ll_linter_free(extra_linters[c]); free(extra_linters[c]); }
    if (extra_dbs[c]) { ll_ruledb_free(extra_dbs[c]); free(extra_dbs[c]); }
  }
  free(extra_linters);
  free(extra_dbs);
  ll_config_finder_free(&finder);
  for (size_t i = 0; i < o.cli_select.len; i++) free(o.cli_select.items[i]);
  for (size_t i = 0; i < o.cli_extend.len; i++) free(o.cli_extend.items[i]);
  for (size_t i = 0; i < o.cli_ignore.len; i++) free(o.cli_ignore.items[i]);
  ll_vec_free(&o.cli_select);
  ll_vec_free(&o.cli_extend);
  ll_vec_free(&o.cli_ignore);
  if (have_stdin) ll_source_free(&stdin_src);
  ll_fs_errors_free(&errors);
  ll_pathlist_free(&files);
  ll_ruledb_free(&db);
  ll_vec_free(&o.rules_files);
  ll_vec_free(&o.paths);
  return rc;
}
