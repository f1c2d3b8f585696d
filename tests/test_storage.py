"""No shared filesystem: the study run with Snakemake's S3 storage plugin as the default storage
(every input, output, log and benchmark goes through the bucket), against a real S3-compatible
HTTP server on localhost (moto's server mode), gives the local run's results bit for bit.

This is how the Kubernetes, Google Batch and AWS Batch executors run the workflow; the command is
the one of docs/cluster.md, "Without a shared filesystem"."""

import os
import shlex
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import project_copy, snakemake
from results_digest import column_digest

from modelcollapse.core.io import provenance

pytest.importorskip(
    "snakemake_storage_plugin_s3", reason="the S3 storage plugin is not installed (snakemake-storage-plugin-s3, envs/requirements.txt)"
)
moto_server = pytest.importorskip(
    "moto.server", reason="moto's S3 server is not installed (moto[s3], flask and flask-cors, envs/requirements.txt)"
)
import boto3  # noqa: E402 (a dependency of the plugin)

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "modelcollapse-test"
PREFIX = "runs/one"  # a prefix inside the bucket, as a shared bucket would have
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}

# The documented command (docs/cluster.md), its bucket and prefix replaced by the test's.
DOCUMENTED = next(
    (
        line
        for line in (ROOT / "docs" / "cluster.md").read_text().splitlines()
        if line.startswith("snakemake ") and "--executor" not in line and "s3://" in line
    ),
    None,
)


@pytest.fixture(scope="module")
def endpoint():
    """moto's S3 server, in a thread of this process, on a free port of localhost."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bucket(endpoint):
    client = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    return client


def storage_run(work: Path, scratch: Path, endpoint: str, prefix: str, *args, targets=()):
    """The documented command in the project copy `work`, with `args` (and `targets` instead of
    `study`) and the test's server: fake credentials in the variables the plugin reads (and
    Snakemake hands on to remote jobs), no AWS setting of this machine's, no filesystem assumed
    shared, the jobs' local copies in `scratch`."""
    assert DOCUMENTED, "docs/cluster.md has no `snakemake … --default-storage-provider s3` command"
    argv = [a.replace("s3://my-bucket/modelcollapse", f"s3://{BUCKET}/{prefix}") for a in shlex.split(DOCUMENTED)[1:]]
    assert f"s3://{BUCKET}/{prefix}" in argv and "study" in argv, DOCUMENTED
    if targets:
        argv = [a for a in argv if a != "study"] + list(targets)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SNAKEMAKE_STORAGE_S3_"))}
    env.update(
        SNAKEMAKE_STORAGE_S3_ACCESS_KEY=CREDENTIALS["aws_access_key_id"],
        SNAKEMAKE_STORAGE_S3_SECRET_KEY=CREDENTIALS["aws_secret_access_key"],
        AWS_CONFIG_FILE=str(scratch / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(scratch / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    extra = ["--storage-s3-endpoint-url", endpoint, "--shared-fs-usage", "none", "--local-storage-prefix", str(scratch / "local copies")]
    return snakemake(work, *argv, *extra, *args, env=env)


def download(client, prefix: str, dest: Path):
    """Every object under `prefix` into the folder `dest`, by the rest of its key."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for obj in page.get("Contents", []):
            path = dest / obj["Key"][len(prefix) :]
            path.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(BUCKET, obj["Key"], str(path))


def tables(results: Path) -> list:
    """The study's tables (Parquet, CSV) under `results`, relative paths in name order."""
    return sorted(str(p.relative_to(results)) for p in results.rglob("*") if p.suffix in (".parquet", ".csv"))


def differences(ours: Path, theirs: Path) -> list:
    """How the Parquet file `theirs` differs from `ours`: the schema, each column's values (every bit
    of every value, as tests/results_digest.py compares them), each field of the provenance (none
    may differ: nothing in it depends on where the files are) and any other metadata (pandas')."""
    a, b = pq.read_table(ours), pq.read_table(theirs)
    if not a.schema.remove_metadata().equals(b.schema.remove_metadata()):
        return [f"schema {a.schema.remove_metadata()} != {b.schema.remove_metadata()}"]
    found = [f"values of {c}" for c in a.column_names if column_digest(a[c].to_pylist()) != column_digest(b[c].to_pylist())]
    made_a, made_b = provenance(ours), provenance(theirs)
    found += [f"provenance {key}" for key in sorted(set(made_a) | set(made_b)) if made_a.get(key) != made_b.get(key)]
    other_a, other_b = ({k: v for k, v in (t.schema.metadata or {}).items() if k != b"modelcollapse"} for t in (a, b))
    found += [f"metadata {key.decode()}" for key in sorted(set(other_a) | set(other_b)) if other_a.get(key) != other_b.get(key)]
    return found


def test_the_study_through_s3_storage_equals_the_local_run(tmp_path, small_run, endpoint, bucket):
    work = project_copy(tmp_path / "work")
    storage_run(work, tmp_path, endpoint, PREFIX, "--configfile", ".test/config/config.yaml")
    assert not (work / "results").exists(), "the study wrote into the working directory, not only into the bucket"

    downloaded = tmp_path / "downloaded"
    download(bucket, f"{PREFIX}/results/{small_run.name}/", downloaded)
    expected = tables(small_run)
    assert len(expected) > 40 and any(t.startswith("sims/") for t in expected) and any(t.startswith("probes/") for t in expected)
    assert tables(downloaded) == expected, "the bucket holds other tables than the local run"
    changed = {}
    for table in expected:
        ours, theirs = small_run / table, downloaded / table
        if table.endswith(".parquet"):
            found = differences(ours, theirs)
        else:
            found = [] if ours.read_bytes() == theirs.read_bytes() else ["bytes"]
        if found:
            changed[table] = found
    assert not changed, f"the run through S3 differs from the local run: {changed}"
    for figure in ("safe_fraction", "tolerance", "phase_drift"):
        assert (downloaded / "figures" / f"{figure}.png").read_bytes() == (small_run / "figures" / f"{figure}.png").read_bytes(), figure

    # The report, from the files in the bucket: its opening page embeds the α*(n) figure and table.
    storage_run(work, tmp_path, endpoint, PREFIX, "--configfile", ".test/config/config.yaml", "--report", "report.html")
    report = (work / "report.html").read_text(errors="ignore")
    assert "safe_fraction.csv" in report and 'img class=\\"modelcollapse\\"' in report


def test_a_p0_file_is_read_from_the_checkout(tmp_path, endpoint, bucket):
    """`initial: {kind: file}`: the file (data/) is the checkout's, not looked up in the bucket; the
    jobs that read it write into the bucket."""
    work = project_copy(tmp_path / "work")
    targets = ["results/shakespeare/initial/vocab65.parquet", "results/shakespeare/sims/n10_vocab65_f0_s0.parquet"]
    storage_run(work, tmp_path, endpoint, "runs/p0-file", "--configfile", "config/shakespeare.yaml", targets=targets)
    for target in targets:
        bucket.head_object(Bucket=BUCKET, Key=f"runs/p0-file/{target}")  # raises if missing
    assert not (work / "results").exists()
