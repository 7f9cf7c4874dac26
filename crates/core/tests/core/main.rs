//! The integration tests of zhucun-core: one binary, one module per subject.

mod common;

mod bundle;
mod corpus;
mod demo;
mod gather;
mod golden;
mod keys;
mod pairing;
mod render;
mod roster;
mod template;
mod validation;
