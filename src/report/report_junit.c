/* report_junit.c: JUnit XML, one testsuite per file, one failing testcase per finding
 * (the shape CI systems such as GitLab and Jenkins ingest). */
#include "../util/strbuf.h"
#include "report.h"

#include <string.h>

void ll_report_write_junit(FILE *out, const ll_findings *fs, const ll_report_opts *opts) {
  (void)opts;
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  ll_strbuf_add(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  /* with no findings, one passing test case says the run happened */
  ll_strbuf_addf(&sb, "<testsuites name=\"looplint\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
                 fs->v.len ? fs->v.len : 1, fs->v.len);
  if (fs->v.len == 0) {
    ll_strbuf_add(&sb, "  <testsuite name=\"looplint\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
                       "    <testcase name=\"looplint\" classname=\"looplint\"/>\n  </testsuite>\n");
  }
  for (size_t i = 0; i < fs->v.len;) {
    const char *file = fs->v.items[i].filename;
    size_t j = i;
    while (j < fs->v.len && strcmp(fs->v.items[j].filename, file) == 0) j++;
    ll_strbuf_add(&sb, "  <testsuite name=\"");
    ll_strbuf_add_xml_escaped(&sb, file);
    ll_strbuf_addf(&sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", j - i, j - i);
    for (size_t k = i; k < j; k++) {
      const ll_finding *f = &fs->v.items[k];
      ll_strbuf_addf(&sb, "    <testcase name=\"org.looplint.%s\" classname=\"", f->code);
      ll_strbuf_add_xml_escaped(&sb, file);
      ll_strbuf_addf(&sb, "\" line=\"%u\" column=\"%u\">\n      <failure message=\"", f->start.row, f->start.col);
      ll_strbuf_add_xml_escaped(&sb, f->message);
      ll_strbuf_addf(&sb, "\">line %u, col %u, ", f->start.row, f->start.col);
      ll_strbuf_add_xml_escaped(&sb, f->message);
      ll_strbuf_add(&sb, "</failure>\n    </testcase>\n");
    }
    ll_strbuf_add(&sb, "  </testsuite>\n");
    i = j;
  }
  ll_strbuf_add(&sb, "</testsuites>\n");
  fwrite(sb.data, 1, sb.len, out);
  ll_strbuf_free(&sb);
}
