/* native_main.c: the looplint-native program, which `looplint native` runs (see
 * src/cli/native_exec.c). argv[1] is "native". */
#include "native.h"

int main(int argc, char **argv) {
  if (argc < 2) return ll_native_main(1, (char *[]){"native", 0});
  return ll_native_main(argc - 1, argv + 1);
}
