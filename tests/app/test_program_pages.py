"""Programs in the app under AppTest: it opens on today's plan for everyone against the plan per
role, offers programs beside plans, finds an uploaded program's plans by file name (or says
which it cannot find), shows who wins and why as ``api.who_wins`` has it, and makes the
designer's draft cost-neutral with ``api.calibrate``."""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim import api

from apphelpers import approx_money, assert_clean, chart_data, metric, money_value, open_page, table

PROGRAMS = [str(path) for path in api.bundled_program_paths()]
BASELINE, PROPOSAL = "current", "proposed-2027"
TEAM = "program: Team 2027\nid: team\nplans:\n  - b.yaml\n  - ../plans/hunter-2027.yaml\n"


@pytest.fixture(scope="module")
def story() -> tuple[api.Simulation, api.Comparison]:
    """The bundled programs on the bundled sample as it happened, through the API."""
    sim = api.simulate(PROGRAMS, api.load_data())
    return sim, api.compare(sim, BASELINE)


def test_the_app_opens_on_todays_plan_against_the_plan_per_role(app, story):
    _, comparison = story
    assert app.sidebar.multiselect(key="plans").value == [BASELINE, PROPOSAL]
    assert app.sidebar.selectbox(key="baseline").value == BASELINE
    assert app.selectbox(key="winners_plan").value == PROPOSAL
    proposal = comparison.plans.set_index("plan").loc[PROPOSAL]
    assert (proposal["winners"], proposal["losers"]) == (48, 31)  # the story README tells
    assert metric(app, "Winners") == str(proposal["winners"])
    assert metric(app, "Losers") == str(proposal["losers"])
    shown = table(app, "Current plan 2026", "Proposed role plans 2027")
    assert shown.loc["Winners / losers vs baseline", "Proposed role plans 2027"] == "48 / 31"
    assert shown.loc["Change vs baseline, same reps (USD)", "Proposed role plans 2027"].startswith("+$40,620 (+0.9%)")


def test_the_picker_offers_the_bundled_programs_beside_the_bundled_plans(app):
    options = app.sidebar.multiselect(key="plans").options
    assert options[:2] == ["Current plan 2026 · program of 1 plan", "Proposed role plans 2027 · program of 5 plans"]
    assert {f"{api.load_plan(p).plan} · plan" for p in api.bundled_plan_paths()} <= set(options)


def test_a_plan_for_some_roles_is_compared_over_the_reps_it_covers(app, story):
    app.sidebar.multiselect(key="plans").set_value([BASELINE, "balanced-2027"]).run()
    assert_clean(app)
    sim = api.simulate([PROGRAMS[0], api.PLANS_DIR / "balanced-2027.yaml"])
    expected = api.compare(sim, BASELINE)
    row = expected.plans.set_index("plan").loc["balanced-2027"]
    shown = table(app, "Current plan 2026", "Balanced growth 2027")
    assert shown.loc["Reps covered", "Balanced growth 2027"] == "40"
    assert shown.loc["Reps only one of them covers", "Balanced growth 2027"] == "40 only in the baseline"
    change = shown.loc["Change vs baseline, same reps (USD)", "Balanced growth 2027"]
    assert money_value(change.lstrip("+")) == approx_money(row["delta_vs_baseline"])
    assert change.endswith("over 40 reps")
    only = table(app, "covered_by")  # the reps in no "vs baseline" figure, listed
    assert sorted(only["rep_id"]) == sorted(expected.coverage["rep_id"])
    assert set(only["covered_by"]) == {"Current plan 2026"}


def test_winners_and_losers_cover_the_whole_team_with_the_plan_paying_each(app, story):
    _, comparison = story
    shown = table(app, "delta", "paid_by")
    expected = comparison.reps[comparison.reps["plan"] == PROPOSAL]
    names = {p.id: p.plan for p in api.load_program(PROGRAMS[1]).plans}
    assert len(shown) == 80
    assert shown["rep_id"].tolist() == expected["rep_id"].tolist()
    assert shown["paid_by"].tolist() == expected["paid_by"].map(names).tolist()
    assert shown["delta"].tolist() == pytest.approx(expected["delta"].tolist())


def test_who_wins_and_why_is_the_api_table_and_its_chart(app, story):
    sim, _ = story
    expected = api.who_wins(sim, baseline=BASELINE, proposal=PROPOSAL)
    shown = table(app, "winners_reps", "rewarded")
    assert shown["label"].tolist() == expected["label"].tolist()
    assert shown["winners"].tolist() == pytest.approx(expected["winners"].round(3).tolist())  # shown to 0.1%
    assert shown["losers"].tolist() == pytest.approx(expected["losers"].round(3).tolist())
    assert shown["rewarded"].tolist() == expected["rewarded"].tolist() == [True] * 4
    bars = chart_data(app, "mean")[0]
    for _, row in expected.iterrows():
        mine = bars[bars["behaviour_label"].str.startswith(row["label"])].set_index("group")["mean"]
        assert mine.to_dict() == pytest.approx({"Winners": row["winners"], "Losers": row["losers"]})
    assert bars["behaviour_label"].str.endswith("(less is rewarded)").sum() == 2  # the discount's two bars
    assert any("on **4 of 4** behaviours" in m.value for m in app.markdown)


def test_an_uploaded_program_finds_its_plans_by_file_name(app, tmp_path):
    balanced = (api.PLANS_DIR / "balanced-2027.yaml").read_text().replace("id: balanced-2027", "id: balanced-b")
    app.sidebar.file_uploader(key="plan_upload").set_value(
        [("team.yaml", TEAM.encode(), "application/yaml"), ("b.yaml", balanced.encode(), "application/yaml")]).run()
    assert_clean(app)
    assert "Team 2027 (team.yaml) · program of 2 plans" in app.sidebar.multiselect(key="plans").options
    assert app.sidebar.multiselect(key="plans").value == [BASELINE, PROPOSAL, "balanced-b", "team"]
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "team.yaml").write_text(TEAM.replace("b.yaml", "../plans/b.yaml", 1))
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "b.yaml").write_text(balanced)
    (tmp_path / "plans" / "hunter-2027.yaml").write_text((api.PLANS_DIR / "hunter-2027.yaml").read_text())
    expected = api.compare(api.simulate([*PROGRAMS, tmp_path / "programs" / "team.yaml"]), BASELINE)
    row = expected.plans.set_index("plan").loc["team"]
    shown = table(app, "Team 2027 (team.yaml)")
    assert money_value(shown.loc["Total payout (USD)", "Team 2027 (team.yaml)"]) == approx_money(row["total_payout"])
    assert shown.loc["Winners / losers vs baseline", "Team 2027 (team.yaml)"] == f"{row['winners']} / {row['losers']}"


def test_a_program_naming_a_plan_not_at_hand_shows_its_error_in_the_page(app):
    missing = TEAM.replace("b.yaml", "missing-2027.yaml")
    app.sidebar.file_uploader(key="plan_upload").set_value(("team.yaml", missing.encode(), "application/yaml")).run()
    assert not app.exception
    message = app.error[0].value
    assert "team.yaml is not a valid program; the current plans are kept" in message
    assert "team.yaml:4:5: plans[0]: no plan file named 'missing-2027.yaml'" in message
    assert app.sidebar.multiselect(key="plans").value == [BASELINE, PROPOSAL]
    assert app.title[0].value == "Compare plans" and len(app.metric) == 3  # the page still shows the comparison


def test_a_program_naming_a_file_elsewhere_on_the_machine_is_refused_without_reading_it(app):
    elsewhere = TEAM.replace("b.yaml", "/etc/hostname")
    app.sidebar.file_uploader(key="plan_upload").set_value(("team.yaml", elsewhere.encode(), "application/yaml")).run()
    assert not app.exception
    assert "team.yaml:4:5: plans[0]: a program names its plans by file name or by a path relative to it " \
           "(got '/etc/hostname')" in app.error[0].value


def test_a_program_path_climbing_without_bound_is_refused(app):
    climbing = TEAM.replace("b.yaml", "../" * 40 + "b.yaml")
    app.sidebar.file_uploader(key="plan_upload").set_value(("team.yaml", climbing.encode(), "application/yaml")).run()
    assert not app.exception
    assert "team.yaml:4:5: plans[0]: a plan's path in a program is at most 1,024 characters and 32 folders" \
        in app.error[0].value


def test_a_program_giving_one_role_two_plans_shows_its_error_in_the_page(app):
    both = TEAM.replace("b.yaml", "current-2026.yaml")
    app.sidebar.file_uploader(key="plan_upload").set_value(("team.yaml", both.encode(), "application/yaml")).run()
    assert not app.exception
    message = app.error[0].value
    assert "team.yaml:5:5: plans[1]: role 'Hunter' is listed by two plans of the program: current-2026 " \
           "(plans/current-2026.yaml) and hunter-2027 (plans/hunter-2027.yaml)" in message


def designer_cost(text: str) -> tuple[float, float, api.Comparison]:
    """The draft's cost and the baseline's for the same reps, by a fresh run of the text."""
    comparison = api.compare(api.simulate([PROGRAMS[0], api.load_plan(text)]), BASELINE)
    return float(comparison.plans.iloc[1]["total_payout"]), float(comparison.reps["baseline_payout"].sum()), comparison


@pytest.mark.parametrize("lever", ["rates", "ti"])
def test_the_calibrate_button_loads_a_cost_neutral_draft(app, lever):
    open_page(app, "Plan designer")
    original = app.text_area(key="designer_yaml").value
    cost_before, target, _ = designer_cost(original)
    assert abs(cost_before / target - 1) > 0.001  # there is something to solve
    app.radio(key="calibrate_lever").set_value(lever).run()
    app.button(key="calibrate").click().run()
    assert_clean(app)
    calibrated = app.text_area(key="designer_yaml").value
    assert calibrated.startswith("# Calibrated with comp-sim calibrate on ") and f": {lever} lever x " in calibrated
    assert original.splitlines()[0] in calibrated  # the plan's own comments are kept
    cost, target_again, comparison = designer_cost(calibrated)
    assert target_again == pytest.approx(target)
    assert cost == pytest.approx(target, rel=0.001)
    guards = table(app, "Before", "After")
    assert money_value(guards.loc["Cost (mean)", "Before"]) == approx_money(cost_before)
    assert money_value(guards.loc["Cost (mean)", "After"]) == pytest.approx(target, rel=0.001)
    draft = comparison.plans.iloc[1]
    assert guards.loc["Winners / losers vs baseline", "After"] == f"{draft['winners']} / {draft['losers']}"
    assert set(guards.index) == {"Cost (mean)", "Payout at quota (% of TI)", "Payout % of TI, P90",
                                 "Reps at or above quota", "Cost of sales", "Winners / losers vs baseline"}
    assert money_value(metric(app, "Draft cost (mean)")) == approx_money(cost)  # the live comparison, re-run


def test_a_target_out_of_the_levers_reach_shows_the_error_in_the_page(app):
    open_page(app, "Plan designer")
    text = app.text_area(key="designer_yaml").value
    costly = text.replace("spiff: {metric: new_logos, amount: 500}", "spiff: {metric: new_logos, amount: 900000}")
    assert costly != text
    app.text_area(key="designer_yaml").set_value(costly).run()
    app.radio(key="calibrate_lever").set_value("upside").run()  # a SPIFF is not upside: the floor stays above
    app.button(key="calibrate").click().run()
    assert not app.exception
    message = app.error[0].value
    assert "The draft cannot be made cost-neutral" in message
    assert "is out of reach of the upside lever: scales 0.001 to 1000 give" in message
    assert app.text_area(key="designer_yaml").value == costly  # the editor keeps the draft
    assert not any(pd.Index(d.value.columns).isin(["Before", "After"]).all() for d in app.dataframe)
