"""The vectorised seeding reproduces NumPy's SeedSequence and PCG64 bit for bit."""

import numpy as np
import pytest

from modelcollapse.core.seeding import pcg64_state, seed_sequence_states


@pytest.mark.parametrize("root_seed", [0, 1, 2024, 2**32 - 1, 2**32, 2**40 + 5, 2**130 + 3])
@pytest.mark.parametrize("prefix", [(0, 0, 10, 2, 1_000_000), (0, 4, 2**33, 10**5, 0), (1,)])
def test_states_equal_numpy_seed_sequence(root_seed, prefix):
    seeds = np.array([0, 1, 2, 99, 12345, 2**32 - 1])
    ours = seed_sequence_states(root_seed, prefix, seeds)
    numpy = [np.random.SeedSequence(root_seed, spawn_key=prefix + (int(s),)).generate_state(4, np.uint64) for s in seeds]
    np.testing.assert_array_equal(ours, numpy)
    for words, s in zip(ours, seeds):
        assert pcg64_state(words) == np.random.PCG64(np.random.SeedSequence(root_seed, spawn_key=prefix + (int(s),))).state


def test_reseeded_generator_draws_the_same_numbers():
    words = seed_sequence_states(7, (0, 1), np.array([3]))[0]
    bit_generator = np.random.PCG64()
    bit_generator.state = pcg64_state(words)
    fresh = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(0, 1, 3))))
    np.testing.assert_array_equal(np.random.Generator(bit_generator).random(100), fresh.random(100))


def test_out_of_range_seeds_are_refused():
    with pytest.raises(ValueError, match="seeds"):
        seed_sequence_states(0, (0,), np.array([2**32]))
