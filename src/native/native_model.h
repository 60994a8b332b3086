/* native_model.h: the facts the libclang walker extracts from C extension sources, kept free
 * of libclang types so the analysis (native_graph.c) and its tests need no parser:
 *   - every function defined in the sources, with its direct calls in source order and the
 *     GIL state at each call;
 *   - the tables that expose functions to Python (PyMethodDef[], PyGetSetDef[], PyType_Slot[])
 *     and their owners (PyModuleDef, static PyTypeObject, PyType_Spec);
 *   - after ll_native_model_resolve(), the exports: Python qualified name -> C function.
 * Functions and tables are keyed by libclang USR, so a `static` helper is told apart from a
 * namesake in another file while an extern function links across files. */
#ifndef LL_NATIVE_MODEL_H
#define LL_NATIVE_MODEL_H
#include <stddef.h>

#include "../diag/finding.h"
#include "../util/arena.h"
#include "../util/strmap.h"
#include "../util/vec.h"
#include "native_rules.h"

#define LL_NATIVE_NONE ((size_t)-1)

/* A range in a source file, 1-based; columns count characters. */
typedef struct ll_native_site {
  const char *file; /* interned in the model */
  ll_pos start, end;
} ll_native_site;

typedef struct ll_native_call {
  const char *callee_usr, *callee_name; /* interned */
  ll_native_site site;
  ll_native_gil gil; /* at the call, relative to the caller's entry state */
  int returns_at_once; /* a `nonblocking_if` condition of the rules holds (poll(.., 0)) */
  int noqa;            /* its line carries `noqa` covering LOOP601 (// noqa: LOOP601) */
  /* Set by ll_native_model_link: */
  size_t callee;                     /* index in funcs, or LL_NATIVE_NONE */
  const ll_native_blocking *blocking; /* non-NULL: a blocking leaf */
} ll_native_call;

typedef struct ll_native_func {
  const char *usr, *name; /* interned */
  LL_VEC(ll_native_call) calls;
} ll_native_func;

/* One exposed entry of a table: Python attribute name and the C function behind it. */
typedef struct ll_native_entry {
  const char *attr;     /* "fetch"; "" for the type itself (tp_new, tp_init) */
  const char *func_usr; /* interned */
} ll_native_entry;

typedef enum ll_native_table_kind {
  LL_NATIVE_TABLE_METHODS, /* PyMethodDef[] */
  LL_NATIVE_TABLE_GETSET,  /* PyGetSetDef[] */
  LL_NATIVE_TABLE_SLOTS,   /* PyType_Slot[]: function slots in entries, tables it names in refs */
} ll_native_table_kind;

typedef struct ll_native_table {
  const char *usr;
  ll_native_table_kind kind;
  size_t unit;
  LL_VEC(ll_native_entry) entries;
  LL_VEC(const char *) refs; /* USRs of tables named by a slot array (Py_tp_methods) */
} ll_native_table;

/* A PyModuleDef, a static PyTypeObject or a PyType_Spec. */
typedef struct ll_native_owner {
  const char *py_name; /* m_name / tp_name / spec name, as written */
  int is_type;
  size_t unit;
  LL_VEC(const char *) refs;      /* table USRs it names (m_methods, tp_methods, slots) */
  LL_VEC(ll_native_entry) entries; /* function slots of a PyTypeObject (tp_init ...) */
} ll_native_owner;

/* One parsed source file. */
typedef struct ll_native_unit {
  const char *file;
  const char *module;      /* m_name of its first PyModuleDef, or NULL */
  const char *init_module; /* NAME of a PyInit_NAME it defines, or NULL */
} ll_native_unit;

typedef struct ll_native_export {
  const char *py_name;   /* "_speedups.Reader.fetch" */
  const char *type_name; /* "_speedups.Reader" for methods and slots, NULL for module functions */
  const char *attr;      /* "fetch" */
  int is_attribute;      /* a PyGetSetDef getter or setter: runs on attribute access, not a call */
  size_t func;           /* index in funcs */
} ll_native_export;

typedef struct ll_native_model {
  ll_arena arena; /* owns every string; ll_native_model_free frees the nested vectors */
  ll_strmap interned;
  LL_VEC(ll_native_unit) units;
  LL_VEC(ll_native_func) funcs;
  ll_strmap func_by_usr; /* usr -> index + 1 */
  LL_VEC(ll_native_table) tables;
  ll_strmap table_by_usr; /* usr -> index + 1 */
  LL_VEC(ll_native_owner) owners;
  /* Filled by ll_native_model_resolve: */
  LL_VEC(ll_native_export) exports; /* sorted by py_name */
  LL_VEC(const char *) types;       /* qualified names of the types found, sorted */
} ll_native_model;

void ll_native_model_init(ll_native_model *m);
void ll_native_model_free(ll_native_model *m);
/* Returns a copy of s owned by the model; equal strings share one copy. */
const char *ll_native_intern(ll_native_model *m, const char *s);

size_t ll_native_add_unit(ll_native_model *m, const char *file);
/* Adds a function definition; returns its index, or LL_NATIVE_NONE when the USR is already
 * defined (a static inline helper of a header seen from two files): its calls are known. */
size_t ll_native_add_func(ll_native_model *m, const char *usr, const char *name);
void ll_native_add_call(ll_native_model *m, size_t func, const ll_native_call *call);
/* Adds a table; returns its index, or LL_NATIVE_NONE when that USR was seen before. */
size_t ll_native_add_table(ll_native_model *m, const char *usr, ll_native_table_kind kind, size_t unit);
void ll_native_table_add_entry(ll_native_model *m, size_t table, const char *attr, const char *func_usr);
void ll_native_table_add_ref(ll_native_model *m, size_t table, const char *usr);
size_t ll_native_add_owner(ll_native_model *m, const char *py_name, int is_type, size_t unit);
void ll_native_owner_add_ref(ll_native_model *m, size_t owner, const char *usr);
void ll_native_owner_add_entry(ll_native_model *m, size_t owner, const char *attr, const char *func_usr);

/* The 1-based character column of byte offset `offset` in buf (size bytes), whose 1-based
 * byte column is byte_col: libclang counts bytes, looplint's reports count characters. */
unsigned ll_native_char_col(const char *buf, size_t size, size_t offset, unsigned byte_col);

/* Whether a source line (len bytes, no newline needed) carries a `noqa` comment covering
 * code: a bare `noqa`, or `noqa: CODE, CODE` naming it (as in ruff, for C comments). */
int ll_native_noqa_covers(const char *line, size_t len, const char *code);

/* Resolves callees: defined functions by USR, blocking leaves by name (rules). */
void ll_native_model_link(ll_native_model *m, const ll_native_rules *rules);
/* Computes exports and types from tables and owners (see native_model.c for the naming). */
void ll_native_model_resolve(ll_native_model *m);

#endif
