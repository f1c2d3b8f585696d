"""The README's configuration reference stays in sync with the JSON schema."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def schema_keys(properties, prefix=""):
    for key, node in properties.items():
        yield prefix + key, node
        if "properties" in node:
            yield from schema_keys(node["properties"], f"{prefix}{key}.")


def readme_reference():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    return {key: default.strip() for key, default in re.findall(r"^\| `([\w.]+)` \| *`?([^|`]*)`? *\|", section, re.M)}


def test_every_schema_key_is_documented_and_nothing_else():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert set(readme_reference()) == {key for key, _ in schema_keys(schema["properties"])}


def test_documented_scalar_defaults_match_the_schema():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    documented = readme_reference()
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


def test_readme_result_blocks_render_from_a_study(tmp_path):
    """docs/update_readme.py fills every result block of the README from a safe_fraction table."""
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
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    script = [sys.executable, str(ROOT / "docs" / "update_readme.py"), str(tmp_path / "study"), "--readme", str(readme)]
    subprocess.run(script, check=True, capture_output=True)
    text = readme.read_text()
    assert "| 300 | 100 | **0.5** (`drift`) | 0.5 [0.4, 0.6]" in text and "| `collapse` | 4 of 4 | 4 (100%) |" in text
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0
