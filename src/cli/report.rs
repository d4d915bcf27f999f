//! `anchorage report SESSION --pdf FILE [--search DIR]… [--pseudonymize]`: the session's
//! planning report as PDF (`anchorage_core::report`), written atomically.

use std::path::PathBuf;

use super::CliError;
use anchorage_core::report::{ReportOptions, report_on_disk};
use anchorage_core::session::{Session, write_atomic};

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The session file.
    pub session: PathBuf,
    /// Where to write the PDF (atomically: an existing file is replaced only when the
    /// report is complete).
    #[arg(long)]
    pub pdf: PathBuf,
    /// A folder to look in for a series that is not where the session says; may be given
    /// several times, searched in order.
    #[arg(long, value_name = "DIR")]
    pub search: Vec<PathBuf>,
    /// De-identify: the patient named only by the keyed pseudonym of the per-screw table,
    /// no name, ID, dates, UIDs or series descriptions.
    #[arg(long)]
    pub pseudonymize: bool,
    /// The project key for --pseudonymize (at least 8 characters; keep it secret).
    #[arg(long, env = "ANCHORAGE_PROJECT_KEY", hide_env_values = true)]
    pub project_key: Option<String>,
}

/// Runs `report`.
pub fn run(a: &ReportArgs) -> Result<(), CliError> {
    let session = Session::load(&a.session)?;
    let opts = ReportOptions {
        pseudonymize_key: super::pseudonym_key(a.pseudonymize, &a.project_key)?,
        extra_images: Vec::new(),
    };
    let (report, notes) = report_on_disk(&session, &a.session, &a.search, &opts)
        .map_err(|e| CliError(format!("{e} ({})", a.session.display())))?;
    for n in &notes {
        eprintln!("anchorage: note: {n}");
    }
    write_atomic(&a.pdf, &report.pdf)
        .map_err(|e| CliError(format!("cannot write {}: {e}", a.pdf.display())))?;
    eprintln!(
        "anchorage: wrote the planning report ({} pages, session SHA-256 {}): {}",
        report.pages,
        report.session_sha256,
        a.pdf.display()
    );
    Ok(())
}
