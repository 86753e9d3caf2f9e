"""CRM exports as other tools write them (Pipedrive, a Salesforce report as XLSX, Zoho or
Dynamics CSVs from a European locale): what loads, and what is refused with the file, line,
column, value and rule instead of being read as the wrong money."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from comp_sim.data.loader import load_data
from comp_sim.data.mapping import load_mapping
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


DYNAMICS = ("\ufeffDeal Id,Deal Owner,Stage,Closing Date,Amount,Account Name,Modified By,Modified By\r\n"
            "z1,Jan Kowalski,Closed Won,2026-05-05,12500.00,Kunde 1,Jan Kowalski,2026-12-01\r\n"
            "z2,Anna Muller,Closed Won,2026-03-10,4990.5,Kunde 2,Anna Muller,2026-12-01\r\n"
            ",,,,,,,\r\n,,,,,,,\r\n")
DYNAMICS_MAPPING = {
    "reps": {"file": "users.csv", "columns": {"rep_id": "Full Name"}},
    "deals": {"file": "deals.csv", "filter": {"Stage": "Closed Won"},
              "columns": {"deal_id": "Deal Id", "rep_id": "Deal Owner", "close_date": "Closing Date",
                          "amount": "Amount", "account_id": "Account Name"}},
    "defaults": {"reps": {"role": "AE"}},
}


def test_a_column_repeated_in_the_header_is_left_out_when_nothing_reads_it(tmp_path: Path):
    export = write(tmp_path / "dynamics", {"deals.csv": DYNAMICS,
                                           "users.csv": "Full Name,Email\nAnna Muller,a@x.de\nJan Kowalski,j@x.de\n"})
    data = load_data(export, mapping=DYNAMICS_MAPPING)
    assert data.deals["amount"].tolist() == [12500.0, 4990.5]  # the BOM and the blank rows at the end are no rows
    assert "Modified By" not in data.deals
    assert f"{export}/deals.csv: column(s) 'Modified By' appear more than once in the header and are left out " \
           "(nothing the mapping names reads them)" in data.warnings
    mapping = {**DYNAMICS_MAPPING, "deals": {**DYNAMICS_MAPPING["deals"], "filter": {"Modified By": "Jan Kowalski"}}}
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=mapping)
    assert str(caught.value) == (f"{export}/deals.csv:1: the header names column(s) 'Modified By' more than once, "
                                 "and the table reads it: rename one of them")


def test_deals_owned_by_an_email_name_the_reps_column_that_holds_the_emails(tmp_path: Path):
    deals = DYNAMICS.replace("Jan Kowalski,Closed", "jan@firma.de,Closed")
    export = write(tmp_path / "dynamics", {"deals.csv": deals,
                                           "users.csv": "Full Name,Email\nAnna Muller,a@x.de\nJan Kowalski,jan@firma.de\n"})
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=DYNAMICS_MAPPING)
    assert str(caught.value) == (f"{export}/deals.csv:2: Deal Owner: is not a rep of {export}/users.csv; its column "
                                 "'Email' holds 1 of these ids: map reps.columns.rep_id: Email (got 'jan@firma.de')")


def test_a_salesforce_report_workbook_loads_below_its_title_rows_and_its_totals_are_filtered_out():
    export = EXPORTS / "salesforce-report"
    data = load_data(export, mapping=export / "mapping.yaml")
    assert data.deals["deal_id"].tolist() == ["0065g00000Op001AAA", "0065g00000Op002AAA", "0065g00000Op003AAA"]
    assert data.deals["amount"].tolist() == [84000.0, 26500.5, 41250.0]  # currency-formatted number cells
    assert data.deals["close_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-27", "2026-06-30", "2026-11-02"]
    assert f"{export}/won-opportunities.xlsx: the header is on line 5, below the report's title; the 4 line(s) " \
           "above it are left out" in data.warnings
    assert f"{export}/won-opportunities.xlsx: the mapping's filter (Stage = 'Closed Won') kept 3 of 8 rows" \
           in data.warnings  # two subtotals, the grand total and two footer lines
    broken = load_mapping(export / "mapping.yaml").model_dump()
    broken["deals"]["filter"] = {}
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=broken)
    assert f"{export}/won-opportunities.xlsx:8: Opportunity ID: is empty; the column is required" \
           in str(caught.value).splitlines()  # the first subtotal, at its sheet row
