/* native.h: `looplint native PATH... [-- clang args]` (C extension sources via libclang). */
#ifndef LL_NATIVE_H
#define LL_NATIVE_H
/* argv[0] is "native". Returns the process exit code. */
int ll_native_main(int argc, char **argv);
#endif
