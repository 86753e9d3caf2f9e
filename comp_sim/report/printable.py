"""A rep's statement as one printable HTML page: self-contained (inline CSS, no scripts, no
external files), so it can be mailed to a rep or printed to PDF from any browser.

Every text that comes from a plan or a data file is escaped, so a rep named ``<script>`` prints
as text, and its control characters are written out (``comp_sim.output.printable``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from comp_sim.output import printable
from comp_sim.report.lines import DRAW_LINE_IDS, money, quiet_lines

if TYPE_CHECKING:
    from comp_sim.report.explain import Statement

CSS = """
@page { size: A4 portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { font: 9pt/1.3 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a;
       margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 15pt; margin: 0 0 1mm; }
.sub { color: #555; margin: 0 0 4mm; }
.facts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; margin-bottom: 4mm; }
.fact { border: 1px solid #d0d7de; border-radius: 2mm; padding: 2mm 3mm; }
.fact b { display: block; font-size: 11pt; }
.fact span { color: #555; font-size: 8pt; text-transform: uppercase; letter-spacing: .03em; }
table { width: 100%; border-collapse: collapse; margin-bottom: 4mm; font-size: 8pt; }
th, td { padding: .6mm 1.2mm; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
th { background: #f3f5f7; text-align: left; font-size: 7.5pt; }
td.n, td.p { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th.n { text-align: right; }
td.p { text-align: left; }
td.note { color: #555; font-size: 7pt; }
td.m { color: #555; font-size: 7pt; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid #1a1a1a; }
.small { color: #555; font-size: 8pt; }
@media print { body { padding: 0; max-width: none; } tr { break-inside: avoid; }
               .fact { border-color: #999; } th { background: #eee !important; } }
"""


def escape(text: str) -> str:
    return html.escape(printable(text))


def statement_html(statement: Statement) -> str:
    """The statement as a complete HTML document: header facts, one row per line, totals."""
    h = statement.header
    cur = h["currency"]
    attainment = "n/a" if h["attainment"] is None else f"{h['attainment']:.1%}"
    facts = [
        ("Target incentive", f"{money(h['target_incentive'])} {cur}"),
        ("TI for days employed", f"{money(h['prorated_ti'])} {cur}"),
        ("Attainment", f"{attainment} ({money(h['bookings'])} of {money(h['quota'])})"),
        ("Total paid", f"{money(statement.total)} {cur}"),
    ]
    shown = statement.lines[~quiet_lines(statement.lines)]
    hidden = len(statement.lines) - len(shown)
    rows = "\n".join(_line_row(line) for _, line in shown.iterrows())
    labels = dict(zip(statement.lines["component"], statement.lines["label"]))
    totals = "\n".join(
        f"<tr><td>{escape(str(labels.get(component, component)))}</td><td class=n>{money(amount)}</td></tr>"
        for component, amount in statement.by_component().items()
    )
    notes = []
    if hidden:
        notes.append(f"{hidden} line(s) with nothing to pay (commissions, SPIFFs or draws) are not shown.")
    if h["capped"] > 0.005:
        notes.append(f"The plan cap cut {money(h['capped'])} {cur}.")
    title = f"{h['name']} ({h['rep_id']}): {h['plan_name']}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style></head>
<body>
<h1>{escape(str(h['name']))} <span class=small>{escape(str(h['rep_id']))} &middot; {escape(str(h['role']))}</span></h1>
<p class=sub>{escape(str(h['plan_name']))} ({escape(str(h['plan']))}), plan year {escape(str(h['plan_year']))}.
Amounts in {escape(str(cur))}.</p>
<div class=facts>
{"".join(f'<div class=fact><span>{escape(k)}</span><b>{escape(v)}</b></div>' for k, v in facts)}
</div>
<table>
<thead><tr><th>Period</th><th>Component</th><th>Metric</th><th class=n>Value</th><th class=n>Fraction</th>
<th>Gate</th><th class=n>Money</th><th>Multiplier</th><th class=n>Earned &minus; paid to date</th>
<th class=n>Cap</th><th class=n>Paid</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<table style="width: 60%">
<thead><tr><th>Total by component</th><th class=n>Paid ({escape(str(cur))})</th></tr></thead>
<tbody>
{totals}
<tr class=total><td>Total</td><td class=n>{money(statement.total)}</td></tr>
</tbody></table>
{"".join(f'<p class=small>{escape(note)}</p>' for note in notes)}
<p class=small>Simulated with comp_sim: what this plan would pay on this data. Each line reads
metric &rarr; curve or tiers (fraction of target) &rarr; gates &rarr; money &rarr; multipliers
&rarr; true-up (earned to date minus paid to date, for year-to-date components) &rarr; plan cap
&rarr; paid, in the last month of its period.</p>
</body></html>
"""


def _line_row(line: pd.Series) -> str:
    if pd.notna(line["fraction"]):
        fraction = f"{line['curve_fraction']:.4f}"
        if line["gates"] and abs(line["fraction"] - line["curve_fraction"]) > 1e-12:
            fraction += f"<br>&rarr; {line['fraction']:.4f}"
    else:
        fraction = "&ndash;"
    multiplier = f"&times;&nbsp;{line['multiplier']:.4f} {escape(line['multipliers'])}" if line["multipliers"] else ""
    if line["component"] in DRAW_LINE_IDS:  # D, P and the balance owed
        multiplier = (f"due {money(line['money'])}; balance {money(line['balance_before'])} &rarr; "
                      f"{money(line['balance_after'])}")
    true_up = (f"{money(line['earned'])}<br>&minus;&nbsp;{money(line['paid_before'])}"
               if pd.notna(line["paid_before"]) else "")
    capped = money(-line["capped"]) if line["capped"] > 0.005 else ""
    metric = str(line["metric"]).replace(" (year to date)", " YTD")
    cells = [
        f"<td class=p>{escape(str(line['period']))}</td>",
        f"<td class=p>{escape(str(line['label']))}</td>",
        f"<td class=m>{escape(metric)}</td>",
        f"<td class=n>{line['value']:,.4f}</td>",
        f"<td class=n>{fraction}</td>",
        f"<td class=note>{escape(line['gates'])}</td>",
        f"<td class=n>{money(line['money'])}</td>",
        f"<td class=note>{multiplier}</td>",
        f"<td class=\"n note\">{true_up}</td>",
        f"<td class=n>{capped}</td>",
        f"<td class=n><b>{money(line['amount'])}</b></td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"
