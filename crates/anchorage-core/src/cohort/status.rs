//! `cohort status`: counts, and what each patient still lacks (ROIs, age, Goutallier
//! grade, outcome). Computed from the typed columns (not the stored cells), so a cohort
//! of 10,000 screws answers in milliseconds; the window's Cohort list is the same
//! [`PatientStatus`] list.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::store::{RowReader, scalar_int};
use super::{BackendKind, Cohort, CohortError};

/// Something a patient still lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lack {
    /// A screw lacks ST-HU, B-HU or pedicle thickness, or the patient PBQ or HU ratio.
    Rois,
    /// No age.
    Age,
    /// No Goutallier grade.
    Goutallier,
    /// No outcome for the patient, and none for some screw.
    Outcome,
}

impl Lack {
    /// The word shown.
    pub fn label(self) -> &'static str {
        match self {
            Lack::Rois => "ROIs",
            Lack::Age => "age",
            Lack::Goutallier => "Goutallier grade",
            Lack::Outcome => "outcome",
        }
    }
}

/// One patient's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientStatus {
    /// The patient as stored.
    pub patient_id: String,
    /// Raters with a current session.
    pub raters: Vec<String>,
    /// Current sessions.
    pub sessions: usize,
    /// Screws of the current sessions (each rater's counted).
    pub screws: usize,
    /// Current outcomes (patient and screw).
    pub outcomes: usize,
    /// What is missing; empty when complete.
    pub lacks: Vec<Lack>,
}

/// The whole status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortStatus {
    /// SQLite or PostgreSQL.
    pub backend: BackendKind,
    /// The file or server.
    pub database: String,
    /// The schema version.
    pub schema_version: u32,
    /// Patients.
    pub patients: usize,
    /// Studies.
    pub studies: usize,
    /// Current sessions.
    pub sessions: usize,
    /// Earlier versions kept.
    pub superseded_sessions: usize,
    /// Screws of current sessions.
    pub screws: usize,
    /// Current outcomes.
    pub outcomes: usize,
    /// Patients lacking nothing.
    pub complete_patients: usize,
    /// Patients stored under the ID their session held, not a keyed pseudonym.
    pub identifying_patients: usize,
    /// Per patient, by ID.
    pub patient_list: Vec<PatientStatus>,
}

#[derive(Default)]
struct Acc {
    raters: BTreeSet<String>,
    sessions: BTreeSet<i64>,
    screws: usize,
    screw_keys: BTreeSet<(String, String)>,
    rois: bool,
    age: bool,
    goutallier: bool,
    outcomes: usize,
    patient_outcome: bool,
    screw_outcomes: BTreeSet<(String, String)>,
}

impl Cohort {
    /// Counts and each patient's completeness.
    pub fn status(&mut self) -> Result<CohortStatus, CohortError> {
        let kind = self.kind();
        let database = self.location();
        let mut out = None;
        self.backend().transaction(false, &mut |tx| {
            let location = tx.location();
            let version = super::schema::read_version(tx)?.unwrap_or(0);
            let count =
                |tx: &mut dyn super::store::Tx, sql: &str, t| -> Result<usize, CohortError> {
                    Ok(scalar_int(&tx.query(sql, &[])?, &location, t)? as usize)
                };
            let studies = count(tx, "SELECT COUNT(*) FROM studies", "studies")?;
            let identifying = count(
                tx,
                "SELECT COUNT(*) FROM patients WHERE pseudonymised = 0",
                "patients",
            )?;
            let superseded = count(
                tx,
                "SELECT COUNT(*) FROM sessions WHERE is_current = 0",
                "sessions",
            )?;
            let mut by: BTreeMap<String, Acc> = BTreeMap::new();
            for row in tx.query("SELECT patient_key FROM patients", &[])? {
                let r = RowReader {
                    row: &row,
                    table: "patients",
                    id: 0,
                    location: &location,
                };
                by.entry(r.text(0)?).or_default();
            }
            let rows = tx.query(
                "SELECT sc.id, p.patient_key, s.id, s.rater, sc.level, sc.side, sc.st_hu, sc.b_hu, \
                 sc.pedicle_thickness_mm, sc.pbq, sc.patient_hu_ratio, sc.age, sc.goutallier \
                 FROM screws sc JOIN sessions s ON sc.session_id = s.id \
                 JOIN studies st ON s.study_id = st.id JOIN patients p ON st.patient_id = p.id \
                 WHERE s.is_current = 1",
                &[],
            )?;
            let mut screws = 0;
            for row in &rows {
                let id = row.first().and_then(|v| v.as_int()).unwrap_or(-1);
                let r = RowReader {
                    row,
                    table: "screws",
                    id,
                    location: &location,
                };
                let a = by.entry(r.text(1)?).or_default();
                a.sessions.insert(r.int(2)?);
                a.raters.insert(r.text(3)?);
                a.screws += 1;
                screws += 1;
                a.screw_keys.insert((r.text(4)?, r.text(5)?));
                for i in 6..=10 {
                    if r.opt_real(i)?.is_none() {
                        a.rois = true;
                    }
                }
                a.age |= r.opt_real(11)?.is_none();
                a.goutallier |= r.opt_int(12)?.is_none();
            }
            let rows = tx.query(
                "SELECT o.id, p.patient_key, o.level, o.side FROM outcomes o \
                 JOIN patients p ON o.patient_id = p.id WHERE o.is_current = 1",
                &[],
            )?;
            let outcomes = rows.len();
            for row in &rows {
                let id = row.first().and_then(|v| v.as_int()).unwrap_or(-1);
                let r = RowReader {
                    row,
                    table: "outcomes",
                    id,
                    location: &location,
                };
                let a = by.entry(r.text(1)?).or_default();
                a.outcomes += 1;
                let (level, side) = (r.text(2)?, r.text(3)?);
                if level.is_empty() {
                    a.patient_outcome = true;
                } else {
                    a.screw_outcomes.insert((level, side));
                }
            }
            let patient_list: Vec<PatientStatus> = by
                .into_iter()
                .map(|(patient_id, a)| {
                    let mut lacks = Vec::new();
                    if a.rois || a.screws == 0 {
                        lacks.push(Lack::Rois);
                    }
                    if a.age || a.screws == 0 {
                        lacks.push(Lack::Age);
                    }
                    if a.goutallier || a.screws == 0 {
                        lacks.push(Lack::Goutallier);
                    }
                    let outcome_known = a.patient_outcome
                        || (!a.screw_keys.is_empty() && a.screw_keys.is_subset(&a.screw_outcomes));
                    if !outcome_known {
                        lacks.push(Lack::Outcome);
                    }
                    PatientStatus {
                        patient_id,
                        raters: a.raters.into_iter().collect(),
                        sessions: a.sessions.len(),
                        screws: a.screws,
                        outcomes: a.outcomes,
                        lacks,
                    }
                })
                .collect();
            out = Some(CohortStatus {
                backend: kind,
                database: database.clone(),
                schema_version: version,
                patients: patient_list.len(),
                studies,
                sessions: patient_list.iter().map(|p| p.sessions).sum(),
                superseded_sessions: superseded,
                screws,
                outcomes,
                complete_patients: patient_list.iter().filter(|p| p.lacks.is_empty()).count(),
                identifying_patients: identifying,
                patient_list,
            });
            Ok(())
        })?;
        out.ok_or_else(|| CohortError::BadRow {
            location: self.location(),
            table: "patients",
            row: 0,
            message: "no status computed".into(),
        })
    }
}
