/* watch.h: `looplint watch -- COMMAND...` (runs COMMAND under libloopwatch). */
#ifndef LL_WATCH_H
#define LL_WATCH_H
/* argv[0] is "watch". Returns the process exit code. */
int ll_watch_main(int argc, char **argv);
#endif
