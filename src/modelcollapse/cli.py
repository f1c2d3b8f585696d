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
    sim.add_argument("--n", type=int, required=True, help="training-set size per generation (>= 1)")
    sim.add_argument("--vocab", type=int, required=True, help="vocabulary size (>= 2)")
    sim.add_argument(
        "--synthetic-fraction", type=float, nargs="+", required=True,
        help="alpha in [0, 1]; several values simulate several cells into one table",
    )
    sim.add_argument("--seeds", type=int, required=True, help="number of replicates (>= 1)")
    sim.add_argument("--first-seed", type=int, default=0, help="replicates are first-seed … first-seed+seeds-1")
    sim.add_argument("--generations", type=int, required=True, help="last generation G (>= 1)")
    sim.add_argument("--initial", choices=INITIAL_KINDS, default="zipf")
    sim.add_argument("--exponent", type=float, default=1.1, help="zipf exponent (>= 0)")
    sim.add_argument("--support", type=int, default=None, help="tokens with p > 0 (2 … vocab)")
    sim.add_argument("--s0", type=float, default=None, help="target Σp² for --initial target")
    sim.add_argument("--concentration", type=float, default=1.0, help="dirichlet concentration (> 0)")
    sim.add_argument("--window", type=int, default=None, help="K for scenario window (1 … n)")
    sim.add_argument("--root-seed", type=int, required=True, help="root of every random stream (>= 0)")
    sim.add_argument("--out", help="directory for sims.parquet and initial.parquet")
    sim.add_argument("--sims-file", help="path of the sims table (overrides --out)")
    sim.add_argument("--initial-file", help="path of the initial table (overrides --out)")
    sim.set_defaults(run=simulate_command, subparser=sim)
    return parser


FLAGS = ("synthetic_fraction", "generations", "concentration", "root_seed", "exponent", "support",
         "scenario", "window", "vocab", "seeds", "s0", "n")


def _flag_message(message: str) -> str:
    """Library errors start with the parameter name; show it as the command-line flag."""
    for key in FLAGS:
        if message.startswith(key + " "):
            return "--" + key.replace("_", "-") + message[len(key):]
    return message


def simulate_command(args, parser) -> None:
    import pyarrow as pa  # only once the inputs are valid

    from .io import initial_table, sims_table, write_parquet

    if not (args.out or (args.sims_file and args.initial_file)):
        parser.error("give --out DIR, or both --sims-file and --initial-file")
    for key in ("seeds", "generations"):
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be an integer >= 1, got {getattr(args, key)}")
    for key in ("first_seed", "root_seed"):
        if getattr(args, key) < 0:
            parser.error(f"--{key.replace('_', '-')} must be an integer >= 0, got {getattr(args, key)}")
    try:
        cells = [Cell(args.scenario, args.n, args.vocab, a, args.window) for a in args.synthetic_fraction]
        p0 = initial_distribution(
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

    start = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    skip = ("out", "sims_file", "initial_file", "run", "subparser", "command")
    meta = {key: value for key, value in vars(args).items() if key not in skip}
    results = [simulate_cell(p0, cell, seeds, args.generations, args.root_seed) for cell in cells]
    simulated = time.perf_counter() - start
    sims = pa.concat_tables([sims_table(result, meta) for result in results])
    initial = pa.concat_tables([initial_table(p0, c.n, c.vocab, c.synthetic_fraction) for c in cells])
    write_parquet(initial, args.initial_file or f"{args.out}/initial.parquet")
    write_parquet(sims, args.sims_file or f"{args.out}/sims.parquet")
    # One parsable line per job: the workflow's overhead measurement reads it from the log.
    print(
        f"simulated scenario={args.scenario} n={args.n} vocab={args.vocab} cells={len(cells)} "
        f"seeds={args.seeds} generations={args.generations} seconds={simulated:.4f} "
        f"total_seconds={time.perf_counter() - start:.4f}",
        file=sys.stderr,
    )


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    args.run(args, args.subparser)
