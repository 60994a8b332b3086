/* watch.h: `looplint watch -- COMMAND...`, which runs COMMAND with libloopwatch.so preloaded and
 * reports what blocked its asyncio event loops, in the output formats of `check`. */
#ifndef LL_WATCH_H
#define LL_WATCH_H
#include "../diag/finding.h"

/* argv[0] is "watch". Returns the process exit code: the command's status, 1 with
 * --fail-on-events when events were seen, 2 when the command could not be started. */
int ll_watch_main(int argc, char **argv);

/* Runs cmd (NULL-terminated, cmd[0] looked up in PATH) under libloopwatch.so and appends its
 * events to out as findings, one per (file, line, code). stall_ms: the stall threshold, 0 to
 * report no stalls. Returns 0 when the command ran (*cmd_status: its exit status, 128+N when
 * killed by signal N), or -1 with a message on stderr when it could not be started (library
 * missing, exec failure; *cmd_status = 2). For reuse by `check --verify -- COMMAND`. */
int ll_watch_collect(char **cmd, int stall_ms, ll_findings *out, int *cmd_status);

#endif
