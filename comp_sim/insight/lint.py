"""Plan lint: what a plan invites reps to do, each warning pointing at its key in the plan file.

Figures are computed with the plan's own rules (``comp_sim.plan.rules``) for a reference rep: the median TI and
plan-year quota of the population the plan was run on, or, with no population, the largest TI
among the plan's roles (and no quota). The population checks (how many reps reach a threshold
or an excellence point) read the metric values of that run. Arrays here are float64 shaped
(points,): a handful of attainment values, never reps or deals.

>>> from comp_sim.plan.loader import load_plan
>>> warnings = lint_plan(load_plan("plans/current-2026.yaml"))
>>> sorted({w.id for w in warnings})
['discount-incentive', 'period-edge', 'retro-cliff', 'uncapped']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from comp_sim.errors import Issue
from comp_sim.periods import MONTHS_PER, PLAN_YEAR_MONTHS
from comp_sim.plan.components import CommissionComponent, SpiffComponent
from comp_sim.plan.loader import format_path
from comp_sim.plan.models import Plan
from comp_sim.plan.rules import at_edges, commission
from comp_sim.report.simulation import Simulation

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}

# Thresholds of the checks, in one place so that the messages and the tests agree.
CLIFF_STEP = 1e-8  # a metric this far above an edge is past it (edges compare at 9 decimals)
HIGH_SHARE_OF_TI = 0.10  # a figure at least this share of annual TI makes a warning high
MEDIUM_SHARE_OF_TI = 0.02
MAX_WEIGHTED_COMPONENTS = 4
MIN_WEIGHT = 0.10
REACH_LOW, REACH_HIGH = 0.10, 0.90
DISCOUNT = 0.10  # the discount a rep gives on every deal in the discount check
HIGH_BOOKINGS_WEIGHT = 0.75
SANDBAG_AHEAD = 0.30  # how far ahead of forecast the honest rep lands
SANDBAG_RIVALS = 0.5  # accuracy pay recovering this share of the bookings pay given up rivals it
MIN_NEW_LOGO_WEIGHT = 0.15
EDGE_SHIFTS = np.round(np.arange(0.0, 0.51, 0.01), 2)  # (points,) share of quota moved across an edge
PERIOD_EDGE_MIN_GAIN = 0.01  # of annual TI


@dataclass(frozen=True)
class PlanWarning:
    """One behaviour a plan invites, at one key of the plan file, with the figures behind it."""

    id: str
    severity: Severity
    path: str
    line: int | None
    column: int | None
    source: str
    message: str
    fix: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """``file:line:column``, as errors give it."""
        return Issue(self.message, source=self.source, line=self.line, column=self.column).location

    def __str__(self) -> str:
        return f"{self.location}: warning[{self.id}, {self.severity}] {self.path}: {self.message} Fix: {self.fix}"


@dataclass(frozen=True)
class Reference:
    """The rep the figures are worked out for: annual TI and plan-year quota (None if unknown)."""

    ti: float
    quota: float | None
    basis: str  # how it was chosen, shown in every warning's figures

    def window_ti(self, months: int) -> float:
        return self.ti * months / PLAN_YEAR_MONTHS

    def window_quota(self, months: int) -> float | None:
        return None if self.quota is None else self.quota * months / PLAN_YEAR_MONTHS


@dataclass(frozen=True)
class Population:
    """Metric values of a run of the plan, per component: (observations,) where a
    non-cumulative component contributes every window and a cumulative one its last (the year)."""

    values: dict[str, np.ndarray]
    reps: int


Check = Callable[["_Context"], Iterable[PlanWarning]]


@dataclass
class _Context:
    plan: Plan
    reference: Reference
    population: Population | None

    def warn(self, id: str, severity: Severity, loc: tuple, message: str, fix: str,
             figures: dict[str, Any]) -> PlanWarning:
        line, column = self.plan.position(loc, at_key=bool(loc) and isinstance(loc[-1], str))
        return PlanWarning(id, severity, format_path(loc), line, column, self.plan.source,
                           message, fix, {**figures, "reference": self.reference.basis})


# --------------------------------------------------------------------------- entry point


def lint_plan(plan: Plan, population: Simulation | None = None, skipped: str = "") -> list[PlanWarning]:
    """Warnings for a plan, most severe first.

    ``population`` is a run of this plan over data (``comp_sim.api.lint`` makes one over the
    user's data or the bundled sample); without one the checks that need a population are
    skipped, with a low note saying why when ``skipped`` gives the reason.
    """
    notes: list[PlanWarning] = []
    if population is None and skipped:
        notes.append(_skipped_note(plan, skipped))
    reference, observed = _from_run(plan, population)
    if population is not None and observed is None:
        notes.append(_skipped_note(plan, f"the run covers no rep of roles {', '.join(plan.roles)}"))
    context = _Context(plan, reference, observed)
    warnings = [w for check in CHECKS for w in check(context)] + notes
    return sorted(warnings, key=lambda w: (SEVERITY_ORDER[w.severity], w.line or 0, w.id))


def render_warnings(warnings: list[PlanWarning]) -> str:
    """The warnings one per line, then a count by severity per plan file, for the terminal."""
    if not warnings:
        return "no warnings\n"
    lines = [str(w) for w in warnings]
    by_source: dict[str, list[PlanWarning]] = {}
    for warning in warnings:
        by_source.setdefault(warning.source, []).append(warning)
    for source, found in by_source.items():
        counts = ", ".join(f"{n} {s}" for s in SEVERITY_ORDER
                           if (n := sum(w.severity == s for w in found)))
        lines.append(f"{source}: {len(found)} warning{'s' if len(found) != 1 else ''} ({counts})")
    return "\n".join(lines) + "\n"


def _skipped_note(plan: Plan, why: str) -> PlanWarning:
    line, column = plan.position(("roles",), at_key=True)
    return PlanWarning(
        "population-skipped", "low", "roles", line, column, plan.source,
        f"the checks that need a population (how many reps reach a threshold or excellence "
        f"point) were skipped: {why}.",
        "lint over your data (comp-sim lint PLAN --data DIR; lint(plan, data=...)) with reps of these roles.",
        {"reason": why},
    )


def _from_run(plan: Plan, run: Simulation | None) -> tuple[Reference, Population | None]:
    """The reference rep and the metric values of a run (median TI and quota of covered reps)."""
    default = Reference(max(r.target_incentive for r in plan.roles.values()), None,
                        "the plan's largest role TI")
    if run is None:
        return default, None
    result = run.result(plan.id)
    if not len(result.roster.rep_ids) or not result.detail:
        return default, None
    quotas = result.quota[0][result.quota[0] > 0]
    reference = Reference(float(np.median(result.roster.annual_ti)),
                          float(np.median(quotas)) if quotas.size else None,
                          "the population's median TI and quota")
    detail = result.detail[0]
    values = {}
    for component_run in detail.components:
        value = np.asarray(component_run.value)
        if component_run.component.cumulative:
            value = value[..., -1:]
        values[component_run.component.id] = value.reshape(-1)
    return reference, Population(values, len(result.roster.rep_ids))


# --------------------------------------------------------------------------- pay of a reference rep


def reads_bookings(plan: Plan, metric: str) -> bool:
    """Whether a metric grows with the amount of a deal (its declaration's ``bookings`` tag)."""
    return "bookings" in plan.tags_of(metric)


def pays_on_bookings(plan: Plan, component: Any) -> bool:
    """Whether what a component is paid on grows with the amount of a deal."""
    return reads_bookings(plan, component.paid_on)


def annual_pay(plan: Plan, component: Any, attainment: np.ndarray, reference: Reference) -> np.ndarray | None:
    """Plan-year pay of a bookings-driven component for a rep at the same attainment in every
    window, gates open and multipliers at 1; None when it is not driven by attainment alone
    (its metric's declaration does not say how it follows attainment) or needs a quota that is not
    known.

    With the same attainment in every window a component pays fraction x weight x annual TI
    whatever its grain (a cumulative one ends the year at that attainment too).
    """
    attainment = np.asarray(attainment, dtype="float64")
    scale = plan.metric(component.paid_on).scale(plan)
    if scale not in ("ratio", "money"):
        return None
    windows = PLAN_YEAR_MONTHS // MONTHS_PER[component.grain]
    months = PLAN_YEAR_MONTHS if component.cumulative else MONTHS_PER[component.grain]
    quota = reference.window_quota(months)
    if scale == "money" and quota is None:
        return None
    value = attainment if scale == "ratio" else attainment * quota
    if component.in_ti:
        return component.fraction(value) * component.weight * reference.ti
    if quota is None:
        return None
    quotas = np.full_like(value, quota)
    if component.cumulative:  # the year's money, its cap x the periods of the year
        return commission(value, component.commission, quota=quotas, periods=windows)
    return commission(value, component.commission, quota=quotas) * windows


def _bookings_components(plan: Plan, reference: Reference) -> list[tuple[int, Any]]:
    """Components whose pay the reference rep's attainment sets, with their index."""
    return [(i, c) for i, c in enumerate(plan.components)
            if annual_pay(plan, c, np.array([1.0]), reference) is not None]


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _severity(amount: float, ti: float) -> Severity:
    if amount >= HIGH_SHARE_OF_TI * ti:
        return "high"
    return "medium" if amount >= MEDIUM_SHARE_OF_TI * ti else "low"


def _measurements(component: Any) -> str:
    if component.cumulative:
        return "plan-year (year to date) measurements"
    return {"month": "monthly", "quarter": "quarterly", "half": "half-yearly", "year": "annual"}[
        component.grain] + " measurements"


def _grain(component: Any) -> str:
    return "year to date" if component.cumulative else component.grain


# --------------------------------------------------------------------------- checks


def check_cliffs(ctx: _Context) -> Iterable[PlanWarning]:
    """Retroactive tiers and curve steps: one more dollar at an edge re-rates everything."""
    ref = ctx.reference
    for i, component in enumerate(ctx.plan.components):
        cliffs = component.cliffs()
        if cliffs is None:
            continue
        if not component.in_ti:
            yield from _commission_cliff(ctx, i, component)
            continue
        kind, loc, edges = cliffs.kind, ("components", i, *cliffs.loc), cliffs.edges
        months = PLAN_YEAR_MONTHS if component.cumulative else MONTHS_PER[component.grain]
        window_ti = ref.window_ti(months)
        at = np.array(edges, dtype="float64")
        # a tier band holds its edge (the next dollar crosses it); a curve step is right-continuous
        # (the dollar that reaches the edge crosses it)
        below = at if kind == "retro-cliff" else at - CLIFF_STEP
        jumps = (component.fraction(below + CLIFF_STEP) - component.fraction(below)) * component.weight * window_ti
        kept = [(e, float(j)) for e, j in zip(edges, jumps) if j > 0]
        if not kept:
            continue
        quota = ref.window_quota(months)
        edge_list = [{"at": e, "pays": j, **({"bookings": e * quota} if quota and component.metric == "attainment" else {})}
                     for e, j in kept]
        where = ", ".join(f"{e:g}" for e, _ in kept)
        pays = ", ".join(_money(j) for _, j in kept)
        what = ("one more dollar of bookings there pays" if component.metric == "attainment"
                else "the least step over an edge pays")
        message = (f"{'retroactive tiers re-rate' if kind == 'retro-cliff' else 'a step in the curve re-rates'} "
                   f"the whole {_grain(component)} at {component.metric} {where}: {what} {pays} for a rep "
                   f"with TI {_money(ref.ti)}, so reps pull or push deals to land just over an edge.")
        fix = ("make the tiers marginal (mode: marginal) so each rate applies only above its edge."
               if kind == "retro-cliff" else
               "replace each step with a sloped segment (e.g. ramp over 0.05 of the metric before the edge).")
        biggest = max(j for _, j in kept)
        yield ctx.warn(kind, _severity(biggest, ref.ti), loc, message, fix,
                       {"ti": ref.ti, "window_ti": window_ti, "edges": edge_list, "largest": biggest})


def _commission_cliff(ctx: _Context, i: int, component: CommissionComponent) -> Iterable[PlanWarning]:
    rule = component.commission
    months = PLAN_YEAR_MONTHS if component.cumulative else MONTHS_PER[component.grain]
    quota = ctx.reference.window_quota(months)
    if rule.relative_to == "quota" and quota is None:
        return
    scale = quota if rule.relative_to == "quota" else 1.0
    edges = np.array([b.to for b in rule.bands[:-1]], dtype="float64") * scale
    quotas = np.full_like(edges, quota or 0.0)
    jumps = commission(edges + 1.0, rule, quota=quotas) - commission(edges, rule, quota=quotas)
    kept = [(float(e), float(j)) for e, j in zip(edges, jumps) if j > 1.0 + 1e-9]
    if not kept:
        return
    message = (f"a retroactive commission re-rates the whole {_grain(component)} at {rule.basis} "
               f"{', '.join(_money(e) for e, _ in kept)}: one more dollar there pays "
               f"{', '.join(_money(j) for _, j in kept)}, so reps pull or push deals to land just over an edge.")
    yield ctx.warn("retro-cliff", _severity(max(j for _, j in kept), ctx.reference.ti),
                   ("components", i, "commission"), message,
                   "make the commission marginal (mode: marginal) so each rate applies only above its edge.",
                   {"edges": [{"at": e, "pays": j} for e, j in kept]})


def check_uncapped(ctx: _Context) -> Iterable[PlanWarning]:
    """No plan cap and a curve, tier or commission that keeps paying: cost has no bound."""
    if ctx.plan.cap is not None:
        return
    ref = ctx.reference
    for i, component in enumerate(ctx.plan.components):
        where = component.open_top()
        if where is None:
            continue
        pay = annual_pay(ctx.plan, component, np.array([2.0, 3.0]), ref)
        if pay is None and component.in_ti and ctx.plan.metric_kind(component.metric) == "ratio":
            # a ratio metric (logo attainment, a mix) is at target at 1.0
            pay = component.fraction(np.array([2.0, 3.0])) * component.weight * ref.ti
        figures: dict[str, Any] = {"ti": ref.ti}
        text = ""
        severity: Severity = "medium"
        if pay is not None:
            figures.update(pay_at_2x=float(pay[0]), pay_at_3x=float(pay[1]))
            text = (f": at 2x target it pays {_money(pay[0])} ({pay[0] / ref.ti:.1f}x TI) and at 3x "
                    f"{_money(pay[1])} ({pay[1] / ref.ti:.1f}x TI) for a rep with TI {_money(ref.ti)}")
            severity = "high" if pay[1] > 3.0 * ref.ti else "medium"
        message = (f"no plan cap and '{component.id}' keeps paying above target with no ceiling{text}, "
                   f"so a windfall deal or a soft quota sets the cost.")
        fix = "add a plan cap (cap: {multiple_of_ti: 3.0}) or a cap on this component's curve or tiers."
        yield ctx.warn("uncapped", severity, ("components", i, *where), message, fix, figures)


def check_weights(ctx: _Context) -> Iterable[PlanWarning]:
    """More than four weighted components, or one under 10% of TI, dilutes what a rep aims at."""
    ref = ctx.reference
    weighted = [(i, c) for i, c in enumerate(ctx.plan.components) if c.in_ti]
    if len(weighted) > MAX_WEIGHTED_COMPONENTS:
        yield ctx.warn(
            "diluted-weights", "medium", ("components",),
            f"{len(weighted)} weighted components split the TI; a rep works on two or three and "
            f"treats the rest as noise.",
            f"merge or drop components to {MAX_WEIGHTED_COMPONENTS} or fewer weighted ones.",
            {"components": len(weighted), "weights": {c.id: c.weight for _, c in weighted}})
    for i, c in weighted:
        if c.weight < MIN_WEIGHT - 1e-12:
            yield ctx.warn(
                "diluted-weights", "low", ("components", i, "weight"),
                f"'{c.id}' pays {_money(c.weight * ref.ti)} a year at target ({c.weight:.0%} of TI "
                f"{_money(ref.ti)}), too little to change what a rep does.",
                f"give it at least {MIN_WEIGHT:.0%} of TI or fold it into another component.",
                {"weight": c.weight, "pay_at_target": c.weight * ref.ti, "ti": ref.ti})


def check_reach(ctx: _Context) -> Iterable[PlanWarning]:
    """A threshold or excellence point that fewer than 10% or more than 90% of reps reach."""
    if ctx.population is None:
        return
    for i, component in enumerate(ctx.plan.components):
        values = ctx.population.values.get(component.id)
        if values is None or not values.size:
            continue
        for kind, point, where, above in component.reach_points() if component.in_ti else ():
            rounded = at_edges(values)
            reached = rounded > point if above else rounded >= at_edges(point)
            share = float(reached.mean())
            if REACH_LOW <= share <= REACH_HIGH:
                continue
            few = share < REACH_LOW
            severity, effect = {
                ("threshold", True): ("high", "almost nobody gets paid on it, so reps give up on it"),
                ("threshold", False): ("low", "it screens out almost nobody, so it pays for results that "
                                              "were coming anyway"),
                ("excellence", True): ("medium", "it is out of reach, so it motivates nobody"),
                ("excellence", False): ("medium", "nearly everyone reaches it, so the top rate is paid as routine"),
            }[(kind, few)]
            message = (f"the {kind} of '{component.id}' at {component.metric} {point:g} is reached in "
                       f"{share:.0%} of the {_measurements(component)} of {ctx.population.reps} reps: {effect}.")
            fix = (f"move it so that between {REACH_LOW:.0%} and {REACH_HIGH:.0%} of reps reach it "
                   f"(the {int(REACH_LOW * 100)}th..{int(REACH_HIGH * 100)}th percentile of {component.metric} "
                   f"is {np.percentile(values, REACH_LOW * 100):.2f}..{np.percentile(values, REACH_HIGH * 100):.2f}).")
            yield ctx.warn(f"{kind}-reach", severity, ("components", i, *where), message, fix,
                           {"point": point, "share_reaching": share, "observations": int(values.size),
                            "reps": ctx.population.reps})


def _used_metrics(plan: Plan) -> list[tuple[tuple, str]]:
    """(key path, metric name) of every metric a component or modifier reads."""
    return [(use.loc, use.name) for use in plan.reads() if use.loc[0] in ("components", "modifiers")]


def check_discounting(ctx: _Context) -> Iterable[PlanWarning]:
    """Pay on bookings with no discount or margin term: discounting to close costs the rep little."""
    plan, ref = ctx.plan, ctx.reference
    paying = [(loc, name) for loc, name in _used_metrics(plan)
              if loc[0] == "components" and reads_bookings(plan, name)]
    if not paying or any("discount" in plan.tags_of(name) for _, name in _used_metrics(plan)):
        return
    at = np.array([1.0, 1.0 - DISCOUNT])
    pays = [annual_pay(plan, c, at, ref) for _, c in _bookings_components(plan, ref)]
    pays = [p for p in pays if p is not None]
    figures: dict[str, Any] = {"ti": ref.ti, "discount": DISCOUNT}
    text = ""
    if pays:
        at_quota, discounted = (float(sum(p[k] for p in pays)) for k in (0, 1))
        rep_cost = at_quota - discounted
        figures.update(pay_at_quota=at_quota, pay_with_discount=discounted, rep_cost=rep_cost)
        text = (f": a rep at quota who gives {DISCOUNT:.0%} off every deal gives up only "
                f"{_money(rep_cost)} of pay ({rep_cost / ref.ti:.0%} of TI)")
        if ref.quota is not None:
            figures["company_cost"] = DISCOUNT * ref.quota
            text += f" while the company gives away {_money(DISCOUNT * ref.quota)} of revenue"
    weight = sum(getattr(c, "weight", 1.0) for _, c in _bookings_components(plan, ref))
    severity: Severity = "high" if weight >= HIGH_BOOKINGS_WEIGHT else "medium"
    figures["bookings_weight"] = weight
    names = ", ".join(sorted({name for _, name in paying}))
    message = (f"pays on {names} with no discount or margin term{text}, so discounting becomes the "
               f"closing strategy.")
    fix = ("add a multiplier on avg_discount to the bookings components (e.g. points "
           "[[0.05, 1.1], [0.15, 1.0], [0.3, 0.7]]) or pay on a margin column.")
    yield ctx.warn("discount-incentive", severity, paying[0][0], message, fix, figures)


def check_sandbagging(ctx: _Context) -> Iterable[PlanWarning]:
    """Forecast accuracy worth enough that holding back bookings to land on the forecast pays."""
    plan, ref = ctx.plan, ctx.reference
    honest_a, sandbag_a = 1.0 + SANDBAG_AHEAD, 1.0
    bookings = [annual_pay(plan, c, np.array([honest_a, sandbag_a]), ref) for _, c in _bookings_components(plan, ref)]
    bookings_loss = float(sum(p[0] - p[1] for p in bookings if p is not None))
    honest_bookings = float(sum(p[0] for p in bookings if p is not None))
    for i, c in enumerate(plan.components):
        if not (c.in_ti and "accuracy" in plan.tags_of(c.metric)):
            continue
        # forecast = the window's quota: honest lands 30% ahead (accuracy 0.7), the sandbagger on it
        accuracy = c.fraction(np.array([max(0.0, 1.0 - SANDBAG_AHEAD), 1.0])) * c.weight * ref.ti
        gain = float(accuracy[1] - accuracy[0])
        if gain <= 0:
            continue
        net = gain - bookings_loss
        recovered = gain / bookings_loss if bookings_loss > 0 else float("inf")
        if net <= 0 and recovered < SANDBAG_RIVALS:
            continue
        honest = honest_bookings + float(accuracy[0])
        sandbagger = honest_bookings - bookings_loss + float(accuracy[1])
        message = (f"'{c.id}' rivals the bookings terms: a rep running {SANDBAG_AHEAD:.0%} ahead of "
                   f"forecast who holds those deals back to land on it earns {_money(sandbagger)} "
                   f"against {_money(honest)} for closing them (accuracy pays {_money(gain)}, the "
                   f"bookings given up cost {_money(bookings_loss)}), so forecasts end up moving close dates.")
        fix = (f"weigh accuracy well below the bookings terms, or gate it on quota (gate: {{metric: "
               f"attainment, min: 1.0}} applied to '{c.id}') so holding deals back costs the accuracy pay too.")
        yield ctx.warn("forecast-sandbagging", "high" if net > 0 else "medium", ("components", i, "metric"),
                       message, fix,
                       {"ti": ref.ti, "ahead": SANDBAG_AHEAD, "honest_pay": honest, "sandbagger_pay": sandbagger,
                        "accuracy_gain": gain, "bookings_loss": bookings_loss, "net_gain": net})


def check_new_logos(ctx: _Context) -> Iterable[PlanWarning]:
    """New-logo terms too light to change behaviour: no gate, no multiplier and under 15% of TI."""
    plan, ref = ctx.plan, ctx.reference
    used = [(loc, name) for loc, name in _used_metrics(plan) if "new_logos" in plan.tags_of(name)]
    if not used or any(loc[0] == "modifiers" for loc, _ in used):
        return
    components = [plan.components[loc[1]] for loc, _ in used]
    weight = sum(c.weight for c in components if c.in_ti)
    if weight >= MIN_NEW_LOGO_WEIGHT - 1e-12:
        return
    spiffs = {c.id: c.spiff.amount for c in components if isinstance(c, SpiffComponent)}
    spiff_text = "".join(f" plus {_money(a)} a logo from '{cid}'" for cid, a in spiffs.items())
    message = (f"new logos pay {_money(weight * ref.ti)} a year at target ({weight:.0%} of TI "
               f"{_money(ref.ti)}){spiff_text}, and no gate or multiplier ties the rest of the pay to "
               f"them: too little to move a rep from renewals to new accounts.")
    fix = (f"give new logos at least {MIN_NEW_LOGO_WEIGHT:.0%} of TI, or gate the revenue accelerator "
           "on them (gate: {metric: new_logos, min: 1, cap_when_closed: 1.0}).")
    yield ctx.warn("weak-new-logos", "medium", used[0][0], message, fix,
                   {"weight": weight, "pay_at_target": weight * ref.ti, "spiffs": spiffs})


def check_period_edges(ctx: _Context) -> Iterable[PlanWarning]:
    """Non-cumulative bookings measured per month, quarter or half: moving deals across an edge pays."""
    ref = ctx.reference
    for i, c in _bookings_components(ctx.plan, ref):
        if c.cumulative or c.grain == "year":
            continue
        # two windows at quota; move a share s of a quota's worth from one into the other
        pay = annual_pay(ctx.plan, c, np.concatenate([1.0 + EDGE_SHIFTS, 1.0 - EDGE_SHIFTS]), ref)
        windows = PLAN_YEAR_MONTHS // MONTHS_PER[c.grain]
        per_window = pay / windows  # (2 x shifts,) pay of one window at that attainment
        gains = per_window[: EDGE_SHIFTS.size] + per_window[EDGE_SHIFTS.size:] - 2 * per_window[0]
        best = int(np.argmax(gains))
        gain = float(gains[best])
        if gain < PERIOD_EDGE_MIN_GAIN * ref.ti:
            continue
        shift = float(EDGE_SHIFTS[best])
        message = (f"'{c.id}' is measured per {c.grain} on its own: a rep at quota in two {c.grain}s "
                   f"who moves {shift:.0%} of a quota's worth of deals from one into the other earns "
                   f"{_money(gain)} more for the same bookings, so deals are pulled in or pushed out "
                   f"across {c.grain} ends.")
        fix = "measure it year to date (cumulative: true) and pay each period as a true-up."
        yield ctx.warn("period-edge", _severity(gain, ref.ti), ("components", i, "measure"), message, fix,
                       {"ti": ref.ti, "shift": shift, "gain": gain,
                        "window_pay_at_quota": float(per_window[0])})


CHECKS: list[Check] = [
    check_cliffs, check_uncapped, check_weights, check_reach, check_discounting,
    check_sandbagging, check_new_logos, check_period_edges,
]

__all__ = ["PlanWarning", "Reference", "lint_plan", "render_warnings", "annual_pay", "reads_bookings",
           "pays_on_bookings", "CHECKS"]
