"""Summary figures computed without large copies still mean what SPEC says."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from comp_sim.api import simulate
from comp_sim.report.tables import _correlation, _percentiles, _share_at_quota
from plan_strategies import to_dataset


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


def test_bookings_a_hair_above_zero_leave_cost_of_sales_out_without_an_overflow_warning():
    """A deal of 5e-324 books a subnormal amount: 700 of SPIFF over it is past float64's range
    (inf), which the summary's mean leaves out, as it leaves out trials that book nothing; the
    division is not done where nothing is booked, and its overflow is no warning."""
    plan = {"plan": "T", "id": "t", "start": "2027-01", "roles": {"AE": {"target_incentive": 12000.0}},
            "components": [{"id": "deal", "measure": "month", "spiff": {"metric": "deals", "amount": 700}}]}
    rep = {"rep_id": "R1", "role": "AE", "target_incentive": None, "hire_date": None, "end_date": None,
           "manager_id": None}
    deal = {"deal_id": "D1", "rep_id": "R1", "close_date": "2027-03-10", "amount": 5e-324, "product": "Core",
            "new_logo": False, "discount": 0.0, "split": 1.0, "credit_type": "revenue"}
    dataset = to_dataset([rep], [deal], [{"rep_id": "R1", "period": "2027", "target": 100_000.0}])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        summary = simulate([plan], dataset).summary_dict()["plans"]["t"]
    assert summary["total_payout"] == 700.0  # one deal, one SPIFF
    assert summary["total_bookings"] == 5e-324
    assert summary["cost_of_sales"] is None
