/* native_stub.c: `looplint native` in a build made without libclang. The rest of the native
 * front end (rules, model, call graph) is still built and unit-tested; only parsing needs
 * libclang, so the subcommand says what is missing and fails as a usage error would. */
#include "native.h"

#include <stdio.h>

int ll_native_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("looplint native: this looplint was built without libclang; install libclang-dev "
        "(clang-c/Index.h and libclang.so) and rebuild to analyse C extension sources\n",
        stderr);
  return 2;
}
