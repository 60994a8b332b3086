/* rule.c: `looplint rule CODE` prints docs/CODE.md; without CODE lists the rules. */
#include "../diag/registry.h"
#include "../util/fs.h"
#include "../util/strbuf.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ll_cli_rule(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--all") == 0) {
    for (const ll_rule_info *r = ll_registry_all(); r->code; r++) printf("%s  %-32s %s\n", r->code, r->name, r->summary);
    return 0;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    puts("Usage: looplint rule [CODE | --all]\nPrints the documentation of a rule, or lists every rule.");
    return 0;
  }
  char code[32];
  snprintf(code, sizeof code, "%s", argv[1]);
  for (char *c = code; *c; c++)
    if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
  const ll_rule_info *r = ll_registry_find(code);
  if (!r) {
    fprintf(stderr, "looplint: unknown rule `%s` (see `looplint rule --all`)\n", argv[1]);
    return 2;
  }
  char *dir = ll_data_dir(NULL);
  ll_strbuf p;
  ll_strbuf_init(&p);
  ll_strbuf_addf(&p, "%s/docs/%s.md", dir ? dir : ".", r->code);
  free(dir);
  FILE *f = fopen(p.data, "rb");
  if (!f) {
    printf("# %s: %s\n\n%s\n", r->code, r->name, r->summary);
    ll_strbuf_free(&p);
    return 0;
  }
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
  ll_strbuf_free(&p);
  return 0;
}
