//! Shared by the fuzz targets: a scratch folder per process, and the loader run the way
//! the workstation and the command line run it.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anchorage_core::dicom::series::scan;
use anchorage_core::dicom::volume::{LoadControl, load, load_slice};

/// A fresh, empty scratch folder for this process (emptied on every call).
pub fn scratch() -> PathBuf {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // One decoding thread: the fuzzer is one process on a shared machine.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
    });
    let base = Path::new("/dev/shm")
        .is_dir()
        .then(|| PathBuf::from("/dev/shm"))
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("anchorage-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Scans `path` and loads every series found, as a whole and its first slice alone.
/// Errors are fine; panics, aborts, huge allocations and hangs are what the fuzzer finds.
pub fn scan_and_load(path: &Path) {
    let Ok(report) = scan(path) else {
        return;
    };
    for s in &report.series {
        let _ = load(s, &LoadControl::default());
        let _ = load_slice(s, 0);
    }
}
