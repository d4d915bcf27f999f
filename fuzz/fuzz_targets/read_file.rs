//! Fuzz target: one file's bytes → scan (header) → pixel data decoding → volume.
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
    // scan() reads the header (read_header) and decoding reads it again: no separate call.
    common::scan_and_load(&file);
});
