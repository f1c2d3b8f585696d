"""The configuration reference (docs/configuration.md) stays in sync with the JSON schema, and
docs/update_blocks.py writes every generated block of the README and the docs pages."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def schema_keys(properties, prefix=""):
    for key, node in properties.items():
        yield prefix + key, node
        if "properties" in node:
            yield from schema_keys(node["properties"], f"{prefix}{key}.")


def config_reference():
    """The key table of docs/configuration.md, "Every key": {key: default as written}."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("## Every key", 1)[1].split("\n## ", 1)[0]
    return {key: default.strip() for key, default in re.findall(r"^\| `([\w.]+)` \| *`?([^|`]*)`? *\|", section, re.M)}


def test_every_schema_key_is_documented_and_nothing_else():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert set(config_reference()) == {key for key, _ in schema_keys(schema["properties"])}


def test_documented_scalar_defaults_match_the_schema():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    documented = config_reference()
    for key, node in schema_keys(schema["properties"]):
        default = node.get("default", node.get("examples", [None])[0])  # the frames' pairs: examples
        if not isinstance(default, (dict, list)):
            assert yaml.safe_load(documented[key]) == default, key


def test_shipped_config_sets_every_key_with_the_schema_default():
    """config/config.yaml is the default study: its values are the schema's defaults."""
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for key, node in schema_keys(schema["properties"]):
        if key in ("grid.n_real", "grid.n_synthetic"):
            assert key.split(".")[1] not in config["grid"], key  # the real-data frame's pair
            continue
        value = config
        for part in key.split("."):
            value = value[part]
        if "properties" in node:
            continue
        if "default" in node:
            assert value == node["default"], key
        else:  # the frames' grid pairs: the default study is the budget frame
            assert value == node["examples"][0], key


def test_library_defaults_are_the_schema_defaults():
    """`modelcollapse safe-fraction` and `mc.safe_fraction` use the default study's thresholds
    and grid: the library's constants and the JSON schema say the same."""
    from modelcollapse.study.safe import DEFAULT_FRACTIONS, DEFAULT_THRESHOLDS

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    safe = schema["properties"]["safe"]["properties"]
    assert DEFAULT_THRESHOLDS == {c: safe[c]["default"] for c in DEFAULT_THRESHOLDS}
    assert list(DEFAULT_FRACTIONS) == schema["properties"]["grid"]["properties"]["synthetic_fraction"]["examples"][0]


def blocks_script():
    """docs/update_blocks.py as a module, for its BLOCKS table."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_blocks", ROOT / "docs" / "update_blocks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_generated_block_is_in_its_file_once():
    """Each block docs/update_blocks.py writes sits, once, in the file it names (README.md or a
    docs page), and no file holds a block the script does not write."""
    blocks = blocks_script().BLOCKS
    for name, file in blocks.items():
        text = (ROOT / file).read_text()
        assert text.count(f"<!-- BEGIN {name} -->") == 1 and text.count(f"<!-- END {name} -->") == 1, (name, file)
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for name in re.findall(r"^<!-- BEGIN ([\w-]+) -->$", path.read_text(), re.M):
            assert blocks.get(name) == str(path.relative_to(ROOT)), (name, path)


def copy_of_the_pages(root: Path) -> Path:
    """README.md and docs/*.md under root, as the script writes them."""
    import shutil

    (root / "docs").mkdir(parents=True)
    shutil.copy(ROOT / "README.md", root / "README.md")
    for page in (ROOT / "docs").glob("*.md"):
        shutil.copy(page, root / "docs" / page.name)
    return root


def test_result_blocks_render_from_a_study(tmp_path):
    """docs/update_blocks.py fills every study block, in the README and in docs/safe-fraction.md,
    from a safe_fraction table."""
    import subprocess
    import sys

    import pandas as pd

    rows = [
        {"scenario": "mixed", "frame": "budget", "n": n, "n_real": None, "vocab": v, "criterion": c, "threshold": 0.1,
         "safe_fraction": 0.5, "ci_low": 0.4, "ci_high": 0.6, "safe_fraction_conservative": 0.4, "max_synthetic": n // 2,
         "bracket_low": 0.5, "bracket_high": 0.51, "analytic_safe_fraction": 0.5, "analytic_valid": True,
         "seeds": 100, "confidence": 0.95}
        for n in (30, 300) for v in (10, 100) for c in ("drift", "excess_error", "diversity", "collapse")
    ]
    (tmp_path / "study").mkdir()
    pd.DataFrame(rows).to_parquet(tmp_path / "study" / "safe_fraction.parquet")
    root = copy_of_the_pages(tmp_path / "tree")
    script = [sys.executable, str(ROOT / "docs" / "update_blocks.py"), str(tmp_path / "study"), "--only", "study", "--root", str(root)]
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 1  # the fake study is not the shipped one
    subprocess.run(script, check=True, capture_output=True)
    readme, page = (root / "README.md").read_text(), (root / "docs" / "safe-fraction.md").read_text()
    assert "| 300 | 100 | **0.5** (`drift`) | 0.5 [0.4, 0.6]" in readme
    assert "| `collapse` | 4 of 4 | 4 (100%) |" in page and "Row n = 30, vocab = 10" in page
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0


def test_benchmark_blocks_render_from_the_reports(tmp_path):
    """`make bench`'s last step, `docs/update_blocks.py --only performance`, copies the reports into
    docs/performance.md and the coverage report into docs/safe-fraction.md."""
    import subprocess
    import sys

    reports = tmp_path / "bench"
    reports.mkdir()
    for name in ("simulate", "analytic", "aggregation", "workflow", "workflow_1000_seeds", "interval_coverage"):
        (reports / f"{name}.txt").write_text(f"machine: test; report {name}\n")
    root = copy_of_the_pages(tmp_path / "tree")
    script = [sys.executable, str(ROOT / "docs" / "update_blocks.py"), "--only", "performance", "--bench", str(reports), "--root", str(root)]
    subprocess.run(script, check=True, capture_output=True)
    performance, page = (root / "docs" / "performance.md").read_text(), (root / "docs" / "safe-fraction.md").read_text()
    assert all(f"report {name}" in performance for name in ("simulate", "analytic", "aggregation", "workflow", "workflow_1000_seeds"))
    assert "report interval_coverage" in page and "report interval_coverage" not in performance
    assert (root / "README.md").read_text() == (ROOT / "README.md").read_text()
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0
