"""Recursive training on synthetic data: the statistical language model of Seddik et al. 2024.

    import modelcollapse as mc
    mc.safe_fraction(vocab=1000, n=1000)                 # α* per criterion, as the workflow computes it
    result = mc.simulate_cell(mc.initial.zipf(100, 1.1), mc.Cell("mixed", 1000, 100, 0.5), seeds=100, generations=100)
    result.to_pandas()                                   # one row per (seed, generation)
    study = mc.load_study("results/default")             # a finished study's tables
"""

from . import initial, theory
from ._version import __version__
from .safe import CRITERIA, Row
from .simulate import SCENARIOS, Cell, CellResult, simulate_cell

_STUDY = ("Study", "load_study", "safe_fraction")


def __getattr__(name):
    """The study functions need pandas: imported when first used, so the command line and the
    engine start without it."""
    if name in _STUDY:
        from . import study

        return getattr(study, name)
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
