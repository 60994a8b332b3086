/* report.c: output format names and the dispatcher. */
#include "report.h"

#include <string.h>

static const struct {
  const char *name;
  ll_format fmt;
} FORMATS[] = {
    {"concise", LL_FMT_CONCISE}, {"text", LL_FMT_CONCISE}, {"full", LL_FMT_FULL},
    {"json", LL_FMT_JSON},       {"json-lines", LL_FMT_JSON_LINES}, {"github", LL_FMT_GITHUB},
    {"sarif", LL_FMT_SARIF},     {"junit", LL_FMT_JUNIT},
};

int ll_report_parse_format(const char *name, ll_format *out) {
  for (size_t i = 0; i < sizeof(FORMATS) / sizeof(FORMATS[0]); i++)
    if (strcmp(FORMATS[i].name, name) == 0) { *out = FORMATS[i].fmt; return 0; }
  return -1;
}

const char *ll_report_format_names(void) { return "concise, text, full, json, json-lines, github, sarif, junit"; }

void ll_report_write(FILE *out, const ll_findings *fs, const ll_report_opts *opts) {
  switch (opts->format) {
    case LL_FMT_JSON: ll_report_write_json(out, fs, opts, 0); break;
    case LL_FMT_JSON_LINES: ll_report_write_json(out, fs, opts, 1); break;
    case LL_FMT_SARIF: ll_report_write_sarif(out, fs, opts); break;
    case LL_FMT_JUNIT: ll_report_write_junit(out, fs, opts); break;
    default: ll_report_write_text(out, fs, opts); break;
  }
}
