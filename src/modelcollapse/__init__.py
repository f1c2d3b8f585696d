"""Recursive training on synthetic data: the statistical language model of Seddik et al. 2024.

    import modelcollapse as mc
    mc.safe_fraction(vocab=1000, n=1000)                 # α* per criterion, as the workflow computes it
    result = mc.simulate_cell(mc.initial.zipf(100, 1.1), mc.Cell("mixed", 1000, 100, 0.5), seeds=100, generations=100)
    result.to_pandas()                                   # one row per (seed, generation)
    study = mc.load_study("results/default")             # a finished study's tables

The library by role: `core` is the engine and its foundations (simulation, initial distributions,
closed forms, tables, statistics); `study` the α* analysis built on it; `paper` and `transformer`
regenerate the paper's figures and can be read, or dropped, as units. `style` is the one look of
every figure; `cli` the command line, and `process` how a job or a command ends.
"""

from ._version import __version__
from .core import initial, theory
from .core.simulate import SCENARIOS, Cell, CellResult, simulate_cell
from .study.safe import CRITERIA, Row

_STUDY = ("Study", "load_study", "safe_fraction")


def __getattr__(name):
    """The study functions need pandas: imported when first used, so the command line and the
    engine start without it."""
    if name in _STUDY:
        from .study import answers

        return getattr(answers, name)
    raise AttributeError(f"module 'modelcollapse' has no attribute {name!r}")


__all__ = [
    "CRITERIA",
    "SCENARIOS",
    "Cell",
    "CellResult",
    "Row",
    "Study",
    "__version__",
    "initial",
    "load_study",
    "safe_fraction",
    "simulate_cell",
    "theory",
]
