//! `anchorage bench analysis [--patients N] [--bootstrap B]`: the speed of `cohort
//! analyze` (the target: 10,000 patients with 1,000 bootstrap resamples within
//! 5 s on two cores). Builds a demo cohort in a temporary SQLite file, then times reading
//! it into rows and the whole analysis (validation, refit with the bootstrap, agreement).

use std::time::Instant;

use serde::Serialize;

use super::{CliError, print_json};
use anchorage_core::analysis::{AnalysisOptions, Unit, analyze_dataset, dataset};
use anchorage_core::cohort::{Cohort, DbLocation};
use anchorage_core::models::risk::RiskModel;

/// The figures.
#[derive(Debug, Serialize)]
pub struct AnalysisBench {
    /// Patients in the demo cohort.
    pub patients: usize,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Threads of the bootstrap (rayon).
    pub threads: usize,
    /// Generating and storing the demo cohort, s (not part of the target).
    pub build_cohort_s: f64,
    /// Reading the cohort into rows, s.
    pub read_rows_s: f64,
    /// The analysis of the rows, s.
    pub analyse_s: f64,
    /// Both, s (the target: within 5 s).
    pub total_s: f64,
    /// The optimism-corrected AUC found (a check that the work was done).
    pub optimism_corrected_auc: Option<f64>,
}

/// Runs `bench analysis`.
pub fn run(patients: usize, bootstrap: usize) -> Result<(), CliError> {
    let scratch =
        std::env::temp_dir().join(format!("anchorage-bench-analysis-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| CliError(format!("cannot create {}: {e}", scratch.display())))?;
    let result = (|| {
        let t0 = Instant::now();
        let mut c = Cohort::open(&DbLocation::Sqlite(scratch.join("bench.sqlite")), true)?;
        c.add_demo(patients, 1)?;
        let build_cohort_s = t0.elapsed().as_secs_f64();
        let opts = AnalysisOptions {
            model: RiskModel::bundled(),
            model_label: "bundled".into(),
            unit: Unit::Patient,
            bootstrap,
            seed: 1,
        };
        let t1 = Instant::now();
        let data = dataset::build(&mut c, &opts)?;
        let read_rows_s = t1.elapsed().as_secs_f64();
        let t2 = Instant::now();
        let report = analyze_dataset(&data, &c.location(), &opts)?;
        let analyse_s = t2.elapsed().as_secs_f64();
        Ok::<_, CliError>(AnalysisBench {
            patients,
            bootstrap,
            threads: rayon_threads(),
            build_cohort_s,
            read_rows_s,
            analyse_s,
            total_s: read_rows_s + analyse_s,
            optimism_corrected_auc: report.refit.and_then(|r| r.optimism_corrected_auc),
        })
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    print_json(&result?)
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
