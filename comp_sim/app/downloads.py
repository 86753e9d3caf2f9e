"""Download buttons for a run's tables: the same files the CLI's ``run --out`` writes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from comp_sim import api


def _exported(simulation: api.Simulation, comparison: api.Comparison | None, fmt: str, name: str) -> bytes:
    """One file of ``write_results`` output, as bytes (made only when the button is clicked)."""
    with tempfile.TemporaryDirectory(prefix="comp_sim_download_") as folder:
        out = Path(folder) / "out"
        api.write_results(simulation, out, fmt=fmt, comparison=comparison)
        return (out / name).read_bytes()


def download_buttons(simulation: api.Simulation, comparison: api.Comparison | None, key: str) -> None:
    """Payouts and statements as CSV, everything as one XLSX workbook; ``key`` names the page."""
    st.caption("Payouts hold the first trial line by line; statements are means over all trials.")
    left, middle, right = st.columns(3)
    left.download_button("Payouts (CSV)", lambda: _exported(simulation, comparison, "csv", "payouts.csv"),
                         file_name="payouts.csv", mime="text/csv", key=f"{key}_payouts_csv", on_click="ignore")
    middle.download_button("Statements (CSV)", lambda: _exported(simulation, comparison, "csv", "statements.csv"),
                           file_name="statements.csv", mime="text/csv", key=f"{key}_statements_csv",
                           on_click="ignore")
    right.download_button("Payouts and statements (XLSX)",
                          lambda: _exported(simulation, comparison, "xlsx", api.WORKBOOK), file_name=api.WORKBOOK,
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_workbook", on_click="ignore")
