/* watch.c: the `looplint watch` command line. Parses the options, runs the command through
 * ll_watch_collect (collect.c) and prints its events with the report writers of `check`. */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../report/report.h"

#ifndef LOOPLINT_VERSION
#define LOOPLINT_VERSION "0"
#endif

static void usage(FILE *out) {
  fprintf(out,
          "usage: looplint watch [--output-format FORMAT] [--stall-ms N] [--fail-on-events]\n"
          "                      [--quiet] -- COMMAND [ARGS...]\n"
          "\n"
          "Runs COMMAND with libloopwatch.so preloaded and reports the blocking calls made on\n"
          "its asyncio event loops, and loop stalls longer than N ms (default 100, 0: none).\n"
          "Exits with COMMAND's status; 1 with --fail-on-events if anything was seen; 2 if\n"
          "COMMAND could not be started.\n"
          "Formats: %s\n",
          ll_report_format_names());
}

static const char MISSING[] = "";

/* Matches "--name VALUE" and "--name=VALUE", advancing *i past what it used. Returns the
 * value, NULL when argv[*i] is another option, or MISSING when the value is absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] != '\0') return NULL;
  if (*i + 1 >= argc) return MISSING;
  return argv[++*i];
}

int ll_watch_main(int argc, char **argv) {
  ll_report_opts opts = {.format = LL_FMT_CONCISE, .tool_version = LOOPLINT_VERSION};
  int stall_ms = 100, fail_on_events = 0, i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { i++; break; }
    if (a[0] != '-') break; /* the command starts here */
    const char *format = option_value(argc, argv, &i, "--output-format");
    const char *stall = format ? NULL : option_value(argc, argv, &i, "--stall-ms");
    if (format == MISSING || stall == MISSING) {
      fprintf(stderr, "looplint watch: %s needs a value\n", a);
      return 2;
    }
    if (format) {
      if (ll_report_parse_format(format, &opts.format) != 0) {
        fprintf(stderr, "looplint watch: unknown output format '%s' (one of: %s)\n", format,
                ll_report_format_names());
        return 2;
      }
    } else if (stall) {
      char *end;
      long ms = strtol(stall, &end, 10);
      if (!*stall || *end || ms < 0 || ms > 3600000) {
        fprintf(stderr, "looplint watch: --stall-ms wants milliseconds, got '%s'\n", stall);
        return 2;
      }
      stall_ms = (int)ms;
    } else if (strcmp(a, "--fail-on-events") == 0) {
      fail_on_events = 1;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      opts.quiet = 1;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "looplint watch: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "looplint watch: no command given\n");
    usage(stderr);
    return 2;
  }
  /* A NULL-terminated copy: the caller's argv need not be terminated after argc. */
  char **cmd = calloc((size_t)(argc - i) + 1, sizeof *cmd);
  if (!cmd) return 2;
  memcpy(cmd, argv + i, (size_t)(argc - i) * sizeof *cmd);
  ll_findings fs;
  ll_findings_init(&fs);
  int status;
  int rc = ll_watch_collect(cmd, stall_ms, &fs, &status);
  free(cmd);
  if (rc != 0) {
    ll_findings_free(&fs);
    return 2;
  }
  ll_findings_sort(&fs);
  ll_report_write(stdout, &fs, &opts);
  fflush(stdout);
  size_t nfound = fs.v.len;
  ll_findings_free(&fs);
  if (fail_on_events && nfound) return 1;
  return status;
}
