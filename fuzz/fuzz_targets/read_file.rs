//! Fuzz target: one file's bytes → header → pixel data decoding → volume.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch();
    let file = dir.join("f.dcm");
    if std::fs::write(&file, data).is_err() {
        return;
    }
    let _ = anchorage::header::read_header(&file);
    common::scan_and_load(&file);
});
