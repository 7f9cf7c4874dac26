//! Any bytes as a county's template file — `.xls` (our BIFF formula decoder and look reader),
//! `.xlsx` or `.ods`, told apart by the first byte — imported as `template import` does, and,
//! when accepted, rendered as a return with no records (which reads the template's look).
//! Seeds: the shared samples in all three formats, and the default template.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhucun_core::template::{self, RenderStamp, ReturnData};

fuzz_target!(|data: &[u8]| {
    // libFuzzer's panic hook aborts on every panic, even one `guard` catches and turns into a
    // refusal (calamine panics on some damaged files). Zhucun's hook, installed over it, passes
    // on only the panics nothing catches: those are the crashes to find.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(zhucun_core::install_panic_hook);
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = match pick % 3 {
        0 => "t.xls",
        1 => "t.xlsx",
        _ => "t.ods",
    };
    let Ok(parsed) = template::parse_template(name, bytes) else {
        return;
    };
    let Ok(period) = zhucun_core::Period::parse("2026-11") else {
        return;
    };
    let data = ReturnData::default();
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let out = dir.path().join("return.xlsx");
    let _ = template::render(
        &parsed,
        bytes,
        &data,
        &RenderStamp::from_data(&data, period),
        &out,
    );
});
