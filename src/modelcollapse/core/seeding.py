"""Per-replicate random streams, built for a whole block of seeds at once.

`replicate_stream` in simulate.py defines a replicate's stream as
`PCG64(SeedSequence(root_seed, spawn_key=key + (seed,)))`. Building R such objects costs
~15 µs each, more than a whole collapsed chain; `pcg64_states` computes the same PCG64 states
for all seeds of a block with vectorised NumPy: NumPy's SeedSequence hash (`mix_entropy`,
`generate_state`) and PCG64's seeding (`pcg64_set_seed`), transcribed. Tests check them
bit for bit against NumPy itself.
"""

import numpy as np

# The first element of every SeedSequence spawn_key: a domain that keeps the project's uses of
# the root seed apart (docs/random-streams.md). 2 was the bootstrap of α*'s former interval; it is
# not reused.
REPLICATE_DOMAIN = 0  # one replicate's whole chain (simulate.stream_key)
INITIAL_DOMAIN = 1  # a drawn p⁽⁰⁾: the `dirichlet` kind, the paper's Figure 1 contexts

# NumPy's SeedSequence constants (numpy/random/bit_generator.pyx).
INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
MASK32 = 0xFFFFFFFF
POOL_SIZE = 4
# PCG64's 128-bit LCG multiplier (numpy/random/src/pcg64/pcg64.h).
PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
MASK128 = (1 << 128) - 1


def _words(value: int) -> list[int]:
    """A non-negative integer as little-endian 32-bit words, as SeedSequence coerces it."""
    if value == 0:
        return [0]
    words = []
    while value:
        words.append(value & MASK32)
        value >>= 32
    return words


class _Hash:
    """SeedSequence's multiplicative hash with its running constant, on uint32 arrays."""

    def __init__(self, init: int, mult: int):
        self.const, self.mult = init, mult

    def __call__(self, value: np.ndarray) -> np.ndarray:
        value = value ^ np.uint32(self.const)
        self.const = (self.const * self.mult) & MASK32
        value = value * np.uint32(self.const)
        return value ^ (value >> np.uint32(16))


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result = np.uint32(MIX_MULT_L) * x - np.uint32(MIX_MULT_R) * y
    return result ^ (result >> np.uint32(16))


def seed_sequence_states(root_seed: int, spawn_prefix: tuple, seeds: np.ndarray) -> np.ndarray:
    """SeedSequence(root_seed, spawn_key=spawn_prefix + (s,)).generate_state(4, uint64) for
    every s in `seeds` (each < 2³²), as an (R, 4) uint64 array."""
    seeds = np.asarray(seeds, dtype=np.int64)
    if (seeds < 0).any() or (seeds > MASK32).any():
        raise ValueError("seeds must be in [0, 2**32) for the vectorised SeedSequence")
    run = _words(root_seed)
    run += [0] * (POOL_SIZE - len(run))  # padded because the spawn key is not empty
    prefix = run + [w for k in spawn_prefix for w in _words(int(k))]
    R = seeds.size
    entropy = [np.full(R, w, np.uint32) for w in prefix] + [seeds.astype(np.uint32)]

    hashmix = _Hash(INIT_A, MULT_A)
    mixer = [hashmix(entropy[i]) for i in range(POOL_SIZE)]  # entropy is longer than the pool
    for src in range(POOL_SIZE):
        for dst in range(POOL_SIZE):
            if src != dst:
                mixer[dst] = _mix(mixer[dst], hashmix(mixer[src]))
    for src in range(POOL_SIZE, len(entropy)):
        for dst in range(POOL_SIZE):
            mixer[dst] = _mix(mixer[dst], hashmix(entropy[src]))

    out = _Hash(INIT_B, MULT_B)
    words = np.stack([out(mixer[i % POOL_SIZE]) for i in range(8)], axis=1)
    return np.ascontiguousarray(words).view("<u8")


def pcg64_state(words) -> dict:
    """The `PCG64.state` dict that PCG64 seeds from these 4 SeedSequence words
    (pcg64_set_seed: state = 0, inc = 2·seq + 1; step; state += init; step)."""
    w = [int(x) for x in words]
    init, seq = (w[0] << 64) | w[1], (w[2] << 64) | w[3]
    inc = ((seq << 1) | 1) & MASK128
    state = ((inc + init) * PCG_MULT + inc) & MASK128
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}
