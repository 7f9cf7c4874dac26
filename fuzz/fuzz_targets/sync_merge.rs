//! Signed sync bundles of demo rows, changed at the fuzzer's choice, received one after another
//! by a new laptop: refused or applied, never a panic, a refusal changes nothing, a merge leaves
//! a sound database and the same bundle again changes nothing (see `zhucun_fuzz::sync_merge`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhucun_fuzz::sync_merge::{sync_world, SyncInput};

fuzz_target!(|input: SyncInput| {
    // As in `template_file`: only panics nothing catches are crashes.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(zhucun_core::install_panic_hook);
    let _ = sync_world().run(&input);
});
