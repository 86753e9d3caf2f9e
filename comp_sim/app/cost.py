"""Cost and risk (finance): what each plan or program costs, how sure that is, when the cash goes
out, and inside a program what each of its plans costs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.compare import change_text, proposals, run_caption
from comp_sim.app.downloads import download_buttons
from comp_sim.app.format import money, money_column, share, share_column, shares
from comp_sim.app.inputs import MONTE_CARLO_TRIALS, Inputs, simulation
from comp_sim.app.sensitivity import sensitivity_section

MARKED_PERCENTILES = ("p50", "p90", "p99")


def page(inputs: Inputs) -> None:
    st.title("Cost and risk")
    sim = simulation(inputs)
    st.caption(run_caption(inputs, sim))
    summaries = unit_summaries(sim)
    comparison = api.compare(sim, inputs.baseline)
    cost_metrics(summaries, sim.summary_dict()["plans"], comparison, inputs)
    st.subheader("How sure is the cost: distribution over Monte-Carlo trials")
    distribution(sim, summaries, comparison, inputs)
    st.subheader("When the cash goes out")
    cash_timing(summaries, inputs)
    sensitivity_section(inputs)
    st.subheader("Downloads")
    download_buttons(sim, comparison, key="cost")


def unit_summaries(sim: api.Simulation) -> dict[str, dict]:
    """Each plan or program's summary (``summary.json``'s figures: a program's over its whole
    team), by id, with its plan years; a program's months are labelled by its plans' plan year
    when they share one."""
    summary = sim.summary_dict()
    plans, programs = summary["plans"], summary.get("programs", {})
    out = {}
    for unit in sim.units:
        if unit.program.single:
            out[unit.id] = plans[unit.id]
            continue
        labels = {tuple(result.month_labels) for result in unit.results}
        months = list(programs[unit.id]["by_month"].values())
        out[unit.id] = {**programs[unit.id],
                        "plan_year": ", ".join(sorted({plans[r.plan.id]["plan_year"] for r in unit.results})),
                        "by_month": dict(zip(labels.pop(), months)) if len(labels) == 1 else programs[unit.id]["by_month"]}
    return out


def cost_metrics(summaries: dict, plan_summaries: dict, comparison: api.Comparison, inputs: Inputs) -> None:
    """Per plan or program: mean total cost (and its change against the baseline for the same
    reps), cost of sales, P90 cost, bookings; a program's cost by plan."""
    rows = comparison.plans.set_index("plan")
    baseline_cost = comparison.reps.groupby("plan")["baseline_payout"].sum()
    for unit in inputs.units:
        summary = summaries[unit.id]
        cur = summary["currency"]
        st.markdown(f"**{inputs.names[unit.id]}** · {summary['reps']} reps · plan year {summary['plan_year']}")
        a, b, c, d = st.columns(4)
        delta, same = None, None
        if unit.id != inputs.baseline and rows.loc[unit.id, "common_reps"]:
            delta = f"{change_text(rows.loc[unit.id], baseline_cost.get(unit.id, 0.0), cur, reps=False)} vs baseline"
            same = f"The change against the baseline over the {rows.loc[unit.id, 'common_reps']:,} reps both cover"
        a.metric("Total cost (mean)", money(summary["total_payout"], cur), delta=delta, delta_color="inverse",
                 help=same)
        b.metric("Cost of sales", "n/a" if summary["cost_of_sales"] is None else share(summary["cost_of_sales"], 2),
                 help="Payout / bookings")
        c.metric("P90 cost", money(summary["cost_distribution"]["p90"], cur),
                 help="9 trials in 10 cost less than this")
        d.metric("Bookings (mean)", money(summary["total_bookings"], cur))
        if len(unit.plans) > 1:
            by_plan(unit, summaries, plan_summaries, inputs)


def by_plan(unit: api.Program, summaries: dict, plan_summaries: dict, inputs: Inputs) -> None:
    """What each plan of a program costs, for how many reps, and its share of the program's cost."""
    summary = summaries[unit.id]
    total = summary["total_payout"]
    frame = pd.DataFrame([{"plan": inputs.plan_names[plan_id], "reps": plan_summaries[plan_id]["reps"], "cost": cost,
                           "share": cost / total if total else None}
                          for plan_id, cost in summary["by_plan"].items()])
    with st.expander(f"{inputs.names[unit.id]}: cost by plan"):
        st.dataframe(shares(frame, "share"), hide_index=True, key=f"by_plan_{unit.id}", column_config={
            "plan": st.column_config.TextColumn("Plan"), "reps": st.column_config.NumberColumn("Reps"),
            "cost": money_column("Cost (mean)", summary["currency"]),
            "share": share_column("Share of the program")})


def distribution(sim: api.Simulation, summaries: dict, comparison: api.Comparison, inputs: Inputs) -> None:
    """The histogram of one unit's total cost with P50/P90/P99, and the percentiles of all."""
    if sim.trials == 1:
        st.info("One trial replays the data as it happened, so there is no spread to show: draw Monte-Carlo "
                "trials around it (or set their number in the sidebar).")
        st.button(f"Draw {MONTE_CARLO_TRIALS} Monte-Carlo trials", key="draw_trials", on_click=_draw_trials)
        return
    names = inputs.names
    ids = [*proposals(comparison), inputs.baseline]
    ids += [u.id for u in inputs.units if u.id not in ids]
    unit_id = st.selectbox("Plan or program", ids, key="cost_plan", format_func=names.get)
    summary = summaries[unit_id]
    cur = summary["currency"]
    percentiles = summary["cost_distribution"]
    marks = pd.DataFrame({"label": [p.upper() for p in MARKED_PERCENTILES],
                          "cost": [percentiles[p] for p in MARKED_PERCENTILES]})
    st.altair_chart(charts.cost_distribution(pd.DataFrame({"cost": sim.unit(unit_id).total_cost}), marks, cur),
                    key="cost_histogram", width="stretch")
    table = pd.DataFrame([{"plan": names[uid], **s["cost_distribution"]} for uid, s in summaries.items()])
    columns = {"plan": st.column_config.TextColumn("Plan or program"),
               **{p: money_column(p.upper(), cur) for p in table.columns if p != "plan"}}
    st.dataframe(table, hide_index=True, column_config=columns, key="cost_percentiles")


def _draw_trials() -> None:
    st.session_state["trials"] = MONTE_CARLO_TRIALS


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
        st.caption("Plans run on different plan years (" + "; ".join(sorted(starts)) + "); quarters are "
                   "counted from each plan's own start.")
