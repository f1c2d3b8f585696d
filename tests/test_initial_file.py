"""p⁽⁰⁾ read from a file (`initial: {kind: file}`, `--initial file --initial-path`, the Python
API's `initial_path`), all by `core.initial.from_file`: what it reads, and every file it refuses
with one line naming the file and what is allowed; the workflow reruns when the file changes."""

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import project_copy, snakemake

import modelcollapse as mc
from modelcollapse import cli, config
from modelcollapse.core import initial

REPO = Path(__file__).resolve().parents[1]


def test_from_file_reads_one_column_or_token_and_value(tmp_path):
    (tmp_path / "one.csv").write_text("weight\n2\n1\n1\n")
    np.testing.assert_allclose(initial.from_file(tmp_path / "one.csv"), [0.5, 0.25, 0.25])
    (tmp_path / "counts.csv").write_text("token,count\n2,1\n0,2\n1,1\n")  # sorted by token
    np.testing.assert_allclose(initial.from_file(tmp_path / "counts.csv"), [0.5, 0.25, 0.25])
    pd.DataFrame({"token": [0, 1, 2, 3], "prob": [0.1, 0.2, 0.3, 0.4]}).to_parquet(tmp_path / "p.parquet")
    np.testing.assert_allclose(initial.from_file(tmp_path / "p.parquet"), [0.1, 0.2, 0.3, 0.4])
    p = initial.initial_distribution("file", None, path=tmp_path / "p.parquet")
    assert p.size == 4
    with pytest.raises(ValueError, match="vocab must equal the 4 tokens"):
        initial.initial_distribution("file", 5, path=tmp_path / "p.parquet")


@pytest.mark.parametrize(
    "content, order",
    [
        ("token,count\n10,1\n9,2\n0,3\n", [3, 2, 1]),  # integer ids: numerically, 9 before 10
        ('token,count\n"b",1\n"NA",2\n"\n",3\n" ",4\n', [3, 4, 2, 1]),  # text: by code point, 'NA' a token
        ("token,count\n007,1\n7,2\n", [1, 2]),  # '007' is no id: both are text, '0' < '7'
        ('token,prob\n"a,b",0.25\n"""",0.75\n', [0.75, 0.25]),  # a comma and a quote, as CSV escapes them
    ],
)
def test_tokens_are_ids_or_text_and_give_the_order(tmp_path, content, order):
    path = tmp_path / "t.csv"
    path.write_text(content)
    np.testing.assert_allclose(initial.from_file(path), np.array(order) / sum(order), rtol=1e-15)


def special(tmp_path, kind) -> Path:
    """A path that is not a small regular file: a FIFO, a folder, a device, an oversize (sparse) file."""
    path = tmp_path / f"{kind}.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        return Path(os.devnull)
    elif kind == "large":
        with open(path, "wb") as f:
            f.truncate(initial.MAX_FILE_BYTES + 1)  # sparse: no data is written, none would be read
    return path


REFUSED = [
    ("dup-text", "token,count\na,1\nb,2\na,3\n", "token 'a' appears 2 times"),
    ("dup-ids", "token,prob\n0,0.2\n1,0.3\n1,0.1\n0,0.4\n", "token '1' appears 2 times (and 1 other tokens repeat)"),
    ("empty-token", 'token,count\n"",1\nb,2\n', "column 'token' has empty values"),
    ("nan", "count\n1\nnan\n", "not finite numbers"),
    ("inf", "count\n1\ninf\n", "not finite numbers"),
    ("text-value", "count\n1\nx\n", "not finite numbers"),
    ("overflowing-sum", "count\n1e308\n1e308\n1\n", "sums to more than the largest float"),
    ("underflow-to-one-token", "count\n1e308\n1e-300\n", "fewer than two tokens with positive mass"),
    ("negative", "count\n3\n-1\n", "negative values"),
    ("one-token", "count\n3\n0\n", "fewer than two tokens"),
    ("columns", "a,b\n1,2\n", "allowed: one column, or 'token' with 'prob' or 'count'"),
    ("malformed", "token,count\n1,2\n3,4,5\n", "cannot be read as CSV"),
    ("missing", None, "cannot be read (No such file or directory)"),
    ("fifo", "fifo", "is a FIFO, not a regular file"),
    ("folder", "folder", "is a folder, not a regular file"),
    ("device", "device", "is a device, not a regular file"),
    ("large", "large", f"{256 * 2**20 + 1} bytes is over the limit of 256 MiB"),
]


@pytest.mark.parametrize("case, content, problem", REFUSED, ids=[case for case, _, _ in REFUSED])
def test_a_bad_file_is_refused_in_one_line_naming_it(tmp_path, case, content, problem):
    if content in ("fifo", "folder", "device", "large"):
        path = special(tmp_path, content)
    else:
        path = tmp_path / "bad.csv"
        if content is not None:
            path.write_text(content)
    with pytest.raises(ValueError) as caught:
        initial.from_file(path)  # a FIFO opened for reading would block here: it is never opened
    message = str(caught.value)
    assert message.startswith(f"initial file {path}: ") and problem in message, message
    assert "; allowed: " in message and "\n" not in message, message


def test_a_fifo_fed_endlessly_is_never_opened(tmp_path):
    """A writer blocks until a reader opens the FIFO; from_file refuses it without opening it."""
    path = special(tmp_path, "fifo")
    opened = threading.Event()

    def feed():
        try:
            with open(path, "w") as fifo:
                opened.set()
                while True:
                    fifo.write("1\n" * 1000)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    with pytest.raises(ValueError, match="is a FIFO"):
        initial.from_file(path)
    assert not opened.wait(0.5) and writer.is_alive()  # nobody opened it for reading
    os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))  # let the writer open it, and stop
    writer.join(10)


def test_a_path_with_another_kind_is_refused_everywhere(tmp_path):
    """Not silently ignored: by the config check (naming initial.path), the Python API and the CLI."""
    path = tmp_path / "counts.csv"
    path.write_text("count\n2\n1\n")
    shipped = [REPO / "config" / name for name in ("config.yaml", "paper.yaml", "transformer.yaml")]
    with pytest.raises(config.ConfigError) as caught:
        config.load(*shipped, overrides={"initial": {"kind": "zipf", "path": str(path)}})
    assert caught.value.problems == [f"config key 'initial.path': {path} with kind zipf, which ignores it; allowed: null, or kind file"]
    with pytest.raises(ValueError, match="initial_path: .* with kind uniform, which ignores it; allowed: null, or kind file"):
        mc.safe_fraction(vocab=10, n=30, initial="uniform", initial_path=path, analytic_only=True)
    assert config.load(*shipped, overrides={"initial": {"kind": "file", "path": str(path)}, "grid": {"vocab": None}})["grid"]["vocab"] == [
        2
    ]


def test_the_python_api_reads_the_file_by_the_same_function(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("token,count\nx,1\ny,1\nx,1\n")
    with pytest.raises(ValueError, match=f"initial file {re.escape(str(path))}: token 'x' appears 2 times"):
        mc.safe_fraction(n=30, initial="file", initial_path=path, analytic_only=True)


@pytest.mark.parametrize("content, problem", [("token,count\na,1\na,2\n", "token 'a' appears 2 times"), ("fifo", "is a FIFO")])
def test_the_command_line_exits_2_with_one_line(tmp_path, capsys, content, problem):
    path = special(tmp_path, "fifo") if content == "fifo" else tmp_path / "bad.csv"
    if content != "fifo":
        path.write_text(content)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["safe-fraction", "--n", "30", "--initial", "file", "--initial-path", str(path), "--analytic-only"])
    assert exit_info.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"modelcollapse safe-fraction: error: --initial-path: initial file {path}: ") and problem in line, line


def test_the_installed_command_prints_no_traceback(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("count\n1e308\n1e308\n1\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelcollapse",
            "initial",
            "--initial",
            "file",
            "--initial-path",
            str(path),
            "--initial-file",
            str(tmp_path / "p0.parquet"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and not (tmp_path / "p0.parquet").exists()  # no p0 of zeros written
    assert proc.stderr.strip().splitlines() == [
        f"modelcollapse initial: error: --initial-path: initial file {path}: column 'count' sums to more than the largest float (1.8e308); "
        "allowed: counts or probabilities, finite numbers >= 0 whose sum is finite (divide them by a common factor)"
    ]


# --- the workflow: the data file is an input of the jobs that read it ------------------------------


def test_editing_the_data_file_reruns_what_depends_on_it(tmp_path):
    """A finished study plans nothing; after the data file changes, its p(0) job, the simulations
    that read the file, and everything downstream are planned again."""
    work = project_copy(tmp_path / "w")
    (work / "my_counts.csv").write_text("token,count\na,5\nb,3\nc,2\n")
    study = {
        "study": "from_file",
        "initial": {"kind": "file", "path": "my_counts.csv"},
        "grid": {"n": [10], "vocab": None, "synthetic_fraction": [0.0, 0.5, 1.0], "log_real_shares": False},
        "seeds": 4,
        "seeds_per_job": 4,
        "generations": 3,
    }
    (work / "study.yaml").write_text(yaml.safe_dump(study))
    target = "results/from_file/safe_fraction.parquet"

    def planned():
        proc = snakemake(work, target, "-n", "--configfile", "study.yaml", "--quiet", "rules")
        return dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, re.M))

    snakemake(work, target, "--configfile", "study.yaml")
    assert planned() == {}, "a finished study plans nothing"
    before = pd.read_parquet(work / "results" / "from_file" / "initial" / "vocab3.parquet")["prob"].to_numpy()
    data = work / "my_counts.csv"
    data.write_text("token,count\na,2\nb,3\nc,5\n")  # the same tokens, other counts
    while data.stat().st_mtime <= (work / target).stat().st_mtime:  # a file system with coarse times
        time.sleep(0.1)
        data.write_text(data.read_text())
    jobs = planned()
    assert {rule: int(jobs.get(rule, 0)) for rule in ("initial", "simulate", "refine", "merge")} == {
        "initial": 1,
        "simulate": 1,
        "refine": 1,
        "merge": 1,
    }, jobs
    snakemake(work, target, "--configfile", "study.yaml")
    after = pd.read_parquet(work / "results" / "from_file" / "initial" / "vocab3.parquet")["prob"].to_numpy()
    np.testing.assert_allclose(before, [0.5, 0.3, 0.2])
    np.testing.assert_allclose(after, [0.2, 0.3, 0.5])
