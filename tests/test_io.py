"""Writes that harm nothing and reads that trust nothing (docs/outputs.md)."""

import errno
import json
import os
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelcollapse._version import __version__
from modelcollapse.core import io
from modelcollapse.core.initial import zipf
from modelcollapse.core.simulate import Cell, engine_numpy, sims_table, simulate_cell
from modelcollapse.study.aggregate import check_provenance, check_study_tables, read_sims, simulate_row, to_pandas
from modelcollapse.study.safe import DEFAULT_THRESHOLDS, Row

TABLE = pa.table({"x": np.arange(1000, dtype=np.int64), "y": np.linspace(0, 1, 1000)})


def test_refuses_a_target_that_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    for target in (fifo, tmp_path / "folder", tmp_path / "link"):
        with pytest.raises(ValueError, match="not a regular file"):
            io.write_parquet(TABLE, target)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "folder", "link"]  # no temporaries left


def test_honours_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        io.write_parquet(TABLE, tmp_path / "t.parquet")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "t.parquet").st_mode) == 0o640


def test_reports_the_real_os_error_and_leaves_nothing(tmp_path, monkeypatch):
    def full_disk(table, where, **kwargs):
        with open(where, "wb") as f:
            f.write(b"PAR1")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full_disk)
    with pytest.raises(OSError) as error:
        io.write_tables({tmp_path / "a.parquet": TABLE, tmp_path / "b.parquet": TABLE})
    assert error.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_tables_are_written_as_one_unit(tmp_path, monkeypatch):
    """A failure on the second table leaves neither: no lone half."""
    real = pq.write_table
    calls = []

    def second_fails(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 2:
            raise OSError(errno.EIO, "I/O error")
        real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", second_fails)
    with pytest.raises(OSError):
        io.write_tables({tmp_path / "initial.parquet": TABLE, tmp_path / "sims.parquet": TABLE})
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_a_killed_write_are_removed(tmp_path):
    stale = tmp_path / ".t.parquet.abc123.tmp"
    stale.write_bytes(b"half a file")
    other = tmp_path / ".other.parquet.xyz.tmp"  # another target's: not ours to remove
    other.write_bytes(b"busy")
    io.write_parquet(TABLE, tmp_path / "t.parquet")
    assert not stale.exists() and other.exists()


def test_page_checksums_catch_a_flipped_bit(tmp_path):
    path = tmp_path / "t.parquet"
    io.write_parquet(TABLE, path)
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01  # inside the first data page
    path.write_bytes(bytes(data))
    schema = pa.schema([("x", pa.int64()), ("y", pa.float64())])
    with pytest.raises(ValueError, match="not a readable Parquet file"):
        io.read_checked(path, schema)


def simulation_file(tmp_path, name, meta):
    result = simulate_cell(zipf(5, 1.1), Cell("mixed", 10, 5, 0.5), 3, 4, 2024)
    path = tmp_path / name
    io.write_parquet(sims_table(result, meta), path)
    return path


def test_aggregation_refuses_a_file_from_another_run(tmp_path):
    ours = {"scenario": "mixed", "root_seed": 2024, "generations": 4}
    good = simulation_file(tmp_path, "good.parquet", ours)
    check_provenance(good, ours)
    bad = simulation_file(tmp_path, "bad.parquet", {**ours, "root_seed": 7})
    with pytest.raises(ValueError, match=r"bad.parquet: made with root_seed = 7, this study has 2024"):
        read_sims([good, bad], 4, 3, expected=ours)
    with pytest.raises(ValueError, match=r"cells \(n, n_synthetic\) \[\(10, 5\)\], the study's grid has \[\(10, 0\), \(10, 5\)\]"):
        read_sims([good], 4, 3, expected=ours, cells=[(10, 0), (10, 5)])
    with pytest.raises(ValueError, match=r"cells \(n, n_synthetic\) \[\(10, 5\)\], the study's grid has \[\(20, 5\)\]"):
        read_sims([good], 4, 3, expected=ours, cells=[(20, 5)])  # another n with the row's counts
    with pytest.raises(ValueError, match=r"good.parquet: vocab \[5\], the study's row has 7"):
        read_sims([good], 4, 3, expected=ours, cells=[(10, 5)], vocab=7)


def test_aggregation_refuses_tables_of_several_scenarios(tmp_path):
    p0 = zipf(5, 1.1)
    paths = []
    for scenario in ("mixed", "fresh"):
        paths.append(tmp_path / f"{scenario}.parquet")
        io.write_parquet(sims_table(simulate_cell(p0, Cell(scenario, 10, 5, 0.5), 3, 4)), paths[-1])
    with pytest.raises(ValueError, match="a study has one scenario; the tables mix several"):
        read_sims(paths, 4, 3)


def test_aggregation_reads_a_row_one_sorted_cell_at_a_time(tmp_path):
    """Cells in order of synthetic count, each with its seed blocks' rows in seed order, whatever
    order the files come in; a cell with a seed missing or doubled is refused when read."""
    p0, cells = zipf(5, 1.1), [Cell("mixed", 10, 5, a) for a in (0.5, 0.0)]
    paths = []
    for first in (3, 0):  # two seed blocks, the later one first
        path = tmp_path / f"s{first}.parquet"
        io.write_parquet(pa.concat_tables([sims_table(simulate_cell(p0, c, range(first, first + 3), 4)) for c in cells]), path)
        paths.append(path)
    read = list(read_sims(paths, 4, 6, cells=[(10, 5), (10, 0)]))
    for table, cell in zip(read, sorted(cells, key=lambda c: c.n_synthetic)):
        whole = sims_table(simulate_cell(p0, cell, 6, 4)).to_pandas()  # NaN-aware, unlike Table.equals
        pd.testing.assert_frame_equal(table.to_pandas(), whole, check_exact=True)
    with pytest.raises(ValueError, match=r"cell \(n, n_synthetic\) = \(10, 0\): 30 rows, expected seeds 0…2 × generations 0…4"):
        list(read_sims([paths[1], paths[1]], 4, 3))
    with pytest.raises(ValueError, match=r"cell \(n, n_synthetic\) = \(10, 0\): 15 rows, expected seeds 0…3 × generations 0…4"):
        next(read_sims([paths[1]], 4, 4))


def test_streamed_parquet_is_written_whole_or_not_at_all(tmp_path):
    from modelcollapse.core.io import streamed_parquet

    target, parts = tmp_path / "probes.parquet", [TABLE.slice(0, 400), TABLE.slice(400)]
    with streamed_parquet(target, TABLE.schema.empty_table()) as write:
        for part in parts:
            write(part.replace_schema_metadata({"probe": "true"}))
    assert pq.read_table(target).equals(TABLE) and pq.read_schema(target).metadata == {b"probe": b"true"}
    with pytest.raises(RuntimeError), streamed_parquet(target, TABLE.schema.empty_table()) as write:
        write(TABLE.slice(0, 10))
        raise RuntimeError("the job fails halfway")
    assert pq.read_table(target).equals(TABLE)  # the earlier file, untouched; no temporaries left
    assert [p.name for p in tmp_path.iterdir()] == ["probes.parquet"]
    with streamed_parquet(target, TABLE.schema.empty_table()):
        pass  # nothing to write: an empty table of the schema
    assert pq.read_table(target).num_rows == 0 and pq.read_schema(target).equals(TABLE.schema)


def test_tables_from_records_have_the_types_of_the_study_tables():
    """`io.table_from_records` types columns as a DataFrame of the same records does (strings as
    large_string, NaN kept), and `to_pandas` makes the safe table's counts nullable Int64 as the
    study tables have them (None and −1 are null)."""
    records = [
        {"criterion": "drift", "n": 10, "n_real": None, "threshold": 0.1, "safe": True, "max_synthetic": -1, "low": np.nan},
        {"criterion": "collapse", "n": 10, "n_real": None, "threshold": 1, "safe": False, "max_synthetic": 4, "low": 0.5},
    ]
    table = io.table_from_records(records, nullable=("n", "n_real", "max_synthetic"))
    assert table.schema.types == [pa.large_string(), pa.int64(), pa.int64(), pa.float64(), pa.bool_(), pa.int64(), pa.float64()]
    assert table["low"].null_count == 0
    expected = pd.DataFrame(records).astype({"n": "Int64", "n_real": "Int64"})
    expected["max_synthetic"] = expected["max_synthetic"].where(expected["max_synthetic"].ne(-1)).astype("Int64")
    pd.testing.assert_frame_equal(to_pandas({"safe": table})["safe"], expected, check_exact=True)


def test_table_copy_is_equal_and_holds_no_buffer_of_its_parent():
    parent = pa.table({"x": pa.array(np.arange(10.0), mask=np.arange(10) % 3 == 0), "s": ["mixed"] * 10})
    piece = parent.slice(2, 5)
    copy = io.table_copy(piece)
    assert copy.equals(piece) and copy.schema == piece.schema
    held = {b.address for column in parent.columns for b in column.chunk(0).buffers() if b is not None}
    assert not held & {b.address for column in copy.columns for b in column.chunk(0).buffers() if b is not None}


def test_the_refine_job_writes_the_librarys_tables_with_their_provenance(tmp_path):
    """One refine job per row, in a process of its own: its tables, read back (`to_pandas`), are
    those `simulate_row` gives in process, and each records the study's parameters and the NumPy
    the engine was built against."""
    p0, row, G, seeds, root = zipf(5, 1.1), Row("mixed", "budget", 10, 5), 4, 6, 2024
    grid = row.grid((0.0, 0.5, 1.0))
    meta = {
        "scenario": row.scenario,
        "generations": G,
        "root_seed": root,
        "window": None,
        "version": __version__,
        "engine_numpy": engine_numpy(),
        "sampler": row.sampler,
        "initial_sha256": io.initial_digest(p0),
    }
    sims, initial = tmp_path / "sims.parquet", tmp_path / "initial.parquet"
    io.write_parquet(pa.concat_tables([sims_table(simulate_cell(p0, row.cell(k, a), seeds, G, root), meta) for k, a in grid.items()]), sims)
    io.write_parquet(io.initial_table(p0), initial)
    config = {
        "generations": G,
        "seeds": seeds,
        "root_seed": root,
        "safe": {**DEFAULT_THRESHOLDS, "confidence": 0.95, "resolution": None},
        "identity": {"study": "io", "seeds": seeds},
        "initial_sha256": io.initial_digest(p0),
    }
    outputs = {name: str(tmp_path / f"{name}.parquet") for name in ("probes", "summary", "criteria", "safe", "values")}
    job = [[row.scenario, row.frame, row.size, row.vocab], [str(sims)], str(initial), list(grid), config, outputs]
    code = (
        "import json, sys\n"
        "from modelcollapse.study.aggregate import refine_row\n"
        "from modelcollapse.study.safe import Row\n"
        "row, sims, initial, cells, config, outputs = json.loads(sys.argv[1])\n"
        "assert refine_row(Row(*row), sims, initial, cells, config, outputs) > 0\n"
    )
    subprocess.run([sys.executable, "-c", code, json.dumps(job)], check=True)
    for name in ("probes", "summary", "criteria", "safe", "values"):
        assert io.provenance(outputs[name]).items() >= meta.items(), name
    written = to_pandas(check_study_tables({name: outputs[name] for name in ("summary", "criteria", "safe", "values")}, config["identity"]))
    for name, frame in simulate_row(row, p0, grid, config, seeds).items():
        pd.testing.assert_frame_equal(written[name], frame, check_exact=True)
