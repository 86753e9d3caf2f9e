"""Statements as JSON and printable HTML, and the exported tables read back to the cent.

Amounts are worked out by hand from tests/cli/conftest.py's small dataset.
"""

from __future__ import annotations

import json
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from cli_data import FORMULA_NAME, HAND_PLANS, PLANS, REPS, small_dataset

from comp_sim import api
from comp_sim.data.dataset import Dataset
from comp_sim.errors import UsageError
from comp_sim.output import FORMULA_STARTS, escape_frame
from comp_sim.report.export import WORKBOOK, write_results

CURRENT = str(HAND_PLANS / "current-2026.yaml")
BALANCED = str(HAND_PLANS / "balanced-2027.yaml")
CHROMIUM = Path("/usr/bin/chromium")


def test_statement_json_holds_every_line_and_the_hand_computed_total(dataset):
    # current-2026, R2: quarterly quota 75,000 (300,000 / 4), retroactive tiers.
    # Q1 60,000 -> 0.8 in band (0.5, 1.0] at rate 1.0 -> 0.8 x 15,000 = 12,000;
    # Q3 40,000 -> 0.5333 -> 8,000; Q2 and Q4 book nothing. Total 20,000.
    document = json.loads(api.explain(CURRENT, dataset, "R2").json())
    assert document["total"] == pytest.approx(20_000.0)
    assert document["by_component"] == {"revenue": pytest.approx(20_000.0)}
    assert [line["period"] for line in document["lines"]] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert [line["amount"] for line in document["lines"]] == pytest.approx([12_000.0, 0.0, 8_000.0, 0.0])
    first = document["lines"][0]
    assert first["value"] == pytest.approx(0.8) and first["fraction"] == pytest.approx(0.8)
    assert first["paid_before"] is None  # not cumulative: no true-up step
    assert document["header"]["name"] == FORMULA_NAME
    assert document["header"]["attainment"] == pytest.approx(100_000 / 300_000)


def test_statement_json_of_a_cumulative_plan_shows_the_true_up(dataset):
    # balanced-2027, R1: revenue YTD. Q1 attainment 120/75 = 1.6 -> 1 + 0.1/0.5 x 1 = 2.2 x 0.6
    # x 15,000 = 19,800, x mix 1.2 = 23,760. Q2 YTD 200/150 = 1.3333 -> 1.6667 x 0.6 x 30,000
    # x 1.2 = 36,000, pays 36,000 - 23,760 = 12,240. Q3 YTD 200/225 -> 27,000 earned < 36,000
    # paid: hold 0. Q4 YTD 350/300 -> 1.3333 x 0.6 x 60,000 x 1.2 = 57,600, pays 21,600.
    # New logos 3,000 in Q1 and Q4, forecast accuracy 0 every quarter, SPIFF 2 x 1,000.
    document = json.loads(api.explain(BALANCED, dataset, "R1").json())
    revenue = [line for line in document["lines"] if line["component"] == "revenue"]
    assert [line["payment"] for line in revenue] == pytest.approx([23_760.0, 12_240.0, 0.0, 21_600.0])
    assert [line["paid_before"] for line in revenue] == pytest.approx([0.0, 23_760.0, 36_000.0, 36_000.0])
    assert document["by_component"] == pytest.approx(
        {"revenue": 57_600.0, "new_logos": 6_000.0, "forecast": 0.0, "launch_spiff": 2_000.0})
    assert document["total"] == pytest.approx(65_600.0)


class _Page(HTMLParser):
    """Collects tags and text so tests can check structure without a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_html_statement_is_one_self_contained_printable_page(dataset):
    html = api.explain(BALANCED, dataset, "R1").html()
    page = _page(html)
    text = " ".join(page.text)
    assert "65,600.00" in text  # the rep's total
    assert "57,600.00" in text  # revenue by component
    assert "Ada Lovelace" in text and "Balanced growth 2027" in text and "116.7%" in text
    assert "60,000.00 USD" in text  # target incentive
    assert "@media print" in html and "@page" in html
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert page.tags.count("table") == 2
    # lines: 12 SPIFF months + 3 quarterly components x 4 quarters, less the 10 SPIFF months with
    # nothing to pay; plus a header row. Totals: a header, 4 components and the total.
    assert page.tags.count("tr") == (12 + 3 * 4 - 10 + 1) + (1 + 4 + 1)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed at /usr/bin/chromium "
                    "(make test installs it when run as root)")
def test_html_statement_prints_on_one_a4_page(tmp_path):
    # the longest statement of the bundled plans and sample: a hunter, with 12 monthly SPIFF lines
    # next to quarterly, year-to-date and annual components
    hunters = api.load_data().reps.query("role == 'Hunter'")["rep_id"]
    statement = api.explain(str(PLANS / "hunter-2027.yaml"), None, str(hunters.iloc[0]))
    assert len(statement.lines) >= 20
    page_file = tmp_path / "statement.html"
    page_file.write_text(statement.html())
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        pdf = page.pdf(format="A4")
        browser.close()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_html_statement_escapes_names_from_the_data():
    reps = REPS.assign(name=REPS["name"].where(REPS["rep_id"] != "R1", '<script>alert("x")</script> & Co'))
    dataset = small_dataset()
    dataset = Dataset.from_frames(reps, deals=dataset.deals, quotas=dataset.quotas, forecasts=dataset.forecasts)
    html = api.explain(CURRENT, dataset, "R1").html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html


def test_unknown_rep_names_the_plan_and_its_reps(dataset):
    with pytest.raises(UsageError, match=r"no rep 'NOPE' on plan balanced-2027 \(its reps: R1, R2, R3\)"):
        api.explain(BALANCED, dataset, "NOPE")


@pytest.fixture(scope="module")
def run():
    simulation = api.simulate([CURRENT, BALANCED], small_dataset())
    return simulation, api.compare(simulation)


def test_csv_export_reconciles_to_the_cent_and_escapes_formulas(run, tmp_path):
    simulation, comparison = run
    files = write_results(simulation, tmp_path / "out", fmt="csv", comparison=comparison)
    assert [f.name for f in files] == ["comparison.csv", "coverage.csv", "payouts.csv", "statements.csv",
                                       "summary.json", "winners_losers.csv"]
    payouts = pd.read_csv(tmp_path / "out" / "payouts.csv")
    statements = pd.read_csv(tmp_path / "out" / "statements.csv")
    # current-2026 pays 132,000 + 20,000 + 27,000 + 58,000; balanced-2027 65,600 + 12,040 + 8,320
    assert payouts.groupby("plan")["amount"].sum().round(2).to_dict() == {
        "current-2026": 237_000.00, "balanced-2027": 85_960.00}
    assert statements.groupby("plan")["payout"].sum().round(2).to_dict() == {
        "current-2026": 237_000.00, "balanced-2027": 85_960.00}
    assert statements.loc[statements["rep_id"] == "R2", "name"].tolist() == ["'" + FORMULA_NAME] * 2
    raw = (tmp_path / "out" / "winners_losers.csv").read_text()
    assert "'=HYPERLINK" in raw and ",=HYPERLINK" not in raw
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["plans"]["balanced-2027"]["total_payout"] == pytest.approx(85_960.0)


def test_parquet_export_keeps_the_api_tables_unchanged(run, tmp_path):
    simulation, comparison = run
    write_results(simulation, tmp_path / "out", fmt="parquet", comparison=comparison)
    statements = pd.read_parquet(tmp_path / "out" / "statements.parquet")
    pd.testing.assert_frame_equal(statements, simulation.statements, check_dtype=False)
    payouts = pd.read_parquet(tmp_path / "out" / "payouts.parquet")
    assert payouts["amount"].sum() == pytest.approx(simulation.payouts["amount"].sum(), abs=0.005)


def test_xlsx_workbook_has_the_finance_sheets_formats_and_totals(run, tmp_path):
    simulation, comparison = run
    write_results(simulation, tmp_path / "out", fmt="xlsx", comparison=comparison)
    book = openpyxl.load_workbook(tmp_path / "out" / WORKBOOK)
    assert book.sheetnames == ["Summary", "Comparison", "Winners and losers", "Statements current-2026",
                               "Statements balanced-2027", "Payouts", "About"]

    def column(sheet, name):
        header = [cell.value for cell in sheet[1]]
        return [row[header.index(name)] for row in sheet.iter_rows(min_row=2)]

    summary = book["Summary"]
    totals = column(summary, "total_payout")
    assert [cell.value for cell in totals] == pytest.approx([237_000.0, 85_960.0])
    assert {cell.number_format for cell in totals} == {'#,##0.00 "USD"'}
    assert {cell.number_format for cell in column(summary, "cost_of_sales")} == {"0.0%"}
    statements = book["Statements balanced-2027"]
    payout = column(statements, "payout")
    assert round(sum(cell.value for cell in payout), 2) == 85_960.00
    assert {cell.number_format for cell in column(statements, "attainment")} == {"0.0%"}
    assert [cell.value for cell in column(statements, "name")][1] == "'" + FORMULA_NAME
    assert all(cell.data_type == "s" for cell in column(statements, "name"))  # text, never a formula
    payouts = book["Payouts"]
    assert round(sum(cell.value for cell in column(payouts, "amount")), 2) == 237_000.00 + 85_960.00


def test_an_unknown_format_writes_nothing(run, tmp_path):
    simulation, _ = run
    with pytest.raises(UsageError, match=r"format: the format is one of csv, parquet, xlsx \(got 'pdf'\)"):
        write_results(simulation, tmp_path / "out", fmt="pdf")
    assert not (tmp_path / "out").exists()


def test_a_non_empty_folder_is_kept_unless_forced(run, tmp_path):
    simulation, _ = run
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(UsageError, match="the output folder is not empty"):
        write_results(simulation, out, fmt="csv")
    assert [f.name for f in out.iterdir()] == ["mine.txt"]
    write_results(simulation, out, fmt="csv", force=True)
    assert sorted(f.name for f in out.iterdir()) == ["payouts.csv", "statements.csv", "summary.json"]
    assert [f.name for f in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask  # readable like any folder the user makes


def test_xlsx_of_monte_carlo_trials_keeps_trial_0_in_payouts_and_says_so(tmp_path):
    simulation = api.simulate([BALANCED], synthetic=8, trials=3, seed=2)
    write_results(simulation, tmp_path / "out", fmt="xlsx")
    book = openpyxl.load_workbook(tmp_path / "out" / WORKBOOK)
    header = [cell.value for cell in book["Payouts"][1]]
    rows = list(book["Payouts"].iter_rows(min_row=2, values_only=True))
    assert {row[header.index("trial")] for row in rows} == {0}
    trial0 = simulation.payouts[simulation.payouts["trial"] == 0]
    assert len(rows) == len(trial0)
    assert round(sum(row[header.index("amount")] for row in rows), 2) == round(trial0["amount"].sum(), 2)
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["trials"] == "3" and "trial 0 of 3" in about["Payouts"]


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_escaped_text_never_starts_a_formula_and_keeps_its_content(texts):
    escaped = escape_frame(pd.DataFrame({"name": texts, "amount": range(len(texts))}))
    for before, after in zip(texts, escaped["name"]):
        assert not after.startswith(FORMULA_STARTS)
        assert after == ("'" + before if before.startswith(FORMULA_STARTS) else before)
    assert escaped["amount"].tolist() == list(range(len(texts)))
