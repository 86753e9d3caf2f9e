"""write_dataset writes files load_data reads back, including tables without rows."""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim.data.dataset import Dataset
from comp_sim.data.loader import load_data
from comp_sim.data.write import write_dataset


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_tables_without_rows_are_written_as_a_header_and_read_back_empty(tmp_path, fmt):
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "role": ["AE", "AE"]})
    deals = pd.DataFrame({"deal_id": ["D1"], "rep_id": ["R1"], "close_date": ["2027-02-03"], "amount": [1250.5]})
    data = Dataset.from_frames(reps, deals=deals)  # no quotas, forecasts or mbo
    write_dataset(data, tmp_path / "out", fmt=fmt)
    back = load_data(tmp_path / "out")
    for table in ("quotas", "forecasts", "mbo"):
        assert getattr(back, table).empty
    assert back.reps["rep_id"].tolist() == ["R1", "R2"]
    assert back.deals[["deal_id", "amount"]].values.tolist() == [["D1", 1250.5]]
    if fmt == "csv":
        assert (tmp_path / "out" / "forecasts.csv").read_text() == "rep_id,period,forecast\n"
        assert (tmp_path / "out" / "mbo.csv").read_text() == "rep_id,period,score\n"
