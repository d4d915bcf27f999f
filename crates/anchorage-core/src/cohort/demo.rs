//! `cohort demo --patients N [--seed S]`: a synthetic cohort for demonstrations and tests,
//! drawn from a stated model whose truth ([`DemoTruth`]) is printed as JSON so a test or an
//! analysis can check what it recovers.
//!
//! Each patient has age, Goutallier grade, PBQ, a patient HU ratio and four screws (L4 and
//! L5, left and right) with B-HU, ST-HU (B-HU × the screw's HU ratio) and pedicle
//! thickness, all uniform in the stated ranges (the screw's HU ratio is the patient's plus
//! normal noise); risk comes from the bundled nomogram. The outcome (loosening, per
//! patient, 12 months) is drawn from the stated logistic model. A second rater repeats a
//! stated fraction of the patients with stated normal measurement noise.

use serde::Serialize;

use super::ingest::sha256_hex;
use super::model::{ScrewRecord, SessionRecord, SourceKind, TABLE_COLUMN_COUNT};
use super::outcomes::OutcomeLine;
use super::{Cohort, CohortError, Outcome};
use crate::models::risk::{RiskInput, RiskModel};

/// A small, seeded generator (SplitMix64): the same seed gives the same cohort everywhere.
#[derive(Debug, Clone)]
pub struct DemoRng(u64);

impl DemoRng {
    /// Seeded.
    pub fn new(seed: u64) -> DemoRng {
        DemoRng(seed)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, (lo, hi): (f64, f64)) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Normal with mean 0 and standard deviation `sd` (Box–Muller).
    pub fn normal(&mut self, sd: f64) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// The ranges values are drawn from (uniform), `[low, high)`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRanges {
    /// Age, years.
    pub age_years: (f64, f64),
    /// Goutallier grade, inclusive.
    pub goutallier: (u8, u8),
    /// PBQ.
    pub pbq: (f64, f64),
    /// Patient HU ratio.
    pub patient_hu_ratio: (f64, f64),
    /// B-HU, HU.
    pub b_hu: (f64, f64),
    /// Pedicle thickness, mm.
    pub pedicle_thickness_mm: (f64, f64),
}

/// Standard deviations of the normal noise.
#[derive(Debug, Clone, Serialize)]
pub struct DemoNoise {
    /// A screw's HU ratio around its patient's.
    pub screw_hu_ratio_sd: f64,
    /// The second rater: ST-HU, HU.
    pub rater2_st_hu_sd_hu: f64,
    /// The second rater: B-HU, HU.
    pub rater2_b_hu_sd_hu: f64,
    /// The second rater: pedicle thickness, mm.
    pub rater2_pedicle_thickness_sd_mm: f64,
    /// The second rater: PBQ.
    pub rater2_pbq_sd: f64,
}

/// The outcome model: logit P(loosening) = intercept + Σ coefficient × (predictor − centre).
#[derive(Debug, Clone, Serialize)]
pub struct DemoOutcomeModel {
    /// Intercept.
    pub intercept: f64,
    /// Per 10 years of age above 65.
    pub age_per_10_years: f64,
    /// Per PBQ unit above 2.5.
    pub pbq: f64,
    /// Per HU-ratio unit above 2.0.
    pub patient_hu_ratio: f64,
    /// Per Goutallier grade above 2.
    pub goutallier: f64,
    /// Follow-up of every outcome, months.
    pub follow_up_months: f64,
}

impl DemoOutcomeModel {
    /// The probability of loosening.
    pub fn probability(&self, age: f64, pbq: f64, hu_ratio: f64, goutallier: u8) -> f64 {
        let lp = self.intercept
            + self.age_per_10_years * (age - 65.0) / 10.0
            + self.pbq * (pbq - 2.5)
            + self.patient_hu_ratio * (hu_ratio - 2.0)
            + self.goutallier * (f64::from(goutallier) - 2.0);
        1.0 / (1.0 + (-lp).exp())
    }
}

/// Counts of what was generated.
#[derive(Debug, Clone, Serialize)]
pub struct DemoCounts {
    /// Patients.
    pub patients: usize,
    /// Sessions (first rater's and repeats).
    pub sessions: usize,
    /// Screws stored, all raters.
    pub screws: usize,
    /// Patients repeated by the second rater.
    pub repeated_patients: usize,
    /// Patients whose outcome is loosening.
    pub loosened_patients: usize,
    /// Sum over patients of the model's loosening probability (the expected count).
    pub expected_loosened: f64,
}

/// The stated truth of a demo cohort.
#[derive(Debug, Clone, Serialize)]
pub struct DemoTruth {
    /// The seed.
    pub seed: u64,
    /// Levels of the screws; each has a left and a right screw.
    pub levels: Vec<&'static str>,
    /// The two raters.
    pub raters: [&'static str; 2],
    /// Fraction of patients the second rater repeats (rounded to whole patients).
    pub repeat_fraction: f64,
    /// Value ranges.
    pub ranges: DemoRanges,
    /// Noise.
    pub noise: DemoNoise,
    /// Outcome model.
    pub outcome_model: DemoOutcomeModel,
    /// What was generated.
    pub counts: DemoCounts,
}

const LEVELS: [&str; 2] = ["L4", "L5"];

fn truth_template(seed: u64) -> DemoTruth {
    DemoTruth {
        seed,
        levels: LEVELS.to_vec(),
        raters: ["rater1", "rater2"],
        repeat_fraction: 0.2,
        ranges: DemoRanges {
            age_years: (45.0, 85.0),
            goutallier: (1, 4),
            pbq: (1.5, 4.0),
            patient_hu_ratio: (1.2, 3.0),
            b_hu: (80.0, 220.0),
            pedicle_thickness_mm: (6.0, 12.0),
        },
        noise: DemoNoise {
            screw_hu_ratio_sd: 0.1,
            rater2_st_hu_sd_hu: 10.0,
            rater2_b_hu_sd_hu: 8.0,
            rater2_pedicle_thickness_sd_mm: 0.3,
            rater2_pbq_sd: 0.1,
        },
        outcome_model: DemoOutcomeModel {
            intercept: -1.0,
            age_per_10_years: 0.4,
            pbq: 0.8,
            patient_hu_ratio: -1.5,
            goutallier: 0.5,
            follow_up_months: 12.0,
        },
        counts: DemoCounts {
            patients: 0,
            sessions: 0,
            screws: 0,
            repeated_patients: 0,
            loosened_patients: 0,
            expected_loosened: 0.0,
        },
    }
}

struct DemoPatient {
    age: f64,
    goutallier: u8,
    pbq: f64,
    hu_ratio: f64,
    screws: Vec<(&'static str, &'static str, f64, f64, f64)>,
}

fn screw_cells(
    id: &str,
    study: &str,
    p: &DemoPatient,
    screw: (&str, &str, f64, f64, f64),
    risk: &RiskModel,
) -> ScrewRecord {
    let (level, side, b_hu, st_hu, thick) = screw;
    let mut r = ScrewRecord {
        cells: vec![String::new(); TABLE_COLUMN_COUNT],
    };
    let evaluated = risk
        .evaluate(&RiskInput {
            age_years: p.age,
            pbq: Some(p.pbq),
            hu_ratio: Some(p.hu_ratio),
            goutallier: p.goutallier,
        })
        .ok();
    for (c, v) in [
        ("patient_id", id.to_string()),
        ("study_instance_uid", study.to_string()),
        ("level", level.to_string()),
        ("side", side.to_string()),
        ("screw_diameter_mm", "6.50".into()),
        ("screw_length_mm", "45.00".into()),
        ("interference_mm", "0.50".into()),
        ("st_hu", format!("{st_hu:.2}")),
        ("b_hu", format!("{b_hu:.2}")),
        ("b_hu_level", level.to_string()),
        ("hu_ratio", format!("{:.4}", st_hu / b_hu)),
        ("pedicle_thickness_mm", format!("{thick:.3}")),
        ("pbq", format!("{:.4}", p.pbq)),
        ("patient_hu_ratio", format!("{:.4}", p.hu_ratio)),
        ("age", format!("{:.1}", p.age)),
        ("goutallier", p.goutallier.to_string()),
        (
            "risk",
            evaluated
                .as_ref()
                .map_or(String::new(), |e| format!("{:.4}", e.risk)),
        ),
        (
            "high_risk",
            evaluated
                .as_ref()
                .map_or(String::new(), |e| e.high_risk.to_string()),
        ),
        (
            "risk_model",
            format!("{} {}", risk.info.name, risk.info.version),
        ),
        ("flags", "synthetic".into()),
    ] {
        r.set(c, v);
    }
    r
}

fn record(
    id: &str,
    study: &str,
    rater: &str,
    seed: u64,
    p: &DemoPatient,
    risk: &RiskModel,
) -> SessionRecord {
    let screws: Vec<ScrewRecord> = p
        .screws
        .iter()
        .map(|s| screw_cells(id, study, p, *s, risk))
        .collect();
    let content: String = screws
        .iter()
        .flat_map(|s| s.cells.iter())
        .cloned()
        .collect();
    SessionRecord {
        patient_id: id.to_string(),
        pseudonymised: true,
        study_uid: study.to_string(),
        rater: rater.to_string(),
        path: format!("demo:seed={seed}:{id}:{rater}"),
        content_hash: sha256_hex(content.as_bytes()),
        software_version: super::ingest::software_version(),
        models: format!("risk: {} {} (bundled)", risk.info.name, risk.info.version),
        source: SourceKind::Demo,
        screws,
    }
}

/// Draws a demo cohort of `patients` patients: the sessions and outcomes to store, and
/// the truth.
pub fn generate(patients: usize, seed: u64) -> (Vec<SessionRecord>, Vec<OutcomeLine>, DemoTruth) {
    let mut t = truth_template(seed);
    let mut rng = DemoRng::new(seed);
    let risk = RiskModel::bundled();
    let repeats = (patients as f64 * t.repeat_fraction).round() as usize;
    // Which patients the second rater repeats: a seeded shuffle's first `repeats`.
    let mut order: Vec<usize> = (0..patients).collect();
    for i in (1..order.len()).rev() {
        let j = (rng.uniform() * (i + 1) as f64) as usize;
        order.swap(i, j.min(i));
    }
    let mut repeated = vec![false; patients];
    for &k in order.iter().take(repeats) {
        repeated[k] = true;
    }
    let (mut sessions, mut outcomes) = (Vec::new(), Vec::new());
    let r = t.ranges.clone();
    for (k, &repeat) in repeated.iter().enumerate() {
        let id = format!("DEMO-{:05}", k + 1);
        let study = format!("2.25.{}{:05}", seed % 1_000_000, k + 1);
        let (glo, ghi) = r.goutallier;
        let g = (glo + (rng.uniform() * f64::from(ghi - glo + 1)) as u8).min(ghi);
        let mut p = DemoPatient {
            age: rng.range(r.age_years),
            goutallier: g,
            pbq: rng.range(r.pbq),
            hu_ratio: rng.range(r.patient_hu_ratio),
            screws: Vec::new(),
        };
        for level in LEVELS {
            for side in ["L", "R"] {
                let b = rng.range(r.b_hu);
                let ratio = p.hu_ratio + rng.normal(t.noise.screw_hu_ratio_sd);
                p.screws
                    .push((level, side, b, b * ratio, rng.range(r.pedicle_thickness_mm)));
            }
        }
        let prob = t
            .outcome_model
            .probability(p.age, p.pbq, p.hu_ratio, p.goutallier);
        let loosened = rng.uniform() < prob;
        t.counts.expected_loosened += prob;
        t.counts.loosened_patients += usize::from(loosened);
        sessions.push(record(&id, &study, t.raters[0], seed, &p, &risk));
        outcomes.push(OutcomeLine {
            line: k as u64 + 2,
            outcome: Outcome {
                patient_id: id.clone(),
                level: None,
                side: None,
                loosening: loosened,
                follow_up_months: Some(t.outcome_model.follow_up_months),
                judged_by: Some("synthetic (demo outcome model)".into()),
                revision: None,
            },
        });
        if repeat {
            let n = &t.noise;
            let mut q = DemoPatient {
                pbq: p.pbq + rng.normal(n.rater2_pbq_sd),
                screws: Vec::new(),
                ..p
            };
            for &(level, side, b, st, thick) in &p.screws {
                q.screws.push((
                    level,
                    side,
                    b + rng.normal(n.rater2_b_hu_sd_hu),
                    st + rng.normal(n.rater2_st_hu_sd_hu),
                    thick + rng.normal(n.rater2_pedicle_thickness_sd_mm),
                ));
            }
            sessions.push(record(&id, &study, t.raters[1], seed, &q, &risk));
        }
    }
    t.counts.patients = patients;
    t.counts.repeated_patients = repeats;
    t.counts.sessions = sessions.len();
    t.counts.screws = sessions.iter().map(|s| s.screws.len()).sum();
    (sessions, outcomes, t)
}

impl Cohort {
    /// Generates a demo cohort and stores it (sessions, then outcomes, each one
    /// transaction); returns the truth.
    pub fn add_demo(&mut self, patients: usize, seed: u64) -> Result<DemoTruth, CohortError> {
        let (sessions, outcomes, truth) = generate(patients, seed);
        self.add_sessions(&sessions)?;
        self.import_outcomes(std::path::Path::new("(demo outcomes)"), &outcomes)?;
        Ok(truth)
    }
}
