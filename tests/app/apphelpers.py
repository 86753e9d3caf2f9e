"""AppTest helpers: the real app.py on the bundled plans and sample data, driven by widget keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = float("inf")  # AppTest asks for a timeout; a run is waited for however slow the machine
PAGES = ["Compare plans", "Cost and risk", "My earnings", "Plan designer"]


def fresh_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=RUN_TIMEOUT)
    at.run()
    return at


def open_page(at: AppTest, name: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(name)
    return at.run()


def assert_clean(at: AppTest) -> None:
    """No exception and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, (label, [m.label for m in at.metric])
    return found[0]


def money_value(text: str) -> float:
    """'$1,234,567' or '-$2,500' as a number."""
    sign = -1 if text.startswith("-") else 1
    return sign * float(text.lstrip("-").lstrip("$").replace(",", "").split()[0])


def table(at: AppTest, *columns: str):
    """The one table on the page holding these columns (st.dataframe keeps no key in AppTest
    unless its rows are selectable)."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, (columns, [list(d.value.columns) for d in at.dataframe])
    return found[0]


def approx_money(value: float):
    """What a whole-money figure shown for ``value`` must equal (within the rounding)."""
    return pytest.approx(value, abs=0.5)


def chart_data(at: AppTest, x_field: str):
    """The data of the one Altair chart on the page whose x axis reads ``x_field``."""
    import json

    import pyarrow as pa

    found = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        layers = spec.get("layer", [spec])
        if any(layer.get("encoding", {}).get("x", {}).get("field") == x_field for layer in layers):
            found.append(chart.proto)
    assert len(found) == 1, (x_field, len(found))
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in found[0].datasets]
    if found[0].data.data:
        frames.append(pa.ipc.open_stream(found[0].data.data).read_pandas())
    return frames
