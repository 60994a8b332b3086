/* watch.c: placeholder until the runtime lands. */
#include "watch.h"
#include <stdio.h>
int ll_watch_main(int argc, char **argv) {
  (void)argc; (void)argv;
  fputs("looplint: watch is not available in this build\n", stderr);
  return 2;
}
