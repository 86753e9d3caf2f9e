"""Compare plans (CRO): who gets paid what under each plan, and who wins or loses against today's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.downloads import download_buttons
from comp_sim.app.format import money_column, number_column, share_column
from comp_sim.app.inputs import Inputs, simulation
from comp_sim.app.warnings import plan_warnings


def page(inputs: Inputs) -> None:
    st.title("Compare plans")
    sim = simulation(inputs)
    comparison = api.compare(sim, inputs.baseline)
    st.caption(run_caption(inputs, sim))
    _notes(sim)
    summary_table(comparison, inputs)
    left, right = st.columns(2)
    with left:
        st.subheader("Payout against attainment")
        st.altair_chart(charts.pay_vs_attainment(sim.statements, plan_names(inputs)), key="scatter")
    with right:
        st.subheader("Payout by component")
        st.altair_chart(charts.by_component(component_costs(sim, inputs), inputs.currency), key="components")
    st.subheader("Pay curves")
    pay_curves(inputs)
    st.subheader(f"Winners and losers against {inputs.plan(inputs.baseline).plan}")
    winners_and_losers(comparison, inputs)
    plan_warnings(inputs)
    st.subheader("Downloads")
    download_buttons(sim, comparison, key="compare")


def run_caption(inputs: Inputs, sim: api.Simulation) -> str:
    trials = ("the data as it happened (one trial)" if sim.trials == 1
              else f"means over {sim.trials:,} Monte-Carlo trials around it, seed {inputs.seed}")
    return f"Data: {inputs.data_label}; {trials}. Money in {inputs.currency}."


def _notes(sim: api.Simulation) -> None:
    if sim.notes:
        with st.expander(f"Notes on this run ({len(sim.notes)})"):
            st.markdown("\n".join(f"- {note}" for note in sim.notes))


def plan_names(inputs: Inputs) -> dict[str, str]:
    return {p.id: p.plan for p in inputs.plans}


def summary_table(comparison: api.Comparison, inputs: Inputs, key: str = "summary_table") -> None:
    """One row per plan: cost, its change against the baseline for the reps both plans cover
    (plans for other roles are not cheaper for covering fewer reps), cost of sales, pay spread."""
    cur = inputs.currency
    plans = comparison.plans.assign(same_reps_change=comparison.plans["plan"].map(same_reps_change(comparison)))
    columns = {
        "name": st.column_config.TextColumn("Plan"),
        "reps": st.column_config.NumberColumn("Reps", format="%d"),
        "total_payout": money_column("Total payout", cur, help="Mean plan-year cost over trials"),
        "same_reps_change": money_column("Change vs baseline", cur, help="Payout change for the reps "
                                         "this plan and the baseline both cover (blank: none in common)"),
        "cost_of_sales": share_column("Cost of sales", help="Payout / bookings"),
        "payout_pct_ti_p10": share_column("P10 % of TI"),
        "payout_pct_ti_p50": share_column("Median % of TI"),
        "payout_pct_ti_p90": share_column("P90 % of TI"),
        "share_at_or_above_quota": share_column("At or above quota"),
        "pay_for_performance": number_column("Pay-for-perf.", help="Correlation of attainment "
                                             "and payout % of TI (1 = pay follows performance)"),
        "winners": st.column_config.NumberColumn("Winners", format="%d"),
        "losers": st.column_config.NumberColumn("Losers", format="%d"),
    }
    st.dataframe(plans[list(columns)], column_config=columns, hide_index=True, key=key)


def same_reps_change(comparison: api.Comparison) -> pd.Series:
    """Per plan, the sum of the per-rep payout changes against the baseline over the reps both
    cover (0 for the baseline, NaN for a plan with no rep in common): a like-for-like change."""
    change = comparison.reps.groupby("plan")["delta"].sum()
    change[comparison.baseline] = 0.0
    return change.reindex(comparison.plans["plan"]).set_axis(comparison.plans["plan"])


def proposals(comparison: api.Comparison, inputs: Inputs) -> list[str]:
    """The plans other than the baseline, those sharing the most reps with it first (the
    proposal that replaces it comes up before plans for other roles)."""
    in_common = comparison.reps["plan"].value_counts()
    others = [p.id for p in inputs.plans if p.id != comparison.baseline]
    return sorted(others, key=lambda pid: -in_common.get(pid, 0))


def component_costs(sim: api.Simulation, inputs: Inputs) -> pd.DataFrame:
    """plan_name, component, amount: each plan's mean cost per component, from the summary."""
    rows = []
    for plan_id, summary in sim.summary_dict()["plans"].items():
        labels = {c.id: c.label or c.id for c in inputs.plan(plan_id).components}
        rows += [{"plan_name": summary["name"], "component": labels[cid], "amount": amount}
                 for cid, amount in summary["by_component"].items()]
    return pd.DataFrame(rows)


def pay_curves(inputs: Inputs) -> None:
    """The pay curve of every curve/tiers component, two plans to a row."""
    columns = st.columns(2)
    for index, plan in enumerate(inputs.plans):
        chart = charts.pay_curves(plan)
        with columns[index % 2]:
            if chart is None:
                st.caption(f"{plan.plan}: no curve or tiers component (commissions and SPIFFs only).")
            else:
                st.altair_chart(chart, key=f"curves_{plan.id}")
            outside = [c.label or c.id for c in plan.components if not hasattr(c, "weight")]
            if outside:
                st.caption(f"Paid outside the target incentive: {', '.join(outside)}.")


def winners_and_losers(comparison: api.Comparison, inputs: Inputs) -> None:
    """Per rep, the change in plan-year payout under a proposal; a chart, a table, a CSV."""
    covered = [pid for pid in proposals(comparison, inputs) if (comparison.reps["plan"] == pid).any()]
    if not covered:
        st.info("Pick a second plan that covers some of the baseline's reps to see who wins and who loses.")
        return
    names = plan_names(inputs)
    plan_id = st.selectbox("Proposed plan", covered, key="winners_plan", format_func=names.get)
    reps = comparison.reps[comparison.reps["plan"] == plan_id]
    counts = reps["outcome"].value_counts()
    cur = inputs.currency
    a, b, c = st.columns(3)
    a.metric("Winners", int(counts.get("winner", 0)))
    b.metric("Losers", int(counts.get("loser", 0)))
    c.metric("Unchanged", int(counts.get("same", 0)))
    st.altair_chart(charts.winners_losers(reps, cur), key="winners_chart")
    columns = {
        "rep_id": st.column_config.TextColumn("Rep"),
        "name": st.column_config.TextColumn("Name"),
        "team": st.column_config.TextColumn("Team"),
        "baseline_payout": money_column("Baseline", cur),
        "payout": money_column(names[plan_id], cur),
        "delta": money_column("Change", cur),
        "delta_pct_ti": share_column("Change, % of TI"),
        "outcome": st.column_config.TextColumn("Outcome"),
    }
    st.dataframe(reps[list(columns)], column_config=columns, hide_index=True, key="winners_table")
    st.download_button("Winners and losers (CSV)", reps.to_csv(index=False, float_format="%.2f"),
                       file_name=f"winners_losers_{plan_id}_vs_{inputs.baseline}.csv", mime="text/csv",
                       key="winners_csv", on_click="ignore")
