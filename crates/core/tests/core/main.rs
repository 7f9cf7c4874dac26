//! The integration tests of zhucun-core: one binary, one module per subject.

mod common;

mod bundle;
mod corpus;
mod demo;
mod gather;
mod keys;
mod pairing;
mod roster;
mod template;
mod validation;
