/* partial.h: parsing a module in part (see partial.c). */
#ifndef LL_PARTIAL_H
#define LL_PARTIAL_H
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>
#include "../front/source.h"
#include "../util/arena.h"
#include "../util/strmap.h"
#include "../util/vec.h"

/* The byte ranges to parse of a module needed only for some of its top-level names: the
 * whole text except the top-level functions and classes not in wanted (module-level code,
 * imports and re-exports always stay), and not named by what is kept (a wanted helper's own
 * helpers in the module come along, saving a round; their names are added to *added,
 * malloc'd, when added is not NULL). Returns 0 (parse it all) when nothing would be left
 * out or the text is not plain enough to split. skipped lists the definitions left out (the
 * module still binds their names: a call to one resolves, misses, and asks for it). The
 * caller frees *ranges and *skipped. */
typedef LL_VEC(char *) ll_namelist;
int ll_lazy_partial_ranges(const char *text, size_t len, const ll_strmap *wanted, TSRange **ranges, uint32_t *nranges,
                           ll_lazy_skipped **skipped, uint32_t *nskipped, ll_namelist *added);

/* The wanted names of a partial parse as one string (one per line), and back. */
const char *ll_lazy_join_names(const ll_strmap *names, ll_arena *arena);
void ll_lazy_split_names(const char *joined, ll_strmap *names, ll_arena *arena);

#endif
