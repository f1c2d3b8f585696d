"""Compiled per-replicate chains (numba).

One call simulates one replicate's whole chain, generations 0 … G, with that replicate's own
``numpy.random.Generator``; per-generation metrics are written into one row of ``out``.
The multinomial draw is a transcription of NumPy's ``random_multinomial`` (conditional binomials
over the tokens with positive probability), so ``draw_multinomial(gen, m, p[p > 0])`` consumes the
stream exactly as ``gen.multinomial(m, p[p > 0])`` does and returns the same counts; the tests
check this against NumPy itself.
"""

import numba
import numpy as np

# Column order of the metric block; `simulate.METRICS` is the public name list.
SIMPSON, MAX_PROB, L1_FIRST, L1_TRUTH, L2SQ_FIRST, SUPPORT, ENTROPY, COLLAPSED, TOP_TOKEN = range(9)

MIXED, FRESH, ACCUMULATE, WINDOW, POOL = range(5)


@numba.njit(cache=True)
def draw_multinomial(gen, m, probs, idx, out):
    """Add Multinomial(m, probs[idx]) to out[idx] (idx: tokens with probs > 0, ascending).

    Same arithmetic and draw order as NumPy's random_multinomial on probs[idx]; the last
    listed token takes the remainder, so a token at probability 0 is never revived by rounding.
    """
    remaining_p = 1.0
    left = m
    last = idx.shape[0] - 1
    for j in range(last):
        q = probs[idx[j]] / remaining_p
        x = gen.binomial(left, q if q < 1.0 else 1.0)
        out[idx[j]] += x
        left -= x
        if left <= 0:
            return
        remaining_p -= probs[idx[j]]
    if left > 0:
        out[idx[last]] += left


# Below this training-set size Σ c² ≤ total² fits in int64 (2⁶³ ≈ 9.2·10¹⁸): simpson is then an
# exact integer ratio, identical in every engine; above it (accumulate grows total = m·n) floats.
EXACT_TOTAL = 3_000_000_000


@numba.njit(cache=True)
def _metrics(counts, total, p0, first, first_total, row):
    """Fill one metric row (generation m ≥ 1) from integer counts, p = counts / total (docs/outputs.md)."""
    exact = total < EXACT_TOTAL
    sq = 0  # Σ c², exact while total < EXACT_TOTAL
    sq_float = 0.0  # Σ p², beyond
    cmax = 0
    top = 0
    supp = 0
    ent = 0.0
    l1_truth = 0.0
    l1_first = 0.0
    l2_first = 0.0
    for i in range(counts.shape[0]):
        c = counts[i]
        p = c / total
        if c > 0:
            if exact:
                sq += c * c
            else:
                sq_float += p * p
            supp += 1
            ent -= p * np.log(p)
            if c > cmax:
                cmax = c
                top = i
        l1_truth += abs(p - p0[i])
        d = p - first[i] / first_total
        l1_first += abs(d)
        l2_first += d * d
    row[SIMPSON] = sq / (total * total) if exact else sq_float
    row[MAX_PROB] = cmax / total
    row[L1_TRUTH] = l1_truth
    row[L1_FIRST] = l1_first
    row[L2SQ_FIRST] = l2_first
    row[SUPPORT] = supp
    row[ENTROPY] = ent
    row[COLLAPSED] = 1.0 if cmax == total else 0.0
    row[TOP_TOKEN] = top


@numba.njit(cache=True)
def _truth_metrics(p0, row):
    """Generation 0 is p⁽⁰⁾ itself; its probabilities are not counts."""
    sq = 0.0
    pmax = 0.0
    top = 0
    supp = 0
    ent = 0.0
    for i in range(p0.shape[0]):
        p = p0[i]
        if p > 0:
            sq += p * p
            supp += 1
            ent -= p * np.log(p)
            if p > pmax:
                pmax = p
                top = i
    row[SIMPSON] = sq
    row[MAX_PROB] = pmax
    row[L1_TRUTH] = 0.0
    row[L1_FIRST] = np.nan
    row[L2SQ_FIRST] = np.nan
    row[SUPPORT] = supp
    row[ENTROPY] = ent
    row[COLLAPSED] = 1.0 if pmax == 1.0 else 0.0
    row[TOP_TOKEN] = top


@numba.njit(cache=True)
def _nonzero(x, out):
    """Write the indices of x > 0 into out; return the view of the filled part (no allocation)."""
    k = 0
    for i in range(x.shape[0]):
        if x[i] > 0:
            out[k] = i
            k += 1
    return out[:k]


@numba.njit(cache=True)
def run_chain(gen, scenario, p0, n, n_real, n_synthetic, window, generations, out):
    """Simulate one replicate; return its collapse time T (−1 if none by G).

    Sample counts per generation m follow docs/model.md, "The scenarios" (paper eq 5, 17 and §4.2):
    generation 1 is trained on real data only (``n_real`` samples, or ``n`` when there is no
    real share in later generations); generation m ≥ 2 as the scenario says.
    Absorbing states stop the sampling: the remaining rows repeat the last one.
    """
    vocab = p0.shape[0]
    p0_idx = np.flatnonzero(p0 > 0)
    idx = np.empty(vocab, np.int64)  # scratch for the tokens with positive probability
    _truth_metrics(p0, out[0])

    first_size = n_real if (n_real > 0 and (scenario == MIXED or scenario == FRESH)) else n
    fixed = np.zeros(vocab, np.int64)  # real data kept (mixed) or all data so far (accumulate)
    counts = np.zeros(vocab, np.int64)
    draw_multinomial(gen, first_size, p0, p0_idx, counts)
    total = first_size
    first = counts.copy()
    _metrics(counts, total, p0, first, first_size, out[1])
    collapse_time = 1 if out[1, COLLAPSED] == 1.0 else -1

    if scenario == MIXED and n_real > 0:
        fixed[:] = counts
    if scenario == ACCUMULATE:
        fixed[:] = counts
    # Past models, for scenarios that sample from more than the previous one.
    keep = 0
    if scenario == WINDOW:
        keep = window
    elif scenario == POOL:
        keep = generations
    history = np.zeros((max(keep, 1), vocab))
    if keep > 0:
        history[0] = counts / total  # slot m % keep holds p⁽ᵐ⁾ for m ≥ 1
    per_source = n // window if scenario == WINDOW else 0
    dirac_run = 1 if out[1, COLLAPSED] == 1.0 else 0  # consecutive identical Dirac models

    probs = counts / total
    new = np.zeros(vocab, np.int64)
    last = 1
    for m in range(2, generations + 1):
        if scenario == MIXED or scenario == ACCUMULATE:
            # Both are absorbed in a Dirac mass: every sample kept and drawn is that token.
            if out[m - 1, COLLAPSED] == 1.0:
                break
        if scenario == FRESH and n_real == 0 and out[m - 1, COLLAPSED] == 1.0:
            break
        if scenario == WINDOW and dirac_run >= window:
            break
        new[:] = 0
        if scenario == MIXED:
            new[:] = fixed
            if n_synthetic > 0:
                draw_multinomial(gen, n_synthetic, probs, _nonzero(probs, idx), new)
            total = n_real + n_synthetic
        elif scenario == FRESH:
            if n_real > 0:
                draw_multinomial(gen, n_real, p0, p0_idx, new)
            draw_multinomial(gen, n_synthetic, probs, _nonzero(probs, idx), new)
            total = n_real + n_synthetic
        elif scenario == ACCUMULATE:
            draw_multinomial(gen, n, probs, _nonzero(probs, idx), fixed)
            new[:] = fixed
            total = m * n
        elif scenario == WINDOW:
            total = 0
            for t in range(max(0, m - window), m):
                if t == 0:
                    draw_multinomial(gen, per_source, p0, p0_idx, new)
                else:
                    src = history[(t - 1) % window]
                    draw_multinomial(gen, per_source, src, _nonzero(src, idx), new)
                total += per_source
        else:  # POOL: each sample's source generation is uniform on 0 … m−1
            sources = np.zeros(m, np.int64)
            draw_multinomial(gen, n, np.full(m, 1.0 / m), np.arange(m), sources)
            for t in range(m):
                if sources[t] == 0:
                    continue
                if t == 0:
                    draw_multinomial(gen, sources[t], p0, p0_idx, new)
                else:
                    src = history[t - 1]
                    draw_multinomial(gen, sources[t], src, _nonzero(src, idx), new)
            total = n
        _metrics(new, total, p0, first, first_size, out[m])
        for i in range(vocab):
            probs[i] = new[i] / total
        if keep > 0:
            history[(m - 1) % keep] = probs
        if out[m, COLLAPSED] == 1.0:
            if collapse_time < 0:
                collapse_time = m
            same = dirac_run > 0 and out[m, TOP_TOKEN] == out[m - 1, TOP_TOKEN]
            dirac_run = dirac_run + 1 if same else 1
        else:
            dirac_run = 0
        last = m
    for m in range(last + 1, generations + 1):
        out[m] = out[last]
    return collapse_time
