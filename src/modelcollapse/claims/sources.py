"""What each claim of the atlas says, where, and how it was read (docs/claims.md).

`status` is "verified" when the statement was read in the source's own text (the paper, or its
abstract on arXiv, at the version named), "unverified" when only a copy elsewhere was seen. The
frame and criterion are the claim's; `mapping` says how its frame lands on ours (α = synthetic
fraction, N real samples kept, n synthetic). Text only: every number of a row comes from the run.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Source:
    paper: str
    arxiv: str
    section: str
    statement: str  # verbatim, short
    status: str  # verified | unverified
    their_criterion: str
    mapping: str


SEDDIK = "Seddik, Chen, Hayou, Youssef & Debbah 2024, How Bad is Training on Synthetic Data?"

# one claim, measured under two samplers: only the mapping onto our model differs
DOHMATOB = Source(
    "Dohmatob, Feng, Subramonyam & Kempe 2024, Strong Model Collapse",
    "2410.04840 (v2)",
    "abstract",
    "even the smallest fraction of synthetic data (e.g., as little as 1% of the total training dataset) "
    "can still lead to model collapse: larger and larger training sets do not enhance performance",
    "verified",
    "test error of a regression trained on a mix whose synthetic part comes from a fixed, shifted source",
    "scenario mixed, budget frame, α = 0.01 of n, synthetic draws by the exact sampler; error E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁",
)

SOURCES = {
    "seddik_eq11": Source(
        SEDDIK,
        "2404.05090 (v1)",
        "§3.2 Partially Synthetic, eq (11) after Theorem 3",
        "the amount of synthetic data should be exponentially smaller compared to real data in order to "
        "ensure that p(m) remains close to p(1)",
        "verified",
        "drift E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ ≤ ε; N real samples kept, n synthetic added (their s = our vocab)",
        "the same frame: scenario mixed in the real-data frame, α = n/(N + n); criterion drift at G",
    ),
    "seddik_gpt": Source(
        SEDDIK,
        "2404.05090 (v1)",
        "§4.1 Transformer-based Models, Figure 5 (mixes only in its legend: synthetic 20 %, 50 %)",
        "∥p(m) − p(1)∥₁ diverges over generations in the Fully Synthetic setting, while mixing with real data "
        "ensures stability over generations",
        "verified",
        "L1 drift from the first model over 9 generations, GPT-2 on tiny-shakespeare (sizes not stated)",
        "scenario mixed, budget frame: synthetic 20 % → α = 0.2, 50 % → α = 0.5, fully synthetic α = 1",
    ),
    "dohmatob_exact": DOHMATOB,
    "dohmatob_truncating": replace(
        DOHMATOB,
        mapping="scenario mixed, budget frame, α = 0.01 of n, synthetic draws by a truncating sampler (a biased "
        "source, as theirs); error E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁",
    ),
    "shumailov": Source(
        "Shumailov, Shumaylov, Zhao, Papernot, Anderson & Gal 2024, AI models collapse when trained on "
        "recursively generated data (Nature 631:755)",
        "2305.17493 (preprint; quoted from the Nature version)",
        "Model collapse in language models",
        "Ten epochs, 10% of original training data preserved. … leads to only minor degradation of performance",
        "verified",
        "perplexity under the original model; OPT-125m, beam-search synthesis, a fresh 10 % of the corpus each generation",
        "scenario fresh, budget frame: 10 % real → α = 0.9; excess error E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ / E‖p̂ − p⁽⁰⁾‖₁ at G = 10",
    ),
    "gerstgrasser": Source(
        "Gerstgrasser et al. 2024, Is Model Collapse Inevitable? Breaking the Curse of Recursion by Accumulating Real and Synthetic Data",
        "2404.01413 (v1)",
        "abstract",
        "if data are replaced, the test error increases linearly with the number of model-fitting iterations; "
        "… if data instead accumulate, the test error has a finite upper bound independent of the number of "
        "iterations",
        "verified",
        "test error (squared) of linear regression; π²/6 per Dey & Donoho (2410.22812, abstract, unverified)",
        "scenario accumulate (all data kept) against fully synthetic replacement (mixed, α = 1); "
        "E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₂² over that of the first, all-real model",
    ),
    "golden_ratio": Source(
        "He, Xu & Cheng 2025, Recursive Learning Without Collapse: A Weighting-Based Stabilization Framework",
        "2502.18049 (v5)",
        "abstract",
        "In some cases, the optimal weight assigned to real data corresponds to the reciprocal of the golden ratio.",
        "verified",
        "estimation error, fresh real data each generation plus the previous model's synthetic data, weighted loss",
        "scenario fresh with n real and m synthetic samples, the weighted MLE p = w·p̂_real + (1 − w)·p̂_synthetic; "
        "stationary E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₂²",
    ),
    "borkar": Source(
        "Borkar 2025",
        "2506.09401 (v4)",
        "abstract; §I Introduction",
        "one in fact gets two different asymptotic behaviours depending on whether an external source, howsoever "
        "minor, is also contributing samples",
        "verified",
        "total collapse = convergence to a Dirac mass; the external source injects fresh data every step",
        "fresh real samples each generation at a vanishing share (scenario fresh, n_real = 1) against fully "
        "synthetic (mixed, α = 1); our collapse criterion P(T ≤ G) and the absorbing notion P(Dirac at G)",
    ),
    "suresh": Source(
        "Suresh, Thangaraj & Khandavally 2024, Rate of Model Collapse in Recursive Training",
        "2412.17646 (v1)",
        "abstract",
        "for discrete distributions, the time to forget a word is approximately linearly dependent on the number "
        "of times it occurred in the original corpus",
        "verified",
        "generations until a word's estimated probability is 0, fully synthetic, by its count in the corpus",
        "fully synthetic (mixed, α = 1); synthetic generations T₀ until a token counted c times in the real "
        "sample is lost, its median by c",
    ),
}
