/* collect.h: the steps of ll_watch_collect (collect.c), exposed for tests/runtime: finding the
 * library, building the child's environment, and turning event lines into findings. */
#ifndef LL_WATCH_COLLECT_H
#define LL_WATCH_COLLECT_H
#include <stddef.h>
#include <stdint.h>

#include "../diag/finding.h"
#include "event.h"

/* Finds libloopwatch.so: next to self_exe, then in self_exe's ../lib/looplint/, then env_lib
 * (a file, or a directory holding it; may be NULL). Returns 0 and the path in out, or -1. */
int ll_watch_find_library(const char *self_exe, const char *env_lib, char *out, size_t cap);

/* The child's LD_PRELOAD: existing entries (':' or ' ' separated) kept in order, lib appended
 * once. strip_sanitizers drops sanitizer runtimes (libasan, libubsan, ...): the child is not
 * instrumented and must not get them from a sanitized looplint's environment. Owned string. */
char *ll_watch_preload_value(const char *existing, const char *lib, int strip_sanitizers);

/* A copy of env (NULL-terminated) with LD_PRELOAD, LOOPWATCH_OUT and LOOPWATCH_STALL_MS set.
 * Free with ll_watch_env_free. */
char **ll_watch_child_env(char *const *env, const char *preload, const char *out_path, int stall_ms);
void ll_watch_env_free(char **env);

/* The finding message for an event, e.g. "`clock_nanosleep` blocked the event loop for 201 ms
 * in main() (time.sleep?)". Owned string. */
char *ll_watch_event_message(const ll_runtime_event_view *ev);

/* The span of the code on line row of path: from its first to past its last non-blank
 * character before any comment (columns in characters, 1-based); column 1 to 1 when the line
 * cannot be read. */
void ll_watch_line_span(const char *path, uint32_t row, ll_pos *start, ll_pos *end);

/* Parses the event lines of text (modified in place) and appends one finding per
 * (file, line, code), whose message is that of the longest event. Returns the number of
 * events read. */
size_t ll_watch_add_events(char *text, ll_findings *out);

#endif
