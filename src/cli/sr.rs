//! `anchorage sr SESSION --out FILE [--observer NAME] [--pseudonymize]`: the session's
//! measurements as a DICOM SR (TID 1500 Measurement Report); and `anchorage sr-import SR
//! --images DIR --out SESSION`: a session recreated from an SR that Anchorage wrote.
//! Both only read and write files.

use std::path::PathBuf;

use super::CliError;
use anchorage_core::dicom::sr::{SrOptions, import_sr, write_sr};
use anchorage_core::session::Session;

/// Arguments of `sr`.
#[derive(Debug, clap::Args)]
pub struct SrArgs {
    /// The session file.
    pub session: PathBuf,
    /// Where to write the SR (atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// The rater, written as the person observer (`Family^Given`).
    #[arg(long)]
    pub observer: Option<String>,
    /// A folder to look in for a series that is not where the session says; may be given
    /// several times.
    #[arg(long, value_name = "DIR")]
    pub search: Vec<PathBuf>,
    /// De-identify: the patient named only by the keyed pseudonym of the per-screw table,
    /// every UID replaced by its keyed pseudonym, no dates of birth or study, no notes.
    #[arg(long)]
    pub pseudonymize: bool,
    /// The project key for --pseudonymize (at least 8 characters; keep it secret).
    #[arg(long, env = "ANCHORAGE_PROJECT_KEY", hide_env_values = true)]
    pub project_key: Option<String>,
}

/// Arguments of `sr-import`.
#[derive(Debug, clap::Args)]
pub struct SrImportArgs {
    /// An SR written by `anchorage sr` (or the window's Save SR).
    pub sr: PathBuf,
    /// The folder holding the images the SR references (searched recursively).
    #[arg(long)]
    pub images: PathBuf,
    /// Where to write the recreated session (atomically; an existing file is kept as
    /// FILE.bak).
    #[arg(long)]
    pub out: PathBuf,
    /// The project key a pseudonymised SR was written with (its images are referenced by
    /// keyed pseudonyms of their UIDs).
    #[arg(long, env = "ANCHORAGE_PROJECT_KEY", hide_env_values = true)]
    pub project_key: Option<String>,
}

/// Runs `sr`.
pub fn run(a: &SrArgs) -> Result<(), CliError> {
    let session = Session::load(&a.session)?;
    let key = super::pseudonym_key(a.pseudonymize, &a.project_key)?;
    let opts = SrOptions {
        observer: a.observer.clone(),
        pseudonymize_key: key,
        search: a.search.clone(),
        time_utc: None,
    };
    let export = write_sr(&session, &a.session, &a.out, &opts)?;
    for n in &export.notes {
        eprintln!("anchorage: note: {n}");
    }
    eprintln!(
        "anchorage: wrote {} ({} measurement groups): {}",
        export.sop_instance_uid,
        export.groups,
        a.out.display()
    );
    Ok(())
}

/// Runs `sr-import`.
pub fn run_import(a: &SrImportArgs) -> Result<(), CliError> {
    let imported = import_sr(&a.sr, &a.images, a.project_key.as_deref())?;
    let mut session = imported.session;
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = std::fs::canonicalize(dir)
    {
        for s in &mut session.series {
            if let Ok(p) = std::fs::canonicalize(&s.path) {
                s.path = p;
            }
        }
        session.relativize_paths(&dir);
    }
    session.save(&a.out)?;
    eprintln!(
        "anchorage: {} ROIs and {} screws: {}",
        imported.rois,
        imported.screws,
        a.out.display()
    );
    Ok(())
}
