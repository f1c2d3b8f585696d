# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled per-replicate chains: the Python bindings of the C engine (chain.c).

Each call draws from the bit generator of a numpy.random.Generator, reached through NumPy's
documented Cython interface (numpy.random, numpy.random.c_distributions); typed memoryviews check
the arrays' types, contiguity and writability. NUMPY_VERSION is the NumPy this module was built
against, whose sampler library it links: results record it in their provenance.
"""

from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport int64_t
from libc.string cimport memset
import numpy as np
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport binomial_t


cdef extern from "chain.c":
    ctypedef struct sampler_t:
        bitgen_t *bitgen
        binomial_t binomial
    ctypedef struct transform_t:
        double inv_temperature
        int64_t top_k
        double top_p
    enum:
        N_METRICS
        POOL
    const long long C_EXACT_TOTAL "EXACT_TOTAL"
    const char *BUILT_WITH_NUMPY
    void c_draw_multinomial "draw_multinomial"(sampler_t *s, int64_t m, const double *probs, const int64_t *idx,
                                                int64_t k, int64_t *out) nogil
    void c_metrics "metrics"(const int64_t *counts, int64_t vocab, int64_t total, const double *p0,
                             const int64_t *first, int64_t first_total, double *row) nogil
    int64_t c_run_chain "run_chain"(sampler_t *s, const transform_t *T, int scenario, const double *p0, int64_t vocab,
                                    int64_t n, int64_t n_real, int64_t n_synthetic, int64_t window,
                                    int64_t generations, double real_weight, double *out) nogil
    enum:
        RADIX
    void c_apply_sampler "apply_sampler"(const transform_t *T, const int64_t *counts, int64_t vocab, double *probs,
                                         int64_t *idx, int64_t *order, int64_t *tmp, int64_t *bucket) nogil


EXACT_TOTAL = C_EXACT_TOTAL
NUMPY_VERSION = BUILT_WITH_NUMPY.decode()


cdef sampler_t sampler(gen):
    """The bit generator of `gen`, with NumPy's cache of the binomial sampler's constants cleared."""
    cdef sampler_t s
    s.bitgen = <bitgen_t *> PyCapsule_GetPointer(gen.bit_generator.capsule, "BitGenerator")
    memset(&s.binomial, 0, sizeof(binomial_t))
    return s


cdef transform_t checked_transform(tuple transform) except *:
    """The C form of (1/τ, k or 0, q), `sampler.engine_arguments`."""
    cdef transform_t T
    T.inv_temperature, T.top_k, T.top_p = transform
    if not (T.inv_temperature > 0 and T.top_k >= 0 and 0 < T.top_p <= 1):
        raise ValueError("transform: (1/τ > 0, k >= 0, 0 < q <= 1)")
    return T


def run_chain(gen, int scenario, const double[::1] p0, int64_t n, int64_t n_real, int64_t n_synthetic,
              int64_t window, int64_t generations, double[:, ::1] out, tuple transform=None, real_weight=None):
    """run_chain(gen, scenario, p0, n, n_real, n_synthetic, window, generations, out, transform=None, real_weight=None) -> collapse time T (-1: none)

    Simulate one replicate on the Generator `gen`; out: float64 (G+1, 9) metric rows; transform:
    (1/τ, k or 0, q) of the synthetic draws' sampler (`sampler.engine_arguments`), None for exact;
    real_weight: w of the weighted MLE (scenario fresh, exact sampler, n_real and n_synthetic ≥ 1),
    None for the pooled MLE."""
    if not 0 <= scenario <= POOL or generations < 1 or window < 1:
        raise ValueError("run_chain: scenario in 0…4, generations ≥ 1 and window ≥ 1")
    if p0.shape[0] < 1 or out.shape[0] < generations + 1 or out.shape[1] != N_METRICS:
        raise ValueError(f"run_chain: p0 needs a token and out {generations + 1} rows of {N_METRICS} metrics")
    cdef double w = -1.0
    if real_weight is not None:
        w = real_weight
        if not (0 <= w <= 1 and scenario == 1 and transform is None and n_real >= 1 and n_synthetic >= 1):
            raise ValueError("run_chain: real_weight in [0, 1] needs scenario fresh, the exact sampler, n_real and n_synthetic >= 1")
    cdef sampler_t s = sampler(gen)
    cdef transform_t T
    cdef transform_t *T_ptr = NULL
    if transform is not None:
        T = checked_transform(transform)
        T_ptr = &T
    result = c_run_chain(&s, T_ptr, scenario, &p0[0], p0.shape[0], n, n_real, n_synthetic, window, generations, w, &out[0, 0])
    if result == -2:
        raise MemoryError()
    return result


def apply_sampler(tuple transform, const int64_t[::1] counts, double[::1] probs):
    """apply_sampler(transform, counts, probs): probs = counts / total becomes T(probs) in place, as the engine does."""
    vocab = counts.shape[0]
    if vocab < 1 or probs.shape[0] != vocab or not any(probs[i] > 0 for i in range(vocab)):
        raise ValueError("apply_sampler: counts and probs of one size >= 1, some probs > 0")
    cdef transform_t T = checked_transform(transform)
    cdef int64_t[::1] work = np.zeros(3 * vocab + RADIX, dtype=np.int64)
    c_apply_sampler(&T, &counts[0], vocab, &probs[0], &work[0], &work[vocab], &work[2 * vocab], &work[3 * vocab])


def draw_multinomial(gen, int64_t m, const double[::1] probs, const int64_t[::1] idx, int64_t[::1] out):
    """draw_multinomial(gen, m, probs, idx, out): add Multinomial(m, probs[idx]) to out[idx], as gen.multinomial does."""
    if idx.shape[0] < 1 or out.shape[0] < probs.shape[0]:
        raise ValueError("draw_multinomial: idx needs a token and out as many items as probs")
    for j in range(idx.shape[0]):
        if not 0 <= idx[j] < probs.shape[0]:
            raise IndexError("draw_multinomial: idx out of range")
    cdef sampler_t s = sampler(gen)
    c_draw_multinomial(&s, m, &probs[0], &idx[0], idx.shape[0], &out[0])


def metrics(const int64_t[::1] counts, int64_t total, const double[::1] p0, const int64_t[::1] first,
            int64_t first_total, double[::1] row):
    """metrics(counts, total, p0, first, first_total, row): one generation's metric row from integer counts."""
    vocab = counts.shape[0]
    if vocab < 1 or p0.shape[0] < vocab or first.shape[0] < vocab or row.shape[0] < N_METRICS:
        raise ValueError(f"metrics: p0 and first need {vocab} items, row {N_METRICS}")
    c_metrics(&counts[0], vocab, total, &p0[0], &first[0], first_total, &row[0])
