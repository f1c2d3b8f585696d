"""Token counts of a text: the `token,count` file that p⁽⁰⁾ of kind `file` reads, so a corpus of
your own becomes an initial distribution (docs/usage.md, "From your own text"). The tokenizers:

- `chars`: every character (Unicode code point) of the text;
- `words`: the maximal runs of `\\w` (Python's: letters and digits of any script, and `_`), case
  kept; every other character separates words and is not counted;
- `bpe`: a byte-level BPE trained on the corpus itself, or the tokenizer of a `tokenizer.json`,
  by Hugging Face `tokenizers` (the `corpus` extra); a token is the tokenizer's own string.

The text is read as UTF-8, a leading byte-order mark dropped and line ends read as "\\n"; `bpe`
trains on, and counts, the text line by line (each line with its "\\n").
"""

import codecs
import csv
import io
import re
from collections import Counter

TOKENIZERS = ("chars", "words", "bpe")
WORD = re.compile(r"\w+")
WORD_CHAR = re.compile(r"\w")
MAX_VOCAB = 2**32 - 1  # token ids of `tokenizers` are 32-bit
CHUNK = 2**20  # bytes read at a time: chars and words hold only their counts, never the text
BATCH = 10_000  # lines encoded at a time by bpe
ALLOWED = "a UTF-8 text file with at least two distinct tokens"


def check_options(tokenizer: str, vocab_size: int | None = None, tokenizer_file=None) -> None:
    """ValueError, naming the parameter and what is allowed, for options that do not go together."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {tokenizer!r}")
    if vocab_size is not None and (int(vocab_size) != vocab_size or not 2 <= vocab_size <= MAX_VOCAB):
        raise ValueError(f"vocab_size must be an integer in [2, {MAX_VOCAB}], got {vocab_size}")
    if tokenizer_file is not None and tokenizer != "bpe":
        raise ValueError(f"tokenizer_file applies to tokenizer bpe, not {tokenizer}")
    if tokenizer == "bpe" and tokenizer_file is None and vocab_size is None:
        raise ValueError("vocab_size is required by tokenizer bpe, the size of the vocabulary it trains (or give a tokenizer file)")


def read_text(path):
    """The text of a UTF-8 file, in pieces (a file too large for memory is fine); ValueError
    naming the file when it cannot be read or is not UTF-8 (with the offset of the first bad byte)."""
    name = str(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = io.IncrementalNewlineDecoder(decoder, translate=True)  # "\r\n" and "\r" are "\n"
    offset, first = 0, True
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                pending = len(decoder.getstate()[0])  # bytes of a character split across chunks
                try:
                    piece = text.decode(chunk, final=not chunk)
                except UnicodeDecodeError as err:
                    raise ValueError(
                        f"corpus {name}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {offset - pending + err.start}); "
                        f"allowed: {ALLOWED} (convert it first, e.g. with iconv)"
                    ) from None
                offset += len(chunk)
                if first and piece:
                    piece, first = piece.removeprefix("\ufeff"), False
                if piece:
                    yield piece
                if not chunk:
                    return
    except OSError as err:
        raise ValueError(f"corpus {name}: cannot be read ({err.strerror or err}); allowed: {ALLOWED}") from None


def _words(pieces):
    """The `\\w+` runs of the text; a run at the end of a piece waits for the next one."""
    carry = ""
    for piece in pieces:
        text = carry + piece
        end = len(text)
        while end and WORD_CHAR.match(text, end - 1):
            end -= 1
        yield from WORD.findall(text, 0, end)
        carry = text[end:]
    if carry:
        yield carry


def split_lines(pieces):
    """The lines of the text, each with its "\\n" (the last one without, if the text ends without)."""
    carry = ""
    for piece in pieces:
        *lines, carry = (carry + piece).split("\n")
        yield from (line + "\n" for line in lines)
    if carry:
        yield carry


def bpe_tokenizer(lines, vocab_size: int):
    """A byte-level BPE trained on `lines` (GPT-2's pre-tokenizer, no prefix space, no special
    tokens): the bytes the text uses, then merges up to `vocab_size` tokens in all; deterministic."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False))
    return tokenizer


def _bpe_counts(pieces, vocab_size, tokenizer_file) -> Counter:
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ValueError("tokenizer bpe needs the Hugging Face tokenizers package: pip install 'modelcollapse[corpus]'") from None
    if tokenizer_file is not None:
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except Exception as err:  # the library raises a bare Exception for a missing or malformed file
            raise ValueError(
                f"tokenizer_file {tokenizer_file}: cannot be read as a tokenizer.json ({' '.join(str(err).split())})"
            ) from None
    lines = list(split_lines(pieces))  # read twice (training, then counting): a pipe cannot be reopened
    if tokenizer_file is None:
        tokenizer = bpe_tokenizer(lines, vocab_size)
    ids = Counter()
    for start in range(0, len(lines), BATCH):
        for encoding in tokenizer.encode_batch(lines[start : start + BATCH], add_special_tokens=False):
            ids.update(encoding.ids)
    counts = Counter()
    for i, count in ids.items():  # by string: two ids with one string would be one token of the file
        counts[tokenizer.id_to_token(i)] += count
    return counts


def count_tokens(corpus, tokenizer: str, vocab_size: int | None = None, tokenizer_file=None) -> list[tuple[str, int]]:
    """(token, count) of a UTF-8 text file by `tokenizer` (one of TOKENIZERS), most frequent
    first, ties by token (code points); only the `vocab_size` most frequent when given (for a
    BPE trained here, also the size of its vocabulary). One-line ValueError naming the file or
    the parameter: unreadable, not UTF-8, empty, fewer than two distinct tokens, bad options."""
    check_options(tokenizer, vocab_size, tokenizer_file)
    size = 0

    def pieces():  # every piece passes here, so an empty text is told from one without tokens
        nonlocal size
        for piece in read_text(corpus):
            size += len(piece)
            yield piece

    if tokenizer == "chars":
        counts = Counter()
        for piece in pieces():
            counts.update(piece)
    elif tokenizer == "words":
        counts = Counter(_words(pieces()))
    else:
        counts = _bpe_counts(pieces(), vocab_size, tokenizer_file)
    if not size:
        raise ValueError(f"corpus {corpus}: empty; allowed: {ALLOWED}")
    if len(counts) < 2:
        found = f"only the token {next(iter(counts))!r}" if counts else "no token"
        raise ValueError(f"corpus {corpus}: {found} by tokenizer {tokenizer}; allowed: {ALLOWED}")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:vocab_size] if vocab_size is not None else ranked


def counts_csv(counts) -> str:
    """The `token,count` CSV of (token, count) pairs, what p⁽⁰⁾ of kind `file` reads: every token
    quoted, as CSV escapes it (a "\\n" or a "," inside quotes, a quote doubled)."""
    out = io.StringIO()
    out.write("token,count\n")
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(counts)
    return out.getvalue()
