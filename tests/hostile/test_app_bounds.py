"""The app's bounds: the Folder source reads only under its data root and never shows what a
folder outside it holds; the upload limit is passed to Streamlit wherever the app starts."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest
from corpus import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

from comp_sim import cli
from comp_sim.app.inputs import MAX_UPLOAD_BYTES, data_root, folder_in_root
from comp_sim.errors import DataError
from comp_sim.limits import DATA_ROOT_VARIABLE, MAX_UPLOAD_MB


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    """A data root holding a copy of the sample as exports/ and, outside it, a secret folder."""
    inside = tmp_path / "root"
    shutil.copytree(SAMPLE, inside / "exports")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "passwords.csv").write_text("rep_id,role\nR1,AE\n")
    (inside / "escape").symlink_to(tmp_path / "secret")
    monkeypatch.setenv(DATA_ROOT_VARIABLE, str(inside))
    return inside


def test_the_data_root_is_the_variable_or_the_working_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ROOT_VARIABLE, str(tmp_path))
    assert data_root() == tmp_path.resolve()
    monkeypatch.delenv(DATA_ROOT_VARIABLE)
    monkeypatch.chdir(tmp_path)
    assert data_root() == tmp_path.resolve()


def test_a_folder_is_read_relative_to_the_root_and_never_outside_it(root):
    assert folder_in_root("exports", root) == root / "exports"
    assert folder_in_root(str(root / "exports"), root) == root / "exports"
    for outside in ("/etc", "..", "exports/../../secret", "escape"):
        with pytest.raises(DataError) as caught:
            folder_in_root(outside, root)
        assert str(caught.value) == (f"{outside}: the app reads data folders inside {root} only (its data root: "
                                     "`comp-sim app --data-root FOLDER` sets it)")


def folder_app(folder: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=float("inf"))
    app.run()
    app.sidebar.radio(key="data_source").set_value("Folder").run()
    app.sidebar.text_input(key="data_folder").set_value(folder).run()
    return app


def test_the_folder_source_refuses_a_folder_outside_the_root_without_listing_it(root):
    app = folder_app(str(root.parent / "secret"))
    assert not app.exception
    page = " ".join(e.value for e in app.error)
    assert f"the app reads data folders inside {root} only" in page
    assert "passwords" not in page


def test_the_folder_source_reads_a_folder_inside_the_root(root):
    (root / "exports" / "notes.csv").symlink_to(root / "missing.csv")  # a link to nothing: no crash
    app = folder_app("exports")
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert str(root / "exports") in " ".join(c.value for c in app.caption)


def test_comp_sim_app_passes_the_upload_limit_and_the_data_root(monkeypatch, tmp_path):
    started = {}

    def call(command_line, env):
        started.update(command_line=command_line, env=env)
        return 0

    monkeypatch.setattr(cli.subprocess, "call", call)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["app", "--headless", "--data-root", str(tmp_path)])
    assert exit_info.value.code == 0
    line = started["command_line"]
    assert line[line.index("--server.maxUploadSize") + 1] == str(MAX_UPLOAD_MB)
    assert line[line.index("run") + 1] == str(ROOT / "app.py")
    assert started["env"][DATA_ROOT_VARIABLE] == str(tmp_path.resolve())
    assert started["env"]["PATH"] == os.environ["PATH"]


def test_the_project_config_holds_the_same_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert MAX_UPLOAD_BYTES == MAX_UPLOAD_MB * 2**20


def test_the_crm_panels_yaml_boxes_have_a_mapping_files_guards():
    from comp_sim.app.crm import _parse_more, _scalar

    bomb = "".join(["x0: &a0 [lol, lol]\n"] + [f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 31)])
    for text, message in [(bomb, "anchors and aliases (&name / *name) are not allowed in mappings"),
                          ("values: " + "[" * 300 + "]" * 300, "a mapping nests mappings and lists at most 20 deep"),
                          ("values: !!python/object/apply:os.system [ls]", "YAML tags are not allowed in mappings")]:
        problems = []
        assert _parse_more("deals", text, problems) == {}
        assert problems and problems[0].source == "deals (more)" and message in problems[0].message, problems
    assert _scalar("80000") == 80000 and _scalar("[" * 300 + "]" * 300) == "[" * 300 + "]" * 300


def test_the_crm_panel_lists_a_workbooks_sheets_only_once_it_is_checked(tmp_path):
    from comp_sim import api
    from corpus import far_cell, huge_shared_string

    for make in (far_cell, huge_shared_string):
        path = tmp_path / f"{make.__name__}.xlsx"
        make(path)
        with pytest.raises(DataError, match=rf"^{path}: cannot read as an \.xlsx workbook: "):
            api.sheet_names(path)
