//! The integration tests of zhucun-core: one binary, one module per subject.

mod common;

mod bundle;
mod corpus;
mod county;
mod demo;
mod fuzz_regressions;
mod gather;
mod golden;
mod keys;
mod pairing;
mod render;
mod roster;
mod sync;
mod template;
mod validation;
