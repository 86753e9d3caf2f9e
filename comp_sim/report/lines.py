"""A statement's lines: their columns, and how they read (money with cents; periods of a
commission or SPIFF with nothing to pay left out). Shared by the text, HTML and app views."""

from __future__ import annotations

import pandas as pd

LINE_COLUMNS = [
    "period", "pay_month", "component", "label", "weight", "metric", "value", "curve_fraction", "gates",
    "fraction", "ti", "money", "multipliers", "multiplier", "earned", "paid_before", "payment",
    "capped", "amount", "balance_before", "balance_after",
]
DRAW_LINE_IDS = ("draw", "draw_recovery")


def quiet_lines(lines: pd.DataFrame) -> pd.Series:
    """Lines that say nothing, which statements skip: commission or SPIFF periods with nothing
    measured and nothing paid, and draw periods in which the draw paid or recovered nothing."""
    nothing = lines["amount"] == 0
    draw = lines["component"].isin(DRAW_LINE_IDS)
    return nothing & (draw | (lines["fraction"].isna() & (lines["value"] == 0)))


def money(value: float) -> str:
    """Money with cents and thousands separators: ``money(1234.5)`` is ``'1,234.50'``."""
    return f"{value:,.2f}"
