/* python_grammar.c: compiles the pinned tree-sitter-python grammar (third_party/, fetched by
 * ./dev setup, never committed) with one change of speed, none of behaviour.
 *
 * The generated lexer asks set_contains() whether a character may continue an identifier:
 * a binary search over 668 Unicode ranges, done for every letter of every name. The ranges
 * are sorted and disjoint and the ASCII ones come first, so for a character below 128 a
 * forward scan that stops at the first range starting past it gives the same answer in a few
 * steps. Everything else keeps the grammar's own binary search. The grammar's definition is
 * renamed on the way in (its header is guarded, so parser.c does not read it again). */
#define set_contains ts_grammar_set_contains
#include "tree_sitter/parser.h"
#undef set_contains

static inline bool set_contains(TSCharacterRange *ranges, uint32_t len, int32_t lookahead) {
  if (lookahead >= 0 && lookahead < 128) {
    for (uint32_t i = 0; i < len && ranges[i].start <= lookahead; i++)
      if (lookahead <= ranges[i].end) return true;
    return false;
  }
  return ts_grammar_set_contains(ranges, len, lookahead);
}

#include "parser.c"
