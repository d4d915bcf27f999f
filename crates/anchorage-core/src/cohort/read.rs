//! Reading the current rows back: screws of current (not superseded) sessions with their
//! provenance, and current outcomes.

use super::model::{Outcome, ScrewRecord, StoredScrew, TABLE_COLUMN_COUNT};
use super::store::RowReader;
use super::{Cohort, CohortError};

/// A stored session's provenance.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionInfo {
    /// Row id.
    pub id: i64,
    /// The patient as stored.
    pub patient_id: String,
    /// StudyInstanceUID as stored.
    pub study_uid: String,
    /// The rater.
    pub rater: String,
    /// The file given.
    pub path: String,
    /// SHA-256 of its content.
    pub content_hash: String,
    /// Program version.
    pub software_version: String,
    /// Models used.
    pub models: String,
    /// Where the rows came from (`session`, `table`, `demo`).
    pub source: String,
    /// When it was added (UTC).
    pub added_at: String,
    /// False when a later version of the same file replaced it.
    pub current: bool,
    /// The session that replaced it.
    pub superseded_by: Option<i64>,
}

impl Cohort {
    /// The screws of every current session, ordered by patient, rater, session and row.
    pub fn current_screws(&mut self) -> Result<Vec<StoredScrew>, CohortError> {
        let mut out = Vec::new();
        self.backend().transaction(false, &mut |tx| {
            let location = tx.location();
            let rows = tx.query(
                "SELECT sc.id, p.patient_key, s.rater, s.content_hash, s.id, sc.cells \
                 FROM screws sc JOIN sessions s ON sc.session_id = s.id \
                 JOIN studies st ON s.study_id = st.id JOIN patients p ON st.patient_id = p.id \
                 WHERE s.is_current = 1 ORDER BY p.patient_key, s.rater, s.id, sc.id",
                &[],
            )?;
            out.clear();
            for row in &rows {
                let id = row.first().and_then(|v| v.as_int()).unwrap_or(-1);
                let r = RowReader {
                    row,
                    table: "screws",
                    id,
                    location: &location,
                };
                let text = r.text(5)?;
                let cells: Vec<String> =
                    serde_json::from_str(&text).map_err(|e| CohortError::BadRow {
                        location: location.clone(),
                        table: "screws",
                        row: id,
                        message: format!("cells are not a JSON list of text: {e}"),
                    })?;
                let mut cells = cells;
                cells.resize(TABLE_COLUMN_COUNT, String::new());
                out.push(StoredScrew {
                    patient_id: r.text(1)?,
                    rater: r.text(2)?,
                    session_hash: r.text(3)?,
                    session_id: r.int(4)?,
                    record: ScrewRecord { cells },
                });
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Every current outcome, by patient, level and side (whole-patient ones first).
    pub fn current_outcomes(&mut self) -> Result<Vec<Outcome>, CohortError> {
        let mut out = Vec::new();
        self.backend().transaction(false, &mut |tx| {
            let location = tx.location();
            let rows = tx.query(
                "SELECT o.id, p.patient_key, o.level, o.side, o.loosening, o.follow_up_months, \
                 o.judged_by, o.revision FROM outcomes o JOIN patients p ON o.patient_id = p.id \
                 WHERE o.is_current = 1 ORDER BY p.patient_key, o.level, o.side",
                &[],
            )?;
            out.clear();
            for row in &rows {
                let id = row.first().and_then(|v| v.as_int()).unwrap_or(-1);
                let r = RowReader {
                    row,
                    table: "outcomes",
                    id,
                    location: &location,
                };
                let level = r.text(2)?;
                let side = r.text(3)?;
                out.push(Outcome {
                    patient_id: r.text(1)?,
                    level: Some(level).filter(|s| !s.is_empty()),
                    side: Some(side).filter(|s| !s.is_empty()),
                    loosening: r.int(4)? != 0,
                    follow_up_months: r.opt_real(5)?,
                    judged_by: r.opt_text(6)?,
                    revision: r.opt_int(7)?.map(|v| v != 0),
                });
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Every stored session, current and superseded, in the order they were added.
    pub fn sessions(&mut self) -> Result<Vec<SessionInfo>, CohortError> {
        let mut out = Vec::new();
        self.backend().transaction(false, &mut |tx| {
            let location = tx.location();
            let rows = tx.query(
                "SELECT s.id, p.patient_key, st.study_uid, s.rater, s.path, s.content_hash, \
                 s.software_version, s.models, s.source, s.added_at, s.is_current, s.superseded_by \
                 FROM sessions s JOIN studies st ON s.study_id = st.id \
                 JOIN patients p ON st.patient_id = p.id ORDER BY s.id",
                &[],
            )?;
            out.clear();
            for row in &rows {
                let id = row.first().and_then(|v| v.as_int()).unwrap_or(-1);
                let r = RowReader {
                    row,
                    table: "sessions",
                    id,
                    location: &location,
                };
                out.push(SessionInfo {
                    id: r.int(0)?,
                    patient_id: r.text(1)?,
                    study_uid: r.text(2)?,
                    rater: r.text(3)?,
                    path: r.text(4)?,
                    content_hash: r.text(5)?,
                    software_version: r.text(6)?,
                    models: r.text(7)?,
                    source: r.text(8)?,
                    added_at: r.text(9)?,
                    current: r.int(10)? != 0,
                    superseded_by: r.opt_int(11)?,
                });
            }
            Ok(())
        })?;
        Ok(out)
    }
}
