/* Compiled per-replicate chains: the engine of `simulate.simulate_cell` (docs/design.md).
 *
 * One call of run_chain simulates one replicate's whole chain, generations 0 … G, on that
 * replicate's own numpy.random.Generator; per-generation metrics are written into one row of
 * `out`. The binomial sampler is NumPy's own (`random_binomial` from the static library
 * numpy/random/lib/libnpyrandom.a, built for extensions like this one), and draw_multinomial
 * is NumPy's `random_multinomial` over the tokens with positive probability, so
 * `draw_multinomial(gen, m, p, idx, out)` consumes the stream exactly as
 * `gen.multinomial(m, p[idx])` does and returns the same counts; the tests check this against
 * NumPy itself, and the whole engine against the plain-NumPy reference engine.
 *
 * A C extension, not numba: a job then imports NumPy and this module only (README, "Performance").
 * Built with -ffp-contract=off, so every float sum below runs in the written order.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numpy/random/distributions.h"

/* The NumPy whose sampler library is linked (setup.py passes its version): results record it. */
#ifndef BUILT_WITH_NUMPY
#error "build with setup.py, which defines BUILT_WITH_NUMPY"
#endif

/* Column order of the metric block; `simulate.METRICS` is the public name list. */
enum { SIMPSON, MAX_PROB, L1_FIRST, L1_TRUTH, L2SQ_FIRST, SUPPORT, ENTROPY, COLLAPSED, TOP_TOKEN, N_METRICS };
enum { MIXED, FRESH, ACCUMULATE, WINDOW, POOL };

/* Below this training-set size Σ c² ≤ total² fits in int64 (2⁶³ ≈ 9.2·10¹⁸): simpson is then an
 * exact integer ratio, identical in every engine; above it (accumulate grows total = m·n) floats. */
#define EXACT_TOTAL 3000000000LL

typedef struct {
    bitgen_t *bitgen;
    binomial_t binomial; /* NumPy's cache of the sampler's constants: speed only, same draws */
} sampler_t;

/* Add Multinomial(m, probs[idx]) to out[idx] (idx: tokens with probs > 0, ascending). Same
 * arithmetic and draw order as NumPy's random_multinomial on probs[idx]; the last listed token
 * takes the remainder, so a token at probability 0 is never revived by rounding. */
static void draw_multinomial(sampler_t *s, int64_t m, const double *probs, const int64_t *idx, int64_t k, int64_t *out) {
    double remaining_p = 1.0;
    int64_t left = m;
    for (int64_t j = 0; j < k - 1; j++) {
        double q = probs[idx[j]] / remaining_p;
        int64_t x = random_binomial(s->bitgen, q < 1.0 ? q : 1.0, left, &s->binomial);
        out[idx[j]] += x;
        left -= x;
        if (left <= 0) return;
        remaining_p -= probs[idx[j]];
    }
    if (left > 0) out[idx[k - 1]] += left;
}

/* Indices of x > 0 into idx; returns how many. */
static int64_t nonzero_double(const double *x, int64_t size, int64_t *idx) {
    int64_t k = 0;
    for (int64_t i = 0; i < size; i++)
        if (x[i] > 0) idx[k++] = i;
    return k;
}

/* One metric row (generation m ≥ 1) from integer counts, p = counts / total (docs/outputs.md). */
static void metrics(const int64_t *counts, int64_t vocab, int64_t total, const double *p0, const int64_t *first,
                    int64_t first_total, double *row) {
    int exact = total < EXACT_TOTAL;
    int64_t sq = 0;         /* Σ c², exact while total < EXACT_TOTAL */
    double sq_float = 0.0;  /* Σ p², beyond */
    int64_t cmax = 0, top = 0, supp = 0;
    double ent = 0.0, l1_truth = 0.0, l1_first = 0.0, l2_first = 0.0;
    for (int64_t i = 0; i < vocab; i++) {
        int64_t c = counts[i];
        double p = (double)c / (double)total;
        if (c > 0) {
            if (exact) sq += c * c;
            else sq_float += p * p;
            supp += 1;
            ent -= p * log(p);
            if (c > cmax) {
                cmax = c;
                top = i;
            }
        }
        l1_truth += fabs(p - p0[i]);
        double d = p - (double)first[i] / (double)first_total;
        l1_first += fabs(d);
        l2_first += d * d;
    }
    row[SIMPSON] = exact ? (double)sq / (double)(total * total) : sq_float;
    row[MAX_PROB] = (double)cmax / (double)total;
    row[L1_TRUTH] = l1_truth;
    row[L1_FIRST] = l1_first;
    row[L2SQ_FIRST] = l2_first;
    row[SUPPORT] = (double)supp;
    row[ENTROPY] = ent;
    row[COLLAPSED] = cmax == total ? 1.0 : 0.0;
    row[TOP_TOKEN] = (double)top;
}

/* Generation 0 is p⁽⁰⁾ itself; its probabilities are not counts. */
static void truth_metrics(const double *p0, int64_t vocab, double *row) {
    double sq = 0.0, pmax = 0.0, ent = 0.0;
    int64_t top = 0, supp = 0;
    for (int64_t i = 0; i < vocab; i++) {
        double p = p0[i];
        if (p > 0) {
            sq += p * p;
            supp += 1;
            ent -= p * log(p);
            if (p > pmax) {
                pmax = p;
                top = i;
            }
        }
    }
    row[SIMPSON] = sq;
    row[MAX_PROB] = pmax;
    row[L1_TRUTH] = 0.0;
    row[L1_FIRST] = NAN;
    row[L2SQ_FIRST] = NAN;
    row[SUPPORT] = (double)supp;
    row[ENTROPY] = ent;
    row[COLLAPSED] = pmax == 1.0 ? 1.0 : 0.0;
    row[TOP_TOKEN] = (double)top;
}

/* Simulate one replicate into out[(G+1) × N_METRICS]; return its collapse time T (−1 if none by G),
 * or −2 when out of memory.
 *
 * Sample counts per generation m follow docs/model.md, "The scenarios" (paper eq 5, 17 and §4.2):
 * generation 1 is trained on real data only (`n_real` samples, or `n` when there is no real share
 * in later generations); generation m ≥ 2 as the scenario says. Absorbing states stop the
 * sampling: the remaining rows repeat the last one. */
static int64_t run_chain(sampler_t *s, int scenario, const double *p0, int64_t vocab, int64_t n, int64_t n_real,
                         int64_t n_synthetic, int64_t window, int64_t generations, double *out) {
    int64_t keep = scenario == WINDOW ? window : scenario == POOL ? generations : 0;
    int64_t hist_rows = keep > 1 ? keep : 1;
    int64_t *ints = calloc((size_t)(6 * vocab + 2 * (generations + 1)), sizeof(int64_t));
    double *floats = calloc((size_t)((1 + hist_rows) * vocab + generations + 1), sizeof(double));
    if (ints == NULL || floats == NULL) {
        free(ints);
        free(floats);
        return -2;
    }
    int64_t *p0_idx = ints, *idx = ints + vocab, *fixed = ints + 2 * vocab, *counts = ints + 3 * vocab;
    int64_t *first = ints + 4 * vocab, *new = ints + 5 * vocab, *sources = ints + 6 * vocab;
    int64_t *generation_idx = sources + generations + 1;
    double *probs = floats, *history = floats + vocab, *uniform = floats + (1 + hist_rows) * vocab;
    int64_t p0_k = nonzero_double(p0, vocab, p0_idx);
#define ROW(m) (out + (m) * N_METRICS)

    truth_metrics(p0, vocab, ROW(0));
    int64_t first_size = (n_real > 0 && (scenario == MIXED || scenario == FRESH)) ? n_real : n;
    draw_multinomial(s, first_size, p0, p0_idx, p0_k, counts);
    int64_t total = first_size;
    memcpy(first, counts, (size_t)vocab * sizeof(int64_t));
    metrics(counts, vocab, total, p0, first, first_size, ROW(1));
    int64_t collapse_time = ROW(1)[COLLAPSED] == 1.0 ? 1 : -1;

    if ((scenario == MIXED && n_real > 0) || scenario == ACCUMULATE)  /* real data kept, or all data so far */
        memcpy(fixed, counts, (size_t)vocab * sizeof(int64_t));
    for (int64_t i = 0; i < vocab; i++) probs[i] = (double)counts[i] / (double)total;
    if (keep > 0) memcpy(history, probs, (size_t)vocab * sizeof(double)); /* slot m % keep holds p⁽ᵐ⁾, m ≥ 1 */
    int64_t per_source = scenario == WINDOW ? n / window : 0;
    int64_t dirac_run = ROW(1)[COLLAPSED] == 1.0 ? 1 : 0; /* consecutive identical Dirac models */

    int64_t last = 1;
    for (int64_t m = 2; m <= generations; m++) {
        double *prev = ROW(m - 1);
        /* mixed and accumulate are absorbed in a Dirac mass: every sample kept and drawn is that token */
        if ((scenario == MIXED || scenario == ACCUMULATE) && prev[COLLAPSED] == 1.0) break;
        if (scenario == FRESH && n_real == 0 && prev[COLLAPSED] == 1.0) break;
        if (scenario == WINDOW && dirac_run >= window) break;
        memset(new, 0, (size_t)vocab * sizeof(int64_t));
        if (scenario == MIXED) {
            memcpy(new, fixed, (size_t)vocab * sizeof(int64_t));
            if (n_synthetic > 0) draw_multinomial(s, n_synthetic, probs, idx, nonzero_double(probs, vocab, idx), new);
            total = n_real + n_synthetic;
        } else if (scenario == FRESH) {
            if (n_real > 0) draw_multinomial(s, n_real, p0, p0_idx, p0_k, new);
            draw_multinomial(s, n_synthetic, probs, idx, nonzero_double(probs, vocab, idx), new);
            total = n_real + n_synthetic;
        } else if (scenario == ACCUMULATE) {
            draw_multinomial(s, n, probs, idx, nonzero_double(probs, vocab, idx), fixed);
            memcpy(new, fixed, (size_t)vocab * sizeof(int64_t));
            total = m * n;
        } else if (scenario == WINDOW) {
            total = 0;
            for (int64_t t = m - window > 0 ? m - window : 0; t < m; t++) {
                if (t == 0) {
                    draw_multinomial(s, per_source, p0, p0_idx, p0_k, new);
                } else {
                    double *src = history + ((t - 1) % window) * vocab;
                    draw_multinomial(s, per_source, src, idx, nonzero_double(src, vocab, idx), new);
                }
                total += per_source;
            }
        } else { /* POOL: each sample's source generation is uniform on 0 … m−1 */
            for (int64_t t = 0; t < m; t++) {
                sources[t] = 0;
                uniform[t] = 1.0 / (double)m;
                generation_idx[t] = t;
            }
            draw_multinomial(s, n, uniform, generation_idx, m, sources);
            for (int64_t t = 0; t < m; t++) {
                if (sources[t] == 0) continue;
                if (t == 0) {
                    draw_multinomial(s, sources[t], p0, p0_idx, p0_k, new);
                } else {
                    double *src = history + (t - 1) * vocab;
                    draw_multinomial(s, sources[t], src, idx, nonzero_double(src, vocab, idx), new);
                }
            }
            total = n;
        }
        double *row = ROW(m);
        metrics(new, vocab, total, p0, first, first_size, row);
        for (int64_t i = 0; i < vocab; i++) probs[i] = (double)new[i] / (double)total;
        if (keep > 0) memcpy(history + ((m - 1) % keep) * vocab, probs, (size_t)vocab * sizeof(double));
        if (row[COLLAPSED] == 1.0) {
            if (collapse_time < 0) collapse_time = m;
            int same = dirac_run > 0 && row[TOP_TOKEN] == prev[TOP_TOKEN];
            dirac_run = same ? dirac_run + 1 : 1;
        } else {
            dirac_run = 0;
        }
        last = m;
    }
    for (int64_t m = last + 1; m <= generations; m++) memcpy(ROW(m), ROW(last), N_METRICS * sizeof(double));
#undef ROW
    free(ints);
    free(floats);
    return collapse_time;
}

/* --- Python bindings -------------------------------------------------------------------------- */

/* The bitgen_t of a numpy.random.Generator, through its bit generator's capsule. */
static int get_sampler(PyObject *gen, sampler_t *s) {
    PyObject *bit_generator = PyObject_GetAttrString(gen, "bit_generator");
    if (bit_generator == NULL) return -1;
    PyObject *capsule = PyObject_GetAttrString(bit_generator, "capsule");
    Py_DECREF(bit_generator);
    if (capsule == NULL) return -1;
    s->bitgen = PyCapsule_GetPointer(capsule, "BitGenerator");
    Py_DECREF(capsule);
    if (s->bitgen == NULL) return -1;
    memset(&s->binomial, 0, sizeof(binomial_t));
    return 0;
}

/* A C-contiguous buffer of 8-byte items: 'd' (float64) or an int64 code; `what` names it in errors. */
static int get_buffer(PyObject *obj, Py_buffer *view, int floats, int writable, Py_ssize_t min_items, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0) return -1;
    const char *f = view->format;
    if (*f == '<' || *f == '=' || *f == '@') f++;
    int ok = view->itemsize == 8 && f[1] == '\0' && (floats ? *f == 'd' : (*f == 'l' || *f == 'q'));
    if (!ok || view->len / 8 < min_items) {
        PyErr_Format(PyExc_ValueError, "%s: expected a C-contiguous %s array of at least %zd items", what,
                     floats ? "float64" : "int64", min_items);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *py_run_chain(PyObject *self, PyObject *args) {
    PyObject *gen, *p0_obj, *out_obj;
    int scenario;
    long long n, n_real, n_synthetic, window, generations;
    if (!PyArg_ParseTuple(args, "OiOLLLLLO", &gen, &scenario, &p0_obj, &n, &n_real, &n_synthetic, &window, &generations,
                          &out_obj))
        return NULL;
    if (scenario < MIXED || scenario > POOL || generations < 1 || window < 1) {
        PyErr_SetString(PyExc_ValueError, "run_chain: scenario in 0…4, generations ≥ 1 and window ≥ 1");
        return NULL;
    }
    sampler_t s;
    if (get_sampler(gen, &s) < 0) return NULL;
    Py_buffer p0, out;
    if (get_buffer(p0_obj, &p0, 1, 0, 1, "p0") < 0) return NULL;
    if (get_buffer(out_obj, &out, 1, 1, (generations + 1) * N_METRICS, "out") < 0) {
        PyBuffer_Release(&p0);
        return NULL;
    }
    int64_t T = run_chain(&s, scenario, p0.buf, p0.len / 8, n, n_real, n_synthetic, window, generations, out.buf);
    PyBuffer_Release(&p0);
    PyBuffer_Release(&out);
    if (T == -2) return PyErr_NoMemory();
    return PyLong_FromLongLong(T);
}

static PyObject *py_draw_multinomial(PyObject *self, PyObject *args) {
    PyObject *gen, *probs_obj, *idx_obj, *out_obj;
    long long m;
    if (!PyArg_ParseTuple(args, "OLOOO", &gen, &m, &probs_obj, &idx_obj, &out_obj)) return NULL;
    sampler_t s;
    if (get_sampler(gen, &s) < 0) return NULL;
    Py_buffer probs, idx, out;
    if (get_buffer(probs_obj, &probs, 1, 0, 1, "probs") < 0) return NULL;
    if (get_buffer(idx_obj, &idx, 0, 0, 1, "idx") < 0) goto release_probs;
    if (get_buffer(out_obj, &out, 0, 1, probs.len / 8, "out") < 0) goto release_idx;
    const int64_t *ix = idx.buf;
    for (Py_ssize_t j = 0; j < idx.len / 8; j++) {
        if (ix[j] < 0 || ix[j] >= probs.len / 8) {
            PyErr_SetString(PyExc_IndexError, "draw_multinomial: idx out of range");
            PyBuffer_Release(&out);
            goto release_idx;
        }
    }
    draw_multinomial(&s, m, probs.buf, ix, idx.len / 8, out.buf);
    PyBuffer_Release(&out);
    PyBuffer_Release(&idx);
    PyBuffer_Release(&probs);
    Py_RETURN_NONE;
release_idx:
    PyBuffer_Release(&idx);
release_probs:
    PyBuffer_Release(&probs);
    return NULL;
}

static PyObject *py_metrics(PyObject *self, PyObject *args) {
    PyObject *counts_obj, *p0_obj, *first_obj, *row_obj;
    long long total, first_total;
    if (!PyArg_ParseTuple(args, "OLOOLO", &counts_obj, &total, &p0_obj, &first_obj, &first_total, &row_obj)) return NULL;
    Py_buffer counts, p0, first, row;
    if (get_buffer(counts_obj, &counts, 0, 0, 1, "counts") < 0) return NULL;
    Py_ssize_t vocab = counts.len / 8;
    if (get_buffer(p0_obj, &p0, 1, 0, vocab, "p0") < 0) goto release_counts;
    if (get_buffer(first_obj, &first, 0, 0, vocab, "first") < 0) goto release_p0;
    if (get_buffer(row_obj, &row, 1, 1, N_METRICS, "row") < 0) goto release_first;
    metrics(counts.buf, vocab, total, p0.buf, first.buf, first_total, row.buf);
    PyBuffer_Release(&row);
    PyBuffer_Release(&first);
    PyBuffer_Release(&p0);
    PyBuffer_Release(&counts);
    Py_RETURN_NONE;
release_first:
    PyBuffer_Release(&first);
release_p0:
    PyBuffer_Release(&p0);
release_counts:
    PyBuffer_Release(&counts);
    return NULL;
}

static PyMethodDef methods[] = {
    {"run_chain", py_run_chain, METH_VARARGS,
     "run_chain(gen, scenario, p0, n, n_real, n_synthetic, window, generations, out) -> collapse time T (-1: none)\n\n"
     "Simulate one replicate on the Generator `gen`; out: float64 (G+1, 9) metric rows."},
    {"draw_multinomial", py_draw_multinomial, METH_VARARGS,
     "draw_multinomial(gen, m, probs, idx, out): add Multinomial(m, probs[idx]) to out[idx], as gen.multinomial does."},
    {"metrics", py_metrics, METH_VARARGS,
     "metrics(counts, total, p0, first, first_total, row): one generation's metric row from integer counts."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "Compiled per-replicate chains.", -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "EXACT_TOTAL", (long)EXACT_TOTAL) < 0 ||
        PyModule_AddStringConstant(m, "NUMPY_VERSION", BUILT_WITH_NUMPY) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
