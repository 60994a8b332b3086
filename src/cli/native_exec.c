/* native_exec.c: `looplint native ...` runs the looplint-native program that sits next to
 * the binary (or in ../lib/looplint/, or $LOOPLINT_NATIVE), so libclang is loaded only when
 * C sources are analysed. */
#include "cli.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int executable(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int ll_cli_native(int argc, char **argv) {
  ll_strbuf prog;
  ll_strbuf_init(&prog);
  const char *env = getenv("LOOPLINT_NATIVE");
  if (env && *env) ll_strbuf_add(&prog, env);
  else {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      exe[n] = 0;
      char *slash = strrchr(exe, '/');
      if (slash) *slash = 0;
      ll_strbuf_addf(&prog, "%s/looplint-native", exe);
      if (!executable(prog.data)) {
        ll_strbuf_clear(&prog);
        ll_strbuf_addf(&prog, "%s/../lib/looplint/looplint-native", exe);
        if (!executable(prog.data)) {
          ll_strbuf_clear(&prog);
          ll_strbuf_addf(&prog, "%s/../lib64/looplint/looplint-native", exe);
        }
      }
    }
  }
  if (!prog.len || !executable(prog.data)) {
    fprintf(stderr, "looplint: native: the looplint-native program was not found next to looplint "
                    "(build it with libclang, or set LOOPLINT_NATIVE)\n");
    ll_strbuf_free(&prog);
    return 2;
  }
  char **args = calloc((size_t)argc + 2, sizeof *args);
  args[0] = prog.data;
  args[1] = "native";
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  execv(prog.data, args);
  fprintf(stderr, "looplint: native: cannot run %s: %s\n", prog.data, strerror(errno));
  free(args);
  ll_strbuf_free(&prog);
  return 2;
}
