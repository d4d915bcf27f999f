//! `anchorage bench cohort [--db DB]`: the cohort database's speed, on an empty database
//! (a temporary SQLite file without `--db`).
//!
//! 1. 1,000 per-screw tables (4,000 screws) written as CSV files, then read and stored as
//!    `cohort add --table` does (one transaction) — `add_1000_tables_s`;
//! 2. 1,000 more, one transaction each (as 1,000 separate adds, without the process
//!    start) — `add_1000_tables_one_transaction_each_s`;
//! 3. 500 more in one transaction, making 10,000 screws; then `status` (which is also the
//!    window's patient list), reading every current screw, and the per-screw CSV export,
//!    each repeated — medians and maxima in ms.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::{CliError, print_json};
use anchorage_core::cohort::ingest::{IngestOptions, from_table};
use anchorage_core::cohort::model::table_columns;
use anchorage_core::cohort::{Cohort, DbLocation};

/// The figures.
#[derive(Debug, Serialize)]
pub struct CohortBench {
    /// SQLite or PostgreSQL.
    pub backend: String,
    /// The database.
    pub database: String,
    /// 1,000 tables (4,000 screws) read and stored in one transaction, s.
    pub add_1000_tables_s: f64,
    /// Of which storing (the transaction), s.
    pub add_1000_tables_store_s: f64,
    /// 1,000 tables stored one transaction each, s.
    pub add_1000_tables_one_transaction_each_s: f64,
    /// Screws in the cohort for the reads below.
    pub screws: usize,
    /// Patients in the cohort.
    pub patients: usize,
    /// `status` (and the window's list), median ms.
    pub status_median_ms: f64,
    /// `status`, slowest ms.
    pub status_max_ms: f64,
    /// Every current screw read back with its cells, median ms.
    pub read_screws_median_ms: f64,
    /// The per-screw CSV export, median ms.
    pub export_csv_median_ms: f64,
    /// Runs of each read.
    pub runs: usize,
}

fn table_text(patient: &str, study: &str, seed: usize) -> String {
    let mut out = table_columns().collect::<Vec<_>>().join(",") + "\n";
    for (k, (level, side)) in [("L4", "L"), ("L4", "R"), ("L5", "L"), ("L5", "R")]
        .into_iter()
        .enumerate()
    {
        let b = 100.0 + (seed % 97) as f64;
        let st = b * 1.5 + k as f64;
        let cells: Vec<String> = table_columns()
            .map(|c| match c {
                "patient_id" => patient.to_string(),
                "study_instance_uid" => study.to_string(),
                "level" | "b_hu_level" => level.to_string(),
                "side" => side.to_string(),
                "screw_diameter_mm" => "6.50".into(),
                "screw_length_mm" => "45.00".into(),
                "interference_mm" => "0.50".into(),
                "st_hu" => format!("{st:.2}"),
                "b_hu" => format!("{b:.2}"),
                "hu_ratio" => format!("{:.4}", st / b),
                "pedicle_thickness_mm" => "8.500".into(),
                "pbq" => "2.5000".into(),
                "patient_hu_ratio" => "1.5000".into(),
                "age" => format!("{:.1}", 50 + seed % 35),
                "goutallier" => (1 + seed % 4).to_string(),
                "risk" => "0.3000".into(),
                "high_risk" => "false".into(),
                "risk_model" => "bench 1".into(),
                _ => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn write_tables(dir: &Path, prefix: &str, n: usize) -> Result<Vec<PathBuf>, CliError> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("{prefix}{i:05}.csv"));
            let text = table_text(&format!("{prefix}-{i:05}"), &format!("2.25.{i}"), i);
            std::fs::write(&p, text)
                .map_err(|e| CliError(format!("cannot write {}: {e}", p.display())))?;
            Ok(p)
        })
        .collect()
}

fn median_max(mut xs: Vec<f64>) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    let m = xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN);
    (m, xs.last().copied().unwrap_or(f64::NAN))
}

fn timed_ms<T>(
    runs: usize,
    mut f: impl FnMut() -> Result<T, CliError>,
) -> Result<Vec<f64>, CliError> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f()?);
            Ok(t.elapsed().as_secs_f64() * 1e3)
        })
        .collect()
}

/// Runs `bench cohort`.
pub fn run(db: Option<&DbLocation>) -> Result<(), CliError> {
    let scratch =
        std::env::temp_dir().join(format!("anchorage-bench-cohort-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| CliError(format!("cannot create {}: {e}", scratch.display())))?;
    let result = bench(db, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    print_json(&result?)
}

fn bench(db: Option<&DbLocation>, scratch: &Path) -> Result<CohortBench, CliError> {
    let location = db
        .cloned()
        .unwrap_or_else(|| DbLocation::Sqlite(scratch.join("bench.sqlite")));
    let mut c = Cohort::open(&location, true)?;
    if c.status()?.screws > 0 {
        return Err(CliError(format!(
            "the benchmark needs an empty database; {} holds screws",
            c.location()
        )));
    }
    let opts = IngestOptions {
        rater: "bench".into(),
        ..IngestOptions::default()
    };
    let first = write_tables(scratch, "A", 1000)?;
    let t = Instant::now();
    let records = first
        .iter()
        .map(|p| from_table(p, &opts))
        .collect::<Result<Vec<_>, _>>()?;
    let ts = Instant::now();
    c.add_sessions(&records)?;
    let add_store = ts.elapsed().as_secs_f64();
    let add_total = t.elapsed().as_secs_f64();

    let second = write_tables(scratch, "B", 1000)?;
    let t = Instant::now();
    for p in &second {
        c.add_sessions(&[from_table(p, &opts)?])?;
    }
    let one_each = t.elapsed().as_secs_f64();

    let third = write_tables(scratch, "C", 500)?;
    let records = third
        .iter()
        .map(|p| from_table(p, &opts))
        .collect::<Result<Vec<_>, _>>()?;
    c.add_sessions(&records)?;

    let runs = 7;
    let status = c.status()?;
    let (status_median_ms, status_max_ms) =
        median_max(timed_ms(runs, || c.status().map_err(CliError::from))?);
    let (read_screws_median_ms, _) = median_max(timed_ms(runs, || {
        c.current_screws().map_err(CliError::from)
    })?);
    let (export_csv_median_ms, _) = median_max(timed_ms(runs, || {
        c.export_screws_csv().map_err(CliError::from)
    })?);
    Ok(CohortBench {
        backend: c.kind().to_string(),
        database: c.location(),
        add_1000_tables_s: add_total,
        add_1000_tables_store_s: add_store,
        add_1000_tables_one_transaction_each_s: one_each,
        screws: status.screws,
        patients: status.patients,
        status_median_ms,
        status_max_ms,
        read_screws_median_ms,
        export_csv_median_ms,
        runs,
    })
}
