//! Fuzz target: a few files in a folder → scan (grouping, sorting, DICOMDIR) → load.
//!
//! The input is up to 6 files separated by the 8 bytes `--FILE--`. The first is written
//! as `DICOMDIR`, the others as `IMAGES/IM1`, `IMAGES/IM2`, … (the names dcmmkdir gives,
//! so a seed DICOMDIR finds its images); the folder is scanned, then the DICOMDIR.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const SEP: &[u8] = b"--FILE--";

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < 5 {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch();
    let images = dir.join("IMAGES");
    if std::fs::create_dir_all(&images).is_err() {
        return;
    }
    for (i, blob) in split(data).into_iter().enumerate() {
        let path = if i == 0 {
            dir.join("DICOMDIR")
        } else {
            images.join(format!("IM{i}"))
        };
        if std::fs::write(&path, blob).is_err() {
            return;
        }
    }
    common::scan_and_load(&dir);
    common::scan_and_load(&dir.join("DICOMDIR"));
});
