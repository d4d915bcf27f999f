//! The refitted model as a risk-model file (the format of `assets/models/`): the
//! coefficients, each continuous axis spanning the analysed values, the points scale
//! recomputed so the widest predictor spans 100 points, the Youden cutoff with its
//! sensitivity and specificity, and provenance (cohort size, events, date, software).

use std::collections::BTreeMap;

use crate::models::file::ModelInfo;
use crate::models::risk::{CategoricalPredictor, ContinuousPredictor, RiskModel};

/// What the model file says about where it came from.
#[derive(Debug, Clone)]
pub struct RefitProvenance {
    /// The database, for the source line.
    pub location: String,
    /// Rows analysed (patients or screws).
    pub n_rows: usize,
    /// Patients.
    pub n_patients: usize,
    /// Events.
    pub n_events: usize,
    /// Patient or screw.
    pub unit: &'static str,
    /// "maximum likelihood" or "Firth's penalised likelihood".
    pub method: &'static str,
    /// UTC date and time of the analysis.
    pub date: String,
    /// The program, `anchorage 0.1.0`.
    pub software: String,
    /// Goutallier grades absent from the data (written with the reference coefficient 0).
    pub absent_grades: Vec<u8>,
}

/// The coefficients by term name.
#[derive(Debug, Clone)]
pub struct RefitCoefficients {
    /// Intercept.
    pub intercept: f64,
    /// Per year of age.
    pub age: f64,
    /// Per PBQ unit.
    pub pbq: f64,
    /// Per HU-ratio unit.
    pub hu_ratio: f64,
    /// Grades 2..4 against grade 1 (None when absent from the data).
    pub goutallier: [Option<f64>; 3],
}

fn axis(coefficient: f64, (lo, hi): (f64, f64)) -> ContinuousPredictor {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    ContinuousPredictor {
        coefficient,
        axis_min: lo,
        axis_max: hi,
    }
}

/// Builds the model. `ranges` are the analysed (min, max) of age, PBQ and HU ratio;
/// `cutoff` the Youden threshold with its sensitivity and specificity.
pub fn refit_model(
    c: &RefitCoefficients,
    ranges: [(f64, f64); 3],
    cutoff: (f64, f64, f64),
    prov: &RefitProvenance,
) -> RiskModel {
    let age = axis(c.age, ranges[0]);
    let pbq = axis(c.pbq, ranges[1]);
    let hu_ratio = axis(c.hu_ratio, ranges[2]);
    let mut grades = BTreeMap::from([(1u8, 0.0)]);
    for (k, g) in c.goutallier.iter().enumerate() {
        grades.insert(k as u8 + 2, g.unwrap_or(0.0));
    }
    let goutallier = CategoricalPredictor {
        coefficients: grades,
    };
    let span = |p: &ContinuousPredictor| (p.coefficient * (p.axis_max - p.axis_min)).abs();
    let g_hi = goutallier
        .coefficients
        .values()
        .copied()
        .fold(f64::MIN, f64::max);
    let widest = [
        span(&age),
        span(&pbq),
        span(&hu_ratio),
        g_hi - goutallier.low_risk_coefficient(),
    ]
    .into_iter()
    .fold(0.0, f64::max);
    let points_per_lp = if widest > 1e-12 && widest.is_finite() {
        100.0 / widest
    } else {
        1.0
    };
    let absent = if prov.absent_grades.is_empty() {
        String::new()
    } else {
        format!(
            " Goutallier grade(s) {:?} did not occur in the cohort and carry the reference coefficient 0.",
            prov.absent_grades
        )
    };
    let info = ModelInfo {
        name: format!(
            "Cohort refit ({} {}s, {} events)",
            prov.n_rows, prov.unit, prov.n_events
        ),
        version: prov.date.clone(),
        source: format!(
            "anchorage cohort analyze of the cohort database {}: logistic regression of loosening on age, PBQ, HU ratio and Goutallier grade (categories against grade 1), one row per {}.",
            prov.location, prov.unit
        ),
        provenance: format!(
            "Refitted by {} on {} by {} on {} {}s of {} patients with {} events. Axes span the analysed values; the points scale gives the widest predictor 100 points; the cutoff is the Youden-optimal threshold on the same data (apparent, not validated).{absent} A research aid, not a diagnosis.",
            prov.software,
            prov.date,
            prov.method,
            prov.n_rows,
            prov.unit,
            prov.n_patients,
            prov.n_events
        ),
    };
    RiskModel {
        info,
        intercept: c.intercept,
        age,
        pbq,
        hu_ratio,
        goutallier,
        points_per_lp,
        cutoff: cutoff.0.clamp(1e-6, 1.0 - 1e-6),
        cutoff_sensitivity: Some(cutoff.1).filter(|v| (0.0..=1.0).contains(v)),
        cutoff_specificity: Some(cutoff.2).filter(|v| (0.0..=1.0).contains(v)),
    }
}
