/* server.h: `looplint server`, a Language Server (LSP 3.17 over standard input and output).
 * Editors get the findings of the open documents as they type (also those that cross files),
 * the rules' fixes and suppressions as code actions, and a rule's summary on hover over a
 * `# noqa` code. docs/editors.md tells how to set editors up. */
#ifndef LL_SERVER_H
#define LL_SERVER_H

/* Runs the server on fds 0 and 1 until `exit` or the end of input; returns the exit code. */
int ll_server_main(int argc, char **argv);

#endif
