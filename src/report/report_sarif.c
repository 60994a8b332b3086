/* report_sarif.c: SARIF 2.1.0 for code scanning: one run, the driver lists every rule
 * that has a finding (with its help URI), results point at rules by id and index. */
#include "../diag/registry.h"
#include "../util/strbuf.h"
#include "report.h"

#include <string.h>

static void add_str(ll_strbuf *sb, const char *s) {
  ll_strbuf_addc(sb, '"');
  ll_strbuf_add_json_escaped(sb, s ? s : "");
  ll_strbuf_addc(sb, '"');
}

/* SARIF wants a URI: relative paths stay relative (resolved against the checkout root). */
static void add_uri(ll_strbuf *sb, const char *path) {
  ll_strbuf_addc(sb, '"');
  /* percent-encoded but for unreserved characters and `/`: a path's bytes may be anything */
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
      ll_strbuf_addc(sb, (char)*p);
    else
      ll_strbuf_addf(sb, "%%%02X", *p);
  }
  ll_strbuf_addc(sb, '"');
}

void ll_report_write_sarif(FILE *out, const ll_findings *fs, const ll_report_opts *opts) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  /* rules used, in registry order, so ruleIndex is stable */
  const ll_rule_info *all = ll_registry_all();
  int used[256] = {0}, index[256];
  int nrules = 0;
  for (int r = 0; all[r].code && r < 256; r++) {
    for (size_t i = 0; i < fs->v.len; i++)
      if (strcmp(fs->v.items[i].code, all[r].code) == 0) { used[r] = 1; break; }
    index[r] = used[r] ? nrules++ : -1;
  }
  ll_strbuf_add(&sb, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n");
  ll_strbuf_add(&sb, "  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": {\n");
  ll_strbuf_add(&sb, "          \"name\": \"looplint\",\n          \"informationUri\": ");
  add_str(&sb, LOOPLINT_DOCS_URL);
  ll_strbuf_add(&sb, ",\n          \"version\": ");
  add_str(&sb, opts->tool_version ? opts->tool_version : "0");
  ll_strbuf_add(&sb, ",\n          \"rules\": [");
  int first = 1;
  for (int r = 0; all[r].code && r < 256; r++) {
    if (!used[r]) continue;
    char url[256];
    ll_registry_url(all[r].code, url, sizeof url);
    ll_strbuf_add(&sb, first ? "\n            {" : ",\n            {");
    first = 0;
    ll_strbuf_add(&sb, "\"id\": "); add_str(&sb, all[r].code);
    ll_strbuf_add(&sb, ", \"name\": "); add_str(&sb, all[r].name);
    ll_strbuf_add(&sb, ", \"shortDescription\": {\"text\": "); add_str(&sb, all[r].summary);
    ll_strbuf_add(&sb, "}, \"fullDescription\": {\"text\": "); add_str(&sb, all[r].summary);
    ll_strbuf_add(&sb, "}, \"help\": {\"text\": "); add_str(&sb, url);
    ll_strbuf_add(&sb, "}, \"helpUri\": "); add_str(&sb, url);
    ll_strbuf_add(&sb, ", \"properties\": {\"id\": "); add_str(&sb, all[r].code);
    ll_strbuf_add(&sb, ", \"name\": "); add_str(&sb, all[r].name);
    ll_strbuf_add(&sb, ", \"problem.severity\": \"error\"}}");
  }
  ll_strbuf_add(&sb, first ? "]\n" : "\n          ]\n");
  ll_strbuf_add(&sb, "        }\n      },\n      \"results\": [");
  for (size_t i = 0; i < fs->v.len; i++) {
    const ll_finding *f = &fs->v.items[i];
    int ri = -1;
    for (int r = 0; all[r].code && r < 256; r++)
      if (strcmp(all[r].code, f->code) == 0) { ri = index[r]; break; }
    ll_strbuf_add(&sb, i ? ",\n        {" : "\n        {");
    ll_strbuf_add(&sb, "\"ruleId\": "); add_str(&sb, f->code);
    if (ri >= 0) ll_strbuf_addf(&sb, ", \"ruleIndex\": %d", ri);
    ll_strbuf_add(&sb, ", \"level\": \"error\", \"message\": {\"text\": "); add_str(&sb, f->message);
    ll_strbuf_add(&sb, "}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
    add_uri(&sb, f->filename);
    ll_strbuf_addf(&sb, "}, \"region\": {\"startLine\": %u, \"startColumn\": %u, \"endLine\": %u, \"endColumn\": %u}}}]",
                   f->start.row, f->start.col, f->end.row, f->end.col);
    /* the hops of a LOOP110/111 chain and the other call sites of its root */
    if (f->nrelated) {
      ll_strbuf_add(&sb, ", \"relatedLocations\": [");
      for (uint32_t k = 0; k < f->nrelated; k++) {
        const ll_related *r = &f->related[k];
        ll_strbuf_addf(&sb, "%s{\"id\": %u, \"physicalLocation\": {\"artifactLocation\": {\"uri\": ", k ? ", " : "", k);
        add_uri(&sb, r->filename);
        ll_strbuf_addf(&sb, "}, \"region\": {\"startLine\": %u, \"startColumn\": %u, \"endLine\": %u, \"endColumn\": %u}}, "
                            "\"message\": {\"text\": ",
                       r->start.row, r->start.col, r->end.row, r->end.col);
        add_str(&sb, r->message);
        ll_strbuf_add(&sb, "}}");
      }
      ll_strbuf_add(&sb, "]");
    }
    if (f->fix && f->fix->edits.len) {
      ll_strbuf_add(&sb, ", \"fixes\": [{\"description\": {\"text\": ");
      add_str(&sb, f->fix->message ? f->fix->message : "looplint fix");
      ll_strbuf_add(&sb, "}, \"artifactChanges\": [{\"artifactLocation\": {\"uri\": ");
      add_uri(&sb, f->filename);
      ll_strbuf_add(&sb, "}, \"replacements\": [");
      for (size_t e = 0; e < f->fix->edits.len; e++) {
        const ll_edit *ed = &f->fix->edits.items[e];
        ll_strbuf_addf(&sb, "%s{\"deletedRegion\": {\"startLine\": %u, \"startColumn\": %u, \"endLine\": %u, \"endColumn\": %u}, \"insertedContent\": {\"text\": ",
                       e ? ", " : "", ed->start.row, ed->start.col, ed->end.row, ed->end.col);
        add_str(&sb, ed->content);
        ll_strbuf_add(&sb, "}}");
      }
      ll_strbuf_add(&sb, "]}]}]");
    }
    ll_strbuf_add(&sb, "}");
  }
  ll_strbuf_add(&sb, fs->v.len ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n");
  fwrite(sb.data, 1, sb.len, out);
  ll_strbuf_free(&sb);
}
