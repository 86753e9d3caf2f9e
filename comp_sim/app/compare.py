"""Compare plans (CRO): who gets paid what under each plan or program, who wins or loses against
today's, and why.

What is compared is a unit: a program (a plan per role, paying a whole team) or a plan alone.
Every "vs baseline" figure compares the same reps, whichever plan of each unit pays them; the reps
only one of them covers are said, never subtracted.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.downloads import download_buttons
from comp_sim.app.format import money, money_column, share, share_column, shares
from comp_sim.app.inputs import Inputs, simulation
from comp_sim.app.warnings import plan_warnings


def page(inputs: Inputs) -> None:
    st.title("Compare plans")
    sim = simulation(inputs)
    comparison = api.compare(sim, inputs.baseline)
    st.caption(run_caption(inputs, sim))
    _notes(sim)
    summary_table(comparison, inputs.currency, inputs.names, key="summary_table")
    coverage(comparison, inputs.names)
    st.subheader(f"Winners and losers against {inputs.names[inputs.baseline]}")
    winners_and_losers(comparison, inputs)
    who_wins_and_why(sim, comparison, inputs)
    st.subheader("Payout against attainment")
    st.altair_chart(charts.pay_vs_attainment(unit_statements(sim, inputs)), key="scatter", width="stretch")
    st.subheader("Payout by component, per plan")
    st.altair_chart(charts.by_component(component_costs(sim, inputs), inputs.currency), key="components",
                    width="stretch")
    st.subheader("Pay curves")
    pay_curves(inputs)
    plan_warnings(inputs)
    st.subheader("Downloads")
    download_buttons(sim, comparison, key="compare")


def run_caption(inputs: Inputs, sim: api.Simulation) -> str:
    trials = ("the data as it happened (one trial; more Monte-Carlo trials in the sidebar draw trials around it)"
              if sim.trials == 1 else f"means over {sim.trials:,} Monte-Carlo trials around it, seed {inputs.seed}")
    return f"Data: {inputs.data_label}; {trials}. Money in {inputs.currency}."


def _notes(sim: api.Simulation) -> None:
    if sim.notes:
        with st.expander(f"Notes on this run ({len(sim.notes)})"):
            st.markdown("\n".join(f"- {note}" for note in sim.notes))


def summary_table(comparison: api.Comparison, currency: str, names: dict[str, str], key: str) -> None:
    """The plans and programs side by side, one column each: cost, its change against the
    baseline for the reps both cover (a plan for other roles is not cheaper for covering fewer
    reps) and the reps only one covers, cost of sales, spread of pay, pay for performance,
    winners and losers."""
    frame = summary_frame(comparison, currency, names)
    config = {column: st.column_config.TextColumn(column, alignment="right") for column in frame.columns}
    st.dataframe(frame, key=key, height=ROW_HEIGHT * (len(frame) + 1) + 3,  # every row, no scrolling
                 column_config={"_index": st.column_config.TextColumn("", width=330), **config})


ROW_HEIGHT = 35  # pixels per row of a table


SUMMARY_ROWS = ("Plans", "Reps covered", "Total payout", "Change vs baseline, same reps", "Reps only one of them covers",
                "Cost of sales (payout / bookings)", "Overlay credit (share of company bookings)",
                "Payout % of TI: P10 / median / P90", "Reps at or above quota",
                "Pay for performance (correlation)", "Winners / losers vs baseline")


def summary_frame(comparison: api.Comparison, currency: str, names: dict[str, str]) -> pd.DataFrame:
    """Rows SUMMARY_ROWS (money rows name the currency), one text column per plan or program
    (``names``: id -> the name shown; one missing from it, the designer's draft, by its own name)."""
    baseline_cost = comparison.reps.groupby("plan")["baseline_payout"].sum()  # of the reps each shares with it
    columns = {}
    for _, row in comparison.plans.iterrows():
        is_base = row["plan"] == comparison.baseline
        pct = " / ".join(share(row[f"payout_pct_ti_{p}"], 0) for p in ("p10", "p50", "p90"))
        fit, overlay = row["pay_for_performance"], row["overlay_share"]
        columns[names.get(row["plan"], row["name"])] = [
            f"{row['plans']}", f"{row['reps']:,}", money(row["total_payout"], currency),
            money(0.0, currency) if is_base else change_text(row, baseline_cost.get(row["plan"], 0.0), currency),
            "baseline" if is_base else only_text(row), "n/a" if pd.isna(row["cost_of_sales"]) else share(row["cost_of_sales"]),
            "n/a" if pd.isna(overlay) else share(overlay), pct, share(row["share_at_or_above_quota"]),
            "n/a" if pd.isna(fit) else f"{fit:.2f}",
            "baseline" if is_base else f"{row['winners']} / {row['losers']}",
        ]
    labels = [f"{label} ({currency})" if label in ("Total payout", "Change vs baseline, same reps") else label
              for label in SUMMARY_ROWS]
    return pd.DataFrame(columns, index=pd.Index(labels, name=""))


def change_text(row: pd.Series, baseline_cost: float, currency: str, reps: bool = True) -> str:
    """``+$40,620 (+0.9%) over 80 reps``: the change over the reps both cover, and what it is of
    the baseline's cost for them (``reps=False``: without how many)."""
    if not row["common_reps"]:
        return "no rep in common"
    delta = row["delta_vs_baseline"]
    sign = "+" if delta > 0 else ""
    pct = f" ({delta / baseline_cost:+.1%})" if baseline_cost > 0 else ""
    return f"{sign}{money(delta, currency)}{pct}" + (f" over {row['common_reps']:,} reps" if reps else "")


def only_text(row: pd.Series) -> str:
    parts = [f"{row['only_here']:,} only here" if row["only_here"] else "",
             f"{row['only_in_baseline']:,} only in the baseline" if row["only_in_baseline"] else ""]
    return ", ".join(p for p in parts if p) or "none"


def coverage(comparison: api.Comparison, names: dict[str, str]) -> None:
    """The reps one covers and the other does not: in no "vs baseline" figure, listed here."""
    if comparison.coverage.empty:
        return
    frame = comparison.coverage.assign(plan=lambda f: f["plan"].map(names).fillna(f["plan"]),
                                       covered_by=lambda f: f["covered_by"].map(names).fillna(f["covered_by"]))
    with st.expander(f"Reps only one of them covers ({len(frame):,}): in no change or winners figure"):
        columns = {"plan": st.column_config.TextColumn("Compared"), "rep_id": st.column_config.TextColumn("Rep"),
                   "role": st.column_config.TextColumn("Role"), "covered_by": st.column_config.TextColumn("Paid only by")}
        st.dataframe(frame[list(columns)], column_config=columns, hide_index=True, key="coverage_table")


def proposals(comparison: api.Comparison) -> list[str]:
    """The units other than the baseline that share reps with it, those sharing the most first
    (the proposal that replaces it comes up before plans for other roles)."""
    others = comparison.plans[(comparison.plans["plan"] != comparison.baseline) & (comparison.plans["common_reps"] > 0)]
    return others.sort_values("common_reps", ascending=False, kind="stable")["plan"].tolist()


def unit_statements(sim: api.Simulation, inputs: Inputs) -> pd.DataFrame:
    """One row per plan or program and rep it covers: the statement of the plan that pays the rep
    (``unit``: the unit's id, ``plan``: the paying plan's), with the names shown."""
    frames = [unit.reps[["rep_id", "plan"]].assign(unit=unit.id) for unit in sim.units]
    rows = pd.concat(frames, ignore_index=True).merge(sim.statements, on=["plan", "rep_id"], how="left")
    return rows.assign(unit_name=rows["unit"].map(inputs.names), paid_by=rows["plan"].map(inputs.plan_names))


def plan_label(inputs: Inputs, unit: api.Program, plan: api.Plan) -> str:
    """A plan as part of its unit: ``Proposed role plans 2027 · Hunter 2027``; a plan alone by its name."""
    name, plan_name = inputs.names[unit.id], inputs.plan_names[plan.id]
    return name if unit.single or plan_name == unit.name else f"{name} · {plan_name}"


def component_costs(sim: api.Simulation, inputs: Inputs) -> pd.DataFrame:
    """plan_name, component, amount: each plan of each unit, its mean cost per component, from
    the summary."""
    plans = sim.summary_dict()["plans"]
    rows = []
    for unit in inputs.units:
        for plan in unit.plans:
            labels = {c.id: c.label or c.id for c in plan.components}
            rows += [{"plan_name": plan_label(inputs, unit, plan), "component": labels[cid], "amount": amount}
                     for cid, amount in plans[plan.id]["by_component"].items()]
    return pd.DataFrame(rows)


def pay_curves(inputs: Inputs) -> None:
    """The pay curve of every curve/tiers component of each plan of each unit, two to a row."""
    drawn: dict[str, str] = {}
    for unit in inputs.units:
        if len(unit.plans) > 1 or inputs.plan_names[unit.plans[0].id] != inputs.names[unit.id]:
            st.markdown(f"**{inputs.names[unit.id]}** · {len(unit.plans)} plan{'s' if len(unit.plans) > 1 else ''}")
        columns = st.columns(2)
        for index, plan in enumerate(unit.plans):
            with columns[index % 2]:
                name = inputs.plan_names[plan.id]
                if plan.id in drawn:
                    st.caption(f"{name}: drawn above, under {drawn[plan.id]}.")
                    continue
                drawn[plan.id] = inputs.names[unit.id]
                chart = charts.pay_curves(plan, name)
                if chart is None:
                    st.caption(f"{name}: no curve or tiers component (commissions and SPIFFs only).")
                else:
                    st.altair_chart(chart, key=f"curves_{plan.id}", width="stretch")
                outside = [c.label or c.id for c in plan.components if not hasattr(c, "weight")]
                st.caption(f"Pays {', '.join(plan.roles)}." + (
                    f" Paid outside the target incentive: {', '.join(outside)}." if outside else ""))


def winners_and_losers(comparison: api.Comparison, inputs: Inputs) -> None:
    """Per rep of the whole team, the change in plan-year payout under a proposal, whichever plan
    pays them; a chart, a table, a CSV."""
    covered = proposals(comparison)
    if not covered:
        st.info("Pick a second plan or program that covers some of the baseline's reps to see who wins and who "
                "loses.")
        return
    names, plan_names = inputs.names, inputs.plan_names
    unit_id = st.selectbox("Proposal", covered, key="winners_plan", format_func=names.get)
    reps = comparison.reps[comparison.reps["plan"] == unit_id]
    counts = reps["outcome"].value_counts()
    cur = inputs.currency
    a, b, c = st.columns(3)
    a.metric("Winners", int(counts.get("winner", 0)))
    b.metric("Losers", int(counts.get("loser", 0)))
    c.metric("Unchanged", int(counts.get("same", 0)))
    st.altair_chart(charts.winners_losers(reps.assign(paid_by=reps["paid_by"].map(plan_names)), cur),
                    key="winners_chart", width="stretch")
    shown = reps.assign(baseline_plan=reps["baseline_plan"].map(plan_names), paid_by=reps["paid_by"].map(plan_names))
    columns = {
        "rep_id": st.column_config.TextColumn("Rep"),
        "name": st.column_config.TextColumn("Name"),
        "role": st.column_config.TextColumn("Role"),
        "team": st.column_config.TextColumn("Team"),
        "baseline_plan": st.column_config.TextColumn("Baseline plan"),
        "baseline_payout": money_column("Baseline", cur),
        "paid_by": st.column_config.TextColumn("Paid by"),
        "payout": money_column(names[unit_id], cur),
        "delta": money_column("Change", cur),
        "delta_pct_ti": share_column("Change, % of TI"),
        "outcome": st.column_config.TextColumn("Outcome"),
    }
    st.dataframe(shares(shown[list(columns)], "delta_pct_ti"), column_config=columns, hide_index=True,
                 key="winners_table")
    st.download_button("Winners and losers (CSV)", reps.to_csv(index=False, float_format="%.2f"),
                       file_name=f"winners_losers_{unit_id}_vs_{inputs.baseline}.csv", mime="text/csv",
                       key="winners_csv", on_click="ignore")


@st.cache_data(show_spinner="Reading who wins and why...", max_entries=32)
def who_wins_table(unit_texts: tuple, data_key: tuple, trials: int, seed: int, baseline: str, proposal: str,
                   _sim: api.Simulation, _dataset: api.Dataset) -> pd.DataFrame:
    """``api.who_wins`` of a proposal against the baseline (keyed on the run's inputs)."""
    return api.who_wins(_sim, _dataset, baseline=baseline, proposal=proposal)


def who_wins_and_why(sim: api.Simulation, comparison: api.Comparison, inputs: Inputs) -> None:
    """For each proposal, the winners' and the losers' mean on each behaviour a plan sets out to
    reward, as a chart and a table (``api.who_wins``)."""
    covered = proposals(comparison)
    if not covered:
        return
    st.subheader("Who wins and why")
    over = " (their mean pay over the Monte-Carlo trials)" if sim.trials > 1 else ""
    st.caption(f"Winners earn more under the proposal than under the baseline, losers less{over}. Each behaviour is "
               "read from the reps' own deals and forecasts over the plan year, as it happened. A proposal that "
               "rewards what it sets out to has winners who show more of it, and less discounting. The reps columns "
               "count the winners and losers with deals of their own in the plan year (managers and sales "
               "engineers are paid on others' deals).")
    places = st.tabs([inputs.names[p] for p in covered]) if len(covered) > 1 else [st.container()]
    for proposal, place in zip(covered, places):
        table = who_wins_table(inputs.unit_texts, inputs.data_key, inputs.trials, inputs.seed, inputs.baseline,
                               proposal, sim, inputs.dataset)
        with place, st.container(key=f"who_wins_{proposal}"):
            who_wins_section(table, inputs.names[proposal], inputs.names[inputs.baseline], proposal)


def who_wins_section(table: pd.DataFrame, proposal: str, baseline: str, key: str) -> None:
    rewarded = int(table["rewarded"].fillna(False).astype(bool).sum())
    st.markdown(f"**{proposal}** against **{baseline}**: its winners show more of what it rewards on "
                f"**{rewarded} of {len(table)}** behaviours.")
    st.altair_chart(charts.who_wins(table), key=f"who_wins_chart_{key}", width="stretch")
    columns = {
        "label": st.column_config.TextColumn("Behaviour", width="large"),
        "winners": share_column("Winners (mean)"),
        "losers": share_column("Losers (mean)"),
        "winners_reps": st.column_config.NumberColumn("Winners (reps)"),
        "losers_reps": st.column_config.NumberColumn("Losers (reps)"),
        "rewarded": st.column_config.CheckboxColumn("Winners show more of what is rewarded"),
    }
    st.dataframe(shares(table[list(columns)], "winners", "losers"), column_config=columns, hide_index=True,
                 key=f"who_wins_table_{key}")
