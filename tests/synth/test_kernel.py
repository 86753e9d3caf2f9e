"""The compiled trial kernel: numpy's PCG64 words, and cubes equal to the bit to numpy's path
(``trials_reference.py``) on several seeds, sizes, chunks and month windows."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim import api
from comp_sim.measures import (
    BOOKINGS, DEALS, DISCOUNTED_AMOUNT, FORECAST, MBO_COUNT, MBO_SUM, NEW_LOGO_BOOKINGS, NEW_LOGOS, DealMeasure, Needs,
)
from comp_sim.periods import Month
from comp_sim.synth import MonteCarloSource
from comp_sim.synth.kernel import REP_BLOCK, fill_words, stream_state
from comp_sim.synth.trials import draw_chunk
from trials_reference import reference_measures

STRATEGIC = DealMeasure.of("sum", "amount", {"product": ["Platform", "Analytics"]})
STRATEGIC_NEW_LOGO_DEALS = DealMeasure.of("count", "deals", {"product": ["Platform", "Analytics"], "new_logo": True})
NOBODY_SELLS = DealMeasure.of("sum", "amount", {"product": ["Hardware"]})
EVERY_KIND = Needs((NEW_LOGOS, BOOKINGS, STRATEGIC, DISCOUNTED_AMOUNT, DEALS, STRATEGIC_NEW_LOGO_DEALS,
                    NEW_LOGO_BOOKINGS, NOBODY_SELLS), ("bookings", "new_logos"))
WITHOUT_BOOKINGS = Needs((STRATEGIC, NEW_LOGOS, DISCOUNTED_AMOUNT), ())  # forecasts still need bookings


@pytest.mark.parametrize("seed, first_word, words", [(0, 0, 1), (7, 0, 1000), (2027, 12_345, 4099),
                                                     (123_456_789, 2**70 + 3, 257)])
def test_the_kernel_draws_numpys_pcg64_words(seed, first_word, words):
    stream = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2,)))
    stream.advance(first_word)
    state = stream_state(stream)
    drawn = np.empty(words, dtype=np.uint64)
    fill_words(state, drawn)
    np.testing.assert_array_equal(drawn, stream.random_raw(words))
    more = np.empty(5, dtype=np.uint64)
    fill_words(state, more)  # the state moved past the words drawn
    np.testing.assert_array_equal(more, stream.random_raw(5))


def kernel_measures(source: MonteCarloSource, needed: Needs, first_month: Month, months: int,
                    first_trial: int, trials: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The kernel's cube and numpy's measures for the same trials, both (trials, reps, months)."""
    tables, layout = source._layout(needed, first_month, months)
    cube = draw_chunk(tables, layout, first_trial, trials)
    return dict(cube.measures), reference_measures(tables, layout, first_trial, trials)


def assert_same(kernel: dict[str, np.ndarray], numpy: dict[str, np.ndarray]) -> None:
    assert set(numpy) <= set(kernel)
    for key in numpy:
        assert kernel[key].shape == numpy[key].shape, key
        np.testing.assert_array_equal(kernel[key], numpy[key], err_msg=key)


@pytest.mark.parametrize("reps, seed, first_trial, trials", [
    (1, 0, 0, 1),
    (7, 3, 0, 40),
    (REP_BLOCK, 11, 5, 9),
    (2 * REP_BLOCK + 3, 2027, 1234, 17),  # reps in three blocks, the last a short one
])
def test_the_kernel_equals_numpy_on_synthetic_trials(reps, seed, first_trial, trials):
    source = MonteCarloSource.synthetic(reps, first_trial + trials, seed, "2026-01")
    kernel, numpy = kernel_measures(source, EVERY_KIND, Month.parse("2026-01"), 12, first_trial, trials)
    assert_same(kernel, numpy)
    assert kernel[BOOKINGS.key].any() and kernel[DEALS.key].any() and kernel[DISCOUNTED_AMOUNT.key].any()
    assert kernel[FORECAST].any() and kernel[MBO_SUM].any()
    assert not kernel[NOBODY_SELLS.key].any()


@pytest.mark.parametrize("start, months", [("2025-07", 12), ("2026-07", 18), ("2026-04", 3)])
def test_months_outside_the_source_are_zero_and_the_rest_equal_numpy(start, months):
    source = MonteCarloSource.synthetic(20, 30, 5, "2026-01")
    kernel, numpy = kernel_measures(source, EVERY_KIND, Month.parse(start), months, 3, 12)
    assert_same(kernel, numpy)
    outside = [m for m in range(months) if not 0 <= Month.parse(start) + m - Month.parse("2026-01") < 12]
    assert not kernel[BOOKINGS.key][..., outside].any()


def test_the_kernel_equals_numpy_around_the_bundled_sample():
    source = MonteCarloSource.from_dataset(api.load_data(), 50, seed=9)
    first = source.months_covered()[0]
    for needed in (EVERY_KIND, WITHOUT_BOOKINGS):
        kernel, numpy = kernel_measures(source, needed, first, 12, 20, 30)
        assert_same(kernel, numpy)
        assert kernel[MBO_COUNT].any() and kernel[FORECAST].any()
    assert BOOKINGS.key not in kernel  # drawn for the forecasts, not shown


def test_a_chunk_is_a_function_of_the_tables_the_layout_and_its_trials():
    # what a task sent to another process would hold: the tables and layout, pickled
    source = MonteCarloSource.synthetic(30, 100, 4, "2026-01")
    tables, layout = source._layout(EVERY_KIND, Month.parse("2026-01"), 12)
    sent = pickle.loads(pickle.dumps((tables, layout)))
    here, there = draw_chunk(tables, layout, 60, 25), draw_chunk(*sent, 60, 25)
    assert dict(here.measures).keys() == dict(there.measures).keys()
    for key in here.measures:
        np.testing.assert_array_equal(here.measures[key], there.measures[key], err_msg=key)
    whole = source.chunk(0, EVERY_KIND, Month.parse("2026-01"), 12)  # trials 0..99 in one chunk
    np.testing.assert_array_equal(here.measures[BOOKINGS.key], whole.measures[BOOKINGS.key][60:85])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), first_trial=st.integers(0, 10**6), trials=st.integers(1, 6),
       reps=st.integers(1, 80))
def test_any_seed_and_chunk_equal_numpy(seed, first_trial, trials, reps):
    source = MonteCarloSource.synthetic(reps, first_trial + trials, seed, "2027-01")
    kernel, numpy = kernel_measures(source, EVERY_KIND, Month.parse("2027-01"), 12, first_trial, trials)
    assert_same(kernel, numpy)
