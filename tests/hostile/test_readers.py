"""The readers' guards, message by message: the mapping reader has the plan reader's YAML guards
(one piece of code), only regular files are read, a workbook or Parquet file is checked against
what it claims and holds before a table is built, plan metrics are walked once, and every bound
is in the README. Files in bounds still load as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from corpus import FILES, ROOT, SAMPLE, dangling, dev_zero, fifo, folder

from comp_sim import api, limits
from comp_sim.data.files import Unreadable, check_workbook, csv_line_breaks
from comp_sim.data.mapping import load_mapping
from comp_sim.errors import DataError, PlanError
from comp_sim.output import read_text_bounded
from comp_sim.plan.loader import load_plan


def test_the_mapping_reader_has_the_plan_readers_guards():
    mappings = FILES / "mapping"
    cases = {
        "alias-bomb.yaml": ":3:10: anchors and aliases (&name / *name) are not allowed in mapping files (got '*a0')",
        "nested-300.yaml": ":21:21: a mapping file nests mappings and lists at most 20 deep",
        "python-tag.yaml": ":1:8: YAML tags are not allowed in mapping files: a mapping is plain data "
                           "(got 'tag:yaml.org,2002:python/object/apply:os.system')",
    }
    for name, message in cases.items():
        with pytest.raises(DataError) as caught:
            load_mapping(mappings / name)
        assert str(caught.value).splitlines()[0] == f"{mappings / name}{message}"


def test_the_plan_reader_stops_at_the_nesting_bound_before_building_anything():
    text = "plan: x\ndescription: " + "[" * 10_000 + "]" * 10_000 + "\n"
    with pytest.raises(PlanError, match=r"^<plan>:2:33: a plan file nests mappings and lists at most 20 deep$"):
        load_plan(text)
    nested = "a: " + "{b: " * 20 + "1" + "}" * 20 + "\n"  # 21 levels: the document, then 20 more
    with pytest.raises(PlanError, match="at most 20 deep"):
        load_plan(nested)
    load_plan(FILES.parent.parent.parent / "plans" / "balanced-2027.yaml")  # real plans are 7 deep


@pytest.mark.parametrize("make, problem", [
    (fifo, "it is a FIFO (named pipe), not a regular file"),
    (dev_zero, "it is a character device, not a regular file"),
    (folder, "it is a folder, not a regular file"),
    (dangling, "it is a symbolic link to {path}/../gone.csv, which does not exist"),
])
def test_only_regular_files_are_read(tmp_path, make, problem):
    path = tmp_path / "odd.yaml"
    make(path)
    with pytest.raises(PlanError) as caught:
        read_text_bounded(path, "plan file", limits.MAX_PLAN_BYTES, PlanError)
    assert str(caught.value) == f"{path}: cannot read the plan file: " + problem.replace("{path}/../", f"{tmp_path}/")
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "deals.csv").unlink()
    make(data / "deals.csv")
    with pytest.raises(DataError) as caught:
        api.load_data(data)
    message = problem.replace("{path}/../", f"{data}/")
    assert str(caught.value) == f"{data}/deals.csv: cannot read the data file: {message}"


def test_a_folder_not_named_like_a_table_is_left_alone(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "deals").mkdir()  # say, the raw exports the deals were made from
    (data / "archive.zip").symlink_to(tmp_path / "nowhere")
    assert len(api.load_data(data).deals) == len(api.load_data(SAMPLE).deals)


def test_csv_lines_and_columns_are_counted_before_parsing(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("a,b,\"c,d\"\n1,2,3\n\n4,5,6")
    assert csv_line_breaks(path) == 3
    path.write_text(",".join(f"c{i}" for i in range(1001)) + "\n")
    with pytest.raises(Unreadable, match=r"^the file has up to 1,001 columns \(a table has at most 1,000\)$"):
        csv_line_breaks(path)
    path.write_text("a," * 199 + "a\n" + "\n" * 100_001)
    with pytest.raises(Unreadable, match=r"^the file has up to 100,001 rows x 200 columns \(a table has at most 20,000,000 cells\)"):
        csv_line_breaks(path)


def test_a_sheet_without_a_dimension_is_measured_by_its_cells(tmp_path):
    from corpus import SHEET, _replace_parts, _workbook

    path = tmp_path / "deals.xlsx"
    _workbook(path)
    cells = b"".join(b'<row r="%d"><c r="B%d"><v>1</v></c></row>' % (r, r) for r in range(1, 4))
    _replace_parts(path, {"xl/worksheets/sheet1.xml": SHEET + b"<sheetData>" + cells + b"</sheetData></worksheet>"})
    check_workbook(path)  # 3 rows x 2 columns
    _replace_parts(path, {"xl/worksheets/sheet1.xml": SHEET + b'<sheetData><row r="7"><c r="ALM7"><v>1</v></c>'
                          b"</row></sheetData></worksheet>"})
    with pytest.raises(Unreadable, match="sheet xl/worksheets/sheet1.xml has a cell at ALM7: 1,001 columns"):
        check_workbook(path)


def test_workbooks_and_parquet_files_in_bounds_load_as_the_csv_does(tmp_path):
    expected = api.load_data(SAMPLE)
    for fmt in ("xlsx", "parquet"):
        api.write_dataset(expected, tmp_path / fmt, fmt=fmt)
        loaded = api.load_data(tmp_path / fmt)
        for table in ("reps", "deals", "quotas"):
            pd.testing.assert_frame_equal(getattr(loaded, table), getattr(expected, table), check_dtype=False)
    text_columns = [f.name for f in pq.read_schema(tmp_path / "parquet" / "deals.parquet") if f.name == "product"]
    assert text_columns and loaded.deals["product"].dtype != "category"  # read as a dictionary, given as text


def test_a_web_of_100_ratio_metrics_is_walked_once():
    metrics = {"m0": {"ratio": ["m99", "bookings"]}, "m1": {"ratio": ["m0", "bookings"]}}
    metrics |= {f"m{i}": {"ratio": [f"m{i - 1}", f"m{i - 2}"]} for i in range(2, 100)}
    plan = {"plan": "Web", "id": "web", "start": "2027-01", "roles": {"AE": {"target_incentive": 1}},
            "metrics": metrics, "components": [{"id": "r", "weight": 1.0, "metric": "m99",
                                                "curve": {"points": [[0, 0], [1, 1]]}}]}
    with pytest.raises(PlanError) as caught:
        load_plan(plan)
    messages = [str(issue) for issue in caught.value.issues]
    assert messages[0].startswith("<plan>: metrics.m0.ratio: metrics refer to each other in a cycle: m0 -> m99 -> ")
    assert messages[0].endswith(" -> m1 -> m0")
    plan["metrics"] |= {f"x{i}": {"sum": "amount"} for i in range(2)}
    with pytest.raises(PlanError, match=r"metrics: Dictionary should have at most 100 items"):
        load_plan(plan)


def test_running_out_of_memory_is_an_input_error_naming_the_inputs(monkeypatch, capsys):
    from comp_sim import cli

    def too_big(*_, **__):
        raise MemoryError

    monkeypatch.setattr(api, "load_data", too_big)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["explain", "--plan", str(ROOT / "plans" / "current-2026.yaml"), "--data", str(SAMPLE), "--rep", "R001"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.replace("\n", " ") == (
        f"{ROOT / 'plans' / 'current-2026.yaml'}, {SAMPLE}: not enough memory to run on these inputs "
        '(README "Limits" lists what comp-sim accepts) ')


BOUNDS = {  # each bound of comp_sim.limits, as the README's "Limits" section states it
    "MAX_PLAN_BYTES": f"{limits.MAX_PLAN_BYTES:,} bytes of UTF-8",
    "MAX_MAPPING_BYTES": f"plan file, mapping file | {limits.MAX_MAPPING_BYTES:,} bytes",
    "MAX_YAML_DEPTH": f"{limits.MAX_YAML_DEPTH} levels of mappings and lists",
    "MAX_PLAN_METRICS": f"{limits.MAX_PLAN_METRICS} metrics",
    "MAX_METRIC_DEPTH": f"nested at most {limits.MAX_METRIC_DEPTH} deep",
    "MAX_DATA_FILE_BYTES": f"{limits.MAX_DATA_FILE_BYTES:,} bytes (256 MiB) on disk",
    "MAX_ROWS": f"{limits.MAX_ROWS:,} rows",
    "MAX_COLUMNS": f"{limits.MAX_COLUMNS:,} columns",
    "MAX_CELLS": f"{limits.MAX_CELLS:,} cells",
    "MAX_UNCOMPRESSED_BYTES": f"{limits.MAX_UNCOMPRESSED_BYTES:,} bytes (1 GiB) once expanded",
    "MAX_XLSX_MEMBERS": f"{limits.MAX_XLSX_MEMBERS:,} files in its zip",
    "MAX_XLSX_PART_BYTES": f"the shared strings {limits.MAX_XLSX_PART_BYTES:,} bytes",
    "MAX_CELL_CHARS": f"a cell's text {limits.MAX_CELL_CHARS:,} characters",
    "MAX_XML_RECORD_ELEMENTS": f"{limits.MAX_XML_RECORD_ELEMENTS:,} XML elements in a row",
    "MAX_NUMBER": f"finite, from -{limits.MAX_NUMBER:,.0f} to {limits.MAX_NUMBER:,.0f}",
    "MAX_UPLOAD_MB": f"{limits.MAX_UPLOAD_MB} MB a file",
    "MAX_TRIALS": f"{limits.MAX_TRIALS:,} Monte-Carlo trials",
    "MAX_SYNTHETIC_REPS": f"{limits.MAX_SYNTHETIC_REPS:,} synthetic reps",
    "MAX_REP_TRIALS": f"{limits.MAX_REP_TRIALS:,} reps x trials",
    "MAX_SYNTH_DATA_REPS": f"at most {limits.MAX_SYNTH_DATA_REPS:,} reps",
    "MAX_SYNTH_MONTHS": f"over {limits.MAX_SYNTH_MONTHS} months",
}


def test_every_bound_is_stated_in_the_readme():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert sorted(BOUNDS) == sorted(name for name in vars(limits) if name.startswith("MAX_"))
    assert [name for name, text in BOUNDS.items() if text not in readme] == []


def test_the_corpus_readme_names_every_case_and_every_committed_file_is_a_case():
    from corpus import CASES

    readme = (FILES.parent / "README.md").read_text()
    assert [case.name for case in CASES if f"{case.name}`" not in readme] == []
    committed = {str(path.relative_to(FILES)) for path in FILES.rglob("*") if path.is_file()}
    assert committed == {str(case.source().relative_to(FILES)) for case in CASES if case.source()}
