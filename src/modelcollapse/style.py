"""The look of every figure of the library, in one place: the study's figures (`study.plotting`),
the paper's (`paper.figures`) and Figure 5 (`transformer.plots`) all draw inside `figure_style`.

A theme is a set of matplotlib rcParams, applied only while a figure is drawn (nothing global is
left changed). Figure 5 uses a seaborn theme; the study's and the paper's figures use seaborn
looks written out as rcParams, because importing seaborn pulls in scipy.stats (about 1.5 s of CPU
per workflow job), and matplotlib is all they need.
"""

from matplotlib import rc_context

# seaborn (style, context) of the figure families that use seaborn's themes
SEABORN = {"transformer": ("whitegrid", "paper")}  # Figure 5

# The study's figures (phase diagrams, α*(n)): seaborn's "white" style in its "notebook" context
# and its "deep" colour cycle (what sns.set_theme("notebook", "white") sets), written out.
STUDY = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".15",
    "axes.facecolor": "white",
    "axes.grid": False,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12,
    "axes.linewidth": 1.25,
    "axes.spines.bottom": True,
    "axes.spines.left": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "axes.prop_cycle": "cycler('color', ['#4c72b0', '#dd8452', '#55a868', '#c44e52', '#8172b3', '#937860', "
    "'#da8bc3', '#8c8c8c', '#ccb974', '#64b5cd'])",
    "axes.titlesize": 12,
    "figure.facecolor": "white",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12,
    "grid.color": ".8",
    "grid.linestyle": "-",
    "grid.linewidth": 1,
    "legend.fontsize": 11,
    "legend.title_fontsize": 12,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "patch.linewidth": 1,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.direction": "out",
    "xtick.labelsize": 11,
    "xtick.major.size": 6,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4,
    "xtick.minor.width": 1,
    "xtick.top": False,
    "ytick.color": ".15",
    "ytick.direction": "out",
    "ytick.labelsize": 11,
    "ytick.left": False,
    "ytick.major.size": 6,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4,
    "ytick.minor.width": 1,
    "ytick.right": False,
}
# seaborn's "colorblind" palette: one colour per criterion in the study's figures.
COLORBLIND = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9"]
# The paper's figures: a seaborn-"whitegrid"-like look without importing seaborn.
PAPER = {
    "axes.grid": True,
    "axes.edgecolor": "0.75",
    "axes.facecolor": "white",
    "axes.axisbelow": True,
    "grid.color": "0.9",
    "grid.linewidth": 0.8,
    "xtick.color": "0.15",
    "ytick.color": "0.15",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "legend.edgecolor": "0.85",
}
FAMILIES = ("study", "paper", "transformer")


def theme(family: str) -> dict:
    """The rcParams of one family of figures ('study', 'paper' or 'transformer')."""
    if family in ("paper", "study"):
        return dict(PAPER if family == "paper" else STUDY)
    if family not in SEABORN:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    import seaborn as sns

    style, context = SEABORN[family]
    return {**sns.axes_style(style), **sns.plotting_context(context)}


def figure_style(family: str):
    """Context manager: draw one figure of `family` in its theme, restored on exit."""
    return rc_context(theme(family))
