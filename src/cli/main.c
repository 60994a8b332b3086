/* main.c: the looplint command line: dispatches to check, rule, server, watch and native. */
#include "../front/fields.h"
#include "../runtime/watch.h"
#include "../server/server.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char USAGE[] =
    "looplint: keeps asyncio event loops unblocked\n"
    "\n"
    "Usage: looplint <command> [options]\n"
    "\n"
    "Commands:\n"
    "  check [PATH...]         lint Python files and folders (default: the current folder)\n"
    "  rule [CODE]             print a rule's documentation (no CODE: list every rule)\n"
    "  watch -- COMMAND...     run COMMAND and report blocking calls its event loop really made\n"
    "  native PATH... [-- ARGS] find blocking calls in C extension sources (libclang)\n"
    "  server                  run as a Language Server (LSP, standard input/output) for editors\n"
    "  typeshed STUBS_DIR      regenerate coroutine facts from typeshed stubs (scripts/gen-typeshed.sh)\n"
    "\n"
    "Options:\n"
    "  -h, --help              this help (`looplint check --help` for check's options)\n"
    "  -V, --version           print the version\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(USAGE, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    fputs(USAGE, stdout);
    return 0;
  }
  if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("looplint %s\n", LOOPLINT_VERSION);
    return 0;
  }
  /* the grammars' ABI against the runtime linked in: a clear error, not a crash later */
  char err[256];
  if (strcmp(cmd, "native") != 0 && strcmp(cmd, "watch") != 0 && !ll_grammars_fit(err, sizeof err)) {
    fprintf(stderr, "looplint: %s\n", err);
    return 2;
  }
  if (strcmp(cmd, "check") == 0) return ll_cli_check(argc - 1, argv + 1);
  if (strcmp(cmd, "rule") == 0) return ll_cli_rule(argc - 1, argv + 1);
  if (strcmp(cmd, "server") == 0) return ll_server_main(argc - 1, argv + 1);
  if (strcmp(cmd, "typeshed") == 0) return ll_cli_typeshed(argc - 1, argv + 1);
  if (strcmp(cmd, "watch") == 0) return ll_watch_main(argc - 1, argv + 1);
  if (strcmp(cmd, "native") == 0) return ll_cli_native(argc - 1, argv + 1);
  fprintf(stderr, "looplint: unknown command `%s`\n\n%s", cmd, USAGE);
  return 2;
}
