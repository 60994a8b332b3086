/* native_clang.c: walks a libclang AST and records what the native analysis needs.
 *
 * GIL regions are tracked on the macro-expanded AST, in source order within each function
 * body: Py_BEGIN_ALLOW_THREADS is `{ PyThreadState *_save; _save = PyEval_SaveThread();`
 * and Py_END_ALLOW_THREADS is `PyEval_RestoreThread(_save); }`, so the calls themselves mark
 * the region (which calls push or pop the state is data: `native_gil` in the rules).
 * Arguments are visited before the call they feed, as C evaluates them. A nested block that
 * ends in return/goto/break/continue does not fall through, so the state it leaves behind
 * does not leak into the code after it; that keeps CPython's documented early exit
 *     Py_BEGIN_ALLOW_THREADS  if (err) { Py_BLOCK_THREADS  return NULL; }  read(...)
 * reading `read` as GIL-released. Branches are otherwise taken in order (no path merging).
 *
 * Exposure tables are read from initialisers: PyMethodDef[], PyGetSetDef[], PyType_Slot[],
 * PyModuleDef, PyTypeObject and PyType_Spec, with designated or positional fields. Function
 * bodies in system headers (Python's own inline helpers, libc) are not walked. */
#include "native_clang.h"

#include <clang-c/Index.h>
#include <stdio.h>
#include <string.h>

#define GIL_STACK 32

struct ll_native_clang {
  CXIndex index;
};

ll_native_clang *ll_native_clang_new(void) {
  ll_native_clang *cx = ll_xmalloc(sizeof *cx);
  cx->index = clang_createIndex(0, 0);
  return cx;
}

void ll_native_clang_free(ll_native_clang *cx) {
  if (!cx) return;
  clang_disposeIndex(cx->index);
  free(cx);
}

typedef struct gil_state {
  ll_native_gil cur;
  unsigned depth;
  ll_native_gil saved[GIL_STACK];
} gil_state;

/* The state of walking one translation unit. */
typedef struct tu_walk {
  CXTranslationUnit tu;
  const ll_native_rules *rules;
  ll_native_model *m;
  size_t unit;
  size_t func; /* the function whose body is being walked, or LL_NATIVE_NONE */
  gil_state gil;
} tu_walk;

typedef LL_VEC(CXCursor) cursor_vec;

static void walk(tu_walk *w, CXCursor c);
static void on_var(tu_walk *w, CXCursor var);

/* --- small libclang helpers --------------------------------------------------------------- */

/* Copies a CXString into the model (interned) and disposes it. */
static const char *take(ll_native_model *m, CXString s) {
  const char *c = clang_getCString(s);
  const char *r = ll_native_intern(m, c ? c : "");
  clang_disposeString(s);
  return r;
}

static int in_system_header(CXCursor c) { return clang_Location_isInSystemHeader(clang_getCursorLocation(c)); }

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  cursor_vec *v = d;
  ll_vec_push(v, c);
  return CXChildVisit_Continue;
}

static void children(CXCursor c, cursor_vec *out) {
  out->len = 0;
  clang_visitChildren(c, collect_child, out);
}

/* Depth-first search for a cursor of kind `kind` (and, for DeclRefExpr, a referenced
 * declaration of kind `ref_kind`). */
typedef struct find_ctx {
  enum CXCursorKind kind, ref_kind;
  int found;
  CXCursor hit;
} find_ctx;

static enum CXChildVisitResult find_visit(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  find_ctx *f = d;
  if (clang_getCursorKind(c) == f->kind) {
    if (f->kind != CXCursor_DeclRefExpr || clang_getCursorKind(clang_getCursorReferenced(c)) == f->ref_kind) {
      f->hit = f->kind == CXCursor_DeclRefExpr ? clang_getCursorReferenced(c) : c;
      f->found = 1;
      return CXChildVisit_Break;
    }
  }
  return CXChildVisit_Recurse;
}

/* c itself counts; for DeclRefExpr *out is the declaration it names. */
static int find_in(CXCursor c, enum CXCursorKind kind, enum CXCursorKind ref_kind, CXCursor *out) {
  find_ctx f = {kind, ref_kind, 0, clang_getNullCursor()};
  if (find_visit(c, clang_getNullCursor(), &f) != CXChildVisit_Break) clang_visitChildren(c, find_visit, &f);
  if (f.found) *out = f.hit;
  return f.found;
}

/* The first string literal under c, without quotes and prefix ("\"fetch\"" -> "fetch"). */
static const char *first_string(tu_walk *w, CXCursor c) {
  CXCursor lit;
  if (clang_Cursor_isNull(c) || !find_in(c, CXCursor_StringLiteral, 0, &lit)) return NULL;
  CXString s = clang_getCursorSpelling(lit);
  const char *raw = clang_getCString(s);
  const char *q = raw ? strchr(raw, '"') : NULL;
  const char *e = q ? strrchr(raw, '"') : NULL;
  const char *r = NULL;
  if (q && e > q) r = ll_native_intern(w->m, ll_arena_strndup(&w->m->arena, q + 1, (size_t)(e - q - 1)));
  clang_disposeString(s);
  return r;
}

/* The USR of the first function (or variable) named under c, or NULL. */
static const char *first_ref_usr(tu_walk *w, CXCursor c, enum CXCursorKind decl_kind) {
  CXCursor d;
  if (clang_Cursor_isNull(c) || !find_in(c, CXCursor_DeclRefExpr, decl_kind, &d)) return NULL;
  return take(w->m, clang_getCursorUSR(d));
}

/* --- types of interest ------------------------------------------------------------------- */

typedef enum api_type {
  API_NONE,
  API_METHOD_DEF,
  API_GETSET_DEF,
  API_TYPE_SLOT,
  API_MODULE_DEF,
  API_TYPE_OBJECT,
  API_TYPE_SPEC,
} api_type;

static api_type api_name(const char *s) {
  static const struct { const char *name; api_type t; } NAMES[] = {
      {"PyMethodDef", API_METHOD_DEF}, {"PyGetSetDef", API_GETSET_DEF},   {"PyType_Slot", API_TYPE_SLOT},
      {"PyModuleDef", API_MODULE_DEF}, {"PyTypeObject", API_TYPE_OBJECT}, {"_typeobject", API_TYPE_OBJECT},
      {"PyType_Spec", API_TYPE_SPEC},
  };
  for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
    if (strcmp(s, NAMES[i].name) == 0) return NAMES[i].t;
  return API_NONE;
}

/* Which C-API struct t is, through typedefs (PyType_Slot is a typedef of an unnamed struct,
 * so the typedef name is checked before the record's). */
static api_type api_type_of(CXType t) {
  for (int guard = 0; guard < 8; guard++) {
    if (t.kind == CXType_Elaborated) { t = clang_Type_getNamedType(t); continue; }
    if (t.kind != CXType_Typedef && t.kind != CXType_Record) return API_NONE;
    CXCursor decl = clang_getTypeDeclaration(t);
    CXString s = clang_getCursorSpelling(decl);
    api_type a = api_name(clang_getCString(s) ? clang_getCString(s) : "");
    clang_disposeString(s);
    if (a != API_NONE || t.kind == CXType_Record) return a;
    t = clang_getTypedefDeclUnderlyingType(decl);
  }
  return API_NONE;
}

/* For an array of a C-API struct, the struct; API_NONE otherwise. */
static api_type api_array_of(CXType t) {
  if (t.kind != CXType_ConstantArray && t.kind != CXType_IncompleteArray) return API_NONE;
  return api_type_of(clang_getArrayElementType(t));
}

/* --- initialiser lists -------------------------------------------------------------------- */

typedef struct field_names {
  char names[128][48];
  size_t len;
} field_names;

static enum CXVisitorResult field_visit(CXCursor c, CXClientData d) {
  field_names *f = d;
  if (f->len == sizeof f->names / sizeof *f->names) return CXVisit_Break;
  CXString s = clang_getCursorSpelling(c);
  const char *n = clang_getCString(s);
  snprintf(f->names[f->len++], sizeof f->names[0], "%s", n ? n : "");
  clang_disposeString(s);
  return CXVisit_Continue;
}

/* The value given to field `field` in struct initialiser `list`, designated (.field = v) or
 * positional; a null cursor when it is not given. */
static CXCursor init_field(CXCursor list, const char *field) {
  field_names *names = ll_xmalloc(sizeof *names);
  names->len = 0;
  clang_Type_visitFields(clang_getCanonicalType(clang_getCursorType(list)), field_visit, names);
  cursor_vec items = {0}, parts = {0};
  children(list, &items);
  CXCursor hit = clang_getNullCursor();
  size_t pos = 0; /* field index of the next positional value */
  for (size_t i = 0; i < items.len && clang_Cursor_isNull(hit); i++) {
    CXCursor it = items.items[i];
    const char *name = pos < names->len ? names->names[pos] : "";
    CXCursor value = it;
    if (clang_getCursorKind(it) == CXCursor_UnexposedExpr) {
      children(it, &parts);
      if (parts.len >= 2 && clang_getCursorKind(parts.items[0]) == CXCursor_MemberRef) {
        /* a designated initialiser: [MemberRef field]... value */
        CXString s = clang_getCursorSpelling(parts.items[0]);
        const char *d = clang_getCString(s);
        int same = d && strcmp(d, field) == 0;
        for (size_t k = 0; d && k < names->len; k++)
          if (strcmp(names->names[k], d) == 0) pos = k;
        clang_disposeString(s);
        value = parts.items[parts.len - 1];
        pos++;
        if (same) hit = value;
        continue;
      }
    }
    if (strcmp(name, field) == 0) hit = value;
    pos++;
  }
  ll_vec_free(&items);
  ll_vec_free(&parts);
  free(names);
  return hit;
}

/* The struct initialisers of an array initialiser ({...}, {...}, [i] = {...}). */
static void array_elements(CXCursor init, cursor_vec *out) {
  cursor_vec items = {0};
  children(init, &items);
  out->len = 0;
  for (size_t i = 0; i < items.len; i++) {
    CXCursor el;
    if (find_in(items.items[i], CXCursor_InitListExpr, 0, &el)) ll_vec_push(out, el);
  }
  ll_vec_free(&items);
}

/* The value of field `field`, or when it cannot be found (brace elision in old-style
 * initialisers) the whole entry: first_string/first_ref then take the first one. */
static CXCursor field_or_all(CXCursor entry, const char *field) {
  CXCursor v = init_field(entry, field);
  return clang_Cursor_isNull(v) ? entry : v;
}

static void on_method_table(tu_walk *w, const char *usr, CXCursor init) {
  size_t t = ll_native_add_table(w->m, usr, LL_NATIVE_TABLE_METHODS, w->unit);
  if (t == LL_NATIVE_NONE) return;
  cursor_vec els = {0};
  array_elements(init, &els);
  for (size_t i = 0; i < els.len; i++) {
    const char *name = first_string(w, field_or_all(els.items[i], "ml_name"));
    const char *fn = first_ref_usr(w, field_or_all(els.items[i], "ml_meth"), CXCursor_FunctionDecl);
    if (name && fn) ll_native_table_add_entry(w->m, t, name, fn);
  }
  ll_vec_free(&els);
}

static void on_getset_table(tu_walk *w, const char *usr, CXCursor init) {
  size_t t = ll_native_add_table(w->m, usr, LL_NATIVE_TABLE_GETSET, w->unit);
  if (t == LL_NATIVE_NONE) return;
  cursor_vec els = {0};
  array_elements(init, &els);
  for (size_t i = 0; i < els.len; i++) {
    const char *name = first_string(w, field_or_all(els.items[i], "name"));
    static const char *const ACCESSORS[] = {"get", "set"};
    for (size_t k = 0; name && k < 2; k++) {
      CXCursor v = init_field(els.items[i], ACCESSORS[k]);
      const char *fn = clang_Cursor_isNull(v) ? NULL : first_ref_usr(w, v, CXCursor_FunctionDecl);
      if (fn) ll_native_table_add_entry(w->m, t, name, fn);
    }
  }
  ll_vec_free(&els);
}

static int eval_int(CXCursor c, long long *out) {
  CXEvalResult r = clang_Cursor_Evaluate(c);
  if (!r) return 0;
  int ok = clang_EvalResult_getKind(r) == CXEval_Int;
  if (ok) *out = clang_EvalResult_getAsLongLong(r);
  clang_EvalResult_dispose(r);
  return ok;
}

static void on_slot_table(tu_walk *w, const char *usr, CXCursor init) {
  size_t t = ll_native_add_table(w->m, usr, LL_NATIVE_TABLE_SLOTS, w->unit);
  if (t == LL_NATIVE_NONE) return;
  cursor_vec els = {0};
  array_elements(init, &els);
  for (size_t i = 0; i < els.len; i++) {
    CXCursor slot = init_field(els.items[i], "slot"), pfunc = init_field(els.items[i], "pfunc");
    long long id;
    if (clang_Cursor_isNull(slot) || clang_Cursor_isNull(pfunc) || !eval_int(slot, &id)) continue;
    const ll_native_slot *s = ll_native_rules_slot_by_id(w->rules, id);
    const char *fn = s ? first_ref_usr(w, pfunc, CXCursor_FunctionDecl) : NULL;
    const char *var = first_ref_usr(w, pfunc, CXCursor_VarDecl);
    if (fn) ll_native_table_add_entry(w->m, t, s->python, fn);
    else if (var) ll_native_table_add_ref(w->m, t, var);
  }
  ll_vec_free(&els);
}

/* A variable referenced under c that is an exposure table, as its USR. */
static const char *table_ref(tu_walk *w, CXCursor c) {
  CXCursor d;
  if (!find_in(c, CXCursor_DeclRefExpr, CXCursor_VarDecl, &d)) return NULL;
  api_type a = api_array_of(clang_getCursorType(d));
  if (a != API_METHOD_DEF && a != API_GETSET_DEF && a != API_TYPE_SLOT) return NULL;
  return take(w->m, clang_getCursorUSR(d));
}

static void on_module_def(tu_walk *w, CXCursor init) {
  const char *name = first_string(w, field_or_all(init, "m_name"));
  if (!name) return;
  ll_native_unit *u = &w->m->units.items[w->unit];
  if (!u->module) u->module = name;
  size_t o = ll_native_add_owner(w->m, name, 0, w->unit);
  CXCursor methods = init_field(init, "m_methods");
  const char *ref = clang_Cursor_isNull(methods) ? NULL : table_ref(w, methods);
  if (ref) ll_native_owner_add_ref(w->m, o, ref);
}

static void on_type_object(tu_walk *w, CXCursor init) {
  CXCursor name_field = init_field(init, "tp_name");
  const char *name = first_string(w, clang_Cursor_isNull(name_field) ? init : name_field);
  if (!name) return;
  size_t o = ll_native_add_owner(w->m, name, 1, w->unit);
  cursor_vec items = {0};
  children(init, &items);
  /* tables are recognised by their type, whatever field (or brace elision) holds them */
  for (size_t i = 0; i < items.len; i++) {
    const char *ref = table_ref(w, items.items[i]);
    if (ref) ll_native_owner_add_ref(w->m, o, ref);
  }
  ll_vec_free(&items);
  for (size_t s = 0; s < w->rules->slots.len; s++) {
    const ll_native_slot *slot = &w->rules->slots.items[s];
    CXCursor v = init_field(init, slot->field);
    const char *fn = clang_Cursor_isNull(v) ? NULL : first_ref_usr(w, v, CXCursor_FunctionDecl);
    if (fn) ll_native_owner_add_entry(w->m, o, slot->python, fn);
  }
}

static void on_type_spec(tu_walk *w, CXCursor init) {
  const char *name = first_string(w, field_or_all(init, "name"));
  CXCursor slots = init_field(init, "slots");
  if (!name) return;
  size_t o = ll_native_add_owner(w->m, name, 1, w->unit);
  const char *ref = clang_Cursor_isNull(slots) ? NULL : table_ref(w, slots);
  if (ref) ll_native_owner_add_ref(w->m, o, ref);
}

static void on_var(tu_walk *w, CXCursor var) {
  CXCursor init = clang_Cursor_getVarDeclInitializer(var);
  if (clang_Cursor_isNull(init) || clang_getCursorKind(init) != CXCursor_InitListExpr) return;
  CXType t = clang_getCursorType(var);
  api_type arr = api_array_of(t), one = api_type_of(t);
  if (arr == API_NONE && one == API_NONE) return;
  const char *usr = take(w->m, clang_getCursorUSR(var));
  if (arr == API_METHOD_DEF) on_method_table(w, usr, init);
  else if (arr == API_GETSET_DEF) on_getset_table(w, usr, init);
  else if (arr == API_TYPE_SLOT) on_slot_table(w, usr, init);
  else if (one == API_MODULE_DEF) on_module_def(w, init);
  else if (one == API_TYPE_OBJECT) on_type_object(w, init);
  else if (one == API_TYPE_SPEC) on_type_spec(w, init);
}

/* --- function bodies ---------------------------------------------------------------------- */

/* A position as the user sees it: where the macro was used, in characters. When noqa is
 * given, it tells whether that line carries a `noqa` comment covering LOOP601. */
static ll_pos user_pos(tu_walk *w, CXSourceLocation loc, CXFile *file, int *noqa) {
  unsigned line = 0, col = 0, off = 0;
  clang_getExpansionLocation(loc, file, &line, &col, &off);
  ll_pos p = {line, col};
  if (*file) {
    size_t size = 0;
    const char *buf = clang_getFileContents(w->tu, *file, &size);
    p.col = ll_native_char_col(buf, size, off, col);
    if (noqa && buf && off <= size) {
      size_t start = off, end = off;
      while (start > 0 && buf[start - 1] != '\n') start--;
      while (end < size && buf[end] != '\n') end++;
      *noqa = ll_native_noqa_covers(buf + start, end - start, "LOOP601");
    }
  }
  return p;
}

/* Whether a `nonblocking_if` condition of the rules holds for this call. */
static int returns_at_once(const ll_native_blocking *b, CXCursor call) {
  if (!b || b->cond == LL_NATIVE_COND_NONE) return 0;
  if ((int)b->cond_arg >= clang_Cursor_getNumArguments(call)) return 0;
  long long v;
  if (!eval_int(clang_Cursor_getArgument(call, b->cond_arg), &v)) return 0;
  if (b->cond == LL_NATIVE_COND_EQUALS) return v == b->cond_value;
  return (v & b->cond_value) == b->cond_value;
}

static void on_call(tu_walk *w, CXCursor call) {
  CXCursor callee = clang_getCursorReferenced(call);
  if (clang_getCursorKind(callee) != CXCursor_FunctionDecl) return; /* through a pointer: unknown */
  CXString sp = clang_getCursorSpelling(callee);
  const char *name = clang_getCString(sp) ? clang_getCString(sp) : "";
  const ll_native_gil_call *g = ll_native_rules_gil(w->rules, name);
  if (g) {
    gil_state *s = &w->gil;
    if (g->push) {
      if (s->depth < GIL_STACK) s->saved[s->depth++] = s->cur;
      s->cur = g->state;
    } else {
      s->cur = s->depth ? s->saved[--s->depth] : g->state;
    }
    clang_disposeString(sp);
    return;
  }
  const ll_native_blocking *b = ll_native_rules_blocking(w->rules, name);
  /* library calls that do not block are dropped here; project calls are linked later */
  if (w->func == LL_NATIVE_NONE || (!b && in_system_header(callee))) {
    clang_disposeString(sp);
    return;
  }
  CXSourceRange ext = clang_getCursorExtent(call);
  CXFile file = NULL, end_file = NULL;
  ll_native_call c = {.callee_name = name, .gil = w->gil.cur, .returns_at_once = returns_at_once(b, call)};
  c.site.start = user_pos(w, clang_getRangeStart(ext), &file, &c.noqa);
  c.site.end = user_pos(w, clang_getRangeEnd(ext), &end_file, NULL);
  if (end_file != file || c.site.end.row < c.site.start.row ||
      (c.site.end.row == c.site.start.row && c.site.end.col <= c.site.start.col))
    c.site.end = (ll_pos){c.site.start.row, c.site.start.col + (uint32_t)strlen(name)}; /* inside a macro */
  CXString fname = clang_getFileName(file);
  c.site.file = clang_getCString(fname) ? clang_getCString(fname) : "<unknown>";
  CXString usr = clang_getCursorUSR(callee);
  c.callee_usr = clang_getCString(usr) ? clang_getCString(usr) : "";
  ll_native_add_call(w->m, w->func, &c); /* copies the strings */
  clang_disposeString(usr);
  clang_disposeString(fname);
  clang_disposeString(sp);
}

static enum CXChildVisitResult visit_stmt(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  walk(d, c);
  return CXChildVisit_Continue;
}

typedef struct compound_walk {
  tu_walk *w;
  enum CXCursorKind last;
} compound_walk;

static enum CXChildVisitResult visit_compound_child(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  compound_walk *cw = d;
  cw->last = clang_getCursorKind(c);
  walk(cw->w, c);
  return CXChildVisit_Continue;
}

static void walk(tu_walk *w, CXCursor c) {
  switch (clang_getCursorKind(c)) {
    case CXCursor_CompoundStmt: {
      gil_state before = w->gil;
      compound_walk cw = {w, CXCursor_NullStmt};
      clang_visitChildren(c, visit_compound_child, &cw);
      if (cw.last == CXCursor_ReturnStmt || cw.last == CXCursor_GotoStmt || cw.last == CXCursor_BreakStmt ||
          cw.last == CXCursor_ContinueStmt)
        w->gil = before; /* the block never falls through */
      return;
    }
    case CXCursor_CallExpr:
      clang_visitChildren(c, visit_stmt, w); /* the callee and arguments run first */
      on_call(w, c);
      return;
    case CXCursor_VarDecl:
      on_var(w, c); /* static tables inside PyInit_* */
      clang_visitChildren(c, visit_stmt, w);
      return;
    default:
      clang_visitChildren(c, visit_stmt, w);
      return;
  }
}

static void on_function(tu_walk *w, CXCursor fn) {
  CXString sp = clang_getCursorSpelling(fn);
  const char *name = clang_getCString(sp) ? clang_getCString(sp) : "";
  ll_native_unit *u = &w->m->units.items[w->unit];
  if (strncmp(name, "PyInit_", 7) == 0 && name[7] && !u->init_module) u->init_module = ll_native_intern(w->m, name + 7);
  CXString usr = clang_getCursorUSR(fn);
  size_t f = ll_native_add_func(w->m, clang_getCString(usr) ? clang_getCString(usr) : name, name);
  clang_disposeString(usr);
  clang_disposeString(sp);
  if (f == LL_NATIVE_NONE) return; /* defined in a header another file included first */
  w->func = f;
  w->gil = (gil_state){.cur = LL_NATIVE_GIL_ENTRY};
  cursor_vec kids = {0};
  children(fn, &kids);
  for (size_t i = 0; i < kids.len; i++)
    if (clang_getCursorKind(kids.items[i]) == CXCursor_CompoundStmt) walk(w, kids.items[i]);
  ll_vec_free(&kids);
  w->func = LL_NATIVE_NONE;
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  tu_walk *w = d;
  if (in_system_header(c)) return CXChildVisit_Continue;
  enum CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_FunctionDecl && clang_isCursorDefinition(c)) on_function(w, c);
  else if (k == CXCursor_VarDecl) on_var(w, c);
  return CXChildVisit_Continue;
}

/* Appends the error diagnostics of tu to diag; returns how many there were. */
static unsigned collect_errors(CXTranslationUnit tu, ll_strbuf *diag) {
  unsigned n = clang_getNumDiagnostics(tu), errors = 0;
  for (unsigned i = 0; i < n; i++) {
    CXDiagnostic d = clang_getDiagnostic(tu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
      if (errors++ < 10) {
        CXString s = clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation | CXDiagnostic_DisplayColumn);
        ll_strbuf_addf(diag, "%s\n", clang_getCString(s) ? clang_getCString(s) : "error");
        clang_disposeString(s);
      }
    }
    clang_disposeDiagnostic(d);
  }
  if (errors > 10) ll_strbuf_addf(diag, "(%u more errors)\n", errors - 10);
  return errors;
}

int ll_native_clang_parse(ll_native_clang *cx, const char *file, const char *const *args, size_t nargs,
                          const ll_native_rules *rules, ll_native_model *m, ll_strbuf *diag) {
  CXTranslationUnit tu = NULL;
  enum CXErrorCode ec = clang_parseTranslationUnit2(cx->index, file, args, (int)nargs, NULL, 0,
                                                    CXTranslationUnit_KeepGoing, &tu);
  if (ec != CXError_Success || !tu) {
    ll_strbuf_addf(diag, "%s: libclang could not parse it (error %d)\n", file, (int)ec);
    return -1;
  }
  unsigned errors = collect_errors(tu, diag);
  tu_walk w = {.tu = tu, .rules = rules, .m = m, .unit = ll_native_add_unit(m, file), .func = LL_NATIVE_NONE};
  clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &w);
  clang_disposeTranslationUnit(tu);
  return errors ? 1 : 0;
}
