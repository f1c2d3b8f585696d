"""The study: from simulated replicates to the maximum safe synthetic fraction α*.

`safe` is the α* estimator (criteria, refinement, the interval by stepwise tests); `analytic`
runs the same estimator on closed forms; `aggregate` turns a row's simulation tables into the
study's summary, criterion and α* tables; `tolerance` gives a row's α* at other thresholds from
the per-seed values it judged; `cost` refuses a study too big for the machine before it runs;
`plotting` draws the phase diagrams, the α*(n) figure and α* against the tolerance; `report` writes the report's
HTML tables; `answers` is the notebook API (`safe_fraction`, `load_study`, `Study`). Built on
`modelcollapse.core`; nothing is imported by importing this package, so pandas and matplotlib
load only when used.
"""
