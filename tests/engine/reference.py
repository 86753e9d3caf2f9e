"""A deliberately simple second implementation of SPEC "Semantics", to check the engine against.

It reads the Plan and the Dataset's rows directly (no cube, no arrays) and walks one rep, one
component and one window at a time, in the words of SPEC.md and the README section "How a plan
pays". It is slow on purpose: every step is a line a reader can check by hand. It runs on the
plan year the plan names (``plan.start``) and covers historical data (one trial).

``reference_payouts(plan, dataset)`` returns ``{(rep_id, component_id, period): Line}``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from comp_sim.data.dataset import Dataset
from comp_sim.errors import DataError, Issue
from comp_sim.periods import Month, Period, plan_windows
from comp_sim.plan.components import (
    CommissionComponent,
    CurveComponent,
    GateModifier,
    MultiplierModifier,
    SpiffComponent,
    TargetComponent,
)
from comp_sim.plan.metrics import CountMetric, RatioMetric, SumMetric, TeamMetric
from comp_sim.plan.models import Plan
from comp_sim.plan.rules import Curve


@dataclass
class Line:
    """One (rep, component, window) of the reference: the metric, what was due and what was paid."""

    value: float
    payment: float  # money earned (to date, for a cumulative line); then due after the true-up
    amount: float = 0.0  # paid after the cap
    capped: float = 0.0


def at9(x: float) -> float:
    """A metric or an edge as compared (SPEC "Edges and floating point")."""
    return round(x, 9)


# --------------------------------------------------------------------------- one rep's months


@dataclass
class RepData:
    """One rep's rows, with month offsets from the plan start."""

    deals: list[dict]
    quotas: list[dict]
    forecasts: list[dict]
    mbo: list[dict]


def month_offset(start: Month, day) -> int:
    day = pd.Timestamp(day)
    return (day.year * 12 + day.month - 1) - start.ordinal


def period_share(start: Month, label: str, first: int, last: int) -> float:
    """Share of a data-file period (e.g. ``2027-Q1``) that falls in plan months [first, last]."""
    period = Period.parse(label)
    inside = sum(1 for m in period.months if first <= m - start <= last)
    return inside / period.length


def period_months_inside(start: Month, label: str, first: int, last: int) -> int:
    period = Period.parse(label)
    return sum(1 for m in period.months if first <= m - start <= last)


# The built-in metrics and component kinds this loop has a formula of its own for; a test holds
# them equal to the registries (comp_sim.plan.metrics, comp_sim.plan.components), so a new metric
# or kind cannot be added without a second, independent reading of its rule here.
REFERENCE_METRICS = ("bookings", "quota", "attainment", "deals", "new_logos", "new_logo_bookings", "forecast",
                     "forecast_accuracy", "avg_discount", "mbo")
REFERENCE_KINDS = ("curve", "tiers", "commission", "spiff", "multiplier", "gate")
REFERENCE_PLAN_METRICS = ("sum", "count", "ratio", "team")


class RepMetrics:
    """Metric values of one rep over windows of months [first, last] of the plan year.

    ``everyone`` holds the RepMetrics of every rep of the data and ``team`` the rep's reports
    (``team[True]``: direct reports only), for team metrics."""

    def __init__(self, plan: Plan, start: Month, rep: dict, rows: RepData):
        self.plan, self.start, self.rep, self.rows = plan, start, rep, rows
        self.rep_id = rep["rep_id"]
        self.everyone: dict[str, RepMetrics] = {}
        self.team: dict[bool, list[str]] = {False: [], True: []}

    def deals_in(self, first: int, last: int) -> list[dict]:
        return [d for d in self.rows.deals if first <= month_offset(self.start, d["close_date"]) <= last]

    def ramp(self, month: Month) -> float:
        """The plan's ramp factor of this rep's targets in a calendar month (1 when none applies)."""
        if self.plan.ramp is None or self.rep["hire_date"] is None:
            return 1.0
        tenure = month - Month.of_date(self.rep["hire_date"]) + 1
        factors = self.plan.ramp.quota
        return factors[tenure - 1] if 1 <= tenure <= len(factors) else 1.0

    def target(self, metric: str, first: int, last: int) -> float:
        """Sum of the target rows for a metric, each spread evenly over its months, month by
        month ramped by the rep's tenure."""
        total = 0.0
        for q in self.rows.quotas:
            if q["metric"] != metric:
                continue
            period = Period.parse(q["period"])
            for month in period.months:
                if first <= month - self.start <= last:
                    total += q["target"] / period.length * self.ramp(month)
        return total

    def value(self, name: str, first: int, last: int) -> float:
        deals = self.deals_in(first, last)
        if name.startswith("target."):
            return self.target(name[len("target."):], first, last)
        if name == "bookings":
            return sum(d["amount"] * d["split"] for d in deals)
        if name == "quota":
            return self.target("bookings", first, last)
        if name == "attainment":
            return self.ratio(name, self.value("bookings", first, last), self.value("quota", first, last), None)
        if name == "deals":
            return float(sum(1 for d in deals if d["split"] > 0))
        if name == "new_logos":
            return float(sum(1 for d in deals if d["split"] > 0 and d["new_logo"]))
        if name == "new_logo_bookings":
            return sum(d["amount"] * d["split"] for d in deals if d["new_logo"])
        if name == "forecast":
            return sum(f["forecast"] * period_share(self.start, f["period"], first, last) for f in self.rows.forecasts)
        if name == "forecast_accuracy":
            bookings, forecast = self.value("bookings", first, last), self.value("forecast", first, last)
            if forecast > 0:
                return max(0.0, 1.0 - abs(bookings - forecast) / forecast)
            return 1.0 if is_zero(bookings) else 0.0
        if name == "avg_discount":
            bookings = self.value("bookings", first, last)
            discounted = sum(d["amount"] * d["split"] * d["discount"] for d in deals)
            return 0.0 if is_zero(bookings) else discounted / bookings
        if name == "mbo":
            # every month a score row covers counts once, with the row's score
            weighted = sum(s["score"] * period_months_inside(self.start, s["period"], first, last) for s in self.rows.mbo)
            months = sum(period_months_inside(self.start, s["period"], first, last) for s in self.rows.mbo)
            return 0.0 if months == 0 else weighted / months
        definition = self.plan.metrics[name]
        if isinstance(definition, TeamMetric):  # the members' values, added up
            members = self.team[definition.direct] + ([self.rep_id] if definition.include_self else [])
            return sum(self.everyone[member].value(definition.team, first, last) for member in members)
        if isinstance(definition, RatioMetric):
            top, bottom = definition.ratio
            return self.ratio(name, self.value(top, first, last), self.value(bottom, first, last), definition.on_zero)
        matching = [d for d in deals if matches(d, definition.where)]
        if isinstance(definition, SumMetric):
            return sum(float(d[definition.sum]) * d["split"] for d in matching)
        assert isinstance(definition, CountMetric)
        if definition.count == "new_logos":
            matching = [d for d in matching if d["new_logo"]]
        return float(sum(1 for d in matching if d["split"] > 0))

    def ratio(self, name: str, top: float, bottom: float, on_zero: float | None) -> float:
        """top / bottom; 0 / 0 is 0; x / 0 is on_zero or a data error."""
        if is_zero(bottom):
            if is_zero(top):
                return 0.0
            if on_zero is None:
                raise DataError([Issue(f"{name}: {top} / 0", source=f"rep {self.rep_id}")])
            return on_zero
        return top / bottom


def is_zero(x: float) -> bool:
    return at9(x) == 0.0 and abs(x) < 5e-10


def matches(deal: dict, where: dict) -> bool:
    for column, wanted in where.items():
        wanted = wanted if isinstance(wanted, list) else [wanted]
        if str(deal.get(column)) not in {str(w) for w in wanted}:
            return False
    return True


# --------------------------------------------------------------------------- pay rules


def curve_value(metric: float, curve: Curve) -> float:
    """Walk the points: below the first x pays ``below``; at a repeated x the later point wins."""
    xs = [x for x, _ in curve.points]
    ys = [y for _, y in curve.points]
    m = at9(metric)
    if m < at9(xs[0]):
        value = curve.below
    else:
        i = max(k for k in range(len(xs)) if at9(xs[k]) <= m)  # the last point reached
        if i == len(xs) - 1:
            value = ys[i] + extend_slope(xs, ys, curve.beyond) * (metric - xs[i])
        else:
            value = ys[i] + (ys[i + 1] - ys[i]) * (metric - xs[i]) / (xs[i + 1] - xs[i])
    return value if curve.cap is None else min(value, curve.cap)


def extend_slope(xs: list[float], ys: list[float], beyond: str) -> float:
    """``extend`` continues the slope of the last non-vertical segment (0 for a single point)."""
    if beyond == "hold":
        return 0.0
    for i in range(len(xs) - 1, 0, -1):
        if xs[i] != xs[i - 1]:
            return (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
    return 0.0


def banded_value(metric: float, bands, mode: str) -> float:
    """Rates over bands (previous ``to``, ``to``] starting at 0; a metric at or below 0 earns 0."""
    if metric <= 0:
        return 0.0
    if mode == "retroactive":
        for band in bands:
            if band.to is None or at9(metric) <= at9(band.to):
                return band.rate * metric
    paid, lower = 0.0, 0.0
    for band in bands:
        upper = metric if band.to is None else min(metric, band.to)
        if upper > lower:
            paid += band.rate * (upper - lower)
        if band.to is None or metric <= band.to:
            break
        lower = band.to
    return paid


def employed_days(rep: dict, month: Month) -> int:
    first, last = month.first_day, month.last_day
    hire = rep["hire_date"] or first
    end = rep["end_date"] or last
    return max(0, (min(last, end) - max(first, hire)).days + 1)


# --------------------------------------------------------------------------- the loop


def reference_payouts(plan: Plan, dataset: Dataset) -> dict[tuple[str, str, str], Line]:
    """Every rep the plan covers, component by component, window by window, then the cap and
    the draw."""
    start = plan.start
    months = [start + i for i in range(12)]
    lines: dict[tuple[str, str, str], Line] = {}
    reps = rep_rows(dataset)
    everyone = {rep["rep_id"]: RepMetrics(plan, start, rep, rows_of(dataset, rep["rep_id"])) for rep in reps}
    for rep in reps:  # each rep is in the team of every manager up its chain
        member = everyone[rep["rep_id"]]
        member.everyone = everyone
        manager, direct = rep["manager_id"], True
        while manager is not None:
            everyone[manager].team[False].append(rep["rep_id"])
            if direct:
                everyone[manager].team[True].append(rep["rep_id"])
            manager, direct = everyone[manager].rep["manager_id"], False
    for rep in reps:
        if rep["role"] not in plan.roles:
            continue
        rep_id = rep["rep_id"]
        annual_ti = rep["target_incentive"]
        if annual_ti is None:
            annual_ti = plan.roles[rep["role"]].target_incentive
        metrics = everyone[rep_id]
        payments = []  # (pay month, component order, key)
        for order, component in enumerate(plan.components):
            windows = plan_windows(start, component.measure)
            for index, window in enumerate(windows):
                first = 0 if component.cumulative else window.first
                ti = window_ti_to_date(rep, annual_ti, months, windows, index, component.cumulative)
                periods = index + 1 if component.cumulative else 1
                value, money = component_money(plan, component, metrics, first, window.last, ti, periods)
                # a cumulative line's money is earned to date; the true-up is worked out as it is paid
                lines[(rep_id, component.id, window.label)] = Line(value, money)
                payments.append((window.last, order, (rep_id, component.id, window.label)))
        pay_in_order(plan, rep, annual_ti, months, sorted(payments), lines)
        if plan.draw is not None:
            pay_draw(plan, rep, annual_ti, months, metrics, payments, lines)
    return lines


def pay_draw(plan: Plan, rep: dict, annual_ti: float, months: list[Month], metrics: RepMetrics,
             payments: list, lines: dict) -> None:
    """Draw periods in date order: D where the draw applies, P what the components paid."""
    rule = plan.draw
    windows = plan_windows(plan.start, rule.per)
    balance = 0.0
    for index, window in enumerate(windows):
        applies = rule.months is None or any(
            metrics.rep["hire_date"] is not None
            and 1 <= (plan.start + offset) - Month.of_date(metrics.rep["hire_date"]) + 1 <= rule.months
            for offset in range(window.first, window.last + 1))
        due = rule.fraction_of_ti * window_ti_to_date(rep, annual_ti, months, windows, index, False) if applies else 0.0
        paid = sum(lines[key].amount for pay_month, _, key in payments if window.first <= pay_month <= window.last)
        draw = due - paid if applies and paid < due else 0.0
        recovered = 0.0
        if rule.recoverable:
            balance += draw
            if paid > due and balance > 0:
                recovered = min(balance, paid - due)
                balance -= recovered
        lines[(rep["rep_id"], "draw", window.label)] = Line(paid, draw, draw)
        lines[(rep["rep_id"], "draw_recovery", window.label)] = Line(paid, -recovered, -recovered)


def window_ti_to_date(rep: dict, annual_ti: float, months: list[Month], windows, index: int,
                      cumulative: bool) -> float:
    """The TI a window is paid on: its own TI, or the sum of the window TIs so far."""
    total = 0.0
    for window in windows[: index + 1] if cumulative else [windows[index]]:
        span = months[window.first:window.last + 1]
        days = sum(m.days for m in span)
        employed = sum(employed_days(rep, m) for m in span)
        total += annual_ti * window.months / 12 * employed / days
    return total


def component_money(plan: Plan, component, metrics: RepMetrics, first: int, last: int, ti: float,
                    periods: int) -> tuple[float, float]:
    """(metric value, money after gates and multipliers) of one component over one window."""
    gates = [m for m in plan.modifiers if isinstance(m, GateModifier) and component.id in m.applies_to]
    multipliers = [m for m in plan.modifiers if isinstance(m, MultiplierModifier) and component.id in m.applies_to]
    closed = [g.gate for g in gates if at9(metrics.value(g.gate.metric, first, last)) < at9(g.gate.min)]
    if isinstance(component, TargetComponent):
        value = metrics.value(component.metric, first, last)
        if isinstance(component, CurveComponent):
            fraction = curve_value(value, component.curve)
        else:
            fraction = banded_value(value, component.tiers.bands, component.tiers.mode)
            if component.tiers.cap is not None:
                fraction = min(fraction, component.tiers.cap)
        for gate in closed:
            fraction = min(fraction, gate.cap_when_closed)
        money = fraction * component.weight * ti
    elif isinstance(component, CommissionComponent):
        rule = component.commission
        value = metrics.value(rule.basis, first, last)
        if rule.relative_to == "quota":
            quota = metrics.value("quota", first, last)
            ratio = metrics.ratio("relative to quota", value, quota, None)  # x / 0 is a data error
            money = banded_value(ratio, rule.bands, rule.mode) * quota
        else:
            money = banded_value(value, rule.bands, rule.mode)
        if rule.cap is not None:
            money = min(money, rule.cap * periods)
        if closed:
            money = 0.0
    else:
        assert isinstance(component, SpiffComponent)
        value = metrics.value(component.spiff.metric, first, last)
        money = component.spiff.amount * value
        if component.spiff.cap is not None:
            money = min(money, component.spiff.cap * periods)
        if closed:
            money = 0.0
    for modifier in multipliers:
        money *= curve_value(metrics.value(modifier.multiplier.metric, first, last), modifier.multiplier.as_curve())
    return value, money


def pay_in_order(plan: Plan, rep: dict, annual_ti: float, months: list[Month], payments: list,
                 lines: dict) -> None:
    """Pay in date order (plan order within a month). A cumulative line pays earned-to-date
    minus what its component actually paid before (``hold``: nothing when negative); then the
    cap: a positive payment is cut to the room left, negatives free room."""
    room = math.inf
    if plan.cap is not None:
        year_days = sum(m.days for m in months)
        employed = sum(employed_days(rep, m) for m in months)
        room = plan.cap.multiple_of_ti * annual_ti * employed / year_days
    paid_to_date: dict[str, float] = {}
    for _, order, key in payments:
        component = plan.components[order]
        line = lines[key]
        if component.cumulative:
            line.payment = line.payment - paid_to_date.get(component.id, 0.0)
            if plan.negative_true_up == "hold" and line.payment < 0:
                line.payment = 0.0
        if line.payment > 0:
            line.amount = min(line.payment, max(room, 0.0))
        else:
            line.amount = line.payment
        line.capped = line.payment - line.amount
        room -= line.amount
        paid_to_date[component.id] = paid_to_date.get(component.id, 0.0) + line.amount


# --------------------------------------------------------------------------- rows


def _date(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def rep_rows(dataset: Dataset) -> list[dict]:
    reps = []
    for row in dataset.reps.to_dict("records"):
        ti = row.get("target_incentive")
        manager = row.get("manager_id")
        reps.append({
            "rep_id": str(row["rep_id"]), "role": str(row["role"]),
            "manager_id": None if manager is None or pd.isna(manager) else str(manager),
            "target_incentive": None if ti is None or pd.isna(ti) else float(ti),
            "hire_date": _date(row.get("hire_date")), "end_date": _date(row.get("end_date")),
        })
    return reps


def rows_of(dataset: Dataset, rep_id: str) -> RepData:
    def rows(frame: pd.DataFrame) -> list[dict]:
        return [r for r in frame.to_dict("records") if str(r["rep_id"]) == rep_id]

    return RepData(rows(dataset.deals), rows(dataset.quotas), rows(dataset.forecasts), rows(dataset.mbo))


