//! Hand-made `.ods` packages and parts for the tests of the `.ods` reader, shared by its
//! modules' tests.

use std::io::{Cursor, Write};

use crate::template::look::LookError;

/// An `.ods` package holding `content` (and `styles`, if not empty).
pub(super) fn package(content: &str, styles: &str) -> Result<Vec<u8>, LookError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("mimetype", options)?;
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")?;
    zip.start_file("content.xml", options)?;
    zip.write_all(content.as_bytes())?;
    if !styles.is_empty() {
        zip.start_file("styles.xml", options)?;
        zip.write_all(styles.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// A `content.xml` with these automatic styles and tables.
pub(super) fn content(automatic: &str, tables: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:automatic-styles>{automatic}</office:automatic-styles><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"##
    )
}

/// A `styles.xml` with these common styles (and `Default` in bold Arial 10, grey).
pub(super) fn styles_xml(common: &str, rest: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?><office:document-styles><office:font-face-decls><style:font-face style:name="Arial1" svg:font-family="'Arial'" style:font-family-generic="swiss"/></office:font-face-decls><office:styles><style:default-style style:family="table-cell"><style:text-properties style:font-name="Arial1" fo:font-size="10pt" fo:color="#333333"/></style:default-style><style:style style:name="Default" style:family="table-cell"/>{common}</office:styles>{rest}</office:document-styles>"##
    )
}
