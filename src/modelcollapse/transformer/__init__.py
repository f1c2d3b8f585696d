"""Figure 5 of the paper: recursive training of a character-level transformer on tiny-shakespeare.

`model` is the experiment itself (the model, training, sampling; the only part of the library
that needs torch, an optional dependency); `plots` builds the drift and validation-loss tables,
checks the figure's claim and draws it from saved results, without torch. A unit that can be
dropped on its own: nothing else in the library uses it, and nothing is imported by importing
this package.
"""
