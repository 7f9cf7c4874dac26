#!/usr/bin/env python3
"""The fill of benches/render_return.rs done with openpyxl, as a Python script would do it.

Usage: render_return_openpyxl.py TEMPLATE.xlsx DATA.json OUT.xlsx — prints the seconds taken
from loading the template to saving the return.

For each row template, bottom-up: insert the rows for the items under it, write every item's
values (whole-cell placeholders typed, embedded ones as text) with the template cell's style,
fill the row's formulas down by shifting their row numbers, and grow the SUM ranges of the
totals row. This is less than zhucun does (no merged ranges, no cross-sheet references, no
computed results), so the comparison favours openpyxl.
"""

import copy
import datetime
import json
import re
import sys
import time

from openpyxl import load_workbook

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_0-9]+)\s*\}\}")
REF = re.compile(r"(\$?[A-Z]{1,3})(\$?)(\d+)")


def value_of(v):
    if isinstance(v, dict) and "date" in v:
        return datetime.date.fromisoformat(v["date"])
    return v


def main():
    template, data_path, out = sys.argv[1:4]
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    start = time.perf_counter()
    wb = load_workbook(template)
    scalars = data["scalars"]
    for ws in wb.worksheets:
        # Row templates: rows holding a collection placeholder.
        templates = []
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    m = PLACEHOLDER.search(cell.value)
                    if m and m.group(1) in data["collections"]:
                        templates.append((cell.row, m.group(1)))
                        break
        for r, name in sorted(templates, reverse=True):
            items = data["collections"][name]
            n = max(len(items), 1)
            cells = [(c.column, c.value, c._style) for c in ws[r]]
            if n > 1:
                ws.insert_rows(r + 1, amount=n - 1)
            # The totals row moved to r + n: grow ranges ending on the template row.
            for c in ws[r + n]:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.value = re.sub(
                        r"([A-Z]+)%d:([A-Z]+)%d" % (r, r),
                        lambda m: "%s%d:%s%d" % (m.group(1), r, m.group(2), r + n - 1),
                        c.value,
                    )
            for k, item in enumerate(items):
                row = r + k
                for column, value, style in cells:
                    target = ws.cell(row=row, column=column)
                    target._style = copy.copy(style)
                    if isinstance(value, str) and value.startswith("="):
                        target.value = REF.sub(
                            lambda m: m.group(1) + m.group(2) + (
                                m.group(3) if m.group(2) else str(int(m.group(3)) + k)
                            ),
                            value,
                        )
                    elif isinstance(value, str):
                        whole = PLACEHOLDER.fullmatch(value.strip())
                        if whole and whole.group(1) == name:
                            target.value = value_of(item.get(whole.group(2)))
                        else:
                            target.value = PLACEHOLDER.sub(
                                lambda m: str(
                                    item.get(m.group(2), "")
                                    if m.group(1) == name
                                    else scalars.get("%s.%s" % (m.group(1), m.group(2)), "")
                                ),
                                value,
                            )
                    else:
                        target.value = value
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "{{" in cell.value:
                    cell.value = PLACEHOLDER.sub(
                        lambda m: str(scalars.get("%s.%s" % (m.group(1), m.group(2)), "")),
                        cell.value,
                    )
    wb.save(out)
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
