/* types.h: the type engine. How looplint knows that `x` is a Path.
 *
 * Every expression the walk meets is turned into a *type path*, a small string saying how its
 * value is reached from something named (resolve.c builds them):
 *
 *   head  := a global dotted name (`pathlib.Path`, `depot.settings.SPOOL`)
 *          | `<T>`, a value of type T (`<pathlib.Path>`, `<builtins.list[pathlib.Path]>`)
 *   steps := `.name` attribute | `()` call | `[]` subscript | `[N]` element N of a tuple
 *          | `@` an element when iterated | `~` what `with` binds | `^` what `async with` binds
 *          | `!` what `await` gives
 *
 * so `for p in job.logs: p.unlink()` makes the callee `<depot.model.Job>.logs@.unlink`.
 * Reducing a path walks its steps with what is known: the rules data for library types
 * (`returns`, `bases`, typeshed-generated), and, in the project pass, every file's facts
 * (classes with their attributes and properties, functions with their return types, module
 * variables, re-exports). A file's walk knows only the rules data and its own bindings: a
 * path that needs another file stays *pending* and the project pass finishes it. Unknown
 * stays unknown: nothing is guessed from a name.
 *
 * Cost: each step of each distinct prefix is computed once (memo); a path longer than
 * LL_PATH_MAX bytes, a recursion deeper than a few definitions, and a typer past its step
 * budget all give unknown. */
#ifndef LL_TYPES_H
#define LL_TYPES_H
#include "../util/budget.h"
#include "../knowledge/ruledb.h"
#include "project.h"

#define LL_PATH_MAX 512

typedef enum ll_vkind {
  LL_V_UNKNOWN = 0,
  LL_V_LIB,      /* a library name whose kind the data does not say (module, function...) */
  LL_V_MODULE,   /* a module of the project */
  LL_V_CLASS,    /* a class object (library or project) */
  LL_V_FUNC,     /* a project function, or a method bound to an instance */
  LL_V_INSTANCE, /* a value of type `name` (a type expression, generic arguments included) */
  LL_V_MEMBER,   /* attribute `member` of a library-typed value `name`, not yet taken */
  LL_V_PENDING,  /* needs the project: `name` is the path, reduced as far as this file can */
} ll_vkind;

typedef struct ll_value {
  ll_vkind kind;
  const char *name;
  const char *member;    /* LL_V_MEMBER */
  const char *self_type; /* LL_V_FUNC bound to an instance: that instance's type */
  ll_funcref *func;      /* LL_V_FUNC: the project function (NULL for a library callable) */
} ll_value;

/* What a file's walk lets the typer see of its own classes (NULL outside a walk). */
typedef struct ll_typer_local {
  void *arg;
  /* this file's class of that qualified name, or NULL */
  const ll_classdef *(*class_of)(void *arg, const char *qual);
} ll_typer_local;

typedef struct ll_typer {
  const ll_ruledb *db;
  ll_arena *arena;
  ll_resolver *rv;                /* the project pass: its index; NULL in a file's walk */
  const ll_strmap *project_roots; /* a file's walk: top-level modules of the project */
  const char *module;             /* a file's walk: its module (its names are the project's) */
  ll_typer_local local;
  ll_strmap memo;                 /* path -> ll_value* (arena) */
  uint32_t depth;
  ll_budget own_budget; /* the project pass: per resolver */
  ll_budget *budget;    /* a file's walk: the file's (context.h), else own_budget */
} ll_typer;

void ll_typer_init(ll_typer *t, const ll_ruledb *db, ll_arena *arena, ll_resolver *rv);
void ll_typer_free(ll_typer *t);

/* The value a path stands for; unknown for NULL. */
ll_value ll_typer_reduce(ll_typer *t, const char *path);
/* The normal form of a value as a path (NULL when unknown): what a binding keeps and what
 * a call site records. */
const char *ll_value_path(ll_typer *t, const ll_value *v);
/* Whether a global name belongs to the project (its top-level module is one of the
 * project's, or it is this file's). */
int ll_typer_is_project(const ll_typer *t, const char *name);

/* A member taken as an attribute (not called): the value it holds. */
ll_value ll_typer_attribute(ll_typer *t, const ll_value *member);

/* The name the rules data knows a callable value by: a library function or class, a
 * project function's qualified name, or a member found on the receiver's class or one of its
 * library bases (`pathlib.Path.exists` for a PosixPath). NULL when unknown or pending. */
const char *ll_typer_callable(ll_typer *t, const ll_value *callee);
/* The blocking entry calling callee matches (by name, or as a sync client's method or
 * constructor), and the name it matched under; NULL when none. */
const ll_blocking_entry *ll_typer_blocking(ll_typer *t, const ll_value *callee, const char **name);
/* For a member of a library-typed value (or a library function): the name under which set
 * lists it, searching the receiver's class and its library bases; NULL when none. */
const char *ll_typer_listed(ll_typer *t, const ll_value *callee, const ll_strmap *set);
/* What the rules data says calling a library callee returns. */
ll_call_kind ll_typer_call_kind(ll_typer *t, const ll_value *callee);

/* --- paths, built by the walk --- */
/* base + step (".name", "()", "[]", "@", ...); NULL when base is NULL or it grows too long. */
const char *ll_path_step(ll_arena *a, const char *base, const char *step);
const char *ll_path_attr(ll_arena *a, const char *base, const char *name, size_t n);
/* `<type>` */
const char *ll_path_instance(ll_arena *a, const char *type);

/* --- type expressions (`builtins.dict[builtins.str, pkg.Device]`) --- */
/* Length of the class name before any generic arguments. */
size_t ll_texpr_head_len(const char *te);
/* Generic argument i (arena copy, spaces dropped), or NULL. */
const char *ll_texpr_arg(ll_arena *a, const char *te, int i);

#endif
