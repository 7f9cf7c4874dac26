#!/usr/bin/env python3
"""Writes a template with formulas of every kind the .xls formula decoder must read back.

Usage: make_formula_kinds.py OUT_FILE  — writes the .xlsx OUT_FILE.

The integration test `an_xls_copy_keeps_every_kind_of_formula` (crates/core/tests/core/
template.rs) converts it with LibreOffice to .xls and checks that every formula reads the same
from both files. The formulas are written as Excel writes them in an .xlsx (sheet names quoted
only where Excel quotes them), since that is the text the .xls must give back.

Sheet 公式: column E holds one formula of each kind (functions with fixed and variable argument
counts, IF/CHOOSE/SUM attribute tokens, references to other sheets whose names need quotes,
absolute and mixed references, strings with quotes, unions, intersections, errors, booleans,
percent, unary minus, nested calls, whole columns and rows, array constants, defined names, add-in and
newer functions, spaces, a range of sheets); columns G to J are formulas filled down (LibreOffice stores most as
shared formulas); L2 is an array formula. Data, Extra, My Data, 2024, It's and Q1 hold numbers;
Data!D1 points back at 公式.
"""

import sys

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

FORMULAS = [
    "SUM(Data!A1:A10)",
    "'My Data'!B2*2",
    "'2024'!A1+'It''s'!A1+'Q1'!A1",
    "AVERAGE(Data!$A$1:$A$10)",
    "Data!A$1+Data!$B1",
    'IF(A2>0,"yes","no")',
    '"say ""hi"""&A2&"合计"',
    "CHOOSE(2,A2,A3,A4)",
    "SUM((A2:A4,C2:C4))",
    "IF(ISNA(A2),#N/A,1)",
    "IFERROR(1/A2,0)",
    "AND(TRUE,FALSE)",
    "A2*10%",
    "-A2+-(A3*3)",
    "ROUND(MAX(A2:A4)/MIN(Data!A1:A3),2)",
    "SUM(Data!C:C)",
    "SUM(Data!1:1)",
    "VLOOKUP(A2,Data!A1:C10,2,FALSE)",
    'SUMIF(Data!A1:A10,">2")',
    'COUNTIF(A2:A6,"<>0")',
    'TEXT(A2,"0.00")',
    'LEFT("abc",2)&MID("abcdef",2,3)',
    "DATE(2024,1,31)",
    "INDEX(Data!A1:C10,2,3)",
    "MATCH(3,Data!A1:A10,0)",
    "ABS(-1.5)+PI()",
    "TODAY()",
    "1E+20*A2",
    "0.5+A2",
    "A2>=1",
    "A2<>2",
    "A2<=3",
    "A2>4",
    "A2<5",
    "A2^2",
    'SUMIFS(Data!A1:A10,Data!B1:B10,">2")',
    'COUNTIFS(Data!A1:A10,">2")',
    "SUM(A2:C4 B3:D5)",
    "SUM({1,2;3,4})",
    "A2 + A3",
    "SUM(Data:Extra!A1)",
    "A2*Rate",
    "A2%",
    "IF(A2,,1)",
    "EDATE(A2,1)",
    "_xlfn.IFNA(A2,0)",
    "NOW()",
    'CONCATENATE("a","b")',
    "COUNTA(A:A)",
    "SUM(Data!A1:B2)-SUM('My Data'!$A$1:C$3)",
    "ROWS(A2:A9)",
    "MOD(INT(A2*7.5),3)+LEN(TRIM(\" x \"))",
    'SUBSTITUTE(UPPER("a-b"),"-","")',
    "ROUNDUP(A2/3,1)+YEAR(DATE(2026,11,30))",
    "SUM(A2,A3,A4,A5,A6,A7,A8,A9,A10,A11)",
    "ISBLANK(B2)",
]


def main(out):
    wb = Workbook()
    ws = wb.active
    ws.title = "公式"
    ws["A1"] = "{{ village.name }}"
    for r in range(2, 12):
        ws.cell(r, 1, r - 1)
        ws.cell(r, 3, (r - 1) * 1.5)
    sheets = [wb.create_sheet(n) for n in ("Data", "Extra", "My Data", "2024", "It's", "Q1")]
    for s in sheets:
        for r in range(1, 11):
            for c in range(1, 4):
                s.cell(r, c, r * c)
    sheets[0]["D1"] = "=SUM(公式!A2:A11)"
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="Data!$A$1")

    for i, f in enumerate(FORMULAS):
        ws.cell(2 + i, 5, "=" + f)
    # Filled down: relative, absolute and cross-sheet references.
    for r in range(2, 12):
        ws.cell(r, 7, f"=A{r}*2+C{r}")
        ws.cell(r, 8, f"=SUM($A$2:A{r})")
        ws.cell(r, 9, f"=Data!A{r - 1}*2")
        ws.cell(r, 10, f"=IF(A{r}>5,A{r},-A$2)")
    ws["L2"] = ArrayFormula("L2", "=SUM(A2:A4*C2:C4)")

    meta = wb.create_sheet("_meta")
    meta["A1"] = "template_id"
    meta["B1"] = "formula-kinds"
    meta["A2"] = "version"
    meta["B2"] = "1"
    wb.save(out)


if __name__ == "__main__":
    main(sys.argv[1])
