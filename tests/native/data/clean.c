/* clean.c: an extension whose only blocking call releases the GIL: no LOOP601 (exit 0). */
#include <Python.h>
#include <unistd.h>

static PyObject *wait_released(PyObject *self, PyObject *arg) {
    Py_BEGIN_ALLOW_THREADS
    sleep(1);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyMethodDef clean_methods[] = {
    {"wait_released", wait_released, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef clean_module = {PyModuleDef_HEAD_INIT, "clean", NULL, -1, clean_methods};

PyMODINIT_FUNC PyInit_clean(void) { return PyModule_Create(&clean_module); }
