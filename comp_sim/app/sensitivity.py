"""Sensitivity of cost to team attainment (-20% .. +20%), product mix or new logos, from
``api.sensitivity``: every plan and program re-run on shifted copies of the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.format import money_column, share_column, shares
from comp_sim.app.inputs import Inputs
from comp_sim.app.units import UnitText, parse_unit

SHIFTS = (-0.2, -0.1, 0.0, 0.1, 0.2)
DIMENSIONS = {"attainment": "Team attainment (every deal amount)", "mix": "Strategic product mix",
              "new_logos": "New-logo share of deals"}


@st.cache_data(show_spinner="Re-running the plans on shifted data...", max_entries=32)
def sensitivity_table(unit_texts: tuple[UnitText, ...], data_key: tuple, dimension: str,
                      _dataset: api.Dataset) -> pd.DataFrame:
    """One row per plan or program and shift: cost, cost of sales, ... (``api.sensitivity``)."""
    return api.sensitivity([parse_unit(unit) for unit in unit_texts], _dataset, SHIFTS, dimension=dimension)


def sensitivity_section(inputs: Inputs) -> None:
    """Cost against a shift of the data, per plan or program, and what 1% more costs."""
    st.subheader("Sensitivity: cost as the team does better or worse")
    dimension = st.radio("Shift", list(DIMENSIONS), format_func=DIMENSIONS.get, horizontal=True,
                         key="sensitivity_dimension",
                         help="Attainment scales every deal; mix and new logos turn a share of deals "
                              "strategic or new-logo. The data as it happened, one trial per shift.")
    table = sensitivity_table(inputs.unit_texts, inputs.data_key, dimension, inputs.dataset)
    names = inputs.names
    cur = inputs.currency
    st.altair_chart(charts.sensitivity(table.assign(plan_name=table["plan"].map(names)), cur,
                                       DIMENSIONS[dimension]), key="sensitivity_chart", width="stretch")
    slopes = api.elasticity(table).assign(name=lambda f: f["plan"].map(names))
    columns = {
        "name": st.column_config.TextColumn("Plan or program"),
        "base_cost": money_column("Cost, no shift", cur, help="On the data as it happened (one trial)"),
        "cost_per_pct": money_column("Cost of +1%", cur, help="Change in cost per 1% of shift"),
        "cost_elasticity": st.column_config.NumberColumn(
            "Elasticity", format="%.2f", help="% change in cost per 1% of shift (above 1: cost grows faster)"),
        "payout_pct_ti_per_pct": share_column("Payout % of TI per 1%"),
    }
    st.dataframe(shares(slopes[list(columns)], "payout_pct_ti_per_pct"), column_config=columns, hide_index=True,
                 key="sensitivity_table")
