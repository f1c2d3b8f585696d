"""The study: from simulated replicates to the maximum safe synthetic fraction α*.

`safe` is the α* estimator (criteria, refinement, the interval by stepwise tests); `analytic`
runs the same estimator on closed forms; `aggregate` turns a row's simulation tables into the
study's summary, criterion and α* tables; `cost` refuses a study too big for the machine before
it runs; `plotting` draws the phase diagrams and the α*(n) figure; `report` writes the report's
HTML tables; `answers` is the notebook API (`safe_fraction`, `load_study`, `Study`). Built on
`modelcollapse.core`; nothing is imported by importing this package, so pandas and matplotlib
load only when used.
"""
