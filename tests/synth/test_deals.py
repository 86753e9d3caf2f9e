"""Synthetic deal data: determinism, calibration and the structural facts a reader can check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from comp_sim.api import load_data
from comp_sim.errors import UsageError
from comp_sim.data.write import write_dataset
from comp_sim.synth import SynthConfig, synthesize


@pytest.fixture(scope="module")
def sample():
    return synthesize(80, 12, 5)


def annual_attainment(data):
    credited = (data.deals["amount"] * data.deals["split"]).groupby(data.deals["rep_id"]).sum()
    quota = data.quotas[data.quotas["metric"] == "bookings"].groupby("rep_id")["target"].sum()
    return credited.reindex(quota.index).fillna(0.0) / quota


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        write_dataset(synthesize(30, 12, seed), tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["deals.csv", "forecasts.csv", "mbo.csv", "quotas.csv", "reps.csv"]
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    assert (tmp_path / "a" / "deals.csv").read_bytes() != (tmp_path / "c" / "deals.csv").read_bytes()


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_defaults_put_50_to_70_percent_of_reps_at_or_above_annual_quota(seed):
    share = float((annual_attainment(synthesize(400, 12, seed)) >= 1.0).mean())
    assert 0.5 <= share <= 0.7


def test_roles_follow_the_configured_shares_exactly_and_form_an_org(sample):
    # 80 reps: 6 managers (one per 12 others) and a director; the other 73 x (0.55, 0.18, 0.18, 0.09)
    # = 40 AEs (40.15), 13 Hunters (13.14), 13 AMs, 7 SEs (6.57)
    reps = sample.reps
    assert reps["role"].value_counts().to_dict() == {"AE": 40, "Hunter": 13, "AM": 13, "SE": 7, "Manager": 6,
                                                      "Director": 1}
    field = reps[~reps["role"].isin(["Manager", "Director"])]
    assert (field["team"] == field["region"] + " " + field["role"]).all()
    managers = reps[reps["role"] == "Manager"]
    director = reps.loc[reps["role"] == "Director", "rep_id"].item()
    assert (managers["manager_id"] == director).all() and reps.loc[reps["role"] == "Director", "manager_id"].isna().all()
    # every seller and SE reports to a manager of their own region
    bosses = field.merge(managers[["rep_id", "region"]], left_on="manager_id", right_on="rep_id", suffixes=("", "_boss"))
    assert len(bosses) == len(field) and (bosses["region"] == bosses["region_boss"]).all()


def test_split_deals_sum_to_one_and_discounts_stay_in_range(sample):
    revenue = sample.deals[sample.deals["credit_type"] == "revenue"]
    per_deal = revenue.groupby("deal_id")["split"].agg(["sum", "count"])
    assert (per_deal["count"] <= 2).all() and (per_deal["count"] == 2).any()
    assert np.allclose(per_deal["sum"], 1.0)
    split_rows = sample.deals[sample.deals["split"] < 1]
    assert set(np.round(split_rows["split"], 10)) <= {0.3, 0.4, 0.5, 0.6, 0.7}
    assert sample.deals["discount"].between(0.0, 0.4).all()
    assert set(sample.deals["product"]) == {"Platform", "Analytics", "Core", "Services"}


def test_sales_engineers_get_overlay_credit_on_their_regions_deals(sample):
    deals = sample.deals.merge(sample.reps[["rep_id", "role", "region"]], on="rep_id")
    overlay = deals[deals["credit_type"] == "overlay"]
    assert len(overlay) > 0 and (overlay["role"] == "SE").all() and (overlay["split"] == 1.0).all()
    sellers = deals[deals["credit_type"] == "revenue"].drop_duplicates("deal_id").set_index("deal_id")
    assert (sellers.loc[overlay["deal_id"], "region"].to_numpy() == overlay["region"].to_numpy()).all()
    assert (sellers.loc[overlay["deal_id"], "amount"].to_numpy() == overlay["amount"].to_numpy()).all()
    # engineers join strategic products far more than services (se_assist 0.6, 0.5, 0.15, 0)
    joined = sellers.index.isin(overlay["deal_id"])
    by_product = pd.Series(joined, index=sellers.index).groupby(sellers["product"]).mean()
    assert by_product["Platform"] > by_product["Core"] > by_product["Services"] == 0.0


def test_larger_deals_are_discounted_more(sample):
    deals = sample.deals[sample.deals["product"] == "Core"]
    big = deals["amount"] > deals["amount"].median()
    assert deals.loc[big, "discount"].mean() > deals.loc[~big, "discount"].mean()


def test_hires_and_leavers_fall_inside_the_year_and_deals_only_while_employed(sample):
    reps = sample.reps
    year_start, year_end = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-12-31")
    hires = reps[reps["hire_date"] >= year_start]
    leavers = reps[reps["end_date"].notna()]
    assert len(hires) >= 1 and len(leavers) >= 1
    assert hires["hire_date"].le(year_end).all() and leavers["end_date"].between(year_start, year_end).all()
    assert (reps["end_date"].isna() | (reps["end_date"] > reps["hire_date"])).all()
    joined = sample.deals.merge(reps[["rep_id", "hire_date", "end_date"]], on="rep_id")
    assert (joined["close_date"] >= joined["hire_date"]).all()
    assert (joined["end_date"].isna() | (joined["close_date"] <= joined["end_date"])).all()
    assert joined["close_date"].between(year_start, year_end).all()


def test_quotas_are_quarterly_with_logo_targets_for_aes_and_hunters_only(sample):
    quotas = sample.quotas.merge(sample.reps[["rep_id", "role"]], on="rep_id")
    assert set(quotas["period"]) == {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    assert (quotas["target"] > 0).all()
    logo_roles = set(quotas.loc[quotas["metric"] != "bookings", "role"])
    assert logo_roles == {"AE", "Hunter"}
    assert set(quotas["metric"]) == {"bookings", "new_logos", "new_logo_bookings"}


def test_forecasts_are_monthly_and_sandbaggers_and_optimists_both_appear(sample):
    forecasts = sample.forecasts
    assert forecasts["period"].str.fullmatch(r"2026-\d\d").all() and (forecasts["forecast"] >= 0).all()
    credited = sample.deals.assign(c=sample.deals["amount"] * sample.deals["split"]).groupby("rep_id")["c"].sum()
    ratio = forecasts.groupby("rep_id")["forecast"].sum() / credited
    assert (ratio < 0.9).any() and (ratio > 1.1).any()
    assert set(sample.mbo["period"]) == {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    assert sample.mbo["score"].between(0, 1).all()


def test_new_logo_propensity_follows_the_role(sample):
    deals = sample.deals.merge(sample.reps[["rep_id", "role"]], on="rep_id")
    share = deals.groupby("role")["new_logo"].mean()
    assert share["Hunter"] > share["AE"] > share["AM"]
    assert deals.loc[deals["new_logo"], "account_id"].is_unique or \
        deals[deals["new_logo"]].groupby("account_id")["deal_id"].nunique().max() == 1


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_written_files_load_back_through_the_loader(tmp_path, fmt):
    data = synthesize(12, 12, 9)
    write_dataset(data, tmp_path / "out", fmt=fmt)
    loaded = load_data(tmp_path / "out")
    assert len(loaded.reps) == 12 and len(loaded.deals) == len(data.deals)
    assert loaded.deals["amount"].sum() == pytest.approx(data.deals["amount"].sum())
    assert loaded.deals["new_logo"].sum() == data.deals["new_logo"].sum()


def test_write_refuses_a_non_empty_folder_without_force_and_escapes_formulas(tmp_path):
    data = synthesize(5, 12, 1)
    reps = data.reps.copy()
    reps.loc[0, "name"] = "=HYPERLINK(\"x\")"
    write_dataset(type(data).from_frames(reps, data.deals, data.quotas), tmp_path / "out")
    assert "'=HYPERLINK" in (tmp_path / "out" / "reps.csv").read_text()
    with pytest.raises(UsageError, match="not empty"):
        write_dataset(data, tmp_path / "out")
    write_dataset(data, tmp_path / "out", force=True)
    with pytest.raises(UsageError, match="format is one of"):
        write_dataset(data, tmp_path / "other", fmt="json")


def test_config_changes_the_model_it_documents():
    hunters_only = SynthConfig(role_shares={"Hunter": 1.0}, reps_per_manager=0)
    data = synthesize(10, 12, 0, config=hunters_only)
    assert set(data.reps["role"]) == {"Hunter"}
    with pytest.raises(UsageError, match="a month is written YYYY-MM"):
        synthesize(10, 12, 0, start="2026-13")
