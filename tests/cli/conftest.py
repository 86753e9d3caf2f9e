"""Fixtures of the CLI and report tests: the small dataset, as a Dataset and as a folder of CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_data import DEALS, FORECASTS, QUOTAS, REPS, small_dataset

from comp_sim.data.dataset import Dataset


@pytest.fixture
def dataset() -> Dataset:
    return small_dataset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The small dataset as a folder of CSV files, the way a user gives it to --data."""
    folder = tmp_path / "data"
    folder.mkdir()
    REPS.to_csv(folder / "reps.csv", index=False)
    DEALS.to_csv(folder / "deals.csv", index=False)
    QUOTAS.to_csv(folder / "quotas.csv", index=False)
    FORECASTS.to_csv(folder / "forecasts.csv", index=False)
    return folder
