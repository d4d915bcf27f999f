//! `anchorage measure SESSION [--csv FILE] [--json FILE] [--search DIR]…`: recompute
//! every ROI of a saved session from its DICOM files and write the per-screw table.

use std::path::PathBuf;

use super::CliError;
use anchorage_core::export::to_json;
use anchorage_core::pipeline::{Measured, measure_on_disk};
use anchorage_core::session::{Session, write_atomic};

/// Arguments of `measure`.
#[derive(Debug, clap::Args)]
pub struct MeasureArgs {
    /// The session file.
    pub session: PathBuf,
    /// Write the per-screw table as CSV here (atomically). Without --csv and --json the
    /// CSV goes to stdout.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the per-screw table, per-level and patient results and the model parameters
    /// as JSON here (atomically).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// A folder to look in for a series that is not where the session says (the study
    /// was moved); may be given several times, searched in order. Each series found this
    /// way is named on stderr. The session file is not changed.
    #[arg(long, value_name = "DIR")]
    pub search: Vec<PathBuf>,
    /// De-identify the export: replace the patient ID and StudyInstanceUID with stable
    /// pseudonyms keyed with this project key (or the ANCHORAGE_PROJECT_KEY variable).
    #[arg(long)]
    pub pseudonymize: bool,
    /// The project key for --pseudonymize (at least 8 characters; keep it secret).
    #[arg(long, env = "ANCHORAGE_PROJECT_KEY", hide_env_values = true)]
    pub project_key: Option<String>,
}

/// Runs `measure`.
pub fn run(a: &MeasureArgs) -> Result<(), CliError> {
    let session = Session::load(&a.session)?;
    let (measured, notes) = measure_on_disk(&session, &a.session, &a.search)?;
    for n in &notes {
        eprintln!("anchorage: note: {n}");
    }
    for n in &measured.notices {
        eprintln!("anchorage: warning: {n}");
    }
    let Measured {
        results,
        models,
        mut table,
        ..
    } = measured;
    if let Some(key) = super::pseudonym_key(a.pseudonymize, &a.project_key)? {
        table.pseudonymize(&key).map_err(CliError)?;
    }
    let csv = table
        .to_csv()
        .map_err(|e| CliError(format!("cannot format the CSV: {e}")))?;
    let write = |path: &PathBuf, bytes: &[u8]| {
        write_atomic(path, bytes)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
    };
    if let Some(p) = &a.csv {
        write(p, &csv)?;
    }
    if let Some(p) = &a.json {
        write(p, to_json(&table, &results, &models).as_bytes())?;
    }
    if a.csv.is_none() && a.json.is_none() {
        super::print_out(&String::from_utf8_lossy(&csv))?;
    }
    Ok(())
}
