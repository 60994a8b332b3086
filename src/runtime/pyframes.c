/* pyframes.c: reading Python stacks from inside libc hooks, through the interpreter's C API
 * found at run time with dlsym (no Python headers, no link to libpython: the same library
 * serves every CPython >= 3.9 and does nothing in processes without one).
 *
 * Safety rules (docs/runtime.md explains them at length):
 *  - A thread reads its own frames only while holding the GIL, taken with PyGILState_Ensure()
 *    on its existing thread state: the pattern of any C callback that runs inside a
 *    Py_BEGIN_ALLOW_THREADS section. Threads without a thread state are never given one.
 *  - Another thread's frames (the watchdog's stall sample) are read with the GIL held through
 *    sys._current_frames(), which takes the interpreter's own locks.
 *  - The caller's pending exception is saved and restored around every use of the API.
 *  - An atexit hook marks the interpreter dead before finalization starts and waits for any
 *    thread still inside the API, so no thread enters it during or after Py_Finalize. */
#define _GNU_SOURCE
#include "preload.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef void PyObj; /* PyObject, opaque here */

/* The subset of the C API used; resolved once, then read-only. */
static struct {
  int (*IsInitialized)(void);
  int (*GILState_Ensure)(void);
  void (*GILState_Release)(int);
  void *(*GILState_GetThisThreadState)(void);
  PyObj *(*ThreadState_GetFrame)(void *);
  PyObj *(*Frame_GetBack)(PyObj *);
  PyObj *(*Frame_GetCode)(PyObj *);
  int (*Frame_GetLineNumber)(PyObj *);
  PyObj *(*Object_GetAttrString)(PyObj *, const char *);
  const char *(*Unicode_AsUTF8)(PyObj *);
  void (*DecRef)(PyObj *);
  void (*IncRef)(PyObj *);
  void (*Err_Fetch)(PyObj **, PyObj **, PyObj **);
  void (*Err_Restore)(PyObj *, PyObj *, PyObj *);
  void (*Err_Clear)(void);
  PyObj *(*Import_ImportModule)(const char *);
  PyObj *(*Sys_GetObject)(const char *);
  int (*GC_Disable)(void); /* 3.10+; optional */
  int (*GC_Enable)(void);
  PyObj *(*Object_CallObject)(PyObj *, PyObj *);
  PyObj *(*Object_CallFunctionObjArgs)(PyObj *, ...);
  PyObj *(*Dict_GetItem)(PyObj *, PyObj *);
  PyObj *(*Long_FromUnsignedLong)(unsigned long);
  PyObj *(*CFunction_NewEx)(void *, PyObj *, PyObj *);
  void *(*ThreadState_GetInterpreter)(void *);
  void *(*InterpreterState_Main)(void);
  void *(*Eval_SaveThread)(void);
  void (*Eval_RestoreThread)(void *);
  const char *(*GetVersion)(void);
  PyObj *None;
  int minor;
} py;

static _Atomic int py_state; /* 0 not looked up, 1 present, -1 absent */
static pthread_mutex_t py_resolve_lock = PTHREAD_MUTEX_INITIALIZER;

static _Atomic int py_dead;   /* atexit ran: keep out of the interpreter */
static _Atomic int py_in_use; /* threads between "is it alive?" and leaving the API */

/* The stdlib directory, learnt from the first selector frame; tells user code from stdlib. */
static char stdlib_dir[LL_RUNTIME_FILE_MAX];
static _Atomic int stdlib_state; /* 0 unknown, 1 being written, 2 set */
static _Atomic int atexit_state; /* 0 not registered, 1 registering or registered */

static int find_libpython(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
  base = base ? base + 1 : info->dlpi_name;
  if (base && strncmp(base, "libpython3", 10) == 0) {
    *(void **)data = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
    return *(void **)data != NULL;
  }
  return 0;
}

#define RESOLVE(field, name) \
  if (!(*(void **)&py.field = dlsym(h, name))) return 0

static int resolve_all(void *h) {
  RESOLVE(IsInitialized, "Py_IsInitialized");
  RESOLVE(GILState_Ensure, "PyGILState_Ensure");
  RESOLVE(GILState_Release, "PyGILState_Release");
  RESOLVE(GILState_GetThisThreadState, "PyGILState_GetThisThreadState");
  RESOLVE(ThreadState_GetFrame, "PyThreadState_GetFrame");
  RESOLVE(Frame_GetBack, "PyFrame_GetBack");
  RESOLVE(Frame_GetCode, "PyFrame_GetCode");
  RESOLVE(Frame_GetLineNumber, "PyFrame_GetLineNumber");
  RESOLVE(Object_GetAttrString, "PyObject_GetAttrString");
  RESOLVE(Unicode_AsUTF8, "PyUnicode_AsUTF8");
  RESOLVE(DecRef, "Py_DecRef");
  RESOLVE(IncRef, "Py_IncRef");
  RESOLVE(Err_Fetch, "PyErr_Fetch");
  RESOLVE(Err_Restore, "PyErr_Restore");
  RESOLVE(Err_Clear, "PyErr_Clear");
  RESOLVE(Import_ImportModule, "PyImport_ImportModule");
  RESOLVE(Sys_GetObject, "PySys_GetObject");
  RESOLVE(Object_CallObject, "PyObject_CallObject");
  RESOLVE(Object_CallFunctionObjArgs, "PyObject_CallFunctionObjArgs");
  RESOLVE(Dict_GetItem, "PyDict_GetItem");
  RESOLVE(Long_FromUnsignedLong, "PyLong_FromUnsignedLong");
  RESOLVE(CFunction_NewEx, "PyCFunction_NewEx");
  RESOLVE(ThreadState_GetInterpreter, "PyThreadState_GetInterpreter");
  RESOLVE(InterpreterState_Main, "PyInterpreterState_Main");
  RESOLVE(Eval_SaveThread, "PyEval_SaveThread");
  RESOLVE(Eval_RestoreThread, "PyEval_RestoreThread");
  RESOLVE(GetVersion, "Py_GetVersion");
  RESOLVE(None, "_Py_NoneStruct");
  *(void **)&py.GC_Disable = dlsym(h, "PyGC_Disable");
  *(void **)&py.GC_Enable = dlsym(h, "PyGC_Enable");
  if (!py.GC_Disable || !py.GC_Enable) py.GC_Disable = py.GC_Enable = NULL;
  /* PyFrame_GetBack and friends exist from 3.9; co_qualname from 3.11. */
  const char *v = py.GetVersion();
  if (!v || v[0] != '3' || v[1] != '.') return 0;
  py.minor = atoi(v + 2);
  return py.minor >= 9;
}

int ll_runtime_py_resolve(void) {
  pthread_mutex_lock(&py_resolve_lock);
  if (atomic_load(&py_state) <= 0) {
    /* RTLD_DEFAULT is a null pointer: "found" cannot be told from the handle. */
    void *h = RTLD_DEFAULT;
    int found = dlsym(RTLD_DEFAULT, "Py_IsInitialized") != NULL;
    if (!found) found = dl_iterate_phdr(find_libpython, &h) != 0; /* libpython is RTLD_LOCAL */
    atomic_store(&py_state, found && resolve_all(h) ? 1 : -1);
  }
  pthread_mutex_unlock(&py_resolve_lock);
  return atomic_load(&py_state) > 0;
}

int ll_runtime_py_present(void) {
  int s = atomic_load_explicit(&py_state, memory_order_acquire);
  return s ? s > 0 : ll_runtime_py_resolve();
}

int ll_runtime_py_dead(void) { return atomic_load(&py_dead); }

/* Enter/leave the API; see the atexit hook for why the order of the two atomics matters. */
static int enter_py(void) {
  atomic_fetch_add(&py_in_use, 1);
  if (atomic_load(&py_dead) || !py.IsInitialized()) {
    atomic_fetch_sub(&py_in_use, 1);
    return 0;
  }
  return 1;
}

static void leave_py(void) { atomic_fetch_sub(&py_in_use, 1); }

/* Copies str(getattr(obj, name)) into out ("" on any error). GIL held. */
static void str_attr(PyObj *obj, const char *name, char *out, size_t cap) {
  out[0] = '\0';
  PyObj *v = py.Object_GetAttrString(obj, name);
  if (!v) { py.Err_Clear(); return; }
  const char *s = py.Unicode_AsUTF8(v);
  if (s) {
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
  } else {
    py.Err_Clear();
  }
  py.DecRef(v);
}

static void code_names(PyObj *frame, char *file, size_t file_cap, char *func, size_t func_cap) {
  PyObj *code = py.Frame_GetCode(frame);
  str_attr(code, "co_filename", file, file_cap);
  if (func) str_attr(code, py.minor >= 11 ? "co_qualname" : "co_name", func, func_cap);
  py.DecRef(code);
}

static const char *known_stdlib(void) {
  return atomic_load_explicit(&stdlib_state, memory_order_acquire) == 2 ? stdlib_dir : "";
}

/* Reading frames allocates frame objects; an allocation can start a garbage collection, which
 * runs finalizers (arbitrary Python code) in the middle of the host's C call. Collections are
 * held off while we read. GIL held. */
static int gc_pause(void) { return py.GC_Disable ? py.GC_Disable() : 0; }
static void gc_resume(int was_enabled) {
  if (was_enabled) py.GC_Enable();
}

/* Walks outwards from frame (a new reference, consumed) to the innermost user frame. GIL held. */
static ll_runtime_py_result walk(PyObj *frame, ll_runtime_loc *loc) {
  ll_runtime_py_result res = LL_PY_NO_USER;
  char file[LL_RUNTIME_FILE_MAX];
  loc->via_import = 0;
  for (int depth = 0; frame && depth < 256; depth++) {
    code_names(frame, file, sizeof file, NULL, 0);
    if (strncmp(file, "<frozen importlib", 17) == 0) loc->via_import = 1;
    ll_runtime_frame_class cls = ll_runtime_frame_classify(file, known_stdlib());
    if (cls == LL_FRAME_ASYNCIO) { res = LL_PY_SANCTIONED; break; }
    if (cls == LL_FRAME_USER) {
      code_names(frame, loc->file, sizeof loc->file, loc->func, sizeof loc->func);
      int line = py.Frame_GetLineNumber(frame);
      loc->line = line > 0 ? (uint32_t)line : 1;
      res = LL_PY_USER;
      break;
    }
    PyObj *back = py.Frame_GetBack(frame);
    py.DecRef(frame);
    frame = back;
  }
  if (frame) py.DecRef(frame);
  return res;
}

/* --- finalization ------------------------------------------------------------------------ */

/* Registered with atexit.register: runs before Py_FinalizeEx tears anything down (and before
 * Py_IsInitialized() turns false). Marks the interpreter off limits, then lets any thread that
 * already got in finish, releasing the GIL so it can. */
static PyObj *atexit_hook(PyObj *self, PyObj *unused) {
  (void)self;
  (void)unused;
  atomic_store(&py_dead, 1);
  if (atomic_load(&py_in_use) > 0) {
    void *ts = py.Eval_SaveThread();
    while (atomic_load(&py_in_use) > 0) ll_runtime_real_nanosleep(1000000);
    py.Eval_RestoreThread(ts);
  }
  py.IncRef(py.None);
  return py.None;
}

/* PyMethodDef's layout, part of the stable ABI. */
static struct {
  const char *ml_name;
  void *ml_meth;
  int ml_flags;
  const char *ml_doc;
} atexit_def = {"_loopwatch_atexit", (void *)atexit_hook, 0x0004 /* METH_NOARGS */, NULL};

static void register_atexit(void) { /* GIL held */
  int expected = 0;
  if (!atomic_compare_exchange_strong(&atexit_state, &expected, 1)) return;
  PyObj *fn = py.CFunction_NewEx(&atexit_def, NULL, NULL);
  PyObj *mod = fn ? py.Import_ImportModule("atexit") : NULL;
  PyObj *reg = mod ? py.Object_GetAttrString(mod, "register") : NULL;
  PyObj *r = reg ? py.Object_CallFunctionObjArgs(reg, fn, NULL) : NULL;
  if (!r) py.Err_Clear();
  if (r) py.DecRef(r);
  if (reg) py.DecRef(reg);
  if (mod) py.DecRef(mod);
  if (fn) py.DecRef(fn);
}

/* --- the three readers ------------------------------------------------------------------- */

ll_runtime_verdict ll_runtime_py_verify_wait(void) {
  if (!py.IsInitialized()) return LL_VERDICT_LATER;
  void *ts = py.GILState_GetThisThreadState();
  if (!ts) return LL_VERDICT_NOT_LOOP; /* a thread the interpreter does not know */
  /* The PyGILState API serves the main interpreter only: loops of subinterpreters (which may
   * have their own GIL) are not watched. */
  if (py.ThreadState_GetInterpreter(ts) != py.InterpreterState_Main()) return LL_VERDICT_NOT_LOOP;
  if (!enter_py()) return LL_VERDICT_NOT_LOOP;
  int g = py.GILState_Ensure();
  PyObj *et, *ev, *etb;
  py.Err_Fetch(&et, &ev, &etb);
  char inner_file[LL_RUNTIME_FILE_MAX], inner_func[LL_RUNTIME_FUNC_MAX];
  char outer_file[LL_RUNTIME_FILE_MAX], outer_func[LL_RUNTIME_FUNC_MAX];
  inner_file[0] = inner_func[0] = outer_file[0] = outer_func[0] = '\0';
  int gc = gc_pause();
  PyObj *frame = py.ThreadState_GetFrame(ts);
  if (frame) {
    code_names(frame, inner_file, sizeof inner_file, inner_func, sizeof inner_func);
    PyObj *back = py.Frame_GetBack(frame);
    if (back) {
      code_names(back, outer_file, sizeof outer_file, outer_func, sizeof outer_func);
      py.DecRef(back);
    }
    py.DecRef(frame);
  }
  int is_loop = ll_runtime_is_selector_wait(inner_file, inner_func, outer_file, outer_func);
  if (is_loop) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&stdlib_state, &expected, 1)) {
      int ok = ll_runtime_stdlib_dir_from(inner_file, stdlib_dir, sizeof stdlib_dir) == 0;
      atomic_store_explicit(&stdlib_state, ok ? 2 : 0, memory_order_release);
    }
    register_atexit();
  }
  gc_resume(gc);
  py.Err_Restore(et, ev, etb);
  py.GILState_Release(g);
  leave_py();
  return is_loop ? LL_VERDICT_PY_LOOP : LL_VERDICT_NOT_LOOP;
}

ll_runtime_py_result ll_runtime_py_capture_self(ll_runtime_loc *loc) {
  if (!ll_runtime_py_present()) return LL_PY_FAIL;
  void *ts = py.GILState_GetThisThreadState();
  if (!ts || !enter_py()) return LL_PY_FAIL;
  int g = py.GILState_Ensure();
  PyObj *et, *ev, *etb;
  py.Err_Fetch(&et, &ev, &etb);
  int gc = gc_pause();
  PyObj *frame = py.ThreadState_GetFrame(ts);
  ll_runtime_py_result res = frame ? walk(frame, loc) : LL_PY_NO_USER;
  gc_resume(gc);
  py.Err_Restore(et, ev, etb);
  py.GILState_Release(g);
  leave_py();
  return res;
}

ll_runtime_py_result ll_runtime_py_capture_thread(unsigned long ident, ll_runtime_loc *loc,
                                                  int (*valid)(void *), void *arg) {
  if (!ll_runtime_py_present() || !enter_py()) return LL_PY_FAIL;
  /* This thread has no thread state: Ensure creates a temporary one, Release deletes it. */
  int g = py.GILState_Ensure();
  ll_runtime_py_result res = LL_PY_FAIL;
  if (valid(arg)) {
    int gc = gc_pause();
    /* sys._current_frames, looked up in sys's dict: no import machinery involved. */
    PyObj *fn = py.Sys_GetObject("_current_frames"); /* borrowed */
    PyObj *frames = fn ? py.Object_CallObject(fn, NULL) : NULL;
    PyObj *key = frames ? py.Long_FromUnsignedLong(ident) : NULL;
    PyObj *frame = key ? py.Dict_GetItem(frames, key) : NULL; /* borrowed */
    if (frame) {
      py.IncRef(frame);
      res = walk(frame, loc);
    }
    if (key) py.DecRef(key);
    if (frames) py.DecRef(frames);
    gc_resume(gc);
    py.Err_Clear();
  }
  py.GILState_Release(g);
  leave_py();
  return res;
}

void ll_runtime_py_after_fork_child(void) {
  /* Threads that were inside the API or resolving it in the parent do not exist here. */
  atomic_store(&py_in_use, 0);
  pthread_mutex_init(&py_resolve_lock, NULL);
}
