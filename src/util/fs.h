/* fs.h: collecting the Python files to lint from the paths a user gives, and locating
 * looplint's own data folder (rules/, docs/). */
#ifndef LL_FS_H
#define LL_FS_H
#include <stddef.h>
#include "vec.h"

typedef LL_VEC(char *) ll_pathlist;

/* An error met while collecting (unreadable folder, missing path). */
typedef struct ll_fs_error {
  char *path;
  char *reason;
} ll_fs_error;
typedef LL_VEC(ll_fs_error) ll_fs_errors;

/* Appends the files under each path: explicit files as given, folders walked recursively
 * for *.py and *.pyi, skipping version-control, cache, virtualenv and build folders.
 * Symlinked folders are followed once (loops are cut). The result is sorted and unique. */
void ll_fs_collect(char **paths, size_t npaths, ll_pathlist *out, ll_fs_errors *errors);
void ll_pathlist_free(ll_pathlist *l);
void ll_fs_errors_free(ll_fs_errors *e);
/* Whether a folder name is skipped while walking. */
int ll_fs_skip_dir(const char *name);

/* The other files of the packages the given files sit in (walking up through folders with an
 * __init__.py to the top package), minus the files themselves: the project model needs their
 * definitions even when only one file is linted (pre-commit, editors). */
void ll_fs_package_context(const ll_pathlist *files, ll_pathlist *out);
/* The same, skipping packages inside the folders the user gave (walked already). */
void ll_fs_package_context_walked(const ll_pathlist *files, char **walked, size_t nwalked, ll_pathlist *out);

/* Whether dir/name exists and is a regular file. */
int ll_fs_file_exists(const char *dir, const char *name);
/* Whether dir/name exists at all (a file, a folder, ...). */
int ll_fs_path_exists(const char *dir, const char *name);

/* The folder holding rules/ and docs/: $LOOPLINT_DATA, then <exe>/../share/looplint, then the
 * source tree the binary was built from. Returns a malloc'd path or NULL. */
char *ll_data_dir(const char *argv0);

#endif
