"""Streamlit entry point: the sidebar's inputs, then the page picked in the sidebar."""

from __future__ import annotations

import streamlit as st

from comp_sim.app import compare, cost, designer, earnings
from comp_sim.app.inputs import page_errors, sidebar

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
    inputs = sidebar()
    page_errors()
    if inputs is not None:
        PAGES[name](inputs)
