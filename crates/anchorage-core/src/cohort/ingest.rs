//! What `cohort add` stores, made from its inputs: a session file recomputed through the
//! one measurement pipeline of `anchorage measure` ([`crate::pipeline::measure_on_disk`]),
//! or a per-screw table CSV that `anchorage measure` wrote earlier.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::CohortError;
use super::model::{ScrewRecord, SessionRecord, SourceKind, TABLE_COLUMN_COUNT, table_columns};
use crate::export::{REQUIRED_COLUMNS, pseudonym, pseudonym_uid};
use crate::pipeline::{Measured, Notice, measure_on_disk};
use crate::session::Session;

/// How inputs are stored.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Who measured.
    pub rater: String,
    /// Folders to look in for series not where a session says.
    pub search: Vec<PathBuf>,
    /// With a project key, the patient ID and StudyInstanceUID are stored as their keyed
    /// pseudonyms ([`crate::export::pseudonym`]); without one, as the input has them.
    pub project_key: Option<String>,
}

/// The program that computes the rows.
pub fn software_version() -> String {
    format!("anchorage {}", env!("CARGO_PKG_VERSION"))
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read(path: &Path) -> Result<Vec<u8>, CohortError> {
    std::fs::read(path).map_err(|source| CohortError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The path as stored: absolute where it can be made so (the same file added from
/// another folder is the same session).
fn stored_path(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn check_key(path: &Path, key: &str) -> Result<(), CohortError> {
    if key.chars().count() < crate::export::MIN_KEY_CHARS {
        return Err(CohortError::file(
            path,
            format!(
                "the project key must have at least {} characters",
                crate::export::MIN_KEY_CHARS
            ),
        ));
    }
    Ok(())
}

/// A session file measured on its series on disk, as a record to store, with the notes
/// (series found elsewhere) and the pipeline's notices.
pub fn from_session(
    path: &Path,
    opts: &IngestOptions,
) -> Result<(SessionRecord, Vec<String>, Vec<Notice>), CohortError> {
    let bytes = read(path)?;
    let session = Session::load(path).map_err(|e| CohortError::file(path, e.to_string()))?;
    let (measured, notes) = measure_on_disk(&session, path, &opts.search)
        .map_err(|e| CohortError::file(path, e.to_string()))?;
    let record = from_measured(path, &bytes, &session, &measured, opts)?;
    Ok((record, notes, measured.notices))
}

/// A session already measured by the pipeline (the window's open session, or
/// [`from_session`]'s), as a record to store; `bytes` are the saved session file's, whose
/// hash identifies this version.
pub fn from_measured(
    path: &Path,
    bytes: &[u8],
    session: &Session,
    measured: &Measured,
    opts: &IngestOptions,
) -> Result<SessionRecord, CohortError> {
    let mut table = measured.table.clone();
    let pseudonymised = match &opts.project_key {
        Some(key) => {
            check_key(path, key)?;
            table
                .pseudonymize(key)
                .map_err(|m| CohortError::file(path, m))?;
            true
        }
        None => false,
    };
    let (patient_id, study_uid) = match &opts.project_key {
        Some(key) => (
            pseudonym(key, &session.patient_id),
            pseudonym_uid(key, &session.study_instance_uid),
        ),
        None => (
            session.patient_id.clone(),
            session.study_instance_uid.clone(),
        ),
    };
    if patient_id.trim().is_empty() {
        return Err(CohortError::file(path, "the session has no patient ID"));
    }
    let screws = table
        .rows
        .iter()
        .map(|row| ScrewRecord {
            cells: row.iter().map(|c| c.csv()).collect(),
        })
        .collect();
    let m = &measured.models;
    let file = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or("bundled".to_string(), |p| p.display().to_string())
    };
    let models = format!(
        "stress: {} {} ({}); risk: {} {} ({})",
        m.stress.info.name,
        m.stress.info.version,
        file(&session.models.stress_model),
        m.risk.info.name,
        m.risk.info.version,
        file(&session.models.risk_model)
    );
    Ok(SessionRecord {
        patient_id,
        pseudonymised,
        study_uid,
        rater: opts.rater.clone(),
        path: stored_path(path),
        content_hash: sha256_hex(bytes),
        software_version: software_version(),
        models,
        source: SourceKind::Session,
        screws,
    })
}

/// A per-screw table CSV (as `anchorage measure --csv` writes it) as a record to store.
/// Every required column must be there; all rows must be of one patient and study.
pub fn from_table(path: &Path, opts: &IngestOptions) -> Result<SessionRecord, CohortError> {
    let bytes = read(path)?;
    let bad = |line: u64, message: String| CohortError::CsvLine {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let header = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    for c in REQUIRED_COLUMNS {
        if !header.iter().any(|h| h == c) {
            return Err(bad(1, format!("no column {c:?}: not a per-screw table")));
        }
    }
    let map: Vec<Option<usize>> = table_columns()
        .map(|c| header.iter().position(|h| h == c))
        .collect();
    let mut screws: Vec<ScrewRecord> = Vec::new();
    let mut ids: Option<(String, String)> = None;
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let mut cells: Vec<String> = map
            .iter()
            .map(|i| i.and_then(|i| rec.get(i)).unwrap_or("").to_string())
            .collect();
        cells.resize(TABLE_COLUMN_COUNT, String::new());
        let s = ScrewRecord { cells };
        let this = (
            s.get("patient_id").to_string(),
            s.get("study_instance_uid").to_string(),
        );
        if this.0.is_empty() {
            return Err(bad(line, "patient_id is empty".into()));
        }
        if s.get("level").is_empty() || s.get("side").is_empty() {
            return Err(bad(line, "level or side is empty".into()));
        }
        match &ids {
            None => ids = Some(this),
            Some(first) if *first != this => {
                return Err(bad(
                    line,
                    format!(
                        "patient {:?} / study {:?} differs from the first row's; a table holds one session",
                        this.0, this.1
                    ),
                ));
            }
            Some(_) => {}
        }
        screws.push(s);
    }
    let Some((patient, study)) = ids else {
        return Err(CohortError::file(path, "the table has no rows"));
    };
    let already = patient.starts_with("ANON-");
    let (patient_id, study_uid, pseudonymised) = match &opts.project_key {
        Some(key) if !already => {
            check_key(path, key)?;
            let (p, u) = (pseudonym(key, &patient), pseudonym_uid(key, &study));
            for s in &mut screws {
                s.set("patient_id", p.clone());
                s.set("study_instance_uid", u.clone());
            }
            (p, u, true)
        }
        _ => (patient, study, already),
    };
    let models = format!(
        "risk: {}; stress: {}",
        screws.first().map_or("", |s| s.get("risk_model")),
        screws.first().map_or("", |s| s.get("stress_model"))
    );
    Ok(SessionRecord {
        patient_id,
        pseudonymised,
        study_uid,
        rater: opts.rater.clone(),
        path: stored_path(path),
        content_hash: sha256_hex(&bytes),
        software_version: "a per-screw table (program not recorded)".into(),
        models,
        source: SourceKind::Table,
        screws,
    })
}
