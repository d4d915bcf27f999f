//! `cohort export --csv FILE [--patients]`: the cohort's current rows as CSV.
//!
//! Per screw: the per-screw table's columns in order ([`super::model::table_columns`]),
//! then `rater, session_hash, loosening, follow_up_months` (a screw's own outcome, else its
//! patient's). With `--patients`, one row per patient and rater ([`PATIENT_COLUMNS`]), from
//! that rater's latest current session of the patient.

use std::collections::BTreeMap;

use super::model::{Outcome, StoredScrew, table_columns};
use super::{Cohort, CohortError};

/// Columns after the per-screw table's.
pub const SCREW_EXTRA_COLUMNS: [&str; 4] =
    ["rater", "session_hash", "loosening", "follow_up_months"];

/// Columns of the per-patient export.
pub const PATIENT_COLUMNS: [&str; 10] = [
    "patient_id",
    "rater",
    "age",
    "goutallier",
    "pbq",
    "patient_hu_ratio",
    "risk",
    "high_risk",
    "loosening",
    "follow_up_months",
];

/// Outcomes by patient: the whole-patient one and those by (level, side).
#[derive(Debug, Default, Clone)]
pub struct OutcomeIndex {
    patient: BTreeMap<String, Outcome>,
    screw: BTreeMap<(String, String, String), Outcome>,
}

impl OutcomeIndex {
    /// Indexes current outcomes.
    pub fn new(outcomes: Vec<Outcome>) -> OutcomeIndex {
        let mut ix = OutcomeIndex::default();
        for o in outcomes {
            match (&o.level, &o.side) {
                (Some(l), Some(s)) => {
                    ix.screw
                        .insert((o.patient_id.clone(), l.clone(), s.clone()), o);
                }
                _ => {
                    ix.patient.insert(o.patient_id.clone(), o);
                }
            }
        }
        ix
    }

    /// A screw's outcome: its own, else its patient's.
    pub fn for_screw(&self, patient: &str, level: &str, side: &str) -> Option<&Outcome> {
        self.screw
            .get(&(patient.to_string(), level.to_string(), side.to_string()))
            .or_else(|| self.patient.get(patient))
    }

    /// A patient's outcome: the whole-patient one, else from its screws' (loosened when
    /// any did; not loosened when every screw in `screws` has an outcome and none did).
    pub fn for_patient(
        &self,
        patient: &str,
        screws: &[(String, String)],
    ) -> (Option<bool>, Option<f64>) {
        if let Some(o) = self.patient.get(patient) {
            return (Some(o.loosening), o.follow_up_months);
        }
        let found: Vec<&Outcome> = screws
            .iter()
            .filter_map(|(l, s)| self.screw.get(&(patient.to_string(), l.clone(), s.clone())))
            .collect();
        let months = found
            .iter()
            .filter_map(|o| o.follow_up_months)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        if found.iter().any(|o| o.loosening) {
            (Some(true), months)
        } else if !screws.is_empty() && found.len() == screws.len() {
            (Some(false), months)
        } else {
            (None, months)
        }
    }
}

fn months_text(m: Option<f64>) -> String {
    m.map(|x| {
        let s = format!("{x:.1}");
        s.strip_suffix(".0").map_or(s.clone(), str::to_string)
    })
    .unwrap_or_default()
}

fn csv_bytes(header: Vec<String>, rows: Vec<Vec<String>>) -> Result<Vec<u8>, CohortError> {
    let err = |e: csv::Error| CohortError::file("(export)", e.to_string());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(&header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| CohortError::file("(export)", e.to_string()))
}

/// The per-screw export of already read rows.
pub fn screws_csv(screws: &[StoredScrew], outcomes: &OutcomeIndex) -> Result<Vec<u8>, CohortError> {
    let header = table_columns()
        .chain(SCREW_EXTRA_COLUMNS)
        .map(str::to_string)
        .collect();
    let rows = screws
        .iter()
        .map(|s| {
            let o = outcomes.for_screw(&s.patient_id, s.record.get("level"), s.record.get("side"));
            let mut row = s.record.cells.clone();
            row.push(s.rater.clone());
            row.push(s.session_hash.clone());
            row.push(o.map(|o| o.loosening.to_string()).unwrap_or_default());
            row.push(months_text(o.and_then(|o| o.follow_up_months)));
            row
        })
        .collect();
    csv_bytes(header, rows)
}

/// For each (patient, rater): that rater's latest current session's screws.
pub fn latest_by_patient_rater(
    screws: &[StoredScrew],
) -> BTreeMap<(String, String), Vec<&StoredScrew>> {
    let mut latest: BTreeMap<(String, String), i64> = BTreeMap::new();
    for s in screws {
        let e = latest
            .entry((s.patient_id.clone(), s.rater.clone()))
            .or_insert(s.session_id);
        *e = (*e).max(s.session_id);
    }
    let mut out: BTreeMap<(String, String), Vec<&StoredScrew>> = BTreeMap::new();
    for s in screws {
        let key = (s.patient_id.clone(), s.rater.clone());
        if latest.get(&key) == Some(&s.session_id) {
            out.entry(key).or_default().push(s);
        }
    }
    out
}

/// The per-patient export of already read rows.
pub fn patients_csv(
    screws: &[StoredScrew],
    outcomes: &OutcomeIndex,
) -> Result<Vec<u8>, CohortError> {
    let header = PATIENT_COLUMNS.iter().map(|c| c.to_string()).collect();
    let rows = latest_by_patient_rater(screws)
        .into_iter()
        .map(|((patient, rater), rows)| {
            let first = rows.first().map(|s| &s.record);
            let get = |c: &str| first.map_or(String::new(), |r| r.get(c).to_string());
            let keys: Vec<(String, String)> = rows
                .iter()
                .map(|s| {
                    (
                        s.record.get("level").to_string(),
                        s.record.get("side").to_string(),
                    )
                })
                .collect();
            let (loosening, months) = outcomes.for_patient(&patient, &keys);
            vec![
                patient.clone(),
                rater,
                get("age"),
                get("goutallier"),
                get("pbq"),
                get("patient_hu_ratio"),
                get("risk"),
                get("high_risk"),
                loosening.map(|b| b.to_string()).unwrap_or_default(),
                months_text(months),
            ]
        })
        .collect();
    csv_bytes(header, rows)
}

impl Cohort {
    /// The per-screw export as CSV bytes.
    pub fn export_screws_csv(&mut self) -> Result<Vec<u8>, CohortError> {
        let screws = self.current_screws()?;
        let outcomes = OutcomeIndex::new(self.current_outcomes()?);
        screws_csv(&screws, &outcomes)
    }

    /// The per-patient export as CSV bytes.
    pub fn export_patients_csv(&mut self) -> Result<Vec<u8>, CohortError> {
        let screws = self.current_screws()?;
        let outcomes = OutcomeIndex::new(self.current_outcomes()?);
        patients_csv(&screws, &outcomes)
    }
}
