/* native.h: `looplint native [options] PATH... [-- clang args]`: the libclang front end that
 * finds blocking calls in C extension modules (native_cli.c; native_stub.c without libclang).
 * Layout of src/native/:
 *   native_cli.c     options, source collection, per-file flags, report and --emit-rules
 *   native_compdb.c  compile_commands.json discovery and flag filtering
 *   native_clang.c   the libclang AST walk: calls with their GIL state, exposure tables
 *   native_model.c   the extracted facts and Python naming (no libclang types)
 *   native_graph.c   shortest blocking chains, LOOP601 findings, emitted rules
 *   native_rules.c   rules/native_blocking.json */
#ifndef LL_NATIVE_H
#define LL_NATIVE_H
/* argv[0] is "native". Returns the process exit code. */
int ll_native_main(int argc, char **argv);
#endif
