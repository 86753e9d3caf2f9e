"""CRM exports as other tools write them (Pipedrive, a Salesforce report as XLSX, Zoho or
Dynamics CSVs from a European locale): what loads, and what is refused with the file, line,
column, value and rule instead of being read as the wrong money."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from comp_sim.data.loader import load_data
from comp_sim.errors import DataError
from data_files import ROOT, write

EXPORTS = ROOT / "tests" / "data" / "exports"
PIPEDRIVE = EXPORTS / "pipedrive"


def pipedrive(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PIPEDRIVE, tmp_path / "pipedrive"))


def test_deals_in_two_currencies_are_refused_not_added_up(tmp_path: Path):
    export = pipedrive(tmp_path)
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=export / "mapping.yaml")
    assert str(caught.value).splitlines() == [
        f"{export}/deals-export.csv:5: Deal - Currency: is not the currency of the other deals (USD, 3 rows): "
        "comp_sim converts no currency; map an amount in one currency and its currency column as "
        "deals.columns.currency, or keep one currency with the mapping's filter (got 'EUR')",
    ]


def test_deals_in_one_currency_load_and_a_mapped_currency_column_is_checked_too(tmp_path: Path):
    export = pipedrive(tmp_path)
    text = (export / "deals-export.csv").read_text()
    write(export, {"deals-export.csv": text.replace("27000,EUR", "29430,USD")})
    data = load_data(export, mapping=export / "mapping.yaml")
    assert data.deals["amount"].tolist() == [42000.0, 18500.5, 29430.0, 12000.0]
    mapping = {"reps": {"file": "team.csv", "columns": {"rep_id": "Name", "role": "Role"}},
               "deals": {"file": "deals-export.csv",
                         "columns": {"deal_id": "Deal - ID", "rep_id": "Deal - Owner", "close_date": "Deal - Won time",
                                     "amount": "Deal - Value", "currency": "Deal - Currency"},
                         "filter": {"Deal - Status": "won"}}}
    assert load_data(export, mapping=mapping).deals["currency"].tolist() == ["USD"] * 4
    write(export, {"deals-export.csv": text.replace("12000,USD", "12000,usd").replace("27000,EUR", "27000,GBP")})
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=mapping)
    assert [line.split(": is not")[0] for line in str(caught.value).splitlines()] == [
        f"{export}/deals-export.csv:5: Deal - Currency"]  # usd is USD; a currency code has no case


def test_a_semicolon_separated_export_is_refused_at_each_file_before_its_mapping_is_read():
    export = EXPORTS / "zoho"
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=export / "mapping.yaml")
    separated = ("the header is separated by ';', not by commas (as Excel saves CSV in many European locales, where "
                 "1.234,50 is a number): save it as \"CSV UTF-8 (Comma delimited)\" with numbers written 1234.50")
    assert str(caught.value).splitlines() == [f"{export}/Users.csv: {separated}",
                                              f"{export}/Deals_2026.csv: {separated}"]
