"""Quotas from history, every figure worked out by hand from the small team below.

History 2026 (the 12 months before the 2027 plan year), bookings:
- A (AE): 40,000 every month = 480,000 over 12 months; 3 of the deals are new logos.
- B (AE): 300,000 in June = 300,000 over 12 months.
- C (AE, hired 2026-10-01): 60,000 in November, over 3 months = 240,000 a year.
- D (AE, hired 2027-03-16): no history.
- E (AM): 100,000 in February.
- F (AE, left 2026-12-31): no deal, and no month in 2027.
"""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim.data.dataset import Dataset
from comp_sim.data.loader import load_data
from comp_sim.data.quotas import quotas_from_history
from comp_sim.errors import UsageError

REPS = pd.DataFrame({
    "rep_id": list("ABCDEF"), "role": ["AE", "AE", "AE", "AE", "AM", "AE"],
    "hire_date": [None, None, "2026-10-01", "2027-03-16", None, None],
    "end_date": [None, None, None, None, None, "2026-12-31"]})
DEALS = pd.DataFrame(
    [(f"A{m}", "A", f"2026-{m:02d}-15", 40_000.0, m in (1, 5, 9)) for m in range(1, 13)]
    + [("B1", "B", "2026-06-10", 300_000.0, False), ("C1", "C", "2026-11-20", 60_000.0, True),
       ("E1", "E", "2026-02-02", 100_000.0, False)],
    columns=["deal_id", "rep_id", "close_date", "amount", "new_logo"])


@pytest.fixture(scope="module")
def team() -> Dataset:
    return Dataset.from_frames(REPS, deals=DEALS)


def annual(quotas: pd.DataFrame, metric: str = "bookings") -> dict[str, float]:
    rows = quotas[quotas["metric"] == metric]
    return rows.groupby("rep_id")["target"].sum().to_dict()


def month(quotas: pd.DataFrame, rep: str, period: str, metric: str = "bookings") -> float:
    rows = quotas[(quotas["rep_id"] == rep) & (quotas["period"] == period) & (quotas["metric"] == metric)]
    return float(rows["target"].sum())


def test_trailing_quotas_are_own_history_with_growth_and_the_role_median_without_history(team):
    result = quotas_from_history(team, "2027-01", method="trailing", growth=0.10, ramp=[0.5, 0.75])
    totals = annual(result.quotas)
    assert totals["A"] == pytest.approx(528_000.0)  # 480,000 x 1.1
    assert totals["B"] == pytest.approx(330_000.0)  # 300,000 x 1.1
    assert totals["C"] == pytest.approx(264_000.0)  # 60,000 x 12 / 3 x 1.1
    assert totals["E"] == pytest.approx(110_000.0)
    assert "F" not in totals  # not employed in 2027
    assert month(result.quotas, "A", "2027-01") == pytest.approx(44_000.0)  # 528,000 / 12
    # D: the AE median of 528,000, 330,000 and 264,000 is 330,000, i.e. 27,500 a month; hired on
    # 16 March: 16 of 31 days x the first ramp factor 0.5, April x 0.75, then whole months
    assert month(result.quotas, "D", "2027-02") == 0.0
    assert month(result.quotas, "D", "2027-03") == pytest.approx(27_500 * 16 / 31 * 0.5)
    assert month(result.quotas, "D", "2027-04") == pytest.approx(20_625.0)
    assert totals["D"] == pytest.approx(27_500 * 16 / 31 * 0.5 + 20_625 + 8 * 27_500)
    basis = result.basis.set_index("rep_id")
    assert basis.loc["C", "history_months"] == 3.0 and basis.loc["C", "basis"] == "own history"
    assert basis.loc["D", "basis"] == "role median" and basis.loc["F", "basis"] == "role median"
    assert result.quotas["period"].str.match(r"^2027-\d\d$").all()


def test_percentile_quotas_are_the_level_that_the_given_share_of_each_role_reached(team):
    result = quotas_from_history(team, "2027-01", method="percentile", reach=0.6)
    totals = annual(result.quotas)
    # AEs with history: 480,000, 300,000, 240,000; k = ceil(0.6 x 3) = 2 -> 300,000 each
    assert totals["A"] == totals["B"] == totals["C"] == pytest.approx(300_000.0)
    assert totals["D"] == pytest.approx(25_000 * 16 / 31 + 9 * 25_000)  # no ramp given: prorated only
    assert totals["E"] == pytest.approx(100_000.0)  # the only AM: k = ceil(0.6 x 1) = 1
    assert result.basis.set_index("rep_id").loc["A", "basis"] == "best 2 of 3 AE reach it"


def test_uniform_quotas_are_the_amount_per_role(team):
    result = quotas_from_history(team, "2027-01", method="uniform",
                                 amounts={"bookings": {"AE": 600_000, "AM": 400_000}})
    totals = annual(result.quotas)
    assert totals["A"] == pytest.approx(600_000.0) and totals["E"] == pytest.approx(400_000.0)
    with pytest.raises(UsageError, match=r"^<input>: amount: give an amount for role\(s\) AM "):
        quotas_from_history(team, "2027-01", method="uniform", amounts={"bookings": {"AE": 600_000}})


def test_a_seasonal_spread_follows_each_calendar_months_share_of_history(team):
    # Bookings by month of 2026, all reps: 40,000 a month, plus 100,000 in Feb, 300,000 in June and
    # 60,000 in November: 940,000 in all. A's 480,000 spread: January 40/940, June 340/940.
    result = quotas_from_history(team, "2027-01", method="trailing", spread="seasonal")
    assert month(result.quotas, "A", "2027-01") == pytest.approx(480_000 * 40 / 940)
    assert month(result.quotas, "A", "2027-06") == pytest.approx(480_000 * 340 / 940)
    assert annual(result.quotas)["A"] == pytest.approx(480_000.0)


def test_new_logo_quotas_from_the_same_history(team):
    result = quotas_from_history(team, "2027-01", metrics=["bookings", "new_logos"], method="trailing")
    logos = annual(result.quotas, "new_logos")
    assert logos["A"] == pytest.approx(3.0)  # January, May and September
    assert logos["C"] == pytest.approx(4.0)  # 1 over 3 months = 4 a year
    assert month(result.quotas, "A", "2027-05", "new_logos") == pytest.approx(0.25)
    assert "E" not in logos  # the AM closed no new logo: said, not guessed
    assert ("no AM rep has 3 months of new_logos history in the window: AM reps get no new_logos quota "
            "(give --history, or --method uniform with --amount)") in result.notes


def test_the_written_file_loads_as_the_datas_quotas(team, tmp_path):
    result = quotas_from_history(team, "2027-01", method="trailing", growth=0.10)
    folder = tmp_path / "export"
    folder.mkdir()
    REPS.to_csv(folder / "reps.csv", index=False)
    DEALS.to_csv(folder / "deals.csv", index=False)
    result.quotas.to_csv(folder / "quotas.csv", index=False)
    loaded = load_data(folder).quotas
    assert loaded.groupby("rep_id")["target"].sum()["A"] == pytest.approx(528_000.0)


def test_the_note_states_the_method_and_every_figure(team):
    result = quotas_from_history(team, "2027-01", method="trailing", growth=0.10, ramp=[0.5])
    note = result.note()
    assert result.method_text() in note
    assert ("Quotas for the plan year 2027-01..2027-12 set from each rep's own history over 2026-01..2026-12, "
            "annualized x (1 + 0.1)") in note
    assert "| A |" in note and "528,000.00" in note
    summary = result.summary().set_index(["metric", "role"])
    assert summary.loc[("bookings", "AE"), "reps"] == 4  # A, B, C, D; F has no month in 2027
    assert summary.loc[("bookings", "AE"), "highest"] == pytest.approx(528_000.0)


def test_a_window_before_the_plan_year_needs_deals_in_3_of_its_months(team):
    # 2026 holds deals in 12 months: the 2027 plan year looks back on it; a 2026 plan year has
    # nothing before it, so it is measured against itself
    assert str(quotas_from_history(team, "2027-01").window[0]) == "2026-01"
    one_month = Dataset.from_frames(REPS, deals=pd.concat([DEALS, pd.DataFrame(
        [("Z1", "A", "2027-05-05", 10_000.0, False)], columns=DEALS.columns)]))
    assert str(quotas_from_history(one_month, "2028-01").window[0]) == "2028-01"  # only May 2027 before it


def test_without_history_before_the_plan_year_the_window_is_the_year_itself(team):
    result = quotas_from_history(team, method="percentile", reach=0.6)
    assert str(result.start) == "2026-01" and str(result.window[0]) == "2026-01"
    assert any("the plan year itself" in note for note in result.notes)


@pytest.mark.parametrize("options, message", [
    ({"method": "magic"}, "method: must be one of trailing, percentile, uniform (got 'magic')"),
    ({"reach": 1.5}, "reach: must be a share of reps above 0 and at most 1 (0.6 is 60%) (got 1.5)"),
    ({"growth": -2.0}, "growth: must be a finite number above -1"),
    ({"ramp": [0.5, 1.5]}, "ramp: ramp factors are each above 0 and at most 1"),
    ({"metrics": ["quota"]}, "metric: quotas from history are for bookings, new_logos, new_logo_bookings, deals"),
    ({"spread": "seasonal", "history": "2026-H2"}, "spread: a seasonal spread needs a history window of 12 months"),
    ({"history": "last year"}, "history: the history is a period written 2026, 2026-H2, 2026-Q4 or 2026-11"),
    ({"start": "2027-13"}, "start: a plan year starts at a month written YYYY-MM"),
])
def test_bad_options_are_usage_errors_naming_the_option(team, options, message):
    with pytest.raises(UsageError, match="^<input>: " + message.replace("(", r"\(").replace(")", r"\)")):
        quotas_from_history(team, **{"start": "2027-01", **options})
