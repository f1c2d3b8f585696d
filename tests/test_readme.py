"""docs/update_blocks.py writes every generated block of the README and the docs pages (the
configuration's reference among them)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_configuration_page_has_the_generated_reference():
    """docs/configuration.md's key table is what the schema gives (`update_blocks.py --only config`),
    and lists every key."""
    import subprocess
    import sys

    script = [sys.executable, str(ROOT / "docs" / "update_blocks.py"), "--only", "config", "--check"]
    assert subprocess.run(script, capture_output=True).returncode == 0
    table = (ROOT / "docs" / "configuration.md").read_text()
    for key in ("study", "safe.confidence", "paper.fig6.windows", "transformer.preset"):
        assert f"| `{key}` |" in table


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
    from a safe_fraction table and its tolerance table."""
    import subprocess
    import sys

    import pandas as pd

    rows = [
        {
            "scenario": "mixed",
            "frame": "budget",
            "n": n,
            "n_real": None,
            "vocab": v,
            "criterion": c,
            "threshold": 0.1,
            "safe_fraction": 0.5,
            "ci_low": 0.4,
            "ci_high": 0.6,
            "safe_fraction_conservative": 0.4,
            "max_synthetic": n // 2,
            "bracket_low": 0.5,
            "bracket_high": 0.51,
            "analytic_safe_fraction": 0.5,
            "analytic_valid": True,
            "seeds": 100,
            "confidence": 0.95,
        }
        for n in (30, 300)
        for v in (10, 100)
        for c in ("drift", "excess_error", "diversity", "collapse")
    ]
    (tmp_path / "study").mkdir()
    pd.DataFrame(rows).to_parquet(tmp_path / "study" / "safe_fraction.parquet")
    sweep = [{**r, "threshold": t, "safe_fraction": 0.5 + t, "refined": t == 0.1} for r in rows for t in (0.05, 0.1, 0.2)]
    pd.DataFrame(sweep).to_parquet(tmp_path / "study" / "tolerance.parquet")
    root = copy_of_the_pages(tmp_path / "tree")
    script = [sys.executable, str(ROOT / "docs" / "update_blocks.py"), str(tmp_path / "study"), "--only", "study", "--root", str(root)]
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 1  # the fake study is not the shipped one
    subprocess.run(script, check=True, capture_output=True)
    readme, page = (root / "README.md").read_text(), (root / "docs" / "safe-fraction.md").read_text()
    assert "| 300 | 100 | **0.5** (`drift`) | 0.5 [0.4, 0.6]" in readme
    assert "| `collapse` | 4 of 4 | 4 (100%) |" in page and "Row n = 30, vocab = 10" in page
    assert "| `drift` | 0.05 | 0.55 | [0.4, 0.6] | no: next probe 0.51 | 0.5 (yes) |" in page
    assert "| `drift` | **0.1** | 0.6 | [0.4, 0.6] | yes | 0.5 (yes) |" in page
    assert "a drift threshold of 0.05, 0.1, 0.2 gives α\\* 0.55, 0.6, 0.7" in page
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0


def test_the_samplers_block_renders_where_alpha_stops_growing(tmp_path):
    """`docs/update_blocks.py --only samplers` writes the README's samplers-at-a-glance block from a
    samplers study: per sampler, α* [interval] at every n, the sizes between which it stops growing
    (from where every later interval meets the last one), and the predicted ceiling."""
    import subprocess
    import sys

    import pandas as pd

    alpha = {  # sampler: (α*, ci_low, ci_high) at n = 100, 300, 1000, 3000; the ceiling
        "exact": ([(0.2, 0.1, 0.3), (0.5, 0.45, 0.55), (0.8, 0.75, 0.85), (0.9, 0.88, 0.92)], float("nan")),
        "top_k:3": ([(0.1, 0.05, 0.12), (0.14, 0.13, 0.15), (0.146, 0.14, 0.15), (0.147, 0.145, 0.148)], 0.1464),
    }
    rows = [
        {
            "n": n,
            "vocab": 10,
            "sampler": sampler,
            "criterion": "drift",
            "threshold": 0.1,
            "safe_fraction": a,
            "ci_low": low,
            "ci_high": high,
            "max_synthetic": round(a * n),
            "sampler_ceiling": ceiling,
            "seeds": 100,
            "confidence": 0.95,
        }
        for sampler, (values, ceiling) in alpha.items()
        for n, (a, low, high) in zip((100, 300, 1000, 3000), values)
    ]
    (tmp_path / "samplers").mkdir()
    pd.DataFrame(rows).to_parquet(tmp_path / "samplers" / "safe_fraction.parquet")
    root = copy_of_the_pages(tmp_path / "tree")
    script = [sys.executable, str(ROOT / "docs" / "update_blocks.py"), "--only", "samplers", "--samplers", str(tmp_path / "samplers")]
    subprocess.run([*script, "--root", str(root)], check=True, capture_output=True)
    readme = (root / "README.md").read_text()
    assert "| `exact` | 0.2 [0.1, 0.3] | 0.5 [0.45, 0.55] | 0.8 [0.75, 0.85] | 0.9 [0.88, 0.92] | still growing at n = 3000 |" in readme
    assert "| `top_k:3` | 0.1 [0.05, 0.12] | 0.14 [0.13, 0.15] | 0.146 [0.14, 0.15] | 0.147 [0.145, 0.148] | n in (100, 300] |" in readme
    assert "| **0.147** [0.145, 0.148] | **0.146** |" in readme and "| none (grows with n) |" in readme


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
    script = [
        sys.executable,
        str(ROOT / "docs" / "update_blocks.py"),
        "--only",
        "performance",
        "--bench",
        str(reports),
        "--root",
        str(root),
    ]
    subprocess.run(script, check=True, capture_output=True)
    performance, page = (root / "docs" / "performance.md").read_text(), (root / "docs" / "safe-fraction.md").read_text()
    assert all(f"report {name}" in performance for name in ("simulate", "analytic", "aggregation", "workflow", "workflow_1000_seeds"))
    assert "report interval_coverage" in page and "report interval_coverage" not in performance
    assert (root / "README.md").read_text() == (ROOT / "README.md").read_text()
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0
