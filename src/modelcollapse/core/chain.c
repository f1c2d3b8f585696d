/* The compiled engine of `simulate.simulate_cell` (docs/design.md), in C; its Python bindings
 * are `_kernels.pyx`, which includes this file.
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
 * Built with -ffp-contract=off, so every float sum below runs in the written order.
 */
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

/* --- the sampler T of the synthetic draws (sampler.py, `transform`, is its definition) ------ */

typedef struct {
    double inv_temperature; /* 1/τ; 1 = no temperature */
    int64_t top_k;          /* 0 = no top-k */
    double top_p;           /* 1 = no top-p */
} transform_t;

#define RADIX_BITS 11
#define RADIX ((int64_t)1 << RADIX_BITS)

/* order[0 … k): the tokens idx[0 … k) (ascending) by count, the largest first, the lower index
 * first among equal counts: a stable LSD radix sort on cmax − count, linear in k (one pass of
 * RADIX buckets while cmax < 2¹¹). tmp: k items; bucket: RADIX items. */
static void rank_by_count(const int64_t *counts, const int64_t *idx, int64_t k, int64_t cmax, int64_t *order, int64_t *tmp,
                          int64_t *bucket) {
    memcpy(order, idx, (size_t)k * sizeof(int64_t));
    for (int shift = 0; shift < 63 && (shift == 0 || (cmax >> shift) > 0); shift += RADIX_BITS) {
        memset(bucket, 0, (size_t)RADIX * sizeof(int64_t));
        for (int64_t j = 0; j < k; j++) bucket[((cmax - counts[order[j]]) >> shift) & (RADIX - 1)]++;
        int64_t start = 0;
        for (int64_t d = 0; d < RADIX; d++) {
            int64_t size = bucket[d];
            bucket[d] = start;
            start += size;
        }
        for (int64_t j = 0; j < k; j++) tmp[bucket[((cmax - counts[order[j]]) >> shift) & (RADIX - 1)]++] = order[j];
        memcpy(order, tmp, (size_t)k * sizeof(int64_t));
    }
}

/* probs[idx[0 … k)] /= their sum, summed in token order. */
static void normalise(double *probs, const int64_t *idx, int64_t k) {
    double sum = 0.0;
    for (int64_t j = 0; j < k; j++) sum += probs[idx[j]];
    for (int64_t j = 0; j < k; j++) probs[idx[j]] /= sum;
}

/* probs = counts / total becomes T(probs) in place, the operations of sampler.transform in its
 * order: tokens ranked by count (= by probability), temperature, top-k, top-p. Work arrays: idx,
 * order, tmp of vocab items, bucket of RADIX. */
static void apply_sampler(const transform_t *T, const int64_t *counts, int64_t vocab, double *probs, int64_t *idx, int64_t *order,
                          int64_t *tmp, int64_t *bucket) {
    int64_t k = nonzero_double(probs, vocab, idx);
    int truncates = (T->top_k > 0 && T->top_k < k) || T->top_p != 1.0;
    int64_t cmax = 0, top = idx[0];
    for (int64_t j = 0; j < k; j++)
        if (counts[idx[j]] > cmax) {
            cmax = counts[idx[j]];
            top = idx[j];
        }
    if (T->inv_temperature != 1.0) {
        double pmax = probs[top];
        for (int64_t j = 0; j < k; j++) probs[idx[j]] = pow(probs[idx[j]] / pmax, T->inv_temperature);
        normalise(probs, idx, k);
    }
    if (!truncates) return;
    rank_by_count(counts, idx, k, cmax, order, tmp, bucket);
    int64_t keep = k;
    if (T->top_k > 0 && T->top_k < k) {
        keep = T->top_k;
        for (int64_t j = keep; j < k; j++) probs[order[j]] = 0.0;
        normalise(probs, idx, k);
    }
    if (T->top_p != 1.0) {
        double mass = 0.0;
        int64_t j = 0;
        for (; j < keep - 1; j++) {
            mass += probs[order[j]];
            if (mass >= T->top_p) break;
        }
        if (j + 1 < keep) {
            for (int64_t i = j + 1; i < keep; i++) probs[order[i]] = 0.0;
            normalise(probs, idx, k);
        }
    }
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

/* One metric row (generation m ≥ 1) of a model given by its probabilities p, not counts: the
 * weighted MLE (`real_weight`). Same columns as `metrics`; simpson is a float sum, and a model is
 * collapsed when its largest probability is exactly 1. */
static void metrics_from_probs(const double *p, int64_t vocab, const double *p0, const int64_t *first, int64_t first_total,
                               double *row) {
    double sq = 0.0, pmax = 0.0, ent = 0.0, l1_truth = 0.0, l1_first = 0.0, l2_first = 0.0;
    int64_t top = 0, supp = 0;
    for (int64_t i = 0; i < vocab; i++) {
        double q = p[i];
        if (q > 0) {
            sq += q * q;
            supp += 1;
            ent -= q * log(q);
            if (q > pmax) {
                pmax = q;
                top = i;
            }
        }
        l1_truth += fabs(q - p0[i]);
        double d = q - (double)first[i] / (double)first_total;
        l1_first += fabs(d);
        l2_first += d * d;
    }
    row[SIMPSON] = sq;
    row[MAX_PROB] = pmax;
    row[L1_TRUTH] = l1_truth;
    row[L1_FIRST] = l1_first;
    row[L2SQ_FIRST] = l2_first;
    row[SUPPORT] = (double)supp;
    row[ENTROPY] = ent;
    row[COLLAPSED] = pmax == 1.0 ? 1.0 : 0.0;
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
 * or −2 when out of memory. Synthetic samples are drawn from T(p⁽ᵐ⁾) (`apply_sampler`), real ones
 * from p⁽⁰⁾; T = NULL is the exact sampler, which leaves the chain exactly as without one.
 *
 * Sample counts per generation m follow docs/model.md, "The scenarios" (paper eq 5, 17 and §4.2):
 * generation 1 is trained on real data only (`n_real` samples, or `n` when there is no real share
 * in later generations); generation m ≥ 2 as the scenario says. Absorbing states stop the
 * sampling: the remaining rows repeat the last one.
 *
 * real_weight w ≥ 0 (scenario fresh, exact sampler; < 0: none) makes generation m ≥ 2 the weighted
 * MLE p = w·c_real/n_real + (1 − w)·c_synthetic/n_synthetic instead of the pooled counts / n: the
 * same draws, another model (w = n_real/n is the pooled MLE up to rounding). */
static int64_t run_chain(sampler_t *s, const transform_t *T, int scenario, const double *p0, int64_t vocab, int64_t n,
                         int64_t n_real, int64_t n_synthetic, int64_t window, int64_t generations, double real_weight,
                         double *out) {
    int64_t keep = scenario == WINDOW ? window : scenario == POOL ? generations : 0;
    int64_t hist_rows = keep > 1 ? keep : 1;
    int64_t *ints = calloc((size_t)(7 * vocab + 2 * (generations + 1) + (T ? 2 * vocab + RADIX : 0)), sizeof(int64_t));
    double *floats = calloc((size_t)((1 + hist_rows) * vocab + generations + 1), sizeof(double));
    if (ints == NULL || floats == NULL) {
        free(ints);
        free(floats);
        return -2;
    }
    int64_t *p0_idx = ints, *idx = ints + vocab, *fixed = ints + 2 * vocab, *counts = ints + 3 * vocab;
    int64_t *first = ints + 4 * vocab, *new = ints + 5 * vocab, *sources = ints + 6 * vocab;
    int64_t *generation_idx = sources + generations + 1;
    int64_t *synthetic = generation_idx + generations + 1; /* the synthetic counts of a weighted model */
    int64_t *order = synthetic + vocab, *tmp = order + vocab, *bucket = tmp + vocab; /* T's work */
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
    /* probs (and the history) hold what synthetic samples are drawn from: T(p⁽ᵐ⁾) */
    if (T) apply_sampler(T, counts, vocab, probs, idx, order, tmp, bucket);
    if (keep > 0) memcpy(history, probs, (size_t)vocab * sizeof(double)); /* slot m % keep holds T(p⁽ᵐ⁾), m ≥ 1 */
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
            if (real_weight >= 0) {
                memset(synthetic, 0, (size_t)vocab * sizeof(int64_t));
                draw_multinomial(s, n_synthetic, probs, idx, nonzero_double(probs, vocab, idx), synthetic);
                for (int64_t i = 0; i < vocab; i++)
                    probs[i] = real_weight * ((double)new[i] / (double)n_real) + (1.0 - real_weight) * ((double)synthetic[i] / (double)n_synthetic);
                metrics_from_probs(probs, vocab, p0, first, first_size, ROW(m));
                if (ROW(m)[COLLAPSED] == 1.0 && collapse_time < 0) collapse_time = m;
                last = m;
                continue;
            }
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
        if (T) apply_sampler(T, new, vocab, probs, idx, order, tmp, bucket);
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
