"""The whole revenue org over random plans and over Monte-Carlo trials: statements' paid-to-date
lines add up, draws keep their balance, team metrics sum the same trial's members, and an org
chart's teams come out of one index whatever its shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comp_sim import api
from comp_sim.engine.teams import build_teams
from plan_strategies import plan_and_data

RANDOM = settings(max_examples=80, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(plan_and_data(), st.integers(0, 3))
def test_a_statements_paid_to_date_is_the_sum_of_the_payments_above_it(case, pick):
    """Per cumulative component, 'paid to date' is what the lines above paid (after the cap),
    and what is due is earned to date less it (held at 0 when negative under ``hold``)."""
    plan_dict, dataset = case
    sim = api.simulate([plan_dict], dataset)
    reps = sim.statements["rep_id"].tolist()
    if not reps:
        return
    lines = api.explain(plan_dict, rep_id=reps[pick % len(reps)], simulation=sim).lines
    for _, mine in lines[lines["metric"].str.endswith("(year to date)")].groupby("component"):
        paid_before = mine["amount"].cumsum() - mine["amount"]
        assert mine["paid_before"].to_numpy() == pytest.approx(paid_before.to_numpy(), abs=1e-9)
        due = mine["earned"] - mine["paid_before"]
        if plan_dict["negative_true_up"] == "hold":
            due = due.clip(lower=0.0)
        assert mine["payment"].to_numpy() == pytest.approx(due.to_numpy(), abs=1e-6)


@RANDOM
@given(plan_and_data())
def test_draws_pay_up_to_d_recover_only_what_was_drawn_and_never_owe_below_zero(case):
    plan_dict, dataset = case
    result = api.simulate([plan_dict], dataset).results[0]
    draw = result.detail[0].draw
    if draw is None:
        assert "draw" not in plan_dict
        return
    lines = draw.lines
    assert (lines.draw >= 0).all() and (lines.recovery <= 0).all() and (lines.balance_after >= -1e-9).all()
    if plan_dict["draw"]["recoverable"]:
        # what was drawn and not recovered is what is still owed
        np.testing.assert_allclose(lines.draw.sum(axis=-1) + lines.recovery.sum(axis=-1), draw.outstanding,
                                   atol=1e-9)
    else:
        assert (lines.recovery == 0).all() and (draw.outstanding == 0).all()
    # a draw line tops a period's pay up to D, never beyond
    topped = draw.paid + lines.draw
    assert ((lines.draw == 0) | np.isclose(topped, np.broadcast_to(draw.due, topped.shape))).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-1, 30), min_size=1, max_size=30))
def test_teams_are_every_report_down_the_chain_and_never_the_manager(parents):
    """Random forests of reps (a rep's manager comes before them): a team sum over the index is
    the sum over every rep whose chain of managers reaches the manager."""
    parent = [p if 0 <= p < i else -1 for i, p in enumerate(parents)]
    ids = [f"R{i}" for i in range(len(parent))]
    reps = pd.DataFrame({"rep_id": ids, "manager_id": [ids[p] if p >= 0 else None for p in parent]})
    values = np.arange(1.0, len(parent) + 1.0).reshape(1, -1, 1)
    everyone = np.arange(len(parent))
    for direct in (False, True):
        got = build_teams(reps, everyone, direct).sum(values)[0, :, 0]
        for manager in everyone:
            members = [r for r in everyone if _reports_to(parent, r, manager, direct)]
            assert got[manager] == values[0, members, 0].sum()


def _reports_to(parent: list[int], rep: int, manager: int, direct: bool) -> bool:
    at = parent[rep]
    while at >= 0:
        if at == manager:
            return True
        if direct:
            return False
        at = parent[at]
    return False


def test_over_monte_carlo_trials_a_managers_pay_moves_with_the_team():
    """Team metrics sum the same trial's members: a manager paid on team attainment earns more
    in the trials where the team books more."""
    reps = pd.DataFrame([{"rep_id": "M", "role": "Manager"}]
                        + [{"rep_id": f"A{i}", "role": "AE", "manager_id": "M"} for i in range(8)])
    deals = pd.DataFrame([{"deal_id": f"D{i}", "rep_id": f"A{i % 8}", "close_date": f"2027-{i % 12 + 1:02d}-10",
                           "amount": 20000.0 + 1000 * (i % 7), "product": "Core"} for i in range(96)])
    quotas = pd.DataFrame([{"rep_id": f"A{i}", "period": "2027", "target": 250000.0} for i in range(8)])
    data = api.Dataset.from_frames(reps, deals=deals, quotas=quotas)
    plan = {"plan": "Managers", "id": "managers", "start": "2027-01", "roles": {"Manager": {"target_incentive": 40000}},
            "metrics": {"team_bookings": {"team": "bookings"}, "team_quota": {"team": "quota"},
                        "team_attainment": {"ratio": ["team_bookings", "team_quota"]}},
            "components": [{"id": "team", "weight": 1.0, "metric": "team_attainment", "measure": "year",
                            "curve": {"points": [[0, 0], [1, 1], [1.5, 2]]}}]}
    sim = api.simulate([plan, {**plan, "id": "sellers", "roles": {"AE": {"target_incentive": 1}}}], data,
                       trials=300, seed=9)
    manager_pay = sim.result("managers").paid[:, 0]
    team_bookings = sim.result("sellers").bookings.sum(axis=1)
    assert manager_pay.std() > 0
    assert np.corrcoef(manager_pay, team_bookings)[0, 1] > 0.95
