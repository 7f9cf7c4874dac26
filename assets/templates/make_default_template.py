#!/usr/bin/env python3
"""Writes assets/templates/default_monthly.xlsx, the county template Zhucun ships with.

The template is a realistic 驻村工作月报 as a county office (县乡村振兴局) would send it: a
cover sheet with the village profile and the month's figures, then one sheet per register —
projects, funds, school-pairing activities, visits, the work log, groups and households. It uses
every placeholder scope of TEMPLATES.md, row templates with 合计 rows of SUM formulas, formulas
on the rows (拨付进度 = 已拨付 / 预算), a cross-sheet formula, merged title rows, bold bordered
headers, column widths suited to Chinese, number formats (money `#,##0.00`, dates `yyyy-mm-dd`,
codes as text `@`) and frozen header rows.

The program embeds the generated file (`include_bytes!` in crates/core/src/template/default.rs)
and imports it on first run. Run from anywhere:

    python3 assets/templates/make_default_template.py [OUT]

OUT defaults to default_monthly.xlsx beside this script; the tests write elsewhere to check
that the committed file is what the script makes.

It needs openpyxl (`pip install openpyxl`). The output is byte-for-byte reproducible (fixed
document dates and zip timestamps), because an imported template is identified by its bytes:
the same id and version with different bytes is refused. So whenever the layout changes, raise
VERSION below, run the script and commit both files.
"""

import datetime
import io
import os
import re
import sys
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

TEMPLATE_ID = "zhucun-default"
VERSION = 1
TITLE = "驻村工作月报"
ISSUER = "县乡村振兴局（示例）"

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_monthly.xlsx")

# The look of the form.
BODY = "宋体"
HEADING = "黑体"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
TEXT = "@"
PERCENT = "0.0%"
INTEGER = "0"
# Decimals (altitude, area, mu) show as typed: 2200, 9.6, 0.8 — General does that.
DECIMAL = None


def ph(path):
    """A whole-cell placeholder."""
    return "{{ %s }}" % path


def title(ws, row, last_col, text, size=16, height=30):
    """A merged title row across the sheet's columns."""
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(name=HEADING, size=size, bold=True)
    cell.alignment = CENTER
    ws.row_dimensions[row].height = height


def subtitle(ws, row, last_col, text):
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(name=BODY, size=11)
    cell.alignment = LEFT
    ws.row_dimensions[row].height = 20


def section(ws, row, last_col, text):
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(name=HEADING, size=12, bold=True)
    cell.alignment = LEFT
    ws.row_dimensions[row].height = 22


def header(ws, row, names):
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = Font(name=BODY, size=11, bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = CENTER
    ws.row_dimensions[row].height = 30


def body(ws, row, col, value, fmt=None, align=None, bold=False, fill=None):
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = Font(name=BODY, size=11, bold=bold)
    cell.border = BOX
    cell.alignment = align or LEFT
    if fmt:
        cell.number_format = fmt
    if fill:
        cell.fill = fill
    return cell


def row_template(ws, row, columns):
    """One row template: `columns` is a list of (value, number format, alignment)."""
    for col, (value, fmt, align) in enumerate(columns, start=1):
        body(ws, row, col, value, fmt, align)
    ws.row_dimensions[row].height = 20


def widths(ws, values):
    for col, width in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def signature(ws, row, last_col):
    """The line a clerk signs under each sheet."""
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    cell = ws.cell(
        row=row,
        column=1,
        value="填表人：{{ report.signer }}　　审核人：　　　　　　填报日期：{{ period.end }}",
    )
    cell.font = Font(name=BODY, size=11)
    cell.alignment = LEFT
    ws.row_dimensions[row].height = 24


def page(ws, landscape=True):
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


# Rows of the projects sheet the cover refers to (1-based): the row template and its 合计.
PROJECT_ROW = 4
PROJECT_TOTAL = PROJECT_ROW + 1


def cover(wb):
    ws = wb.active
    ws.title = "村情"
    last = 4
    title(ws, 1, last, "{{ village.name }}驻村工作月报")
    subtitle(
        ws,
        2,
        last,
        "{{ village.county }}{{ village.township }}　报告期：{{ period.label }}"
        "（{{ period.start }} 至 {{ period.end }}）",
    )

    section(ws, 3, last, "一、村基本情况")
    profile = [
        ("行政区划代码", "village.code", TEXT, "村名", "village.name", None),
        ("所属县", "village.county", None, "所属乡镇", "village.township", None),
        ("海拔（米）", "village.altitude_m", DECIMAL, "面积（平方公里）", "village.area_km2", DECIMAL),
        ("村民小组（个）", "village.group_count", INTEGER, "总户数（户）", "village.household_count", INTEGER),
        ("总人口（人）", "village.population", INTEGER, "耕地面积（亩）", "village.farmland_mu", DECIMAL),
        ("人均耕地（亩）", "village.farmland_per_capita_mu", DECIMAL, "是否重点贫困村", "village.key_poor_village", None),
        ("主要作物", "village.main_crops", None, "主要畜禽", "village.livestock", None),
        ("民族", "village.ethnic_groups", None, "驻村第一书记", "village.secretary", None),
        ("联系电话", "village.secretary_phone", TEXT, "报告年月", "period.year", None),
    ]
    row = 4
    for label1, path1, fmt1, label2, path2, fmt2 in profile:
        body(ws, row, 1, label1, bold=True, fill=LABEL_FILL)
        body(ws, row, 2, ph(path1), fmt1)
        body(ws, row, 3, label2, bold=True, fill=LABEL_FILL)
        if path2 == "period.year":
            body(ws, row, 4, "{{ period.year }}年{{ period.month }}月")
        else:
            body(ws, row, 4, ph(path2), fmt2)
        ws.row_dimensions[row].height = 20
        row += 1

    row += 1
    section(ws, row, last, "二、本月主要指标")
    row += 1
    header(ws, row, ["指标", "数值", "指标", "数值"])
    row += 1
    figures = [
        ("贫困户（户）", "stats.poor_households", INTEGER, "贫困人口（人）", "stats.poor_population", INTEGER),
        ("已脱贫户（户）", "stats.lifted_households", INTEGER, "已脱贫人口（人）", "stats.lifted_population", INTEGER),
        ("监测户（户）", "stats.monitored_households", INTEGER, "人均纯收入（元）", "stats.per_capita_income", MONEY),
        ("饮水不安全户（户）", "stats.households_without_safe_water", INTEGER, "饮水不安全人口（人）", "stats.people_without_safe_water", INTEGER),
        ("未通路小组（个）", "stats.groups_without_road", INTEGER, "未硬化路小组（个）", "stats.groups_unpaved_road", INTEGER),
        ("在实施项目（个）", "stats.interventions_active", INTEGER, "项目资金预算（元）", "stats.funds_budget", MONEY),
        ("累计拨付（元）", "stats.funds_disbursed", MONEY, "本月拨付（元）", "stats.funds_disbursed_in_period", MONEY),
        ("本月走访（户次）", "stats.visits_in_period", INTEGER, "本月计划活动（次）", "stats.activities_planned_in_period", INTEGER),
        ("本月完成活动（次）", "stats.activities_done_in_period", INTEGER, "本月驻村天数", "stats.days_in_village_in_period", INTEGER),
        ("本年累计驻村天数", "stats.days_in_village_year_to_date", INTEGER, None, None, None),
    ]
    for label1, path1, fmt1, label2, path2, fmt2 in figures:
        body(ws, row, 1, label1, bold=True, fill=LABEL_FILL)
        body(ws, row, 2, ph(path1), fmt1, RIGHT)
        if label2:
            body(ws, row, 3, label2, bold=True, fill=LABEL_FILL)
            body(ws, row, 4, ph(path2), fmt2, RIGHT)
        else:
            # The projects' payment progress, from the 合计 row of 帮扶项目 (which moves down
            # as the projects fill in: the reference follows it).
            body(ws, row, 3, "项目资金拨付进度", bold=True, fill=LABEL_FILL)
            body(
                ws,
                row,
                4,
                "=IF(帮扶项目!I{0}=0,0,帮扶项目!J{0}/帮扶项目!I{0})".format(PROJECT_TOTAL),
                PERCENT,
                RIGHT,
            )
        ws.row_dimensions[row].height = 20
        row += 1

    row += 1
    section(ws, row, last, "三、村致贫原因")
    row += 1
    header(ws, row, ["序号", "类别", "说明", ""])
    ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
    row += 1
    # The causes row template, with its description merged over two columns on every copy.
    row_template(
        ws,
        row,
        [
            (ph("causes.seq"), INTEGER, CENTER),
            (ph("causes.category"), None, LEFT),
            (ph("causes.description"), None, LEFT),
            (None, None, LEFT),
        ],
    )
    ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
    row += 2

    body(ws, row, 1, "生成时间", bold=True, fill=LABEL_FILL)
    body(ws, row, 2, ph("report.generated_at"), DATETIME)
    body(ws, row, 3, "生成程序", bold=True, fill=LABEL_FILL)
    body(ws, row, 4, ph("report.app_version"))
    row += 1
    signature(ws, row, last)

    widths(ws, [22, 30, 22, 30])
    ws.freeze_panes = "A3"
    page(ws, landscape=False)


def projects(wb):
    ws = wb.create_sheet("帮扶项目")
    names = [
        "序号", "类别", "项目名称", "开始日期", "结束日期", "状态", "建设数量", "单位",
        "预算（元）", "累计拨付（元）", "本月拨付（元）", "拨付进度", "受益户数", "受益人数",
        "责任人", "进展情况",
    ]
    last = len(names)
    title(ws, 1, last, "{{ village.name }}帮扶项目实施情况表（{{ period.label }}）")
    subtitle(ws, 2, last, "金额单位：元　　统计截至：{{ period.end }}")
    header(ws, 3, names)
    r = PROJECT_ROW
    row_template(
        ws,
        r,
        [
            (ph("interventions.seq"), INTEGER, CENTER),
            (ph("interventions.category"), None, CENTER),
            (ph("interventions.title"), None, LEFT),
            (ph("interventions.start"), DATE, CENTER),
            (ph("interventions.end"), DATE, CENTER),
            (ph("interventions.status"), None, CENTER),
            (ph("interventions.quantity"), DECIMAL, RIGHT),
            (ph("interventions.unit"), None, CENTER),
            (ph("interventions.budget"), MONEY, RIGHT),
            (ph("interventions.disbursed"), MONEY, RIGHT),
            (ph("interventions.disbursed_in_period"), MONEY, RIGHT),
            ("=IF(I{0}=0,0,J{0}/I{0})".format(r), PERCENT, RIGHT),
            (ph("interventions.beneficiary_households"), INTEGER, RIGHT),
            (ph("interventions.beneficiary_people"), INTEGER, RIGHT),
            (ph("interventions.responsible"), None, LEFT),
            (ph("interventions.progress"), None, LEFT),
        ],
    )
    t = PROJECT_TOTAL
    ws.merge_cells(start_row=t, start_column=1, end_row=t, end_column=8)
    body(ws, t, 1, "合计", align=CENTER, bold=True, fill=TOTAL_FILL)
    for col in range(2, last + 1):
        body(ws, t, col, None, fill=TOTAL_FILL)
    for col in "IJK":
        c = ws["%s%d" % (col, t)]
        c.value = "=SUM({0}{1}:{0}{1})".format(col, r)
        c.number_format = MONEY
        c.alignment = RIGHT
        c.font = Font(name=BODY, size=11, bold=True)
    ws["L%d" % t].value = "=IF(I{0}=0,0,J{0}/I{0})".format(t)
    ws["L%d" % t].number_format = PERCENT
    ws["L%d" % t].alignment = RIGHT
    for col in "MN":
        c = ws["%s%d" % (col, t)]
        c.value = "=SUM({0}{1}:{0}{1})".format(col, r)
        c.number_format = INTEGER
        c.alignment = RIGHT
        c.font = Font(name=BODY, size=11, bold=True)
    ws.cell(row=t + 1, column=1, value="注：拨付进度 = 累计拨付 ÷ 预算；预算为各资金来源金额之和。").font = Font(
        name=BODY, size=10, italic=True
    )
    signature(ws, t + 2, last)
    widths(ws, [6, 12, 30, 12, 12, 9, 10, 7, 15, 15, 15, 10, 9, 9, 14, 40])
    ws.freeze_panes = "D4"
    page(ws)


def funds(wb):
    ws = wb.create_sheet("资金")
    names = ["序号", "项目名称", "资金来源", "金额（元）", "累计拨付（元）", "未拨付（元）", "拨付进度"]
    last = len(names)
    title(ws, 1, last, "{{ village.name }}帮扶项目资金来源及拨付情况（{{ period.label }}）")
    subtitle(ws, 2, last, "金额单位：元　　统计截至：{{ period.end }}")
    header(ws, 3, names)
    r = 4
    row_template(
        ws,
        r,
        [
            (ph("funds.seq"), INTEGER, CENTER),
            (ph("funds.intervention"), None, LEFT),
            (ph("funds.source"), None, CENTER),
            (ph("funds.amount"), MONEY, RIGHT),
            (ph("funds.disbursed"), MONEY, RIGHT),
            ("=D{0}-E{0}".format(r), MONEY, RIGHT),
            ("=IF(D{0}=0,0,E{0}/D{0})".format(r), PERCENT, RIGHT),
        ],
    )
    t = r + 1
    ws.merge_cells(start_row=t, start_column=1, end_row=t, end_column=3)
    body(ws, t, 1, "合计", align=CENTER, bold=True, fill=TOTAL_FILL)
    for col in range(2, last + 1):
        body(ws, t, col, None, fill=TOTAL_FILL)
    for col in "DEF":
        c = ws["%s%d" % (col, t)]
        c.value = "=SUM({0}{1}:{0}{1})".format(col, r)
        c.number_format = MONEY
        c.alignment = RIGHT
        c.font = Font(name=BODY, size=11, bold=True)
    ws["G%d" % t].value = "=IF(D{0}=0,0,E{0}/D{0})".format(t)
    ws["G%d" % t].number_format = PERCENT
    ws["G%d" % t].alignment = RIGHT
    # The funds total checked against the cover's figure.
    ws.cell(row=t + 1, column=1, value="核对：村情表“项目资金预算”").font = Font(name=BODY, size=10, italic=True)
    ws.merge_cells(start_row=t + 1, start_column=1, end_row=t + 1, end_column=3)
    check = ws.cell(row=t + 1, column=4, value=ph("stats.funds_budget"))
    check.number_format = MONEY
    check.font = Font(name=BODY, size=10, italic=True)
    signature(ws, t + 2, last)
    widths(ws, [6, 34, 12, 16, 16, 16, 10])
    ws.freeze_panes = "A4"
    page(ws, landscape=False)


def activities(wb):
    ws = wb.create_sheet("结对活动")
    names = ["序号", "日期", "学期", "活动类型", "活动名称", "承办学校", "结对学校", "参加人员", "负责人", "状态"]
    last = len(names)
    title(ws, 1, last, "学校结对帮扶活动开展情况（{{ period.label }}）")
    subtitle(
        ws,
        2,
        last,
        "本月计划活动 {{ stats.activities_planned_in_period }} 次，已完成 {{ stats.activities_done_in_period }} 次",
    )
    header(ws, 3, names)
    r = 4
    row_template(
        ws,
        r,
        [
            (ph("activities.seq"), INTEGER, CENTER),
            (ph("activities.date"), DATE, CENTER),
            (ph("activities.semester"), None, CENTER),
            (ph("activities.type"), None, CENTER),
            (ph("activities.title"), None, LEFT),
            (ph("activities.host_school"), None, LEFT),
            (ph("activities.partner_schools"), None, LEFT),
            (ph("activities.participants"), None, LEFT),
            (ph("activities.responsible"), None, LEFT),
            (ph("activities.status"), None, CENTER),
        ],
    )
    t = r + 1
    body(ws, t, 1, "本月活动", bold=True, fill=TOTAL_FILL)
    ws.merge_cells(start_row=t, start_column=1, end_row=t, end_column=2)
    body(ws, t, 2, None, fill=TOTAL_FILL)
    body(ws, t, 3, "=COUNTA(E{0}:E{0})".format(r), INTEGER, RIGHT, bold=True, fill=TOTAL_FILL)
    body(ws, t, 4, "次", fill=TOTAL_FILL)
    signature(ws, t + 1, last)
    widths(ws, [6, 12, 10, 12, 32, 18, 30, 30, 16, 8])
    ws.freeze_panes = "A4"
    page(ws)


def visits(wb):
    ws = wb.create_sheet("走访记录")
    names = ["序号", "走访日期", "走访农户（户主）", "村民小组", "走访事由", "情况记录", "后续跟进"]
    last = len(names)
    title(ws, 1, last, "入户走访记录（{{ period.label }}）")
    subtitle(ws, 2, last, "本月走访 {{ stats.visits_in_period }} 户次")
    header(ws, 3, names)
    r = 4
    row_template(
        ws,
        r,
        [
            (ph("visits.seq"), INTEGER, CENTER),
            (ph("visits.date"), DATE, CENTER),
            (ph("visits.household"), None, CENTER),
            (ph("visits.group"), None, CENTER),
            (ph("visits.purpose"), None, LEFT),
            (ph("visits.notes"), None, LEFT),
            (ph("visits.follow_up"), None, LEFT),
        ],
    )
    t = r + 1
    body(ws, t, 1, "合计", bold=True, fill=TOTAL_FILL, align=CENTER)
    ws.merge_cells(start_row=t, start_column=1, end_row=t, end_column=2)
    body(ws, t, 2, None, fill=TOTAL_FILL)
    body(ws, t, 3, "=COUNTA(E{0}:E{0})".format(r), INTEGER, RIGHT, bold=True, fill=TOTAL_FILL)
    body(ws, t, 4, "户次", fill=TOTAL_FILL)
    signature(ws, t + 1, last)
    widths(ws, [6, 12, 16, 10, 30, 48, 40])
    ws.freeze_panes = "A4"
    page(ws)


def logs(wb):
    ws = wb.create_sheet("驻村日志")
    names = ["序号", "日期", "是否在村", "工作类别", "工作内容"]
    last = len(names)
    title(ws, 1, last, "驻村第一书记工作日志（{{ period.label }}）")
    subtitle(
        ws,
        2,
        last,
        "驻村第一书记：{{ village.secretary }}　本月驻村 {{ stats.days_in_village_in_period }} 天，"
        "本年累计 {{ stats.days_in_village_year_to_date }} 天",
    )
    header(ws, 3, names)
    r = 4
    row_template(
        ws,
        r,
        [
            (ph("logs.seq"), INTEGER, CENTER),
            (ph("logs.date"), DATE, CENTER),
            (ph("logs.in_village"), None, CENTER),
            (ph("logs.category"), None, CENTER),
            (ph("logs.content"), None, LEFT),
        ],
    )
    t = r + 1
    body(ws, t, 1, "在村天数", bold=True, fill=TOTAL_FILL)
    ws.merge_cells(start_row=t, start_column=1, end_row=t, end_column=2)
    body(ws, t, 2, None, fill=TOTAL_FILL)
    body(ws, t, 3, '=COUNTIF(C{0}:C{0},"是")'.format(r), INTEGER, RIGHT, bold=True, fill=TOTAL_FILL)
    body(ws, t, 4, "本年累计", bold=True, fill=TOTAL_FILL)
    body(ws, t, 5, ph("stats.days_in_village_year_to_date"), INTEGER, LEFT, fill=TOTAL_FILL)
    signature(ws, t + 1, last)
    widths(ws, [6, 12, 10, 12, 70])
    ws.freeze_panes = "A4"
    page(ws, landscape=False)


def groups_and_households(wb):
    ws = wb.create_sheet("小组与农户")
    last = 11
    title(ws, 1, last, "{{ village.name }}村民小组及农户基本情况（{{ period.label }}）")
    section(ws, 2, last, "一、村民小组（户数、人口为调查数）")
    header(ws, 3, ["序号", "小组名称", "户数", "人口", "道路", "饮水安全户数", "饮水安全人数"])
    r = 4
    row_template(
        ws,
        r,
        [
            (ph("groups.seq"), INTEGER, CENTER),
            (ph("groups.name"), None, CENTER),
            (ph("groups.household_count"), INTEGER, RIGHT),
            (ph("groups.population"), INTEGER, RIGHT),
            (ph("groups.road"), None, CENTER),
            (ph("groups.safe_water_households"), INTEGER, RIGHT),
            (ph("groups.safe_water_people"), INTEGER, RIGHT),
        ],
    )
    t = r + 1
    body(ws, t, 1, "合计", bold=True, fill=TOTAL_FILL, align=CENTER)
    ws.merge_cells(start_row=t, start_column=1, end_row=t, end_column=2)
    body(ws, t, 2, None, fill=TOTAL_FILL)
    for col in "CDFG":
        body(ws, t, " ABCDEFG".index(col), "=SUM({0}{1}:{0}{1})".format(col, r), INTEGER, RIGHT, bold=True, fill=TOTAL_FILL)
    body(ws, t, 5, None, fill=TOTAL_FILL)

    s = t + 2
    section(ws, s, last, "二、农户信息（按户编号）")
    header(
        ws,
        s + 1,
        ["序号", "户编号", "户主姓名", "村民小组", "家庭人口", "户类型", "识别年度", "脱贫年度",
         "主要致贫原因", "其他致贫原因", "人均纯收入（元）"],
    )
    h = s + 2
    row_template(
        ws,
        h,
        [
            (ph("households.seq"), INTEGER, CENTER),
            (ph("households.code"), TEXT, CENTER),
            (ph("households.head_name"), None, CENTER),
            (ph("households.group"), None, CENTER),
            (ph("households.size"), INTEGER, RIGHT),
            (ph("households.status"), None, CENTER),
            (ph("households.identified_year"), INTEGER, CENTER),
            (ph("households.lifted_year"), INTEGER, CENTER),
            (ph("households.primary_cause"), None, CENTER),
            (ph("households.other_causes"), None, LEFT),
            (ph("households.income_per_capita"), MONEY, RIGHT),
        ],
    )
    body(ws, h + 1, 1, "合计", bold=True, fill=TOTAL_FILL, align=CENTER)
    ws.merge_cells(start_row=h + 1, start_column=1, end_row=h + 1, end_column=2)
    body(ws, h + 1, 2, None, fill=TOTAL_FILL)
    body(ws, h + 1, 3, "=COUNTA(C{0}:C{0})".format(h), INTEGER, RIGHT, bold=True, fill=TOTAL_FILL)
    body(ws, h + 1, 4, "户", fill=TOTAL_FILL)
    body(ws, h + 1, 5, "=SUM(E{0}:E{0})".format(h), INTEGER, RIGHT, bold=True, fill=TOTAL_FILL)
    for col in range(6, last + 1):
        body(ws, h + 1, col, None, fill=TOTAL_FILL)
    signature(ws, h + 2, last)
    widths(ws, [6, 14, 12, 10, 10, 10, 10, 10, 14, 24, 16])
    ws.freeze_panes = "A4"
    page(ws)


def meta(wb):
    ws = wb.create_sheet("_meta")
    for row, (key, value) in enumerate(
        [
            ("template_id", TEMPLATE_ID),
            ("version", VERSION),
            ("title", TITLE),
            ("period", "month"),
            ("issuer", ISSUER),
        ],
        start=1,
    ):
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 24
    ws.sheet_state = "hidden"


FIXED_DATE = datetime.datetime(2026, 1, 1)


def reproducible(data):
    """The same workbook with every zip entry dated 1980-01-01 and the document's modification
    date fixed (openpyxl stamps the time of saving), so the bytes depend only on the content."""
    out = io.BytesIO()
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    lambda m: m.group(1) + stamp.encode() + m.group(2),
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def main():
    wb = Workbook()
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    wb.properties.creator = ISSUER
    wb.properties.title = TITLE
    cover(wb)
    projects(wb)
    funds(wb)
    activities(wb)
    visits(wb)
    logs(wb)
    groups_and_households(wb)
    meta(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    with open(out, "wb") as f:
        f.write(reproducible(buffer.getvalue()))
    print("wrote", out)


if __name__ == "__main__":
    main()
