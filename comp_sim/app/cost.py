"""Cost and risk (finance): what each plan costs, how sure that is, and when the cash goes out."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.compare import plan_names, proposals, run_caption, same_reps_change
from comp_sim.app.downloads import download_buttons
from comp_sim.app.format import money, money_column, share
from comp_sim.app.inputs import Inputs, simulation
from comp_sim.app.sensitivity import sensitivity_section

MARKED_PERCENTILES = ("p50", "p90", "p99")


def page(inputs: Inputs) -> None:
    st.title("Cost and risk")
    sim = simulation(inputs)
    st.caption(run_caption(inputs, sim))
    summaries = sim.summary_dict()["plans"]
    comparison = api.compare(sim, inputs.baseline)
    cost_metrics(summaries, same_reps_change(comparison), inputs)
    st.subheader("How sure is the cost: distribution over Monte-Carlo trials")
    distribution(sim, comparison, inputs)
    st.subheader("When the cash goes out")
    cash_timing(summaries, inputs)
    sensitivity_section(inputs)
    st.subheader("Downloads")
    download_buttons(sim, comparison, key="cost")


def cost_metrics(summaries: dict, change: pd.Series, inputs: Inputs) -> None:
    """Per plan: mean total cost (and its change against the baseline for the same reps), cost
    of sales, P90 cost, bookings."""
    for plan_id, summary in summaries.items():
        cur = summary["currency"]
        st.markdown(f"**{inputs.names[plan_id]}** · {summary['reps']} reps · plan year {summary['plan_year']}")
        a, b, c, d = st.columns(4)
        delta = None
        if plan_id != inputs.baseline and pd.notna(change[plan_id]):
            delta = f"{money(change[plan_id], cur)} vs baseline, same reps"
        a.metric("Total cost (mean)", money(summary["total_payout"], cur), delta=delta, delta_color="inverse")
        b.metric("Cost of sales", share(summary["cost_of_sales"], 2), help="Payout / bookings")
        c.metric("P90 cost", money(summary["cost_distribution"]["p90"], cur),
                 help="9 trials in 10 cost less than this")
        d.metric("Bookings (mean)", money(summary["total_bookings"], cur))


def distribution(sim: api.Simulation, comparison: api.Comparison, inputs: Inputs) -> None:
    """The histogram of one plan's total cost with P50/P90/P99, and the percentiles of all plans."""
    if sim.trials == 1:
        st.info("One trial replays the data as it happened, so there is no spread to show: "
                "set Monte-Carlo trials above 1 in the sidebar.")
        return
    names = plan_names(inputs)
    ids = [*proposals(comparison, inputs), inputs.baseline]
    plan_id = st.selectbox("Plan", ids, key="cost_plan", format_func=names.get)
    result = sim.result(plan_id)
    summary = sim.summary_dict()["plans"][plan_id]
    cur = summary["currency"]
    percentiles = summary["cost_distribution"]
    marks = pd.DataFrame({"label": [p.upper() for p in MARKED_PERCENTILES],
                          "cost": [percentiles[p] for p in MARKED_PERCENTILES]})
    st.altair_chart(charts.cost_distribution(pd.DataFrame({"cost": result.total_cost}), marks, cur),
                    key="cost_histogram", width="stretch")
    table = pd.DataFrame([{"plan": names[pid], **s["cost_distribution"]}
                          for pid, s in sim.summary_dict()["plans"].items()])
    columns = {"plan": st.column_config.TextColumn("Plan"),
               **{p: money_column(p.upper(), cur) for p in table.columns if p != "plan"}}
    st.dataframe(table, hide_index=True, column_config=columns, key="cost_percentiles")


def timing_frame(summaries: dict, names: dict[str, str], grain: str) -> pd.DataFrame:
    """plan_name, period, amount: mean cash paid per month of the plan year, or per quarter
    (the sum of its three months), labelled with the plan's own months."""
    rows = []
    for plan_id, summary in summaries.items():
        months = list(summary["by_month"].items())
        for index, (label, amount) in enumerate(months):
            period = label if grain == "Month" else f"Q{index // 3 + 1}"
            rows.append({"plan_name": names[plan_id], "period": period, "amount": amount})
    frame = pd.DataFrame(rows)
    return frame.groupby(["plan_name", "period"], sort=False, as_index=False)["amount"].sum()


def cash_timing(summaries: dict, inputs: Inputs) -> None:
    grain = st.radio("By", ["Month", "Quarter"], horizontal=True, key="timing_grain")
    title = "Month paid" if grain == "Month" else "Quarter of the plan year"
    st.altair_chart(charts.cash_timing(timing_frame(summaries, inputs.names, grain), inputs.currency, title),
                    key="cash_timing", width="stretch")
    starts = {s["plan_year"] for s in summaries.values()}
    if len(starts) > 1:
        st.caption("Plans run on different plan years (" + ", ".join(sorted(starts)) + "); quarters are "
                   "counted from each plan's own start.")
