"""Every bound on what comp_sim reads, in one place (README "Limits" lists each with its error).

Finance points comp_sim at files it did not make and the app takes uploads, so no input may
make it crash, hang, or grow without bound: each file is checked against these before it is
materialised (a file's size before reading, a workbook's claimed and actual extent before a
table is built, a YAML file's nesting before it is composed), and every number must be finite
and within ``MAX_NUMBER``.

>>> f"{MAX_NUMBER:,.0f}", MAX_YAML_DEPTH
('1,000,000,000,000', 20)
"""

from __future__ import annotations

# Plan and mapping files (YAML).
MAX_PLAN_BYTES = 1_000_000
MAX_MAPPING_BYTES = 1_000_000
MAX_YAML_DEPTH = 20  # nested mappings and lists; a plan needs 7
MAX_PLAN_METRICS = 100  # plan-defined metrics
MAX_METRIC_DEPTH = 10  # ratio of a ratio of ... (each level doubles what a metric reads)

# Data files (CSV, Parquet, XLSX), per table.
MAX_DATA_FILE_BYTES = 256 * 2**20  # on disk
MAX_ROWS = 2_000_000
MAX_COLUMNS = 1_000
MAX_CELLS = 20_000_000  # rows x columns
MAX_UNCOMPRESSED_BYTES = 2**30  # what a Parquet file or an XLSX workbook (its zip) expands to
MAX_XLSX_MEMBERS = 1_000  # files inside the workbook's zip
MAX_XLSX_PART_BYTES = 16 * 2**20  # an XLSX part other than a sheet or the shared strings (styles, ...)
MAX_CELL_CHARS = 32_767  # text of one XLSX cell (Excel's own limit)
MAX_XML_RECORD_ELEMENTS = 16 * MAX_COLUMNS  # XML elements inside one sheet row or shared string

# Numbers in plans and data: money, thresholds, rates, quotas, scores.
MAX_NUMBER = 1e12
NUMBER_RULE = f"must be a finite number from -{MAX_NUMBER:,.0f} to {MAX_NUMBER:,.0f}"

# Work a run may be asked for: Monte-Carlo trials, synthetic reps, and the per-trial, per-rep
# totals a run keeps (about 50 bytes each across its arrays).
MAX_TRIALS = 100_000
MAX_SYNTHETIC_REPS = 1_000_000
MAX_REP_TRIALS = 400_000_000  # reps x trials of one run: some 20 GB of totals
MAX_SYNTH_DATA_REPS = 20_000  # `comp-sim synth` writes deal rows: about 80 a rep a year, within MAX_ROWS
MAX_SYNTH_MONTHS = 120

# The app.
MAX_UPLOAD_MB = 50  # each uploaded file; `comp-sim app` passes it to Streamlit as server.maxUploadSize
DATA_ROOT_VARIABLE = "COMP_SIM_DATA_ROOT"  # the Folder source reads under it (`comp-sim app --data-root`)
