"""Money, shares and table columns as a finance reader expects them: in the plan currency, with
thousands separators, rounded only here at the display boundary."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import streamlit as st

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
TABLE_FORMATS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}


def money(value: float | None, currency: str) -> str:
    """Whole money in the plan currency, halves rounded away from zero as the tables round them
    (so a figure reads the same in a metric and in a table).

    >>> money(1234567.5, "USD"), money(-2500.5, "EUR"), money(900, "CHF")
    ('$1,234,568', '-€2,501', '900 CHF')
    """
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    symbol = SYMBOLS.get(currency)
    amount = f"{Decimal(abs(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def share(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage; n/a for none (a plan that covers no rep has no shares).

    >>> share(0.6234), share(float("nan"))
    ('62.3%', 'n/a')
    """
    return "n/a" if value is None or value != value else f"{value:.{digits}%}"


def money_column(label: str, currency: str, *, help: str | None = None):
    """A table column of whole money in the plan currency (the currency named in the header;
    ``step`` sets the decimals shown)."""
    return st.column_config.NumberColumn(f"{label} ({currency})", help=help, step=1,
                                         format=TABLE_FORMATS.get(currency, "localized"))


def share_column(label: str, *, help: str | None = None):
    """A table column of fractions shown as percentages with one decimal."""
    return st.column_config.NumberColumn(label, help=help, format="percent", step=0.001)


def axis_money(currency: str) -> str:
    """A d3 format for money axes: 1.25M, 450k (the currency goes in the axis title)."""
    return "$.3~s" if currency == "USD" else ".3~s"
