"""The "CRM export" data source under AppTest: upload an export's files, map them in the page
(pre-filled by name), see every problem while editing, and run the pages on the export, with the
figures the API gives for the same mapping and quotas."""

from __future__ import annotations

import pytest
from apphelpers import ROOT, approx_money, money_value, table

from comp_sim import api
from comp_sim.api import load_mapping
from comp_sim.data.quotas import quotas_from_history

EXPORT = ROOT / "examples" / "hubspot"
GUESSED = {  # what the page pre-fills for the export's files, by their names and headers
    "reps": {"file": "owners.csv",
             "columns": {"rep_id": "Name", "team": "Team", "hire_date": "Start date", "end_date": "Leave date"}},
    "deals": {"file": "hubspot-crm-exports-all-deals-2026-12-31.csv",
              "columns": {"deal_id": "Record ID", "rep_id": "Deal owner", "close_date": "Close Date",
                          "amount": "Amount", "product": "Product Line", "account_id": "Associated Company",
                          "new_logo": "Deal Type"},
              "filter": {"Deal Stage": "Closed Won"},
              "values": {"new_logo": {"New Business": True, "Existing Business": False}}},
    "forecasts": {"file": "forecast-commits.csv", "columns": {"rep_id": "Owner", "period": "Quarter",
                                                              "forecast": "Commit"}},
}


def export_files(with_mapping: bool = False) -> list[tuple[str, bytes, str]]:
    files = [(p.name, p.read_bytes(), "text/csv") for p in sorted(EXPORT.glob("*.csv"))]
    if with_mapping:
        files.append(("mapping.yaml", (EXPORT / "mapping.yaml").read_bytes(), "application/yaml"))
    return files


def upload(app, files):
    app.sidebar.number_input(key="trials").set_value(1)
    app.sidebar.radio(key="data_source").set_value("CRM export").run()
    app.file_uploader(key="crm_upload").set_value(files).run()
    return app


def errors(app) -> str:
    return "\n".join(e.value for e in app.error)


def test_picking_the_source_asks_for_the_files_and_keeps_the_sample_meanwhile(app):
    app.sidebar.radio(key="data_source").set_value("CRM export").run()
    assert not app.exception
    assert "Upload the export's files" in app.info[0].value
    assert app.title[0].value == "Compare plans"


def test_the_page_guesses_the_mapping_and_says_what_is_missing(app):
    upload(app, export_files())
    state = app.session_state
    assert state["crm_deals_file"] == GUESSED["deals"]["file"] and state["crm_reps_file"] == "owners.csv"
    for column, export_column in GUESSED["deals"]["columns"].items():
        assert state[f"crm_deals_col_{column}"] == export_column
    assert state["crm_reps_col_rep_id"] == "Name"  # the reps column holding the deals' owners
    assert state["crm_deals_filter"] == "Deal Stage" and state["crm_deals_keep"] == ["Closed Won"]
    assert state["crm_deals_new"] == ["New Business"]
    assert "owners.csv:1: missing required column(s) role (the file has: Name, Email, Team, Start date, Leave date); " \
           "map them in the mapping's reps.columns, or give one role to everyone: defaults: {reps: {role: AE}}" \
           in errors(app)
    assert not app.exception


def test_one_default_later_the_pages_run_on_the_export_with_quotas_from_history(app):
    upload(app, export_files())
    app.text_input(key="crm_reps_default_role").set_value("AE").run()
    assert not app.exception and not app.error, errors(app)
    assert any(s.value.startswith("The export loads: 8 reps, 160 deals, 160 quota rows") for s in app.success)
    data = api.load_data(EXPORT, mapping={**GUESSED, "defaults": {"reps": {"role": "AE"}}})
    quotas = quotas_from_history(data, metrics=["bookings", "new_logos"], method="percentile")
    # every bundled plan, as the app picks them: the two for other roles cover nobody, and say so
    simulation = api.simulate(api.bundled_plan_paths(), api.with_quotas(data, quotas))
    expected = api.compare(simulation, "current-2026")
    shown = table(app, "Current plan 2026")
    for _, row in expected.plans.iterrows():
        assert money_value(shown.loc["Total payout (USD)", row["name"]]) == approx_money(row["total_payout"])
    assert any("hunter-2027 covers no rep of the data" in m.value for m in app.markdown)
    assert any(quotas.method_text() in m.value for m in app.markdown)


def test_a_mapping_uploaded_with_the_files_sets_every_choice(app, tmp_path):
    upload(app, export_files(with_mapping=True))
    state = app.session_state
    assert state["crm_deals_history"] == "2026-01-01"
    assert state["crm_reps_default_role"] == "AE" and state["crm_reps_default_target_incentive"] == "60000"
    assert not app.error, errors(app)
    assert any("48 deal row(s) closed before 2026-01-01 only seed the account history" in i.value for i in app.info)
    (tmp_path / "shown.yaml").write_text(_yaml(app))
    shown = load_mapping(tmp_path / "shown.yaml")
    example = load_mapping(EXPORT / "mapping.yaml")
    assert shown.model_dump() == example.model_dump()  # what the page downloads is the file it was given


def test_the_downloaded_mapping_reads_the_export_as_the_page_did(app, tmp_path):
    upload(app, export_files())
    app.text_input(key="crm_reps_default_role").set_value("AE").run()
    (tmp_path / "mapping.yaml").write_text(_yaml(app))
    data = api.load_data(EXPORT, mapping=tmp_path / "mapping.yaml")
    assert any(s.value.startswith(f"The export loads: {len(data.reps)} reps, {len(data.deals)} deals")
               for s in app.success)


def test_a_problem_shows_while_editing_and_goes_when_fixed(app):
    upload(app, export_files())
    app.text_input(key="crm_reps_default_role").set_value("AE").run()
    app.selectbox(key="crm_deals_col_amount").set_value("Deal Name").run()
    assert "hubspot-crm-exports-all-deals-2026-12-31.csv:2: Deal Name: must be a number " \
           "(got 'Wingtip Ltd - Platform')" in errors(app)
    app.selectbox(key="crm_deals_col_amount").set_value("Amount").run()
    assert not app.error, errors(app)


def test_a_filter_value_no_row_has_is_said_with_the_closest_values(app):
    upload(app, export_files())
    app.text_input(key="crm_reps_default_role").set_value("AE").run()
    app.text_area(key="crm_deals_more").set_value("filter: {Deal Stage: closed won}").run()
    said = [i.value for i in app.info]
    assert ("hubspot-crm-exports-all-deals-2026-12-31.csv: the filter deals.filter.Deal Stage value 'closed won' "
            "matches no row of column 'Deal Stage'; closest values there: 'Closed Won', 'Closed Lost' (case and "
            "spaces count in a match)") in said
    assert any("kept 0 of 219 rows" in text for text in said)


@pytest.mark.parametrize("text, message", [
    ("filter: [", "deals (more):1:10: not valid YAML"),
    ("- a list", "deals (more): write the keys of the table's mapping"),
])
def test_a_bad_yaml_box_is_an_error_in_the_page(app, text, message):
    upload(app, export_files())
    app.text_area(key="crm_deals_more").set_value(text).run()
    assert message in errors(app) and not app.exception


def _yaml(app) -> str:
    """The mapping the page shows as YAML (the text its download button hands over)."""
    found = [c.value for c in app.code if c.value.startswith("# How this export's files")]
    assert len(found) == 1
    return found[0]


def test_quotas_from_history_that_cannot_be_set_say_why(app):
    upload(app, export_files(with_mapping=True))
    app.selectbox(key="crm_qh_method").set_value("uniform").run()
    assert "amount: give an amount for role(s) AE (e.g. AE=100000 for bookings)" in errors(app)
    app.text_input(key="crm_qh_amounts").set_value("AE=600000, new_logos:AE=4").run()
    assert not app.error, errors(app)
    assert any(s.value.startswith("The export loads: 8 reps, 112 deals, 160 quota rows") for s in app.success)


def test_without_quotas_the_plans_data_error_shows_in_the_page(app):
    upload(app, export_files(with_mapping=True))
    app.checkbox(key="crm_qh_on").uncheck().run()
    assert not app.exception
    assert "The plans cannot run on CRM export:" in errors(app)
    line = next(i for i, text in enumerate((ROOT / "plans" / "balanced-2027.yaml").read_text().splitlines(), 1)
                if text.strip() == "metric: attainment")
    assert f"plans/balanced-2027.yaml:{line}:13: components[0].metric: 'attainment' is computed from the quotas " \
           "table, which the data (uploaded forecast-commits.csv, hubspot-crm-exports-all-deals-2026-12-31.csv, " \
           "owners.csv) does not have" in errors(app)


def test_a_workbook_export_maps_its_sheets(app, tmp_path):
    import pandas as pd

    salesforce = ROOT / "examples" / "salesforce"
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        pd.read_csv(salesforce / "users.csv", dtype=str).to_excel(writer, sheet_name="Users", index=False)
        pd.read_csv(salesforce / "opportunities.csv", dtype=str).to_excel(writer, sheet_name="Opportunities", index=False)
    upload(app, [("export.xlsx", book.read_bytes(), "application/vnd.ms-excel")])
    state = app.session_state
    assert state["crm_reps_file"] == "export.xlsx [Users]" and state["crm_deals_file"] == "export.xlsx [Opportunities]"
    assert state["crm_reps_col_role"] == "Sales_Role__c" and state["crm_deals_col_rep_id"] == "OwnerId"
    assert state["crm_deals_filter"] == "StageName" and state["crm_deals_keep"] == ["Closed Won"]
    assert any(s.value.startswith("The export loads: 4 reps, 22 deals") for s in app.success), errors(app)
