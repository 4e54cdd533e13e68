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
"""

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


def write_results_page(table: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    numeric = {column for column in table.columns if pd.api.types.is_numeric_dtype(table[column])}
    header = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="number">{cell(value)}</td>'
            if column in numeric
            else f"<td>{cell(value)}</td>"
            for column, value in row.items()
        )
        + "</tr>"
        for _, row in table.iterrows()
    )
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h3>{html.escape(title)}</h3>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
        f"<script>{SCRIPT}</script></body></html>"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
