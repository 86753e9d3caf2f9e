"""Plan files: what loads, and for every kind of mistake the exact error a user sees."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from comp_sim import cli
from comp_sim.errors import PlanError
from comp_sim.plan.loader import load_plan
from comp_sim.plan.components import CurveComponent, SpiffComponent, TiersComponent

COMP_SIM = Path(sys.executable).parent / "comp-sim"

GOOD = """\
plan: Demo
id: demo
start: 2027-01
roles:
  AE: {target_incentive: 60000}
components:
  - id: revenue
    weight: 1.0
    metric: attainment
    measure: quarter
    curve:
      points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]
"""


def test_a_plan_loads_from_text_a_path_and_a_dict(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD)
    from_path = load_plan(path)
    from_text = load_plan(GOOD)
    from_dict = load_plan(from_text.model_dump(exclude_defaults=True))
    assert from_path == from_text == from_dict
    component = from_path.components[0]
    assert isinstance(component, CurveComponent)
    assert component.curve.points == [(0.5, 0.25), (1.0, 1.0), (1.5, 2.0)]
    assert component.curve.below == 0.0 and component.curve.beyond == "extend"
    assert from_path.negative_true_up == "hold" and from_path.currency == "USD"


def test_component_kinds_are_told_apart_by_their_key():
    plan = load_plan(GOOD.replace("curve:\n      points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]",
                                  "tiers: {bands: [{to: 1.0, rate: 1.0}, {rate: 2.0}]}")
                     + "  - id: spiff\n    spiff: {metric: new_logos, amount: 500}\n")
    assert isinstance(plan.components[0], TiersComponent)
    assert plan.components[0].tiers.mode == "marginal"
    assert isinstance(plan.components[1], SpiffComponent)


def _edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


# (case id, plan text, expected error line: "line:col: path: rule")
BAD_PLANS = [
    ("x-not-increasing", _edit("[1.0, 1.0], [1.5, 2.0]", "[1.5, 1.0], [1.0, 2.0]"),
     "12:15: components[0].curve.points: x values must increase (got 1.0 after 1.5)"),
    ("x-three-times", _edit("[[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]", "[[1.0, 0.0], [1.0, 0.5], [1.0, 1.0]]"),
     "12:15: components[0].curve.points: an x value may repeat once to make a step, not more (got 1.0 three times)"),
    ("unknown-key-typo", _edit("    weight: 1.0", "    wieght: 1.0"),
     "8:5: components[0].wieght: unknown key 'wieght'; did you mean 'weight'?"),
    ("missing-weight", _edit("    weight: 1.0\n", ""),
     "7:5: components[0]: missing required key 'weight'"),
    ("missing-plan-name", _edit("plan: Demo\n", ""),
     "1:1: missing required key 'plan'"),
    ("bad-start", _edit("start: 2027-01", "start: 2027-13"),
     "3:8: start: a month is written YYYY-MM, e.g. 2027-01 (got '2027-13')"),
    ("start-not-a-month", _edit("start: 2027-01", "start: next year"),
     "3:8: start: a month is written YYYY-MM, e.g. 2027-01 (got 'next year')"),
    ("bad-measure", _edit("measure: quarter", "measure: week"),
     "10:14: components[0].measure: must be 'month', 'quarter', 'half' or 'year' (got 'week')"),
    ("weight-above-one", _edit("weight: 1.0", "weight: 1.5"),
     "8:13: components[0].weight: must be less than or equal to 1 (got 1.5)"),
    ("weights-do-not-sum", _edit("    weight: 1.0", "    weight: 0.7"),
     "7:3: components: weights of weighted components sum to 0.7, not 1 (revenue 0.7)"),
    ("no-kind", _edit("    curve:\n      points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]\n", ""),
     "7:5: components[0]: a component needs exactly one of curve, tiers, commission or spiff"),
    ("two-kinds", _edit("    curve:", "    tiers: {bands: [{rate: 1.0}]}\n    curve:"),
     "7:5: components[0]: a component needs exactly one of curve, tiers, commission or spiff"),
    ("unknown-metric", _edit("metric: attainment", "metric: atainment"),
     "9:13: components[0].metric: unknown metric 'atainment'"),
    ("bad-beyond", _edit("[1.5, 2.0]]", "[1.5, 2.0]]\n      beyond: forever"),
     "13:15: components[0].curve.beyond: must be 'extend' or 'hold' (got 'forever')"),
    ("negative-ti", _edit("target_incentive: 60000", "target_incentive: -5"),
     "5:26: roles.AE.target_incentive: must be greater than or equal to 0 (got -5)"),
    ("no-roles", _edit("roles:\n  AE: {target_incentive: 60000}\n", "roles: {}\n"),
     "4:8: roles: Dictionary should have at least 1 item after validation, not 0"),
    ("bad-id", _edit("id: demo", "id: Demo Plan"),
     "2:5: id: String should match pattern"),
    ("duplicate-component-id", GOOD + "  - id: revenue\n    spiff: {metric: new_logos, amount: 100}\n",
     "13:9: components[1].id: id 'revenue' is used twice"),
    ("spiff-on-money", GOOD + "  - id: spiff\n    spiff: {metric: bookings, amount: 100}\n",
     "14:21: components[1].spiff.metric: a SPIFF pays per unit of a count metric such as new_logos; 'bookings' is a money metric"),
    ("applies-to-unknown", GOOD + "modifiers:\n  - id: g\n    gate: {metric: new_logos, min: 1}\n    applies_to: [revenu]\n",
     "16:18: modifiers[0].applies_to[0]: no component 'revenu' (components: revenue)"),
    ("gate-negative-cap", GOOD + "modifiers:\n  - id: g\n    gate: {metric: new_logos, min: 1, cap_when_closed: -1}\n    applies_to: [revenue]\n",
     "15:56: modifiers[0].gate.cap_when_closed: must be greater than or equal to 0 (got -1)"),
    ("modifier-no-kind", GOOD + "modifiers:\n  - id: g\n    applies_to: [revenue]\n",
     "14:5: modifiers[0]: a modifier needs exactly one of multiplier or gate"),
    ("ratio-cycle", GOOD + "metrics:\n  a: {ratio: [b, bookings]}\n  b: {ratio: [a, bookings]}\n",
     "14:14: metrics.a.ratio: metrics refer to each other in a cycle: a -> b -> a"),
    ("target-of-ratio", GOOD + "metrics:\n  x: {ratio: [bookings, target.attainment]}\n",
     "14:25: metrics.x.ratio[1]: 'target.attainment' does not resolve"),
    ("metric-shadows-builtin", GOOD + "metrics:\n  bookings: {sum: amount}\n",
     "14:13: metrics.bookings: 'bookings' is a built-in metric; choose another name"),
    ("bands-open-middle", _edit("curve:\n      points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]",
                                "tiers: {bands: [{rate: 1.0}, {rate: 2.0}]}"),
     "11:20: components[0].tiers.bands: only the last band may omit `to` (band 1 has none)"),
    ("bands-descending", _edit("curve:\n      points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]",
                               "tiers: {bands: [{to: 1.0, rate: 1.0}, {to: 0.5, rate: 2.0}, {rate: 3.0}]}"),
     "11:20: components[0].tiers.bands: band edges must increase (got 0.5 after 1.0)"),
    ("last-band-closed", _edit("curve:\n      points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]",
                               "tiers: {bands: [{to: 1.0, rate: 1.0}]}"),
     "11:20: components[0].tiers.bands: the last band must have no `to`"),
    ("point-not-a-pair", _edit("[[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]", "[[0.5, 0.25, 9], [1.0, 1.0]]"),
     "12:16: components[0].curve.points[0]: Tuple should have at most 2 items after validation, not 3"),
    ("text-for-number", _edit("weight: 1.0", "weight: lots"),
     "8:13: components[0].weight: must be a valid number, unable to parse string as a number (got 'lots')"),
    ("python-tag", GOOD + "cap: !!python/object/apply:os.system ['echo hacked']\n",
     "13:6: YAML tags are not allowed in plan files: a plan is plain data"),
    ("alias-bomb", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n" + GOOD,
     "2:8: anchors and aliases (&name / *name) are not allowed in plan files (got '*a')"),
    ("not-a-mapping", "- just\n- a list\n",
     "1:1: a plan file is a YAML mapping of keys (plan, id, start, ...)"),
    ("broken-yaml", GOOD.replace("  AE: {target_incentive: 60000}", "  AE: {target_incentive: 60000"),
     ":6:11: not valid YAML: expected ',' or '}', but got ':' (in the flow mapping that starts at line 5, column 7)"),
    ("duplicate-key", GOOD.replace("id: demo\n", "id: demo\nid: again\n"),
     ":3:1: not valid YAML"),
    ("two-documents", GOOD + "---\nplan: Other\n",
     "13:1: a plan file holds one YAML document (found a second '---')"),
]


@pytest.mark.parametrize("name, text, expected", BAD_PLANS, ids=[case[0] for case in BAD_PLANS])
def test_bad_plan_gives_file_line_path_and_rule(tmp_path, name, text, expected):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert f"{path}:" in message
    assert expected in message, message


def test_there_are_at_least_25_distinct_bad_plans():
    assert len({name for name, _, _ in BAD_PLANS}) >= 25
    assert len({expected for _, _, expected in BAD_PLANS}) >= 25


def test_every_structural_error_of_a_file_is_reported_together(tmp_path):
    text = _edit("    weight: 1.0", "    wieght: 1.0").replace("measure: quarter", "measure: week")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3  # missing weight, unknown wieght, bad measure
    assert {re.sub(r"^.*?yaml:(\d+):\d+: ([^:]+):.*$", r"\1 \2", line) for line in lines} == {
        "7 components[0]", "8 components[0].wieght", "10 components[0].measure",
    }


def test_a_dict_plan_reports_key_paths_without_lines():
    with pytest.raises(PlanError, match=r"^<plan>: components\[0\]: missing required key 'weight'$"):
        load_plan({"plan": "x", "id": "x", "start": "2027-01", "roles": {"AE": {"target_incentive": 1}},
                   "components": [{"id": "r", "metric": "attainment", "curve": {"points": [[0, 0]]}}]})


def test_missing_file_is_a_plan_error(tmp_path):
    with pytest.raises(PlanError, match=r"nope\.yaml: cannot read the plan file: No such file"):
        load_plan(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name, text, expected", BAD_PLANS, ids=[case[0] for case in BAD_PLANS])
def test_validate_command_exits_1_without_traceback_and_writes_nothing(tmp_path, name, text, expected, capsys,
                                                                       monkeypatch):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) as exit_info:  # the command's entry point, in-process
        cli.main(["validate", str(path)])
    captured = capsys.readouterr()
    assert exit_info.value.code == 1
    assert expected in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_validate_command_says_ok_for_the_bundled_plans():
    plans = sorted(Path("plans").glob("*.yaml"))
    done = subprocess.run([str(COMP_SIM), "validate", *map(str, plans)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["OK"] * len(plans)


def test_validate_reports_each_file_and_fails_if_any_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(_edit("weight: 1.0", "weight: 0.5"))
    done = subprocess.run([str(COMP_SIM), "validate", "plans/balanced-2027.yaml", str(bad)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout.startswith("OK  plans/balanced-2027.yaml")
    assert "weights of weighted components sum to 0.5, not 1" in done.stderr


def test_yaml_is_indented_as_users_write_it():
    # the fixture is the plan a user would write; keep it honest
    assert textwrap.dedent(GOOD) == GOOD
