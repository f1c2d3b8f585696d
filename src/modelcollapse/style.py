"""The look of every figure of the library, in one place: the study's figures (`study.plotting`),
the paper's (`paper.figures`) and Figure 5 (`transformer.plots`) all draw inside `figure_style`.

A theme is a set of matplotlib rcParams, applied only while a figure is drawn (nothing global is
left changed). The study and Figure 5 use seaborn's themes; the paper's figures use a
seaborn-"whitegrid"-like look written out as rcParams, because importing seaborn pulls in
scipy.stats (about a second per workflow job), and matplotlib is all they need.
"""

from matplotlib import rc_context

# seaborn (style, context) of the figure families that use seaborn's themes
SEABORN = {
    "study": ("white", "notebook"),  # phase diagrams, α*(n)
    "transformer": ("whitegrid", "paper"),  # Figure 5
}
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
    if family == "paper":
        return dict(PAPER)
    if family not in SEABORN:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    import seaborn as sns
    from cycler import cycler

    style, context = SEABORN[family]
    rc = {**sns.axes_style(style), **sns.plotting_context(context)}
    if family == "study":  # what sns.set_theme adds: its font family and the "deep" colour cycle
        rc.update({"font.family": "sans-serif", "axes.prop_cycle": cycler("color", sns.color_palette("deep"))})
    return rc


def figure_style(family: str):
    """Context manager: draw one figure of `family` in its theme, restored on exit."""
    return rc_context(theme(family))
