"""Initial (true) distributions p⁽⁰⁾ over the vocabulary (docs/model.md, "The initial
distribution p⁽⁰⁾")."""

import io
import os
import stat

import numpy as np

from .seeding import INITIAL_DOMAIN

# The `initial` keys each kind takes (besides vocab and root_seed): the config, the command line
# and the workflow's jobs read this one table.
INITIAL_KEYS = {
    "zipf": ("exponent", "support"),
    "uniform": ("support",),
    "dirichlet": ("concentration", "support"),
    "target": ("s0", "support"),
    "file": ("path",),
}
INITIAL_KINDS = tuple(INITIAL_KEYS)


def _support(vocab: int, support: int | None) -> int:
    support = vocab if support is None else support
    if int(support) != support or not 2 <= support <= vocab:
        raise ValueError(f"support must be an integer between 2 and vocab={vocab}, got {support}")
    return support


def _pad(head: np.ndarray, vocab: int) -> np.ndarray:
    p = np.zeros(vocab)
    p[: head.size] = head / head.sum()
    return p


def zipf(vocab: int, exponent: float, support: int | None = None) -> np.ndarray:
    """p_i ∝ i^(−exponent) on the first `support` tokens, zero elsewhere."""
    if exponent < 0:
        raise ValueError(f"exponent must be >= 0, got {exponent}")
    ranks = np.arange(1, _support(vocab, support) + 1, dtype=float)
    return _pad(ranks**-exponent, vocab)


def uniform(vocab: int, support: int | None = None) -> np.ndarray:
    """Uniform on the first `support` tokens."""
    return _pad(np.ones(_support(vocab, support)), vocab)


def dirichlet(vocab: int, concentration: float, root_seed: int, support: int | None = None) -> np.ndarray:
    """One draw of Dirichlet(concentration·1) on the first `support` tokens.

    Seeded by (root_seed, vocab) only, so every cell of a study with this vocab shares it.
    """
    if concentration <= 0:
        raise ValueError(f"concentration must be > 0, got {concentration}")
    k = _support(vocab, support)
    ss = np.random.SeedSequence(root_seed, spawn_key=(INITIAL_DOMAIN, vocab))
    return _pad(np.random.default_rng(ss).dirichlet(np.full(k, concentration)), vocab)


def power_law_simpson(exponent: float, support: int) -> float:
    """Σp² of the power law p_i ∝ i^(−exponent), i = 1 … support."""
    w = np.arange(1, support + 1, dtype=float) ** -exponent
    w /= w.sum()
    return float(w @ w)


def s0_problem(s0, support: int) -> str | None:
    """Why `s0` cannot be the Σp² of a distribution on `support` tokens (the one statement of
    the range [1/support, 1), used by the library and by the config checks), or None."""
    if s0 is None or support < 2 or not 1.0 / support <= s0 < 1.0:
        return f"must be in [1/support, 1) = [{1.0 / max(support, 1):.6g}, 1), got {s0}"
    return None


def target_exponent(support: int, s0: float) -> float:
    """The power-law exponent whose Σp² on `support` tokens equals s0 (root-finding).

    Σp² rises monotonically from 1/support (exponent 0) towards 1, so the root is unique.
    """
    from scipy.optimize import brentq  # only this kind needs SciPy

    problem = s0_problem(s0, support)
    if problem:
        raise ValueError(f"s0 {problem}")
    if s0 == 1.0 / support:
        return 0.0
    hi = 1.0
    while power_law_simpson(hi, support) < s0:
        hi *= 2.0
    return brentq(lambda a: power_law_simpson(a, support) - s0, 0.0, hi, xtol=1e-15, rtol=1e-15)


def target(vocab: int, support: int, s0: float) -> np.ndarray:
    """Power law on `support` tokens with Σp² = s0 (the paper's s = 600, s̃ = 52, S₀ = 0.1)."""
    return zipf(vocab, target_exponent(_support(vocab, support), s0), support)


def check_distribution(p0, name: str = "p0", vocab: int | None = None) -> np.ndarray:
    """`p0` as a float array if it is a distribution the engine and the closed forms take — one
    dimension, at least two tokens, finite, non-negative, summing to 1 (within 1e-9), not a Dirac
    mass, and `vocab` tokens when that is given — else a ValueError naming `name`."""
    try:
        p = np.asarray(p0, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: not an array of numbers; allowed: probabilities summing to 1") from None
    problem = (
        f"has shape {p.shape}"
        if p.ndim != 1 or p.size < 2
        else "has values that are not finite numbers"
        if not np.isfinite(p).all()
        else "has negative values"
        if (p < 0).any()
        else f"sums to {p.sum():.12g}"
        if abs(p.sum() - 1.0) > 1e-9
        else "is a Dirac mass (one token has all the mass)"
        if p.max() >= 1.0
        else f"has {p.size} tokens, vocab is {vocab}"
        if vocab is not None and p.size != vocab
        else None
    )
    if problem:
        raise ValueError(
            f"{name}: {problem}; allowed: a one-dimensional array of at least two finite, non-negative probabilities summing to 1, not a Dirac mass"
        )
    return p


# The largest p⁽⁰⁾ file read: a CSV of 10⁷ tokens with their counts is about 200 MB, and a
# simulation over that many tokens is already beyond a job's memory (limits.job_memory_gb).
MAX_FILE_BYTES = 256 * 2**20
# A `token` column of canonical integers (no sign but '-', no leading zero, int64) holds ids.
INTEGER_ID = r"0|-?[1-9][0-9]{0,17}"
LIMIT = f"{MAX_FILE_BYTES // 2**20} MiB"
FILE_ALLOWED = f"a regular CSV or Parquet file of at most {LIMIT}"
VALUES = "counts or probabilities, finite numbers >= 0"


def _file_kind(mode: int) -> str:
    for test, kind in [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")]:
        if test(mode):
            return kind
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


def _read_bounded(path, name: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES. Checked by stat before opening, so
    a FIFO or a device is never opened and an oversize file never read; checked again once open
    (without blocking), in case the path changed in between; never read past the limit."""

    def check(info):
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"initial file {name}: is {_file_kind(info.st_mode)}, not a regular file; allowed: {FILE_ALLOWED}")
        if info.st_size > MAX_FILE_BYTES:
            raise ValueError(f"initial file {name}: {info.st_size} bytes is over the limit of {LIMIT}; allowed: {FILE_ALLOWED}")

    try:
        check(os.stat(path))
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            check(os.fstat(f.fileno()))
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ValueError(f"initial file {name}: cannot be read ({err.strerror or err}); allowed: {FILE_ALLOWED}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew after the check
        raise ValueError(f"initial file {name}: over the limit of {LIMIT}; allowed: {FILE_ALLOWED}")
    return data


def _token_order(tokens, name: str) -> np.ndarray:
    """The rows' order by the `token` column: numeric when every token is an integer id, else by
    the tokens' text (code points). A missing or repeated token is refused, naming it."""
    if tokens.isna().any() or (tokens.astype(str) == "").any():
        raise ValueError(f"initial file {name}: column 'token' has empty values; allowed: every token named once")
    tokens = tokens.astype(str)
    repeated = tokens[tokens.duplicated()]
    if len(repeated):
        first, others = repeated.iloc[0], repeated.nunique() - 1
        raise ValueError(
            f"initial file {name}: token {first!r} appears {int((tokens == first).sum())} times"
            + (f" (and {others} other tokens repeat)" if others else "")
            + "; allowed: every token named once"
        )
    key = tokens.astype("int64") if tokens.str.fullmatch(INTEGER_ID).all() else tokens
    return key.argsort(kind="stable").to_numpy()


def from_file(path) -> np.ndarray:
    """p⁽⁰⁾ from your data: a CSV or Parquet file of token counts or probabilities, either one
    column or the columns `token` and `prob` (or `count`). Tokens are the rows in order, or
    sorted by `token`: integer ids numerically, text (as `modelcollapse counts` writes it) by
    code point. The values are normalised. One-line ValueError naming the file, the problem and
    what is allowed: not a regular file of at most MAX_FILE_BYTES, not readable, no usable
    column, a missing or repeated token, negative or non-finite values or sum, fewer than two
    tokens with mass."""
    import pandas as pd

    name = str(path)
    parquet = name.endswith(".parquet")
    data = io.BytesIO(_read_bounded(path, name))
    try:
        # every CSV field as text: a token such as 'NA' or '007' stays itself
        table = pd.read_parquet(data) if parquet else pd.read_csv(data, dtype=str, keep_default_na=False)
    except Exception as err:  # pandas raises many types for a malformed file
        reason = " ".join(str(err).split())  # one line
        raise ValueError(
            f"initial file {name}: cannot be read as {'Parquet' if parquet else 'CSV'} ({reason}); allowed: {FILE_ALLOWED}"
        ) from None
    value = [c for c in ("prob", "count") if c in table.columns]
    if value:
        if "token" in table.columns:
            table = table.iloc[_token_order(table["token"], name)]
        column = table[value[0]]
    elif table.shape[1] == 1:
        column = table.iloc[:, 0]
    else:
        raise ValueError(f"initial file {name}: columns {list(table.columns)}; allowed: one column, or 'token' with 'prob' or 'count'")
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError(f"initial file {name}: column '{column.name}' has values that are not finite numbers; allowed: {VALUES}")
    if (values < 0).any():
        raise ValueError(f"initial file {name}: column '{column.name}' has negative values; allowed: {VALUES}")
    with np.errstate(over="ignore"):  # an overflowing sum is refused just below
        total = values.sum()
    if not np.isfinite(total):
        raise ValueError(
            f"initial file {name}: column '{column.name}' sums to more than the largest float (1.8e308); "
            f"allowed: {VALUES} whose sum is finite (divide them by a common factor)"
        )
    p = values / total if total > 0 else values
    if np.count_nonzero(p) < 2:
        raise ValueError(f"initial file {name}: fewer than two tokens with positive mass; allowed: {VALUES}, two or more of them positive")
    return p


def initial_distribution(
    kind: str,
    vocab: int | None,
    *,
    exponent: float = 1.1,
    support: int | None = None,
    s0: float | None = None,
    concentration: float = 1.0,
    root_seed: int = 0,
    path=None,
) -> np.ndarray:
    """Dispatch on `kind` (one of INITIAL_KINDS) with the config's `initial` keys. With kind
    'file', `vocab` may be None (the file sets it) or must equal the file's number of tokens; a
    `path` with another kind is refused (it would be ignored)."""
    if path is not None and "path" not in INITIAL_KEYS.get(kind, ("path",)):
        raise ValueError(f"path applies to initial kind file, not {kind} (give kind 'file', or no path)")
    if kind == "file":
        if path is None:
            raise ValueError("path (a CSV or Parquet file of counts or probabilities) is required by initial kind 'file'")
        p = from_file(path)
        if vocab is not None and vocab != p.size:
            raise ValueError(f"vocab must equal the {p.size} tokens of initial file {path}, got {vocab}")
        return p
    if vocab is None or vocab < 2:
        raise ValueError(f"vocab must be >= 2, got {vocab}")
    if kind == "zipf":
        p = zipf(vocab, exponent, support)
    elif kind == "uniform":
        p = uniform(vocab, support)
    elif kind == "dirichlet":
        p = dirichlet(vocab, concentration, root_seed, support)
    elif kind == "target":
        if s0 is None:
            raise ValueError("s0 (the target Σp²) is required by initial kind 'target'")
        p = target(vocab, vocab if support is None else support, s0)
    else:
        raise ValueError(f"initial kind must be one of {', '.join(INITIAL_KINDS)}, got {kind!r}")
    if p.max() >= 1.0:
        raise ValueError("the initial distribution must not be a Dirac mass (support >= 2)")
    return p


def from_config(initial: dict, vocab: int | None, root_seed: int) -> np.ndarray:
    """p⁽⁰⁾ of a checked config's `initial` keys (kind, exponent, support, s0, concentration,
    path; a missing key takes its default) for one vocabulary."""
    return initial_distribution(
        initial.get("kind", "zipf"),
        vocab,
        exponent=1.1 if initial.get("exponent") is None else initial["exponent"],
        support=initial.get("support"),
        s0=initial.get("s0"),
        concentration=1.0 if initial.get("concentration") is None else initial["concentration"],
        root_seed=root_seed,
        path=initial.get("path"),
    )
