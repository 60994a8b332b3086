/* report_json.c: ruff-shaped JSON (a pretty array) and JSON lines (one compact object a line).
 * Keys are written in alphabetical order, as ruff does. */
#include "../diag/registry.h"
#include "../util/strbuf.h"
#include "report.h"

static void add_str(ll_strbuf *sb, const char *s) {
  if (!s) { ll_strbuf_add(sb, "null"); return; }
  ll_strbuf_addc(sb, '"');
  ll_strbuf_add_json_escaped(sb, s);
  ll_strbuf_addc(sb, '"');
}

static void add_pos(ll_strbuf *sb, ll_pos p) {
  ll_strbuf_addf(sb, "{\"column\": %u, \"row\": %u}", p.col, p.row);
}

/* One finding as a JSON object; nl/ind select pretty or compact layout. */
static void add_finding(ll_strbuf *sb, const ll_finding *f, const ll_report_opts *opts, int pretty) {
  const char *nl = pretty ? "\n" : "", *ind = pretty ? "    " : "", *sp = pretty ? " " : " ";
  const ll_rule_info *ri = ll_registry_find(f->code);
  char url[256];
  ll_registry_url(f->code, url, sizeof url);
  ll_strbuf_addf(sb, "{%s%s\"cell\":%snull,%s", nl, ind, sp, nl);
  ll_strbuf_addf(sb, "%s\"code\":%s", ind, sp); add_str(sb, f->code); ll_strbuf_addf(sb, ",%s", nl);
  if (opts->show_confirmed && f->confirmed >= 0)
    ll_strbuf_addf(sb, "%s\"confirmed\":%s%s,%s", ind, sp, f->confirmed ? "true" : "false", nl);
  ll_strbuf_addf(sb, "%s\"end_location\":%s", ind, sp); add_pos(sb, f->end); ll_strbuf_addf(sb, ",%s", nl);
  ll_strbuf_addf(sb, "%s\"filename\":%s", ind, sp); add_str(sb, f->filename); ll_strbuf_addf(sb, ",%s", nl);
  ll_strbuf_addf(sb, "%s\"fix\":%s", ind, sp);
  if (!f->fix) ll_strbuf_add(sb, "null");
  else {
    ll_strbuf_add(sb, "{\"applicability\": "); add_str(sb, f->fix->applicability);
    ll_strbuf_add(sb, ", \"edits\": [");
    for (size_t i = 0; i < f->fix->edits.len; i++) {
      const ll_edit *e = &f->fix->edits.items[i];
      ll_strbuf_add(sb, i ? ", {\"content\": " : "{\"content\": "); add_str(sb, e->content);
      ll_strbuf_add(sb, ", \"end_location\": "); add_pos(sb, e->end);
      ll_strbuf_add(sb, ", \"location\": "); add_pos(sb, e->start);
      ll_strbuf_add(sb, "}");
    }
    ll_strbuf_add(sb, "], \"message\": "); add_str(sb, f->fix->message);
    ll_strbuf_add(sb, "}");
  }
  ll_strbuf_addf(sb, ",%s", nl);
  ll_strbuf_addf(sb, "%s\"location\":%s", ind, sp); add_pos(sb, f->start); ll_strbuf_addf(sb, ",%s", nl);
  ll_strbuf_addf(sb, "%s\"message\":%s", ind, sp); add_str(sb, f->message); ll_strbuf_addf(sb, ",%s", nl);
  ll_strbuf_addf(sb, "%s\"name\":%s", ind, sp); add_str(sb, ri ? ri->name : NULL); ll_strbuf_addf(sb, ",%s", nl);
  ll_strbuf_addf(sb, "%s\"noqa_row\":%s%u,%s", ind, sp, f->noqa_row, nl);
  /* only when there are some: the hops of a LOOP110/111 chain, the other call sites of a root */
  if (f->nrelated) {
    ll_strbuf_addf(sb, "%s\"related\":%s[", ind, sp);
    for (uint32_t i = 0; i < f->nrelated; i++) {
      const ll_related *r = &f->related[i];
      ll_strbuf_add(sb, i ? ", {\"end_location\": " : "{\"end_location\": "); add_pos(sb, r->end);
      ll_strbuf_add(sb, ", \"filename\": "); add_str(sb, r->filename);
      ll_strbuf_add(sb, ", \"location\": "); add_pos(sb, r->start);
      ll_strbuf_add(sb, ", \"message\": "); add_str(sb, r->message);
      ll_strbuf_add(sb, "}");
    }
    ll_strbuf_addf(sb, "],%s", nl);
  }
  ll_strbuf_addf(sb, "%s\"severity\":%s\"error\",%s", ind, sp, nl);
  ll_strbuf_addf(sb, "%s\"url\":%s", ind, sp); add_str(sb, url);
  ll_strbuf_addf(sb, "%s%s}", nl, pretty ? "  " : "");
}

void ll_report_write_json(FILE *out, const ll_findings *fs, const ll_report_opts *opts, int lines) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (!lines) ll_strbuf_add(&sb, fs->v.len ? "[\n" : "[]\n");
  for (size_t i = 0; i < fs->v.len; i++) {
    if (lines) {
      add_finding(&sb, &fs->v.items[i], opts, 0);
      ll_strbuf_addc(&sb, '\n');
    } else {
      ll_strbuf_add(&sb, "  ");
      add_finding(&sb, &fs->v.items[i], opts, 1);
      ll_strbuf_add(&sb, i + 1 < fs->v.len ? ",\n" : "\n]\n");
    }
    fwrite(sb.data, 1, sb.len, out);
    ll_strbuf_clear(&sb);
  }
  if (sb.len) fwrite(sb.data, 1, sb.len, out);
  ll_strbuf_free(&sb);
}
