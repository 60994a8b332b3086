/* native_cli.c: placeholder until the libclang front end lands. */
#include "native.h"
#include <stdio.h>
int ll_native_main(int argc, char **argv) {
  (void)argc; (void)argv;
  fputs("looplint: native is not available in this build\n", stderr);
  return 2;
}
