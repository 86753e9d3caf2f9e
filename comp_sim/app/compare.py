"""Compare plans (CRO): who gets paid what under each plan, and who wins or loses against today's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.downloads import download_buttons
from comp_sim.app.format import money, money_column, share, share_column
from comp_sim.app.inputs import Inputs, simulation
from comp_sim.app.warnings import plan_warnings


def page(inputs: Inputs) -> None:
    st.title("Compare plans")
    sim = simulation(inputs)
    comparison = api.compare(sim, inputs.baseline)
    st.caption(run_caption(inputs, sim))
    _notes(sim)
    summary_table(comparison, inputs.currency, inputs.names, key="summary_table")
    left, right = st.columns(2)
    with left:
        st.subheader("Payout against attainment")
        st.altair_chart(charts.pay_vs_attainment(sim.statements, plan_names(inputs)), key="scatter", width="stretch")
    with right:
        st.subheader("Payout by component")
        st.altair_chart(charts.by_component(component_costs(sim, inputs), inputs.currency), key="components",
                        width="stretch")
    st.subheader("Pay curves")
    pay_curves(inputs)
    st.subheader(f"Winners and losers against {inputs.names[inputs.baseline]}")
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
    return inputs.names


def summary_table(comparison: api.Comparison, currency: str, names: dict[str, str], key: str) -> None:
    """The plans side by side, one column each: cost, its change against the baseline for the
    reps both plans cover (a plan for other roles is not cheaper for covering fewer reps), cost
    of sales, spread of pay, pay for performance, winners and losers."""
    frame = summary_frame(comparison, currency, names)
    config = {column: st.column_config.TextColumn(column, alignment="right") for column in frame.columns}
    st.dataframe(frame, key=key, column_config={"_index": st.column_config.TextColumn("", width=330), **config})


SUMMARY_ROWS = ("Reps covered", "Total payout", "Change vs baseline, same reps", "Cost of sales (payout / bookings)",
                "Overlay credit (share of company bookings)",
                "Payout % of TI: P10 / median / P90", "Reps at or above quota",
                "Pay for performance (correlation)", "Winners / losers vs baseline")


def summary_frame(comparison: api.Comparison, currency: str, names: dict[str, str]) -> pd.DataFrame:
    """Rows SUMMARY_ROWS (money rows name the currency), one text column per plan (``names``:
    plan id -> the name shown; a plan missing from it, the designer's draft, by its own name)."""
    change = same_reps_change(comparison)
    columns = {}
    for _, row in comparison.plans.iterrows():
        delta = change[row["plan"]]
        pct = " / ".join(share(row[f"payout_pct_ti_{p}"], 0) for p in ("p10", "p50", "p90"))
        fit = row["pay_for_performance"]
        columns[names.get(row["plan"], row["name"])] = [
            f"{row['reps']:,}", money(row["total_payout"], currency),
            "no rep in common" if pd.isna(delta) else money(delta, currency), share(row["cost_of_sales"]),
            "n/a" if pd.isna(row["overlay_share"]) else share(row["overlay_share"]), pct, share(row["share_at_or_above_quota"]), "n/a" if pd.isna(fit) else f"{fit:.2f}",
            "baseline" if row["plan"] == comparison.baseline else f"{row['winners']} / {row['losers']}",
        ]
    labels = [f"{label} ({currency})" if label in ("Total payout", "Change vs baseline, same reps") else label
              for label in SUMMARY_ROWS]
    return pd.DataFrame(columns, index=pd.Index(labels, name=""))


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
        rows += [{"plan_name": inputs.names[plan_id], "component": labels[cid], "amount": amount}
                 for cid, amount in summary["by_component"].items()]
    return pd.DataFrame(rows)


def pay_curves(inputs: Inputs) -> None:
    """The pay curve of every curve/tiers component, two plans to a row."""
    columns = st.columns(2)
    for index, plan in enumerate(inputs.plans):
        chart = charts.pay_curves(plan, inputs.names[plan.id])
        with columns[index % 2]:
            if chart is None:
                st.caption(f"{inputs.names[plan.id]}: no curve or tiers component (commissions and SPIFFs only).")
            else:
                st.altair_chart(chart, key=f"curves_{plan.id}", width="stretch")
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
    st.altair_chart(charts.winners_losers(reps, cur), key="winners_chart", width="stretch")
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
