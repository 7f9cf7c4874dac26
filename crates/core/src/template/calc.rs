//! Computing the results of a return's formulas, so the file carries a true cached value.
//!
//! rust_xlsxwriter stores a formula's result as written, and LibreOffice 7.4 shows that cached
//! value instead of recalculating (DEPENDENCIES.md). A total that shows a stale 0 is worse than
//! none, so the renderer computes what it can: arithmetic, comparison and text joining,
//! references and ranges (across sheets too), and `SUM`, `COUNT`, `COUNTA`, `AVERAGE`, `MIN`,
//! `MAX`, `IF`, `IFERROR`, `AND`, `OR`, `NOT`, `ROUND`, `ABS`, `INT`. Anything else — another
//! function, a defined name, a reference into another workbook, a circular reference — is
//! [`Unknown`], and the cell is written with an empty result, which every program recalculates.

use super::shift::{lex, Area, Token, TokenKind};

/// A value a formula computes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A number (dates are numbers too).
    Num(f64),
    /// Text.
    Text(String),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// An error value such as `#DIV/0!`.
    Error(&'static str),
    /// An empty cell.
    Empty,
}

/// A non-empty cell met while walking a range: its text is not needed by any function here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Item {
    Num(f64),
    Text,
    Bool(bool),
    Error(&'static str),
}

/// The result cannot be computed here: the cell is left for the spreadsheet program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unknown;

type Calc<T> = Result<T, Unknown>;

/// The cells a formula reads.
pub(crate) trait Book {
    /// The sheet a reference names (`None`: the formula's own sheet).
    fn sheet(&self, name: Option<&str>) -> Option<usize>;
    /// The value of one cell, computing it first if it holds a formula.
    fn cell(&mut self, sheet: usize, row: u32, col: u32) -> Calc<Value>;
    /// Calls `visit` with every non-empty cell of the rectangle, row by row.
    fn each(
        &mut self,
        sheet: usize,
        rows: (u32, u32),
        cols: (u32, u32),
        visit: &mut dyn FnMut(Item),
    ) -> Calc<()>;
}

/// Computes a formula (Excel syntax, without `=`).
pub(crate) fn evaluate(formula: &str, book: &mut dyn Book) -> Calc<Value> {
    if formula.len() > MAX_FORMULA_LEN {
        return Err(Unknown);
    }
    let tokens: Vec<Token<'_>> = lex(formula)
        .into_iter()
        .filter(|t| t.kind != TokenKind::Space)
        .collect();
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        level: 0,
    };
    let (expr, _) = parser.expression(0)?;
    if parser.at != tokens.len() {
        return Err(Unknown);
    }
    let value = eval(&expr, book)?;
    Ok(match value {
        Arg::Value(v) => v,
        Arg::Range(..) => return Err(Unknown),
    })
}

/// The text a computed value is cached as.
pub(crate) fn result_text(value: &Value) -> String {
    match value {
        Value::Num(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                format!("{n}")
            }
        }
        Value::Text(t) => t.clone(),
        Value::Bool(true) => "TRUE".into(),
        Value::Bool(false) => "FALSE".into(),
        Value::Error(e) => (*e).to_string(),
        Value::Empty => "0".into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(f64),
    Str(String),
    Bool(bool),
    Error(&'static str),
    Ref(Option<String>, Area),
    Neg(Box<Expr>),
    Percent(Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    /// An argument left out: `IF(A1,,2)`.
    Missing,
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    at: usize,
    /// How deep `expression` is nested.
    level: u32,
}

/// Binary operators with their binding power (Excel's precedence, all left-associative).
const BINARY: [(&str, u8); 12] = [
    ("=", 1),
    ("<>", 1),
    ("<", 1),
    (">", 1),
    ("<=", 1),
    (">=", 1),
    ("&", 2),
    ("+", 3),
    ("-", 3),
    ("*", 4),
    ("/", 4),
    ("^", 5),
];

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.at)
    }

    fn is_op(&self, op: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Op && t.text == op)
    }

    /// An expression and the depth of its tree, which is kept shallow (evaluation recurses over
    /// it, and formulas recurse into the formulas they read).
    fn expression(&mut self, min_power: u8) -> Calc<(Expr, u32)> {
        // Parsing recurses too: a formula of nothing but `(` must not exhaust the stack.
        self.level += 1;
        if self.level > MAX_DEPTH {
            return Err(Unknown);
        }
        let result = self.operations(min_power);
        self.level -= 1;
        result
    }

    fn operations(&mut self, min_power: u8) -> Calc<(Expr, u32)> {
        let (mut left, mut depth) = self.prefix()?;
        loop {
            if depth > MAX_DEPTH {
                return Err(Unknown);
            }
            if self.is_op("%") {
                self.at += 1;
                left = Expr::Percent(Box::new(left));
                depth += 1;
                continue;
            }
            let Some(&(op, power)) = self.peek().and_then(|t| {
                (t.kind == TokenKind::Op)
                    .then(|| BINARY.iter().find(|(o, _)| *o == t.text))
                    .flatten()
            }) else {
                return Ok((left, depth));
            };
            if power <= min_power {
                return Ok((left, depth));
            }
            self.at += 1;
            let (right, right_depth) = self.expression(power)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
            depth = depth.max(right_depth) + 1;
        }
    }

    fn prefix(&mut self) -> Calc<(Expr, u32)> {
        let token = self.peek().ok_or(Unknown)?.clone();
        self.at += 1;
        let leaf = |e: Expr| Ok((e, 1));
        match token.kind {
            TokenKind::Number => token
                .text
                .parse()
                .map_or(Err(Unknown), |n| leaf(Expr::Num(n))),
            TokenKind::Str => {
                let inner = token
                    .text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .ok_or(Unknown)?;
                leaf(Expr::Str(inner.replace("\"\"", "\"")))
            }
            TokenKind::Bool(b) => leaf(Expr::Bool(b)),
            TokenKind::Error => ERROR_NAMES
                .iter()
                .find(|e| e.eq_ignore_ascii_case(token.text))
                .map_or(Err(Unknown), |e| leaf(Expr::Error(e))),
            TokenKind::Ref(r) => leaf(Expr::Ref(r.sheet.map(|s| s.into_owned()), r.area)),
            TokenKind::Op if token.text == "-" => {
                // Negation binds tighter than `^` in Excel: -2^2 is 4.
                let (e, depth) = self.expression(5)?;
                Ok((Expr::Neg(Box::new(e)), depth + 1))
            }
            TokenKind::Op if token.text == "+" => self.expression(5),
            TokenKind::Op if token.text == "(" => {
                let inner = self.expression(0)?;
                if !self.is_op(")") {
                    return Err(Unknown);
                }
                self.at += 1;
                Ok(inner)
            }
            TokenKind::Name if self.is_op("(") => {
                self.at += 1;
                let name = token.text.to_ascii_uppercase();
                let name = name.strip_prefix("_XLFN.").unwrap_or(&name).to_string();
                let mut args = Vec::new();
                let mut depth = 1;
                if self.is_op(")") {
                    self.at += 1;
                    return Ok((Expr::Call(name, args), depth));
                }
                loop {
                    if self.is_op(",") || self.is_op(")") {
                        args.push(Expr::Missing);
                    } else {
                        let (arg, d) = self.expression(0)?;
                        args.push(arg);
                        depth = depth.max(d + 1);
                    }
                    if self.is_op(",") {
                        self.at += 1;
                    } else if self.is_op(")") {
                        self.at += 1;
                        return Ok((Expr::Call(name, args), depth));
                    } else {
                        return Err(Unknown);
                    }
                }
            }
            _ => Err(Unknown),
        }
    }
}

/// The deepest expression tree computed (Excel nests functions 64 deep at most).
const MAX_DEPTH: u32 = 64;

/// The longest formula computed, in bytes (Excel's limit is 8,192 characters).
const MAX_FORMULA_LEN: usize = 32 * 1024;

const ERROR_NAMES: [&str; 10] = [
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
];

/// A computed argument: a value, or a rectangle that functions walk.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Value(Value),
    Range(usize, (u32, u32), (u32, u32)),
}

fn eval(expr: &Expr, book: &mut dyn Book) -> Calc<Arg> {
    Ok(Arg::Value(match expr {
        Expr::Num(n) => Value::Num(*n),
        Expr::Str(s) => Value::Text(s.clone()),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Error(e) => Value::Error(e),
        Expr::Missing => Value::Empty,
        Expr::Ref(sheet, area) => {
            let sheet = book.sheet(sheet.as_deref()).ok_or(Unknown)?;
            return Ok(match *area {
                Area::Cell(c) => Arg::Value(book.cell(sheet, c.row, c.col)?),
                Area::Range(a, b) => Arg::Range(
                    sheet,
                    (a.row.min(b.row), a.row.max(b.row)),
                    (a.col.min(b.col), a.col.max(b.col)),
                ),
                Area::Rows { first, last, .. } => Arg::Range(
                    sheet,
                    (first.min(last), first.max(last)),
                    (0, super::shift::MAX_COL),
                ),
                Area::Columns { first, last, .. } => Arg::Range(
                    sheet,
                    (0, super::shift::MAX_ROW),
                    (first.min(last), first.max(last)),
                ),
            });
        }
        Expr::Neg(e) => match number(scalar(e, book)?) {
            Ok(n) => Value::Num(-n),
            Err(e) => Value::Error(e),
        },
        Expr::Percent(e) => match number(scalar(e, book)?) {
            Ok(n) => Value::Num(n / 100.0),
            Err(e) => Value::Error(e),
        },
        Expr::Binary(op, l, r) => binary(op, scalar(l, book)?, scalar(r, book)?),
        Expr::Call(name, args) => call(name, args, book)?,
    }))
}

/// An expression that must be one value (a range there is left to the spreadsheet program,
/// which intersects it with the formula's row).
fn scalar(expr: &Expr, book: &mut dyn Book) -> Calc<Value> {
    match eval(expr, book)? {
        Arg::Value(v) => Ok(v),
        Arg::Range(..) => Err(Unknown),
    }
}

/// A value as a number, as arithmetic reads it.
fn number(value: Value) -> Result<f64, &'static str> {
    match value {
        Value::Num(n) => Ok(n),
        Value::Bool(b) => Ok(f64::from(u8::from(b))),
        Value::Empty => Ok(0.0),
        Value::Text(t) => t.trim().parse().map_err(|_| "#VALUE!"),
        Value::Error(e) => Err(e),
    }
}

/// A value as text, as `&` reads it.
fn text(value: Value) -> Result<String, &'static str> {
    match value {
        Value::Num(n) => Ok(general(n)),
        Value::Text(t) => Ok(t),
        Value::Bool(b) => Ok(if b { "TRUE" } else { "FALSE" }.into()),
        Value::Empty => Ok(String::new()),
        Value::Error(e) => Err(e),
    }
}

/// A value as a condition, as `IF` reads it.
fn truth(value: Value) -> Result<bool, &'static str> {
    match value {
        Value::Bool(b) => Ok(b),
        Value::Num(n) => Ok(n != 0.0),
        Value::Empty => Ok(false),
        Value::Text(t) if t.eq_ignore_ascii_case("TRUE") => Ok(true),
        Value::Text(t) if t.eq_ignore_ascii_case("FALSE") => Ok(false),
        Value::Text(_) => Err("#VALUE!"),
        Value::Error(e) => Err(e),
    }
}

/// A number as Excel's General format shows it: at most 15 significant digits.
fn general(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let magnitude = if n == 0.0 {
        0
    } else {
        n.abs().log10().floor() as i32
    };
    let decimals = usize::try_from(14 - magnitude).unwrap_or(0).min(30);
    let s = format!("{n:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn finite(n: f64) -> Value {
    if n.is_finite() {
        Value::Num(n)
    } else {
        Value::Error("#NUM!")
    }
}

fn binary(op: &str, l: Value, r: Value) -> Value {
    match op {
        "&" => match (text(l), text(r)) {
            (Ok(a), Ok(b)) => Value::Text(a + &b),
            (Err(e), _) | (_, Err(e)) => Value::Error(e),
        },
        "=" | "<>" | "<" | ">" | "<=" | ">=" => {
            if let Value::Error(e) = l {
                return Value::Error(e);
            }
            if let Value::Error(e) = r {
                return Value::Error(e);
            }
            let ord = compare(&l, &r);
            Value::Bool(match op {
                "=" => ord.is_eq(),
                "<>" => !ord.is_eq(),
                "<" => ord.is_lt(),
                ">" => ord.is_gt(),
                "<=" => ord.is_le(),
                _ => ord.is_ge(),
            })
        }
        _ => {
            let (a, b) = match (number(l), number(r)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return Value::Error(e),
            };
            match op {
                "+" => finite(a + b),
                "-" => finite(a - b),
                "*" => finite(a * b),
                "/" if b == 0.0 => Value::Error("#DIV/0!"),
                "/" => finite(a / b),
                _ => finite(a.powf(b)),
            }
        }
    }
}

/// Excel's order across types: numbers, then text (without regard to case), then booleans; an
/// empty cell is 0, "" or FALSE as the other side needs.
fn compare(l: &Value, r: &Value) -> std::cmp::Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Num(_) => 0,
            Value::Text(_) => 1,
            Value::Bool(_) => 2,
            Value::Empty | Value::Error(_) => 3,
        }
    }
    let empty_as = |other: &Value| match other {
        Value::Text(_) => Value::Text(String::new()),
        Value::Bool(_) => Value::Bool(false),
        _ => Value::Num(0.0),
    };
    let l = if *l == Value::Empty {
        empty_as(r)
    } else {
        l.clone()
    };
    let r = if *r == Value::Empty {
        empty_as(&l)
    } else {
        r.clone()
    };
    match (&l, &r) {
        (Value::Num(a), Value::Num(b)) => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
        (Value::Text(a), Value::Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        _ => rank(&l).cmp(&rank(&r)),
    }
}

/// Numbers of a function's arguments as `SUM` reads them: in a range only numbers count (text
/// and booleans are skipped); a value given directly is converted; the first error wins.
fn numbers(
    args: &[Expr],
    book: &mut dyn Book,
    mut visit: impl FnMut(f64),
) -> Calc<Result<(), &'static str>> {
    let mut error = None;
    for arg in args {
        match eval(arg, book)? {
            Arg::Range(sheet, rows, cols) => {
                book.each(sheet, rows, cols, &mut |item| match item {
                    Item::Num(n) => visit(n),
                    Item::Error(e) => {
                        error.get_or_insert(e);
                    }
                    Item::Text | Item::Bool(_) => {}
                })?;
            }
            Arg::Value(Value::Empty) => {}
            Arg::Value(v) => match number(v) {
                Ok(n) => visit(n),
                Err(e) => {
                    error.get_or_insert(e);
                }
            },
        }
    }
    Ok(error.map_or(Ok(()), Err))
}

fn call(name: &str, args: &[Expr], book: &mut dyn Book) -> Calc<Value> {
    let arg = |i: usize| args.get(i).unwrap_or(&Expr::Missing);
    Ok(match name {
        "SUM" => {
            let mut sum = 0.0;
            match numbers(args, book, |n| sum += n)? {
                Ok(()) => finite(sum),
                Err(e) => Value::Error(e),
            }
        }
        "COUNT" => {
            let mut count = 0usize;
            let mut counted = 0usize;
            for a in args {
                match eval(a, book)? {
                    Arg::Range(sheet, rows, cols) => book.each(sheet, rows, cols, &mut |item| {
                        if matches!(item, Item::Num(_)) {
                            count += 1;
                        }
                    })?,
                    Arg::Value(Value::Num(_)) => counted += 1,
                    Arg::Value(_) => {}
                }
            }
            Value::Num((count + counted) as f64)
        }
        "COUNTA" => {
            let mut count = 0usize;
            for a in args {
                match eval(a, book)? {
                    Arg::Range(sheet, rows, cols) => {
                        book.each(sheet, rows, cols, &mut |_| count += 1)?;
                    }
                    Arg::Value(Value::Empty) if *a == Expr::Missing => {}
                    Arg::Value(_) => count += 1,
                }
            }
            Value::Num(count as f64)
        }
        "AVERAGE" => {
            let (mut sum, mut count) = (0.0, 0usize);
            match numbers(args, book, |n| {
                sum += n;
                count += 1;
            })? {
                Err(e) => Value::Error(e),
                Ok(()) if count == 0 => Value::Error("#DIV/0!"),
                Ok(()) => finite(sum / count as f64),
            }
        }
        "MIN" | "MAX" => {
            let mut best: Option<f64> = None;
            let max = name == "MAX";
            match numbers(args, book, |n| {
                best = Some(match best {
                    Some(b) if (max && b >= n) || (!max && b <= n) => b,
                    _ => n,
                });
            })? {
                Ok(()) => Value::Num(best.unwrap_or(0.0)),
                Err(e) => Value::Error(e),
            }
        }
        "IF" if (1..=3).contains(&args.len()) => match truth(scalar(arg(0), book)?) {
            Err(e) => Value::Error(e),
            Ok(true) => match arg(1) {
                Expr::Missing => Value::Num(0.0),
                e => scalar(e, book)?,
            },
            Ok(false) => match (args.len(), arg(2)) {
                (3, Expr::Missing) => Value::Num(0.0),
                (3, e) => scalar(e, book)?,
                _ => Value::Bool(false),
            },
        },
        "IFERROR" if args.len() == 2 => match scalar(arg(0), book)? {
            Value::Error(_) => scalar(arg(1), book)?,
            v => v,
        },
        "AND" | "OR" if !args.is_empty() => {
            let mut all = true;
            let mut any = false;
            for a in args {
                match truth(scalar(a, book)?) {
                    Ok(b) => {
                        all &= b;
                        any |= b;
                    }
                    Err(e) => return Ok(Value::Error(e)),
                }
            }
            Value::Bool(if name == "AND" { all } else { any })
        }
        "NOT" if args.len() == 1 => match truth(scalar(arg(0), book)?) {
            Ok(b) => Value::Bool(!b),
            Err(e) => Value::Error(e),
        },
        "ABS" if args.len() == 1 => match number(scalar(arg(0), book)?) {
            Ok(n) => Value::Num(n.abs()),
            Err(e) => Value::Error(e),
        },
        "INT" if args.len() == 1 => match number(scalar(arg(0), book)?) {
            Ok(n) => Value::Num(n.floor()),
            Err(e) => Value::Error(e),
        },
        "ROUND" if args.len() == 2 => {
            match (number(scalar(arg(0), book)?), number(scalar(arg(1), book)?)) {
                (Ok(n), Ok(digits)) => {
                    let factor = 10f64.powi(digits.trunc().clamp(-15.0, 15.0) as i32);
                    // Excel rounds halves away from zero; `round` does too.
                    finite((n * factor).round() / factor)
                }
                (Err(e), _) | (_, Err(e)) => Value::Error(e),
            }
        }
        _ => return Err(Unknown),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A one-sheet book from (row, col, value) cells, with formulas given as `=…` text.
    struct Cells(BTreeMap<(u32, u32), Value>, usize);

    impl Book for Cells {
        fn sheet(&self, name: Option<&str>) -> Option<usize> {
            match name {
                None | Some("S") => Some(0),
                _ => None,
            }
        }
        fn cell(&mut self, _: usize, row: u32, col: u32) -> Calc<Value> {
            match self.0.get(&(row, col)).cloned() {
                Some(Value::Text(t)) if t.starts_with('=') => {
                    self.1 += 1;
                    if self.1 > 10 {
                        return Err(Unknown);
                    }
                    evaluate(t.get(1..).unwrap_or(""), self)
                }
                v => Ok(v.unwrap_or(Value::Empty)),
            }
        }
        fn each(
            &mut self,
            _: usize,
            rows: (u32, u32),
            cols: (u32, u32),
            visit: &mut dyn FnMut(Item),
        ) -> Calc<()> {
            let cells: Vec<(u32, u32)> = self
                .0
                .keys()
                .filter(|(r, c)| (rows.0..=rows.1).contains(r) && (cols.0..=cols.1).contains(c))
                .copied()
                .collect();
            for (r, c) in cells {
                visit(match self.cell(0, r, c)? {
                    Value::Num(n) => Item::Num(n),
                    Value::Text(_) => Item::Text,
                    Value::Bool(b) => Item::Bool(b),
                    Value::Error(e) => Item::Error(e),
                    Value::Empty => continue,
                });
            }
            Ok(())
        }
    }

    fn book() -> Cells {
        let mut cells = BTreeMap::new();
        // G4:G6 budgets, H4:H6 disbursed; C4 text; G7 a formula.
        for (row, g, h) in [(3, 100.0, 50.0), (4, 200.0, 0.0), (5, 0.0, 0.0)] {
            cells.insert((row, 6), Value::Num(g));
            cells.insert((row, 7), Value::Num(h));
        }
        cells.insert((3, 2), Value::Text("走访".into()));
        cells.insert((6, 6), Value::Text("=SUM(G4:G6)".into()));
        cells.insert((0, 0), Value::Text("=A1+1".into()));
        Cells(cells, 0)
    }

    fn check(cases: &[(&str, Result<Value, Unknown>)]) {
        for (formula, expected) in cases {
            let mut b = book();
            assert_eq!(&evaluate(formula, &mut b), expected, "{formula}");
        }
    }

    #[test]
    fn totals_and_rates_are_computed() {
        check(&[
            ("SUM(G4:G6)", Ok(Value::Num(300.0))),
            ("SUM(G4:H6,1)", Ok(Value::Num(351.0))),
            ("IF(G4=0,0,H4/G4)", Ok(Value::Num(0.5))),
            ("IF(G6=0,0,H6/G6)", Ok(Value::Num(0.0))),
            ("H6/G6", Ok(Value::Error("#DIV/0!"))),
            ("IFERROR(H6/G6,\"-\")", Ok(Value::Text("-".into()))),
            ("COUNTA(C4:C6)", Ok(Value::Num(1.0))),
            ("COUNTA(C5:C6)", Ok(Value::Num(0.0))),
            ("COUNT(C4:H6)", Ok(Value::Num(6.0))),
            ("AVERAGE(G4:G6)", Ok(Value::Num(100.0))),
            ("MAX(G4:G6)+MIN(G4:G6)", Ok(Value::Num(200.0))),
            ("G7*2", Ok(Value::Num(600.0))),
            ("SUM(G:G)", Ok(Value::Num(600.0))),
            ("ROUND(2/3,2)", Ok(Value::Num(0.67))),
            ("-2^2", Ok(Value::Num(4.0))),
            ("2*3+4", Ok(Value::Num(10.0))),
            ("2+3*4", Ok(Value::Num(14.0))),
            ("(2+3)*4", Ok(Value::Num(20.0))),
            ("50%", Ok(Value::Num(0.5))),
            (
                "\"共\"&COUNTA(C4:C6)&\"户\"",
                Ok(Value::Text("共1户".into())),
            ),
            ("Z99=0", Ok(Value::Bool(true))),
            ("Z99=\"\"", Ok(Value::Bool(true))),
            ("\"a\"<\"B\"", Ok(Value::Bool(true))),
            ("AND(TRUE,1)", Ok(Value::Bool(true))),
            ("NOT(0)", Ok(Value::Bool(true))),
            ("IF(FALSE,1)", Ok(Value::Bool(false))),
            ("\"x\"+1", Ok(Value::Error("#VALUE!"))),
            ("#N/A", Ok(Value::Error("#N/A"))),
        ]);
    }

    #[test]
    fn what_is_not_known_is_left_to_the_spreadsheet() {
        check(&[
            ("TODAY()", Err(Unknown)),
            ("VLOOKUP(1,A1:B2,2,FALSE)", Err(Unknown)),
            ("TaxRate*2", Err(Unknown)),
            ("Other!A1", Err(Unknown)),
            ("A1", Err(Unknown)),
            ("G4:G6", Err(Unknown)),
            ("SUM(G4", Err(Unknown)),
            ("1 2", Err(Unknown)),
            (&"(".repeat(10_000), Err(Unknown)),
            (&"-".repeat(10_000), Err(Unknown)),
            (&format!("1{}", "+1".repeat(1000)), Err(Unknown)),
            (&format!("1{}", "+1".repeat(60)), Ok(Value::Num(61.0))),
        ]);
    }

    #[test]
    fn results_are_cached_as_text() {
        assert_eq!(result_text(&Value::Num(3.0)), "3");
        assert_eq!(result_text(&Value::Num(0.5)), "0.5");
        assert_eq!(result_text(&Value::Bool(true)), "TRUE");
        assert_eq!(result_text(&Value::Empty), "0");
        assert_eq!(general(0.1 + 0.2), "0.3");
        assert_eq!(general(-1.5), "-1.5");
        assert_eq!(general(1e20), "100000000000000000000");
    }
}
