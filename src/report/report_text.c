/* report_text.c: the human formats (concise, full) and GitHub Actions annotations. */
#include "../diag/registry.h"
#include "../util/strbuf.h"
#include "report.h"

#include <string.h>

/* Reads line `row` (1-based) of path into sb; returns 0 when found. */
static int read_line(const char *path, uint32_t row, ll_strbuf *sb) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint32_t cur = 1;
  int c;
  while (cur < row && (c = fgetc(f)) != EOF)
    if (c == '\n') cur++;
  if (cur != row) { fclose(f); return -1; }
  while ((c = fgetc(f)) != EOF && c != '\n' && sb->len < 4096)
    if (c != '\r') ll_strbuf_addc(sb, c ? (char)c : ' ');
  fclose(f);
  return 0;
}

/* Column (1-based, characters) to a display offset of the line: count characters. */
static size_t display_width_before(const char *line, uint32_t col) {
  size_t w = 0, chars = 1;
  for (const unsigned char *p = (const unsigned char *)line; *p && chars < col; p++) {
    if ((*p & 0xC0) != 0x80) { chars++; w++; }
  }
  return w;
}

static int read_line_from(const char *text, size_t len, uint32_t row, ll_strbuf *sb) {
  size_t i = 0;
  for (uint32_t cur = 1; cur < row; cur++) {
    const char *nl = memchr(text + i, '\n', len - i);
    if (!nl) return -1;
    i = (size_t)(nl - text) + 1;
  }
  for (; i < len && text[i] != '\n' && sb->len < 4096; i++)
    if (text[i] != '\r') ll_strbuf_addc(sb, text[i] ? text[i] : ' ');
  return 0;
}

static void write_full(FILE *out, const ll_finding *f, int color, const ll_report_opts *opts) {
  const char *bold = color ? "\033[1m" : "", *red = color ? "\033[1;31m" : "",
             *blue = color ? "\033[1;34m" : "", *cyan = color ? "\033[36m" : "", *reset = color ? "\033[0m" : "";
  fprintf(out, "%s%s%s: %s%s\n", red, f->code, reset, bold, f->message);
  fprintf(out, "%s  --> %s%s:%u:%u\n", reset, blue, f->filename, f->start.row, f->start.col);
  fputs(reset, out);
  ll_strbuf line;
  ll_strbuf_init(&line);
  int got = opts->stdin_path && strcmp(opts->stdin_path, f->filename) == 0
                ? read_line_from(opts->stdin_text, opts->stdin_len, f->start.row, &line)
                : read_line(f->filename, f->start.row, &line);
  if (got == 0) {
    int w = snprintf(NULL, 0, "%u", f->start.row);
    fprintf(out, "%*s %s|%s\n", w, "", blue, reset);
    fprintf(out, "%s%u |%s %s\n", blue, f->start.row, reset, line.data ? line.data : "");
    size_t lead = display_width_before(line.data ? line.data : "", f->start.col);
    size_t span = 1;
    if (f->end.row == f->start.row && f->end.col > f->start.col) span = f->end.col - f->start.col;
    else if (f->end.row != f->start.row) {
      size_t total = display_width_before(line.data ? line.data : "", (uint32_t)-1);
      span = total > lead ? total - lead : 1;
    }
    fprintf(out, "%*s %s|%s %*s%s", w, "", blue, reset, (int)lead, "", red);
    for (size_t i = 0; i < span; i++) fputc('^', out);
    fprintf(out, " %s%s\n", f->code, reset);
  }
  if (f->fix && f->fix->message) fprintf(out, "  %s= help:%s %s\n", cyan, reset, f->fix->message);
  fputc('\n', out);
  ll_strbuf_free(&line);
}

/* GitHub workflow commands need %, CR and LF escaped in the message, and also , and : in properties. */
static void gh_escape(ll_strbuf *sb, const char *s, int property) {
  for (; *s; s++) {
    if (*s == '%') ll_strbuf_add(sb, "%25");
    else if (*s == '\r') ll_strbuf_add(sb, "%0D");
    else if (*s == '\n') ll_strbuf_add(sb, "%0A");
    else if (property && *s == ':') ll_strbuf_add(sb, "%3A");
    else if (property && *s == ',') ll_strbuf_add(sb, "%2C");
    else ll_strbuf_addc(sb, *s);
  }
}

void ll_report_write_text(FILE *out, const ll_findings *fs, const ll_report_opts *opts) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  for (size_t i = 0; i < fs->v.len; i++) {
    const ll_finding *f = &fs->v.items[i];
    switch (opts->format) {
      case LL_FMT_FULL: write_full(out, f, opts->color, opts); break;
      case LL_FMT_GITHUB:
        ll_strbuf_clear(&sb);
        ll_strbuf_add(&sb, "::error title=looplint (");
        ll_strbuf_add(&sb, f->code);
        ll_strbuf_add(&sb, "),file=");
        gh_escape(&sb, f->filename, 1);
        ll_strbuf_addf(&sb, ",line=%u,col=%u,endLine=%u,endColumn=%u::", f->start.row, f->start.col, f->end.row,
                       f->end.col);
        gh_escape(&sb, f->filename, 0);
        ll_strbuf_addf(&sb, ":%u:%u: %s ", f->start.row, f->start.col, f->code);
        gh_escape(&sb, f->message, 0);
        fprintf(out, "%s\n", sb.data);
        break;
      default: fprintf(out, "%s:%u:%u: %s %s\n", f->filename, f->start.row, f->start.col, f->code, f->message);
    }
  }
  ll_strbuf_free(&sb);
  if (opts->quiet || opts->format == LL_FMT_GITHUB) return;
  size_t n = fs->v.len, held = opts->tests_held_back;
  if (n == 0) fputs(held ? "All checks passed!" : "All checks passed!\n", out);
  else fprintf(out, "Found %zu problem%s in %zu file%s.%s", n, n == 1 ? "" : "s", ll_findings_file_count(fs),
               ll_findings_file_count(fs) == 1 ? "" : "s", held ? "" : "\n");
  /* nothing disappears silently: say what the test profile left out, and how to see it */
  if (held)
    fprintf(out, " %zu finding%s in test code held back (blocking calls and cancellation handling; "
                 "`--include-tests` shows them).\n", held, held == 1 ? "" : "s");
}
