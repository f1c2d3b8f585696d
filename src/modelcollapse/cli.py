"""Command line: `python -m modelcollapse simulate …` writes the same Parquet as the workflow.

Imports only NumPy, numba and pyarrow (SciPy for the `target` initial kind), so a job starts fast.
"""

import argparse
import sys
import time

from .initial import INITIAL_KINDS, initial_distribution
from .simulate import SCENARIOS, Cell, simulate_cell


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m modelcollapse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="simulate the replicates of one grid cell")
    sim.add_argument("--scenario", choices=SCENARIOS, default="mixed")
    size = sim.add_mutually_exclusive_group(required=True)
    size.add_argument("--n", type=int, help="training-set size per generation (>= 1): the budget frame")
    size.add_argument("--n-real", type=int, help="real samples kept (>= 0): the real-data frame, with --n-synthetic")
    sim.add_argument("--vocab", type=int, required=True, help="vocabulary size (>= 2)")
    amount = sim.add_mutually_exclusive_group(required=True)
    amount.add_argument(
        "--synthetic-fraction", type=float, nargs="+",
        help="alpha in [0, 1], with --n (n_real = floor((1 - alpha) n + 1/2)); several values, several cells",
    )
    amount.add_argument("--n-synthetic", type=int, nargs="+", help="synthetic samples per generation; several values, several cells")
    sim.add_argument("--seeds", type=int, required=True, help="number of replicates (>= 1)")
    sim.add_argument("--first-seed", type=int, default=0, help="replicates are first-seed … first-seed+seeds-1")
    sim.add_argument("--generations", type=int, required=True, help="last generation G (>= 1)")
    _initial_flags(sim)
    sim.add_argument("--window", type=int, default=None, help="K for scenario window (1 … n)")
    sim.add_argument("--out", help="directory for sims.parquet and initial.parquet")
    sim.add_argument("--sims-file", help="path of the sims table (overrides --out)")
    sim.add_argument("--initial-file", help="path of the initial table (overrides --out; not written with --sims-file alone)")
    sim.set_defaults(run=simulate_command, subparser=sim)
    ini = sub.add_parser("initial", help="write the initial distribution p(0) of one vocabulary")
    ini.add_argument("--vocab", type=int, required=True, help="vocabulary size (>= 2)")
    _initial_flags(ini)
    ini.add_argument("--initial-file", required=True, help="path of the initial table")
    ini.set_defaults(run=initial_command, subparser=ini)
    return parser


def _initial_flags(parser) -> None:
    """The flags that choose p(0), shared by every subcommand that needs it."""
    parser.add_argument("--initial", choices=INITIAL_KINDS, default="zipf")
    parser.add_argument("--exponent", type=float, default=1.1, help="zipf exponent (>= 0)")
    parser.add_argument("--support", type=int, default=None, help="tokens with p > 0 (2 … vocab)")
    parser.add_argument("--s0", type=float, default=None, help="target Σp² for --initial target")
    parser.add_argument("--concentration", type=float, default=1.0, help="dirichlet concentration (> 0)")
    parser.add_argument("--root-seed", type=int, required=True, help="root of every random stream (>= 0)")


def _initial(args, parser):
    try:
        return initial_distribution(
            args.initial,
            args.vocab,
            exponent=args.exponent,
            support=args.support,
            s0=args.s0,
            concentration=args.concentration,
            root_seed=args.root_seed,
        )
    except ValueError as err:
        parser.error(_flag_message(str(err)))


def initial_command(args, parser) -> None:
    from .io import initial_table, write_parquet

    write_parquet(initial_table(_initial(args, parser)), args.initial_file)


FLAGS = ("synthetic_fraction", "generations", "concentration", "root_seed", "exponent", "support",
         "scenario", "window", "vocab", "seeds", "s0", "n_real", "n_synthetic", "n")


def _flag_message(message: str) -> str:
    """Library errors start with the parameter name; show it as the command-line flag."""
    for key in FLAGS:
        if message.startswith(key + " "):
            return "--" + key.replace("_", "-") + message[len(key):]
    return message


def simulate_command(args, parser) -> None:
    import pyarrow as pa  # only once the inputs are valid

    from .io import initial_table, sims_table, write_parquet

    if not (args.out or args.sims_file):
        parser.error("give --out DIR, or --sims-file (and optionally --initial-file)")
    if args.n_real is not None and args.synthetic_fraction is not None:
        parser.error("--n-real takes --n-synthetic (the real-data frame), not --synthetic-fraction")
    if args.n is not None and args.n_synthetic is not None and not all(0 <= k <= args.n for k in args.n_synthetic):
        parser.error(f"--n-synthetic must be integers in [0, n={args.n}] with --n, got {args.n_synthetic}")
    for key in ("seeds", "generations"):
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be an integer >= 1, got {getattr(args, key)}")
    for key in ("first_seed", "root_seed"):
        if getattr(args, key) < 0:
            parser.error(f"--{key.replace('_', '-')} must be an integer >= 0, got {getattr(args, key)}")
    try:
        if args.synthetic_fraction is not None:
            cells = [Cell(args.scenario, args.n, args.vocab, a, args.window) for a in args.synthetic_fraction]
        else:
            cells = [
                Cell.from_counts(args.scenario, args.vocab, args.n_real if args.n is None else args.n - k, k, args.window)
                for k in args.n_synthetic
            ]
    except ValueError as err:
        parser.error(_flag_message(str(err)))
    p0 = _initial(args, parser)

    start = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    skip = ("out", "sims_file", "initial_file", "run", "subparser", "command")
    meta = {key: value for key, value in vars(args).items() if key not in skip}
    results = [simulate_cell(p0, cell, seeds, args.generations, args.root_seed) for cell in cells]
    simulated = time.perf_counter() - start
    sims = pa.concat_tables([sims_table(result, meta) for result in results])
    if args.initial_file or args.out:
        write_parquet(initial_table(p0), args.initial_file or f"{args.out}/initial.parquet")
    write_parquet(sims, args.sims_file or f"{args.out}/sims.parquet")
    # One parsable line per job: the workflow's overhead measurement reads it from the log.
    print(
        f"simulated scenario={args.scenario} vocab={args.vocab} cells={len(cells)} "
        f"seeds={args.seeds} generations={args.generations} seconds={simulated:.4f} "
        f"total_seconds={time.perf_counter() - start:.4f}",
        file=sys.stderr,
    )


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    args.run(args, args.subparser)
