/* text.h: positions between looplint and an editor. Findings count rows from 1 and columns
 * in Unicode characters from 1; LSP counts lines from 0 and characters in the units of the
 * negotiated encoding (UTF-16 unless the client offers UTF-8 or UTF-32). Invalid UTF-8 bytes
 * count as one character each, as U+FFFD would. Only `\n` ends a line, as for tree-sitter. */
#ifndef LL_SERVER_TEXT_H
#define LL_SERVER_TEXT_H
#include <stddef.h>
#include <stdint.h>
#include "../diag/finding.h"
#include "../util/strbuf.h"

typedef enum ll_lsp_encoding { LL_ENC_UTF16 = 0, LL_ENC_UTF8, LL_ENC_UTF32 } ll_lsp_encoding;

typedef struct ll_lsp_pos {
  uint32_t line, character;
} ll_lsp_pos;

/* Byte offset of an LSP position in text: a character past the line's end means its end, a
 * line past the last one the end of the text. */
size_t ll_text_offset(const char *text, size_t len, ll_lsp_pos p, ll_lsp_encoding enc);
/* The same when the offset of the line's start is known (line_start: the byte where p.line
 * begins; SIZE_MAX when the text has fewer lines). */
size_t ll_text_offset_in_line(const char *text, size_t len, size_t line_start, uint32_t character, ll_lsp_encoding enc);
/* The LSP position of a finding's position (1-based row and character column); line_starts
 * indexes text (nlines entries). Rows past the end clamp to the end. */
ll_lsp_pos ll_text_lsp_pos(const char *text, size_t len, const uint32_t *line_starts, size_t nlines, ll_pos p,
                           ll_lsp_encoding enc);
/* The finding position (1-based) of a byte offset. */
ll_pos ll_text_pos_of_offset(const char *text, size_t len, size_t offset);

/* Replaces bytes [start, end) of *text with repl. */
void ll_text_replace(ll_strbuf *text, size_t start, size_t end, const char *repl, size_t repl_len);

/* A copy of s that is valid UTF-8 (U+FFFD for each byte that does not start a sequence). */
char *ll_text_clean_utf8(const char *s);

#endif
