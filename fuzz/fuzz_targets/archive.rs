//! Real ZIP archives built from structured input (see `ArchiveInput`): entries, names, types
//! and compression of the fuzzer's choosing, a manifest made field by field, and a signature
//! made by a trusted or an unknown key and maybe damaged — so that the manifest, signature and
//! payload checks are reached, which raw bytes rarely do behind deflate, CRC-32 and Ed25519.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhucun_fuzz::ArchiveInput;

fuzz_target!(|input: ArchiveInput| {
    let world = zhucun_fuzz::world();
    let zip = input.to_zip(world);
    let _ = world.verify(&zip, input.local_village);
});
