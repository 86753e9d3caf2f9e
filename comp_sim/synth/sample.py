"""Regenerate the bundled sample data, ``data/sample/``: ``python -m comp_sim.synth.sample``.

80 synthetic people (40 AEs, 13 Hunters, 13 AMs, 7 sales engineers, 6 managers, a director) over
calendar 2026, seed 2037, written as CSV.
The same command always writes the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from comp_sim.data.write import write_dataset
from comp_sim.synth.deals import synthesize

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
SAMPLE = {"reps": 80, "months": 12, "seed": 2037, "start": "2026-01"}
README = SAMPLE_DIR / "README.md"


def write_sample(out_dir: Path = SAMPLE_DIR) -> list[Path]:
    """Write the sample's five CSV files into ``out_dir`` (replacing them), keeping its README."""
    readme = (out_dir / "README.md").read_text(encoding="utf-8") if (out_dir / "README.md").exists() else None
    dataset = synthesize(SAMPLE["reps"], SAMPLE["months"], SAMPLE["seed"], start=SAMPLE["start"])
    files = write_dataset(dataset, out_dir, fmt="csv", force=True)
    if readme is not None:
        (out_dir / "README.md").write_text(readme, encoding="utf-8")
    return files


if __name__ == "__main__":
    written = write_sample(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_DIR)
    print(f"wrote {', '.join(p.name for p in written)}")
