/* broken.c: does not parse (exit 2, with libclang's diagnostics on stderr). */
#include <Python.h>

static PyObject *broken(PyObject *self, PyObject *arg) {
    return undeclared_function(arg)
}
