/* native_rules.h: what the native front end knows about C APIs, as data. Loaded from
 * rules/native_blocking.json (sections `native_blocking`, `native_gil`, `native_slots`; the
 * Python rule loader ignores them): which libc/POSIX calls block and in which category, which
 * C-API calls release or take the GIL, and which type slots Python code can call by name. */
#ifndef LL_NATIVE_RULES_H
#define LL_NATIVE_RULES_H
#include <stddef.h>

#include "../util/arena.h"
#include "../util/strmap.h"
#include "../util/vec.h"

/* The GIL at a point of a C function body. ENTRY means "as the caller left it": no GIL call
 * has been seen yet on the way there, so the answer depends on the call site. */
typedef enum ll_native_gil {
  LL_NATIVE_GIL_ENTRY = 0,
  LL_NATIVE_GIL_HELD = 1,
  LL_NATIVE_GIL_RELEASED = 2,
} ll_native_gil;

/* When a blocking call returns at once: poll(fds, n, 0), waitpid(pid, &st, WNOHANG). */
typedef enum ll_native_cond {
  LL_NATIVE_COND_NONE = 0,
  LL_NATIVE_COND_EQUALS,   /* argument `arg` is a constant equal to `value` */
  LL_NATIVE_COND_HAS_BITS, /* argument `arg` is a constant with all bits of `value` set */
} ll_native_cond;

typedef struct ll_native_blocking {
  const char *name;     /* C function name ("recv") */
  const char *category; /* a key of `categories` in rules/blocking.json ("socket") */
  ll_native_cond cond;
  unsigned cond_arg;
  long long cond_value;
} ll_native_blocking;

/* A GIL call: `push` saves the current state and switches to `state` (PyEval_SaveThread);
 * otherwise it pops back to the saved state, or to `state` when nothing was saved
 * (PyEval_RestoreThread without a visible save). */
typedef struct ll_native_gil_call {
  const char *name;
  int push;
  ll_native_gil state;
} ll_native_gil_call;

/* A type slot Python can call: PyTypeObject field `field`, PyType_Slot id `slot`, and the
 * attribute it is called as ("" for the type itself: tp_new, tp_init). */
typedef struct ll_native_slot {
  const char *field;
  int slot;
  const char *python;
} ll_native_slot;

typedef struct ll_native_rules {
  ll_arena arena; /* owns every string below */
  LL_VEC(ll_native_blocking) blocking;
  LL_VEC(ll_native_gil_call) gil;
  LL_VEC(ll_native_slot) slots;
  ll_strmap blocking_by_name; /* name -> index + 1, filled once the vectors stop growing */
  ll_strmap gil_by_name;
} ll_native_rules;

void ll_native_rules_init(ll_native_rules *r);
void ll_native_rules_free(ll_native_rules *r);
/* Parses a JSON document (adds to r). Returns 0, or -1 with a message in err. */
int ll_native_rules_parse(ll_native_rules *r, const char *json, char *err, size_t errlen);
/* Reads and parses path. Returns 0, or -1 with a message in err. */
int ll_native_rules_load(ll_native_rules *r, const char *path, char *err, size_t errlen);
/* Writes the path of rules/native_blocking.json in looplint's data folder (ll_data_dir:
 * $LOOPLINT_DATA, the install prefix, the source tree) into buf.
 * Returns 0 when it exists, -1 otherwise. */
int ll_native_rules_default_path(char *buf, size_t size);

/* Lookups by C function name; NULL when unknown. */
const ll_native_blocking *ll_native_rules_blocking(const ll_native_rules *r, const char *name);
const ll_native_gil_call *ll_native_rules_gil(const ll_native_rules *r, const char *name);
const ll_native_slot *ll_native_rules_slot_by_field(const ll_native_rules *r, const char *field);
const ll_native_slot *ll_native_rules_slot_by_id(const ll_native_rules *r, long long id);

#endif
