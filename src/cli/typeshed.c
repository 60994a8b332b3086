/* typeshed.c: placeholder for the typeshed facts generator. */
#include "cli.h"
#include <stdio.h>
int ll_cli_typeshed(int argc, char **argv) {
  (void)argc; (void)argv;
  fputs("looplint: typeshed is not available in this build\n", stderr);
  return 2;
}
