"""Every file the repository cites is in the repository.

The code, configs, figures and docs may refer a reader to the paper (Seddik et al. 2024) or to a
page of docs/, but never to a file a clone does not have, such as private notes. Two checks over
every tracked text file (`git ls-files`; binaries and the tiny-shakespeare corpus are skipped):

- no mention of the former private notes (the names in NOTES, followed by ".md") unless the
  mentioned file is itself tracked, resolved against the repository root or the citing file's
  folder;
- every `docs/<name>.md` path mentioned exists as a tracked file.
"""

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = {"data/tinyshakespeare.txt"}  # the corpus: text, but not ours
NOTES = ("paper", "DESIGN")  # notes the code once cited that were never part of the repository
# A mention of a note: the name with ".md", and any path in front of it (so a note's name under
# "docs/x/" is resolved as that path). No note's name is written out with ".md" here, so this file
# does not cite one.
NOTE_RE = re.compile(r"(?<![\w-])([\w./-]*?)\b(" + "|".join(NOTES) + r")\.md\b", re.IGNORECASE)
DOCS_RE = re.compile(r"(?<![\w-])docs/[\w./-]+\.md")


@cache
def tracked() -> tuple[str, ...]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    proc = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("not a git checkout: " + proc.stderr.decode(errors="replace").strip())
    return tuple(name for name in proc.stdout.decode().split("\0") if name)


def text_files():
    """(path, text) of every tracked text file present in the work tree."""
    for name in tracked():
        path = ROOT / name
        if name in SKIP or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        try:
            yield name, data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not text


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def resolves(cited: str, citing: str, files: set[str]) -> bool:
    """Whether `cited` (as written in the tracked file `citing`) names a tracked file, read from
    the repository root or from the citing file's folder (a relative Markdown link), or, in
    mkdocs.yml, from docs/."""
    cited = cited.split("#", 1)[0]
    bases = [PurePosixPath(), PurePosixPath(citing).parent]
    if citing == "mkdocs.yml":
        bases.append(PurePosixPath("docs"))  # its nav names pages from docs_dir
    for base in bases:
        parts = []
        for part in (base / cited).parts:
            if part == "..":
                if not parts:
                    break
                parts.pop()
            elif part != ".":
                parts.append(part)
        else:
            if "/".join(parts) in files:
                return True
    return False


def test_no_citation_of_untracked_notes():
    files = set(tracked())
    bad = []
    for name, text in text_files():
        for match in NOTE_RE.finditer(text):
            cited = match.group(1) + match.group(2) + ".md"
            if not resolves(cited, name, files):
                bad.append(f"{name}:{line_of(text, match.start())}: {cited}")
    assert not bad, (
        f"{len(bad)} citation(s) of files the repository does not have; cite the paper "
        "(e.g. 'Seddik et al. 2024, eq 9') or a docs/ page instead:\n" + "\n".join(bad)
    )


def test_cited_docs_pages_exist():
    files = set(tracked())
    bad = []
    for name, text in text_files():
        for match in DOCS_RE.finditer(text):
            if match.group(0) not in files:
                bad.append(f"{name}:{line_of(text, match.start())}: {match.group(0)}")
    assert not bad, f"{len(bad)} mention(s) of docs/ pages that are not tracked:\n" + "\n".join(bad)


LINK_RE = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")  # a Markdown link or image: its target


def test_readme_links_resolve():
    """Every relative link and image of the README names a tracked file (the docs pages, their
    figures); the docs pages' own links are checked by the site's strict build below."""
    files = set(tracked())
    text = (ROOT / "README.md").read_text()
    targets = [m.group(1) for m in LINK_RE.finditer(text) if not re.match(r"[a-z]+:|#", m.group(1))]
    assert targets, "the README links to its docs pages"
    bad = [target for target in targets if not resolves(target, "README.md", files)]
    assert not bad, f"README.md links to files the repository does not have: {bad}"
    for target in targets:  # an anchor names a heading of the page (GitHub's and MkDocs' slug)
        page, _, anchor = target.partition("#")
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", heading.lower()).strip().replace(" ", "-") for heading in headings}
            assert anchor in slugs, f"README.md: {target}: no such heading in {page}"


def test_docs_site_builds_strictly(tmp_path):
    """`mkdocs build --strict` (mkdocs.yml: every page in the nav, links between pages and their
    anchors checked): a broken link, a missing anchor, a page left out of the nav or a link out of
    docs/ is a warning, and any warning fails the build."""
    import os
    import sys

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner about its successor
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "WARNING" not in output, output[-3000:]
    pages = {page.stem for page in (ROOT / "docs").glob("*.md")}
    built = {path.parent.name for path in (tmp_path / "site").glob("*/index.html")}
    assert pages - {"index"} <= built and (tmp_path / "site" / "index.html").exists()


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    """The lint and format settings of pyproject.toml ([tool.ruff]) hold for the whole repository:
    what the pre-commit hooks (ruff, ruff-format) would change, CI refuses."""
    import sys

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is pinned in envs/requirements.txt"
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([ruff, *command], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
