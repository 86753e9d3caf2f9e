"""Column mappings: files, renames, row filters and value translations for CRM exports; errors in
the mapping name its file and key path, errors in the data the export's own file and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from comp_sim.data.loader import load_data
from comp_sim.data.mapping import Mapping, load_mapping, merge, parse_map_pairs
from comp_sim.errors import DataError, UsageError
from data_files import write

EXPORT = (
    "Id,OwnerId,StageName,Amount,CloseDate,Type,Won\n"
    "O1,U1,Closed Won,100,2027-01-05,New Business,true\n"
    "O2,U1,Closed Lost,999,2027-01-06,New Business,false\n"
    "O3,U2,Closed Won,250,2027-02-10,Existing Business,true\n"
    "O4,U2,Negotiation,400,2027-03-01,Existing Business,false\n"
    "O5,U1,Closed - Won,50,2027-03-15,Renewal,true\n"
)
USERS = "Id,Full Name,Sales_Role__c\nU1,Ann Lee,Account Executive\nU2,Bob Ray,Account Manager\n"
MAPPING = {
    "reps": {"file": "users.csv", "columns": {"rep_id": "Id", "name": "Full Name", "role": "Sales_Role__c"},
             "values": {"role": {"Account Executive": "AE", "Account Manager": "AM"}}},
    "deals": {"file": "opps.csv",
              "columns": {"deal_id": "Id", "rep_id": "OwnerId", "amount": "Amount", "close_date": "CloseDate",
                          "new_logo": "Type"},
              "filter": {"StageName": ["Closed Won", "Closed - Won"]},
              "values": {"new_logo": {"New Business": True, "Existing Business": False, "Renewal": "no"}}},
}


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write(tmp_path / "export", {"opps.csv": EXPORT, "users.csv": USERS})


def test_a_mapping_renames_filters_and_translates(export: Path):
    data = load_data(export, mapping=MAPPING)
    assert data.reps[["rep_id", "name", "role"]].values.tolist() == [["U1", "Ann Lee", "AE"], ["U2", "Bob Ray", "AM"]]
    deals = data.deals
    assert deals["deal_id"].tolist() == ["O1", "O3", "O5"]  # lost and open opportunities are dropped
    assert deals["amount"].tolist() == [100.0, 250.0, 50.0]
    assert deals["new_logo"].tolist() == [True, False, False]
    assert data.files == {"reps": str(export / "users.csv"), "deals": str(export / "opps.csv")}


def test_a_filter_on_a_flag_column(export: Path):
    mapping = {**MAPPING, "deals": {**MAPPING["deals"], "filter": {"Won": True}}}
    assert load_data(export, mapping=mapping).deals["deal_id"].tolist() == ["O1", "O3", "O5"]


def test_errors_name_the_exports_file_line_and_column(export: Path):
    write(export, {"opps.csv": EXPORT.replace("O3,U2,Closed Won,250", "O3,U9,Closed Won,2.5e")})
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=MAPPING)
    assert str(caught.value).splitlines() == [
        f"{export}/opps.csv:4: Amount: must be a number (got '2.5e')",
        f"{export}/opps.csv:4: OwnerId: is not a rep of {export}/users.csv (got 'U9')",
    ]


def test_an_untranslated_value_is_reported_with_the_export_column(export: Path):
    mapping = {**MAPPING, "deals": {**MAPPING["deals"], "values": {"new_logo": {"New Business": True}}}}
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=mapping)
    assert str(caught.value).splitlines() == [
        f"{export}/opps.csv:4: Type: must be true or false (or yes/no, 1/0) (got 'Existing Business')",
        f"{export}/opps.csv:6: Type: must be true or false (or yes/no, 1/0) (got 'Renewal')",
    ]


def test_a_mapped_column_missing_from_the_export(export: Path):
    mapping = {**MAPPING, "deals": {**MAPPING["deals"], "columns": {**MAPPING["deals"]["columns"], "amount": "Amount__c"}}}
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=mapping)
    assert str(caught.value) == (
        f"<mapping>: deals.columns.amount: column 'Amount__c' (mapped to amount) is not in {export}/opps.csv; "
        "did you mean 'Amount'? (columns: Id, OwnerId, StageName, Amount, CloseDate, Type, Won)"
    )


def test_a_filter_on_a_missing_column(export: Path):
    mapping = {**MAPPING, "deals": {**MAPPING["deals"], "filter": {"Stage": "Closed Won"}}}
    with pytest.raises(DataError, match=r"^<mapping>: deals.filter.Stage: the filter reads column 'Stage', "
                                        r"which is not in .*/opps.csv; did you mean 'StageName'\? \(columns: Id, OwnerId,"):
        load_data(export, mapping=mapping)


def test_a_mapping_that_names_a_file_not_there(export: Path):
    mapping = {"reps": {"file": "people.csv"}}
    with pytest.raises(DataError, match=rf"^<mapping>: reps.file: no file 'people.csv' in {export} "
                                        r"\(files: opps.csv, users.csv\)$"):
        load_data(export, mapping=mapping)


def test_a_rename_onto_a_column_the_export_already_has(tmp_path: Path):
    folder = write(tmp_path, {"reps.csv": "rep_id,Id,role\nR1,U1,AE\n"})
    with pytest.raises(DataError, match=r"^<mapping>: reps.columns.rep_id: maps 'Id' to rep_id, but .*/reps.csv "
                                        r"has its own column 'rep_id' too; map one of them$"):
        load_data(folder, mapping={"reps": {"columns": {"rep_id": "Id"}}})


def test_a_sheet_named_in_the_mapping(tmp_path: Path):
    import pandas as pd

    frame = pd.DataFrame({"Id": ["U1"], "Role": ["AE"]})
    folder = write(tmp_path, {"export.xlsx": {"Cover": pd.DataFrame({"x": [1]}), "Users": frame}})
    mapping = {"reps": {"file": "export.xlsx", "sheet": "Users", "columns": {"rep_id": "Id", "role": "Role"}}}
    assert load_data(folder, mapping=mapping).reps["rep_id"].tolist() == ["U1"]


def test_line_numbers_count_the_rows_a_filter_drops(export: Path):
    write(export, {"opps.csv": EXPORT.replace("O5,U1,Closed - Won,50,2027-03-15", "O5,U1,Closed - Won,50,2027-15-03")})
    with pytest.raises(DataError, match=r"opps.csv:6: CloseDate: must be a date"):
        load_data(export, mapping=MAPPING)


def test_a_mapping_file_loads_and_errors_name_file_and_key_path(tmp_path: Path):
    good = write(tmp_path, {"m.yaml": "deals:\n  file: opps.csv\n  columns: {amount: Amount}\n"
                                      "  values: {new_logo: {1: true, yes: false}}\n"})
    mapping = load_mapping(good / "m.yaml")
    assert mapping.source == str(good / "m.yaml")
    assert mapping.table("deals").file == "opps.csv"
    assert mapping.table("deals").values == {"new_logo": {"1": True, "yes": False}}  # keys are export values
    write(tmp_path, {"bad.yaml": "deals:\n  colums: {amount: Amount}\nrep: {}\n"})
    with pytest.raises(DataError) as caught:
        load_mapping(tmp_path / "bad.yaml")
    assert str(caught.value).splitlines() == [
        f"{tmp_path}/bad.yaml:2:3: deals.colums: unknown key 'colums'; did you mean 'columns'? "
        "(allowed: file, sheet, columns, filter, values, history_before)",
        f"{tmp_path}/bad.yaml:3:1: rep: unknown key 'rep'; did you mean 'reps'? "
        "(allowed: reps, quotas, deals, forecasts, mbo, defaults)",
    ]


@pytest.mark.parametrize("text, expected", [
    ("deals:\n  columns: {amount: [\n", ":3:1: not valid YAML: expected the node content, but found '<stream end>'"),
    ("deals: !!python/object:os.system {}\n", ":1:8: YAML tags are not allowed in mapping files: a mapping is plain data"),
    ("- deals\n", ":1: a mapping file is a YAML mapping of tables (reps, quotas, deals, forecasts, mbo) and defaults"),
    ("deals:\n  filter: {StageName: {a: 1}}\n", ":2:23: deals.filter.StageName: must be a text, a number, true/false or a list of them"),
    ("deals:\n  columns: {amount: 5}\n", ":2:21: deals.columns.amount: must be a valid string (got 5)"),
    ("deals:\n  columns:\n    amnt: Amount\n", ":3:5: deals.columns.amnt: unknown column 'amnt' of the deals table; "
                                                 "did you mean 'amount'? (its columns: deal_id, rep_id, close_date, amount,"),
    ("reps:\n  history_before: 2026-01-01\n", ":2:3: reps.history_before: unknown key 'history_before' "
                                             "(allowed: file, sheet, columns, filter, values)"),
    ("deals:\n  history_before: 2026-13-01\n", ": not valid YAML: month must be in 1..12 (write a date as YYYY-MM-DD)"),
    ("deals:\n  history_before: soon\n", ":2:19: deals.history_before: must be a date written YYYY-MM-DD (got 'soon')"),
    ("defaults:\n  rep: {role: AE}\n", ":2:3: defaults.rep: unknown table 'rep'; did you mean 'reps'?"),
    ("defaults:\n  reps: {rol: AE}\n", ":2:10: defaults.reps.rol: unknown column 'rol' of the reps table; did you mean 'role'?"),
    ("defaults:\n  reps: {role: [AE]}\n", ":2:16: defaults.reps.role: must be a text, a number or true/false"),
])
def test_bad_mapping_files(tmp_path: Path, text: str, expected: str):
    write(tmp_path, {"m.yaml": text})
    with pytest.raises(DataError) as caught:
        load_mapping(tmp_path / "m.yaml")
    assert str(caught.value).startswith(f"{tmp_path}/m.yaml{expected}")


def test_map_pairs_rename_columns():
    mapping = parse_map_pairs(["deals.amount=Amount", " deals.rep_id = OwnerId ", "reps.role=Sales_Role__c"])
    assert mapping.table("deals").columns == {"amount": "Amount", "rep_id": "OwnerId"}
    assert mapping.table("reps").columns == {"role": "Sales_Role__c"}
    assert mapping.source == "--map"


def test_bad_map_pairs_are_usage_errors():
    with pytest.raises(UsageError) as caught:
        parse_map_pairs(["deals.amount", "deal.amount=Amount", "deals.=X"])
    assert str(caught.value).splitlines() == [
        "--map: a column mapping is written TABLE.COLUMN=EXPORT_COLUMN, e.g. deals.amount=Amount (got 'deals.amount')",
        "--map: unknown table 'deal'; did you mean 'deals'? (tables: reps, quotas, deals, forecasts, mbo) "
        "(got 'deal.amount=Amount')",
        "--map: a column mapping is written TABLE.COLUMN=EXPORT_COLUMN, e.g. deals.amount=Amount (got 'deals.=X')",
    ]


def test_pairs_win_over_the_file(tmp_path: Path):
    write(tmp_path, {"m.yaml": "deals:\n  file: opps.csv\n  columns: {amount: Amount, rep_id: OwnerId}\n"})
    mapping = load_mapping(tmp_path / "m.yaml", ["deals.amount=Amount_Converted__c", "reps.role=Title"])
    assert mapping.table("deals").columns == {"amount": "Amount_Converted__c", "rep_id": "OwnerId"}
    assert mapping.table("deals").file == "opps.csv"
    assert mapping.table("reps").columns == {"role": "Title"}
    assert mapping.source == f"{tmp_path}/m.yaml with --map"


def test_no_mapping_is_none_and_a_mapping_is_itself():
    assert load_mapping(None) is None
    mapping = Mapping()
    assert load_mapping(mapping) is mapping
    assert merge(mapping, parse_map_pairs(["mbo.score=Score"])).table("mbo").columns == {"score": "Score"}


def test_pairs_alone_load_an_export_named_like_the_tables(tmp_path: Path):
    folder = write(tmp_path, {"reps.csv": "Id,Role\nU1,AE\n", "deals.csv": "Id,Owner,Close,Amt\nO1,U1,2027-01-02,5\n"})
    mapping = load_mapping(None, ["reps.rep_id=Id", "reps.role=Role", "deals.deal_id=Id", "deals.rep_id=Owner",
                                  "deals.close_date=Close", "deals.amount=Amt"])
    assert load_data(folder, mapping=mapping).deals[["deal_id", "rep_id", "amount"]].values.tolist() == [["O1", "U1", 5.0]]


MAPPING_YAML = """\
reps:
  file: users.csv
  columns: {rep_id: Id, name: Full Name, role: Sales_Role__c}
  values:
    role: {Account Executive: AE, Account Manager: AM}
deals:
  file: opps.csv
  columns:
    deal_id: Id
    rep_id: OwnerId
    amount: Amount__c
    close_date: CloseDate
  filter: {StageName: Closed Won}
"""


def test_errors_the_loader_finds_in_a_mapping_file_name_its_line(export: Path):
    write(export, {"m.yaml": MAPPING_YAML})
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=export / "m.yaml")
    assert str(caught.value) == (
        f"{export}/m.yaml:11:13: deals.columns.amount: column 'Amount__c' (mapped to amount) is not in "
        f"{export}/opps.csv; did you mean 'Amount'? (columns: Id, OwnerId, StageName, Amount, CloseDate, Type, Won)")


def test_a_map_pair_naming_a_column_the_export_lacks_names_the_pair(export: Path):
    write(export, {"m.yaml": MAPPING_YAML})
    mapping = load_mapping(export / "m.yaml", ["deals.amount=Amt"])
    with pytest.raises(DataError) as caught:
        load_data(export, mapping=mapping)
    assert str(caught.value) == (
        f"--map: column 'Amt' (mapped to amount) is not in {export}/opps.csv; did you mean 'Amount'? "
        "(columns: Id, OwnerId, StageName, Amount, CloseDate, Type, Won) (got 'deals.amount=Amt')")


def test_a_map_pair_for_a_column_comp_sim_does_not_have_is_refused():
    with pytest.raises(UsageError) as caught:
        parse_map_pairs(["deals.amnt=X"])
    assert str(caught.value) == (
        "--map: unknown column 'amnt' of the deals table; did you mean 'amount'? (its columns: deal_id, rep_id, "
        "close_date, amount, product, account_id, new_logo, discount, split, credit_type, currency) (got 'deals.amnt=X')")


def test_missing_required_columns_show_the_exports_header_and_the_columns_that_look_like_them(tmp_path: Path):
    folder = write(tmp_path, {"users.csv": USERS, "deals.csv": "Record ID,Deal owner,Close Date,Amount,Pipeline\n"
                                                                "1,U1,2027-01-05,100,Sales\n"})
    mapping = {"reps": MAPPING["reps"], "deals": {"columns": {"rep_id": "Deal owner"}}}
    with pytest.raises(DataError) as caught:
        load_data(folder, mapping=mapping)
    assert str(caught.value) == (
        f"{folder}/deals.csv:1: missing required column(s) deal_id, close_date, amount (the file has: Record ID, "
        "Deal owner, Close Date, Amount, Pipeline); map them in the mapping's deals.columns, e.g. "
        "{deal_id: Record ID, close_date: Close Date, amount: Amount}")


def test_a_default_sets_a_column_the_export_lacks_and_fills_blanks(tmp_path: Path):
    folder = write(tmp_path, {"users.csv": "Id,Name,TI\nU1,Ann,\nU2,Bob,65000\n"})
    mapping = {"reps": {"file": "users.csv", "columns": {"rep_id": "Id", "name": "Name", "target_incentive": "TI"}},
               "defaults": {"reps": {"role": "AE", "target_incentive": 80000}}}
    reps = load_data(folder, mapping=mapping).reps
    assert reps["role"].tolist() == ["AE", "AE"]
    assert reps["target_incentive"].tolist() == [80000.0, 65000.0]


def test_a_default_breaking_its_columns_rule_is_reported_at_its_line(tmp_path: Path):
    folder = write(tmp_path, {"users.csv": "Id\nU1\n",
                              "m.yaml": "reps:\n  file: users.csv\n  columns: {rep_id: Id}\n"
                                        "defaults:\n  reps:\n    role: AE\n    target_incentive: -5\n"
                                        "    hire_date: someday\n"})
    with pytest.raises(DataError) as caught:
        load_data(folder, mapping=folder / "m.yaml")
    assert str(caught.value).splitlines() == [
        f"{folder}/m.yaml:7:23: defaults.reps.target_incentive: must be 0 or more (got -5)",
        f"{folder}/m.yaml:8:16: defaults.reps.hire_date: must be a date written YYYY-MM-DD, from 1900 to 2200 "
        "(got 'someday')",
    ]


def test_a_filter_says_how_many_rows_it_kept(export: Path):
    data = load_data(export, mapping=MAPPING)
    assert f"{export}/opps.csv: the mapping's filter (StageName = 'Closed Won' or 'Closed - Won') kept 3 of 5 rows" \
        in data.warnings


def test_a_filter_value_no_row_has_names_the_closest_values_but_never_matches_them(export: Path):
    mapping = {**MAPPING, "deals": {**MAPPING["deals"], "filter": {"StageName": "closed won"}}}
    data = load_data(export, mapping=mapping)
    assert data.deals.empty  # case counts in a match
    assert list(data.warnings) == [
        f"{export}/opps.csv: the filter deals.filter.StageName value 'closed won' matches no row of column "
        "'StageName'; closest values there: 'Closed Won', 'Closed - Won', 'Closed Lost' (case and spaces count in a match)",
        f"{export}/opps.csv: the mapping's filter (StageName = 'closed won') kept 0 of 5 rows",
    ]


def test_history_before_keeps_old_deals_for_new_logos_only(tmp_path: Path):
    folder = write(tmp_path, {"reps.csv": "rep_id,role\nR1,AE\n",
                              "deals.csv": "deal_id,rep_id,close_date,amount,account_id\n"
                                           "D1,R1,2025-11-20,10,A1\nD2,R1,2026-02-03,20,A1\nD3,R1,2026-03-01,30,A2\n"})
    data = load_data(folder, mapping={"deals": {"history_before": "2026-01-01"}})
    # D1 only seeds A1's history: D2 is A1's second deal, so not a new logo; D3 opens A2
    assert data.deals[["deal_id", "new_logo"]].values.tolist() == [["D2", False], ["D3", True]]
    assert str(data.account_history) == "2025-11"
    assert data.warnings == (f"{folder}/deals.csv: 1 deal row(s) closed before 2026-01-01 only seed the account "
                             "history (history_before) and are not deals of the run",)
    assert load_data(folder).account_history == data.account_history
    flagged = write(tmp_path / "flagged", {"reps.csv": "rep_id,role\nR1,AE\n",
                                           "deals.csv": "deal_id,rep_id,close_date,amount,new_logo\nD1,R1,2026-02-03,20,no\n"})
    assert load_data(flagged).account_history is None  # every flag given: nothing derived


def test_an_export_without_a_mapping_is_told_how_to_get_one(tmp_path: Path):
    folder = write(tmp_path, {"owners.csv": "Name\nAnn\n", "all-deals.csv": "Record ID\n1\n"})
    with pytest.raises(DataError) as caught:
        load_data(folder)
    assert str(caught.value) == (
        f"{folder}: no reps table: it is required, as reps.csv, reps.parquet, reps.xlsx or a 'reps' sheet of a "
        "workbook (found: all-deals.csv, owners.csv); a CRM export's files load through a column mapping "
        "(--mapping FILE whose reps.file names the users file; examples/hubspot/mapping.yaml shows one, and the "
        "app's CRM export source drafts one)")
