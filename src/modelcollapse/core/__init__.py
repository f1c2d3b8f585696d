"""The engine and its foundations: what every other part of the library builds on.

`simulate` runs recursive training exactly (one replicate is a Markov chain of counts, compiled in
C in `_kernels`, each replicate on its own random stream built by `seeding`); `initial` makes
the initial distribution p⁽⁰⁾; `theory` holds the paper's closed forms; `io` writes and reads the
Parquet tables; `stats` is the one place where a mean, its standard error, a z-score and a
chi-square test are computed. Nothing here needs pandas, matplotlib or torch, and nothing is
imported by importing this package: `python -m modelcollapse simulate` loads NumPy,
pyarrow and the compiled engine only.
"""
