"""Properties: any valid table round-trips through CSV and Parquet into the same Dataset as the
frames themselves; any single bad amount is reported at its own line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from comp_sim.data.dataset import TABLES, Dataset
from comp_sim.data.loader import load_data
from comp_sim.errors import DataError
from comp_sim.limits import NUMBER_RULE

# ids and names as exports write them: leading zeros, "NA", spaces, commas and quotes inside
TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P"), exclude_characters="\r\n\x00"),
               min_size=1, max_size=8).map(str.strip).filter(bool)
IDS = st.one_of(TEXT, st.sampled_from(["007", "NA", "null", "1e3", "TRUE"]))


@st.composite
def tables(draw):
    rep_ids = draw(st.lists(IDS, min_size=1, max_size=5, unique=True))
    reps = pd.DataFrame({
        "rep_id": rep_ids,
        "name": draw(st.lists(TEXT, min_size=len(rep_ids), max_size=len(rep_ids))),
        "role": draw(st.lists(st.sampled_from(["AE", "AM", "Hunter"]), min_size=len(rep_ids), max_size=len(rep_ids))),
        "hire_date": pd.to_datetime("2026-01-01") + pd.to_timedelta(
            draw(st.lists(st.integers(0, 700), min_size=len(rep_ids), max_size=len(rep_ids))), unit="D"),
    })
    n = draw(st.integers(0, 12))
    deals = pd.DataFrame({
        "deal_id": [f"D{i:03d}" for i in range(n)],
        "rep_id": draw(st.lists(st.sampled_from(rep_ids), min_size=n, max_size=n)),
        "close_date": pd.to_datetime("2027-01-01") + pd.to_timedelta(
            draw(st.lists(st.integers(-30, 400), min_size=n, max_size=n)), unit="D"),
        "amount": draw(st.lists(st.floats(-1e7, 1e9, allow_nan=False).map(lambda x: round(x, 2)), min_size=n, max_size=n)),
        "product": draw(st.lists(TEXT, min_size=n, max_size=n)),
        "account_id": draw(st.lists(st.sampled_from(["A1", "A2", "0042"]), min_size=n, max_size=n)),
        "discount": draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)),
        "split": draw(st.lists(st.sampled_from([1.0, 0.5, 0.25, 0.0]), min_size=n, max_size=n)),
    })
    periods = st.sampled_from(["2027", "2027-Q1", "2027-Q3", "2027-H2", "2027-03", "2027-12"])
    keys = draw(st.lists(st.tuples(st.sampled_from(rep_ids), periods), max_size=6, unique_by=lambda key: key[0]))
    quotas = pd.DataFrame({"rep_id": [k[0] for k in keys], "period": [k[1] for k in keys],
                           "target": draw(st.lists(st.floats(0.01, 1e7), min_size=len(keys), max_size=len(keys)))})
    return {"reps": reps, "deals": deals, "quotas": quotas}


def write_tables(folder: Path, frames: dict[str, pd.DataFrame], kind: str) -> None:
    folder.mkdir()
    for name, frame in frames.items():
        if kind == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_valid_tables_round_trip_through_csv_and_parquet(frames):
    expected = Dataset.from_frames(**frames)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("csv", "parquet"):
            folder = Path(tmp) / kind
            write_tables(folder, frames, kind)
            loaded = load_data(folder)
            for table in TABLES:
                assert_frame_equal(getattr(loaded, table), getattr(expected, table), check_like=True, obj=f"{kind} {table}")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.data())
def test_one_bad_amount_is_reported_at_its_line(rows, data):
    bad_row = data.draw(st.integers(0, rows - 1))
    word = data.draw(st.sampled_from(["x", "1.2.3", "$5", "--", "inf"]))
    amounts = np.full(rows, "10", dtype=object)
    amounts[bad_row] = word
    deals = pd.DataFrame({"deal_id": [f"D{i}" for i in range(rows)], "rep_id": "R1",
                          "close_date": "2027-01-01", "amount": amounts})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "reps.csv").write_text("rep_id,role\nR1,AE\n")
        deals.to_csv(folder / "deals.csv", index=False)
        try:
            load_data(folder)
        except DataError as error:
            rule = f"{NUMBER_RULE} (got inf)" if word == "inf" else f"must be a number (got '{word}')"
            assert str(error) == f"{folder}/deals.csv:{bad_row + 2}: amount: {rule}"
        else:
            raise AssertionError("a bad amount loaded")
