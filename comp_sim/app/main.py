"""Streamlit entry point; the pages are being built (see the README's status section)."""

from __future__ import annotations

import streamlit as st

from comp_sim.api import bundled_plan_paths, load_plan


def main() -> None:
    st.set_page_config(page_title="comp_sim", layout="wide")
    st.title("comp_sim")
    st.info("The comparison, cost, earnings and designer pages are under construction. "
            "The bundled plans below validate and can already be used from the CLI.")
    for path in bundled_plan_paths():
        plan = load_plan(path)
        st.subheader(plan.plan)
        st.caption(f"{path.name} - {plan.description}")
