/* Log-gamma and the error function as NumPy ufuncs, from the C library (C99 lgamma and erf).
 *
 * The closed forms of `core.theory` need them (binomial coefficients of a fractional size, the
 * folded normal). SciPy has them too, but importing scipy.special costs about 0.24 s of CPU,
 * which every refine job of a study would pay for two functions (docs/design.md).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#include "numpy/ndarraytypes.h"
#include "numpy/ufuncobject.h"

static PyUFuncGenericFunction loops[1]; /* PyUFunc_d_d, from NumPy's API table once imported */
static char types[] = {NPY_DOUBLE, NPY_DOUBLE};
static void *gammaln_data[] = {(void *)lgamma};
static void *erf_data[] = {(void *)erf};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_special", "log-gamma and erf as NumPy ufuncs (C library).",
                                    -1, NULL};

static int add_ufunc(PyObject *m, void **data, const char *name, const char *doc) {
    PyObject *f = PyUFunc_FromFuncAndData(loops, data, types, 1, 1, 1, PyUFunc_None, name, doc, 0);
    if (f == NULL) return -1;
    if (PyModule_AddObject(m, name, f) < 0) {
        Py_DECREF(f);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__special(void) {
    import_umath();
    loops[0] = PyUFunc_d_d;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (add_ufunc(m, gammaln_data, "gammaln", "gammaln(x): log|Γ(x)| (C lgamma), elementwise.") < 0 ||
        add_ufunc(m, erf_data, "erf", "erf(x): the error function (C erf), elementwise.") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
