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
