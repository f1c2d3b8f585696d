"""Character frequencies of a text as an initial distribution p(0) for `initial: {kind: file}`.

    python data/char_counts.py data/tinyshakespeare.txt data/tinyshakespeare_chars.csv

writes one row per distinct character, in code-point order: `token` (0, 1, …), `codepoint`
(the character, as its Unicode code point, so the CSV needs no quoting) and `count`.
"""

import sys
from collections import Counter


def char_counts(text: str) -> list[tuple[int, int, int]]:
    counts = Counter(text)
    return [(token, ord(char), counts[char]) for token, char in enumerate(sorted(counts))]


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8") as f:
        rows = char_counts(f.read())
    with open(target, "w", encoding="utf-8") as f:
        f.write("token,codepoint,count\n")
        f.writelines(f"{t},{c},{n}\n" for t, c, n in rows)


if __name__ == "__main__":
    main(*sys.argv[1:3])
