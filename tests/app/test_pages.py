"""The four pages under AppTest: they render on the defaults, each widget changes what is shown,
and the numbers shown are the API's for the same inputs (the bundled programs and plans, the
bundled sample). What is particular to programs is in test_program_pages.py."""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim import api
from comp_sim.app.inputs import DEFAULT_TRIALS
from comp_sim.data.dataset import Dataset
from comp_sim.errors import DataError
from comp_sim.api import elasticity, sensitivity
from comp_sim.plan.loader import load_plan
from comp_sim.report.lines import quiet_lines
from comp_sim.synth import synthesize

from apphelpers import (PAGES, approx_money, assert_clean, chart_data, fresh_app, metric, money_value, open_page,
                        table)

PROGRAMS = [str(path) for path in api.bundled_program_paths()]  # what the app opens on
BASELINE = "current"  # today's one plan for everyone: the earliest plan year, the default baseline
PROPOSAL = "proposed-2027"
MONTE_CARLO = 60  # trials for the tests of what only Monte-Carlo trials show (spread, seeds)


@pytest.fixture(scope="module")
def simulation() -> api.Simulation:
    """What the app runs on its defaults (the bundled programs, the data as it happened), run
    through the API."""
    return api.simulate(PROGRAMS, trials=DEFAULT_TRIALS, seed=0, detail_trials=1)


@pytest.fixture(scope="module")
def history() -> api.Simulation:
    return api.simulate(PROGRAMS)


@pytest.fixture(scope="module")
def monte_carlo() -> api.Simulation:
    return api.simulate(PROGRAMS, trials=MONTE_CARLO, seed=0, detail_trials=1)


def with_trials(app, trials: int = MONTE_CARLO):
    app.sidebar.number_input(key="trials").set_value(trials).run()
    assert_clean(app)
    return app


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_on_the_defaults(app, name):
    open_page(app, name)
    assert_clean(app)
    assert app.title[0].value == name


def test_the_summary_table_shows_the_api_comparison(app, simulation):
    expected = api.compare(simulation, BASELINE).plans.set_index("name")
    shown = table(app, *expected.index)
    assert list(shown.columns) == list(expected.index)
    for name, row in expected.iterrows():
        assert money_value(shown.loc["Total payout (USD)", name]) == approx_money(row["total_payout"])
        cost_of_sales = row["cost_of_sales"]  # none for a plan paying on nobody's bookings
        assert shown.loc["Cost of sales (payout / bookings)", name] == (
            "n/a" if pd.isna(cost_of_sales) else f"{cost_of_sales:.1%}")
        assert shown.loc["Reps covered", name] == str(row["reps"])
        assert shown.loc["Plans", name] == str(row["plans"])
    assert shown.loc["Change vs baseline, same reps (USD)", "Current plan 2026"] == "$0"
    proposal = expected.loc["Proposed role plans 2027"]
    assert shown.loc["Winners / losers vs baseline", "Proposed role plans 2027"] == (
        f"{proposal['winners']} / {proposal['losers']}")
    change = shown.loc["Change vs baseline, same reps (USD)", "Proposed role plans 2027"]
    assert money_value(change.lstrip("+")) == approx_money(proposal["delta_vs_baseline"])
    assert change.endswith(f"over {proposal['common_reps']} reps")
    assert shown.loc["Reps only one of them covers", "Proposed role plans 2027"] == "none"


def test_picking_another_baseline_compares_against_it(app, simulation):
    app.sidebar.selectbox(key="baseline").set_value(PROPOSAL).run()
    assert_clean(app)
    assert any(s.value == "Winners and losers against Proposed role plans 2027" for s in app.subheader)
    expected = api.compare(simulation, PROPOSAL).reps
    shown = table(app, "delta", "outcome")
    plan = app.selectbox(key="winners_plan").value
    assert plan == BASELINE
    mine = expected[expected["plan"] == plan].reset_index(drop=True)
    assert shown["rep_id"].tolist() == mine["rep_id"].tolist()
    assert shown["delta"].tolist() == pytest.approx(mine["delta"].tolist())
    assert metric(app, "Losers") == str(int((mine["outcome"] == "loser").sum()))


def test_the_winners_table_follows_the_proposal_picked(app):
    app.sidebar.multiselect(key="plans").select("hunter-2027").run()
    assert app.selectbox(key="winners_plan").value == PROPOSAL  # the proposal sharing the most reps
    app.selectbox(key="winners_plan").set_value("hunter-2027").run()
    assert_clean(app)
    shown = table(app, "delta", "outcome")
    expected = api.compare(api.simulate([*PROGRAMS, api.PLANS_DIR / "hunter-2027.yaml"]), BASELINE).reps
    hunters = expected[expected["plan"] == "hunter-2027"]
    assert set(shown["rep_id"]) == set(hunters["rep_id"]) and len(hunters) > 0
    assert set(shown["paid_by"]) == {"Hunter 2027"} and set(shown["baseline_plan"]) == {"Current plan 2026"}


def test_cost_page_shows_the_api_cost_and_percentiles(app, monte_carlo):
    open_page(with_trials(app), "Cost and risk")
    summaries = monte_carlo.summary_dict()["programs"]
    shown = [money_value(m.value) for m in app.metric if m.label == "Total cost (mean)"]
    assert shown == [approx_money(summaries[unit]["total_payout"]) for unit in (BASELINE, PROPOSAL)]
    percentiles = table(app, "p5", "p99")
    expected = [summaries[unit]["cost_distribution"]["p90"] for unit in (BASELINE, PROPOSAL)]
    assert percentiles["p90"].tolist() == pytest.approx(expected)


def test_cost_page_breaks_a_program_down_by_plan(app, simulation):
    open_page(app, "Cost and risk")
    summary = simulation.summary_dict()["programs"][PROPOSAL]
    shown = table(app, "plan", "reps", "cost", "share")  # today's program has one plan: no table of it
    names = {p.id: p.plan for p in simulation.plans}
    assert dict(zip(shown["plan"], shown["cost"])) == pytest.approx(
        {names[plan_id]: cost for plan_id, cost in summary["by_plan"].items()})
    assert shown["reps"].sum() == summary["reps"] == 80
    assert shown["share"].sum() == pytest.approx(1.0, abs=0.003)  # each rounded to 0.1%


def test_one_trial_offers_to_draw_monte_carlo_trials(app):
    open_page(app, "Cost and risk")
    assert any("no spread to show" in i.value for i in app.info)
    app.button(key="draw_trials").click().run()
    assert_clean(app)
    assert app.sidebar.number_input(key="trials").value == 500
    assert len(table(app, "p5", "p99")) == 2


def test_the_same_seed_gives_the_same_numbers_and_a_new_seed_new_ones(app):
    open_page(with_trials(app), "Cost and risk")
    first = table(app, "p5", "p99")
    again = table(open_page(with_trials(fresh_app()), "Cost and risk"), "p5", "p99")
    pd.testing.assert_frame_equal(first, again)
    app.sidebar.number_input(key="seed").set_value(1).run()
    assert_clean(app)
    other = table(app, "p5", "p99")
    assert (other["p50"] != first["p50"]).all()


def test_sensitivity_shows_the_insight_figures(app):
    open_page(app, "Cost and risk")
    slopes = table(app, "cost_elasticity")
    expected = sensitivity(PROGRAMS, shifts=(-0.2, -0.1, 0.0, 0.1, 0.2))
    base = expected[expected["shift"] == 0.0].set_index("plan")["cost"]
    names = {BASELINE: "Current plan 2026", PROPOSAL: "Proposed role plans 2027"}
    assert slopes.set_index("name")["base_cost"].to_dict() == pytest.approx(
        {names[unit]: cost for unit, cost in base.items()})


def test_picking_a_rep_shows_their_statement(app, history):
    open_page(app, "My earnings")
    rep = app.selectbox(key="rep").options[3].split(" · ")[0]
    assert rep != app.selectbox(key="rep").value
    app.selectbox(key="rep").set_value(rep).run()
    assert_clean(app)
    app.selectbox(key="statement_plan").set_value(PROPOSAL).run()
    explained = api.explain(api.load_program(PROGRAMS[1]), rep_id=rep, simulation=history)
    assert money_value(metric(app, "Total paid")) == approx_money(explained.total)
    assert app.code[0].value == explained.text().rstrip("\n")
    shown = table(app, "curve_fraction")
    lines = explained.lines[~quiet_lines(explained.lines)]  # the statement's own rule for what it shows
    assert [money_value(v) for v in shown["amount"]] == [approx_money(v) for v in lines["amount"]]


def test_a_rep_sees_what_each_program_pays_them_and_by_which_plan(app, history):
    open_page(app, "My earnings")
    rep = app.selectbox(key="rep").value
    names = {p.id: p.plan for p in history.plans}
    for unit, label in ((BASELINE, "Current plan 2026"), (PROPOSAL, "Proposed role plans 2027")):
        paid_by = history.unit(unit).reps.set_index("rep_id").loc[rep, "plan"]
        payout = history.statements.set_index(["plan", "rep_id"]).loc[(paid_by, rep), "payout"]
        shown = label if names[paid_by] == label else f"{label} · {names[paid_by]}"
        assert money_value(metric(app, shown)) == approx_money(payout)


def test_the_what_if_amount_reruns_the_plans_with_the_extra_deal(app, history):
    open_page(app, "My earnings")
    rep = app.selectbox(key="rep").value
    app.number_input(key="whatif_amount").set_value(120_000.0).run()
    assert_clean(app)
    month = app.selectbox(key="whatif_month").value
    product = app.selectbox(key="whatif_product").value
    data = api.load_data()
    deal = pd.DataFrame([{"deal_id": "X", "rep_id": rep, "close_date": f"{month}-15", "amount": 120_000.0,
                          "product": product, "account_id": "NEW", "new_logo": True}])
    extra = Dataset.from_frames(data.reps, deals=pd.concat([data.deals, deal], ignore_index=True),
                                quotas=data.quotas, forecasts=data.forecasts, mbo=data.mbo)
    after = api.simulate(PROGRAMS, extra)
    shown = [m for m in app.metric if m.label.endswith(" with the deal")]
    assert len(shown) == 2
    for metric_shown, unit in zip(shown, (BASELINE, PROPOSAL)):
        paid_by = history.unit(unit).reps.set_index("rep_id").loc[rep, "plan"]
        new = after.statements.set_index(["plan", "rep_id"]).loc[(paid_by, rep), "payout"]
        old = history.statements.set_index(["plan", "rep_id"]).loc[(paid_by, rep), "payout"]
        assert money_value(metric_shown.value) == approx_money(new)
        assert money_value(metric_shown.delta) == approx_money(new - old)


def test_a_plan_edit_with_an_error_shows_the_error_and_its_line(app):
    open_page(app, "Plan designer")
    text = app.text_area(key="designer_yaml").value
    lines = text.splitlines()
    weight_line = next(i for i, line in enumerate(lines) if line.strip().startswith("weight:"))
    lines[weight_line] = lines[weight_line].split("weight:")[0] + "weight: lots"
    app.text_area(key="designer_yaml").set_value("\n".join(lines)).run()
    assert not app.exception
    assert len(app.error) == 1
    assert f"edited-plan.yaml:{weight_line + 1}:" in app.error[0].value
    assert "weight" in app.error[0].value
    assert app.code[0].value == f"{weight_line + 1:>4} | {lines[weight_line]}"  # the line itself, quoted


def test_editing_the_plan_reruns_the_comparison_against_the_baseline(app):
    open_page(app, "Plan designer")
    assert app.selectbox(key="designer_start").value == "balanced-2027"  # the proposal's first plan
    before = metric(app, "Draft cost (mean)")
    text = app.text_area(key="designer_yaml").value
    edited = text.replace("cap: {multiple_of_ti: 3.0}", "cap: {multiple_of_ti: 1.0}")
    assert edited != text
    app.text_area(key="designer_yaml").set_value(edited).run()
    assert_clean(app)
    after = metric(app, "Draft cost (mean)")
    assert money_value(after) < money_value(before)
    sim = api.simulate([PROGRAMS[0], api.load_plan(edited)], trials=DEFAULT_TRIALS, seed=0, detail_trials=1)
    assert money_value(after) == approx_money(sim.result("balanced-2027").total_cost.mean())
    same_reps = api.compare(sim, BASELINE).reps  # the AEs the draft covers, not the whole team
    assert money_value(metric(app, "Baseline, same reps")) == approx_money(same_reps["baseline_payout"].sum())
    assert metric(app, "Losers") == str(int((same_reps["outcome"] == "loser").sum()))


def test_picking_another_starting_plan_loads_its_text(app):
    open_page(app, "Plan designer")
    app.selectbox(key="designer_start").set_value("hunter-2027").run()
    assert_clean(app)
    assert app.text_area(key="designer_yaml").value == (api.PLANS_DIR / "hunter-2027.yaml").read_text()


def test_a_bad_plan_upload_shows_its_errors_and_keeps_the_plans(app):
    picked = list(app.sidebar.multiselect(key="plans").value)
    bad = b"plan: Broken\nid: broken\nstart: 2027-01\ncomponents:\n  - {id: revenue, weight: 2.0}\n"
    app.sidebar.file_uploader(key="plan_upload").set_value(("broken.yaml", bad, "application/yaml")).run()
    assert not app.exception
    assert "broken.yaml is not a valid plan; the current plans are kept" in app.error[0].value
    assert "broken.yaml:5" in app.error[0].value
    assert list(app.sidebar.multiselect(key="plans").value) == picked
    assert table(app, "Current plan 2026").shape[1] == len(picked)


def test_a_good_plan_upload_can_be_compared(app):
    text = (api.PLANS_DIR / "balanced-2027.yaml").read_text().replace("id: balanced-2027", "id: balanced-b")
    app.sidebar.file_uploader(key="plan_upload").set_value(("b.yaml", text.encode(), "application/yaml")).run()
    assert "Balanced growth 2027 (b.yaml) · plan" in app.sidebar.multiselect(key="plans").options
    assert "balanced-b" in app.sidebar.multiselect(key="plans").value  # picked at once
    assert_clean(app)
    assert list(table(app, "Current plan 2026").columns) == [
        "Current plan 2026", "Proposed role plans 2027", "Balanced growth 2027 (b.yaml)"]


def test_a_bad_data_upload_shows_the_loader_errors(app, tmp_path):
    app.sidebar.radio(key="data_source").set_value("Uploaded files").run()
    reps = b"rep_id,role\nR1,AE\n"
    deals = b"deal_id,rep_id,close_date,amount\nD1,R1,2027-01-10,abc\n"
    app.sidebar.file_uploader(key="data_upload").set_value(
        [("reps.csv", reps, "text/csv"), ("deals.csv", deals, "text/csv")]).run()
    assert not app.exception
    (tmp_path / "reps.csv").write_bytes(reps)
    (tmp_path / "deals.csv").write_bytes(deals)
    with pytest.raises(DataError) as cli_error:
        api.load_data(tmp_path)
    message = app.error[0].value
    assert "The data could not be loaded" in message
    for issue in cli_error.value.issues:
        assert str(issue).replace(str(tmp_path) + "/", "") in message
    assert app.title[0].value == "Compare plans"  # the page still renders, on the bundled sample


def test_a_bad_upload_counts_every_error_after_the_first_50(app):
    app.sidebar.radio(key="data_source").set_value("Uploaded files").run()
    rows = "".join(f"D{i},R1,2027-01-10,n/a\n" for i in range(120))
    app.sidebar.file_uploader(key="data_upload").set_value(
        [("reps.csv", b"rep_id,role\nR1,AE\n", "text/csv"),
         ("deals.csv", ("deal_id,rep_id,close_date,amount\n" + rows).encode(), "text/csv")]).run()
    message = app.error[0].value
    assert message.count("deals.csv:") == 50
    assert message.endswith("... and 70 more data error(s)")


def test_a_missing_data_folder_says_so(app):
    app.sidebar.radio(key="data_source").set_value("Folder").run()
    app.sidebar.text_input(key="data_folder").set_value("no/such/folder").run()
    assert not app.exception
    assert "no such folder" in app.error[0].value


def test_plan_warnings_are_the_lint_of_each_plan_on_this_data(app, history):
    titles = [e.label for e in app.expander if "warning(s)" in e.label]
    assert len(titles) == len(history.plans) == 6  # today's plan, and the five of the proposal
    for path in api.bundled_plan_paths():
        warnings = api.lint(load_plan(path.read_text(), name=f"plans/{path.name}"), population=history)
        high = sum(w.severity == "high" for w in warnings)
        title = f"{api.load_plan(path).plan}: {len(warnings)} warning(s)" + (f", {high} high" if high else "")
        assert title in titles
    assert any("*Fix:*" in m.value for m in app.markdown)


def test_synthetic_data_runs_the_plans_on_a_synthetic_team(app):
    app.sidebar.radio(key="data_source").set_value("Synthetic").run()
    app.sidebar.number_input(key="synth_reps").set_value(30)
    app.sidebar.number_input(key="trials").set_value(40).run()
    assert_clean(app)
    assert "synthetic: 30 reps, seed 0" in app.caption[0].value
    expected = api.compare(api.simulate(PROGRAMS, synthesize(reps=30, seed=0), trials=40, seed=0),
                           BASELINE).plans.set_index("name")
    shown = table(app, *expected.index)
    for name, row in expected.iterrows():
        assert money_value(shown.loc["Total payout (USD)", name]) == approx_money(row["total_payout"])


def test_cash_timing_by_quarter_sums_the_months_of_each_program(app, simulation):
    open_page(app, "Cost and risk")
    months = chart_data(app, "period")[0]
    assert months["period"].nunique() == 12
    app.radio(key="timing_grain").set_value("Quarter").run()
    quarters = chart_data(app, "period")[0]
    assert sorted(quarters["period"].unique()) == ["Q1", "Q2", "Q3", "Q4"]
    names = {BASELINE: "Current plan 2026", PROPOSAL: "Proposed role plans 2027"}
    for unit, summary in simulation.summary_dict()["programs"].items():
        paid = list(summary["by_month"].values())
        mine = quarters[quarters["plan_name"] == names[unit]]
        assert mine["amount"].tolist() == pytest.approx([sum(paid[q * 3:q * 3 + 3]) for q in range(4)])


def test_the_cost_histogram_is_the_picked_programs_cost_over_trials(app, monte_carlo):
    open_page(with_trials(app), "Cost and risk")
    app.selectbox(key="cost_plan").set_value(BASELINE).run()
    frames = chart_data(app, "cost")
    trials = next(f for f in frames if len(f) == MONTE_CARLO)
    assert sorted(trials["cost"]) == pytest.approx(sorted(monte_carlo.unit(BASELINE).total_cost))
    rules = next(f for f in frames if "label" in f)
    expected = monte_carlo.summary_dict()["programs"][BASELINE]["cost_distribution"]
    assert dict(zip(rules["label"], rules["cost"])) == pytest.approx(
        {"P50": expected["p50"], "P90": expected["p90"], "P99": expected["p99"]})


def test_the_sensitivity_dimension_picked_is_the_one_shown(app):
    open_page(app, "Cost and risk")
    app.radio(key="sensitivity_dimension").set_value("new_logos").run()
    assert_clean(app)
    slopes = table(app, "cost_elasticity")
    expected = elasticity(sensitivity(PROGRAMS, shifts=(-0.2, -0.1, 0.0, 0.1, 0.2), dimension="new_logos"))
    assert slopes["cost_per_pct"].tolist() == pytest.approx(expected["cost_per_pct"].tolist())


def test_the_designer_warns_about_the_edited_plan_as_lint_does(app):
    open_page(app, "Plan designer")
    before = next(e.label for e in app.expander if e.label.startswith("Warnings"))
    text = app.text_area(key="designer_yaml").value
    edited = text.replace("cap: {multiple_of_ti: 3.0}\n", "").replace("      cap: 3.0\n", "")
    assert edited != text
    app.text_area(key="designer_yaml").set_value(edited).run()
    assert_clean(app)
    replay = api.simulate([api.load_plan(edited)])
    warnings = api.lint(load_plan(edited, name="edited-plan.yaml"), population=replay)
    assert any(w.id == "uncapped" for w in warnings)  # no cap left on the revenue curve nor the plan
    high = sum(w.severity == "high" for w in warnings)
    after = f"Warnings: {len(warnings)}" + (f", {high} high" if high else "")
    assert after != before
    assert any(e.label == after for e in app.expander)


IDLE_REPS = b"rep_id,role,team\nA,AE,T\nB,AE,T\nC,AE,T\n"  # C has a quota and no deal
IDLE_DEALS = ("deal_id,rep_id,close_date,amount\n"
              + "".join(f"D{m},{'A' if m % 2 else 'B'},2026-{m:02d}-10,20000\n" for m in range(1, 13))).encode()
IDLE_QUOTAS = b"rep_id,period,target\nA,2026,120000\nB,2026,120000\nC,2026,120000\n"
IDLE_FORECASTS = ("rep_id,period,forecast\n" + "".join(f"{r},2026-Q{q},60000\n" for r in "AB" for q in range(1, 5))).encode()


def test_trials_ask_what_reps_without_deals_book_and_run_as_the_api_does(app, tmp_path):
    app.sidebar.radio(key="data_source").set_value("Uploaded files").run()
    files = [("reps.csv", IDLE_REPS), ("deals.csv", IDLE_DEALS), ("quotas.csv", IDLE_QUOTAS),
             ("forecasts.csv", IDLE_FORECASTS)]
    app.sidebar.file_uploader(key="data_upload").set_value([(n, c, "text/csv") for n, c in files]).run()
    assert not [r for r in app.sidebar.radio if r.key == "idle_reps"]  # the data as it happened: no trials
    app.sidebar.number_input(key="trials").set_value(40).run()
    assert app.sidebar.radio(key="idle_reps").value == "inactive"
    for name, content in files:
        (tmp_path / name).write_bytes(content)
    data = api.load_data(tmp_path)
    costs = {}
    for idle in ("inactive", "team"):
        app.sidebar.radio(key="idle_reps").set_value(idle).run()
        assert_clean(app)
        expected = api.compare(api.simulate(PROGRAMS, data, trials=40, seed=0, idle_reps=idle),
                               BASELINE).plans.set_index("name")
        shown = table(app, *expected.index)
        for name, row in expected.iterrows():
            assert money_value(shown.loc["Total payout (USD)", name]) == approx_money(row["total_payout"])
        costs[idle] = expected["total_payout"].iloc[0]
    assert costs["team"] > costs["inactive"]  # C books at the team's level, and is paid for it
