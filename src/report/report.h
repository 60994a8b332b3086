/* report.h: writes a sorted findings list in one of the output formats. Every front end
 * (check, watch, native) prints through here, so all share one JSON contract. */
#ifndef LL_REPORT_H
#define LL_REPORT_H
#include <stdio.h>
#include "../diag/finding.h"

typedef enum ll_format {
  LL_FMT_CONCISE, /* path:row:col: CODE message (also "text") */
  LL_FMT_FULL,
  LL_FMT_JSON,
  LL_FMT_JSON_LINES,
  LL_FMT_GITHUB,
  LL_FMT_SARIF,
  LL_FMT_JUNIT,
} ll_format;

typedef struct ll_report_opts {
  ll_format format;
  int quiet;          /* text formats: no summary line */
  int color;          /* full format: ANSI colour */
  int show_confirmed; /* json: emit the "confirmed" field (check --verify) */
  size_t tests_held_back; /* findings in test code the test profile left out: said in the summary */
  const char *tool_version;
  /* standard input linted as stdin_path: the full format reads its lines from here */
  const char *stdin_path, *stdin_text;
  size_t stdin_len;
} ll_report_opts;

/* Parses a --output-format value; returns 0 on success, -1 for an unknown name. */
int ll_report_parse_format(const char *name, ll_format *out);
const char *ll_report_format_names(void);
/* Writes fs (already sorted) to out. */
void ll_report_write(FILE *out, const ll_findings *fs, const ll_report_opts *opts);

/* Per-format writers (report_*.c). */
void ll_report_write_json(FILE *out, const ll_findings *fs, const ll_report_opts *opts, int lines);
void ll_report_write_sarif(FILE *out, const ll_findings *fs, const ll_report_opts *opts);
void ll_report_write_junit(FILE *out, const ll_findings *fs, const ll_report_opts *opts);
void ll_report_write_text(FILE *out, const ll_findings *fs, const ll_report_opts *opts);

#endif
