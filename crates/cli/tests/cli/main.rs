//! The `zhucun` binary run as a user runs it, in a temporary folder.

mod common;

mod bundles;

mod records;
mod reports;
mod roster;
mod templates;
