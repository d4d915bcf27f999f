//! `anchorage bench levels [PATH] [--runs N]`: the time to find and label the vertebral
//! levels of a CT, as JSON. Without PATH, on the large phantom's CT (512 × 512 × 300,
//! 0.5 mm pixels, 0.8 mm slices) made in memory; with PATH, on the CT series there.

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use super::{CliError, print_json};
use anchorage_core::dicom::series::scan;
use anchorage_core::dicom::volume::{LoadControl, load};
use anchorage_core::levels::find_levels;
use anchorage_core::phantom::PhantomOptions;
use anchorage_core::phantom::in_memory::{Which, series_in_memory};

/// What `bench levels` prints.
#[derive(Debug, Serialize)]
struct LevelsBench {
    /// What was measured.
    source: String,
    /// (slices, rows, columns).
    dims: (usize, usize, usize),
    /// Runs timed.
    runs: usize,
    /// Fastest run, seconds.
    min_s: f64,
    /// Median run, seconds.
    median_s: f64,
    /// Cores available.
    threads: usize,
    /// The labels found, cranial to caudal.
    labels: Vec<String>,
}

/// Runs `bench levels`.
pub fn run(path: Option<&PathBuf>, series: Option<&str>, runs: usize) -> Result<(), CliError> {
    let (source, s, v) = match path {
        Some(p) => {
            let report = scan(p)?;
            let s = report.pick(series, p)?.clone();
            let v = load(&s, &LoadControl::default())?;
            (p.display().to_string(), s, v)
        }
        None => {
            let (s, v) = series_in_memory(&PhantomOptions::large(), Which::Ct);
            ("large phantom CT (in memory)".to_string(), s, v)
        }
    };
    let runs = runs.max(1);
    let mut times = Vec::with_capacity(runs);
    let mut labels = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let levels = find_levels(&s, &v, None)?;
        times.push(t0.elapsed().as_secs_f64());
        labels = levels
            .bodies
            .iter()
            .map(|b| b.level.map(|l| l.to_string()).unwrap_or_else(|| "?".into()))
            .collect();
    }
    times.sort_by(f64::total_cmp);
    print_json(&LevelsBench {
        source,
        dims: v.dims(),
        runs,
        min_s: times[0],
        median_s: times[times.len() / 2],
        threads: std::thread::available_parallelism().map_or(1, usize::from),
        labels,
    })
}
