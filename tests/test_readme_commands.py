"""Every shell command in the code blocks of the README and of the docs pages is one a user can
run: each `snakemake` line dry-runs (a wrong argument order, such as a target after --configfile,
fails here), each `modelcollapse` line parses, each `make` target exists."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from modelcollapse import cli

ROOT = Path(__file__).resolve().parents[1]


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def page_commands(page: Path) -> list[str]:
    """Lines of a page's fenced shell blocks (no language, sh, bash), comments removed and
    continuation lines joined; other fences (```python, ```text) are skipped."""
    commands, language, block = [], None, []
    for line in page.read_text().splitlines():
        fence = re.match(r"^\s*```(\w*)\s*$", line)
        if fence and language is None:
            language, block = fence.group(1), []
        elif fence:
            if language in ("", "sh", "bash", "shell"):
                joined = re.sub(r"\\\n\s*", " ", "\n".join(block))
                for command in joined.splitlines():
                    command = command.split(" #", 1)[0].strip()
                    if command and not command.startswith("#"):
                        commands.append(command)
            language = None
        elif language is not None:
            block.append(line)
    return commands


README = page_commands(ROOT / "README.md")
COMMANDS = list(dict.fromkeys(c for page in PAGES for c in page_commands(page)))  # each once, in page order
SNAKEMAKE = [c for c in COMMANDS if c.startswith("snakemake ")]


def test_the_readme_has_the_quick_start():
    """`make run`, `make test` and the plain Snakemake commands stay in the README."""
    assert {"make run", "make test", "snakemake --cores all", "pytest"} <= set(README)
    assert len([c for c in README if c.startswith("snakemake ")]) >= 7


def test_the_pages_have_commands():
    assert len(SNAKEMAKE) >= 8 and any(c.startswith("make ") for c in COMMANDS)
    for page in ("cluster.md", "reproducing.md", "usage.md"):
        assert any(c.startswith(("snakemake ", "python -m modelcollapse")) for c in page_commands(ROOT / "docs" / page)), page


@pytest.mark.parametrize("command", SNAKEMAKE)
def test_snakemake_command_dry_runs(command):
    argv = shlex.split(command)[1:]
    if "--report" in argv:  # a report needs finished results: check the rest of the line
        i = argv.index("--report")
        del argv[i : i + 2]
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *argv, "--dry-run", "--quiet", "rules"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{command}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.split()[0] == "modelcollapse" or c.startswith("python -m modelcollapse")])
def test_modelcollapse_command_parses(command):
    argv = shlex.split(command)
    argv = argv[3:] if argv[0] == "python" else argv[1:]
    if "--help" in argv:
        with pytest.raises(SystemExit) as exit_info:
            cli._parser().parse_args(argv)
        assert exit_info.value.code == 0
    else:
        cli._parser().parse_args(argv)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith("make ")])
def test_make_target_exists(command):
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    assert shlex.split(command)[1] in targets, command
