//! How deep a corpus gets: runs every input of a corpus folder as its target does and counts
//! where `verify` stopped — accepted, or refused at step N with which problem; for
//! `sync_merge`, what each bundle's merge did or why it was refused.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example corpus_report -- archive fuzz/corpus/archive`
//! (or `bundle_reader fuzz/corpus/bundle_reader`, `sync_merge fuzz/corpus/sync_merge`)

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use zhucun_core::Error;
use zhucun_fuzz::sync_merge::{sync_world, SyncInput};
use zhucun_fuzz::{world, ArchiveInput};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(target), Some(dir)) = (args.next(), args.next()) else {
        return Err("usage: corpus_report archive|bundle_reader|sync_merge FOLDER".into());
    };
    let world = world();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        // A running fuzzer removes inputs it has replaced by smaller ones.
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if target == "sync_merge" {
            let Ok(input) = SyncInput::arbitrary_take_rest(Unstructured::new(&bytes)) else {
                continue;
            };
            // A check that fails is a finding: name its input and go on.
            match std::panic::catch_unwind(|| sync_world().run(&input)) {
                Ok(outcomes) => {
                    for outcome in outcomes {
                        *counts.entry(outcome).or_default() += 1;
                    }
                }
                Err(_) => {
                    println!("FAILED: {}", path.display());
                    *counts.entry("FAILED".to_string()).or_default() += 1;
                }
            }
            continue;
        }
        let result = if target == "archive" {
            let Ok(input) = ArchiveInput::arbitrary_take_rest(Unstructured::new(&bytes)) else {
                continue;
            };
            world.verify(&input.to_zip(world), input.local_village)
        } else {
            world.verify(&bytes, true)
        };
        let outcome = match result {
            Ok(v) => format!("accepted: {}", v.manifest.kind),
            Err(Error::BundleRefused { step, reason }) => {
                let debug = format!("{reason:?}");
                let variant = debug.split([' ', '(', '{']).next().unwrap_or_default();
                format!("step {step}: {variant}")
            }
            Err(other) => format!("other error: {other:?}"),
        };
        *counts.entry(outcome).or_default() += 1;
    }
    for (outcome, n) in counts {
        println!("{n:6}  {outcome}");
    }
    Ok(())
}
