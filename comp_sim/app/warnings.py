"""Plan warnings (cliffs, uncapped exposure, diluted weights, ...) from ``api.lint``,
worked out on the run of the current data so the figures are this population's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app.inputs import Inputs, historical

SEVERITY_COLORS = {"high": "red", "medium": "orange", "low": "gray"}



@st.cache_data(show_spinner="Checking the plans...", max_entries=64)
def lint(text: str, name: str, data_key: tuple, _run: api.Simulation | None) -> pd.DataFrame:
    """A plan's warnings, most severe first: severity, line, path, message, fix."""
    warnings = api.lint(api.load_plan(text, name=name), population=_run if _run is not None else False)
    return pd.DataFrame([{"severity": w.severity, "line": w.line, "path": w.path, "message": w.message,
                          "fix": w.fix} for w in warnings],
                        columns=["severity", "line", "path", "message", "fix"])


def warnings_list(frame: pd.DataFrame) -> None:
    """One paragraph per warning: severity, line and key, what the plan invites, the fix."""
    if frame.empty:
        st.success("No warnings: no cliffs, uncapped exposure or diluted weights found.")
        return
    for row in frame.itertuples():
        where = f"line {row.line} · " if pd.notna(row.line) else ""
        st.markdown(f":{SEVERITY_COLORS.get(row.severity, 'gray')}-badge[{row.severity}] {where}`{row.path}`  \n"
                    f"{_plain(row.message)}  \n*Fix:* {_plain(row.fix)}")


def _plain(text: str) -> str:
    """Text shown as written: a dollar sign is money, not the start of a formula."""
    return str(text).replace("$", "\\$")


def plan_warnings(inputs: Inputs) -> None:
    """The warnings of each plan of the picked plans and programs, one expander per plan, the
    count in its title."""
    st.subheader("Plan warnings")
    run = historical(inputs)
    names = inputs.plan_names
    for (name, text), plan in zip(inputs.plan_texts, inputs.plans):
        frame = lint(text, name, inputs.data_key, run)
        high = int((frame["severity"] == "high").sum())
        title = f"{names[plan.id]}: {len(frame)} warning(s)" + (f", {high} high" if high else "")
        with st.expander(title, expanded=bool(high)):
            warnings_list(frame)
