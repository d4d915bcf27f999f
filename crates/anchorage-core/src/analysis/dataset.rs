//! The cohort as analysis rows: one per patient (the primary rater's measurement of the
//! patient's age, PBQ, HU ratio at the reference level and Goutallier grade; outcome =
//! loosening of any screw) or one per screw (the same predictors, the screw's own outcome
//! where one is stored, else the patient's; the patient is the cluster), with the model's
//! predicted risk; and the multi-rater tables the agreement section reads.
//!
//! The primary rater of a patient is the rater of the patient's earliest current session
//! (by `added_at`, then by the order sessions were stored).

use std::collections::{BTreeMap, HashMap};

use super::options::{AnalysisError, AnalysisOptions};
use super::report::Unit;
use crate::cohort::{Cohort, StoredScrew};
use crate::models::risk::RiskInput;

/// The rule, as the report states it.
pub const RATER_RULE: &str = "validation and refit use the primary rater's measurement of each patient: the rater of the patient's earliest current session (by the time it was added); the other raters' measurements feed the agreement section only";

/// One analysed row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The patient as stored.
    pub patient_id: String,
    /// The cluster (patient) index, 0-based, for the bootstrap.
    pub cluster: usize,
    /// Age, years.
    pub age_years: f64,
    /// PBQ score.
    pub pbq: f64,
    /// The patient's HU ratio at the reference level.
    pub hu_ratio: f64,
    /// Goutallier grade 1..4 (a stored 0 is counted as 1, with a warning).
    pub goutallier: u8,
    /// Loosening.
    pub event: bool,
    /// The validated model's predicted risk.
    pub model_risk: f64,
}

/// The rows and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Complete rows with an outcome.
    pub rows: Vec<Row>,
    /// Patients among the rows.
    pub n_patients: usize,
    /// Rows left out (no outcome, missing or invalid predictor).
    pub n_excluded: usize,
    /// Why rows were left out, and other notes.
    pub warnings: Vec<String>,
    /// Per measure: studies with two or more raters, each a list of subjects (a subject is
    /// the study for PBQ, a screw matched by level and side otherwise), each with the
    /// raters' values in rater order (primary first).
    pub agreement: BTreeMap<&'static str, (usize, Vec<Vec<f64>>)>,
    /// The most raters of any study.
    pub max_raters: usize,
}

/// The measures of the agreement section and whether each is one value per study.
pub const AGREEMENT_MEASURES: [(&str, bool); 5] = [
    ("b_hu", false),
    ("st_hu", false),
    ("hu_ratio", false),
    ("pbq", true),
    ("pedicle_thickness_mm", false),
];

fn first_number(screws: &[&StoredScrew], column: &str) -> Option<f64> {
    screws.iter().find_map(|s| s.record.number(column))
}

/// Reads the cohort into analysis rows.
pub fn build(cohort: &mut Cohort, opts: &AnalysisOptions) -> Result<Dataset, AnalysisError> {
    let sessions = cohort.sessions()?;
    let screws = cohort.current_screws()?;
    let outcomes = cohort.current_outcomes()?;
    // Session order: (added_at, id) of current sessions.
    let order: HashMap<i64, (String, i64, String)> = sessions
        .iter()
        .filter(|s| s.current)
        .map(|s| (s.id, (s.added_at.clone(), s.id, s.study_uid.clone())))
        .collect();
    let mut by_session: BTreeMap<i64, Vec<&StoredScrew>> = BTreeMap::new();
    for s in &screws {
        by_session.entry(s.session_id).or_default().push(s);
    }
    // Per patient: its sessions, earliest first.
    let mut by_patient: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (&sid, list) in &by_session {
        if let Some(first) = list.first() {
            by_patient.entry(&first.patient_id).or_default().push(sid);
        }
    }
    let key = |sid: &i64| order.get(sid).map(|(t, i, _)| (t.clone(), *i));
    for list in by_patient.values_mut() {
        list.sort_by_key(key);
    }
    // Outcomes per patient: the patient's own and its screws'.
    let mut patient_outcome: HashMap<&str, bool> = HashMap::new();
    let mut screw_outcome: HashMap<(&str, &str, &str), bool> = HashMap::new();
    for o in &outcomes {
        match (&o.level, &o.side) {
            (Some(l), Some(s)) => {
                screw_outcome.insert((&o.patient_id, l, s), o.loosening);
            }
            _ => {
                patient_outcome.insert(&o.patient_id, o.loosening);
            }
        }
    }
    let mut d = Dataset::default();
    let (mut no_outcome, mut missing, mut grade0, mut refused) = (0usize, 0usize, 0usize, 0usize);
    let mut patients_used = 0usize;
    for (cluster, (&pid, sids)) in by_patient.iter().enumerate() {
        let Some(primary) = sids.first().and_then(|s| by_session.get(s)) else {
            continue;
        };
        let any_screw = screw_outcome
            .iter()
            .filter(|((p, _, _), _)| *p == pid)
            .map(|(_, &v)| v)
            .reduce(|a, b| a || b);
        let pat_event = match (patient_outcome.get(pid), any_screw) {
            (Some(&a), Some(b)) => Some(a || b),
            (Some(&a), None) => Some(a),
            (None, b) => b,
        };
        let predictors = (
            first_number(primary, "age"),
            first_number(primary, "pbq"),
            first_number(primary, "patient_hu_ratio"),
            first_number(primary, "goutallier"),
        );
        let events: Vec<Option<bool>> = match opts.unit {
            Unit::Patient => vec![pat_event],
            Unit::Screw => primary
                .iter()
                .map(|s| {
                    let (l, sd) = (s.record.get("level"), s.record.get("side"));
                    screw_outcome
                        .get(&(pid, l, sd))
                        .copied()
                        .or(patient_outcome.get(pid).copied())
                })
                .collect(),
        };
        let mut used = false;
        for event in events {
            let Some(event) = event else {
                no_outcome += 1;
                continue;
            };
            let (Some(age), Some(pbq), Some(hu), Some(g)) = predictors else {
                missing += 1;
                continue;
            };
            if !(0.0..=4.0).contains(&g) || g.fract() != 0.0 {
                missing += 1;
                continue;
            }
            let mut grade = g as u8;
            if grade == 0 {
                grade0 += 1;
                grade = 1;
            }
            let input = RiskInput {
                age_years: age,
                pbq: Some(pbq),
                hu_ratio: Some(hu),
                goutallier: grade,
            };
            let Ok(result) = opts.model.evaluate(&input) else {
                refused += 1;
                continue;
            };
            used = true;
            d.rows.push(Row {
                patient_id: pid.to_string(),
                cluster,
                age_years: age,
                pbq,
                hu_ratio: hu,
                goutallier: grade,
                event,
                model_risk: result.risk,
            });
        }
        patients_used += usize::from(used);
    }
    d.n_patients = patients_used;
    d.n_excluded = no_outcome + missing + refused;
    let what = match opts.unit {
        Unit::Patient => "patients",
        Unit::Screw => "screws",
    };
    if no_outcome > 0 {
        d.warnings
            .push(format!("{no_outcome} {what} without an outcome left out"));
    }
    if missing > 0 {
        d.warnings.push(format!(
            "{missing} {what} with a missing or invalid predictor (age, PBQ, patient HU ratio, Goutallier grade) left out (complete cases)"
        ));
    }
    if refused > 0 {
        d.warnings.push(format!(
            "{refused} {what} whose predictors the model refused left out"
        ));
    }
    if grade0 > 0 {
        d.warnings.push(format!(
            "{grade0} {what} with Goutallier grade 0 counted as grade 1 (the reference)"
        ));
    }
    agreement_tables(&mut d, &by_session, &order);
    Ok(d)
}

fn agreement_tables(
    d: &mut Dataset,
    by_session: &BTreeMap<i64, Vec<&StoredScrew>>,
    order: &HashMap<i64, (String, i64, String)>,
) {
    // Per study: one session per rater, in order of the rater's first session.
    let mut studies: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for (&sid, list) in by_session {
        let (Some(first), Some((_, _, uid))) = (list.first(), order.get(&sid)) else {
            continue;
        };
        studies
            .entry((first.patient_id.clone(), uid.clone()))
            .or_default()
            .push(sid);
    }
    let mut tables: Vec<Vec<i64>> = Vec::new();
    for sids in studies.values_mut() {
        sids.sort_by_key(|s| order.get(s).map(|(t, i, _)| (t.clone(), *i)));
        let mut seen: Vec<&str> = Vec::new();
        let mut per_rater = Vec::new();
        for sid in sids.iter() {
            let rater = by_session
                .get(sid)
                .and_then(|l| l.first())
                .map_or("", |s| s.rater.as_str());
            if !seen.contains(&rater) {
                seen.push(rater);
                per_rater.push(*sid);
            }
        }
        if per_rater.len() >= 2 {
            tables.push(per_rater);
        }
    }
    d.max_raters = tables.iter().map(Vec::len).max().unwrap_or(0);
    // The number of raters compared: the fewest any multi-rater study has (a complete
    // table), the first raters of each study in order.
    let k = tables.iter().map(Vec::len).min().unwrap_or(0);
    if k < 2 {
        return;
    }
    for (measure, per_study) in AGREEMENT_MEASURES {
        let mut subjects = Vec::new();
        let mut n_studies = 0;
        for sids in &tables {
            let lists: Vec<&Vec<&StoredScrew>> = sids
                .iter()
                .take(k)
                .filter_map(|s| by_session.get(s))
                .collect();
            let before = subjects.len();
            if per_study {
                let vals: Vec<Option<f64>> =
                    lists.iter().map(|l| first_number(l, measure)).collect();
                if let Some(v) = vals.into_iter().collect::<Option<Vec<f64>>>() {
                    subjects.push(v);
                }
            } else if let Some(first) = lists.first() {
                for s in first.iter() {
                    let (l, sd) = (s.record.get("level"), s.record.get("side"));
                    let vals: Option<Vec<f64>> = lists
                        .iter()
                        .map(|list| {
                            list.iter()
                                .find(|o| o.record.get("level") == l && o.record.get("side") == sd)
                                .and_then(|o| o.record.number(measure))
                        })
                        .collect();
                    if let Some(v) = vals {
                        subjects.push(v);
                    }
                }
            }
            n_studies += usize::from(subjects.len() > before);
        }
        d.agreement.insert(measure, (n_studies, subjects));
    }
}
