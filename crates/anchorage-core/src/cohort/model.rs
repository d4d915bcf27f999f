//! The cohort's types: where the database is, what a stored session and its screws are,
//! what an outcome is, and the answers of `add`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::CohortError;
use crate::export::{EXTRA_COLUMNS, PLAN_COLUMNS, REQUIRED_COLUMNS};

/// Where the cohort database is: a SQLite file or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// An embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DbLocation {
    /// `postgres://` and `postgresql://` URLs are servers; anything else is a file path.
    pub fn parse(value: &str) -> Result<DbLocation, CohortError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(CohortError::Location {
                value: value.into(),
                message: "empty".into(),
            });
        }
        if v.starts_with("postgres://") || v.starts_with("postgresql://") {
            Ok(DbLocation::Postgres(v.to_string()))
        } else if v.contains("://") {
            Err(CohortError::Location {
                value: value.into(),
                message: "not a file path or a postgres:// URL".into(),
            })
        } else {
            Ok(DbLocation::Sqlite(PathBuf::from(v)))
        }
    }

    /// The default database: `cohort.sqlite` in the user's data folder
    /// (`$XDG_DATA_HOME/anchorage`, else `~/.local/share/anchorage`).
    pub fn default_file() -> Option<DbLocation> {
        let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
        };
        Some(DbLocation::Sqlite(
            base.join("anchorage").join("cohort.sqlite"),
        ))
    }

    /// For messages: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            DbLocation::Sqlite(p) => p.display().to_string(),
            DbLocation::Postgres(url) => redact_url(url),
        }
    }
}

/// A postgres URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match auth.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = match userinfo.split_once(':') {
                Some((u, _)) => format!("{u}:***"),
                None => userinfo.to_string(),
            };
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// The kind of back-end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Embedded SQLite.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Sqlite => "SQLite",
            BackendKind::Postgres => "PostgreSQL",
        })
    }
}

/// Where a stored session's rows came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A session file recomputed through the pipeline.
    Session,
    /// A per-screw table written earlier by `anchorage measure`.
    Table,
    /// `anchorage cohort demo`.
    Demo,
}

impl SourceKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SourceKind::Session => "session",
            SourceKind::Table => "table",
            SourceKind::Demo => "demo",
        }
    }
}

/// Every column of the per-screw table the database keeps, in the table's order.
pub fn table_columns() -> impl Iterator<Item = &'static str> {
    REQUIRED_COLUMNS
        .iter()
        .chain(EXTRA_COLUMNS.iter())
        .chain(PLAN_COLUMNS.iter())
        .copied()
}

/// The number of columns [`table_columns`] yields.
pub const TABLE_COLUMN_COUNT: usize =
    REQUIRED_COLUMNS.len() + EXTRA_COLUMNS.len() + PLAN_COLUMNS.len();

/// One screw's row of the per-screw table, as the table's CSV text of every column of
/// [`table_columns`] (empty when unmeasured).
#[derive(Debug, Clone, PartialEq)]
pub struct ScrewRecord {
    /// The cells, in [`table_columns`] order.
    pub cells: Vec<String>,
}

impl ScrewRecord {
    /// The cell of `column` ("" when unknown or empty).
    pub fn get(&self, column: &str) -> &str {
        table_columns()
            .position(|c| c == column)
            .and_then(|i| self.cells.get(i))
            .map_or("", String::as_str)
    }

    /// The cell of `column` as a number (None when empty or not a number).
    pub fn number(&self, column: &str) -> Option<f64> {
        self.get(column)
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
    }

    /// Sets the cell of `column`.
    pub fn set(&mut self, column: &str, value: String) {
        if let Some(i) = table_columns().position(|c| c == column) {
            if self.cells.len() < TABLE_COLUMN_COUNT {
                self.cells.resize(TABLE_COLUMN_COUNT, String::new());
            }
            if let Some(c) = self.cells.get_mut(i) {
                *c = value;
            }
        }
    }
}

/// A measured session as it is stored: provenance and its screws.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The patient as stored: the keyed pseudonym, or the session's ID when asked.
    pub patient_id: String,
    /// Whether `patient_id` is a pseudonym.
    pub pseudonymised: bool,
    /// StudyInstanceUID (pseudonymised with the patient).
    pub study_uid: String,
    /// Who measured.
    pub rater: String,
    /// The session (or table) file, as given.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub content_hash: String,
    /// The program that computed the rows (`anchorage 0.1.0`).
    pub software_version: String,
    /// The model files and models used.
    pub models: String,
    /// Where the rows came from.
    pub source: SourceKind,
    /// The screws.
    pub screws: Vec<ScrewRecord>,
}

/// What `add` did with one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddAction {
    /// New: stored (beside any other rater's or repeat measurement of the study).
    Added,
    /// The same file by the same rater changed: stored, the earlier version kept.
    Updated,
    /// Already stored with the same content.
    Unchanged,
    /// Not stored.
    Refused,
}

impl fmt::Display for AddAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddAction::Added => "added",
            AddAction::Updated => "updated",
            AddAction::Unchanged => "unchanged",
            AddAction::Refused => "refused",
        })
    }
}

/// The answer for one session given to `add`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddReport {
    /// The file given.
    pub path: String,
    /// What was done.
    pub action: AddAction,
    /// Why, or what it sits beside.
    pub detail: String,
    /// Screws stored.
    pub screws: usize,
}

/// A screw's or a patient's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The patient as stored.
    pub patient_id: String,
    /// The level; None for the whole patient.
    pub level: Option<String>,
    /// The side; None for the whole patient.
    pub side: Option<String>,
    /// Whether the screw (or any screw of the patient) loosened.
    pub loosening: bool,
    /// Months of follow-up.
    pub follow_up_months: Option<f64>,
    /// How it was judged (for example "CT halo ≥ 1 mm").
    pub judged_by: Option<String>,
    /// Whether the screw was revised.
    pub revision: Option<bool>,
}

/// A stored screw with its provenance, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScrew {
    /// The patient as stored.
    pub patient_id: String,
    /// The rater.
    pub rater: String,
    /// The session's content hash.
    pub session_hash: String,
    /// The session's row id.
    pub session_id: i64,
    /// The row.
    pub record: ScrewRecord,
}

/// The session file's name for messages, as given.
pub fn display_path(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_hide_passwords() {
        assert_eq!(
            DbLocation::parse("c.sqlite").unwrap(),
            DbLocation::Sqlite("c.sqlite".into())
        );
        let pg = DbLocation::parse("postgres://ann:pw@db.example:5433/study").unwrap();
        assert_eq!(pg.describe(), "postgres://ann:***@db.example:5433/study");
        assert_eq!(
            redact_url("postgresql:///study?host=/run/pg"),
            "postgresql:///study?host=/run/pg"
        );
        assert!(DbLocation::parse("mysql://x/y").is_err());
        assert!(DbLocation::parse(" ").is_err());
    }

    #[test]
    fn cells_are_found_by_column() {
        let mut r = ScrewRecord { cells: Vec::new() };
        r.set("st_hu", "201.50".into());
        r.set("flags", "incomplete".into());
        assert_eq!(r.cells.len(), TABLE_COLUMN_COUNT);
        assert_eq!(r.number("st_hu"), Some(201.5));
        assert_eq!(r.get("flags"), "incomplete");
        assert_eq!(r.number("b_hu"), None);
        assert_eq!(r.get("no such column"), "");
    }
}
