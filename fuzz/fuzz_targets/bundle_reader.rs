//! Any bytes, as a received bundle file: `bundle::verify` must refuse or accept them, never
//! panic, and what it accepts must hold what an accepted bundle promises.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zhucun_fuzz::world().verify(data, true);
});
