//! Writes the sync bundles that an input of the `sync_merge` target describes, in the order the
//! target receives them, with the public key that signed them, so that a crash it finds can be
//! replayed by a test (trust `sender.pub` as a village key, receive the bundles in name order on
//! a new laptop):
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example sync_bundles -- INPUT DIR`
//!
//! It prints the input as the target saw it.

use arbitrary::{Arbitrary, Unstructured};
use zhucun_fuzz::sync_merge::{sync_world, SyncInput, MAX_BUNDLES};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(dir)) = (args.next(), args.next()) else {
        return Err("usage: sync_bundles INPUT DIR".into());
    };
    let dir = std::path::PathBuf::from(dir);
    let bytes = std::fs::read(input)?;
    // As libfuzzer-sys does: the whole input, taken as far as it goes.
    let input = SyncInput::arbitrary_take_rest(Unstructured::new(&bytes))?;
    println!("{input:#?}");
    let world = sync_world();
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(world.sender_public(), dir.join("sender.pub"))?;
    if input.village_first {
        std::fs::write(dir.join("00-village.zip"), world.village_bundle())?;
    }
    // A bundle the writer refuses is skipped, as in the target.
    for (i, b) in input.bundles.iter().take(MAX_BUNDLES).enumerate() {
        if let Some(bundle) = world.bundle(b) {
            std::fs::write(dir.join(format!("{:02}.zip", i + 1)), bundle)?;
        }
    }
    Ok(())
}
