"""The HTML report as a person sees it: a tiny study is run and reported in a scratch copy of the
project, and report.html is opened in headless Chromium. What the rendered page shows (not what
its source contains: the report is a JavaScript app that carries every result as data) must be
the study's grid, the α*(n) figure and the α* table with the numbers of safe_fraction.parquet."""

import base64
import html
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import project_copy, snakemake
from matplotlib.colors import same_color

from modelcollapse.study.aggregate import STUDY_TABLES, read_row_tables, read_rows
from modelcollapse.study.plotting import _runs as plotting_runs
from modelcollapse.study.plotting import phase_diagram, safe_fraction_figure, save_figure
from modelcollapse.study.report import safe_fraction_table_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian package `chromium`; `make test` installs it when run as root)",
)
CRITERIA = ["drift", "excess_error", "diversity", "collapse"]
WHEN = """function when(find, then, tries = 100) {
    const found = find();
    if (found) then(found);
    else if (tries > 0) setTimeout(() => when(find, then, tries - 1), 50);
    else document.body.dataset.failed = String(find);
}"""
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# The README's report command after `snakemake study` alone: a report names the target it reports
# on (the default target, `all`, has the paper's figures too, which `study` never made).
REPORT_COMMAND = next(
    line.split(" #")[0].split()
    for line in (Path(__file__).parents[1] / "README.md").read_text().splitlines()
    if line.startswith("snakemake ") and "--report" in line.split() and "study" in line.split()
)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The small study, run (`snakemake study`) and reported as the README says: (scratch
    project, its results folder, report.html)."""
    work = project_copy(tmp_path_factory.mktemp("report"))
    snakemake(work, "study", "--configfile", ".test/config/config.yaml")
    snakemake(work, *REPORT_COMMAND[1:], "--configfile", ".test/config/config.yaml")
    return work, work / "results" / "test_small", work / REPORT_COMMAND[REPORT_COMMAND.index("--report") + 1]


# --- what a browser shows -----------------------------------------------------------------------


def chromium_dom(page: Path, profile: Path, script: str = "") -> str:
    """The page's DOM after Chromium ran its JavaScript (5 s of virtual time). `script`, if given,
    runs at the end of the page, with `when(find, then)`: call `then` on what `find` returns once
    it is there (the app renders after the page has loaded). It plays the person's clicks."""
    if script:
        head, tail = page.read_text(encoding="utf-8").rsplit("</body>", 1)
        page = page.with_name(f"{page.stem}-clicked.html")
        page.write_text(f"{head}<script>{WHEN}\n{script}</script>\n</body>{tail}", encoding="utf-8")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and "</html>" in proc.stdout, proc.stderr[-3000:]
    return proc.stdout


class Rendered(HTMLParser):
    """What an HTML document shows inside element `root` (id; None = the whole document), without
    <script> and <style>: its text, its images, iframes and tables (rows of (cell text, bold))."""

    def __init__(self, html: str, root: str | None = "app"):
        super().__init__()
        self.root, self.depth, self.hidden, self.bold, self.cell = root, 0 if root else 1, 0, 0, None
        self.text, self.images, self.frames, self.tables = [], [], [], []
        self.feed(html)
        self.text = " ".join(" ".join(self.text).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.depth:
            self.depth = int(self.root is not None and attrs.get("id") == self.root and tag not in VOID)
            return
        if tag not in VOID:
            self.depth += 1
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "iframe":
            self.frames.append(attrs.get("src", ""))
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self.cell = ["", False]
            self.tables[-1][-1].append(self.cell)

    def handle_endtag(self, tag):
        if not self.depth or tag in VOID:
            return
        self.depth -= 1
        if tag in ("script", "style"):
            self.hidden -= 1
        elif tag in ("strong", "b"):
            self.bold -= 1
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if not self.depth or self.hidden:
            return
        self.text.append(data)
        if self.cell is not None:
            self.cell[0] = " ".join((self.cell[0] + data).split())
            self.cell[1] = self.cell[1] or (self.bold > 0 and bool(data.strip()))


def alpha_table(page: Rendered):
    """The rendered α* table: the one whose header names the criteria."""
    tables = [t for t in page.tables if t and [c for c, _ in t[0][:2]] in (["n", "vocab"], ["N (real)", "vocab"])]
    assert len(tables) == 1, f"expected one α* table on the page, found {len(tables)}"
    return tables[0]


def decode_data_uri(uri: str) -> bytes:
    assert uri.startswith("data:") and ";base64," in uri, uri[:80]
    return base64.b64decode(uri.split(";base64,", 1)[1])


# --- what it must show, from safe_fraction.parquet ----------------------------------------------


def formatted(alpha, low, high):
    """How the table writes α* and its interval: 3 decimals; NaN = none (no safe fraction); an
    interval of nothing but 'none' is not written."""

    def text(value):
        return "none" if pd.isna(value) else f"{value:.3f}"

    return text(alpha) if pd.isna(low) and pd.isna(high) else f"{text(alpha)} [{text(low)}, {text(high)}]"


def expected_table(safe: pd.DataFrame):
    """Header and rows (cell text, bold) of the α* table: bold = the lowest α* of the row."""
    thresholds = safe.groupby("criterion")["threshold"].first()
    header = ["n", "vocab", *(f"{c} {'≥' if c == 'diversity' else '≤'} {thresholds[c]:g}" for c in CRITERIA)]
    rows = []
    for (n, vocab), row in safe.groupby(["n", "vocab"], sort=True):
        row = row.set_index("criterion").loc[CRITERIA]
        alpha = row["safe_fraction"].fillna(-1.0)  # nothing safe is the strictest
        strictest = (alpha - alpha.min()).abs() < 1e-12
        cells = [(formatted(r.safe_fraction, r.ci_low, r.ci_high), bool(s)) for r, s in zip(row.itertuples(), strictest)]
        rows.append([(str(n), False), (str(vocab), False), *cells])
    return header, rows


def as_tuples(table):
    return [[tuple(cell) for cell in row] for row in table]


# --- the tests ----------------------------------------------------------------------------------


def test_alpha_figure_and_tables_are_written(study):
    _, results, _ = study
    for name in ("figures/safe_fraction.png", "figures/safe_fraction.pdf"):
        assert (results / name).stat().st_size > 10_000, name
    safe = pd.read_parquet(results / "safe_fraction.parquet")
    page = Rendered((results / "report" / "safe_fraction.html").read_text(encoding="utf-8"), root=None)
    header, rows = expected_table(safe)
    table = alpha_table(page)
    assert [c for c, _ in table[0]] == header
    assert as_tuples(table[1:]) == rows


def test_alpha_figure_lines_and_the_real_data_frame(study):
    """The strictest line of each panel runs through the lowest α* of every n (0 where nothing is
    safe), thin and on top of every criterion's line and band, so the binding criterion's own line
    shows under it; in the real-data frame the x axis is N and the table's first column 'N (real)'."""
    _, results, _ = study
    safe = pd.read_parquet(results / "safe_fraction.parquet")
    fig = safe_fraction_figure(safe, "title")
    for ax, (vocab, part) in zip(fig.axes, safe.groupby("vocab", sort=True)):
        assert ax.get_title() == f"vocab = {vocab}"
        black = [line for line in ax.get_lines() if line.get_gid() == "strictest"]
        assert len(black) == 1 and same_color(black[0].get_color(), "black")
        lowest = part.assign(a=part["safe_fraction"].fillna(0.0)).groupby("n")["a"].min()
        assert list(black[0].get_xdata()) == list(lowest.index) and list(black[0].get_ydata()) == list(lowest)
        under = [a.get_zorder() for a in [*ax.lines, *ax.collections] if a is not black[0]]
        assert black[0].get_linewidth() <= 2 and black[0].get_zorder() > max(under)
    assert fig.get_supxlabel().startswith("training-set size n")

    real = safe.assign(frame="real_data", n_real=safe["n"], n=pd.array([pd.NA] * len(safe), dtype="Int64"))
    assert safe_fraction_figure(real).get_supxlabel().startswith("real samples N")
    table = alpha_table(Rendered(safe_fraction_table_html(real), root=None))
    assert table[0][0][0] == "N (real)" and as_tuples(table[1:]) == expected_table(safe)[1]


def test_figures_are_cropped_as_savefig_tight_crops_them(study, tmp_path):
    """`save_figure` finds the tight bounding box once for all formats: the PNG has the size that
    `savefig(bbox_inches="tight")` gives (to a pixel of rounding), and the PDF is written too."""
    from PIL import Image

    _, results, _ = study
    fig = safe_fraction_figure(pd.read_parquet(results / "safe_fraction.parquet"), "title")
    fig.savefig(tmp_path / "tight.png", dpi=150, bbox_inches="tight")
    save_figure(fig, [tmp_path / "once.png", tmp_path / "once.pdf"])
    tight, once = Image.open(tmp_path / "tight.png").size, Image.open(tmp_path / "once.png").size
    assert all(abs(a - b) <= 1 for a, b in zip(tight, once)), (tight, once)
    assert (tmp_path / "once.pdf").read_bytes().startswith(b"%PDF")


def test_the_figure_jobs_draw_from_arrow_tables_what_dataframes_draw(study, tmp_path):
    """The figure jobs draw from their rows' Arrow tables (they do not wait for `merge`); the same
    tables as DataFrames, as a notebook passes them, give the same pixels."""
    from PIL import Image

    _, results, _ = study
    paths = {name: sorted(map(str, results.glob(f"rows/*/{name}.parquet"))) for name in ("criteria", "safe_fraction")}
    tables = read_row_tables({"criteria": paths["criteria"], "safe": paths["safe_fraction"]})
    save_figure(phase_diagram(tables["criteria"], tables["safe"], "drift", 0.1), [tmp_path / "phase.png"])
    save_figure(safe_fraction_figure(tables["safe"]), [tmp_path / "alpha.png"])
    frames = read_rows({"criteria": paths["criteria"], "safe": paths["safe_fraction"]})
    save_figure(phase_diagram(frames["criteria"], frames["safe"], "drift", 0.1), [tmp_path / "phase_pandas.png"])
    save_figure(safe_fraction_figure(frames["safe"]), [tmp_path / "alpha_pandas.png"])
    for name in ("phase", "alpha"):
        arrow, pandas = (np.asarray(Image.open(tmp_path / f"{name}{suffix}.png")) for suffix in ("", "_pandas"))
        assert np.array_equal(arrow, pandas), name


def test_figures_leave_the_callers_matplotlib_as_it_was(study):
    """Importing the library's figures chooses no backend (a notebook keeps its own), and a
    figure it draws is not pyplot's: nothing is left open, the figure is the caller's."""
    code = (
        "import matplotlib\n"
        "matplotlib.use('svg')\n"
        "import modelcollapse.study.plotting, modelcollapse.transformer.plots\n"
        "print(matplotlib.get_backend())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert run.stdout.strip() == "svg"
    _, results, _ = study
    frames = read_rows({key: sorted(results.glob(f"rows/*/{STUDY_TABLES[key]}.parquet")) for key in ("criteria", "safe")})
    for figure in (phase_diagram(frames["criteria"], frames["safe"], "drift", 0.1), safe_fraction_figure(frames["safe"])):
        assert figure.canvas.manager is None


def test_adjacent_hatched_tiles_are_one_patch_and_the_same_pixels(study, tmp_path, monkeypatch):
    """A phase diagram hatches each run of adjacent tiles that the estimator never counts safe as
    one patch (drawn and hatched tile by tile, hundreds of such tiles cost a figure job more than
    half a second): the pixels are those of tile-by-tile patches. Runs of such tiles are made here
    (a real-data row with N = 1 has one), from the collapse tiles set by the real sample alone."""
    from PIL import Image

    import modelcollapse.study.plotting as plotting

    _, results, _ = study
    frames = read_rows({key: sorted(results.glob(f"rows/*/{STUDY_TABLES[key]}.parquet")) for key in ("criteria", "safe")})
    frames["criteria"]["degenerate"] |= frames["criteria"]["real_sample_decides"]

    def drawn(name):
        fig = phase_diagram(frames["criteria"], frames["safe"], "collapse", 0.05)
        save_figure(fig, [tmp_path / f"{name}.png"])
        return sum(bool(patch.get_hatch()) for ax in fig.axes for patch in ax.patches), np.asarray(Image.open(tmp_path / f"{name}.png"))

    runs, runs_pixels = drawn("runs")
    monkeypatch.setattr(plotting, "_runs", lambda mask: [(k, k + 1) for k in np.flatnonzero(mask)])
    tiles, tiles_pixels = drawn("tiles")
    assert 0 < runs < tiles, (runs, tiles)
    assert np.array_equal(runs_pixels, tiles_pixels)


@pytest.mark.parametrize("criterion, threshold", [("drift", 0.1), ("excess_error", 1.1), ("diversity", 0.9), ("collapse", 0.05)])
def test_phase_diagrams_mark_the_threshold_on_the_colour_bar(study, criterion, threshold):
    """A black line across the colour bar where the colours turn from safe to unsafe (the white
    centre), and there a bold tick labelled with the threshold."""
    _, results, _ = study
    frames = read_rows({key: sorted(results.glob(f"rows/*/{STUDY_TABLES[key]}.parquet")) for key in ("criteria", "safe")})
    fig = phase_diagram(frames["criteria"], frames["safe"], criterion, threshold)
    fig.draw_without_rendering()
    bar = fig.axes[-1]
    (line,) = [line for line in bar.get_lines() if same_color(line.get_color(), "black")]
    y = line.get_ydata()[0]
    tiles = fig.axes[0].collections[0]  # a row of tiles: the colour scale the bar shows
    assert tiles.norm(y) == pytest.approx(0.5)  # the white centre, between blue (safe) and red
    marked = [t for t in bar.get_yticklabels() if t.get_text() == f"{threshold:g}"]
    assert len(marked) == 1 and marked[0].get_position()[1] == pytest.approx(y) and marked[0].get_fontweight() == "bold"


def test_the_collapse_diagram_hatches_only_what_is_never_counted_safe(study):
    """Only tiles whose p(1) is a point mass are hatched (not every tile whose collapse probability
    the real sample sets, which was nearly all of them), each run of them once, and the colours
    are on a logit scale: 0 and 1 of the seeds at the ends, the threshold between."""
    _, results, _ = study
    frames = read_rows({key: sorted(results.glob(f"rows/*/{STUDY_TABLES[key]}.parquet")) for key in ("criteria", "safe")})
    tiles = frames["criteria"][frames["criteria"]["criterion"] == "collapse"]
    assert tiles["real_sample_decides"].sum() > tiles["degenerate"].sum() > 0
    fig = phase_diagram(frames["criteria"], frames["safe"], "collapse", 0.05)
    hatched = sum(bool(patch.get_hatch()) for ax in fig.axes for patch in ax.patches)
    runs = sum(len(list(plotting_runs(part.sort_values("effective_fraction")["degenerate"]))) for _, part in tiles.groupby(["n", "vocab"]))
    assert hatched == runs
    bar = fig.axes[-1]
    assert "logit" in bar.get_ylabel()
    assert [t.get_text() for t in bar.get_yticklabels()][1:3] == ["0", "1"]


@needs_chromium
def test_report_opens_on_the_grid_figure_and_alpha_table(study, tmp_path):
    """On load, without a click: the study's grid, the α*(n) figure and the α* table, with every
    number of safe_fraction.parquet in its cell and the strictest criterion of each row in bold."""
    _, results, report = study
    page = Rendered(chromium_dom(report, tmp_path / "profile"))
    cfg = yaml.safe_load((Path(__file__).parents[1] / ".test" / "config" / "config.yaml").read_text())
    grid = cfg["grid"]
    for words in (
        f"study {cfg['study']}",
        "Scenario mixed",
        "n ∈ {" + ", ".join(map(str, grid["n"])) + "}",
        "vocab ∈ {" + ", ".join(map(str, grid["vocab"])) + "}",
        f"{cfg['seeds']} seeds",
        f"G = {cfg['generations']} generations",
    ):
        assert words in page.text, f"{words!r} is not on the report's opening page:\n{page.text[:2000]}"

    safe = pd.read_parquet(results / "safe_fraction.parquet")
    header, rows = expected_table(safe)
    table = alpha_table(page)
    assert [c for c, _ in table[0]] == header
    assert as_tuples(table[1:]) == rows
    for cell, _ in (c for row in rows for c in row[2:]):
        assert cell in page.text

    figure = (results / "figures" / "safe_fraction.png").read_bytes()
    assert any(src.startswith("data:image/png") and decode_data_uri(src) == figure for src in page.images), (
        "the α*(n) figure is not on the opening page"
    )


@needs_chromium
def test_results_category_lists_the_figure_first_and_shows_the_table_inline(study, tmp_path):
    """Click '1. Results' in the menu: the α*(n) figure is its first item, the α* table its second
    (α* against the tolerance the third);
    click the table's eye button: the table is shown in the page (an HTML frame), not downloaded."""
    _, results, report = study
    click = """
    const items = () => [...document.querySelectorAll("#app tbody tr")].filter((r) => r.textContent.includes(" · "));
    when(() => [...document.querySelectorAll("#app a")].find((a) => a.textContent.trim() === "1. Results"), (menu) => {
        menu.click();
        when(() => items().length && items(), (rows) => {
            document.body.dataset.listed = JSON.stringify(rows.map((r) => r.textContent.trim()));
            rows.find((r) => r.textContent.includes("α* table")).querySelector("a").click();
        });
    });
    """
    dom = chromium_dom(report, tmp_path / "profile", click)
    assert "data-failed" not in dom and 'data-listed="' in dom, "could not click through the report's menu"
    listed = json.loads(html.unescape(dom.split('data-listed="', 1)[1].split('"', 1)[0]))
    assert listed == ["1 · α*(n) figure", "2 · α* table", "3 · α* against the tolerance"], listed
    page = Rendered(dom)
    assert len(page.frames) == 1, "the α* table is not shown inline"
    shown = Rendered(decode_data_uri(page.frames[0]).decode("utf-8"), root=None)
    header, rows = expected_table(pd.read_parquet(results / "safe_fraction.parquet"))
    assert as_tuples(alpha_table(shown)[1:]) == rows


def test_study_theme_is_seaborns_white_notebook_theme():
    """The study's figures draw with seaborn's look written out as rcParams (so the figure jobs do
    not import seaborn); it must stay what seaborn itself sets."""
    import seaborn as sns
    from matplotlib import rcParams, rcParamsDefault
    from matplotlib.rcsetup import validate_cycler

    from modelcollapse.style import COLORBLIND, theme

    expected = {**sns.axes_style("white"), **sns.plotting_context("notebook")}
    expected.pop("image.cmap")  # seaborn's own colormap; the study's figures choose theirs
    expected["axes.prop_cycle"] = validate_cycler(f"cycler('color', {sns.color_palette('deep').as_hex()})")
    written = theme("study")
    written["axes.prop_cycle"] = validate_cycler(written["axes.prop_cycle"])
    assert written == expected
    assert COLORBLIND == sns.color_palette("colorblind").as_hex()
    assert rcParams["font.size"] == rcParamsDefault["font.size"]  # nothing global was changed
