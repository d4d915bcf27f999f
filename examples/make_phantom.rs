//! Writes the synthetic phantom until `anchorage phantom` is wired in.
//!
//! Usage: `cargo run --release --example make_phantom -- OUT [--large] [--seed N] [--no-noise]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anchorage::phantom::{PhantomOptions, write_phantoms};

fn main() -> ExitCode {
    let mut out: Option<PathBuf> = None;
    let mut opts = PhantomOptions::default();
    let mut seed: Option<u64> = None;
    let mut noise = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--large" => opts = PhantomOptions::large(),
            "--no-noise" => noise = false,
            "--seed" => {
                let Some(Ok(n)) = args.next().map(|s| s.parse::<u64>()) else {
                    eprintln!("--seed needs a non-negative integer");
                    return ExitCode::from(2);
                };
                seed = Some(n);
            }
            _ if out.is_none() && !arg.starts_with("--") => out = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("usage: make_phantom OUT [--large] [--seed N] [--no-noise]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("usage: make_phantom OUT [--large] [--seed N] [--no-noise]");
        return ExitCode::from(2);
    };
    if let Some(seed) = seed {
        opts.seed = seed;
    }
    opts.noise = noise;
    let start = Instant::now();
    match write_phantoms(&out, &opts) {
        Ok(summary) => {
            println!(
                "wrote {} CT and {} MR files, {:.1} MB, truth {} in {:.2} s",
                summary.ct_files,
                summary.mr_files,
                summary.bytes_written as f64 / 1e6,
                summary.truth_path.display(),
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
