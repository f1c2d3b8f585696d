"""Write the README's result blocks from a finished study and from the last `make bench`, so that
no number in them is typed by hand.

Each block sits between `<!-- BEGIN name -->` and `<!-- END name -->` in README.md. From
`results/{study}/safe_fraction.parquet`:

  results-at-a-glance     α* of the strictest criterion and of each criterion for a few (n, vocab)
  safe-fraction-example   one row of the study, every criterion: α*, its interval, bracket, analytic α*
  analytic-agreement      how often the analytic α* lies in the empirical interval (widened by 1/n)

and from the reports `make bench` writes to benchmarks/results/ (each names its machine):

  performance             the reports of the engine, analytic, aggregation and workflow benchmarks

Usage: .venv/bin/python docs/update_readme.py [results/default] [--bench benchmarks/results] [--only performance] [--check]
(--check: exit 1 if README.md is not what the results give, writing nothing).
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_ROW = (1000, 1000)  # (n, vocab) of the worked example, when the study has it


def fmt(x, digits=3) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}g}"


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
        cells = [f"{fmt(by.at[c, 'safe_fraction'])} [{fmt(by.at[c, 'ci_low'])}, {fmt(by.at[c, 'ci_high'])}]" for c in criteria]
        lines.append(f"| {n} | {vocab} | **{fmt(by.at[strictest, 'safe_fraction'])}** (`{strictest}`) | " + " | ".join(cells) + " |")
    seeds, confidence = int(safe["seeds"].iloc[0]), safe["confidence"].iloc[0]
    lines += ["", f"α\\* [{confidence:.0%} bootstrap interval over {seeds} seeds]: the largest effective synthetic fraction "
              "that is safe, with every smaller one, after G generations."]
    return "\n".join(lines)


def analytic_inside(safe: pd.DataFrame) -> pd.Series:
    """Whether each row's analytic α* lies in [ci_low − 1/n, ci_high + 1/n] (NaN ci_low: 0)."""
    size = safe["n"].fillna(safe["n_real"]).astype(float)
    low = safe["ci_low"].fillna(0.0) - 1 / size
    high = safe["ci_high"] + 1 / size
    return (safe["analytic_safe_fraction"] >= low - 1e-12) & (safe["analytic_safe_fraction"] <= high + 1e-12)


def worked_example(safe: pd.DataFrame) -> str:
    rows = safe[(safe["n"] == EXAMPLE_ROW[0]) & (safe["vocab"] == EXAMPLE_ROW[1])]
    if rows.empty:
        first = safe.iloc[0]
        rows = safe[(safe["n"] == first["n"]) & (safe["vocab"] == first["vocab"])]
    n, vocab = int(rows["n"].iloc[0]), int(rows["vocab"].iloc[0])
    lines = [
        f"Row n = {n}, vocab = {vocab} of the default study ({int(rows['seeds'].iloc[0])} seeds, "
        f"{rows['confidence'].iloc[0]:.0%} bootstrap interval):",
        "",
        "| criterion | threshold | α\\* | interval | conservative α\\* | largest safe synthetic count | bracket | analytic α\\* (valid?) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples():
        valid = "yes" if r.analytic_valid else "no"
        lines.append(
            f"| `{r.criterion}` | {r.threshold:g} | **{fmt(r.safe_fraction)}** | [{fmt(r.ci_low)}, {fmt(r.ci_high)}] | "
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


def agreement(safe: pd.DataFrame) -> str:
    inside = analytic_inside(safe)
    lines = ["| criterion | rows where the analytic α\\* claims validity | of which inside the empirical interval (± 1/n) |", "|---|---|---|"]
    for criterion, group in safe.groupby("criterion", sort=False):
        valid = group["analytic_valid"].astype(bool)
        k, m = int(inside[group.index][valid].sum()), int(valid.sum())
        share = f"{k / m:.0%}" if m else "–"
        lines.append(f"| `{criterion}` | {m} of {len(group)} | {k} ({share}) |")
    return "\n".join(lines)


BENCHMARKS = {  # report file: what it measures
    "simulate.txt": "Engine throughput and whole processes (`benchmarks/simulate.py`)",
    "startup.txt": "A job's start-up and imports (`benchmarks/startup.py`)",
    "analytic.txt": "Analytic α\\* of one row (`benchmarks/analytic.py`)",
    "aggregation.txt": "One full-size row of `config/large.yaml` (`benchmarks/aggregation.py`)",
    "workflow.txt": "The default study, start to finish (`benchmarks/workflow.py`)",
    "workflow_1000_seeds.txt": "The same study with 1000 seeds per cell (`benchmarks/workflow.py --seeds 1000`)",
}


def performance(reports: Path) -> str:
    """The benchmark reports, verbatim, each under its heading."""
    parts = []
    for name, title in BENCHMARKS.items():
        path = reports / name
        if path.exists():
            parts += [f"**{title}**", "", "```", path.read_text().rstrip(), "```", ""]
    if not parts:
        sys.exit(f"{reports}: no benchmark reports; run `make bench`")
    return "\n".join(parts).rstrip()


def render(text: str, blocks: dict) -> str:
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"README.md has no block '{name}'")
        text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", default="results/default")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--readme", default=str(ROOT / "README.md"))
    parser.add_argument("--bench", default=str(ROOT / "benchmarks" / "results"), help="the reports of `make bench`")
    parser.add_argument("--only", choices=("study", "performance"), help="write only the study's blocks, or only the performance block")
    args = parser.parse_args()
    blocks = {}
    if args.only != "performance":
        safe = pd.read_parquet(Path(args.results) / "safe_fraction.parquet")
        blocks.update({"results-at-a-glance": at_a_glance(safe), "safe-fraction-example": worked_example(safe),
                       "analytic-agreement": agreement(safe)})
    if args.only == "performance" or (args.only is None and Path(args.bench).is_dir()):
        blocks["performance"] = performance(Path(args.bench))
    readme = Path(args.readme)
    text = readme.read_text()
    new = render(text, blocks)
    if args.check:
        sys.exit(0 if new == text else "README.md differs from what the results give: run docs/update_readme.py")
    readme.write_text(new)
    print(f"{readme}: blocks {', '.join(blocks)} written")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
