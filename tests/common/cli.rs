//! Running the `anchorage` binary from a test: one helper for every suite that drives the
//! command line (the cohort database is never the user's: `ANCHORAGE_DB` is removed).

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `anchorage ARGS` and returns what it printed and its status.
pub fn anchorage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(args)
        .env_remove("ANCHORAGE_DB")
        .output()
        .expect("run anchorage")
}

/// Runs `anchorage ARGS` (arguments as OS strings, for paths) without the user's project
/// key (`ANCHORAGE_PROJECT_KEY`) nor cohort database, and returns what it printed and its
/// status.
pub fn anchorage_os(args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(args)
        .env_remove("ANCHORAGE_DB")
        .env_remove("ANCHORAGE_PROJECT_KEY")
        .output()
        .expect("run anchorage")
}

/// Runs `anchorage ARGS`, which must succeed, and returns its standard output.
pub fn run(args: &[&str]) -> String {
    let o = anchorage(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A path as an argument (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}
