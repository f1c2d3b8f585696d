"""Writes that harm nothing and reads that trust nothing (docs/outputs.md)."""

import errno
import os
import stat

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelcollapse.core import io
from modelcollapse.core.initial import zipf
from modelcollapse.core.simulate import Cell, simulate_cell
from modelcollapse.study.aggregate import check_provenance, read_sims

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
    io.write_parquet(io.sims_table(result, meta), path)
    return path


def test_aggregation_refuses_a_file_from_another_run(tmp_path):
    ours = {"scenario": "mixed", "root_seed": 2024, "generations": 4}
    good = simulation_file(tmp_path, "good.parquet", ours)
    check_provenance(good, ours)
    bad = simulation_file(tmp_path, "bad.parquet", {**ours, "root_seed": 7})
    with pytest.raises(ValueError, match=r"bad.parquet: made with root_seed = 7, this study has 2024"):
        read_sims([good, bad], 4, 3, expected=ours)
    with pytest.raises(ValueError, match="synthetic counts \\[5\\], the study's grid has \\[0, 5\\]"):
        read_sims([good], 4, 3, expected=ours, cells=[0, 5])
