"""The claims atlas: the literature's answers to "how much synthetic data is safe?", each
re-measured on this project's engine with the criterion and frame it assumes (docs/claims.md).

`experiments` runs each claim's simulation and decides its row; `figures` draws one figure per
claim; `sources` holds what each claim says and where. Nothing is imported by importing this
package: the names below are what the workflow plans with.
"""

CLAIMS = (
    "seddik_eq11",
    "seddik_gpt",
    "dohmatob_exact",
    "dohmatob_truncating",
    "shumailov",
    "gerstgrasser",
    "golden_ratio",
    "borkar",
    "suresh",
)
SHARED = ("root_seed", "exponent", "z_max")  # the keys every claim reads
# The section of the `claims` config each claim reads besides the shared keys.
SECTIONS = {claim: claim for claim in CLAIMS} | {"dohmatob_exact": "dohmatob", "dohmatob_truncating": "dohmatob"}


def selected(claims: dict) -> list[str]:
    """The claims a run makes: `only` (a name or a list of names), or all of them."""
    only = claims.get("only") or []
    only = [only] if isinstance(only, str) else list(only)
    return [claim for claim in CLAIMS if not only or claim in only]


def settings(claims: dict, claim: str) -> dict:
    """The keys of the `claims` section claim `claim` reads: the shared ones and its own section,
    so that editing one claim's settings reruns that claim alone."""
    return {key: claims[key] for key in (*SHARED, SECTIONS[claim])}
