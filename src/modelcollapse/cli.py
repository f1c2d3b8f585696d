"""Command line of the modelcollapse library (also `python -m modelcollapse`).

  safe-fraction   how much synthetic data is safe for my n (or N real samples) and vocabulary?
  simulate        simulate the replicates of grid cells; writes the Parquet tables the workflow writes
  initial         write the initial distribution p(0) of one vocabulary
  counts          count the tokens of a text: the token,count file --initial file reads
  config          print every key's default as YAML, or (--reference) config/README.md

Each subcommand imports only what it uses (`simulate` NumPy, pyarrow and the compiled engine), so a workflow
job starts fast.
"""

import argparse
import os
import sys
import time
import warnings

from ._version import __version__
from .config import DEFAULTS
from .core.corpus import TOKENIZERS
from .core.initial import INITIAL_KEYS, INITIAL_KINDS
from .core.simulate import SCENARIOS, Cell
from .study.safe import CRITERIA, DEFAULT_THRESHOLDS, LARGER_IS_WORSE, STATISTIC


class DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help with each flag's default, for the flags that have one: no "(default: None)" on flags
    that are unset unless given, nor "(default: False)" on switches."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        if isinstance(action.default, list):  # as it is typed: --criteria drift collapse
            return f"{action.help} (default: {' '.join(map(str, action.default))})"
        return super()._get_help_string(action)


FORMATTER = DefaultsFormatter


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelcollapse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    safe = sub.add_parser(
        "safe-fraction",
        formatter_class=FORMATTER,
        help="the maximum safe synthetic fraction of one (n, vocab) or (N real samples, vocab)",
        description="α* per criterion with its confidence interval and the analytic value, by the estimator and "
        "refinement the workflow uses (docs/safe-fraction.md).",
    )
    size = safe.add_mutually_exclusive_group(required=True)
    size.add_argument("--n", type=int, help="training-set size per generation: the budget frame")
    size.add_argument("--n-real", type=int, help="real samples kept in every generation: the real-data frame")
    safe.add_argument("--vocab", type=int, help="vocabulary size (>= 2); --initial file sets it")
    safe.add_argument("--scenario", choices=SCENARIOS, default=DEFAULTS["scenario"], help="how each generation is trained (docs/model.md)")
    safe.add_argument("--window", type=int, help="K for scenario window (1 … n)")
    _sampler_flag(safe)
    _initial_flags(safe)
    safe.add_argument("--generations", type=int, default=DEFAULTS["generations"], help="last generation G, where the criteria are judged")
    safe.add_argument("--seeds", type=int, default=DEFAULTS["seeds"], help="replicates per probed cell")
    safe.add_argument("--criteria", nargs="+", choices=CRITERIA, default=list(CRITERIA), help="criteria to refine and report")
    for criterion in CRITERIA:
        bound = "largest" if LARGER_IS_WORSE[criterion] else "smallest"
        safe.add_argument(
            f"--{criterion.replace('_', '-')}",
            default=DEFAULT_THRESHOLDS[criterion],
            metavar="T[,T...]",
            help=f"threshold: {bound} {STATISTIC[criterion]}; a comma-separated list gives α* at each",
        )
    safe.add_argument(
        "--confidence",
        type=float,
        default=DEFAULTS["safe"]["confidence"],
        help="level of α*'s interval (and one-sided level of the conservative α*)",
    )
    safe.add_argument(
        "--resolution",
        type=float,
        default=DEFAULTS["safe"]["resolution"],
        help="opt-in coarsening: stop refining a bracket at this width in effective fraction "
        "(default: adjacent counts, or a tenth of the interval's width)",
    )
    safe.add_argument("--analytic-only", action="store_true", help="closed forms only, no simulation (scenario mixed)")
    safe.add_argument("--json", action="store_true", help="print the table as JSON records")
    safe.add_argument("--quiet", action="store_true", help="no progress on stderr")
    safe.set_defaults(run=safe_fraction_command, subparser=safe)

    sim = sub.add_parser("simulate", formatter_class=FORMATTER, help="simulate the replicates of grid cells")
    sim.add_argument("--scenario", choices=SCENARIOS, default=DEFAULTS["scenario"], help="how each generation is trained (docs/model.md)")
    size = sim.add_mutually_exclusive_group(required=True)
    size.add_argument("--n", type=int, help="training-set size per generation (>= 1): the budget frame")
    size.add_argument("--n-real", type=int, help="real samples kept (>= 0): the real-data frame, with --n-synthetic")
    sim.add_argument("--vocab", type=int, help="vocabulary size (>= 2); --initial file sets it")
    amount = sim.add_mutually_exclusive_group(required=True)
    amount.add_argument(
        "--synthetic-fraction",
        type=float,
        nargs="+",
        help="alpha in [0, 1], with --n (n_real = floor((1 - alpha) n + 1/2)); several values, several cells",
    )
    amount.add_argument("--n-synthetic", type=int, nargs="+", help="synthetic samples per generation; several values, several cells")
    sim.add_argument("--seeds", type=int, required=True, help="number of replicates (>= 1)")
    sim.add_argument("--first-seed", type=int, default=0, help="replicates are first-seed … first-seed+seeds-1")
    sim.add_argument("--generations", type=int, required=True, help="last generation G (>= 1)")
    _initial_flags(sim)
    sim.add_argument("--window", type=int, help="K for scenario window (1 … n)")
    _sampler_flag(sim)
    sim.add_argument("--out", help="directory for sims.parquet and initial.parquet")
    sim.add_argument("--sims-file", help="path of the sims table (overrides --out)")
    sim.add_argument("--initial-file", help="path of the initial table (overrides --out; not written with --sims-file alone)")
    sim.add_argument("--quiet", action="store_true", help="no progress and no summary on stderr")
    sim.set_defaults(run=simulate_command, subparser=sim)

    ini = sub.add_parser("initial", formatter_class=FORMATTER, help="write the initial distribution p(0) of one vocabulary")
    ini.add_argument("--vocab", type=int, help="vocabulary size (>= 2); --initial file sets it")
    _initial_flags(ini)
    ini.add_argument("--initial-file", required=True, help="path of the initial table")
    ini.set_defaults(run=initial_command, subparser=ini)

    cnt = sub.add_parser(
        "counts",
        formatter_class=FORMATTER,
        help="count the tokens of a text: the token,count file --initial file reads",
        description="Token counts of a UTF-8 text, most frequent first: from your text to alpha* in two commands, "
        "`counts CORPUS --tokenizer words --out counts.csv`, then `safe-fraction --initial file --initial-path counts.csv --n N` "
        "(docs/usage.md).",
    )
    cnt.add_argument("corpus", help="a UTF-8 text file")
    cnt.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        required=True,
        help="chars: every character; words: runs of letters, digits and _ (Unicode, case kept); "
        "bpe: a byte-level BPE trained on the corpus (the corpus extra: pip install 'modelcollapse[corpus]')",
    )
    cnt.add_argument(
        "--vocab-size",
        type=int,
        metavar="K",
        help="keep only the K most frequent tokens; with bpe, also the size of the vocabulary trained (required)",
    )
    cnt.add_argument("--tokenizer-file", help="a tokenizer.json to count with instead of training one (--tokenizer bpe)")
    cnt.add_argument("--out", required=True, help="the CSV to write (columns token, count)")
    cnt.set_defaults(run=counts_command, subparser=cnt)

    cfg = sub.add_parser("config", formatter_class=FORMATTER, help="print the configuration's defaults or its reference")
    cfg.add_argument("--reference", action="store_true", help="the reference of every key (config/README.md) in Markdown")
    cfg.set_defaults(run=config_command, subparser=cfg)
    return parser


def _sampler_flag(parser) -> None:
    """--sampler SPEC, checked with the rest by `config.check_entry` (grid.sampler)."""
    parser.add_argument(
        "--sampler",
        default=DEFAULTS["grid"]["sampler"][0],
        metavar="SPEC",
        help="how synthetic samples are drawn from a model: exact, temperature:T, top_k:K, top_p:Q, or several "
        "comma-separated, e.g. temperature:0.7,top_p:0.9 (docs/samplers.md); real samples never pass through it",
    )


def _initial_flags(parser) -> None:
    """The flags that choose p(0), shared by every subcommand that needs it."""
    parser.add_argument("--initial", choices=INITIAL_KINDS, default=DEFAULTS["initial"]["kind"], help="kind of the initial distribution")
    parser.add_argument("--exponent", type=float, help=f"zipf exponent (>= 0; --initial zipf, default {DEFAULTS['initial']['exponent']})")
    parser.add_argument("--support", type=int, help="tokens with p > 0 (2 … vocab; default all)")
    parser.add_argument("--s0", type=float, help="target sum of p^2 (--initial target)")
    parser.add_argument("--concentration", type=float, help="dirichlet concentration (> 0; --initial dirichlet, default 1)")
    parser.add_argument("--initial-path", help="CSV or Parquet of token counts or probabilities (--initial file)")
    parser.add_argument("--root-seed", type=int, default=DEFAULTS["root_seed"], help="root of every random stream (>= 0)")


def _fail(parser, message: str) -> None:
    """A one-line error naming the flag and what is allowed (no usage dump), exit status 2."""
    parser.exit(2, f"{parser.prog}: error: {message}\n")


# Which initial kinds each flag applies to: a flag given for another kind is an error.
APPLIES = {
    "initial_path" if key == "path" else key: tuple(kind for kind, keys in INITIAL_KEYS.items() if key in keys)
    for key in dict.fromkeys(key for keys in INITIAL_KEYS.values() for key in keys)
}


def _check_applicable(args, parser) -> None:
    for key, kinds in APPLIES.items():
        if getattr(args, key) is not None and args.initial not in kinds:
            _fail(parser, f"--{key.replace('_', '-')} applies to --initial {' or '.join(kinds)}, not {args.initial}")


FLAGS = (
    "synthetic_fraction",
    "generations",
    "concentration",
    "root_seed",
    "exponent",
    "support",
    "scenario",
    "window",
    "vocab",
    "seeds",
    "s0",
    "n_real",
    "n_synthetic",
    "n",
    "path",
    "vocab_size",
    "tokenizer_file",
    "tokenizer",
)


def _flag_message(message: str) -> str:
    """Library errors start with the parameter name; show it as the command-line flag."""
    for key in FLAGS:
        if message.startswith(key + " "):
            flag = "initial_path" if key == "path" else key
            return "--" + flag.replace("_", "-") + message[len(key) :]
    return message


def _checked(args, parser, **row) -> tuple:
    """The command's flags checked as the study of one row (`config.check_entry`, the check the
    workflow and the Python API make), and its p⁽⁰⁾; the first problem, under its flag, ends
    the command (exit status 2). `row` holds the command's own keys (n or n_real, fractions or
    counts, seeds, generations, thresholds …)."""
    from .config import ConfigError, check_entry, row_config
    from .core.initial import from_config

    flags = {
        "exponent": args.exponent,
        "support": args.support,
        "s0": args.s0,
        "concentration": args.concentration,
        "path": args.initial_path,
    }
    initial = {"kind": args.initial, **{key: value for key, value in flags.items() if value is not None}}
    try:
        config = check_entry(
            row_config(vocab=args.vocab, initial=initial, scenario=args.scenario, window=args.window, root_seed=args.root_seed, **row),
            "cli",
        )
        return config, from_config(config["initial"], config["grid"]["vocab"][0], config["root_seed"])
    except ConfigError as err:
        _fail(parser, err.problems[0])
    except ValueError as err:
        _fail(parser, _flag_message(str(err)))


class Progress:
    """One updating line on stderr for runs longer than a couple of seconds: done / total, rate,
    time left (done, rate and elapsed time when the total is not known in advance). Silent when
    quiet or when stderr is not a terminal."""

    def __init__(self, total: int, unit: str, quiet: bool = False, after: float = 2.0):
        self.total, self.unit, self.after = total, unit, after
        self.enabled = not quiet and sys.stderr.isatty()
        self.start = time.perf_counter()
        self.done, self.shown = 0, False

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        elapsed = time.perf_counter() - self.start
        if not self.enabled or elapsed < self.after:
            return
        rate = self.done / elapsed
        if self.total > 0:  # known amount of work: time left too
            left = (self.total - self.done) / rate if rate > 0 and self.total > self.done else 0.0
            sys.stderr.write(f"\r{self.done}/{self.total} {self.unit}  {rate:.3g}/s  {left:.0f} s left   ")
        else:  # refinement decides as it goes how much there is
            sys.stderr.write(f"\r{self.done} {self.unit}  {rate:.3g}/s  {elapsed:.0f} s   ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _writable(path: str, flag: str, parser, is_folder: bool = False) -> None:
    """Refuse an output path (a file, or a folder) whose folder cannot be created or written,
    before any work."""
    folder = os.path.abspath(path) if is_folder else os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        _fail(parser, f"{flag} {path}: cannot create {folder} ({err.strerror})")
    if not os.access(folder, os.W_OK | os.X_OK):
        _fail(parser, f"{flag} {path}: {folder} is not writable")


# --- safe-fraction -----------------------------------------------------------------------------


def safe_fraction_command(args, parser) -> None:
    import json

    _check_applicable(args, parser)
    if args.analytic_only and args.scenario != "mixed":
        _fail(parser, "--analytic-only: the closed forms describe --scenario mixed only")
    thresholds = _thresholds(args, parser)
    config, p0 = _checked(
        args,
        parser,
        n=args.n,
        n_real=args.n_real,
        seeds=args.seeds,
        generations=args.generations,
        thresholds={c: t[0] if isinstance(t, list) else t for c, t in thresholds.items()},  # a list: each item checked above
        confidence=args.confidence,
        resolution=args.resolution,
        sampler=args.sampler,
    )
    args.sampler = config["grid"]["sampler"][0]  # canonical, as the table has it
    options = dict(
        scenario=args.scenario,
        window=args.window,
        generations=args.generations,
        thresholds=thresholds,
        resolution=args.resolution,
        sampler=args.sampler,
    )
    try:
        if args.analytic_only:
            rows = _analytic_rows(args, p0, options)
        else:
            from .study.answers import safe_fraction
            from .study.safe import seed_shortfalls

            for message in seed_shortfalls(args.seeds, thresholds, args.confidence):
                print(f"note: {message}", file=sys.stderr)
            progress = Progress(0, "cells simulated", args.quiet)
            with warnings.catch_warnings():  # the same shortfalls, said above as notes
                warnings.simplefilter("ignore", UserWarning)
                table = safe_fraction(
                    p0=p0,
                    n=args.n,
                    n_real=args.n_real,
                    seeds=args.seeds,
                    root_seed=args.root_seed,
                    confidence=args.confidence,
                    criteria=args.criteria,
                    on_probe=lambda _: progress.advance(),
                    **options,
                )
            progress.close()
            rows = [{k: _plain(v) for k, v in r.items()} for r in table.to_dict(orient="records")]
    except ValueError as err:
        _fail(parser, _flag_message(str(err)))
    rows = [r for r in rows if r["criterion"] in args.criteria]
    listed = any(isinstance(t, list) for t in thresholds.values())
    if args.analytic_only and not listed:  # one threshold per criterion: the analytic table as it always was
        rows = [{k: v for k, v in r.items() if k != "threshold"} for r in rows]
    if args.json:
        print(json.dumps(rows, indent=1, allow_nan=False, default=str))
    else:
        print(_format(rows, args, p0.size, listed))


def _thresholds(args, parser) -> dict:
    """{criterion: threshold} from the threshold flags: a number, or a list of them from a
    comma-separated list (α* at each threshold)."""
    from .study.safe import threshold_problem

    thresholds = {}
    for criterion in CRITERIA:
        flag, text = f"--{criterion.replace('_', '-')}", getattr(args, criterion)
        values = []
        for item in str(text).split(","):
            try:
                values.append(float(item))
            except ValueError:
                _fail(
                    parser,
                    f"{flag}: {item.strip()!r} in {text!r}; allowed: a number or a comma-separated list of numbers, e.g. 0.05,0.1,0.2",
                )
        if problem := threshold_problem(criterion, values, "cli"):
            _fail(parser, problem)
        thresholds[criterion] = values[0] if len(values) == 1 else values
    return thresholds


def _plain(value):
    """A table value as JSON has it: None for NaN and NA, Python numbers for NumPy's."""
    value = value.item() if hasattr(value, "item") else value
    if value is None or str(value) == "<NA>" or (isinstance(value, float) and value != value):
        return None
    return value


def _analytic_rows(args, p0, options) -> list[dict]:
    """The analytic columns without pandas, so the answer comes in well under a second."""
    from .study.analytic import analytic_safe_fractions
    from .study.safe import DEFAULT_N_SYNTHETIC, Row

    frame = "budget" if args.n is not None else "real_data"
    row = Row("mixed", frame, args.n if args.n is not None else args.n_real, p0.size, sampler=options["sampler"])
    grid = row.probes({**DEFAULTS["grid"], "n_synthetic": DEFAULT_N_SYNTHETIC})
    rows = analytic_safe_fractions(row, p0, options["generations"], options["thresholds"], list(grid), options["resolution"])
    return [{k: _plain(v) for k, v in {**row.identity, **r}.items()} for r in rows]


def _num(value, digits=3) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}g}"


def _end(value) -> str:
    """An end of α*'s interval: NaN (None) is 'none', the interval reaching no safe fraction."""
    return "none" if value is None or value != value else _num(value)


def _format(rows: list[dict], args, vocab: int, listed: bool = False) -> str:
    """A table a person reads: one line per criterion, then the strictest; with a list of
    thresholds (`listed`), one line per criterion and threshold, and no strictest."""
    size = f"n = {args.n}" if args.n is not None else f"N = {args.n_real} real samples kept"
    lines = [
        f"alpha* (maximum safe synthetic fraction) for {size}, vocab = {vocab}: scenario {args.scenario}, "
        f"initial {args.initial}, G = {args.generations}"
        + ("" if args.analytic_only else f", {args.seeds} seeds, root seed {args.root_seed}")
        + ("" if args.sampler == "exact" else f", synthetic data sampled {args.sampler}"),
    ]
    if args.analytic_only:
        header = ("criterion", "analytic alpha*", "valid", "method")
        body = [
            (r["criterion"], _num(r["analytic_safe_fraction"]), "yes" if r["analytic_valid"] else "no", r["analytic_method"]) for r in rows
        ]
    else:
        header = (
            "criterion",
            "alpha*",
            f"{args.confidence:.0%} interval",
            "conservative",
            "largest safe synthetic count",
            "analytic (valid)",
        )
        body = [
            (
                r["criterion"],
                _num(r["safe_fraction"]),
                f"[{_end(r['ci_low'])}, {_end(r['ci_high'])}]",
                _num(r["safe_fraction_conservative"]),
                "–" if r["max_synthetic"] is None else str(r["max_synthetic"]),
                f"{_num(r['analytic_safe_fraction'])} ({'yes' if r['analytic_valid'] else 'no'})",
            )
            for r in rows
        ]
    if args.sampler != "exact":  # the analytic limit of α* as n grows (docs/samplers.md)
        header = (*header, "ceiling as n grows")
        body = [(*line, _num(r["sampler_ceiling"])) for line, r in zip(body, rows)]
    if listed:  # the threshold beside each criterion
        header = (header[0], "threshold", *header[1:])
        body = [(line[0], f"{r['threshold']:g}", *line[1:]) for line, r in zip(body, rows)]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *body)]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in (header, *body)]
    key = "analytic_safe_fraction" if args.analytic_only else "safe_fraction"
    known = [r for r in rows if r[key] is not None and r[key] == r[key]]
    if known and not listed:  # across thresholds of one criterion, the lowest α* says nothing
        strictest = min(known, key=lambda r: r[key])
        lines.append(f"strictest: {strictest['criterion']} (alpha* = {_num(strictest[key])})")
    label = (lambda r: f"{r['criterion']} {r['threshold']:g}") if listed else (lambda r: r["criterion"])
    lines += [f"note ({label(r)}): {r['note']}" for r in rows if r.get("note")]
    return "\n".join(lines)


# --- simulate and initial ------------------------------------------------------------------------


def initial_command(args, parser) -> None:
    from .core.io import initial_table, write_parquet

    args.scenario, args.window = "mixed", None
    _check_applicable(args, parser)
    _writable(args.initial_file, "--initial-file", parser)
    _, p0 = _checked(args, parser, n=1, generations=1, seeds=1)  # p(0) alone: the smallest row
    try:
        write_parquet(initial_table(p0), args.initial_file)
    except (OSError, ValueError) as err:
        _fail(parser, f"cannot write the results: {err}")


SEED_CHUNK = 250  # replicates per progress step; results do not depend on it (per-replicate streams)


def simulate_command(args, parser) -> None:
    _check_applicable(args, parser)
    if not (args.out or args.sims_file):
        _fail(parser, "give --out DIR, or --sims-file (and optionally --initial-file)")
    if args.n_real is not None and args.synthetic_fraction is not None:
        _fail(parser, "--n-real takes --n-synthetic (the real-data frame), not --synthetic-fraction")
    if args.n is not None and args.n_synthetic is not None and not all(0 <= k <= args.n for k in args.n_synthetic):
        _fail(parser, f"--n-synthetic must be integers in [0, n={args.n}] with --n, got {args.n_synthetic}")
    if not 0 <= args.first_seed <= 2**32 - max(args.seeds, 1):
        _fail(parser, f"--first-seed: {args.first_seed} with --seeds {args.seeds}; allowed: 0 … 2^32 − seeds (seed indices are 32-bit)")
    budget_counts = args.n is not None and args.n_synthetic is not None  # cells of one n given by their counts
    config, p0 = _checked(
        args,
        parser,
        n=args.n,
        n_real=args.n_real,
        fractions=[k / args.n for k in args.n_synthetic] if budget_counts else args.synthetic_fraction,
        counts=None if budget_counts else args.n_synthetic,
        log_real_shares=False,
        seeds=args.seeds,
        generations=args.generations,
        sampler=args.sampler,
    )
    args.sampler = config["grid"]["sampler"][0]  # canonical: what the table and its provenance record
    vocab = p0.size
    try:
        if args.synthetic_fraction is not None:
            cells = [Cell(args.scenario, args.n, vocab, a, args.window, sampler=args.sampler) for a in args.synthetic_fraction]
        else:
            cells = [
                Cell.from_counts(args.scenario, vocab, args.n_real if args.n is None else args.n - k, k, args.window, sampler=args.sampler)
                for k in args.n_synthetic
            ]
    except ValueError as err:
        _fail(parser, _flag_message(str(err)))
    sims_path = args.sims_file or f"{args.out}/sims.parquet"
    initial_path = args.initial_file or (f"{args.out}/initial.parquet" if args.out else None)
    for path, flag in ((sims_path, "--sims-file" if args.sims_file else "--out"), (initial_path, "--initial-file")):
        if path is not None:
            _writable(path if flag != "--out" else args.out, flag, parser, is_folder=flag == "--out")
            if os.path.lexists(path) and not (os.path.isfile(path) and not os.path.islink(path)):
                _fail(parser, f"{flag} {path}: exists and is not a regular file; refusing to replace it")

    import numpy as np  # only once the inputs are valid
    import pyarrow as pa

    from .core.io import initial_digest, initial_table, write_tables
    from .core.simulate import CellResult, engine_numpy, sims_table, simulate_cell

    seeds = np.arange(args.first_seed, args.first_seed + args.seeds)
    skip = ("out", "sims_file", "initial_file", "run", "subparser", "command", "quiet")
    meta = {key: value for key, value in vars(args).items() if key not in skip}
    # provenance, checked by aggregation
    meta.update(version=__version__, engine_numpy=engine_numpy(), initial_sha256=initial_digest(p0))
    progress = Progress(len(cells) * args.seeds, "replicates", args.quiet)
    results = []
    for cell in cells:
        parts = []
        for chunk in np.array_split(seeds, max(1, -(-seeds.size // SEED_CHUNK))):
            parts.append(simulate_cell(p0, cell, chunk, args.generations, args.root_seed))
            progress.advance(chunk.size)
        results.append(
            CellResult(cell, seeds, np.concatenate([r.metrics for r in parts]), np.concatenate([r.collapse_time for r in parts]))
        )
    progress.close()
    sims = pa.concat_tables([sims_table(result, meta) for result in results])
    tables = {initial_path: initial_table(p0)} if initial_path is not None else {}
    try:
        write_tables({**tables, sims_path: sims})  # sims last: its presence means both are complete
    except (OSError, ValueError) as err:
        _fail(parser, f"cannot write the results: {err}")
    if not args.quiet:
        print("wrote " + ", ".join(p for p in (sims_path, initial_path) if p), file=sys.stderr)


def counts_command(args, parser) -> None:
    """The token counts of a text as the CSV p(0) of kind file reads (core.corpus)."""
    from .core.corpus import check_options, count_tokens, counts_csv
    from .core.io import write_tables

    try:
        check_options(args.tokenizer, args.vocab_size, args.tokenizer_file)
    except ValueError as err:
        _fail(parser, _flag_message(str(err)))
    _writable(args.out, "--out", parser)
    try:
        counts = count_tokens(args.corpus, args.tokenizer, args.vocab_size, args.tokenizer_file)
    except ValueError as err:
        _fail(parser, _flag_message(str(err)))
    try:
        write_tables({args.out: counts_csv(counts)})
    except ValueError as err:  # a target that is not a regular file, named by the message
        _fail(parser, f"--out {err}")
    except OSError as err:
        _fail(parser, f"--out {args.out}: cannot write ({err.strerror or err})")
    print(f"wrote {args.out}: {len(counts)} tokens, {sum(count for _, count in counts)} in all", file=sys.stderr)


def config_command(args, parser) -> None:
    """Every key's default (YAML, the schema's), or the reference config/README.md is made of."""
    from . import config

    if args.reference:
        print(config.reference(), end="")
    else:
        import yaml

        print(yaml.safe_dump(config.defaults(), sort_keys=False), end="")


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    args.run(args, args.subparser)
