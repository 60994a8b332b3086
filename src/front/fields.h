/* fields.h: a Python node's child by field name, with the field's id looked up once. The
 * runtime's own ts_node_child_by_field_name compares the name with every field of the
 * grammar on each call; the walk asks for fields millions of times. */
#ifndef LL_FIELDS_H
#define LL_FIELDS_H
#include <stddef.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

/* The Python grammar's id for a field name (0 when it has none). */
TSFieldId ll_field_id(const char *name);
/* The child of n in field name (a null node when absent). */
static inline TSNode ll_field(TSNode n, const char *name) { return ts_node_child_by_field_id(n, ll_field_id(name)); }

/* Whether this tree-sitter runtime can load the Python and TOML grammars (their ABI lies in
 * the runtime's range); 0 with a message in err when not. */
int ll_grammars_fit(char *err, size_t errlen);

#endif
