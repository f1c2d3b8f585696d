"""From your own text to α* in two commands: `modelcollapse counts` (core.corpus) writes the
`token,count` file that `--initial file` reads (docs/usage.md, "From your own text")."""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelcollapse import cli
from modelcollapse.core import corpus, initial

REPO = Path(__file__).resolve().parents[1]
TEXT = "The cat, the CAT; the_cat 42 café\r\nnaïve x\n"


def run_counts(capsys, *argv):
    cli.main(["counts", *map(str, argv)])
    return capsys.readouterr()


def read_counts(path) -> list[tuple[str, int]]:
    table = pd.read_csv(path, dtype={"token": str}, keep_default_na=False)
    return list(zip(table["token"], table["count"].astype(int)))


def ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.parametrize(
    "tokenizer, expected",
    [
        # every character, the line end "\r\n" read as one "\n"
        ("chars", Counter("The cat, the CAT; the_cat 42 café\nnaïve x\n")),
        # runs of letters, digits and _ in any script, case kept
        ("words", Counter(["The", "cat", "the", "CAT", "the_cat", "42", "café", "naïve", "x"])),
    ],
)
def test_chars_and_words_count_by_hand(tmp_path, capsys, tokenizer, expected):
    text = tmp_path / "corpus.txt"
    text.write_bytes(TEXT.encode())
    err = run_counts(capsys, text, "--tokenizer", tokenizer, "--out", tmp_path / "counts.csv").err
    assert read_counts(tmp_path / "counts.csv") == ranked(expected)  # most frequent first, ties by token
    assert err == f"wrote {tmp_path / 'counts.csv'}: {len(expected)} tokens, {expected.total()} in all\n"


def test_pieces_join_across_the_reads(tmp_path):
    """A word, a two-byte character and a "\\r\\n" cut by the boundary between two reads, wherever
    it falls, count as in the whole text; a leading byte-order mark is dropped."""
    for shift in range(12):  # the boundary falls `shift` bytes into " word é\r\nend"
        text = "\ufeff" + ("xy " * corpus.CHUNK)[: corpus.CHUNK - 3 - shift] + " wo" + "rd é\r\nend " * 3
        path = tmp_path / f"c{shift}.txt"
        path.write_bytes(text.encode())
        whole = text.removeprefix("\ufeff").replace("\r\n", "\n")
        assert corpus.count_tokens(path, "words") == ranked(Counter(re.findall(r"\w+", whole)))
        assert corpus.count_tokens(path, "chars") == ranked(Counter(whole))


def test_the_top_k_tokens_with_vocab_size(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("b a c b a d b\n")
    assert corpus.count_tokens(path, "words", vocab_size=2) == [("b", 3), ("a", 2)]
    assert corpus.count_tokens(path, "words", vocab_size=3) == [("b", 3), ("a", 2), ("c", 1)]  # tie c, d: by token


def test_the_csv_is_what_from_file_reads(tmp_path):
    """Tokens CSV must quote (a line end, a comma, a quote, a space) and ones that look like
    missing values stay tokens; `from_file` orders text tokens by code point."""
    counts = [("\n", 6), (",", 5), ('"', 4), (" ", 3), ("NA", 2), ("\r", 1), ("é", 1)]
    path = tmp_path / "counts.csv"
    path.write_text(corpus.counts_csv(counts), encoding="utf-8")
    assert read_counts(path) == counts
    by_code_point = [count for _, count in sorted(counts)]
    np.testing.assert_allclose(initial.from_file(path), np.array(by_code_point) / 22, rtol=1e-15)


def test_the_shipped_character_counts_are_what_the_command_writes(tmp_path, capsys):
    run_counts(capsys, REPO / "data" / "tinyshakespeare.txt", "--tokenizer", "chars", "--out", tmp_path / "chars.csv")
    assert (tmp_path / "chars.csv").read_bytes() == (REPO / "data" / "tinyshakespeare_chars.csv").read_bytes()
    text = (REPO / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8")
    counts = np.array([text.count(c) for c in sorted(set(text))])
    np.testing.assert_array_equal(initial.from_file(tmp_path / "chars.csv"), counts / counts.sum())


def test_from_text_to_alpha_star_in_two_commands(tmp_path, capsys):
    text = tmp_path / "my text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs\n" * 3)
    run_counts(capsys, text, "--tokenizer", "words", "--out", tmp_path / "counts.csv")
    cli.main(
        ["safe-fraction", "--initial", "file", "--initial-path", str(tmp_path / "counts.csv"), "--n", "1000", "--analytic-only", "--json"]
    )
    rows = json.loads(capsys.readouterr().out)
    assert {row["vocab"] for row in rows} == {10} and len(rows) == 4
    assert all(0 < row["analytic_safe_fraction"] <= 1 for row in rows if row["analytic_safe_fraction"] is not None)


# --- bpe: Hugging Face tokenizers, trained on the corpus itself -----------------------------------


def test_bpe_is_deterministic_and_counts_every_token_it_produces(tmp_path):
    pytest.importorskip("tokenizers", reason="the corpus extra (pinned in envs/requirements.txt)")
    text = tmp_path / "corpus.txt"
    text.write_text((REPO / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8")[:100_000], encoding="utf-8")
    files = []
    for run in range(2):  # two processes: no state shared, another hash seed
        out = tmp_path / f"bpe{run}.csv"
        command = [
            sys.executable,
            "-m",
            "modelcollapse",
            "counts",
            str(text),
            "--tokenizer",
            "bpe",
            "--vocab-size",
            "300",
            "--out",
            str(out),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        files.append(out.read_bytes())
    assert files[0] == files[1]
    counts = read_counts(tmp_path / "bpe0.csv")
    lines = list(corpus.split_lines(corpus.read_text(text)))
    tokenizer = corpus.bpe_tokenizer(lines, 300)
    produced = Counter(tokenizer.id_to_token(i) for line in lines for i in tokenizer.encode(line, add_special_tokens=False).ids)
    assert counts == ranked(produced) and len(counts) <= 300
    assert sum(count for _, count in counts) == produced.total() < len(text.read_text())  # merges shorten the text
    tokenizer.save(str(tmp_path / "tokenizer.json"))  # the same tokenizer given as a file counts the same
    assert corpus.count_tokens(text, "bpe", tokenizer_file=tmp_path / "tokenizer.json") == counts
    assert initial.from_file(tmp_path / "bpe0.csv").size == len(counts)


# --- bad input: exit status 2, one line naming the argument or flag, nothing written ---------------

BAD = [
    ({"corpus": "missing.txt"}, "corpus", "cannot be read (No such file or directory)"),
    ({"corpus": b""}, "corpus", "empty"),
    ({"corpus": b"abc\xe9t\xe9"}, "corpus", "not UTF-8 text (byte 0xe9 at offset 3)"),
    ({"corpus": b"... !!"}, "corpus", "no token by tokenizer words"),
    ({"corpus": b"aaa", "--tokenizer": "chars"}, "corpus", "only the token 'a' by tokenizer chars"),
    ({"--out": "/proc/forbidden/counts.csv"}, "--out", "cannot create"),
    ({"--out": "folder"}, "--out", "exists and is not a regular file"),
    ({"--vocab-size": "1"}, "--vocab-size", "an integer in [2, 4294967295], got 1"),
    ({"--tokenizer-file": "tokenizer.json"}, "--tokenizer-file", "applies to tokenizer bpe, not words"),
    ({"--tokenizer": "bpe"}, "--vocab-size", "is required by tokenizer bpe"),
    ({"--tokenizer": "bpe", "--tokenizer-file": "corpus.txt"}, "--tokenizer-file", "cannot be read as a tokenizer.json"),
]


@pytest.mark.parametrize("change, name, problem", BAD, ids=[p for _, _, p in BAD])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, change, name, problem):
    args = {"corpus": b"one two two\n", "--tokenizer": "words", "--out": "counts.csv", **change}
    source = tmp_path / "corpus.txt"
    if isinstance(args["corpus"], bytes):
        source.write_bytes(args.pop("corpus"))
    else:
        source = tmp_path / args.pop("corpus")
    (tmp_path / "folder").mkdir()
    argv = [str(source)] + [
        x for flag, value in args.items() for x in (flag, str(tmp_path / value) if flag != "--tokenizer" and not value.isdigit() else value)
    ]
    if change.get("--tokenizer") == "bpe" and "--tokenizer-file" in change:
        pytest.importorskip("tokenizers", reason="the corpus extra (pinned in envs/requirements.txt)")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["counts", *argv])
    assert exit_info.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("modelcollapse counts: error: ") and name in line and problem in line, line
    assert not (tmp_path / "counts.csv").exists()
