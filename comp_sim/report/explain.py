"""A rep's statement, line by line: metric -> curve/tiers -> gates -> money -> multipliers ->
true-up -> cap -> paid, for every period and component, read from the engine's own arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from comp_sim.engine.compile import DRAW_LINES
from comp_sim.engine.results import PlanResult
from comp_sim.engine.run import ComponentRun, ModifierEffect, PlanRun
from comp_sim.errors import Issue, UsageError
from comp_sim.output import to_json
from comp_sim.report.lines import LINE_COLUMNS, money, quiet_lines
from comp_sim.report.printable import statement_html


@dataclass
class Statement:
    """One rep under one plan: a header and one line per period and component."""

    header: dict[str, Any]
    lines: pd.DataFrame  # LINE_COLUMNS

    @property
    def total(self) -> float:
        return float(self.lines["amount"].sum())

    def by_component(self) -> pd.Series:
        """Paid per component, in plan order."""
        return self.lines.groupby("component", sort=False)["amount"].sum().reindex(self.header["components"])

    def to_dict(self) -> dict[str, Any]:
        lines = self.lines.astype(object).where(self.lines.notna(), None)
        return {"header": self.header, "lines": lines.to_dict(orient="records"),
                "by_component": {k: float(v) for k, v in self.by_component().items()},
                "total": self.total}

    def json(self) -> str:
        """The statement as JSON: header, lines (LINE_COLUMNS, null where a step does not apply),
        paid by component and the total; money unrounded, as the engine computed it."""
        return to_json(self.to_dict())

    def html(self) -> str:
        """A printable one-page HTML statement, self-contained, to send to the rep."""
        return statement_html(self)

    def text(self) -> str:
        """The statement as plain text a rep can read top to bottom."""
        h = self.header
        cur = h["currency"]
        out = [
            f"{h['plan_name']} ({h['plan']}), plan year {h['plan_year']}",
            f"Rep {h['rep_id']} {h['name']} ({h['role']})",
            f"Target incentive {money(h['target_incentive'])} {cur} a year; "
            f"{money(h['prorated_ti'])} for the days employed in the plan year",
            f"Bookings {money(h['bookings'])} against quota {money(h['quota'])}"
            + (f" = {h['attainment']:.1%} attainment" if h["attainment"] is not None else ""),
            "",
        ]
        quiet = quiet_lines(self.lines)
        for _, line in self.lines[~quiet].iterrows():
            out += _line_text(line, cur)
        quiet = int(quiet.sum())
        if quiet:
            out.append(f"({quiet} line(s) with nothing to pay (commissions, SPIFFs or draws) are not shown)")
        out.append("")
        out.append("Total by component:")
        for component, amount in self.by_component().items():
            out.append(f"  {component:<24} {money(amount):>14} {cur}")
        out.append(f"  {'TOTAL':<24} {money(self.total):>14} {cur}")
        if h["capped"] > 0.005:
            out.append(f"  (the plan cap cut {money(h['capped'])} {cur})")
        if h["draw_outstanding"] is not None:
            out.append(f"  (draw balance owed at the end of the plan year: {money(h['draw_outstanding'])} {cur}; "
                       "it is not paid back within the year)")
        return "\n".join(out) + "\n"


def _line_text(line: pd.Series, currency: str) -> list[str]:
    text = [f"{line['period']} (paid {line['pay_month']})  {line['label']}"]
    if line["component"] in DRAW_LINES:
        if line["component"] == "draw":
            step = (f"draw due {money(line['money'])}; the components paid {money(line['value'])} -> "
                    f"the draw pays {money(line['amount'])}")
        else:
            step = (f"the components paid {money(line['value'])} over the draw due {money(line['money'])} -> "
                    f"recovers {money(-line['amount'])}")
        balance = f"balance owed {money(line['balance_before'])} -> {money(line['balance_after'])}"
        return text + ["    " + s for s in (step, balance, f"paid {money(line['amount'])} {currency}")]
    steps = [f"{line['metric']} = {line['value']:,.4f}"]
    if pd.notna(line["fraction"]):
        steps.append(f"curve/tiers -> {line['curve_fraction']:.4f} of target")
        if line["gates"]:
            steps.append(f"gates: {line['gates']} -> {line['fraction']:.4f}")
        steps.append(f"x weight {line['weight']:g} x TI {money(line['ti'])} = {money(line['money'])}")
    else:
        if line["gates"]:
            steps.append(f"gates: {line['gates']}")
        steps.append(f"money {money(line['money'])}")
    if line["multipliers"]:
        steps.append(f"x {line['multiplier']:.4f} ({line['multipliers']}) = {money(line['earned'])}")
    if pd.notna(line["paid_before"]):
        steps.append(f"earned to date {money(line['earned'])} - paid to date "
                     f"{money(line['paid_before'])} -> due {money(line['payment'])}")
    if line["capped"] > 0.005:
        steps.append(f"plan cap cuts {money(line['capped'])}")
    steps.append(f"paid {money(line['amount'])} {currency}")
    text += ["    " + step for step in steps]
    return text


def statement(result: PlanResult, rep_id: str, trial: int = 0) -> Statement:
    """The statement of ``rep_id`` in ``trial`` (which must be among the trials kept in detail)."""
    ids = list(result.roster.rep_ids)
    if rep_id not in ids:
        hint = ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else "")
        raise UsageError(Issue(f"no rep '{rep_id}' on plan {result.plan.id} "
                               f"(its reps: {hint or 'none'})", path="rep"))
    run, offset = _detail_run(result, trial)
    rep = ids.index(rep_id)
    frames = [_component_lines(run, c, offset, rep) for c in run.components]
    if run.draw is not None:
        frames += _draw_lines(run, offset, rep)
    lines = pd.concat(frames, ignore_index=True)
    lines = lines.sort_values(["pay_month_index", "order"], kind="stable").drop(columns=["pay_month_index", "order"])
    info = result.reps.iloc[rep]
    quota = float(result.quota[trial, rep])
    bookings = float(result.bookings[trial, rep])
    header = {
        "plan": result.plan.id, "plan_name": result.plan.plan, "currency": result.plan.currency,
        "plan_year": f"{result.start}..{result.start + 11}",
        "rep_id": rep_id, "name": str(info["name"]), "role": str(info["role"]),
        "target_incentive": float(result.roster.annual_ti[rep]),
        "prorated_ti": float(result.roster.cap_basis_ti[rep]),
        "bookings": bookings, "quota": quota,
        "attainment": bookings / quota if quota > 0 else None,
        "capped": float(lines["capped"].sum()), "trial": trial,
        "components": result.line_ids,
        "draw_outstanding": float(result.outstanding[trial, rep]) if result.outstanding is not None else None,
    }
    return Statement(header, lines.reset_index(drop=True)[LINE_COLUMNS])


def _detail_run(result: PlanResult, trial: int) -> tuple[PlanRun, int]:
    start = 0
    for run in result.detail:
        if start <= trial < start + run.trials:
            return run, trial - start
        start += run.trials
    raise UsageError(Issue(f"trial {trial} is not kept in detail (trials 0..{start - 1} are)", path="trial"))


def _component_lines(run: PlanRun, c: ComponentRun, t: int, rep: int) -> pd.DataFrame:
    """The engine's own lines of one component for one rep, period by period."""
    component = c.component
    windows = len(c.windows)
    gates = [_gate_text(c.gates, t, rep, w) for w in range(windows)]
    multipliers = [
        "; ".join(f"{m.modifier.id}: {m.modifier.metric} {m.value[t, rep, w]:.4f} -> {m.effect[t, rep, w]:.4f}"
                  for m in c.multipliers)
        for w in range(windows)
    ]
    return pd.DataFrame({
        "period": [w.label for w in c.windows],
        "pay_month": [str(run.start + w.last) for w in c.windows],
        "pay_month_index": [w.last for w in c.windows],
        "order": c.compiled.order,
        "component": component.id,
        "label": component.name,
        "weight": component.weight if component.in_ti else np.nan,
        "metric": component.paid_on + (" (year to date)" if component.cumulative else ""),
        "value": c.value[t, rep],
        "curve_fraction": c.curve_fraction[t, rep],
        "gates": gates,
        "fraction": c.fraction[t, rep],
        "ti": c.ti[rep] if component.in_ti else np.full(windows, np.nan),
        "money": c.money[t, rep],
        "multipliers": multipliers,
        "multiplier": c.multiplier[t, rep],
        "earned": c.earned[t, rep],
        "paid_before": c.paid_before[t, rep],
        "payment": c.payment[t, rep],
        "capped": c.capped[t, rep],
        "amount": c.amount[t, rep],
        "balance_before": np.nan,
        "balance_after": np.nan,
    })


def _draw_lines(run: PlanRun, t: int, rep: int) -> list[pd.DataFrame]:
    """The draw's lines for one rep, period by period: P as the value, D as the money, the
    balance owed before and after."""
    draw = run.draw
    labels = run.compiled.line_labels
    rule = run.plan.draw
    periods = len(draw.windows)
    common = {
        "period": [w.label for w in draw.windows],
        "pay_month": [str(run.start + w.last) for w in draw.windows],
        "pay_month_index": [w.last for w in draw.windows],
        "weight": np.nan, "metric": "paid by the components in the period", "value": draw.paid[t, rep],
        "curve_fraction": np.nan, "gates": "", "fraction": np.nan, "ti": np.nan, "money": draw.due[rep],
        "multipliers": "", "multiplier": np.nan, "earned": np.nan, "paid_before": np.nan, "capped": 0.0,
        "balance_before": draw.lines.balance_before[t, rep], "balance_after": draw.lines.balance_after[t, rep],
    }
    frames = []
    for order, (line, amounts) in enumerate((("draw", draw.lines.draw), ("draw_recovery", draw.lines.recovery))):
        label = labels[line] + (" (guarantee)" if line == "draw" and not rule.recoverable else "")
        frames.append(pd.DataFrame({**common, "order": len(run.components) + order, "component": line,
                                    "label": label, "payment": amounts[t, rep], "amount": amounts[t, rep]},
                                   index=range(periods)))
    return frames


def _gate_text(gates: list[ModifierEffect], t: int, rep: int, w: int) -> str:
    parts = []
    for gate in gates:
        modifier = gate.modifier
        value = gate.value[t, rep, w]
        if gate.effect[t, rep, w] > 0:
            parts.append(f"{modifier.id} open ({modifier.gate.metric} {value:,.4g} >= {modifier.gate.min:g})")
        else:
            parts.append(f"{modifier.id} closed ({modifier.gate.metric} {value:,.4g} < {modifier.gate.min:g}; "
                         f"capped at {modifier.gate.cap_when_closed:g})")
    return "; ".join(parts)
