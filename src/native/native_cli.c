/* native_cli.c: `looplint native [options] PATH... [-- clang args]`: collects C sources,
 * works out each file's compiler flags (compile_commands.json, the arguments after `--`,
 * Python's include folder), parses them with libclang (native_clang.c), and reports LOOP601
 * findings through the shared report writers; `--emit-rules` writes what it learnt for
 * `looplint check --rules`. Exit codes as `check`: 0 clean, 1 findings, 2 usage error or
 * input that could not be read or parsed. */
#include "native.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../report/report.h"
#include "../util/fs.h"
#include "../util/strbuf.h"
#include "native_clang.h"
#include "native_compdb.h"
#include "native_graph.h"

static const char USAGE[] =
    "Usage: looplint native [options] PATH... [-- CLANG-ARGS...]\n"
    "\n"
    "Finds C functions of extension modules that block (sleep, file, socket, subprocess calls)\n"
    "and reports those that do it while holding the GIL (LOOP601). Folders are walked for *.c;\n"
    "a compile_commands.json in a source's folder or a parent (or their build/) supplies\n"
    "include paths and defines, and Python's include folder is added when no -I holds Python.h.\n"
    "\n"
    "Options:\n"
    "  --output-format FORMAT  concise (default), text, full, json, json-lines, github, sarif, junit\n"
    "  --emit-rules FILE       write a rules file for `looplint check --rules FILE`: every exposed\n"
    "                          function that blocks its calling thread, GIL held or not\n"
    "  -q, --quiet             no summary line in text formats\n"
    "  -h, --help              this help\n"
    "  -- CLANG-ARGS           passed to libclang after the compile_commands.json flags\n";

typedef struct native_opts {
  ll_format format;
  int quiet;
  const char *emit_rules;
  LL_VEC(const char *) paths;
  const char *const *clang_args;
  size_t nclang_args;
} native_opts;

/* `--name VALUE` or `--name=VALUE`; advances *i past a separate value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] != 0) return NULL;
  if (*i + 1 >= argc) { *missing = 1; return NULL; }
  return argv[++*i];
}

/* Returns -1 to go on, else the exit code (help: 0, usage error: 2). */
static int parse_opts(int argc, char **argv, native_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    int missing = 0;
    if (strcmp(a, "--") == 0) {
      o->clang_args = (const char *const *)argv + i + 1;
      o->nclang_args = (size_t)(argc - i - 1);
      break;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { fputs(USAGE, stdout); return 0; }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { o->quiet = 1; continue; }
    if ((v = opt_value(argc, argv, &i, "--output-format", &missing))) {
      if (ll_report_parse_format(v, &o->format)) {
        fprintf(stderr, "looplint native: unknown output format `%s` (one of: %s)\n", v, ll_report_format_names());
        return 2;
      }
      continue;
    }
    if ((v = opt_value(argc, argv, &i, "--emit-rules", &missing))) { o->emit_rules = v; continue; }
    if (missing) { fprintf(stderr, "looplint native: %s needs a value\n", a); return 2; }
    if (a[0] == '-' && a[1]) {
      fprintf(stderr, "looplint native: unknown option `%s`\n\n%s", a, USAGE);
      return 2;
    }
    ll_vec_push(&o->paths, a);
  }
  if (!o->paths.len) {
    fprintf(stderr, "looplint native: no PATH given\n\n%s", USAGE);
    return 2;
  }
  return -1;
}

/* --- collecting sources ------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_c_source(const char *name) {
  size_t n = strlen(name);
  return n > 2 && strcmp(name + n - 2, ".c") == 0;
}

/* Appends the *.c files under dir, sorted; symlinked folders are not followed (no loops). */
static void walk_dir(const char *dir, ll_native_args *out, int *failed) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "looplint native: cannot read %s: %s\n", dir, strerror(errno));
    *failed = 1;
    return;
  }
  ll_native_args names = {0};
  struct dirent *de;
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) ll_native_args_push(&names, de->d_name);
  closedir(d);
  if (names.len > 1) qsort(names.items, names.len, sizeof *names.items, cmp_str);
  ll_strbuf p;
  ll_strbuf_init(&p);
  for (size_t i = 0; i < names.len; i++) {
    ll_strbuf_clear(&p);
    size_t dl = strlen(dir);
    ll_strbuf_addf(&p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names.items[i]);
    struct stat st;
    if (lstat(p.data, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (!ll_fs_skip_dir(names.items[i])) walk_dir(p.data, out, failed);
    } else if (is_c_source(names.items[i]) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
      ll_native_args_push(out, p.data);
    }
  }
  ll_strbuf_free(&p);
  ll_native_args_free(&names);
}

/* The sources under the given paths, sorted and unique (a file given twice parses once). */
static void collect_sources(const native_opts *o, ll_native_args *out, int *failed) {
  for (size_t i = 0; i < o->paths.len; i++) {
    const char *path = o->paths.items[i];
    struct stat st;
    if (stat(path, &st) != 0) {
      fprintf(stderr, "looplint native: cannot read %s: %s\n", path, strerror(errno));
      *failed = 1;
    } else if (S_ISDIR(st.st_mode)) {
      walk_dir(path, out, failed);
    } else {
      ll_native_args_push(out, path); /* an explicit file is parsed whatever its name */
    }
  }
  if (out->len > 1) qsort(out->items, out->len, sizeof *out->items, cmp_str);
  size_t w = 0;
  for (size_t r = 0; r < out->len; r++) {
    if (w && strcmp(out->items[w - 1], out->items[r]) == 0) { free(out->items[r]); continue; }
    out->items[w++] = out->items[r];
  }
  out->len = w;
}

/* --- compiler flags ----------------------------------------------------------------------- */

/* Everything one run keeps between files: loaded compile databases and Python's headers. */
typedef struct native_run {
  LL_VEC(ll_native_compdb *) dbs;
  char *python_include; /* NULL until looked up */
  int python_looked_up;
} native_run;

static void run_free(native_run *r) {
  for (size_t i = 0; i < r->dbs.len; i++) {
    ll_native_compdb_free(r->dbs.items[i]);
    free(r->dbs.items[i]);
  }
  ll_vec_free(&r->dbs);
  free(r->python_include);
}

/* The compile database for file, loaded once per run; NULL when there is none.
 * *failed is set when one exists but cannot be read. */
static const ll_native_compdb *compdb_for(native_run *r, const char *file, int *failed) {
  char *path = ll_native_compdb_find(file);
  if (!path) return NULL;
  for (size_t i = 0; i < r->dbs.len; i++)
    if (strcmp(r->dbs.items[i]->path, path) == 0) { free(path); return r->dbs.items[i]; }
  ll_native_compdb *db = ll_xmalloc(sizeof *db);
  char err[512];
  int rc = ll_native_compdb_load(db, path, err, sizeof err);
  ll_vec_push(&r->dbs, db); /* kept even when broken: reported once, not per file */
  free(path);
  if (rc) {
    fprintf(stderr, "looplint native: bad compile_commands.json: %s\n", err);
    *failed = 1;
  }
  return db;
}

/* Python's include folder: $LOOPLINT_PYTHON_INCLUDE, else what `python3` reports. */
static const char *python_include(native_run *r) {
  if (r->python_looked_up) return r->python_include;
  r->python_looked_up = 1;
  const char *env = getenv("LOOPLINT_PYTHON_INCLUDE");
  if (env && *env) return r->python_include = ll_xstrdup(env);
  FILE *p = popen("python3 -c \"import sysconfig; print(sysconfig.get_paths()['include'])\" 2>/dev/null", "r");
  if (!p) return NULL;
  char line[4096] = "";
  char *got = fgets(line, sizeof line, p);
  if (pclose(p) != 0 || !got) return NULL;
  line[strcspn(line, "\r\n")] = 0;
  if (*line) r->python_include = ll_xstrdup(line);
  return r->python_include;
}

/* Whether an include flag among args already points at Python.h. */
static int has_python_include(const ll_native_args *a) {
  static const char *const FLAGS[] = {"-I", "-isystem", "-iquote", "-idirafter", NULL};
  for (size_t i = 0; i < a->len; i++)
    for (const char *const *f = FLAGS; *f; f++) {
      size_t n = strlen(*f);
      if (strncmp(a->items[i], *f, n) != 0) continue;
      const char *dir = a->items[i][n] ? a->items[i] + n : (i + 1 < a->len ? a->items[i + 1] : NULL);
      if (dir && ll_fs_path_exists(dir, "Python.h")) return 1;
    }
  return 0;
}

static void file_args(native_run *r, const native_opts *o, const char *file, ll_native_args *args, int *failed) {
  const ll_native_compdb *db = compdb_for(r, file, failed);
  if (db) ll_native_compdb_flags(db, file, args);
  for (size_t i = 0; i < o->nclang_args; i++) ll_native_args_push(args, o->clang_args[i]);
  if (!has_python_include(args)) {
    const char *inc = python_include(r);
    if (inc) {
      ll_native_args_push(args, "-isystem");
      ll_native_args_push(args, inc);
    }
  }
}

/* --- the run ------------------------------------------------------------------------------ */

static int write_rules(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "looplint native: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
  bad |= fclose(f) != 0;
  if (bad) fprintf(stderr, "looplint native: cannot write %s: %s\n", path, strerror(errno));
  return bad ? -1 : 0;
}

/* Parses every source into m; returns 1 when one of them failed. */
static int parse_all(const native_opts *o, const ll_native_args *sources, const ll_native_rules *rules,
                     ll_native_model *m) {
  int failed = 0;
  native_run run = {0};
  ll_native_clang *cx = ll_native_clang_new();
  ll_strbuf diag;
  ll_strbuf_init(&diag);
  for (size_t i = 0; i < sources->len; i++) {
    const char *file = sources->items[i];
    FILE *probe = fopen(file, "rb");
    if (!probe) {
      fprintf(stderr, "looplint native: cannot read %s: %s\n", file, strerror(errno));
      failed = 1;
      continue;
    }
    fclose(probe);
    ll_native_args args = {0};
    file_args(&run, o, file, &args, &failed);
    ll_strbuf_clear(&diag);
    int rc = ll_native_clang_parse(cx, file, (const char *const *)args.items, args.len, rules, m, &diag);
    if (rc) {
      fprintf(stderr, "looplint native: %s could not be parsed cleanly%s\n%s", file,
              rc > 0 ? " (findings from what parsed are still reported)" : "", diag.data ? diag.data : "");
      failed = 1;
    }
    ll_native_args_free(&args);
  }
  ll_strbuf_free(&diag);
  ll_native_clang_free(cx);
  run_free(&run);
  return failed;
}

int ll_native_main(int argc, char **argv) {
  native_opts o = {.format = LL_FMT_CONCISE};
  int rc = parse_opts(argc, argv, &o);
  if (rc >= 0) { ll_vec_free(&o.paths); return rc; }

  ll_native_rules rules;
  ll_native_rules_init(&rules);
  char path[4096], err[512];
  int no_rules = ll_native_rules_default_path(path, sizeof path);
  if (no_rules || ll_native_rules_load(&rules, path, err, sizeof err)) {
    if (no_rules)
      fputs("looplint native: cannot find rules/native_blocking.json (set LOOPLINT_DATA to the folder holding rules/)\n",
            stderr);
    else fprintf(stderr, "looplint native: bad rules data: %s\n", err);
    ll_native_rules_free(&rules);
    ll_vec_free(&o.paths);
    return 2;
  }

  int failed = 0;
  ll_native_args sources = {0};
  collect_sources(&o, &sources, &failed);
  if (!sources.len && !failed) fputs("looplint native: warning: no C sources found\n", stderr);

  ll_native_model m;
  ll_native_model_init(&m);
  failed |= parse_all(&o, &sources, &rules, &m);
  ll_native_model_link(&m, &rules);
  ll_native_model_resolve(&m);
  ll_native_reach reach;
  ll_native_reach_compute(&reach, &m);

  ll_findings fs;
  ll_findings_init(&fs);
  ll_native_findings(&m, &reach, &fs);
  ll_findings_sort(&fs);
  ll_report_opts ropts = {.format = o.format,
                          .quiet = o.quiet,
                          .color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
                          .tool_version = LOOPLINT_VERSION};
  ll_report_write(stdout, &fs, &ropts);
  fflush(stdout);

  if (o.emit_rules) {
    char *text = ll_native_emit_rules(&m, &reach);
    if (write_rules(o.emit_rules, text)) failed = 1;
    free(text);
  }

  rc = failed ? 2 : fs.v.len ? 1 : 0;
  ll_findings_free(&fs);
  ll_native_reach_free(&reach);
  ll_native_model_free(&m);
  ll_native_args_free(&sources);
  ll_native_rules_free(&rules);
  ll_vec_free(&o.paths);
  return rc;
}
