//! The styles of a part: everything `styles.xml` and the automatic styles of `content.xml`
//! declare (fonts, cell, column, row, table and number styles, page layouts, master pages),
//! streamed once up to the part's body and kept in [`Styles`].

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::cell_style::{unquote, CellProps, CellStyle, FontFace};
use super::number_format::{
    date_part, Condition, Digits, NumberKind, NumberStyle, NumberStyles, Piece,
};
use super::package::{attribute, attributes};
use super::page::{MasterPage, PageLayout};
use super::units::{color, points};
use crate::template::look::LookError;

/// The most styles of each kind kept; a damaged file naming more keeps its first.
pub(super) const MAX_STYLES: usize = 65_536;

/// The most literal text kept of one part of a number format, in bytes.
const MAX_TEXT: usize = 1024;

/// How deep `style:parent-style-name` is followed (a loop stops here too).
const MAX_INHERITANCE: usize = 32;

/// What a row style says.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RowStyle {
    /// The height in points, when set by hand.
    pub(super) height: Option<f64>,
}

/// Everything read from `styles.xml` and the automatic styles of `content.xml`.
#[derive(Debug, Default)]
pub(super) struct Styles {
    pub(super) fonts: HashMap<String, FontFace>,
    default_cell: CellProps,
    /// `office:styles` of `styles.xml`: what `style:parent-style-name` names.
    common: HashMap<String, CellStyle>,
    /// `office:automatic-styles` of `content.xml`.
    automatic: HashMap<String, CellStyle>,
    pub(super) numbers: NumberStyles,
    /// Column style → width in points.
    pub(super) columns: HashMap<String, f64>,
    pub(super) rows: HashMap<String, RowStyle>,
    /// Table style → master page.
    pub(super) tables: HashMap<String, String>,
    pub(super) page_layouts: HashMap<String, PageLayout>,
    pub(super) master_pages: HashMap<String, MasterPage>,
}

impl Styles {
    /// The properties of cell style `name`, inheritance resolved.
    pub(super) fn resolve(&self, name: &str) -> CellProps {
        let mut chain: Vec<&CellStyle> = Vec::new();
        let mut next = self.automatic.get(name).or_else(|| self.common.get(name));
        while let Some(style) = next {
            if chain.len() >= MAX_INHERITANCE {
                break;
            }
            chain.push(style);
            next = style.parent.as_deref().and_then(|p| self.common.get(p));
        }
        let mut props = self.default_cell.clone();
        for style in chain.iter().rev() {
            props.overlay(&style.props);
        }
        props
    }
}

/// Which part is read: `styles.xml` or `content.xml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PartKind {
    Styles,
    Content,
}

/// Which list of styles the reader is in: `office:styles`, `office:automatic-styles` or
/// `office:master-styles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartSection {
    None,
    Common,
    Automatic,
    Master,
}

/// Where a cell style being read goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CellTarget {
    Default,
    Common(String),
    Automatic(String),
    /// A style that no table cell uses (header and footer styles).
    Nowhere,
}

/// The element being read and what it builds.
#[derive(Debug)]
enum Open {
    Nothing,
    Cell(CellTarget, CellStyle),
    /// A column style and its width in points.
    Column(String, Option<f64>),
    /// A row style and its height in points, when set by hand.
    Row(String, Option<f64>),
    Number(String, NumberStyle),
    Layout(String, PageLayout),
    Master(String, MasterPage),
}

/// Text being gathered for a number style part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gather {
    Text,
    Currency,
    Fill,
}

/// Reads the styles of a part up to its body: `true` if the body begins (the reader is then
/// just past `office:body`), `false` at the end of the part.
pub(super) fn prelude<R: BufRead>(
    reader: &mut Reader<R>,
    part: PartKind,
    styles: &mut Styles,
) -> Result<bool, LookError> {
    let mut buf = Vec::new();
    let mut section = PartSection::None;
    let mut open = Open::Nothing;
    // The element that opened `open`, to know its end.
    let mut open_name = String::new();
    let mut gather: Option<(Gather, String)> = None;
    let mut in_header_style: Option<bool> = None;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf)?;
        let (e, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = e {
            let name = e.name().as_ref().to_string();
            match name.as_str() {
                "office:body" if part == PartKind::Content && !empty => return Ok(true),
                "office:styles" => section = PartSection::Common,
                "office:automatic-styles" => section = PartSection::Automatic,
                "office:master-styles" => section = PartSection::Master,
                "style:font-face" => font_face(e, &mut styles.fonts),
                "style:default-style" => {
                    if attribute(e, "style:family").as_deref() == Some("table-cell") {
                        open = Open::Cell(CellTarget::Default, CellStyle::default());
                        open_name = name.clone();
                    }
                }
                "style:style" => {
                    open = style_element(e, part, section, styles);
                    open_name = name.clone();
                }
                n if n.starts_with("number:") && n.ends_with("-style") => {
                    let kind = match n {
                        "number:percentage-style" => NumberKind::Percentage,
                        "number:currency-style" => NumberKind::Currency,
                        "number:date-style" | "number:time-style" => NumberKind::Date,
                        "number:text-style" => NumberKind::Text,
                        "number:boolean-style" => NumberKind::Boolean,
                        _ => NumberKind::Number,
                    };
                    let style = NumberStyle {
                        kind,
                        elapsed: attribute(e, "number:truncate-on-overflow").as_deref()
                            == Some("false"),
                        ..NumberStyle::default()
                    };
                    open = Open::Number(attribute(e, "style:name").unwrap_or_default(), style);
                    open_name = name.clone();
                }
                "style:page-layout" => {
                    let layout_name = attribute(e, "style:name").unwrap_or_default();
                    open = Open::Layout(layout_name, PageLayout::default());
                    open_name = name.clone();
                }
                "style:master-page" => {
                    let page = MasterPage {
                        layout: attribute(e, "style:page-layout-name").unwrap_or_default(),
                        ..MasterPage::default()
                    };
                    open = Open::Master(attribute(e, "style:name").unwrap_or_default(), page);
                    open_name = name.clone();
                }
                _ => element_in_open(e, &name, &mut open, &mut gather, &mut in_header_style),
            }
            if empty && name == open_name {
                close(&mut open, styles);
                open_name.clear();
            }
            continue;
        }
        match event {
            // A format's literal text is short; a damaged one is cut rather than kept whole.
            Event::Text(t) => {
                if let Some((_, text)) = gather.as_mut().filter(|(_, t)| t.len() < MAX_TEXT) {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, text)) = gather.as_mut().filter(|(_, t)| t.len() < MAX_TEXT) {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    } else if let Some(c) = match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    } {
                        text.push(c);
                    }
                }
            }
            Event::End(end) => {
                let name = end.name().as_ref().to_string();
                match name.as_str() {
                    "office:styles" | "office:automatic-styles" | "office:master-styles" => {
                        section = PartSection::None;
                    }
                    "number:text" | "number:currency-symbol" | "number:fill-character" => {
                        if let (Some((kind, text)), Open::Number(_, style)) =
                            (gather.take(), &mut open)
                        {
                            style.pieces.push(match kind {
                                Gather::Text => Piece::Text(text),
                                Gather::Currency => Piece::Currency(text),
                                Gather::Fill => {
                                    Piece::Fill(text.chars().next().unwrap_or(' ').to_string())
                                }
                            });
                        }
                    }
                    "style:header-style" | "style:footer-style" => in_header_style = None,
                    n if n == open_name => {
                        close(&mut open, styles);
                        open_name.clear();
                    }
                    _ => {}
                }
            }
            Event::Eof => return Ok(false),
            _ => {}
        }
    }
}

/// `style:font-face`: its name and family.
fn font_face(e: &BytesStart<'_>, fonts: &mut HashMap<String, FontFace>) {
    if fonts.len() >= MAX_STYLES {
        return;
    }
    let mut name = None;
    let mut family = None;
    let mut generic = None;
    for (key, value) in attributes(e) {
        match key.as_str() {
            "style:name" => name = Some(value),
            "svg:font-family" => family = Some(unquote(&value)),
            "style:font-family-generic" => {
                generic = match value.as_str() {
                    "roman" => Some(1),
                    "swiss" => Some(2),
                    "modern" => Some(3),
                    "script" => Some(4),
                    "decorative" => Some(5),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    if let Some(name) = name {
        let family = family.unwrap_or_else(|| name.clone());
        fonts.insert(name, FontFace { family, generic });
    }
}

/// `style:style`: what it opens.
fn style_element(
    e: &BytesStart<'_>,
    part: PartKind,
    section: PartSection,
    styles: &mut Styles,
) -> Open {
    let mut name = String::new();
    let mut family = String::new();
    let mut parent = None;
    let mut data_style = None;
    let mut master = None;
    for (key, value) in attributes(e) {
        match key.as_str() {
            "style:name" => name = value,
            "style:family" => family = value,
            "style:parent-style-name" => parent = Some(value),
            "style:data-style-name" => data_style = Some(value),
            "style:master-page-name" => master = Some(value),
            _ => {}
        }
    }
    match family.as_str() {
        "table-cell" => {
            let target = match (part, section) {
                (PartKind::Styles, PartSection::Common) => CellTarget::Common(name),
                (PartKind::Content, PartSection::Automatic) => CellTarget::Automatic(name),
                _ => CellTarget::Nowhere,
            };
            let mut style = CellStyle {
                parent,
                props: CellProps::default(),
            };
            style.props.data_style = data_style;
            Open::Cell(target, style)
        }
        "table-column" => Open::Column(name, None),
        "table-row" => Open::Row(name, None),
        "table" => {
            if let Some(master) = master {
                if styles.tables.len() < MAX_STYLES {
                    styles.tables.insert(name, master);
                }
            }
            Open::Nothing
        }
        _ => Open::Nothing,
    }
}

/// A child element of the style being read.
fn element_in_open(
    e: &BytesStart<'_>,
    name: &str,
    open: &mut Open,
    gather: &mut Option<(Gather, String)>,
    in_header_style: &mut Option<bool>,
) {
    match open {
        Open::Nothing => {}
        Open::Cell(_, style) => match name {
            "style:text-properties" => style.props.text_properties(e),
            "style:table-cell-properties" => style.props.cell_properties(e),
            "style:paragraph-properties" => style.props.paragraph_properties(e),
            _ => {}
        },
        Open::Column(_, width) => {
            if name == "style:table-column-properties" {
                *width = attribute(e, "style:column-width").and_then(|w| points(&w));
            }
        }
        Open::Row(_, height) => {
            if name == "style:table-row-properties" {
                let optimal =
                    attribute(e, "style:use-optimal-row-height").as_deref() == Some("true");
                *height = attribute(e, "style:row-height")
                    .and_then(|h| points(&h))
                    .filter(|_| !optimal);
            }
        }
        Open::Number(_, style) => number_part(e, name, style, gather),
        Open::Layout(_, layout) => match name {
            "style:page-layout-properties" => layout.read(e),
            "style:header-style" => *in_header_style = Some(true),
            "style:footer-style" => *in_header_style = Some(false),
            "style:header-footer-properties" => {
                if let Some(header) = *in_header_style {
                    layout.read_header_footer(e, header);
                }
            }
            _ => {}
        },
        Open::Master(_, page) => {
            let shown = attribute(e, "style:display").as_deref() != Some("false");
            match name {
                "style:header" => page.header = shown,
                "style:footer" => page.footer = shown,
                _ => {}
            }
        }
    }
}

/// A part of a number style.
fn number_part(
    e: &BytesStart<'_>,
    name: &str,
    style: &mut NumberStyle,
    gather: &mut Option<(Gather, String)>,
) {
    if style.pieces.len() >= 64 {
        return;
    }
    match name {
        "number:number" => {
            let d = Digits::read(e);
            style.general =
                d.decimals.is_none() && !d.grouping && d.min_integer <= 1 && d.thousands == 0;
            style.pieces.push(Piece::Code(d.number()));
        }
        "number:scientific-number" => {
            style.pieces.push(Piece::Code(Digits::read(e).scientific()));
        }
        "number:fraction" => style
            .pieces
            .push(Piece::Code(Digits::read(e).fraction_code())),
        "number:text" => *gather = Some((Gather::Text, String::new())),
        "number:currency-symbol" => *gather = Some((Gather::Currency, String::new())),
        "number:fill-character" => *gather = Some((Gather::Fill, String::new())),
        "number:text-content" => style.pieces.push(Piece::Code("@".into())),
        "style:text-properties" => {
            style.color = attribute(e, "fo:color").and_then(|c| color(&c));
        }
        "style:map" => {
            if style.maps.len() < 4 {
                style.maps.push(Condition {
                    test: attribute(e, "style:condition").unwrap_or_default(),
                    apply: attribute(e, "style:apply-style-name").unwrap_or_default(),
                });
            }
        }
        part => {
            let long = attribute(e, "number:style").as_deref() == Some("long");
            let textual = attribute(e, "number:textual").as_deref() == Some("true");
            let decimals = attribute(e, "number:decimal-places")
                .and_then(|d| d.trim().parse::<u32>().ok())
                .unwrap_or(0)
                .min(3);
            if let Some(mut code) = date_part(part, long, textual, decimals) {
                let time_unit =
                    matches!(part, "number:hours" | "number:minutes" | "number:seconds");
                if time_unit && style.elapsed {
                    // Only the leading unit counts on past its range.
                    style.elapsed = false;
                    code = format!("[{code}]");
                }
                style.pieces.push(Piece::Code(code));
            }
        }
    }
}

/// Stores the style that `open` built.
fn close(open: &mut Open, styles: &mut Styles) {
    match std::mem::replace(open, Open::Nothing) {
        Open::Nothing => {}
        Open::Cell(target, style) => match target {
            CellTarget::Default => styles.default_cell.overlay(&style.props),
            CellTarget::Common(name) if styles.common.len() < MAX_STYLES => {
                styles.common.insert(name, style);
            }
            CellTarget::Automatic(name) if styles.automatic.len() < MAX_STYLES => {
                styles.automatic.insert(name, style);
            }
            _ => {}
        },
        Open::Column(name, width) => {
            if let Some(width) = width {
                if styles.columns.len() < MAX_STYLES {
                    styles.columns.insert(name, width);
                }
            }
        }
        Open::Row(name, height) => {
            if styles.rows.len() < MAX_STYLES {
                styles.rows.insert(name, RowStyle { height });
            }
        }
        Open::Number(name, mut style) => {
            if style.general && style.pieces.len() == 1 && style.maps.is_empty() {
                style.pieces = vec![Piece::Code("General".into())];
            }
            if styles.numbers.0.len() < MAX_STYLES {
                styles.numbers.0.insert(name, style);
            }
        }
        Open::Layout(name, layout) => {
            if styles.page_layouts.len() < MAX_STYLES {
                styles.page_layouts.insert(name, layout);
            }
        }
        Open::Master(name, page) => {
            if styles.master_pages.len() < MAX_STYLES {
                styles.master_pages.insert(name, page);
            }
        }
    }
}
