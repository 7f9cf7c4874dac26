//! The integration tests of zhucun-core: one binary, one module per subject.

mod common;

mod demo;
mod pairing;
mod roster;
mod validation;
