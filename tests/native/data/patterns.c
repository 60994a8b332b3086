/* patterns.c: the GIL and exposure patterns `looplint native` must read right. Each function
 * says what is expected; tests/native/golden/patterns.*.json hold the exact output. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <poll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAP_A_BIT() usleep(10)

/* CPython's documented early exit: the return path re-takes the GIL, read() does not. */
static PyObject *early_exit(PyObject *self, PyObject *arg) {
    char buf[16];
    ssize_t n;
    Py_BEGIN_ALLOW_THREADS
    if (PyLong_Check(arg)) {
        Py_BLOCK_THREADS
        PyErr_SetString(PyExc_TypeError, "no");
        return NULL;
    }
    n = read(0, buf, sizeof buf);
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(n);
}

/* The alternative form: block, check, unblock. read() runs without the GIL. */
static PyObject *block_unblock(PyObject *self, PyObject *arg) {
    char buf[16];
    ssize_t n;
    Py_BEGIN_ALLOW_THREADS
    Py_BLOCK_THREADS
    if (arg == Py_None) return NULL;
    Py_UNBLOCK_THREADS
    n = read(0, buf, sizeof buf);
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(n);
}

/* A helper that blocks: fine under Py_BEGIN_ALLOW_THREADS, LOOP601 when called directly. */
static void flush_log(const char *msg) {
    write(2, msg, 4);
}

static PyObject *log_released(PyObject *self, PyObject *arg) {
    Py_BEGIN_ALLOW_THREADS
    flush_log("ok\n");
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *log_holding(PyObject *self, PyObject *arg) {
    flush_log("ok\n"); /* LOOP601 here: log_holding() -> flush_log() -> write() */
    Py_RETURN_NONE;
}

/* A helper that releases the GIL itself: no LOOP601, but it still blocks its caller. */
static void sync_released(int fd) {
    PyThreadState *ts = PyEval_SaveThread();
    fsync(fd);
    PyEval_RestoreThread(ts);
}

static PyObject *sync_file(PyObject *self, PyObject *arg) {
    sync_released(1);
    Py_RETURN_NONE;
}

/* Re-taking the GIL inside a released region: the sleep holds it again. */
static void callback_with_gil(void) {
    PyGILState_STATE st = PyGILState_Ensure();
    sleep(1);
    PyGILState_Release(st);
}

static PyObject *run_callback(PyObject *self, PyObject *arg) {
    Py_BEGIN_ALLOW_THREADS
    callback_with_gil();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

/* Calls the rules mark as returning at once (timeout 0, WNOHANG) are not blocking. */
static PyObject *poll_now(PyObject *self, PyObject *arg) {
    struct pollfd p = {0, POLLIN, 0};
    int status = 0;
    int r = poll(&p, 1, 0);
    waitpid(-1, &status, WNOHANG);
    return PyLong_FromLong(r);
}

static PyObject *poll_forever(PyObject *self, PyObject *arg) {
    struct pollfd p = {0, POLLIN, 0};
    int status = 0;
    waitpid(-1, &status, 0);
    return PyLong_FromLong(poll(&p, 1, -1));
}

/* Calls through a pointer are not followed; a macro is reported where it is used. */
static PyObject *via_pointer_and_macro(PyObject *self, PyObject *arg) {
    unsigned (*f)(unsigned) = sleep;
    f(1);
    /* café */ NAP_A_BIT();
    Py_RETURN_NONE;
}

/* Recursion ends; the chain is the shortest. */
static int countdown(int n) {
    if (n <= 0) return (int)sleep(0);
    return countdown(n - 1);
}

static PyObject *recurse(PyObject *self, PyObject *arg) {
    return PyLong_FromLong(countdown(3));
}

/* Argument Clinic's shape: the exposed wrapper calls an _impl function. */
static PyObject *clinic_impl(PyObject *module, const char *path) {
    FILE *f = fopen(path, "r");
    if (f) fclose(f);
    Py_RETURN_NONE;
}

static PyObject *clinic(PyObject *module, PyObject *arg) {
    return clinic_impl(module, PyUnicode_AsUTF8(arg));
}

static PyObject *pure(PyObject *self, PyObject *arg) {
    return PyLong_FromLong(PyLong_AsLong(arg) * 2);
}

/* `noqa` on the line of the call silences LOOP601; a noqa for another code does not. */
static PyObject *nap_noqa(PyObject *self, PyObject *arg) {
    sleep(1); /* noqa: LOOP601 */
    sleep(2); // noqa: LOOP101
    Py_RETURN_NONE;
}

/* A type built from a spec: its init blocks (so the constructor does), a getter blocks. */
typedef struct {
    PyObject_HEAD
    int fd;
} ConnObject;

static int Conn_init(ConnObject *self, PyObject *args, PyObject *kwds) {
    self->fd = open("/dev/null", 0);
    return self->fd < 0 ? -1 : 0;
}

static PyObject *Conn_status(ConnObject *self, void *closure) {
    char c;
    return PyLong_FromSsize_t(pread(self->fd, &c, 1, 0));
}

static PyObject *Conn_close(ConnObject *self, PyObject *unused) {
    Py_RETURN_NONE;
}

static PyMethodDef Conn_methods[] = {
    {.ml_name = "close", .ml_meth = (PyCFunction)(void (*)(void))Conn_close, .ml_flags = METH_NOARGS},
    {NULL},
};

static PyGetSetDef Conn_getset[] = {
    {"status", (getter)Conn_status, NULL, NULL, NULL},
    {NULL},
};

static PyType_Slot Conn_slots[] = {
    {Py_tp_init, Conn_init},
    {Py_tp_methods, Conn_methods},
    {Py_tp_getset, Conn_getset},
    {0, NULL},
};

static PyType_Spec Conn_spec = {
    .name = "Conn",
    .basicsize = sizeof(ConnObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = Conn_slots,
};

/* An old-style static type with positional fields: tp_iternext and tp_call block. */
typedef struct {
    PyObject_HEAD
} LegacyObject;

static PyObject *Legacy_next(PyObject *self) {
    char c;
    return read(0, &c, 1) == 1 ? PyLong_FromLong(c) : NULL;
}

static PyObject *Legacy_call(PyObject *self, PyObject *args, PyObject *kwds) {
    return PyLong_FromLong(system("true"));
}

static PyTypeObject LegacyType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "patterns.Legacy",        /* tp_name */
    sizeof(LegacyObject),     /* tp_basicsize */
    0,                        /* tp_itemsize */
    0,                        /* tp_dealloc */
    0,                        /* tp_vectorcall_offset */
    0,                        /* tp_getattr */
    0,                        /* tp_setattr */
    0,                        /* tp_as_async */
    0,                        /* tp_repr */
    0,                        /* tp_as_number */
    0,                        /* tp_as_sequence */
    0,                        /* tp_as_mapping */
    0,                        /* tp_hash */
    Legacy_call,              /* tp_call */
    0,                        /* tp_str */
    0,                        /* tp_getattro */
    0,                        /* tp_setattro */
    0,                        /* tp_as_buffer */
    Py_TPFLAGS_DEFAULT,       /* tp_flags */
    "An old-style type.",     /* tp_doc */
    0,                        /* tp_traverse */
    0,                        /* tp_clear */
    0,                        /* tp_richcompare */
    0,                        /* tp_weaklistoffset */
    PyObject_SelfIter,        /* tp_iter */
    Legacy_next,              /* tp_iternext */
};

static PyMethodDef patterns_methods[] = {
    {"early_exit", early_exit, METH_O, NULL},
    {"block_unblock", block_unblock, METH_O, NULL},
    {"log_released", log_released, METH_O, NULL},
    {"log_holding", log_holding, METH_O, NULL},
    {"sync_file", sync_file, METH_O, NULL},
    {"run_callback", run_callback, METH_O, NULL},
    {"poll_now", poll_now, METH_O, NULL},
    {"poll_forever", poll_forever, METH_O, NULL},
    {"via_pointer_and_macro", via_pointer_and_macro, METH_O, NULL},
    {"recurse", recurse, METH_O, NULL},
    {"pure", pure, METH_O, NULL},
    {"nap_noqa", nap_noqa, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

PyMODINIT_FUNC PyInit_patterns(void) {
    /* a table no PyModuleDef names: added with PyModule_AddFunctions, still module functions */
    static PyMethodDef extra[] = {
        {"clinic", clinic, METH_O, NULL},
        {NULL},
    };
    static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, .m_name = "patterns", .m_methods = patterns_methods};
    PyObject *m = PyModule_Create(&def);
    if (m == NULL) return NULL;
    if (PyModule_AddFunctions(m, extra) < 0) return NULL;
    PyObject *conn = PyType_FromSpec(&Conn_spec);
    if (conn == NULL || PyModule_AddObject(m, "Conn", conn) < 0) return NULL;
    return m;
}
