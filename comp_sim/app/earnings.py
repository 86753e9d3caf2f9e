"""My earnings (rep): what each plan or program would pay me and by which of its plans, why (line
by line), and what another deal would add. Reads the data as it happened (one trial), the way a
statement is paid."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from comp_sim import api
from comp_sim.app import charts
from comp_sim.app.compare import plan_label, unit_statements
from comp_sim.app.format import money, share
from comp_sim.app.inputs import Inputs, historical, run, show_errors

WHATIF_DEAL_ID = "WHAT-IF"


def page(inputs: Inputs) -> None:
    st.title("My earnings")
    sim = historical(inputs)
    statements = unit_statements(sim, inputs)
    if statements.empty:
        st.info("None of the picked plans or programs covers a rep of this data.")
        return
    rep_id = pick_rep(statements)
    mine = statements[statements["rep_id"] == rep_id]
    st.caption(f"Data: {inputs.data_label}, as it happened (one trial). Money in {inputs.currency}.")
    earnings_by_unit(mine, inputs)
    st.subheader("My statement, line by line")
    statement(rep_id, mine, sim, inputs)
    st.subheader("What if I close another deal?")
    what_if(rep_id, mine, sim, inputs)


def pick_rep(statements: pd.DataFrame) -> str:
    """A rep of the data; the first one covered by the most plans and programs comes up first."""
    units = statements.groupby("rep_id")["unit"].count()
    reps = statements.drop_duplicates("rep_id").sort_values("rep_id")
    labels = dict(zip(reps["rep_id"], reps["rep_id"] + " · " + reps["name"].astype(str)
                      + " (" + reps["role"].astype(str) + ")"))
    ids = list(labels)
    default = max(range(len(ids)), key=lambda i: (units[ids[i]], -i))
    return st.selectbox("Rep", ids, index=default, key="rep", format_func=labels.get)


def paid_under(row: pd.Series, inputs: Inputs) -> str:
    """``Proposed role plans 2027 · Balanced growth 2027``: a statement row's unit and the plan of
    it that pays the rep."""
    return plan_label(inputs, inputs.unit(row["unit"]), inputs.plan(row["plan"]))


def earnings_by_unit(mine: pd.DataFrame, inputs: Inputs) -> None:
    """One metric per plan or program covering the rep (naming the plan of it that pays them),
    and the split by component."""
    columns = st.columns(max(1, len(mine)))
    base = mine[mine["unit"] == inputs.baseline]
    for column, (_, row) in zip(columns, mine.iterrows()):
        plan = inputs.plan(row["plan"])
        delta = None
        if row["unit"] != inputs.baseline and not base.empty:
            delta = money(row["payout"] - base["payout"].iloc[0], plan.currency) + " vs baseline"
        column.metric(paid_under(row, inputs), money(row["payout"], plan.currency), delta=delta,
                      help=f"Paid by {row['paid_by']}: {share(row['payout_pct_ti'])} of a target incentive of "
                           f"{money(row['prorated_ti'], plan.currency)}; attainment {share(row['attainment'])}")
    rows = []
    for _, row in mine.iterrows():
        plan = inputs.plan(row["plan"])
        rows += [{"plan_name": paid_under(row, inputs), "component": c.label or c.id, "amount": row[f"pay_{c.id}"]}
                 for c in plan.components]
    st.altair_chart(charts.by_component(pd.DataFrame(rows), inputs.currency), key="earnings_chart", width="stretch")


def statement(rep_id: str, mine: pd.DataFrame, sim: api.Simulation, inputs: Inputs) -> None:
    """The engine's own statement of the rep under the plan of a unit that pays them: a table of
    lines and the text."""
    labels = {row["unit"]: paid_under(row, inputs) for _, row in mine.iterrows()}
    unit_id = st.selectbox("Plan or program", list(labels), key="statement_plan", format_func=labels.get)
    explained = api.explain(inputs.unit(unit_id), rep_id=rep_id, simulation=sim)
    plan_id = mine.loc[mine["unit"] == unit_id, "plan"].iloc[0]
    cur = explained.header["currency"]
    lines = explained.lines[~api.quiet_lines(explained.lines)]
    columns = {"period": "Period", "label": "Component", "metric": "Metric", "value": "Value",
               "curve_fraction": "Curve", "gates": "Gates", "fraction": "Fraction", "money": f"Money ({cur})",
               "multiplier": "Multiplier", "earned": f"Earned to date ({cur})",
               "paid_before": f"Paid before ({cur})", "capped": f"Capped ({cur})", "amount": f"Paid ({cur})"}
    shown = statement_text(lines[list(columns)], cur)
    config = {name: st.column_config.TextColumn(
        label, width="medium" if name in ("label", "metric", "gates") else None,
        alignment=None if name in ("period", "label", "metric", "gates") else "right")
        for name, label in columns.items()}
    st.dataframe(shown, hide_index=True, key="statement_lines", column_config=config,
                 height=min(38 + 35 * len(shown), 740))
    left, right = st.columns(2)
    left.metric("Total paid", money(explained.total, cur))
    if explained.header["draw_outstanding"] is not None:
        right.metric("Draw balance owed at year end", money(explained.header["draw_outstanding"], cur),
                     help="What the draw paid and later pay did not recover; it is not paid back within the year.")
    with st.expander("The statement as text"):
        st.code(explained.text(), language=None)
    left, right = st.columns(2)
    left.download_button("Statement, printable (HTML)", explained.html, file_name=f"statement_{rep_id}_{plan_id}.html",
                         mime="text/html", key="statement_html", on_click="ignore")
    right.download_button("Statement (text)", explained.text(), file_name=f"statement_{rep_id}_{plan_id}.txt",
                          key="statement_download", on_click="ignore")


def statement_text(lines: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The lines as a rep reads them: money whole in the currency, fractions as percentages,
    blank where a step does not apply to the component (no curve for a SPIFF, say)."""
    formats = {"value": "{:,.3f}".format, "multiplier": "{:.3f}".format, "curve_fraction": "{:.1%}".format,
               "fraction": "{:.1%}".format,
               **{c: (lambda v: money(v, currency)) for c in ("money", "earned", "paid_before", "capped", "amount")}}
    shown = lines.copy()
    for column, fmt in formats.items():
        values = pd.to_numeric(shown[column], errors="coerce")
        shown[column] = [fmt(v) if pd.notna(v) else "" for v in values]
    return shown.fillna("")


def with_deal(dataset: api.Dataset, rep_id: str, amount: float, month: str, product: str | None,
              new_logo: bool) -> api.Dataset:
    """The dataset with one more deal closed by the rep on the 15th of ``month``."""
    deal = {"deal_id": WHATIF_DEAL_ID, "rep_id": rep_id, "close_date": pd.Timestamp(f"{month}-15"),
            "amount": float(amount), "product": product, "account_id": "WHAT-IF-ACCOUNT" if new_logo else None,
            "new_logo": new_logo, "discount": 0.0, "split": 1.0}
    deals = pd.concat([dataset.deals, pd.DataFrame([deal])], ignore_index=True)
    return api.Dataset.from_frames(dataset.reps, deals=deals, quotas=dataset.quotas, forecasts=dataset.forecasts,
                               mbo=dataset.mbo, source=dataset.source, files=dataset.files,
                               warnings=dataset.warnings)


def employed_months(dataset: api.Dataset, rep_id: str, months: list[str]) -> list[str]:
    """The months of the plan year the rep is employed in (all of them when none is)."""
    rep = dataset.reps.set_index("rep_id").loc[rep_id]
    first = pd.Timestamp(rep["hire_date"]).strftime("%Y-%m") if pd.notna(rep["hire_date"]) else months[0]
    last = pd.Timestamp(rep["end_date"]).strftime("%Y-%m") if pd.notna(rep["end_date"]) else months[-1]
    employed = [m for m in months if first <= m <= last]
    return employed or months


def what_if(rep_id: str, mine: pd.DataFrame, sim: api.Simulation, inputs: Inputs) -> None:
    """Add a deal to the rep's data and re-run every plan and program through the API; show the
    change under each."""
    products = sorted(inputs.dataset.deals["product"].dropna().astype(str).unique())
    months = employed_months(inputs.dataset, rep_id, sim.result(mine["plan"].iloc[0]).month_labels)
    a, b, c, d = st.columns([2, 2, 2, 1])
    amount = a.number_input(f"Another deal worth ({inputs.currency})", min_value=0.0, value=50_000.0,
                            step=10_000.0, format="%.0f", key="whatif_amount")
    month = b.selectbox("Closed in", months, key="whatif_month")
    product = c.selectbox("Product", products or ["(none)"], key="whatif_product",
                          help="Strategic products (e.g. Platform) count towards a plan's mix metrics.")
    new_logo = d.checkbox("New logo", value=True, key="whatif_new_logo")
    if amount <= 0:
        st.caption("Enter an amount to see what the deal would add under each plan.")
        return
    dataset = with_deal(inputs.dataset, rep_id, amount, month, None if not products else product, new_logo)
    key = (*inputs.data_key, "what-if", rep_id, float(amount), month, product, bool(new_logo))
    try:
        after = run(inputs.unit_texts, key, 1, 0, dataset)
    except api.DataError as exc:
        show_errors("The plans cannot pay this deal", exc)
        return
    after = unit_statements(after, inputs)
    after = after[after["rep_id"] == rep_id].set_index("unit")["payout"]
    columns = st.columns(max(1, len(mine)))
    for column, (_, row) in zip(columns, mine.iterrows()):
        plan = inputs.plan(row["plan"])
        new = after[row["unit"]]
        column.metric(f"{paid_under(row, inputs)} with the deal", money(new, plan.currency),
                      delta=money(new - row["payout"], plan.currency))
