/* lsp.h: looplint's results in LSP's terms: URIs, ranges, diagnostics (code, link to the
 * rule's page, severity, the call chain as related locations, the fix as data), code actions
 * (the rule's fix, `# noqa` for the line or the file, fix-all) and hover on `# noqa` codes. */
#ifndef LL_LSP_H
#define LL_LSP_H
#include <cjson/cJSON.h>
#include "text.h"
#include "workspace.h"

/* The texts positions are converted in: an open document's buffer, else the file as read
 * once per request. */
typedef struct ll_lsp_texts {
  ll_workspace *ws;
  ll_strmap read;                 /* path -> ll_source* (or NULL: unreadable) */
  LL_VEC(ll_source *) owned;
  LL_VEC(char *) keys;
} ll_lsp_texts;

void ll_lsp_texts_init(ll_lsp_texts *t, ll_workspace *ws);
void ll_lsp_texts_free(ll_lsp_texts *t);
/* path's text, NULL when it cannot be read. */
const ll_source *ll_lsp_text(ll_lsp_texts *t, const char *path);

/* file:// URIs; NULL for another scheme. */
char *ll_lsp_uri_to_path(const char *uri);
char *ll_lsp_path_to_uri(const char *path);

/* cJSON string from text that may not be valid UTF-8. */
cJSON *ll_lsp_string(const char *s);
cJSON *ll_lsp_range(const ll_source *src, ll_pos start, ll_pos end, ll_lsp_encoding enc);
/* A finding as an LSP Diagnostic; src is the text of its file (NULL: positions as if ASCII). */
cJSON *ll_lsp_diagnostic(ll_lsp_texts *t, const ll_finding *f, const ll_source *src, ll_lsp_encoding enc);

/* The code actions for a textDocument/codeAction request on the document uri (text src, its
 * findings fs). */
cJSON *ll_lsp_code_actions(ll_lsp_texts *t, const char *uri, const ll_source *src, const ll_findings *fs,
                           const cJSON *params, ll_lsp_encoding enc);
/* Hover at pos: the rule of the `# noqa` code under it, or NULL. */
cJSON *ll_lsp_hover(const ll_ruledb *db, const ll_source *src, ll_lsp_pos pos, ll_lsp_encoding enc);

#endif
