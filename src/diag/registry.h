/* registry.h: the list of rule codes looplint can emit, their kebab-case names and a
 * one-line summary. A code, once given a meaning, keeps it forever (the user's contract). */
#ifndef LL_REGISTRY_H
#define LL_REGISTRY_H

typedef struct ll_rule_info {
  const char *code;    /* "LOOP101" */
  const char *name;    /* "blocking-sleep-in-async" */
  const char *summary; /* one line */
} ll_rule_info;

/* NULL when code is not a known rule. */
const ll_rule_info *ll_registry_find(const char *code);
/* The whole table, terminated by an entry whose code is NULL. */
const ll_rule_info *ll_registry_all(void);
/* The interned code string for code (so findings can point at it), or NULL. */
const char *ll_registry_code(const char *code);
/* Writes the docs URL of code into buf. */
void ll_registry_url(const char *code, char *buf, unsigned size);

#ifndef LOOPLINT_DOCS_URL
#define LOOPLINT_DOCS_URL "https://github.com/looplint/looplint/blob/main/docs/"
#endif

#endif
