"""Parquet tables of docs/outputs.md, written atomically, read back with their schema checked."""

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

INITIAL_SCHEMA = pa.schema(
    [
        ("vocab", pa.int64()),
        ("token", pa.int64()),
        ("prob", pa.float64()),
    ]
)


def table_copy(table: pa.Table) -> pa.Table:
    """`table` on buffers of its own, one chunk per column: a slice would keep its whole parent
    table alive (`pa.concat_arrays` copies even one array; `combine_chunks` would not)."""
    return pa.Table.from_arrays([pa.concat_arrays(column.chunks) for column in table.columns], schema=table.schema)


def table_from_columns(columns: dict, nullable=()) -> pa.Table:
    """An Arrow table of {name: values}, typed as docs/outputs.md has them: int64, float64 (NaN
    kept as NaN), bool, and strings as large_string (pandas' own string type); in the `nullable`
    integer columns, None and −1 stand for null."""
    arrays = {}
    for name, values in columns.items():
        if name in nullable:
            arrays[name] = pa.array([None if v is None or v == -1 else v for v in values], pa.int64())
        else:
            values = np.asarray(values)
            arrays[name] = pa.array(values, pa.large_string() if values.dtype.kind == "U" else None)
    return pa.table(arrays)


def table_from_records(records: list, nullable=()) -> pa.Table:
    """`table_from_columns` of a list of {column: value} records, all with the first's keys."""
    return table_from_columns({name: [r[name] for r in records] for name in records[0]}, nullable)


def initial_table(p0: np.ndarray) -> pa.Table:
    """p⁽⁰⁾ of one vocabulary: one row per token."""
    k = p0.size
    return pa.table({"vocab": np.full(k, k), "token": np.arange(k), "prob": np.asarray(p0, dtype=np.float64)}, schema=INITIAL_SCHEMA)


def initial_digest(p0) -> str:
    """SHA-256 of p⁽⁰⁾'s float64 bytes: one fingerprint for every parameter of the initial
    distribution (its kind, exponent, support, file contents …)."""
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(p0, dtype=np.float64).tobytes()).hexdigest()


def content_digest(table: pa.Table) -> str:
    """SHA-256 of a table's columns (names, types, nulls, values), not of its metadata: what a
    study's tables record in their provenance and their readers verify, since Parquet's page
    checksums leave the footer (names, types) and page headers unguarded."""
    import hashlib

    digest = hashlib.sha256(f"{table.schema.remove_metadata()}\n{table.num_rows}".encode())
    for column in table.itercolumns():
        digest.update(np.asarray(column.is_null()).tobytes())
        values = column.to_numpy()
        digest.update(values.tobytes() if values.dtype != object else "\x00".join(map(str, values)).encode())
    return digest.hexdigest()


def with_content_digest(table: pa.Table, meta: dict) -> pa.Table:
    """`with_provenance` of `meta` and the table's own `content_digest` (`sha256`)."""
    return with_provenance(table, {**meta, "sha256": content_digest(table)})


def with_provenance(table: pa.Table, meta: dict) -> pa.Table:
    """`table` with `meta` added to its provenance: the `modelcollapse` entry of its metadata, the
    parameters and the build it was made with (`provenance` reads it back from a file)."""
    metadata = dict(table.schema.metadata or {})
    made = json.loads(metadata.get(b"modelcollapse", b"{}"))
    return table.replace_schema_metadata({**metadata, b"modelcollapse": json.dumps({**made, **meta})})


def provenance(path) -> dict:
    """The parameters a simulation table was made with (its `modelcollapse` metadata)."""
    metadata = open_checked(path).schema_arrow.metadata or {}
    try:
        made = json.loads(metadata.get(b"modelcollapse", b"{}"))
    except ValueError as err:  # damaged JSON or text
        raise ValueError(f"{path}: its provenance is not readable ({err})") from None
    if not isinstance(made, dict):
        raise ValueError(f"{path}: its provenance is not readable (not a mapping)")
    return made


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
            if isinstance(table, str):  # a text rendering beside the tables (a CSV): UTF-8, line ends as given
                Path(tmp).write_text(table, encoding="utf-8", newline="")
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
