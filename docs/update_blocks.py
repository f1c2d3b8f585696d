"""Write the generated blocks of the README and of the docs pages from a finished study and from
the last `make bench`, so that no number in them is typed by hand.

Each block sits between `<!-- BEGIN name -->` and `<!-- END name -->` in the file BLOCKS names
(paths from the repository root). From `results/{study}/safe_fraction.parquet`:

  results-at-a-glance     README.md              α* of the strictest criterion and of each criterion for a few (n, vocab)
  safe-fraction-example   docs/safe-fraction.md  one row of the study, every criterion: α*, its interval, bracket, analytic α*
  analytic-agreement      docs/safe-fraction.md  how often the analytic α* lies in the empirical interval

from `results/{study}/tolerance.parquet`:

  tolerance-example       docs/safe-fraction.md  that row's α* at every threshold of the sweep, and whether it is refined there

from `results/claims/claims.csv` (the `claims` target):

  claims-atlas            docs/claims.md         each claim's verdict, our value with its interval, the closed form

from the samplers study's `results/samplers/safe_fraction.parquet` (config/samplers.yaml):

  samplers-at-a-glance    README.md              per sampler, α* against n, where it stops growing and the predicted ceiling

from the configuration's schema (`modelcollapse.config.reference`, as config/README.md):

  config-reference        docs/configuration.md  every key: default, what is allowed, meaning

and from the reports `make bench` writes to benchmarks/results/ (each names its machine):

  interval-coverage       docs/safe-fraction.md  the coverage of α*'s interval and the bias of α* (benchmarks/interval_coverage.py)
  performance             docs/performance.md    the reports of the engine, analytic, aggregation and workflow benchmarks

Usage: .venv/bin/python docs/update_blocks.py [results/default] [--samplers results/samplers] [--claims results/claims]
       [--bench benchmarks/results] [--only study|samplers|claims|config|performance] [--check] [--root .]
(--check: exit 1 if a file is not what the results give, writing nothing; --root: the tree whose
README.md and docs/ pages are written, by default this repository).
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = {  # block: the file it lives in, from the repository root
    "results-at-a-glance": "README.md",
    "samplers-at-a-glance": "README.md",
    "safe-fraction-example": "docs/safe-fraction.md",
    "analytic-agreement": "docs/safe-fraction.md",
    "tolerance-example": "docs/safe-fraction.md",
    "interval-coverage": "docs/safe-fraction.md",
    "performance": "docs/performance.md",
    "config-reference": "docs/configuration.md",
    "claims-atlas": "docs/claims.md",
}
EXAMPLE_ROW = (1000, 1000)  # (n, vocab) of the worked example, when the study has it


def fmt(x, digits=3) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}g}"


def interval(low, high) -> str:
    """α*'s interval; a NaN end is 'none': the interval reaches no safe fraction."""
    return f"[{'none' if pd.isna(low) else fmt(low)}, {'none' if pd.isna(high) else fmt(high)}]"


GLANCE_N = (30, 300, 3000)  # the rows of the results-at-a-glance table, when the study has them


def at_a_glance(safe: pd.DataFrame) -> str:
    """α* [interval] per criterion for a few n and every vocab, the strictest first."""
    ns = [n for n in GLANCE_N if n in set(safe["n"].dropna())] or sorted(set(safe["n"].dropna()))[:3]
    criteria = list(dict.fromkeys(safe["criterion"]))
    lines = [
        "| n | vocab | strictest | " + " | ".join(f"`{c}`" for c in criteria) + " |",
        "|---|---|---|" + "---|" * len(criteria),
    ]
    for (n, vocab), rows in safe[safe["n"].isin(ns)].groupby(["n", "vocab"], sort=True):
        by = rows.set_index("criterion")
        strictest = by["safe_fraction"].fillna(-1).idxmin()
        cells = [f"{fmt(by.at[c, 'safe_fraction'])} {interval(by.at[c, 'ci_low'], by.at[c, 'ci_high'])}" for c in criteria]
        lines.append(f"| {n} | {vocab} | **{fmt(by.at[strictest, 'safe_fraction'])}** (`{strictest}`) | " + " | ".join(cells) + " |")
    seeds, confidence = int(safe["seeds"].iloc[0]), safe["confidence"].iloc[0]
    lines += [
        "",
        f"α\\* [{confidence:.0%} confidence interval over {seeds} seeds]: the largest effective synthetic fraction "
        "that is safe, with every smaller one, after G generations.",
    ]
    return "\n".join(lines)


def analytic_inside(safe: pd.DataFrame) -> pd.Series:
    """Whether each row's analytic α* lies in [ci_low, ci_high]. A NaN ci_low is open below (the
    interval reaches 'no safe fraction', where a NaN analytic α* lies too); both ends NaN hold
    only 'no safe fraction'."""
    alpha = safe["analytic_safe_fraction"]
    low_open, none_only = safe["ci_low"].isna(), safe["ci_low"].isna() & safe["ci_high"].isna()
    above = low_open | (alpha >= safe["ci_low"] - 1e-12)
    below = alpha <= safe["ci_high"] + 1e-12
    return (alpha.isna() & low_open) | (~none_only & above & below)


def worked_example(safe: pd.DataFrame) -> str:
    rows = safe[(safe["n"] == EXAMPLE_ROW[0]) & (safe["vocab"] == EXAMPLE_ROW[1])]
    if rows.empty:
        first = safe.iloc[0]
        rows = safe[(safe["n"] == first["n"]) & (safe["vocab"] == first["vocab"])]
    n, vocab = int(rows["n"].iloc[0]), int(rows["vocab"].iloc[0])
    lines = [
        f"Row n = {n}, vocab = {vocab} of the default study ({int(rows['seeds'].iloc[0])} seeds, "
        f"{rows['confidence'].iloc[0]:.0%} confidence interval):",
        "",
        "| criterion | threshold | α\\* | interval | conservative α\\* | largest safe synthetic count | bracket | analytic α\\* (valid?) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples():
        valid = "yes" if r.analytic_valid else "no"
        lines.append(
            f"| `{r.criterion}` | {r.threshold:g} | **{fmt(r.safe_fraction)}** | {interval(r.ci_low, r.ci_high)} | "
            f"{fmt(r.safe_fraction_conservative)} | {r.max_synthetic if not pd.isna(r.max_synthetic) else '–'} of {n} | "
            f"[{fmt(r.bracket_low)}, {fmt(r.bracket_high)}] | {fmt(r.analytic_safe_fraction)} ({valid}) |"
        )
    strictest = rows.loc[rows["safe_fraction"].fillna(-1).idxmin()]
    lines += [
        "",
        f"Read: with n = {n} samples per generation and {vocab} tokens, at most "
        f"{fmt(strictest['safe_fraction'])} of every training set can be synthetic (criterion "
        f"`{strictest['criterion']}`, the strictest here) before the model after G generations fails it.",
    ]
    return "\n".join(lines)


def tolerance_example(tolerance: pd.DataFrame, safe: pd.DataFrame) -> str:
    """The worked example's row at every threshold of the sweep: α* [interval], whether the
    probes are refined for that threshold, the analytic α*; the study's own threshold marked."""
    rows = tolerance[(tolerance["n"] == EXAMPLE_ROW[0]) & (tolerance["vocab"] == EXAMPLE_ROW[1])]
    if rows.empty:
        first = tolerance.iloc[0]
        rows = tolerance[(tolerance["n"] == first["n"]) & (tolerance["vocab"] == first["vocab"])]
    n, vocab = int(rows["n"].iloc[0]), int(rows["vocab"].iloc[0])
    own = set(zip(safe["criterion"], safe["threshold"]))
    lines = [
        f"Row n = {n}, vocab = {vocab} of the default study, every threshold of `safe.tolerance_sweep` "
        f"({int(rows['seeds'].iloc[0])} seeds, {rows['confidence'].iloc[0]:.0%} confidence interval; "
        "**bold**: the study's own threshold, the one its probes were refined for):",
        "",
        "| criterion | threshold | α\\* | interval | probes refined for it | analytic α\\* (valid?) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples():
        threshold = f"**{r.threshold:g}**" if (r.criterion, r.threshold) in own else f"{r.threshold:g}"
        refined = "yes" if r.refined else f"no: next probe {fmt(r.bracket_high)}" if not pd.isna(r.bracket_high) else "no"
        lines.append(
            f"| `{r.criterion}` | {threshold} | {fmt(r.safe_fraction)} | {interval(r.ci_low, r.ci_high)} | {refined} | "
            f"{fmt(r.analytic_safe_fraction)} ({'yes' if r.analytic_valid else 'no'}) |"
        )
    drift = rows[rows["criterion"] == "drift"].sort_values("threshold", ignore_index=True)
    mine = drift.index[[("drift", t) in own for t in drift["threshold"]]]
    if len(mine) and 0 < mine[0] < len(drift) - 1:  # the study's drift threshold and its neighbours in the sweep
        near = drift.iloc[mine[0] - 1 : mine[0] + 2]
        lines += [
            "",
            f"Read: a drift threshold of {', '.join(f'{t:g}' for t in near['threshold'])} gives α\\* "
            f"{', '.join(fmt(a) for a in near['safe_fraction'])} (analytic {', '.join(fmt(a) for a in near['analytic_safe_fraction'])}). "
            "Where the probes are not refined for a threshold, α\\* is the probe below its crossing and the analytic value "
            "the closer reading; `modelcollapse safe-fraction` with a list refines for each.",
        ]
    return "\n".join(lines)


def agreement(safe: pd.DataFrame) -> str:
    inside = analytic_inside(safe)
    lines = ["| criterion | rows where the analytic α\\* claims validity | of which inside the empirical interval |", "|---|---|---|"]
    for criterion, group in safe.groupby("criterion", sort=False):
        valid = group["analytic_valid"].astype(bool)
        k, m = int(inside[group.index][valid].sum()), int(valid.sum())
        share = f"{k / m:.0%}" if m else "–"
        lines.append(f"| `{criterion}` | {m} of {len(group)} | {k} ({share}) |")
    return "\n".join(lines)


SAMPLERS_CRITERION = "drift"  # the criterion whose α* has a ceiling under a biased sampler (docs/samplers.md)


def overlap(a, b) -> bool:
    """Whether two intervals (low, high) of α* meet; a NaN low end is open down to 0."""
    low = lambda x: 0.0 if pd.isna(x[0]) else x[0]  # noqa: E731
    return not (pd.isna(a[1]) or pd.isna(b[1])) and low(a) <= b[1] and low(b) <= a[1]


def plateau(rows: pd.DataFrame) -> tuple:
    """(n_before, n_stop): α* stops growing between these sizes — n_stop is the smallest n of the
    grid from which α*'s interval at every larger n meets the interval at the largest n, so no
    later growth is detected; n_before the grid's n before it (None at the first). n_stop is the
    largest n when α* is still growing there (nothing to tell then)."""
    rows = rows.sort_values("n", ignore_index=True)
    last = (rows["ci_low"].iloc[-1], rows["ci_high"].iloc[-1])
    stop = len(rows) - 1
    while stop > 0 and overlap((rows["ci_low"].iloc[stop - 1], rows["ci_high"].iloc[stop - 1]), last):
        stop -= 1
    return (int(rows["n"].iloc[stop - 1]) if stop else None), int(rows["n"].iloc[stop])


def samplers_at_a_glance(safe: pd.DataFrame) -> str:
    """Per sampler: α* [interval] of `SAMPLERS_CRITERION` at every n, where it stops growing, its
    value there at the largest n, and the ceiling the large-n limit predicts (`sampler_ceiling`)."""
    safe = safe[safe["criterion"] == SAMPLERS_CRITERION]
    ns = sorted(set(safe["n"].dropna().astype(int)))
    lines = [
        "| sampler | " + " | ".join(f"n = {n}" for n in ns) + " | α\\* stops growing | α\\* at n = " + f"{ns[-1]} | predicted ceiling |",
        "|---|" + "---|" * (len(ns) + 3),
    ]
    for sampler, rows in safe.groupby("sampler", sort=False):
        by = rows.set_index("n")
        cells = [f"{fmt(by.at[n, 'safe_fraction'])} {interval(by.at[n, 'ci_low'], by.at[n, 'ci_high'])}" for n in ns]
        before, stop = plateau(rows)
        # every count whose p(1) is no point mass (two real samples or more) is safe: nothing left to grow
        top = rows["max_synthetic"].astype(float) >= rows["n"] - 2
        if top.any():
            stops = f"reaches the largest α\\* a row has (n − 2 synthetic samples) at n = {int(rows.loc[top, 'n'].min())}"
        elif stop == ns[-1]:
            stops = f"still growing at n = {stop}"
        else:
            stops = f"n in ({before}, {stop}]" if before is not None else f"by n = {stop}"
        last = by.loc[ns[-1]]
        ceiling = by["sampler_ceiling"].iloc[0]
        predicted = "none (grows with n)" if pd.isna(ceiling) else f"**{fmt(ceiling)}**"
        lines.append(
            f"| `{sampler}` | " + " | ".join(cells) + f" | {stops} | **{fmt(last['safe_fraction'])}** "
            f"{interval(last['ci_low'], last['ci_high'])} | {predicted} |"
        )
    first = safe.iloc[0]
    lines += [
        "",
        f"α\\* of `{SAMPLERS_CRITERION}` ≤ {first['threshold']:g} [{first['confidence']:.0%} confidence interval over "
        f"{int(first['seeds'])} seeds], vocab {int(first['vocab'])}. α\\* stops growing between the two sizes named: from the "
        "second on, α\\*'s interval at every larger n meets its interval at the largest n. The predicted ceiling is "
        "`sampler_ceiling`, the limit of α\\* as n → ∞ from the fixed point of the large-n limit "
        "([docs/samplers.md](docs/samplers.md#the-ceiling-on-α)).",
    ]
    return "\n".join(lines)


BENCHMARKS = {  # report file: what it measures
    "simulate.txt": "Engine throughput and whole processes (`benchmarks/simulate.py`)",
    "startup.txt": "A job's start-up and imports (`benchmarks/startup.py`)",
    "analytic.txt": "Analytic α\\* of one row (`benchmarks/analytic.py`)",
    "aggregation.txt": "One full-size row of `config/large.yaml` (`benchmarks/aggregation.py`)",
    "critical_path.txt": "The critical path of `config/large.yaml`, and a refinement-dominated row on 1 and 2 cores (`benchmarks/critical_path.py`)",
    "workflow.txt": "The default study, start to finish (`benchmarks/workflow.py`)",
    "workflow_1000_seeds.txt": "The same study with 1000 seeds per cell (`benchmarks/workflow.py --seeds 1000`)",
}


def performance(reports: Path) -> str:
    """The benchmark reports, verbatim, each under its heading."""
    parts = []
    for name, title in BENCHMARKS.items():
        path = reports / name
        if path.exists():
            parts += [f"**{title}**", "", "```text", path.read_text().rstrip(), "```", ""]
    return "\n".join(parts).rstrip()


def coverage(reports: Path) -> str:
    """The coverage report, verbatim."""
    path = reports / "interval_coverage.txt"
    return "\n".join(["```text", path.read_text().rstrip(), "```"])


def claims_atlas(claims: pd.DataFrame) -> str:
    """claims.csv as a Markdown table: the claim, what we measured, our value [interval], the
    closed form and z, the verdict."""
    lines = ["| claim | measured | ours [± z_max SE] | closed form (z) | verdict |", "|---|---|---|---|---|"]
    for row in claims.itertuples(index=False):
        closed = f"{fmt(row.closed_form, 4)} (z = {fmt(row.z, 2)})"
        lines.append(
            f"| `{row.claim}` | {row.measured} | {fmt(row.value, 4)} [{fmt(row.low, 4)}, {fmt(row.high, 4)}] | {closed} | **{row.verdict}** |"
        )
    return "\n".join(lines)


def render(text: str, blocks: dict, name_of_file: str) -> str:
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"{name_of_file} has no block '{name}'")
        text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", default="results/default")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--root", default=str(ROOT), help="the tree whose README.md and docs/ pages are written")
    parser.add_argument("--samplers", default="results/samplers", help="the samplers study (config/samplers.yaml)")
    parser.add_argument("--bench", default=str(ROOT / "benchmarks" / "results"), help="the reports of `make bench`")
    parser.add_argument(
        "--only",
        choices=("study", "samplers", "claims", "config", "performance"),
        help="write only the study's blocks, the samplers study's, the claims atlas', the configuration's, or the benchmarks'",
    )
    parser.add_argument("--claims", default="results/claims", help="the results of the `claims` target")
    args = parser.parse_args()
    blocks = {}
    if args.only in (None, "config"):
        from modelcollapse.config import reference

        table = reference().split("\n| key |", 1)[1]
        blocks["config-reference"] = ("| key |" + table).rstrip()
    if args.only in (None, "study"):
        safe = pd.read_parquet(Path(args.results) / "safe_fraction.parquet")
        blocks.update(
            {
                "results-at-a-glance": at_a_glance(safe),
                "safe-fraction-example": worked_example(safe),
                "analytic-agreement": agreement(safe),
                "tolerance-example": tolerance_example(pd.read_parquet(Path(args.results) / "tolerance.parquet"), safe),
            }
        )
    if args.only == "claims" or (args.only is None and (Path(args.claims) / "claims.csv").is_file()):
        blocks["claims-atlas"] = claims_atlas(pd.read_csv(Path(args.claims) / "claims.csv"))
    if args.only == "samplers" or (args.only is None and Path(args.samplers).is_dir()):
        blocks["samplers-at-a-glance"] = samplers_at_a_glance(pd.read_parquet(Path(args.samplers) / "safe_fraction.parquet"))
    if args.only == "performance" or (args.only is None and Path(args.bench).is_dir()):
        bench = Path(args.bench)  # each block from the reports there are
        if any((bench / name).exists() for name in BENCHMARKS):
            blocks["performance"] = performance(bench)
        if (bench / "interval_coverage.txt").exists():
            blocks["interval-coverage"] = coverage(bench)
        if not {"performance", "interval-coverage"} & set(blocks):
            sys.exit(f"{bench}: no benchmark reports; run `make bench`")
    by_file = {}
    for name, body in blocks.items():
        by_file.setdefault(BLOCKS[name], {})[name] = body
    stale = []
    for name_of_file, file_blocks in by_file.items():
        path = Path(args.root) / name_of_file
        text = path.read_text()
        new = render(text, file_blocks, name_of_file)
        if args.check:
            stale += [name_of_file] if new != text else []
            continue
        path.write_text(new)
        print(f"{path}: blocks {', '.join(file_blocks)} written")
    if stale:
        sys.exit(f"{', '.join(stale)} differ from what the results give: run docs/update_blocks.py")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
