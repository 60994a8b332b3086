/* parse.h: tree-sitter parsing under a per-file limit. With the pinned runtime (0.25) the
 * limit counts the parser's own operations through the progress callback (every 100
 * operations), so it is deterministic; with a system runtime that has no callback (0.20) it
 * falls back to tree-sitter's wall-clock timeout. */
#ifndef LL_PARSE_H
#define LL_PARSE_H
#include <stdint.h>
#include <tree_sitter/api.h>

/* Parses text (like ts_parser_parse_string) giving up after max_ops operations (0: no
 * limit). Returns NULL when tree-sitter gave up; *over_limit then says whether the limit was
 * the reason. The parser is left ready for the next parse either way. *ops (may be NULL)
 * gets the operations counted (in steps of 100; 0 without the callback). */
TSTree *ll_parse_limited(TSParser *parser, const TSTree *old_tree, const char *text, uint32_t len, uint64_t max_ops,
                         int *over_limit, uint64_t *ops);

#endif
