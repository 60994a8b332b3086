/* source.h: one Python source file in memory: its bytes, a line index, and the mapping from
 * byte offsets to 1-based (row, character column) positions that findings report. */
#ifndef LL_SOURCE_H
#define LL_SOURCE_H
#include <stddef.h>
#include <stdint.h>
#include "../diag/finding.h"

#define LL_SOURCE_BLOCK 1024

typedef struct ll_source {
  char *path;  /* as given by the user (owned) */
  char *text;  /* the bytes, NUL-terminated for convenience (owned); may contain NULs */
  size_t len;
  LL_VEC(uint32_t) line_starts; /* byte offset of each line start */
  /* lines longer than LL_SOURCE_BLOCK bytes: their rows (ascending), and for each the
   * characters before every LL_SOURCE_BLOCK-byte block, so a column costs one block at most
   * (a 300 kB line with a finding every few bytes stays linear) */
  LL_VEC(uint32_t) long_rows;
  LL_VEC(uint32_t) long_first; /* index into block_chars of each long row's first block */
  LL_VEC(uint32_t) block_chars;
  size_t first_nul;       /* offset of the first NUL byte, or SIZE_MAX */
  size_t first_bad_utf8;  /* offset of the first invalid UTF-8 sequence, or SIZE_MAX */
  int bytes_checked;      /* first_nul and first_bad_utf8 are known */
  /* set by the driver when known (not owned): the module name, and the project's top-level
   * module names; NULL: the engine works them out / keeps every call site */
  const char *module;
  int is_package;
  const void *project_roots; /* ll_strmap* */
  /* parse only these byte ranges (not owned; NULL: all): a module needed for some names */
  const void *ranges; /* TSRange* */
  uint32_t nranges;
  const struct ll_lazy_skipped *skipped; /* the top-level definitions left out, in text order */
  uint32_t nskipped;
  /* an editor's buffer (not owned): the tree of its previous text, edited (ts_tree_edit) to
   * match this one, so tree-sitter re-parses only what changed (NULL: parse afresh); and where
   * the new tree is kept for the next edit (NULL: freed after the walk). TSTree*. */
  const void *old_tree;
  void **keep_tree;
} ll_source;

/* A top-level definition a partial parse leaves out: where it starts, and its name. */
typedef struct ll_lazy_skipped {
  uint32_t start, name_off, name_len;
} ll_lazy_skipped;

/* Reads path whole. On failure returns -1 and writes the reason (strerror) to err. */
int ll_source_read(ll_source *src, const char *path, char *err, size_t errlen);
/* The same without the line index and the NUL / UTF-8 scan (a cache look-up needs only the
 * bytes); ll_source_index does them later if the file must be analysed. */
int ll_source_read_raw(ll_source *src, const char *path, char *err, size_t errlen);
/* The NUL / UTF-8 scan alone (a file that is not parsed needs no line index). */
void ll_source_check_bytes(ll_source *src);
/* The line index, and the byte scan if not done yet. */
void ll_source_index(ll_source *src);
/* Takes a copy of data as the content of path (stdin, tests). */
void ll_source_from_buffer(ll_source *src, const char *path, const char *data, size_t len);
void ll_source_free(ll_source *src);

/* Position of byte offset: row 1-based, column 1-based in characters (UTF-8 code points;
 * each byte of an invalid sequence counts as one). */
ll_pos ll_source_pos(const ll_source *src, size_t offset);
/* Same when the 0-based row is already known (tree-sitter points). */
ll_pos ll_source_pos_in_row(const ll_source *src, uint32_t row0, size_t offset);
/* Offset of the first byte after the line holding offset (excluding the newline). */
size_t ll_source_line_end(const ll_source *src, size_t offset);

/* Offset of the first invalid UTF-8 byte in s[0..n), or SIZE_MAX. Exposed for tests. */
size_t ll_utf8_first_invalid(const char *s, size_t n);

#endif
