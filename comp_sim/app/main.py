"""Streamlit entry point: the sidebar's inputs, then the page picked in the sidebar."""

from __future__ import annotations

import streamlit as st

from comp_sim.app import compare, cost, crm, designer, earnings
from comp_sim.api import CompSimError
from comp_sim.app.inputs import CRM_EXPORT, page_errors, show_errors, sidebar

PAGES = {
    "Compare plans": compare.page,
    "Cost and risk": cost.page,
    "My earnings": earnings.page,
    "Plan designer": designer.page,
}


def main() -> None:
    st.set_page_config(page_title="comp_sim", page_icon="📈", layout="wide")
    with st.sidebar:
        st.markdown("### comp_sim")
        name = st.radio("Page", list(PAGES), key="page",
                        captions=["CRO: payouts, curves, winners and losers",
                                  "Finance: cost, risk and cash timing",
                                  "Rep: my pay, line by line, and what-ifs",
                                  "Edit a plan and see it at once"])
        st.divider()
    if st.session_state.get("data_source") == CRM_EXPORT:
        crm.editor()  # before the sidebar, which runs the pages on the export once it loads
    inputs = sidebar()
    page_errors()
    if inputs is not None:
        try:
            PAGES[name](inputs)
        except CompSimError as exc:  # data the plans cannot run on (a quota of 0 under bookings, ...)
            show_errors(f"The plans cannot run on {inputs.data_label}", exc)
