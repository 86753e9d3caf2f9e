"""Program files: a plan per role, loaded with their plans; every error names the program file,
its line and key, or the plan file's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from comp_sim import api, cli
from comp_sim.plan.program import is_program_file, load_program, load_unit

ROOT = Path(__file__).resolve().parents[2]
AE_PLAN = """\
plan: AE
id: ae
start: 2027-01
roles: {AE: {target_incentive: 10000}}
components: [{id: revenue, weight: 1.0, metric: attainment, measure: year, curve: {points: [[0, 0], [1, 1]]}}]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_bundled_programs_pay_every_role_of_the_sample_by_one_plan():
    current = load_program(ROOT / "programs" / "current-2026.yaml")
    proposed = load_program(ROOT / "programs" / "proposed-2027.yaml")
    assert [p.id for p in current.plans] == ["current-2026"]
    assert [p.id for p in proposed.plans] == ["balanced-2027", "hunter-2027", "account-manager-2027",
                                              "se-overlay-2027", "manager-2027"]
    roles = set(api.load_data().reps["role"])
    assert set(current.roles) == set(proposed.roles) == roles
    assert proposed.roles["SE"].id == "se-overlay-2027" and proposed.roles["Director"].id == "manager-2027"


def test_plans_are_found_beside_the_program_file(tmp_path):
    write(tmp_path, "plans/ae.yaml", AE_PLAN)
    program = write(tmp_path, "programs/p.yaml", "program: P\nid: p\nplans: [../plans/ae.yaml]\n")
    loaded = load_program(program)
    assert (loaded.id, loaded.name, [p.id for p in loaded.plans]) == ("p", "P", ["ae"])
    assert loaded.plans[0].source == str(tmp_path / "plans" / "ae.yaml")  # a plain path, no ".."
    assert is_program_file(program) and not is_program_file(tmp_path / "plans" / "ae.yaml")
    assert load_unit(tmp_path / "plans" / "ae.yaml").single  # a plan alone is a one-plan program


@pytest.mark.parametrize("text, expected", [
    ("program: P\nid: p\nplans: [nope.yaml]\n",
     "p.yaml:3:9: plans[0]: no plan file 'nope.yaml' beside the program"),
    ("program: P\nid: p\nplans: [ae.yaml, ae2.yaml]\n",
     "p.yaml:3:18: plans[1]: role 'AE' is listed by two plans of the program: ae ({d}/ae.yaml) and ae2 "
     "({d}/ae2.yaml); a rep is paid by one plan"),
    ("program: P\nid: p\nplans: [ae.yaml]\nowner: me\n", "p.yaml:4:1: owner: unknown key 'owner' (allowed: program, id, description, plans)"),
    ("program: P\nplans: [ae.yaml]\n", "p.yaml:1:1: missing required key 'id'"),
    ("program: P\nid: P Q\nplans: [ae.yaml]\n", "p.yaml:2:5: id: String should match pattern"),
    ("program: P\nid: p\nplans: []\n", "p.yaml:3:8: plans: List should have at least 1 item"),
    ("- just a list\n", "p.yaml:1:1: a program file is a YAML mapping of keys (program, id, plans)"),
    ("program: P\nid: p\nplans: [broken.yaml]\n",
     "broken.yaml:5:13: components: weights of weighted components sum to 0.5, not 1 (revenue 0.5)"),
])
def test_a_bad_program_names_the_file_line_and_rule(tmp_path, text, expected):
    write(tmp_path, "ae.yaml", AE_PLAN)
    write(tmp_path, "ae2.yaml", AE_PLAN.replace("id: ae", "id: ae2"))
    write(tmp_path, "broken.yaml", AE_PLAN.replace("weight: 1.0", "weight: 0.5"))
    program = write(tmp_path, "p.yaml", text)
    with pytest.raises(api.PlanError) as caught:
        load_program(program)
    assert expected.replace("{d}", str(tmp_path)) in str(caught.value)


def test_the_cli_refuses_a_bad_program_with_exit_1(tmp_path, capsys):
    program = write(tmp_path, "p.yaml", "program: P\nid: p\nplans: [nope.yaml]\n")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--program", str(program), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 1
    assert "no plan file 'nope.yaml' beside the program" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
