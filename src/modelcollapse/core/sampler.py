"""How synthetic data is drawn from a trained model: the sampler T (docs/samplers.md).

Synthetic samples of generation m come from T(p⁽ᵐ⁻¹⁾) instead of p⁽ᵐ⁻¹⁾ itself; real samples
(from p⁽⁰⁾) never pass through T. A sampler is written as a spec string:

    exact                          T(p) = p (the paper's model, eq 5 and 17)
    temperature:τ                  T(p) ∝ p^(1/τ), τ > 0
    top_k:k                        the k most probable tokens, renormalised (k ≥ 1)
    top_p:q                        the fewest most probable tokens whose mass is ≥ q, renormalised (0 < q ≤ 1)
    temperature:τ,top_k:k,top_p:q  any of them together, applied in this order whatever the spec's order

Tokens are ranked by the model's own probabilities, the more probable first and, among equal
probabilities, the lower token index first. `transform` is the definition, in NumPy; the compiled
engine (chain.c, `apply_sampler`) repeats it operation for operation, so both engines draw the
same counts from the same stream.
"""

import math
import struct
from dataclasses import dataclass

import numpy as np

STAGES = ("temperature", "top_k", "top_p")  # the order T applies them in
EXACT = "exact"
ALLOWED = "exact, or comma-separated temperature:τ (τ > 0), top_k:k (integer k >= 1), top_p:q (0 < q <= 1), each at most once"


@dataclass(frozen=True)
class Sampler:
    """A parsed sampler; the identity values (τ = 1, no top-k, q = 1) mean "not applied"."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float = 1.0

    @property
    def is_exact(self) -> bool:
        return self.temperature == 1.0 and self.top_k is None and self.top_p == 1.0

    @property
    def spec(self) -> str:
        """The canonical spec: stages in application order, identity stages left out, numbers
        as Python writes them shortest (0.7, 2 for 2.0); 'exact' when nothing is applied."""
        parts = []
        if self.temperature != 1.0:
            parts.append(f"temperature:{_number(self.temperature)}")
        if self.top_k is not None:
            parts.append(f"top_k:{self.top_k}")
        if self.top_p != 1.0:
            parts.append(f"top_p:{_number(self.top_p)}")
        return ",".join(parts) or EXACT


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def parse(spec) -> Sampler:
    """The Sampler of a spec string (or a Sampler, returned as is); ValueError naming what is
    allowed otherwise."""
    if isinstance(spec, Sampler):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"sampler {spec!r}; allowed: {ALLOWED}")
    if spec.strip() == EXACT:
        return Sampler()
    values = {}
    for part in spec.split(","):
        name, colon, text = part.strip().partition(":")
        if name not in STAGES or not colon:
            raise ValueError(f"sampler {spec!r}: unknown part {part.strip()!r}; allowed: {ALLOWED}")
        if name in values:
            raise ValueError(f"sampler {spec!r}: {name} given twice; allowed: {ALLOWED}")
        values[name] = _stage_value(spec, name, text.strip())
    return Sampler(**values)


def _stage_value(spec: str, name: str, text: str):
    """A stage's value read from its text and checked against its range."""
    try:
        value = int(text) if name == "top_k" else float(text)
    except ValueError:
        value = None
    if name == "temperature" and value is not None and math.isfinite(value) and value > 0:
        return value
    if name == "top_k" and value is not None and value >= 1:
        return value
    if name == "top_p" and value is not None and 0 < value <= 1:
        return value
    kind = {"temperature": "a finite number > 0", "top_k": "an integer >= 1", "top_p": "a number in (0, 1]"}[name]
    raise ValueError(f"sampler {spec!r}: {name} must be {kind}, got {text!r}")


def canonical(spec) -> str:
    """The one spec string of a sampler: equal samplers, equal strings (and equal streams)."""
    return parse(spec).spec


# Stage numbers of the stream key (docs/random-streams.md); 0 is never used.
STAGE_KEYS = {"temperature": 1, "top_k": 2, "top_p": 3}


def _float_bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", float(value)))[0]


# What `label` makes of a spec: every stage as its name and value, joined by "_" (a float as repr
# writes it: digits, ".", "e", "+", "-"); a row name's suffix (workflow/rules/common.smk).
LABEL_PATTERN = r"(?:_(?:temperature|top_k|top_p)[0-9.e+-]+)+"


def label(spec) -> str:
    """A sampler as a file name takes it: '' for `exact`, else '_' and its canonical spec with
    the colons dropped and the commas '_' (`top_p:0.9` → '_top_p0.9'); equal samplers, equal labels,
    and no two samplers share one."""
    text = canonical(spec)
    return "" if text == EXACT else "_" + text.replace(":", "").replace(",", "_")


def stream_key(spec) -> tuple:
    """The integers a non-exact sampler appends to a replicate's spawn key: (stage number,
    value) per applied stage in application order, a float value as its IEEE-754 bits; () for
    `exact`, whose streams are those of the paper's model."""
    sampler = parse(spec)
    key = ()
    if sampler.temperature != 1.0:
        key += (STAGE_KEYS["temperature"], _float_bits(sampler.temperature))
    if sampler.top_k is not None:
        key += (STAGE_KEYS["top_k"], sampler.top_k)
    if sampler.top_p != 1.0:
        key += (STAGE_KEYS["top_p"], _float_bits(sampler.top_p))
    return key


def engine_arguments(spec) -> tuple[float, int, float]:
    """(1/τ, k or 0 for no top-k, q) as the compiled engine takes them."""
    sampler = parse(spec)
    return 1.0 / sampler.temperature, sampler.top_k or 0, sampler.top_p


# --- T itself -------------------------------------------------------------------------------------

_power = np.frompyfunc(math.pow, 2, 1)  # the C library's pow, as the compiled engine calls it


def ranking(p: np.ndarray) -> np.ndarray:
    """Tokens with p > 0, the more probable first, the lower index first among equals."""
    support = np.flatnonzero(p > 0)
    return support[np.lexsort((support, -p[support]))]


def _normalised(w: np.ndarray) -> np.ndarray:
    """w / Σw, summed one token at a time in token order (as the compiled engine sums)."""
    nz = np.flatnonzero(w > 0)
    return np.where(w > 0, w / np.cumsum(w[nz])[-1], 0.0)


def transform(p, spec) -> np.ndarray:
    """T(p) for a distribution p: temperature, then top-k, then top-p, each renormalising.

    - temperature τ: wᵢ = (pᵢ / max p)^(1/τ), renormalised (p^(1/τ) scaled so the largest is 1,
      which no τ can underflow);
    - top-k: the first k tokens of `ranking(p)` keep their mass, the others get 0, renormalised
      (nothing changes when k >= the support);
    - top-p: along `ranking(p)`, the first tokens whose cumulated (tempered, top-k) mass is ≥ q
      are kept, renormalised; all are kept, unchanged, when the mass never reaches q.

    Tokens are ranked by p itself, never by the tempered values: p^(1/τ) preserves the order
    exactly, and the rank does not depend on rounding. A stage that removes no token leaves the
    values as they are."""
    sampler = parse(spec)
    p = np.asarray(p, dtype=float)
    q = p.copy()
    if sampler.is_exact:
        return q
    rank = ranking(p)
    if sampler.temperature != 1.0:
        w = np.zeros_like(p)
        w[rank] = _power(p[rank] / p[rank[0]], 1.0 / sampler.temperature).astype(float)
        q = _normalised(w)
    if sampler.top_k is not None and sampler.top_k < rank.size:
        rank = rank[: sampler.top_k]
        q = _normalised(_kept(q, rank))
    if sampler.top_p != 1.0:
        reached = np.flatnonzero(np.cumsum(q[rank]) >= sampler.top_p)
        if reached.size and reached[0] + 1 < rank.size:
            q = _normalised(_kept(q, rank[: reached[0] + 1]))
    return q


def _kept(q: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    out = np.zeros_like(q)
    out[tokens] = q[tokens]
    return out
