/* b.c: more functions of module `multi` (the only module name found, so b_methods belongs
 * to it). Expected: from_b -> helper() -> sleep(), from_b -> common_nap() -> usleep(). */
#include <Python.h>
#include <unistd.h>
#include "common.h"

static int helper(void) { return (int)sleep(1); }

long shared_read(void) {
    char c;
    return (long)read(0, &c, 1);
}

static PyObject *from_b(PyObject *self, PyObject *arg) {
    common_nap();
    return PyLong_FromLong(helper());
}

PyMethodDef b_methods[] = {
    {"from_b", from_b, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
