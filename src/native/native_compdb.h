/* native_compdb.h: compile_commands.json, the usual way C tools learn a project's include
 * paths and defines. Found in the folder of a source (or the folder given) or a parent;
 * from the matching command only the flags that change how the file parses are kept
 * (-I -isystem -iquote -idirafter -include -imacros -isysroot --sysroot -D -U -std -pthread
 * -ansi -m32 -m64), relative paths made absolute against the entry's "directory" so no
 * working-directory change is needed. Warnings, -Werror, optimisation and output flags of
 * another compiler never reach libclang. */
#ifndef LL_NATIVE_COMPDB_H
#define LL_NATIVE_COMPDB_H
#include <stddef.h>

#include "../util/arena.h"
#include "../util/vec.h"

/* An owned list of owned strings (compiler arguments). */
typedef LL_VEC(char *) ll_native_args;
void ll_native_args_push(ll_native_args *a, const char *s); /* copies s */
void ll_native_args_free(ll_native_args *a);

typedef struct ll_native_compdb_entry {
  const char *dir;  /* "directory" */
  const char *file; /* real path of "file" (resolved against dir) */
  LL_VEC(const char *) argv; /* the full command line, compiler first */
} ll_native_compdb_entry;

typedef struct ll_native_compdb {
  ll_arena arena; /* owns every string of the entries */
  const char *path;
  LL_VEC(ll_native_compdb_entry) entries;
} ll_native_compdb;

/* Loads path into db (initialised here). Returns 0, or -1 with a message in err and no
 * entries; db must be freed either way. */
int ll_native_compdb_load(ll_native_compdb *db, const char *path, char *err, size_t errlen);
void ll_native_compdb_free(ll_native_compdb *db);

/* The compile_commands.json of start (a folder, or a file's folder) or of its nearest parent
 * that has one, directly or in its build/ folder (where CMake puts it): a malloc'd path, or
 * NULL. */
char *ll_native_compdb_find(const char *start);

/* Appends the parse flags for source file `file`: from its own entry, else from an entry of
 * a file in the same folder (headers and new files share their neighbours' flags).
 * Returns 1 for its own entry, 0 for a neighbour's, -1 when none applies. */
int ll_native_compdb_flags(const ll_native_compdb *db, const char *file, ll_native_args *out);

/* Splits a "command" string like a POSIX shell would (quotes, backslashes); no expansion. */
void ll_native_split_command(const char *cmd, ll_native_args *out);
/* Keeps the parse flags of a command line (argv[0] is the compiler), see above. */
void ll_native_filter_args(const char *const *argv, size_t argc, const char *dir, ll_native_args *out);

#endif
