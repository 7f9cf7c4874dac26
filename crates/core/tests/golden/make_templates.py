#!/usr/bin/env python3
"""Writes the golden county template with openpyxl, the way a county clerk's tooling would.

Usage: make_templates.py OUT_DIR  — writes OUT_DIR/golden.xlsx.

The integration tests (crates/core/tests/core/golden.rs) run this at test time, render the
template for the demo village and check the return cell by cell; they also convert it with
LibreOffice to .xls and .ods. Keep the layout in step with the constants in golden.rs: every
position below is checked there.

Sheet 概况: a merged title with embedded placeholders, a line of embedded values of every type,
whole-cell placeholders of every type (text, code with the text format, integer, number, money,
dates with and without a number format, a date-time without one, boolean, list, an empty value,
text that begins with `=`), a formula pointing at the 合计 row of 项目, a cross-sheet check and
plain cells of every type that are copied unchanged.

Sheet 项目: the interventions row template on row 3 (a running total and a ratio formula on the
row, a merged range inside it, a scalar repeated on every copy) with its 合计 row 4 of SUMs; the
funds row template on row 7 (a merged range inside it) with its 合计 row 8.

Sheet 记录: the visits row template on row 2 (dates) and the logs row template on row 6
(booleans), each with a count under it.
"""

import datetime
import os
import sys

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="FFFFF2CC")
BOLD = Font(name="宋体", size=11, bold=True)
MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"


def header(ws, row, names):
    for col, name in enumerate(names, start=1):
        if name is None:
            continue
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")


def put(ws, ref, value, fmt=None, bold=False, fill=None, border=True):
    cell = ws[ref]
    cell.value = value
    if fmt:
        cell.number_format = fmt
    if bold:
        cell.font = BOLD
    if fill:
        cell.fill = fill
    if border:
        cell.border = BOX
    return cell


def overview(wb):
    ws = wb.active
    ws.title = "概况"
    ws.merge_cells("A1:D1")
    title = put(ws, "A1", "{{ village.name }}驻村月报（{{period.label}}）", border=False)
    title.font = Font(name="黑体", size=16, bold=True)
    title.fill = HEADER_FILL
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    put(
        ws,
        "A2",
        "截至{{ period.end }}，面积{{ village.area_km2 }}平方公里，预算{{ stats.funds_budget }}元，"
        "重点村：{{ village.key_poor_village }}，生成于{{ report.generated_at }}，"
        "作物：{{ village.main_crops }}，电话：{{ village.secretary_phone }}。",
        border=False,
    )
    header(ws, 3, ["项目", "值", "备注", None])
    rows = [
        ("村名", "{{ village.name }}", None),
        ("代码", "{{ village.code }}", "@"),
        ("总户数", "{{ village.household_count }}", "0"),
        ("面积", "{{ village.area_km2 }}", "0.00"),
        ("预算", "{{ stats.funds_budget }}", MONEY),
        ("报告期末", "{{ period.end }}", 'yyyy"年"m"月"d"日"'),
        ("报告期始", "{{ period.start }}", None),
        ("生成时间", "{{ report.generated_at }}", None),
        ("重点村", "{{ village.key_poor_village }}", None),
        ("作物", "{{ village.main_crops }}", None),
        ("电话", "{{ village.secretary_phone }}", "@"),
        ("填表人", "{{report.signer}}", None),
        ("年份", "{{ period.year }}", None),
    ]
    for i, (label, value, fmt) in enumerate(rows, start=4):
        put(ws, "A%d" % i, label, bold=True)
        put(ws, "B%d" % i, value, fmt)
    # Row 17: the projects' budget total, on the 合计 row of 项目 that moves down.
    put(ws, "A17", "项目预算合计", bold=True)
    put(ws, "B17", "=项目!C4", MONEY)
    put(ws, "C17", "=B17-B8", MONEY)
    # Row 18: plain cells copied unchanged.
    put(ws, "A18", "原样", bold=True)
    put(ws, "B18", 42)
    put(ws, "C18", True)
    put(ws, "D18", datetime.date(2026, 1, 2), DATE)
    put(ws, "D17", "=1+1")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 12
    ws.column_dimensions["D"].width = 12
    ws.freeze_panes = "A4"


def projects(wb):
    ws = wb.create_sheet("项目")
    ws.merge_cells("A1:I1")
    put(ws, "A1", "帮扶项目（{{ period.label }}）", bold=True, border=False)
    header(ws, 2, ["序号", "项目名称", "预算", "已拨付", "累计拨付", "拨付率", "进展", None, "报告期"])
    ws.merge_cells("G2:H2")
    put(ws, "A3", "{{ interventions.seq }}")
    put(ws, "B3", "{{ interventions.title }}")
    put(ws, "C3", "{{ interventions.budget }}", MONEY)
    put(ws, "D3", "{{ interventions.disbursed }}", MONEY)
    put(ws, "E3", "=SUM(D$3:D3)", MONEY)
    put(ws, "F3", "=IF(C3=0,0,D3/C3)", "0.0%")
    put(ws, "G3", "{{ interventions.progress }}")
    ws.merge_cells("G3:H3")
    put(ws, "I3", "{{ period.label }}")
    put(ws, "A4", "合计", bold=True, fill=TOTAL_FILL)
    put(ws, "C4", "=SUM(C3:C3)", MONEY, bold=True, fill=TOTAL_FILL)
    put(ws, "D4", "=SUM(D3:D3)", MONEY, bold=True, fill=TOTAL_FILL)
    put(ws, "F4", "=IF(C4=0,0,D4/C4)", "0.0%", bold=True, fill=TOTAL_FILL)

    header(ws, 6, ["序号", "项目", "来源", "金额", "已拨付", "说明", None, None, None])
    put(ws, "A7", "{{ funds.seq }}")
    put(ws, "B7", "{{ funds.intervention }}")
    put(ws, "C7", "{{ funds.source }}")
    put(ws, "D7", "{{ funds.amount }}", MONEY)
    put(ws, "E7", "{{ funds.disbursed }}", MONEY)
    put(ws, "F7", "{{ funds.source }}资金{{ funds.amount }}元")
    ws.merge_cells("F7:H7")
    put(ws, "A8", "合计", bold=True, fill=TOTAL_FILL)
    put(ws, "D8", "=SUM(D7:D7)", MONEY, bold=True, fill=TOTAL_FILL)
    put(ws, "E8", "=SUM(E6:E7)", MONEY, bold=True, fill=TOTAL_FILL)
    # Row 9: the funds total against the projects total (0 when they agree).
    put(ws, "A9", "核对", bold=True)
    put(ws, "D9", "=D8-C4", MONEY)
    for col, width in zip("ABCDEFGHI", [6, 30, 16, 16, 16, 10, 20, 20, 12]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"


def records(wb):
    ws = wb.create_sheet("记录")
    header(ws, 1, ["序号", "走访日期", "农户", "小组", "事由"])
    put(ws, "A2", "{{ visits.seq }}")
    put(ws, "B2", "{{ visits.date }}", DATE)
    put(ws, "C2", "{{ visits.household }}")
    put(ws, "D2", "{{ visits.group }}")
    put(ws, "E2", "{{ visits.purpose }}")
    put(ws, "A3", "户次", bold=True)
    put(ws, "B3", "=COUNTA(B2:B2)")
    header(ws, 5, ["序号", "日期", "在村", "类别", "内容"])
    put(ws, "A6", "{{ logs.seq }}")
    put(ws, "B6", "{{ logs.date }}", DATE)
    put(ws, "C6", "{{ logs.in_village }}")
    put(ws, "D6", "{{ logs.category }}")
    put(ws, "E6", "{{ logs.content }}")
    put(ws, "A7", "在村", bold=True)
    put(ws, "C7", '=COUNTIF(C6:C6,"是")')
    for col, width in zip("ABCDE", [6, 12, 12, 10, 50]):
        ws.column_dimensions[col].width = width


def meta(wb):
    ws = wb.create_sheet("_meta")
    for row, (key, value) in enumerate(
        [
            ("template_id", "golden-openpyxl"),
            ("version", 1),
            ("title", "金样月报"),
            ("period", "month"),
            ("issuer", "测试县"),
        ],
        start=1,
    ):
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_templates.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    wb = Workbook()
    overview(wb)
    projects(wb)
    records(wb)
    meta(wb)
    wb.save(os.path.join(out, "golden.xlsx"))


if __name__ == "__main__":
    main()
