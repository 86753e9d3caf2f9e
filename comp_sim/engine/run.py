"""Run one compiled plan over a cube: metric -> fraction -> gates -> money -> multipliers ->
true-up -> cap.

Arrays are float64 shaped (trials, reps, windows) unless a comment says otherwise; "reps" are the
reps the plan covers, in roster order. Loops run over a plan's components, modifiers and the
periods of one year only; everything per rep and per trial is a numpy operation. Results are
frozen: the cap returns new component runs rather than editing them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from comp_sim.data.cube import Cube
from comp_sim.engine.compile import CompiledComponent, CompiledPlan
from comp_sim.engine.metrics import MetricContext, PlanYear, per_trial_row
from comp_sim.engine.teams import Teams, build_teams
from comp_sim.engine.windows import differences, rises_of_running_max, running_sum, total
from comp_sim.measures import COMPANY_BOOKINGS, measure_key, split_target
from comp_sim.periods import PLAN_YEAR_MONTHS, Month, Window, days_employed, month_days
from comp_sim.plan.components import ComponentBase, GateModifier, MultiplierModifier
from comp_sim.plan.metrics import TeamMetric
from comp_sim.plan.models import Plan
from comp_sim.plan.rules import TENURE_PAST_RAMPS, DrawLines, draw_lines, ramp_factors


@dataclass(frozen=True)
class Roster:
    """The reps a plan covers, with what their pay is prorated on; and, for every rep of the
    data (the population teams are drawn from), the tenure month of each month of the plan year
    (ramps) and the teams of the covered reps (team metrics)."""

    rep_ids: tuple[str, ...]
    positions: np.ndarray  # (reps,) index of each rep in the cube
    annual_ti: np.ndarray  # (reps,)
    days_employed: np.ndarray  # (reps, months) of the plan year
    month_days: np.ndarray  # (months,)
    population_tenure: np.ndarray  # (cube reps, months) tenure month of every rep of the data
    teams: dict[tuple[bool, bool], Teams] = field(default_factory=dict)  # (direct, include_self) -> Teams

    @property
    def tenure(self) -> np.ndarray:
        """(reps, months) tenure month of each covered rep in each month of the plan year."""
        return self.population_tenure[self.positions]

    @property
    def cap_basis_ti(self) -> np.ndarray:
        """Plan-year TI after proration: annual TI x days employed / days in the plan year."""
        return self.annual_ti * self.days_employed.sum(axis=1) / self.month_days.sum()

    def window_ti(self, windows: tuple[Window, ...]) -> np.ndarray:
        """TI of each window, (reps, windows): annual TI x months/12 x employed share of days."""
        starts = [w.first for w in windows]
        employed = np.add.reduceat(self.days_employed, starts, axis=1)
        days = np.add.reduceat(self.month_days, starts)
        months = np.array([w.months for w in windows], dtype="float64")
        return self.annual_ti[:, None] * months / PLAN_YEAR_MONTHS * employed / days


def build_roster(plan: Plan, reps: pd.DataFrame, start: Month) -> Roster:
    """Reps whose role the plan lists; a rep's own target_incentive overrides the role default."""
    covered = reps["role"].astype(str).isin(list(plan.roles)).to_numpy()
    reads_teams = any(isinstance(m, TeamMetric) for m in plan.metrics.values())
    positions = np.flatnonzero(covered)
    chosen = reps.iloc[positions]
    role_ti = chosen["role"].astype(str).map({r: v.target_incentive for r, v in plan.roles.items()})
    own_ti = pd.to_numeric(chosen.get("target_incentive"), errors="coerce") if "target_incentive" in chosen else None
    annual = role_ti.to_numpy(dtype="float64")
    if own_ti is not None:
        own = own_ti.to_numpy(dtype="float64")
        annual = np.where(np.isnan(own), annual, own)
    hire = _dates(chosen, "hire_date")
    end = _dates(chosen, "end_date")
    return Roster(
        rep_ids=tuple(chosen["rep_id"].astype(str)),
        positions=positions,
        annual_ti=annual,
        days_employed=days_employed(start, PLAN_YEAR_MONTHS, hire, end),
        month_days=month_days(start, PLAN_YEAR_MONTHS),
        population_tenure=tenure_months(_dates(reps, "hire_date"), start, PLAN_YEAR_MONTHS),
        teams={(direct, own): build_teams(reps, positions, direct, own) for direct in (False, True)
               for own in (False, True)} if reads_teams else {},
    )


def tenure_months(hire: np.ndarray, start: Month, months: int) -> np.ndarray:
    """Each rep's tenure month in each month from ``start`` (the month holding the hire date is
    1; before it 0 or less); a rep without a hire date is past every ramp. (reps, months) int.

    >>> tenure_months(np.array(["2027-02-15", "NaT"], dtype="datetime64[D]"), Month.parse("2027-01"), 3).tolist()
    [[0, 1, 2], [1000000, 1000000, 1000000]]
    """
    hired = hire.astype("datetime64[M]").astype("int64")  # months since 1970-01
    offset = (start.ordinal - Month.of(1970, 1).ordinal) + np.arange(months)
    return np.where(np.isnat(hire)[:, None], TENURE_PAST_RAMPS, offset[None, :] - hired[:, None] + 1)


def _dates(reps: pd.DataFrame, column: str) -> np.ndarray:
    if column not in reps:
        return np.full(len(reps), np.datetime64("NaT"), dtype="datetime64[D]")
    return pd.to_datetime(reps[column]).to_numpy().astype("datetime64[D]")


@dataclass(frozen=True)
class ModifierEffect:
    """One gate or multiplier on one component: its metric and what it did, per window."""

    modifier: GateModifier | MultiplierModifier
    value: np.ndarray  # metric over the component's windows
    effect: np.ndarray  # gate: 1.0 open / 0.0 closed; multiplier: the factor


@dataclass(frozen=True)
class ComponentRun:
    """Every line a component computed, per (trials, reps, windows): what explain, the tables
    and the reports read."""

    compiled: CompiledComponent
    value: np.ndarray  # the metric (a commission's basis, a SPIFF's count)
    curve_fraction: np.ndarray  # of target, from the curve or tiers; NaN outside TI
    fraction: np.ndarray  # of target, after gates; NaN outside TI
    ti: np.ndarray  # (reps, windows) TI the fraction is paid on (year to date when cumulative)
    gates: tuple[ModifierEffect, ...]
    multipliers: tuple[ModifierEffect, ...]
    money: np.ndarray  # before multipliers (to date when cumulative)
    multiplier: np.ndarray  # product of the multipliers
    earned: np.ndarray  # money after multipliers; earned-to-date when cumulative
    payment: np.ndarray  # due this period, after the true-up
    amount: np.ndarray  # paid, after the plan cap
    capped: np.ndarray  # cut by the plan cap
    paid: np.ndarray  # (trials, reps) ``amount`` summed over the windows
    cut_by_cap: bool = False  # whether the cap cut anything (else ``capped`` is all zeros)

    @property
    def component(self) -> ComponentBase:
        return self.compiled.component

    @property
    def windows(self) -> tuple[Window, ...]:
        return self.compiled.windows

    @property
    def pay_months(self) -> np.ndarray:
        return self.compiled.pay_months

    @property
    def paid_before(self) -> np.ndarray:
        """Paid to date before each period, for a cumulative component: the sum of its amounts
        paid in the periods before (NaN for a component that is not cumulative)."""
        if not self.component.cumulative:
            return np.broadcast_to(np.nan, self.amount.shape)
        return running_sum(self.amount) - self.amount


@dataclass(frozen=True)
class PaidLine:
    """What one line of a plan (a component, the draw, its recovery) paid."""

    id: str
    amounts: np.ndarray  # (trials, reps, periods)
    paid: np.ndarray  # (trials, reps) over the year
    pay_months: np.ndarray  # (periods,) offset in the plan year of the month each period is paid in


@dataclass(frozen=True)
class DrawRun:
    """A plan's draw over its draw periods, per (trials, reps, periods): D (0 where it does not
    apply), P (component payments in the period), and the draw and recovery lines."""

    windows: tuple[Window, ...]
    due: np.ndarray  # (reps, periods) D
    paid: np.ndarray  # P
    lines: DrawLines

    @property
    def pay_months(self) -> np.ndarray:
        return np.array([w.last for w in self.windows])

    @property
    def outstanding(self) -> np.ndarray:
        """(trials, reps) the balance left at the end of the plan year."""
        return self.lines.balance_after[..., -1]


@dataclass(frozen=True)
class PlanRun:
    """One plan over one cube (or one chunk of trials)."""

    compiled: CompiledPlan
    roster: Roster
    components: tuple[ComponentRun, ...]
    bookings: np.ndarray  # (trials, reps) plan-year bookings, every credit of the rep
    quota: np.ndarray  # (trials, reps) plan-year quota
    company_bookings: np.ndarray  # (trials, reps) plan-year revenue credits (overlay credits left out)
    draw: DrawRun | None = None

    @property
    def plan(self) -> Plan:
        return self.compiled.plan

    @property
    def start(self) -> Month:
        return self.compiled.start

    @property
    def trials(self) -> int:
        return self.bookings.shape[0]

    def paid(self) -> np.ndarray:
        """(trials, reps) plan-year payout: every component, and the draw's lines."""
        return sum(line.paid for line in self.paid_lines())

    def paid_lines(self) -> list[PaidLine]:
        """Each line the plan pays, in ``compiled.line_ids`` order."""
        lines = [PaidLine(c.component.id, c.amount, c.paid, c.pay_months) for c in self.components]
        if self.draw is not None:
            months = self.draw.pay_months
            lines += [PaidLine("draw", self.draw.lines.draw, total(self.draw.lines.draw), months),
                      PaidLine("draw_recovery", self.draw.lines.recovery, total(self.draw.lines.recovery), months)]
        return lines


def run_plan(compiled: CompiledPlan, cube: Cube, roster: Roster) -> PlanRun:
    """Compute a plan's payouts over its plan year."""
    population = None
    if roster.teams:  # team metrics sum the measures of every rep of the data
        population = PlanYear(compiled.plan, compiled.start,
                              _plan_year_measures(compiled, cube, roster, everyone=True), cube.rep_ids)
    year = PlanYear(compiled.plan, compiled.start, _plan_year_measures(compiled, cube, roster), roster.rep_ids,
                    population=population, teams=roster.teams)
    contexts: dict[tuple[str, bool], MetricContext] = {}

    def context(grain: str, cumulative: bool) -> MetricContext:
        if (grain, cumulative) not in contexts:
            contexts[(grain, cumulative)] = MetricContext(year, grain, cumulative)
        return contexts[(grain, cumulative)]

    components = tuple(_run_component(compiled.plan, c, context(c.grain, c.cumulative), roster)
                       for c in compiled.components)
    whole_year = context("year", False)
    components = _apply_plan_cap(compiled, components, roster)
    return PlanRun(
        compiled=compiled,
        roster=roster,
        components=components,
        bookings=whole_year.value("bookings")[..., 0],
        quota=whole_year.value("quota")[..., 0],
        company_bookings=whole_year.sum_of(COMPANY_BOOKINGS)[..., 0],
        draw=_draws(compiled, components, roster),
    )


def _draws(compiled: CompiledPlan, components: tuple[ComponentRun, ...], roster: Roster) -> DrawRun | None:
    """The draw, a pass over each rep's paid lines after the cap (which neither cuts nor counts
    it): D = fraction_of_ti x the period's TI where the draw applies (in the periods holding one
    of the rep's first ``months`` tenure months, or every period), P = what the components paid
    in the period."""
    rule = compiled.plan.draw
    if rule is None:
        return None
    windows = compiled.draw_windows
    size = windows[0].months
    trials = components[0].amount.shape[0] if components else 1
    paid = np.zeros((trials, len(roster.rep_ids), len(windows)))
    for c in components:
        for index, window in enumerate(c.windows):
            paid[..., window.last // size] += c.amount[..., index]
    applies = np.ones((len(roster.rep_ids), len(windows)), dtype=bool)
    if rule.months is not None:
        early = (roster.tenure >= 1) & (roster.tenure <= rule.months)  # (reps, months)
        applies = np.logical_or.reduceat(early, [w.first for w in windows], axis=1)
    due = np.where(applies, rule.fraction_of_ti * roster.window_ti(windows), 0.0)
    return DrawRun(windows, due, paid, draw_lines(due, paid, rule.recoverable, applies))


def _plan_year_measures(compiled: CompiledPlan, cube: Cube, roster: Roster,
                        everyone: bool = False) -> dict[str, np.ndarray]:
    """The cube measures the plan reads over its plan year, (trials, reps, 12): for its reps, or
    for every rep of the cube (``everyone``, what team metrics add up). Targets are ramped by
    the tenure of the rep they belong to when the plan has a ramp.

    When the cube is the plan year and these are all its reps, they are the cube's own arrays
    (no copy); a subset of the reps is copied in the cube's memory layout, and a target that is
    the same in every trial is taken once and broadcast."""
    positions = np.arange(len(cube.rep_ids)) if everyone else roster.positions
    every_rep = len(positions) == len(cube.rep_ids)
    ramp = compiled.plan.ramp
    factors = ramp_factors(ramp, roster.population_tenure[positions]) if ramp is not None else None
    measures = {}
    for key in {measure_key(m) for m in compiled.measures}:
        values = cube.window(key, compiled.start, PLAN_YEAR_MONTHS)
        values = values if every_rep else per_trial_row(lambda v: take_in_layout(v, positions, axis=1), values)
        if factors is not None and split_target(key) is not None:
            values = per_trial_row(lambda v: v * factors[None], values)
        measures[key] = values
    return measures


def _run_component(plan: Plan, compiled: CompiledComponent, context: MetricContext,
                   roster: Roster) -> ComponentRun:
    component = compiled.component
    windows = compiled.windows
    opens = [gate.rule(context.value(gate.metric)) for gate in compiled.gates]
    gates = tuple(ModifierEffect(gate.modifier, context.value(gate.metric), is_open.astype("float64"))
                  for gate, is_open in zip(compiled.gates, opens))
    window_ti = roster.window_ti(windows)
    ti = running_sum(window_ti) if component.cumulative else window_ti
    periods = np.arange(1, len(windows) + 1) if component.cumulative else 1.0
    value = context.value(component.paid_on)

    if component.in_ti:
        fraction = compiled.rule(value)
        curve_fraction = fraction
        for gate, is_open in zip(compiled.gates, opens):
            limited = np.minimum(fraction, gate.modifier.gate.cap_when_closed)
            np.copyto(limited, fraction, where=is_open)
            fraction = limited
        # Outputs take the layout of the (trials, reps, windows) operand, not of the TI's.
        money = np.multiply(fraction, component.weight * ti, out=np.empty_like(fraction))
    else:
        money = component.money(value, context, periods, compiled.rule)
        fraction = curve_fraction = np.broadcast_to(np.nan, value.shape)
        for is_open in opens:
            money = money.copy(order="K")
            np.copyto(money, 0.0, where=~is_open)
        ti = np.zeros_like(ti)

    multipliers = tuple(ModifierEffect(m.modifier, context.value(m.metric), m.rule(context.value(m.metric)))
                        for m in compiled.multipliers)
    if multipliers:
        multiplier = functools.reduce(np.multiply, [m.effect for m in multipliers])
        earned = np.multiply(money, multiplier, out=np.empty_like(money))
    else:
        multiplier, earned = np.broadcast_to(1.0, value.shape), money
    payment = true_up(earned, plan.negative_true_up) if component.cumulative else earned
    return ComponentRun(compiled, value, curve_fraction, fraction, ti, gates, multipliers, money, multiplier,
                        earned, payment, payment, np.broadcast_to(0.0, payment.shape), total(payment))


def true_up(earned_to_date: np.ndarray, negative: str) -> np.ndarray:
    """Payment per period = earned-to-date - paid-to-date, along the last axis.

    ``hold``: a negative payment is 0 and paid-to-date only grows by what was paid, so
    paid-to-date is the running maximum of earned-to-date (and of 0).
    ``claw_back``: the negative amount is paid, so paid-to-date is earned-to-date.

    >>> true_up(np.array([100.0, 60.0, 150.0]), "hold").tolist()
    [100.0, 0.0, 50.0]
    >>> true_up(np.array([100.0, 60.0, 150.0]), "claw_back").tolist()
    [100.0, -40.0, 90.0]
    """
    if negative == "hold":
        return rises_of_running_max(earned_to_date)
    return differences(earned_to_date)


def _apply_plan_cap(compiled: CompiledPlan, components: tuple[ComponentRun, ...],
                    roster: Roster) -> tuple[ComponentRun, ...]:
    """Pay in date order (components in plan order within a period) until the annual cap.

    A positive payment is cut to what is left under the cap and the rest reported as capped;
    negative payments are never cut and free room again. Paid-to-date is what was actually paid:
    a cumulative component's true-up is earned-to-date minus what it paid before (after the cap
    cut it), so an amount the cap cut stays due and later true-ups try again.

    Only (trial, rep) pairs whose positive payments add up to more than the cap can be cut (so
    only those are walked through, period by period), and only the components whose lines change
    get arrays of their own.
    """
    cap_rule = compiled.plan.cap
    if cap_rule is None or not len(roster.rep_ids):
        return components
    cap = cap_rule.multiple_of_ti * roster.cap_basis_ti  # (reps,)
    positive = sum(_positive_total(c) for c in components)  # (trials, reps)
    trial_index, rep_index = np.nonzero(positive > cap[None, :])
    if not trial_index.size:
        return components
    hold = compiled.plan.negative_true_up == "hold"
    room = cap[rep_index]  # (walked,)
    paid_to_date = [np.zeros(trial_index.size) for _ in components]
    lines: list[list[tuple[int, np.ndarray, np.ndarray]]] = [[] for _ in components]  # (window, due, paid)
    for order, index in compiled.payment_order:
        c = components[order]
        if c.component.cumulative:
            due = c.earned[trial_index, rep_index, index] - paid_to_date[order]
            if hold:
                due = np.maximum(due, 0.0)
        else:
            due = c.payment[trial_index, rep_index, index]
        amount = np.where(due > 0, np.minimum(due, np.maximum(room, 0.0)), due)
        paid_to_date[order] += amount
        room = room - amount
        lines[order].append((index, due, amount))
    capped_runs = []
    for c, walked in zip(components, lines):
        before = [c.payment[trial_index, rep_index, index] for index, _, _ in walked]
        new_payments = [(index, due) for (index, due, _), old in zip(walked, before) if (due != old).any()]
        new_amounts = [(index, paid) for (index, _, paid), old in zip(walked, before) if (paid != old).any()]
        if not new_payments and not new_amounts:  # the cap left its lines as they were
            capped_runs.append(c)
            continue
        cuts = [(index, due - paid) for index, due, paid in walked if (due != paid).any()]
        capped = zeros_in_layout_of(c.payment)
        for index, cut in cuts:
            capped[trial_index, rep_index, index] = cut
        amount = _with_walked(c.payment, new_amounts, trial_index, rep_index)
        paid = c.paid
        if new_amounts:  # only the walked pairs' totals change
            paid = c.paid.copy(order="K")
            paid[trial_index, rep_index] = total(amount[trial_index, rep_index])
        capped_runs.append(replace(c, payment=_with_walked(c.payment, new_payments, trial_index, rep_index),
                                   amount=amount, capped=capped, paid=paid, cut_by_cap=bool(cuts)))
    return tuple(capped_runs)


def _with_walked(values: np.ndarray, changes: list[tuple[int, np.ndarray]], trial_index: np.ndarray,
                 rep_index: np.ndarray) -> np.ndarray:
    """``values`` with the walked (trial, rep) pairs of some windows set anew: a copy, or
    ``values`` itself when nothing changes."""
    if not changes:
        return values
    out = values.copy(order="K")
    for index, new in changes:
        out[trial_index, rep_index, index] = new
    return out


def _positive_total(run: ComponentRun) -> np.ndarray:
    """(trials, reps) sum of a component's positive payments; when none is negative it is the
    total already summed."""
    if run.payment.min(initial=0.0) >= 0.0:
        return run.paid
    return total(np.maximum(run.payment, 0.0))


def zeros_in_layout_of(values: np.ndarray) -> np.ndarray:
    """Zeros shaped and laid out in memory like ``values``. Unlike ``np.zeros_like`` it does not
    write the zeros: the pages come zeroed from the system, and only those the cap cuts are touched.

    >>> zeros_in_layout_of(np.ones((2, 3, 4)).transpose(1, 2, 0)).strides
    (32, 8, 96)
    """
    slow_to_fast = _slow_to_fast(values)
    zeros = np.zeros([values.shape[axis] for axis in slow_to_fast])
    return zeros.transpose(np.argsort(slow_to_fast))


def take_in_layout(values: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """``np.take(values, indices, axis)`` laid out in memory like ``values`` (numpy's take and
    fancy indexing first copy a transposed array into C order, and return another layout).

    >>> months_first = np.arange(24.0).reshape(4, 2, 3).transpose(1, 2, 0)  # (trials, reps, months)
    >>> taken = take_in_layout(months_first, np.array([0, 2]), axis=1)
    >>> taken.strides, bool((taken == months_first[:, [0, 2], :]).all())
    ((16, 8, 32), True)
    """
    slow_to_fast = _slow_to_fast(values)
    taken = np.take(values.transpose(slow_to_fast), indices, axis=slow_to_fast.index(axis))
    return taken.transpose(np.argsort(slow_to_fast))


def _slow_to_fast(values: np.ndarray) -> list[int]:
    """The axes of an array, from the one with the largest stride to the smallest."""
    return sorted(range(values.ndim), key=lambda axis: -values.strides[axis])
