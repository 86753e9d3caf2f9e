"""Plan designer: edit a plan's YAML, see its errors (with line numbers), pay curves and warnings
as you type, how it compares with the baseline plan or program over the reps it covers, and make
it cost-neutral against the baseline (``api.calibrate``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.compare import change_text, proposals, summary_table
from comp_sim.app.format import money, share
from comp_sim.app.inputs import Inputs, historical, run, show_errors
from comp_sim.app.units import PlanText, UnitText, bundled_plan_texts, parse_plan, parse_unit
from comp_sim.app.warnings import lint, warnings_list

DRAFT_NAME = "edited-plan.yaml"
EDITOR_CSS = """<style>
.st-key-designer_yaml textarea {font-family: "Source Code Pro", monospace; font-size: 13px;
  white-space: pre; overflow-wrap: normal; overflow-x: auto;}
</style>"""
LEVERS = {"rates": "Rates", "ti": "Target incentive", "upside": "Upside"}
LEVER_HELP = ("The one number scaled on the draft (api.calibrate); the rest of the plan is kept. Rates: every curve "
              "value and cap, tier and commission rate, SPIFF amount. Target incentive: every role's. Upside: only "
              "what is paid above target.")


def draft_plan(text: str, baseline: api.Program) -> api.Plan:
    """The edited plan; when it takes an id of the baseline's (its own, or one of its plans') it
    is renamed so both can run side by side."""
    plan = parse_plan(text, DRAFT_NAME)
    if plan.id in {baseline.id, *(p.id for p in baseline.plans)}:
        plan = plan.model_copy(update={"id": f"{plan.id}-draft", "plan": f"{plan.plan} (draft)"})
    return plan


@st.cache_resource(show_spinner="Running the draft...", max_entries=8)
def run_draft(baseline: UnitText, draft_text: str, data_key: tuple, trials: int, seed: int,
              _dataset, idle_reps: str = "inactive") -> api.Simulation:
    """The baseline and the draft over the data, through the API (keyed on both texts)."""
    base = parse_unit(baseline)
    return api.simulate([base, draft_plan(draft_text, base)], _dataset, trials=trials, seed=seed, detail_trials=1,
                        idle_reps=idle_reps)


def _starting_points(inputs: Inputs) -> dict[str, PlanText]:
    return {**bundled_plan_texts(), **{p.id: t for t, p in zip(inputs.plan_texts, inputs.plans)}}


def _load_start() -> None:
    """Start the editor over from the plan just picked (this discards the edits)."""
    st.session_state["designer_yaml"] = st.session_state["designer_texts"][st.session_state["designer_start"]][1]


def page(inputs: Inputs) -> None:
    st.title("Plan designer")
    starts = _starting_points(inputs)
    st.session_state["designer_texts"] = starts
    ids = list(starts)
    if "designer_start" not in st.session_state:
        st.session_state["designer_start"] = _default_start(inputs, ids)
    if "designer_yaml" not in st.session_state:
        st.session_state["designer_yaml"] = starts[st.session_state["designer_start"]][1]
    if "designer_calibrated" in st.session_state:  # the calibrated plan, loaded before the editor is drawn
        st.session_state["designer_yaml"] = st.session_state.pop("designer_calibrated")
    st.selectbox("Start from", ids, key="designer_start", on_change=_load_start,
                 format_func=lambda pid: parse_plan(starts[pid][1], starts[pid][0]).plan,
                 help="Picking a plan replaces the text in the editor.")
    st.html(EDITOR_CSS)
    editor, preview = st.columns([5, 6])
    with editor:
        text = st.text_area("Plan YAML", key="designer_yaml", height=640,
                            help="Checked as you type (Ctrl+Enter applies the edit).")
        st.download_button("Download the edited plan", text, file_name=_file_name(text),
                           mime="application/yaml", key="download_plan", on_click="ignore")
    with preview:
        try:
            plan = parse_plan(text, DRAFT_NAME)
        except api.PlanError as exc:
            show_errors(f"The plan has {exc.total} error(s); fix them to see its curves and cost", exc)
            quoted = offending_lines(text, [issue.line for issue in exc.issues])
            if quoted:
                st.code(quoted, language="yaml")
            return
        st.success(f"{plan.plan} is valid: {len(plan.components)} component(s), "
                   f"{len(plan.modifiers)} modifier(s).")
        chart = charts.pay_curves(plan, plan.plan)
        if chart is not None:
            st.altair_chart(chart, key="designer_curves", width="stretch")
        replay = run((UnitText("plan", DRAFT_NAME, text),), inputs.data_key, 1, 0, inputs.dataset)  # the checks' population
        warnings = lint(text, DRAFT_NAME, inputs.data_key, replay)
        high = int((warnings["severity"] == "high").sum())
        with st.expander(f"Warnings: {len(warnings)}" + (f", {high} high" if high else ""), expanded=bool(high)):
            warnings_list(warnings)
    comparison = live_comparison(text, inputs)
    cost_neutral_section(text, comparison, inputs)


def _default_start(inputs: Inputs, ids: list[str]) -> str:
    """The first plan of the proposal sharing the most reps with the baseline (the one worth
    editing first)."""
    others = proposals(api.compare(historical(inputs), inputs.baseline))
    return inputs.unit(others[0]).plans[0].id if others else ids[0]


def offending_lines(text: str, lines: list[int | None]) -> str:
    """The lines the errors point at, numbered as in the editor.

    >>> offending_lines("a: 1\\nb: x\\nc: 3", [2, None, 2])
    '   2 | b: x'
    """
    rows = text.splitlines()
    wanted = sorted({n for n in lines if n is not None and 1 <= n <= len(rows)})
    return "\n".join(f"{n:>4} | {rows[n - 1]}" for n in wanted)


def _file_name(text: str) -> str:
    try:
        return f"{parse_plan(text, DRAFT_NAME).id}.yaml"
    except api.PlanError:
        return DRAFT_NAME


def live_comparison(text: str, inputs: Inputs) -> api.Comparison:
    """The draft against the baseline plan or program on the sidebar's data, trials and seed,
    over the reps the draft covers."""
    baseline = inputs.unit(inputs.baseline)
    st.subheader(f"Against {inputs.names[baseline.id]}, over the reps the draft covers")
    sim = run_draft(inputs.unit_text(baseline.id), text, inputs.data_key, inputs.trials, inputs.seed,
                    inputs.dataset, inputs.idle_reps)
    comparison = api.compare(sim, baseline.id)
    draft = comparison.plans.iloc[1]
    same_reps = comparison.reps["baseline_payout"].sum()
    cur = baseline.currency
    a, b, c, d, e = st.columns(5)
    a.metric("Draft cost (mean)", money(draft["total_payout"], cur), delta_color="inverse",
             delta=f"{change_text(draft, same_reps, cur, reps=False)} vs baseline" if draft["common_reps"] else None,
             help=f"The change against the baseline over the {draft['common_reps']:,} reps both cover")
    b.metric("Baseline, same reps", money(same_reps, cur),
             help="What the baseline pays the reps the draft covers")
    c.metric("Winners", int(draft["winners"]))
    d.metric("Losers", int(draft["losers"]))
    e.metric("Reps covered", int(draft["reps"]))
    names = {baseline.id: inputs.names[baseline.id]}  # the draft by the name in its text
    summary_table(comparison, cur, names, key="draft_summary")
    if not comparison.reps.empty:
        st.altair_chart(charts.winners_losers(comparison.reps, cur), key="draft_winners_chart", width="stretch")
    return comparison


def cost_neutral_section(text: str, comparison: api.Comparison, inputs: Inputs) -> None:
    """Solve one scale on a lever of the draft so that it costs what the baseline costs for the
    same reps (``api.calibrate``), load the calibrated plan into the editor, and show the guard
    figures before and after."""
    st.subheader("Make it cost-neutral")
    left, right = st.columns([3, 2])
    lever = left.radio("Lever", list(LEVERS), key="calibrate_lever", format_func=LEVERS.get, horizontal=True,
                       help=LEVER_HELP)
    right.write("")
    if right.button("Make cost-neutral against the baseline", key="calibrate", type="primary"):
        with st.spinner("Solving for the scale that makes the draft cost what the baseline does..."):
            try:
                solved = cost_neutral(text, comparison, lever, inputs)
            except api.CompSimError as exc:
                show_errors("The draft cannot be made cost-neutral", exc)
            else:
                st.session_state["designer_calibration"] = solved
                st.session_state["designer_calibrated"] = solved["text"]
                st.rerun()
    solved = st.session_state.get("designer_calibration")
    if solved is not None and solved["text"] == text:
        guard_figures(solved, inputs)


def cost_neutral(text: str, comparison: api.Comparison, lever: str, inputs: Inputs) -> dict:
    """The draft calibrated to the baseline's cost for the reps the draft covers, over the
    sidebar's data and trials; raises a CompSimError when it cannot be (no rep in common, reps
    the baseline does not cover, a target out of the lever's reach)."""
    baseline = inputs.unit(inputs.baseline)
    plan = draft_plan(text, baseline)
    before = comparison.plans.iloc[1]
    if not before["common_reps"]:
        raise api.UsageError(api.Issue("cost-neutral compares the same reps, and the draft covers none of the "
                                       "baseline's reps", path="baseline", value=baseline.id))
    if before["only_here"]:
        only = comparison.coverage.loc[comparison.coverage["covered_by"] != baseline.id, "rep_id"].tolist()
        raise api.UsageError(api.Issue(
            f"cost-neutral compares the same reps, and the draft pays {len(only)} rep(s) the baseline does not "
            f"cover ({', '.join(only[:8])}{' ...' if len(only) > 8 else ''}); pick a baseline that covers them",
            path="baseline", value=baseline.id))
    target = float(comparison.reps["baseline_payout"].sum())
    calibration = api.calibrate(plan, lever=lever, budget=target, data=inputs.dataset, trials=inputs.trials,
                                seed=inputs.seed, idle_reps=inputs.idle_reps, texts={plan.id: text})
    calibrated = calibration.yaml[plan.id]
    after = api.compare(run_draft(inputs.unit_text(baseline.id), calibrated, inputs.data_key, inputs.trials,
                                  inputs.seed, inputs.dataset, inputs.idle_reps), baseline.id).plans.iloc[1]
    return {"text": calibrated, "lever": lever, "scale": calibration.scale, "target": target,
            "reached": calibration.reached, "reps": int(before["common_reps"]), "currency": baseline.currency,
            "before": {**calibration.before, "winners": int(before["winners"]), "losers": int(before["losers"])},
            "after": {**calibration.after, "winners": int(after["winners"]), "losers": int(after["losers"])}}


GUARDS = {"cost": "Cost (mean)", "pay_at_quota": "Payout at quota (% of TI)",
          "payout_pct_ti_p90": "Payout % of TI, P90", "share_at_or_above_quota": "Reps at or above quota",
          "cost_of_sales": "Cost of sales", "winners": "Winners / losers vs baseline"}


def guard_figures(solved: dict, inputs: Inputs) -> None:
    """The scale found and the figures a calibration must not wreck, before and after."""
    cur = solved["currency"]
    a, b, c = st.columns(3)
    a.metric("Scale found", f"{solved['scale']:.4f}", help=f"The {solved['lever']} lever of the draft x this")
    b.metric("Cost reached", money(solved["reached"], cur))
    c.metric("Baseline, same reps (target)", money(solved["target"], cur))
    st.caption(f"The editor holds the calibrated plan: the {solved['lever']} lever x {solved['scale']:.4g}, solved "
               f"for what {inputs.names[inputs.baseline]} pays the {solved['reps']:,} reps the draft covers, on the "
               "sidebar's data and trials. A comment at its top says what was solved.")
    rows = {}
    for key, label in GUARDS.items():
        rows[label] = [guard_text(key, solved[when], cur) for when in ("before", "after")]
    st.dataframe(pd.DataFrame(rows, index=["Before", "After"]).T, key="calibration_guards",
                 column_config={"_index": st.column_config.TextColumn("", width="medium"),
                                **{when: st.column_config.TextColumn(when, alignment="right") for when in ("Before", "After")}})


def guard_text(key: str, figures: dict, currency: str) -> str:
    value = figures.get(key)
    if key == "winners":
        return f"{figures['winners']} / {figures['losers']}"
    if key == "cost":
        return money(value, currency)
    return "n/a" if value is None or pd.isna(value) else share(value)


