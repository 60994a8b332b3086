/* cli.h: the subcommands of the looplint binary. */
#ifndef LL_CLI_H
#define LL_CLI_H
int ll_cli_check(int argc, char **argv);
int ll_cli_rule(int argc, char **argv);
/* `looplint native ...`: runs the looplint-native program (native_exec.c). */
int ll_cli_native(int argc, char **argv);
/* `looplint typeshed STUBS_DIR`: writes coroutine facts read from typeshed stubs (typeshed.c). */
int ll_cli_typeshed(int argc, char **argv);
/* Option helper: matches `--name value` and `--name=value`; advances *i. Returns the value or NULL. */
const char *ll_cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing);
#endif
