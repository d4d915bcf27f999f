//! `anchorage cohort analyze`: validation of a risk-model file on the cohort, its refit
//! and rater agreement ([`anchorage_core::analysis`]); a table on stdout, the report as
//! JSON (`--json FILE`, `-` for stdout), and CSV tables, PNG figures and the refitted
//! model file in a folder (`--out DIR`).

use std::path::{Path, PathBuf};

use super::cohort::DbArgs;
use super::{CliError, print_out};
use anchorage_core::analysis::{AnalysisOptions, AnalysisReport, Unit, analyze, figures, output};
use anchorage_core::models::risk::RiskModel;
use anchorage_core::session::write_atomic;

/// The row unit on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UnitArg {
    /// One row per patient (the nomogram's unit).
    Patient,
    /// One row per screw, the patient as bootstrap cluster.
    Screw,
}

/// Arguments of `cohort analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The risk model file validated (default: the bundled model).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Patient rows (default) or screw rows.
    #[arg(long, value_enum, default_value = "patient")]
    pub unit: UnitArg,
    /// Bootstrap resamples for the optimism-corrected AUC (0: none).
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// The seed of the resampling.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the report as JSON to this file (`-`: stdout, instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write CSV tables, PNG figures and the refitted model file (refit-model.json) here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_atomic(path, bytes).map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
}

/// Runs `cohort analyze`.
pub fn run(a: &AnalyzeArgs) -> Result<(), CliError> {
    let (model, model_label) = match &a.model {
        Some(p) => {
            let m = RiskModel::from_file(p)?;
            let label = format!("{} {} ({})", m.info.name, m.info.version, p.display());
            (m, label)
        }
        None => {
            let m = RiskModel::bundled();
            let label = format!("{} {} (bundled)", m.info.name, m.info.version);
            (m, label)
        }
    };
    let opts = AnalysisOptions {
        model,
        model_label,
        unit: match a.unit {
            UnitArg::Patient => Unit::Patient,
            UnitArg::Screw => Unit::Screw,
        },
        bootstrap: a.bootstrap,
        seed: a.seed,
    };
    let mut cohort = a.db.open(false)?;
    let report = analyze(&mut cohort, &opts)?;
    if let Some(dir) = &a.out {
        write_out(dir, &report)?;
    }
    match &a.json {
        Some(p) if p.as_os_str() == "-" => {
            print_out(&(serde_json::to_string_pretty(&report)? + "\n"))
        }
        Some(p) => {
            write(
                p,
                (serde_json::to_string_pretty(&report)? + "\n").as_bytes(),
            )?;
            print_out(&output::text_table(&report))
        }
        None => print_out(&output::text_table(&report)),
    }
}

fn write_out(dir: &Path, report: &AnalysisReport) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
    for (name, text) in output::csv_tables(report) {
        write(&dir.join(name), text.as_bytes())?;
    }
    for (name, png) in figures::all_figures(report) {
        write(&dir.join(&name), &png)?;
    }
    if let Some(f) = &report.refit {
        write(&dir.join("refit-model.json"), f.model_json.as_bytes())?;
    }
    Ok(())
}
