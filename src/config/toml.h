/* toml.h: reading TOML with tree-sitter (the tree-sitter-toml grammar): the key/value
 * pairs of a document flattened to dotted key paths, and typed access to their values.
 * No hand-written TOML parser: tree-sitter decides what is valid. */
#ifndef LL_TOML_H
#define LL_TOML_H
#include <tree_sitter/api.h>
#include "../front/source.h"
#include "../util/arena.h"

typedef struct ll_toml_pair {
  const char *key; /* full dotted path: "tool.looplint.select", quoted segments unquoted */
  TSNode value;
  uint32_t row;    /* 1-based */
} ll_toml_pair;

typedef struct ll_toml {
  ll_source src;
  TSParser *parser;
  TSTree *tree;
  ll_arena arena;
  LL_VEC(ll_toml_pair) pairs;
} ll_toml;

/* Reads and parses path. Returns 0, or -1 with "path:line: reason" in err. */
int ll_toml_open(ll_toml *t, const char *path, char *err, size_t errlen);
void ll_toml_close(ll_toml *t);
const TSLanguage *tree_sitter_toml(void);

/* Value access. Each returns 0 on success, -1 when the node is not of that type. */
int ll_toml_string(ll_toml *t, TSNode v, const char **out); /* unescaped, arena-owned */
int ll_toml_bool(ll_toml *t, TSNode v, int *out);
int ll_toml_is_array(TSNode v);
int ll_toml_is_inline_table(TSNode v);
/* The named children of n in one walk of a cursor, into an arena array (*count of them). */
const TSNode *ll_toml_named_children(ll_toml *t, TSNode n, uint32_t *count);
/* Elements of an array (named children, comments skipped), in one pass: an arena array of
 * *n nodes. */
const TSNode *ll_toml_array_items(ll_toml *t, TSNode v, uint32_t *n);
/* Pairs of an inline table, in one pass: their keys (unquoted) and values, arena arrays;
 * returns their number. */
uint32_t ll_toml_table_items(ll_toml *t, TSNode v, const char ***keys, const TSNode **values);
#endif
