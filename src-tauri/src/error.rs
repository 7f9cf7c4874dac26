//! The error that crosses the Tauri boundary.

use serde::Serialize;
use zhucun_core::Lang;

/// A failed command as the UI receives it: `code` to branch on, `message` to show.
///
/// Both come from `zhucun_core::Error`: the code is its stable code (`"conflict"`,
/// `"not_found"`, …), the message is in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// The core's stable error code.
    pub code: &'static str,
    /// The message to show, in the language chosen by `ZHUCUN_LANG`.
    pub message: String,
}

impl CommandError {
    pub(crate) fn new(error: &zhucun_core::Error, lang: Lang) -> Self {
        Self {
            code: error.code(),
            message: error.message(lang),
        }
    }
}
