"""Plan warnings (cliffs, uncapped exposure, diluted weights, ...) from ``comp_sim.insight``,
worked out on the run of the current data so the figures are this population's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim.api import Simulation
from comp_sim.app.inputs import Inputs, historical
from comp_sim.insight.lint import lint_plan
from comp_sim.plan.loader import load_plan_located



@st.cache_data(show_spinner="Checking the plans...", max_entries=64)
def lint(text: str, name: str, data_key: tuple, _run: Simulation | None) -> pd.DataFrame:
    """A plan's warnings, most severe first: severity, line, path, message, fix."""
    located = load_plan_located(text, name=name)
    warnings = lint_plan(located, population=_run if _run is not None else False)
    return pd.DataFrame([{"severity": w.severity, "line": w.line, "path": w.path, "message": w.message,
                          "fix": w.fix} for w in warnings],
                        columns=["severity", "line", "path", "message", "fix"])


def warnings_table(frame: pd.DataFrame, key: str) -> None:
    if frame.empty:
        st.success("No warnings: no cliffs, uncapped exposure or diluted weights found.")
        return
    st.dataframe(frame, hide_index=True, key=key, column_config={
        "severity": st.column_config.TextColumn("Severity"),
        "line": st.column_config.NumberColumn("Line", format="%d"),
        "path": st.column_config.TextColumn("Key"),
        "message": st.column_config.TextColumn("What the plan invites", width="large"),
        "fix": st.column_config.TextColumn("Fix", width="large"),
    })


def plan_warnings(inputs: Inputs) -> None:
    """Each picked plan's warnings, one expander per plan, the count in its title."""
    st.subheader("Plan warnings")
    run = historical(inputs)
    for (name, text), plan in zip(inputs.plan_texts, inputs.plans):
        frame = lint(text, name, inputs.data_key, run)
        high = int((frame["severity"] == "high").sum())
        title = f"{inputs.names[plan.id]}: {len(frame)} warning(s)" + (f", {high} high" if high else "")
        with st.expander(title, expanded=bool(high)):
            warnings_table(frame, key=f"warnings_{plan.id}")
