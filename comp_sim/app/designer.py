"""Plan designer: edit a plan's YAML, see its errors (with line numbers), pay curves and warnings
as you type, and how it compares with the baseline on the current data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.compare import proposals, same_reps_change, summary_table
from comp_sim.app.format import money
from comp_sim.app.inputs import Inputs, PlanText, bundled_plan_texts, historical, parse_plan, run, show_errors
from comp_sim.app.warnings import lint, warnings_list

DRAFT_NAME = "edited-plan.yaml"
EDITOR_CSS = """<style>
.st-key-designer_yaml textarea {font-family: "Source Code Pro", monospace; font-size: 13px;
  white-space: pre; overflow-wrap: normal; overflow-x: auto;}
</style>"""


def draft_plan(text: str, baseline: api.Plan) -> api.Plan:
    """The edited plan; when it keeps the baseline's id it is renamed so both can run side by side."""
    plan = parse_plan(text, DRAFT_NAME)
    if plan.id == baseline.id:
        plan = plan.model_copy(update={"id": f"{plan.id}-draft", "plan": f"{plan.plan} (draft)"})
    return plan


@st.cache_resource(show_spinner="Running the draft...", max_entries=8)
def run_draft(baseline: PlanText, draft_text: str, data_key: tuple, trials: int, seed: int,
              _dataset) -> api.Simulation:
    """The baseline and the draft over the data, through the API (keyed on both texts)."""
    base = parse_plan(baseline[1], baseline[0])
    return api.simulate([base, draft_plan(draft_text, base)], _dataset, trials=trials, seed=seed, detail_trials=1)


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
        replay = run(((DRAFT_NAME, text),), inputs.data_key, 1, 0, inputs.dataset)  # the checks' population
        warnings = lint(text, DRAFT_NAME, inputs.data_key, replay)
        high = int((warnings["severity"] == "high").sum())
        with st.expander(f"Warnings: {len(warnings)}" + (f", {high} high" if high else ""), expanded=bool(high)):
            warnings_list(warnings)
    live_comparison(text, inputs)


def _default_start(inputs: Inputs, ids: list[str]) -> str:
    """The proposal sharing the most reps with the baseline (the one worth editing first)."""
    others = proposals(api.compare(historical(inputs), inputs.baseline), inputs)
    return others[0] if others else ids[0]


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


def live_comparison(text: str, inputs: Inputs) -> None:
    """The draft against the baseline on the sidebar's data, trials and seed."""
    baseline = inputs.plan(inputs.baseline)
    st.subheader(f"Against {inputs.names[baseline.id]}")
    sim = run_draft(inputs.text_of(inputs.baseline), text, inputs.data_key, inputs.trials, inputs.seed,
                    inputs.dataset)
    comparison = api.compare(sim, baseline.id)
    draft = comparison.plans.iloc[1]
    change = same_reps_change(comparison)[draft["plan"]]
    cur = baseline.currency
    a, b, c, d = st.columns(4)
    a.metric("Draft cost (mean)", money(draft["total_payout"], cur), delta_color="inverse",
             delta=None if pd.isna(change) else f"{money(change, cur)} vs baseline, same reps")
    b.metric("Winners", int(draft["winners"]))
    c.metric("Losers", int(draft["losers"]))
    d.metric("Reps covered", int(draft["reps"]))
    names = {baseline.id: inputs.names[baseline.id]}  # the draft by the name in its text
    summary_table(comparison, cur, names, key="draft_summary")
    if not comparison.reps.empty:
        st.altair_chart(charts.winners_losers(comparison.reps, cur), key="draft_winners_chart", width="stretch")
