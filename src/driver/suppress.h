/* suppress.h: applying `# noqa` directives to findings, after the project pass, and
 * reporting directives that suppressed nothing (LOOP902, with --report-unused-noqa). */
#ifndef LL_SUPPRESS_H
#define LL_SUPPRESS_H
#include "../model/facts.h"

/* Removes from fs every finding that a directive of its file suppresses. facts[i] belong to
 * the files whose findings are in fs; files not found keep their findings. */
void ll_suppress_apply(ll_findings *fs, ll_file_facts *facts, size_t nfacts);
/* Appends LOOP902 for directives with looplint codes (or blanket) that suppressed nothing. */
void ll_suppress_report_unused(ll_findings *out, const ll_file_facts *facts, size_t nfacts);
/* Whether a directive code or prefix covers code. */
int ll_noqa_code_matches(const char *directive_code, const char *code);

#endif
