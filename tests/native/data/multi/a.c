/* a.c: module `multi`. Expected: from_a -> shared_read() (extern, in b.c) -> read(); its own
 * static helper() does not block, although b.c has a blocking static of the same name. */
#include <Python.h>
#include "common.h"

static int helper(void) { return 0; }

static PyObject *from_a(PyObject *self, PyObject *arg) {
    helper();
    return PyLong_FromLong(shared_read());
}

static PyMethodDef a_methods[] = {
    {"from_a", from_a, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

extern PyMethodDef b_methods[];

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "multi", NULL, -1, a_methods};

PyMODINIT_FUNC PyInit_multi(void) {
    PyObject *m = PyModule_Create(&def);
    if (m && PyModule_AddFunctions(m, b_methods) < 0) return NULL;
    return m;
}
