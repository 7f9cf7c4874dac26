//! The county template Zhucun ships with, so a new user can make a return before the county
//! has sent one: `assets/templates/default_monthly.xlsx`, written by
//! `assets/templates/make_default_template.py` and embedded in the program.

use rusqlite::Connection;

use crate::error::Result;

use super::import::{import_bytes, list};

/// The file name the default template is imported under.
pub const DEFAULT_TEMPLATE_FILE: &str = "default_monthly.xlsx";

/// The id in the default template's `_meta`.
pub const DEFAULT_TEMPLATE_ID: &str = "zhucun-default";

/// The default template's bytes, as shipped.
pub const DEFAULT_TEMPLATE: &[u8] =
    include_bytes!("../../../../assets/templates/default_monthly.xlsx");

/// Imports the default template when the database holds no template at all (the first run);
/// returns whether it did. A database holding any template, the county's or an older default,
/// is left alone: the user's choice of template is never overridden.
///
/// # Errors
///
/// `database` if SQLite fails; anything [`import_bytes`] returns would be a broken build.
///
/// # Examples
///
/// ```
/// use zhucun_core::template;
/// let conn = zhucun_core::store::open_in_memory()?;
/// assert!(template::ensure_default(&conn)?);
/// assert!(!template::ensure_default(&conn)?);
/// assert_eq!(template::list(&conn)?[0].id, template::DEFAULT_TEMPLATE_ID);
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn ensure_default(conn: &Connection) -> Result<bool> {
    if !list(conn)?.is_empty() {
        return Ok(false);
    }
    import_bytes(conn, DEFAULT_TEMPLATE_FILE, DEFAULT_TEMPLATE)?;
    Ok(true)
}
