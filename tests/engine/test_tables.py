"""Summary figures computed without large copies still mean what SPEC says."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from comp_sim.report.tables import _correlation, _percentiles, _share_at_quota


def test_share_at_quota_compares_at_nine_decimals_and_skips_reps_without_quota():
    # 0.9999999996 rounds to 1.0 (at quota); 0.9999999994 does not; NaN is a rep without quota
    attainment = np.array([[0.9999999996, 0.9999999994, 1.5, np.nan]])
    assert _share_at_quota(attainment) == pytest.approx(2 / 3)
    assert _share_at_quota(np.array([[np.nan]])) is None


def test_percentiles_are_numpy_percentiles_in_one_pass():
    values = np.arange(101.0)
    assert _percentiles(values, (10, 50, 90)) == [10.0, 50.0, 90.0]
    assert _percentiles(np.array([]), (5, 95)) == [None, None]


HUNDREDTHS = st.integers(0, 300).map(lambda i: i / 100)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays("float64", st.tuples(st.integers(1, 4), st.integers(2, 30)), elements=HUNDREDTHS), st.data())
def test_correlation_matches_numpy_corrcoef(attainment, data):
    pct = data.draw(hnp.arrays("float64", attainment.shape, elements=HUNDREDTHS))
    got = _correlation(attainment, pct)
    x, y = attainment.ravel(), pct.ravel()
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        assert got is None or abs(got) <= 1 + 1e-9
    else:
        assert got == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-9)
