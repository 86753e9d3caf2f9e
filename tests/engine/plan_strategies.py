"""Hypothesis strategies for small valid plans and datasets, to run the engine against the reference.

Numbers come from coarse grids (curve x in quarters, money in thousands) so that hand checks stay
possible and no metric lands a rounding hair away from an edge by accident; the 9-decimal edge
rule has its own acceptance cases. Every rep has a positive quota in every month of the plan year
(so attainment never divides by 0), and ``logo_attainment`` sets ``on_zero``. Reps form a random
org chart (a rep's manager comes before them), deals may carry overlay credits for another rep,
and plans may pay managers on team metrics, ramp new hires' targets and pay a draw.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import strategies as st

from comp_sim.data.dataset import Dataset
from comp_sim.periods import Month

PRODUCTS = ["Core", "Platform", "Analytics"]
PLAN_METRICS = {
    "strategic_bookings": {"sum": "amount", "where": {"product": ["Platform", "Analytics"]}},
    "strategic_mix": {"ratio": ["strategic_bookings", "bookings"]},
    "platform_deals": {"count": "deals", "where": {"product": "Platform"}},
    "logo_attainment": {"ratio": ["new_logos", "target.new_logos"], "on_zero": 1.0},
    "team_bookings": {"team": "bookings"},
    "team_quota": {"team": "quota"},
    "team_attainment": {"ratio": ["team_bookings", "team_quota"]},
    "direct_logos": {"team": "new_logos", "direct": True},
    "org_bookings": {"team": "bookings", "include_self": True},
    "org_quota": {"team": "quota", "include_self": True},
    "org_attainment": {"ratio": ["org_bookings", "org_quota"]},
}
# Metrics a weighted component, gate or multiplier may read: (name, typical scale for its x values).
RATIO_METRICS = ["attainment", "forecast_accuracy", "logo_attainment", "strategic_mix", "avg_discount", "mbo",
                 "team_attainment", "org_attainment"]
GATE_METRICS = {"new_logos": [1, 2], "deals": [1, 3], "bookings": [20000, 60000], "attainment": [0.5, 1.0],
                "direct_logos": [1, 2]}
WEIGHTS = {1: [1.0], 2: [0.5, 0.5], 3: [0.6, 0.2, 0.2]}
GRID = [i / 4 for i in range(11)]  # 0, 0.25 .. 2.5


@st.composite
def curves(draw, *, monotone: bool = False) -> dict:
    """Points with increasing x (an x may repeat once to make a step), y on a grid."""
    xs = sorted(draw(st.lists(st.sampled_from(GRID), min_size=1, max_size=4, unique=True)))
    if len(xs) >= 2 and draw(st.booleans()):
        at = draw(st.integers(1, len(xs) - 1))
        xs.insert(at, xs[at])  # a step
    ys = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]), min_size=len(xs), max_size=len(xs)))
    if monotone:
        ys = sorted(ys)
    below = 0.0 if monotone else draw(st.sampled_from([0.0, 0.1]))
    if monotone:
        below = min(below, ys[0])
    curve = {"points": [[x, y] for x, y in zip(xs, ys)], "below": below,
             "beyond": draw(st.sampled_from(["extend", "hold"]))}
    cap = draw(st.sampled_from([None, 2.5]))
    if cap is not None:
        curve["cap"] = cap
    return curve


@st.composite
def bands(draw, edges: list[float], rates: list[float], *, monotone: bool = False) -> list[dict]:
    chosen = sorted(draw(st.lists(st.sampled_from(edges), max_size=3, unique=True)))
    picked = draw(st.lists(st.sampled_from(rates), min_size=len(chosen) + 1, max_size=len(chosen) + 1))
    if monotone:
        picked = sorted(picked)
    return [{"to": e, "rate": r} for e, r in zip(chosen, picked)] + [{"rate": picked[-1]}]


@st.composite
def components(draw, *, monotone: bool = False) -> list[dict]:
    """1-3 weighted components (curves or tiers) and up to 2 outside TI, with valid weights."""
    weighted = draw(st.integers(1, 3))
    others = draw(st.integers(0, 2))
    metrics = ["attainment"] if monotone else RATIO_METRICS
    out = []
    for index, weight in enumerate(WEIGHTS[weighted]):
        c = {"id": f"c{index}", "weight": weight, "metric": draw(st.sampled_from(metrics)),
             "measure": draw(st.sampled_from(["month", "quarter", "half", "year"])),
             "cumulative": draw(st.booleans())}
        if draw(st.booleans()):
            c["curve"] = draw(curves(monotone=monotone))
        else:
            tiers = {"mode": draw(st.sampled_from(["marginal", "retroactive"])),
                     "bands": draw(bands([0.5, 0.75, 1.0, 1.25, 1.5], [0.5, 1.0, 1.5, 2.0], monotone=monotone))}
            if draw(st.booleans()):
                tiers["cap"] = 2.0
            c["tiers"] = tiers
        out.append(c)
    for index in range(others):
        c = {"id": f"x{index}", "measure": draw(st.sampled_from(["month", "quarter", "half", "year"])),
             "cumulative": draw(st.booleans())}
        if draw(st.booleans()):
            relative = draw(st.booleans())
            rule = {"basis": "bookings" if monotone else draw(st.sampled_from(["bookings", "strategic_bookings",
                                                                              "team_bookings"])),
                    "mode": draw(st.sampled_from(["marginal", "retroactive"]))}
            if relative:
                rule["relative_to"] = "quota"
                rule["bands"] = draw(bands([0.5, 1.0, 1.5], [0.02, 0.05, 0.1], monotone=monotone))
            else:
                rule["bands"] = draw(bands([20000.0, 50000.0, 100000.0], [0.02, 0.05, 0.1], monotone=monotone))
            if draw(st.booleans()):
                rule["cap"] = 3000.0
            c["commission"] = rule
        else:
            spiff = {"metric": draw(st.sampled_from(["new_logos", "deals", "platform_deals"])),
                     "amount": draw(st.sampled_from([500.0, 1000.0]))}
            if draw(st.booleans()):
                spiff["cap"] = 2000.0
            c["spiff"] = spiff
        out.append(c)
    return draw(st.permutations(out))


@st.composite
def modifiers(draw, comps: list[dict], *, monotone: bool = False) -> list[dict]:
    out = []
    ids = [c["id"] for c in comps]
    weighted = [c["id"] for c in comps if "weight" in c]
    for index in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            metric = draw(st.sampled_from(sorted(GATE_METRICS)))
            closed = draw(st.sampled_from([0.0, 1.0]))
            targets = weighted if closed > 0 else ids
            applies = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=len(targets), unique=True))
            out.append({"id": f"m{index}", "applies_to": applies,
                        "gate": {"metric": metric, "min": draw(st.sampled_from(GATE_METRICS[metric])),
                                 "cap_when_closed": closed}})
        else:
            metric = "attainment" if monotone else draw(st.sampled_from(["strategic_mix", "avg_discount", "attainment"]))
            ys = draw(st.lists(st.sampled_from([0.5, 0.8, 1.0, 1.2]), min_size=2, max_size=3))
            if monotone:
                ys = sorted(ys)
            xs = sorted(draw(st.lists(st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 1.5]), min_size=len(ys),
                                      max_size=len(ys), unique=True)))
            applies = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
            multiplier = {"metric": metric, "points": [[x, y] for x, y in zip(xs, ys)]}
            if not monotone and draw(st.booleans()):
                multiplier["beyond"] = "extend"
            out.append({"id": f"m{index}", "applies_to": applies, "multiplier": multiplier})
    return out


@st.composite
def plans(draw, *, monotone: bool = False) -> dict:
    """A valid plan dict; ``monotone`` plans pay no less when a rep books more."""
    comps = draw(components(monotone=monotone))
    plan = {"plan": "Random", "id": "random", "start": draw(st.sampled_from(["2027-01", "2027-02"])),
            "roles": {"AE": {"target_incentive": draw(st.sampled_from([12000.0, 30000.0, 60000.0]))},
                      "Manager": {"target_incentive": 24000.0}},
            "metrics": PLAN_METRICS, "components": comps, "modifiers": draw(modifiers(comps, monotone=monotone)),
            "negative_true_up": "hold" if monotone else draw(st.sampled_from(["hold", "claw_back"]))}
    cap = draw(st.sampled_from([None, 1.0, 1.5, 3.0]))
    if cap is not None:
        plan["cap"] = {"multiple_of_ti": cap}
    if draw(st.booleans()):
        plan["ramp"] = {"quota": draw(st.sampled_from([[0.5], [0.25, 0.5, 0.75]]))}
    if not monotone and draw(st.booleans()):
        plan["draw"] = {"fraction_of_ti": draw(st.sampled_from([0.3, 0.6])), "per": draw(st.sampled_from(["month", "quarter"])),
                        "recoverable": draw(st.booleans())}
        if draw(st.booleans()):
            plan["draw"]["months"] = draw(st.sampled_from([2, 4]))
    return plan


def day_in_plan_year(start: str, offset_days: int) -> dt.date:
    return Month.parse(start).first_day + dt.timedelta(days=offset_days)


@st.composite
def datasets(draw, start: str) -> Dataset:
    """1-4 reps (one may be on another role), quotas at a random grain, deals, forecasts, MBO."""
    first = Month.parse(start)
    months = [first + i for i in range(12)]
    n_reps = draw(st.integers(1, 4))
    reps, quotas, forecasts, mbo, deals = [], [], [], [], []
    for r in range(n_reps):
        rep_id = f"R{r}"
        rep = {"rep_id": rep_id, "role": draw(st.sampled_from(["AE", "AE", "Manager", "SE"])),
               "target_incentive": draw(st.sampled_from([None, 20000.0])), "hire_date": None, "end_date": None,
               "manager_id": f"R{draw(st.integers(0, r - 1))}" if r and draw(st.booleans()) else None}
        if draw(st.booleans()):
            rep["hire_date"] = day_in_plan_year(start, draw(st.integers(-30, 300)))
        if draw(st.booleans()):
            rep["end_date"] = day_in_plan_year(start, draw(st.integers(60, 400)))
        reps.append(rep)
        grain = draw(st.sampled_from(["year", "quarter", "month"]))
        yearly = draw(st.sampled_from([60000.0, 100000.0, 240000.0]))
        if grain == "month":
            quotas += [{"rep_id": rep_id, "period": str(m), "target": yearly / 12} for m in months]
        elif grain == "quarter":
            quotas += [{"rep_id": rep_id, "period": f"{y}-Q{q}", "target": yearly / 4}
                       for y in (2027, 2028) for q in (1, 2, 3, 4)]
        else:
            quotas += [{"rep_id": rep_id, "period": str(y), "target": yearly} for y in (2027, 2028)]
        if draw(st.booleans()):
            quotas.append({"rep_id": rep_id, "period": "2027", "metric": "new_logos",
                           "target": float(draw(st.integers(2, 8)))})
        for q in range(1, 5):
            if draw(st.booleans()):
                forecasts.append({"rep_id": rep_id, "period": f"2027-Q{q}",
                                  "forecast": draw(st.sampled_from([0.0, 20000.0, 50000.0]))})
        for h in (1, 2):
            if draw(st.booleans()):
                mbo.append({"rep_id": rep_id, "period": f"2027-H{h}", "score": draw(st.sampled_from([0.5, 0.9, 1.2]))})
        for _ in range(draw(st.integers(0, 6))):
            deals.append({
                "deal_id": f"D{len(deals)}", "rep_id": rep_id,
                "close_date": day_in_plan_year(start, draw(st.integers(-20, 380))),
                "amount": 1000.0 * draw(st.integers(1, 90)), "product": draw(st.sampled_from(PRODUCTS)),
                "new_logo": draw(st.booleans()), "discount": draw(st.sampled_from([0.0, 0.1, 0.25])),
                "split": draw(st.sampled_from([1.0, 1.0, 0.5])), "credit_type": "revenue",
            })
    for deal in list(deals):  # an engineer's overlay credit on top of the seller's
        others = [rep["rep_id"] for rep in reps if rep["rep_id"] != deal["rep_id"]]
        if others and draw(st.integers(0, 3)) == 0:
            deals.append({**deal, "rep_id": draw(st.sampled_from(others)), "credit_type": "overlay",
                          "split": draw(st.sampled_from([1.0, 0.5]))})
    return to_dataset(reps, deals, quotas, forecasts, mbo)


def to_dataset(reps, deals, quotas, forecasts=(), mbo=()) -> Dataset:
    def frame(rows, columns):
        return pd.DataFrame(list(rows), columns=columns)

    return Dataset.from_frames(
        frame(reps, ["rep_id", "role", "target_incentive", "hire_date", "end_date", "manager_id"]),
        deals=frame(deals, ["deal_id", "rep_id", "close_date", "amount", "product", "new_logo", "discount", "split",
                            "credit_type"]),
        quotas=frame([{"metric": "bookings", **q} for q in quotas], ["rep_id", "period", "metric", "target"]),
        forecasts=frame(forecasts, ["rep_id", "period", "forecast"]),
        mbo=frame(mbo, ["rep_id", "period", "score"]),
    )


@st.composite
def plan_and_data(draw, *, monotone: bool = False) -> tuple[dict, Dataset]:
    plan = draw(plans(monotone=monotone))
    return plan, draw(datasets(plan["start"]))
