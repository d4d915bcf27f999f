//! The App's side of the Cohort tab: the database in use, its last status, and the
//! handling of [`CohortAction`]s (each one short transaction through
//! [`anchorage_core::cohort`]).

use std::path::{Path, PathBuf};

use anchorage_core::cohort::ingest::{IngestOptions, from_session};
use anchorage_core::cohort::outcomes::OutcomeLine;
use anchorage_core::cohort::status::CohortStatus;
use anchorage_core::cohort::{AddAction, Cohort, CohortError, DbLocation};

use crate::App;
use crate::action::CohortAction;

/// The cohort database the window uses and what it last read.
#[derive(Debug, Default)]
pub struct CohortState {
    /// The database (`ANCHORAGE_DB`, else the default file).
    pub db: Option<DbLocation>,
    /// The last status.
    pub status: Option<CohortStatus>,
    /// Each patient's latest current session file.
    pub sessions: Vec<(String, PathBuf)>,
    /// What the last operation did, or why it failed.
    pub message: Option<Result<String, String>>,
}

impl CohortState {
    /// The database from `ANCHORAGE_DB`, else the default file.
    pub fn from_environment() -> CohortState {
        let db = std::env::var("ANCHORAGE_DB")
            .ok()
            .and_then(|v| DbLocation::parse(&v).ok())
            .or_else(DbLocation::default_file);
        CohortState {
            db,
            ..CohortState::default()
        }
    }

    /// The database for the status line.
    pub fn describe(&self) -> String {
        self.db
            .as_ref()
            .map_or("(no cohort database)".into(), DbLocation::describe)
    }
}

fn read(c: &mut Cohort) -> Result<(CohortStatus, Vec<(String, PathBuf)>), CohortError> {
    let status = c.status()?;
    let mut latest: Vec<(String, PathBuf)> = Vec::new();
    for s in c
        .sessions()?
        .into_iter()
        .filter(|s| s.current && s.source == "session")
    {
        latest.retain(|(p, _)| *p != s.patient_id);
        latest.push((s.patient_id, PathBuf::from(s.path)));
    }
    Ok((status, latest))
}

impl App {
    /// Uses another cohort database (tests; a later settings dialog).
    pub fn set_cohort_database(&mut self, db: DbLocation) {
        self.cohort = CohortState {
            db: Some(db),
            ..CohortState::default()
        };
    }

    /// The cohort database's last status read by the window.
    pub fn cohort_status(&self) -> Option<&CohortStatus> {
        self.cohort.status.as_ref()
    }

    pub(crate) fn handle_cohort(&mut self, action: CohortAction) {
        let Some(db) = self.cohort.db.clone() else {
            self.cohort.message = Some(Err("no cohort database: set ANCHORAGE_DB".into()));
            return;
        };
        let session = self.doc.path.clone();
        let result = (|| -> Result<String, CohortError> {
            let mut c = Cohort::open(&db, true)?;
            let message = match action {
                CohortAction::Refresh => String::new(),
                CohortAction::AddOpenSession { rater } => {
                    let Some(path) = session.as_deref().filter(|p| p.is_file()) else {
                        return Err(CohortError::file(
                            Path::new("(the window)"),
                            "no saved session is open",
                        ));
                    };
                    let opts = IngestOptions {
                        rater,
                        ..IngestOptions::default()
                    };
                    let (record, _, _) = from_session(path, &opts)?;
                    let reports = c.add_sessions(&[record])?;
                    reports
                        .iter()
                        .map(|r| match r.action {
                            AddAction::Refused => format!("refused: {}", r.detail),
                            a => format!("{a}: {} screw(s), {}", r.screws, r.detail),
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                }
                CohortAction::SetOutcome(outcome) => {
                    let line = OutcomeLine { line: 1, outcome };
                    c.import_outcomes(Path::new("(entered in the window)"), &[line])?;
                    "outcome saved".into()
                }
            };
            let (status, sessions) = read(&mut c)?;
            self.cohort.status = Some(status);
            self.cohort.sessions = sessions;
            Ok(message)
        })();
        self.cohort.message = match result {
            Ok(m) if m.is_empty() => None,
            Ok(m) => Some(Ok(m)),
            Err(e) => Some(Err(e.to_string())),
        };
    }
}
