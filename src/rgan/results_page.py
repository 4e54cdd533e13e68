"""The results table as a self-contained HTML page for the report: one row per run, sortable by
clicking a column header."""

from __future__ import annotations

import html
import os

import pandas as pd

from rgan.io import atomic_path

STYLE = """
body { font-family: sans-serif; font-size: 12px; margin: 8px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 6px; white-space: nowrap; }
th { background: #eee; cursor: pointer; position: sticky; top: 0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th.lead { background: #fde9a9; }
td.lead { background: #fff6d8; font-weight: bold; }
"""

# The report's leading figure, right after the run: the strongest detector's score.
LEADING = ("detection_strongest", "detection_strongest_by")
LEAD_NOTE = (
    "detection_strongest: how well the strongest detector (a GRU, a random forest or gradient "
    "boosting) tells synthetic from real test sequences, |accuracy − 0.5| on held-out data; "
    "0 = indistinguishable, 0.5 = told apart perfectly; lower is better."
)

# Click a header: sort by that column (numbers as numbers, empty cells last); again: reverse.
SCRIPT = """
document.querySelectorAll("th").forEach((header, column) => {
  header.addEventListener("click", () => {
    const body = header.closest("table").tBodies[0];
    const up = header.dataset.order !== "up";
    header.dataset.order = up ? "up" : "down";
    const key = (row) => {
      const text = row.cells[column].textContent.trim();
      const number = parseFloat(text);
      return text === "" ? null : isNaN(number) ? text : number;
    };
    const rows = Array.from(body.rows).sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === null || y === null) return (x === null) - (y === null);
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
    });
    rows.forEach((row) => body.appendChild(row));
  });
});
"""


def cell(value: object) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.4g}"
    return html.escape(str(value))


def leading_first(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the LEADING columns moved right after `run` (first if it has none)."""
    lead = [column for column in LEADING if column in table.columns]
    rest = [column for column in table.columns if column not in lead]
    at = rest.index("run") + 1 if "run" in rest else 0
    return table[rest[:at] + lead + rest[at:]]


def classes(column: str, numeric: set[str]) -> str:
    names = ["number"] * (column in numeric) + ["lead"] * (column in LEADING)
    return f' class="{" ".join(names)}"' if names else ""


def write_results_page(table: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    """The table as a sortable page, led (after the run) by the strongest detection score."""
    table = leading_first(table)
    numeric = {column for column in table.columns if pd.api.types.is_numeric_dtype(table[column])}
    header = "".join(
        f"<th{classes(column, set())}>{html.escape(column)}</th>" for column in table.columns
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{classes(column, numeric)}>{cell(value)}</td>" for column, value in row.items()
        )
        + "</tr>"
        for _, row in table.iterrows()
    )
    note = f"<p>{html.escape(LEAD_NOTE)}</p>" if LEADING[0] in table.columns else ""
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h3>{html.escape(title)}</h3>{note}"
        f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
        f"<script>{SCRIPT}</script></body></html>"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
