//! The `zhucun` binary run as a user runs it, in a temporary folder.

mod common;

mod bundles;
mod county;

mod records;
mod reports;
mod roster;
mod sync;
mod templates;
