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
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport binomial_t


cdef extern from "chain.c":
    ctypedef struct sampler_t:
        bitgen_t *bitgen
        binomial_t binomial
    enum:
        N_METRICS
        POOL
    const long long C_EXACT_TOTAL "EXACT_TOTAL"
    const char *BUILT_WITH_NUMPY
    void c_draw_multinomial "draw_multinomial"(sampler_t *s, int64_t m, const double *probs, const int64_t *idx,
                                                int64_t k, int64_t *out) nogil
    void c_metrics "metrics"(const int64_t *counts, int64_t vocab, int64_t total, const double *p0,
                             const int64_t *first, int64_t first_total, double *row) nogil
    int64_t c_run_chain "run_chain"(sampler_t *s, int scenario, const double *p0, int64_t vocab, int64_t n,
                                    int64_t n_real, int64_t n_synthetic, int64_t window, int64_t generations,
                                    double *out) nogil


EXACT_TOTAL = C_EXACT_TOTAL
NUMPY_VERSION = BUILT_WITH_NUMPY.decode()


cdef sampler_t sampler(gen):
    """The bit generator of `gen`, with NumPy's cache of the binomial sampler's constants cleared."""
    cdef sampler_t s
    s.bitgen = <bitgen_t *> PyCapsule_GetPointer(gen.bit_generator.capsule, "BitGenerator")
    memset(&s.binomial, 0, sizeof(binomial_t))
    return s


def run_chain(gen, int scenario, const double[::1] p0, int64_t n, int64_t n_real, int64_t n_synthetic,
              int64_t window, int64_t generations, double[:, ::1] out):
    """run_chain(gen, scenario, p0, n, n_real, n_synthetic, window, generations, out) -> collapse time T (-1: none)

    Simulate one replicate on the Generator `gen`; out: float64 (G+1, 9) metric rows."""
    if not 0 <= scenario <= POOL or generations < 1 or window < 1:
        raise ValueError("run_chain: scenario in 0…4, generations ≥ 1 and window ≥ 1")
    if p0.shape[0] < 1 or out.shape[0] < generations + 1 or out.shape[1] != N_METRICS:
        raise ValueError(f"run_chain: p0 needs a token and out {generations + 1} rows of {N_METRICS} metrics")
    cdef sampler_t s = sampler(gen)
    T = c_run_chain(&s, scenario, &p0[0], p0.shape[0], n, n_real, n_synthetic, window, generations, &out[0, 0])
    if T == -2:
        raise MemoryError()
    return T


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
