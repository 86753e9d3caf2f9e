"""comp_sim app: `make app` (or `streamlit run app.py`)."""

from comp_sim.app.main import main

main()
