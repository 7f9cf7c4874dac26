//! Page setup: a `style:page-layout` (paper, orientation, margins, fit, centring) and the
//! `style:master-page` that shows its header and footer, as Excel's page setup of a sheet.

use quick_xml::events::BytesStart;

use super::package::attributes;
use super::units::points;
use crate::template::look::SheetLook;

/// A `style:page-layout`.
#[derive(Debug, Default, Clone)]
pub(super) struct PageLayout {
    width: Option<f64>,
    height: Option<f64>,
    landscape: bool,
    /// Left, right, top, bottom margins in points.
    margins: [Option<f64>; 4],
    /// Fit to so many pages wide and tall.
    fit: Option<(u16, u16)>,
    center_horizontally: bool,
    center_vertically: bool,
    /// The header's and footer's height with their spacing, in points.
    header: f64,
    footer: f64,
}

/// A `style:master-page`: its layout and whether its header and footer show.
#[derive(Debug, Default, Clone)]
pub(super) struct MasterPage {
    pub(super) layout: String,
    pub(super) header: bool,
    pub(super) footer: bool,
}

impl PageLayout {
    pub(super) fn read(&mut self, e: &BytesStart<'_>) {
        let mut fit_x = None;
        let mut fit_y = None;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "fo:page-width" => self.width = points(&value),
                "fo:page-height" => self.height = points(&value),
                "style:print-orientation" => self.landscape = value == "landscape",
                "fo:margin-left" => self.margins[0] = points(&value),
                "fo:margin-right" => self.margins[1] = points(&value),
                "fo:margin-top" => self.margins[2] = points(&value),
                "fo:margin-bottom" => self.margins[3] = points(&value),
                "style:scale-to-X" => fit_x = value.trim().parse::<u16>().ok(),
                "style:scale-to-Y" => fit_y = value.trim().parse::<u16>().ok(),
                "style:table-centering" => {
                    self.center_horizontally = matches!(value.as_str(), "horizontal" | "both");
                    self.center_vertically = matches!(value.as_str(), "vertical" | "both");
                }
                _ => {}
            }
        }
        if fit_x.is_some() || fit_y.is_some() {
            self.fit = Some((fit_x.unwrap_or(0), fit_y.unwrap_or(0)));
        }
    }

    /// `style:header-footer-properties` of the header (`header`) or footer: the room it takes
    /// above or below the body.
    pub(super) fn read_header_footer(&mut self, e: &BytesStart<'_>, header: bool) {
        let mut height = 0.0;
        let mut spacing = 0.0;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "fo:min-height" | "svg:height" => height = points(&value).unwrap_or(0.0),
                "fo:margin-bottom" if header => spacing = points(&value).unwrap_or(0.0),
                "fo:margin-top" if !header => spacing = points(&value).unwrap_or(0.0),
                _ => {}
            }
        }
        if header {
            self.header = height + spacing;
        } else {
            self.footer = height + spacing;
        }
    }

    /// Excel's paper size code for the page's size (A4 is 9), within 2 mm.
    fn paper_size(&self) -> Option<u8> {
        let (w, h) = (self.width?, self.height?);
        let mm = |pt: f64| pt * 25.4 / 72.0;
        let (short, long) = (mm(w.min(h)), mm(w.max(h)));
        [
            (1, 215.9, 279.4),
            (5, 215.9, 355.6),
            (8, 297.0, 420.0),
            (9, 210.0, 297.0),
            (11, 148.0, 210.0),
            (12, 257.0, 364.0),
            (13, 182.0, 257.0),
        ]
        .iter()
        .find(|(_, s, l)| (short - s).abs() <= 2.0 && (long - l).abs() <= 2.0)
        .map(|(code, _, _)| *code)
    }

    /// Sets the sheet's page setup. Excel measures the top margin to the body, past the
    /// header; ODF to the header.
    pub(super) fn apply(&self, page: &MasterPage, look: &mut SheetLook) {
        look.landscape = self.landscape;
        look.paper_size = self.paper_size();
        look.fit_to_pages = self.fit;
        look.center_horizontally = self.center_horizontally;
        look.center_vertically = self.center_vertically;
        if let [Some(l), Some(r), Some(t), Some(b)] = self.margins {
            let inch = |pt: f64| (pt / 72.0 * 1000.0).round() / 1000.0;
            let (top, header) = if page.header {
                (t + self.header, inch(t))
            } else {
                (t, 0.3)
            };
            let (bottom, footer) = if page.footer {
                (b + self.footer, inch(b))
            } else {
                (b, 0.3)
            };
            look.margins = Some([inch(l), inch(r), inch(top), inch(bottom), header, footer]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{content, package, styles_xml};
    use super::super::read;
    use crate::template::look::LookError;

    #[test]
    fn page_setup_and_print_ranges_are_read() -> Result<(), LookError> {
        let automatic = r##"<style:style style:name="ta1" style:family="table" style:master-page-name="PageStyle_5f_S"><style:table-properties table:display="true"/></style:style>"##;
        let rest = concat!(
            r##"<office:automatic-styles><style:page-layout style:name="Mpm1"><style:page-layout-properties fo:page-width="11.6929in" fo:page-height="8.2681in" style:print-orientation="landscape" fo:margin-top="0.5in" fo:margin-bottom="1in" fo:margin-left="0.5in" fo:margin-right="0.75in" style:scale-to-X="1" style:table-centering="both"/>"##,
            r##"<style:header-style><style:header-footer-properties fo:min-height="0.3in" fo:margin-bottom="0.2in"/></style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0.3in" fo:margin-top="0.1in"/></style:footer-style></style:page-layout></office:automatic-styles>"##,
            r##"<office:master-styles><style:master-page style:name="PageStyle_5f_S" style:page-layout-name="Mpm1"><style:header><text:p>x</text:p></style:header><style:footer style:display="false"/></style:master-page></office:master-styles>"##,
        );
        let tables = r##"<table:table table:name="S" table:style-name="ta1" table:print-ranges="$S.$A$1:.$D$20 S.F1:S.G2"><table:table-row><table:table-cell/></table:table-row></table:table><table:table table:name="It's" table:print-ranges="'It''s'.B2:'It''s'.C3"/>"##;
        let bytes = package(&content(automatic, tables), &styles_xml("", rest))?;
        let look = read(&bytes)?;
        let sheet = look.sheets.get("S").ok_or("no sheet")?;
        assert!(sheet.landscape);
        assert_eq!(sheet.paper_size, Some(9));
        assert_eq!(sheet.fit_to_pages, Some((1, 0)));
        assert!(sheet.center_horizontally && sheet.center_vertically);
        // The header shows: Excel's top margin reaches past it.
        assert_eq!(sheet.margins, Some([0.5, 0.75, 1.0, 1.0, 0.5, 0.3]));
        assert!(sheet.grid_lines);
        let area = |name: &str| look.print.get(name).and_then(|p| p.area.clone());
        assert_eq!(area("S").as_deref(), Some("'S'!$A$1:$D$20"));
        assert_eq!(area("It's").as_deref(), Some("'It''s'!$B$2:$C$3"));
        Ok(())
    }
}
