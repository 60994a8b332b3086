/* edit.h: changing source files safely. Edits are applied to a copy of the text, the
 * result is parsed again and must have no more syntax errors than before, and the file
 * is replaced atomically (a temp file in the same folder, fsync, rename) with its
 * permissions kept. Shared by --fix and --add-noqa. */
#ifndef LL_EDIT_H
#define LL_EDIT_H
#include <stdio.h>
#include "../front/source.h"
#include "../diag/finding.h"
#include "../util/strbuf.h"

/* Byte offset of a (row, character column) position in src, clamped to the text. */
size_t ll_edit_offset(const ll_source *src, ll_pos p);
/* Applies edits (any order; they must not overlap) to src's text into out. Returns -1 when
 * two edits overlap. */
int ll_edit_apply(const ll_source *src, const ll_edit *edits, size_t n, ll_strbuf *out);
/* Number of syntax errors (ERROR and MISSING nodes) tree-sitter finds in text. */
size_t ll_edit_syntax_errors(const char *text, size_t len);
/* Replaces path's content with text atomically, keeping its mode. Returns 0 or -1 (errno). */
int ll_edit_write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen);
/* Writes a unified diff of old -> new for path to out. */
void ll_edit_diff(FILE *out, const char *path, const char *old_text, size_t old_len, const char *new_text, size_t new_len);

#endif
