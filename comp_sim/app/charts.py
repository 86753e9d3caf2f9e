"""Altair charts of the app; every axis names its unit, money axes name the plan currency.

Charts take the API's tables (statements, summaries, comparisons, pay curve points) and never
compute a payout.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from comp_sim import api
from comp_sim.app.format import axis_money

HEIGHT = 320
PALETTE = alt.Scale(scheme="tableau10")
COMPONENTS = alt.Scale(scheme="tableau20")  # the components of several plans side by side
WHO_WINS_COLORS = alt.Scale(domain=["Winners", "Losers"], range=["#2e7d32", "#c62828"])
OUTCOME_COLORS = alt.Scale(domain=["winner", "same", "loser"], range=["#2e7d32", "#9e9e9e", "#c62828"])


def pay_curves(plan: api.Plan, title: str) -> alt.Chart | None:
    """Fraction of target paid against the component's metric, one line per component."""
    points = api.pay_curve_points(plan)
    if points.empty:
        return None
    return alt.Chart(points, title=title).mark_line(interpolate="linear").encode(
        x=alt.X("metric:Q", title="Metric (% of target; accuracy and mix in %)", axis=alt.Axis(format="%")),
        y=alt.Y("fraction:Q", title="Payout (% of the component's target)", axis=alt.Axis(format="%")),
        color=alt.Color("component:N", title="Component", scale=PALETTE, legend=alt.Legend(labelLimit=160)),
        tooltip=[alt.Tooltip("component:N", title="Component"), alt.Tooltip("metric_name:N", title="Metric"),
                 alt.Tooltip("metric:Q", title="Metric", format=".1%"),
                 alt.Tooltip("fraction:Q", title="Payout", format=".1%")],
    ).properties(height=HEIGHT)


def pay_vs_attainment(statements: pd.DataFrame) -> alt.Chart:
    """Each rep's payout % of TI against attainment, per plan or program (pay for performance at
    a glance). ``statements``: one row per unit and rep, with ``unit_name`` and ``paid_by``."""
    frame = statements.dropna(subset=["attainment", "payout_pct_ti"])
    return alt.Chart(frame).mark_circle(size=45, opacity=0.7).encode(
        x=alt.X("attainment:Q", title="Attainment (% of annual quota)", axis=alt.Axis(format="%")),
        y=alt.Y("payout_pct_ti:Q", title="Payout (% of target incentive)", axis=alt.Axis(format="%")),
        color=alt.Color("unit_name:N", title="Plan or program", scale=PALETTE, sort=None),
        tooltip=[alt.Tooltip("unit_name:N", title="Plan or program"), alt.Tooltip("paid_by:N", title="Paid by"),
                 alt.Tooltip("rep_id:N", title="Rep"), alt.Tooltip("name:N", title="Name"),
                 alt.Tooltip("attainment:Q", title="Attainment", format=".1%"),
                 alt.Tooltip("payout_pct_ti:Q", title="Payout % of TI", format=".1%")],
    ).properties(height=HEIGHT)


def by_component(frame: pd.DataFrame, currency: str) -> alt.Chart:
    """Stacked bar: a plan's cost split by component. ``frame``: plan_name, component, amount
    (a plan of a program named ``Program · Plan``, drawn on two lines)."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("plan_name:N", title=None, sort=None,  # "Program · Plan" on two lines
                axis=alt.Axis(labelLimit=220, labelExpr="split(datum.label, ' · ')")),
        x=alt.X("sum(amount):Q", title=f"Payout ({currency})", axis=alt.Axis(format=axis_money(currency))),
        color=alt.Color("component:N", title="Component", scale=COMPONENTS, legend=alt.Legend(labelLimit=220)),
        tooltip=[alt.Tooltip("plan_name:N", title="Plan"), alt.Tooltip("component:N", title="Component"),
                 alt.Tooltip("sum(amount):Q", title=f"Payout ({currency})", format=",.0f")],
    ).properties(height=max(120, 60 * frame["plan_name"].nunique(), 18 * frame["component"].nunique() + 40))


def winners_losers(reps: pd.DataFrame, currency: str) -> alt.Chart:
    """One bar per rep: plan-year payout change against the baseline, sorted, green up, red down."""
    frame = reps.assign(rep=reps["rep_id"] + " " + reps["name"].astype(str))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("rep:N", title="Rep (sorted by change)", sort=alt.EncodingSortField("delta", order="descending"),
                axis=alt.Axis(labels=len(frame) <= 40, labelAngle=-60)),
        y=alt.Y("delta:Q", title=f"Change in plan-year payout ({currency})",
                axis=alt.Axis(format=axis_money(currency))),
        color=alt.Color("outcome:N", title="Outcome", scale=OUTCOME_COLORS),
        tooltip=[alt.Tooltip("rep_id:N", title="Rep"), alt.Tooltip("name:N", title="Name"),
                 alt.Tooltip("role:N", title="Role"), alt.Tooltip("paid_by:N", title="Paid by"),
                 alt.Tooltip("baseline_payout:Q", title=f"Baseline ({currency})", format=",.0f"),
                 alt.Tooltip("payout:Q", title=f"Proposal ({currency})", format=",.0f"),
                 alt.Tooltip("delta:Q", title=f"Change ({currency})", format=",.0f"),
                 alt.Tooltip("delta_pct_ti:Q", title="Change (% of TI)", format=".1%")],
    ).properties(height=HEIGHT)


def who_wins(table: pd.DataFrame) -> alt.Chart:
    """Winners' and losers' mean on each behaviour, side by side, each labelled with its value;
    the behaviour's label says whether more or less of it is what a proposal rewards.

    ``table``: ``api.who_wins`` (behaviour, label, winners, losers, winners_reps, losers_reps)."""
    frame = table.assign(
        behaviour_label=[f"{label} ({'more' if api.BEHAVIOURS[b][1] else 'less'} is rewarded)"
                         for b, label in zip(table["behaviour"], table["label"])],
    ).melt(id_vars=["behaviour_label"], value_vars=["winners", "losers"], var_name="group", value_name="mean")
    frame["group"] = frame["group"].map({"winners": "Winners", "losers": "Losers"})
    order = list(dict.fromkeys(frame["behaviour_label"]))
    base = alt.Chart(frame).encode(
        y=alt.Y("behaviour_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=360, labelFontSize=12)),
        yOffset=alt.YOffset("group:N", sort=["Winners", "Losers"]),
        x=alt.X("mean:Q", title="Mean per rep (%)", axis=alt.Axis(format="%")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("group:N", title=None, scale=WHO_WINS_COLORS, sort=["Winners", "Losers"],
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("behaviour_label:N", title="Behaviour"), alt.Tooltip("group:N", title="Who"),
                 alt.Tooltip("mean:Q", title="Mean", format=".1%")])
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("mean:Q", format=".1%"))
    return (bars + labels).properties(height=70 * len(order))


def cost_distribution(costs: pd.DataFrame, marks: pd.DataFrame, currency: str) -> alt.Chart:
    """Histogram of a plan's total cost over trials with its percentiles as labelled rules.

    ``costs``: cost (one row per trial); ``marks``: label, cost (P50, P90, P99)."""
    money = axis_money(currency)
    bars = alt.Chart(costs).mark_bar(color="#1f4e79", opacity=0.8).encode(
        x=alt.X("cost:Q", bin=alt.Bin(maxbins=40), title=f"Total cost of the plan year ({currency})",
                axis=alt.Axis(format=money)),
        y=alt.Y("count():Q", title="Trials"),
    )
    rules = alt.Chart(marks).mark_rule(color="#c62828", strokeDash=[4, 3], size=2).encode(
        x="cost:Q",
        tooltip=[alt.Tooltip("label:N", title="Percentile"),
                 alt.Tooltip("cost:Q", title=f"Cost ({currency})", format=",.0f")])
    labels = alt.Chart(marks).mark_text(align="left", dx=4, dy=-6, color="#c62828", fontWeight="bold").encode(
        x="cost:Q", y=alt.value(12), text="label:N")
    return (bars + rules + labels).properties(height=HEIGHT)


def cash_timing(frame: pd.DataFrame, currency: str, period_title: str) -> alt.Chart:
    """Grouped bars: what each plan pays out in each month or quarter (the cash timing).

    ``frame``: plan_name, period, amount."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("period:N", title=period_title, sort=None),
        xOffset=alt.XOffset("plan_name:N", sort=None),
        y=alt.Y("amount:Q", title=f"Paid ({currency})", axis=alt.Axis(format=axis_money(currency))),
        color=alt.Color("plan_name:N", title="Plan or program", sort=None, scale=PALETTE),
        tooltip=[alt.Tooltip("plan_name:N", title="Plan or program"), alt.Tooltip("period:N", title=period_title),
                 alt.Tooltip("amount:Q", title=f"Paid ({currency})", format=",.0f")],
    ).properties(height=HEIGHT)


def sensitivity(frame: pd.DataFrame, currency: str, shifted: str) -> alt.Chart:
    """Cost as the data shifts. ``frame``: plan_name, shift (fraction), cost."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("shift:Q", title=f"Shift: {shifted} (%)",
                axis=alt.Axis(format="+.0%", values=sorted(frame["shift"].unique().tolist()))),
        y=alt.Y("cost:Q", title=f"Total cost ({currency})", axis=alt.Axis(format=axis_money(currency))),
        color=alt.Color("plan_name:N", title="Plan or program", sort=None, scale=PALETTE),
        tooltip=[alt.Tooltip("plan_name:N", title="Plan or program"), alt.Tooltip("shift:Q", title="Shift", format="+.0%"),
                 alt.Tooltip("cost:Q", title=f"Cost ({currency})", format=",.0f")],
    ).properties(height=HEIGHT)
