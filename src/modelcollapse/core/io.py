"""Parquet tables of docs/outputs.md, written atomically, read back with their schema checked."""

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .simulate import INTEGER_METRICS, METRICS, CellResult

SIMS_SCHEMA = pa.schema(
    [
        ("scenario", pa.string()),
        ("n", pa.int64()),
        ("vocab", pa.int64()),
        ("synthetic_fraction", pa.float64()),  # as requested
        ("effective_fraction", pa.float64()),  # n_synthetic / n
        ("n_real", pa.int64()),
        ("n_synthetic", pa.int64()),
        ("seed", pa.int64()),
        ("generation", pa.int64()),
        *[
            (m, pa.bool_() if m == "collapsed" else pa.int64() if m in INTEGER_METRICS else pa.float64())
            for m in METRICS
        ],
        # First generation m ≥ 1 with ‖p⁽ᵐ⁾‖∞ = 1 (paper §3), null if none by G; same on every row.
        ("collapse_time", pa.int64()),
    ]
)

INITIAL_SCHEMA = pa.schema(
    [
        ("vocab", pa.int64()),
        ("token", pa.int64()),
        ("prob", pa.float64()),
    ]
)


# --- Arrow columns on NumPy buffers --------------------------------------------------------------
# pyarrow's own conversions (`pa.array`, `to_numpy`, `take` of a list, scalars in filters) import
# pandas, which a simulate or refine job does not otherwise load: these build and read columns
# from their buffers instead.


def column_from_numpy(values: np.ndarray, dtype: pa.DataType, valid: np.ndarray | None = None) -> pa.Array:
    """An Arrow column of `dtype` on a NumPy array's memory; `valid`, if given, marks non-nulls."""
    if dtype == pa.bool_():
        data = pa.py_buffer(np.packbits(values, bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values, dtype=dtype.to_pandas_dtype()))
    validity = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = -1 if valid is None else int(values.size - np.count_nonzero(valid))
    return pa.Array.from_buffers(dtype, values.size, [validity, data], null_count=nulls)


def _repeated_string(value: str, rows: int, large: bool = False) -> pa.Array:
    """A string column (large_string if `large`) of `rows` copies of `value`, from its offsets
    and bytes."""
    data = value.encode()
    offsets = np.arange(rows + 1, dtype=np.int64) * len(data)
    if not large:
        if offsets[-1] >= 2**31:
            raise ValueError(f"{rows} rows of {value!r} exceed a string column's 2 GiB")
        offsets = offsets.astype(np.int32)
    return pa.Array.from_buffers(pa.large_string() if large else pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data * rows)])


def single_string(column: pa.ChunkedArray) -> str | None:
    """The value of a (large) string column that holds one value only, None if it holds several
    or none: compared with that value repeated (pyarrow.compute costs a job ~0.05 s to import)."""
    if len(column) == 0:
        return None
    first = column[0].as_py()
    if first is None or column.null_count:
        return None
    repeated = _repeated_string(first, len(column), large=pa.types.is_large_string(column.type))
    return first if column.equals(pa.chunked_array([repeated])) else None


def table_copy(table: pa.Table) -> pa.Table:
    """`table` on buffers of its own, one chunk per column: a slice would keep its whole parent
    table alive (`pa.concat_arrays` copies even one array; `combine_chunks` would not)."""
    return pa.Table.from_arrays([pa.concat_arrays(column.chunks) for column in table.columns], schema=table.schema)


def numpy_from_column(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric or boolean Arrow column as a NumPy array on its memory when it is one chunk,
    nulls as NaN (the values then as float, as `to_numpy` gives them)."""
    array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    validity, data = array.buffers()
    start, stop = array.offset, array.offset + len(array)
    if array.type == pa.bool_():
        values = np.unpackbits(np.frombuffer(data, np.uint8), count=stop, bitorder="little")[start:].view(bool)
    else:
        values = np.frombuffer(data, array.type.to_pandas_dtype(), count=stop)[start:]
    if array.null_count:
        valid = np.unpackbits(np.frombuffer(validity, np.uint8), count=stop, bitorder="little")[start:].view(bool)
        values = np.where(valid, values, np.nan)
    return values


def column_from_values(values) -> pa.Array:
    """An Arrow column of a NumPy array or of a list of Python numbers, booleans or strings,
    typed as pyarrow types a DataFrame of the same values (int64, float64, bool; strings as
    large_string)."""
    values = np.asarray(values)
    if values.dtype.kind != "U":
        return column_from_numpy(values, pa.from_numpy_dtype(values.dtype))
    data = [v.encode() for v in values.tolist()]
    offsets = np.cumsum([0] + [len(d) for d in data], dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])


def table_from_columns(columns: dict, nullable=()) -> pa.Table:
    """An Arrow table of {name: values} (`column_from_values`); in the `nullable` integer
    columns, None and −1 stand for null."""
    arrays = []
    for name, values in columns.items():
        if name in nullable:
            valid = np.array([v is not None and v != -1 for v in values])
            values = np.array([v if ok else 0 for v, ok in zip(values, valid)], dtype=np.int64)
            arrays.append(column_from_numpy(values, pa.int64(), valid=valid))
        else:
            arrays.append(column_from_values(values))
    return pa.Table.from_arrays(arrays, names=list(columns))


def table_from_records(records: list, nullable=()) -> pa.Table:
    """`table_from_columns` of a list of {column: value} records, all with the first's keys."""
    return table_from_columns({name: [r[name] for r in records] for name in records[0]}, nullable)


def sims_table(result: CellResult, meta: dict | None = None) -> pa.Table:
    """Long format: one row per (seed, generation), generations 0 … G."""
    cell = result.cell
    R, G1, _ = result.metrics.shape
    rows = R * G1

    def const(value, dtype):
        return np.full(rows, value, dtype=dtype)

    columns = {
        "scenario": _repeated_string(cell.scenario, rows),
        "n": const(cell.n, np.int64),
        "vocab": const(cell.vocab, np.int64),
        "synthetic_fraction": const(cell.synthetic_fraction, np.float64),
        "effective_fraction": const(cell.effective_fraction, np.float64),
        "n_real": const(cell.n_real, np.int64),
        "n_synthetic": const(cell.n_synthetic, np.int64),
        "seed": np.repeat(result.seeds, G1),
        "generation": np.tile(np.arange(G1, dtype=np.int64), R),
    }
    flat = result.metrics.reshape(rows, -1)
    for k, name in enumerate(METRICS):
        col = flat[:, k]
        if name == "collapsed":
            col = col == 1.0
        elif name in INTEGER_METRICS:
            col = col.astype(np.int64)
        columns[name] = col
    T = np.repeat(result.collapse_time, G1)
    columns["collapse_time"] = column_from_numpy(np.where(T < 0, 0, T), pa.int64(), valid=T >= 0)
    arrays = [
        columns[f.name] if isinstance(columns[f.name], pa.Array) else column_from_numpy(columns[f.name], f.type) for f in SIMS_SCHEMA
    ]
    table = pa.Table.from_arrays(arrays, schema=SIMS_SCHEMA)
    return table.replace_schema_metadata({"modelcollapse": json.dumps(meta or {})})


def initial_table(p0: np.ndarray) -> pa.Table:
    """p⁽⁰⁾ of one vocabulary: one row per token."""
    k = p0.size
    columns = (np.full(k, k, np.int64), np.arange(k, dtype=np.int64), np.asarray(p0, dtype=np.float64))
    return pa.Table.from_arrays([column_from_numpy(c, f.type) for c, f in zip(columns, INITIAL_SCHEMA)], schema=INITIAL_SCHEMA)


def initial_digest(p0) -> str:
    """SHA-256 of p⁽⁰⁾'s float64 bytes: one fingerprint for every parameter of the initial
    distribution (its kind, exponent, support, file contents …)."""
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(p0, dtype=np.float64).tobytes()).hexdigest()


def provenance(path) -> dict:
    """The parameters a simulation table was made with (its `modelcollapse` metadata)."""
    metadata = open_checked(path).schema_arrow.metadata or {}
    return json.loads(metadata.get(b"modelcollapse", b"{}"))


def write_parquet(table: pa.Table, path) -> None:
    """Write one table atomically (`write_tables`)."""
    write_tables({path: table})


def _refuse_special(path: str) -> None:
    if os.path.lexists(path) and not (os.path.isfile(path) and not os.path.islink(path)):
        raise ValueError(f"{path}: exists and is not a regular file (a device, FIFO, folder or link); refusing to replace it")


def _temporary_beside(path) -> str:
    """A new empty temporary file beside `path` (its folder made if need be), after refusing a
    target that is not a regular file or absent and removing temporaries of a killed earlier
    write of the same target."""
    path = os.fspath(path)
    _refuse_special(path)
    directory, name = os.path.split(path)
    directory = directory or "."
    os.makedirs(directory, exist_ok=True)
    for stale in Path(directory).glob(f".{name}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    os.close(fd)
    return tmp


def _umask_permissions(tmp: str) -> None:
    """The permissions a new file gets from the umask (mkstemp's are 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)


# Page checksums (`read_checked` verifies them); a column's dictionary is given up for plain
# encoding once it passes 512 kB, not Parquet's 1 MB: the distances and entropies of a large grid
# table are nearly all distinct, and building their dictionaries up to 1 MB took a quarter of the
# writer's time and left the files 3 % larger (docs/design.md, "Fat jobs").
WRITER_OPTIONS = {"write_page_checksum": True, "dictionary_pagesize_limit": 512 * 1024}


def write_tables(tables: dict) -> None:
    """Write {path: table} as one unit (an Arrow table, or text such as a CSV rendering): every
    table to a temporary file beside its target, then the renames, in the given order (put the
    file that marks completion last), so a reader never sees half a file and a failure leaves no
    new file. The targets must be regular files or
    absent; pages carry checksums (`WRITER_OPTIONS`); the files get the permissions
    the umask gives; an OS error (a full disk, say) is raised as it is.
    Temporaries left by a killed earlier write of the same target are removed."""
    written = []
    try:
        for path, table in tables.items():
            tmp = _temporary_beside(path)
            written.append((tmp, os.fspath(path)))
            if isinstance(table, str):  # a text rendering beside the tables (the CSV)
                Path(tmp).write_text(table)
            else:
                pq.write_table(table, tmp, **WRITER_OPTIONS)
            _umask_permissions(tmp)
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


@contextlib.contextmanager
def streamed_parquet(path, empty: pa.Table):
    """Write one Parquet file table by table, holding none of them: yields `write(table)`. Like
    `write_tables`, the data goes to a temporary file beside `path` (page checksums on, the
    umask's permissions), renamed into place only when the block ends without error. The file
    has the first table's schema and metadata, or is `empty` when no table came."""
    tmp = _temporary_beside(path)
    writer = None

    def write(table):
        nonlocal writer
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, **WRITER_OPTIONS)
        writer.write_table(table)

    try:
        yield write
        if writer is None:
            write(empty)
        writer.close()
        _umask_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        if writer is not None:
            writer.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def open_checked(path) -> pq.ParquetFile:
    """Open a Parquet file; a corrupt or truncated one raises a ValueError naming it."""
    try:
        return pq.ParquetFile(path, page_checksum_verification=True)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise ValueError(f"{path}: not a readable Parquet file ({err})") from err


def read_checked(path, schema: pa.Schema, expected_rows: int | None = None) -> pa.Table:
    """Read a Parquet file and fail loudly if it is corrupt, truncated or of another schema."""
    try:
        table = open_checked(path).read()
    except (OSError, pa.ArrowException) as err:  # damage past the footer shows only when read
        raise ValueError(f"{path}: not a readable Parquet file ({err})") from err
    if not table.schema.remove_metadata().equals(schema):
        raise ValueError(f"{path}: columns or types differ from the expected schema:\n{table.schema}")
    if expected_rows is not None and table.num_rows != expected_rows:
        raise ValueError(f"{path}: {table.num_rows} rows, expected {expected_rows}")
    return table
