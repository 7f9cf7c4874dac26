//! Writes the ZIP archive that an input of the `archive` target describes, so that a crash it
//! finds can become a file of `crates/core/tests/core/fuzz_regressions/`:
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example archive_zip -- INPUT OUT.zip`
//!
//! It prints the input as the target saw it, and whether `verify` was given the local village.

use arbitrary::{Arbitrary, Unstructured};
use zhucun_fuzz::{world, ArchiveInput};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: archive_zip INPUT OUT.zip".into());
    };
    let bytes = std::fs::read(input)?;
    // As libfuzzer-sys does: the whole input, taken as far as it goes.
    let archive = ArchiveInput::arbitrary_take_rest(Unstructured::new(&bytes))?;
    println!("{archive:#?}");
    std::fs::write(&out, archive.to_zip(world()))?;
    Ok(())
}
