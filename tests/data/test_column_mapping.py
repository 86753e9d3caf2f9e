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
        f"<mapping>: deals.columns.amount: column 'Amount__c' (mapped to amount) is not in {export}/opps.csv "
        "(columns: Id, OwnerId, StageName, Amount, CloseDate, Type, Won)"
    )


def test_a_filter_on_a_missing_column(export: Path):
    mapping = {**MAPPING, "deals": {**MAPPING["deals"], "filter": {"Stage": "Closed Won"}}}
    with pytest.raises(DataError, match=r"^<mapping>: deals.filter.Stage: the filter reads column 'Stage', "
                                        r"which is not in .*/opps.csv \(columns: Id, OwnerId,"):
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
        f"{tmp_path}/bad.yaml: deals.colums: unknown key 'colums'; did you mean 'columns'? "
        "(allowed: file, sheet, columns, filter, values)",
        f"{tmp_path}/bad.yaml: rep: unknown key 'rep'; did you mean 'reps'? (allowed: reps, quotas, deals, forecasts, mbo)",
    ]


@pytest.mark.parametrize("text, expected", [
    ("deals:\n  columns: {amount: [\n", ":3:1: not valid YAML: expected the node content, but found '<stream end>'"),
    ("deals: !!python/object:os.system {}\n", ":1:8: YAML tags are not allowed in mapping files: a mapping is plain data"),
    ("- deals\n", ":1: a mapping file is a YAML mapping of tables (reps, quotas, deals, forecasts, mbo)"),
    ("deals:\n  filter: {StageName: {a: 1}}\n", ": deals.filter.StageName: must be a text, a number, true/false or a list of them"),
    ("deals:\n  columns: {amount: 5}\n", ": deals.columns.amount: must be a valid string (got 5)"),
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
