//! The risk model's inputs, results, flags, errors and drawn nomogram: the values that
//! cross the model's boundary (the command line's JSON, the protocols, the window).

use serde::{Deserialize, Serialize};

use crate::models::file::{ModelInfo, format_number};

/// One patient's inputs to the risk model.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RiskInput {
    /// Age at surgery (years).
    pub age_years: f64,
    /// PBQ score; `None` when not measured (refused by [`RiskModel::evaluate`]).
    pub pbq: Option<f64>,
    /// HU ratio; `None` when not measured (refused by [`RiskModel::evaluate`]).
    pub hu_ratio: Option<f64>,
    /// Goutallier grade 0..4 (0 is outside the development cohort and flagged).
    pub goutallier: u8,
}

/// Nomogram points of each predictor.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct RiskPoints {
    /// Points for age.
    pub age: f64,
    /// Points for the PBQ score.
    pub pbq: f64,
    /// Points for the HU ratio.
    pub hu_ratio: f64,
    /// Points for the Goutallier grade.
    pub goutallier: f64,
}

/// A continuous predictor of the nomogram, as flags name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predictor {
    /// Age, years.
    Age,
    /// The PBQ score.
    Pbq,
    /// The HU ratio.
    HuRatio,
}

impl Predictor {
    /// The name in flag texts.
    pub fn label(self) -> &'static str {
        match self {
            Predictor::Age => "age",
            Predictor::Pbq => "PBQ",
            Predictor::HuRatio => "HU ratio",
        }
    }

    /// The fewest decimals its values are written with in flag texts.
    fn min_decimals(self) -> usize {
        match self {
            Predictor::Age => 0,
            Predictor::Pbq | Predictor::HuRatio => 1,
        }
    }
}

/// What a reader of a risk result must know. Written (CSV, JSON, stderr) as its stable
/// text, [`std::fmt::Display`].
#[derive(Debug, Clone, PartialEq)]
pub enum RiskFlag {
    /// A predictor lies outside its nomogram axis: its points are extrapolated.
    Extrapolated {
        /// Which predictor.
        predictor: Predictor,
        /// Its value.
        value: f64,
        /// The axis' lower end.
        axis_min: f64,
        /// The axis' upper end.
        axis_max: f64,
    },
    /// A Goutallier grade outside the development cohort (0): grade 1's coefficient used.
    GradeOutsideCohort {
        /// The grade given.
        grade: u8,
    },
}

impl std::fmt::Display for RiskFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RiskFlag::Extrapolated {
                predictor,
                value,
                axis_min,
                axis_max,
            } => {
                let d = predictor.min_decimals();
                write!(
                    f,
                    "extrapolated: {} {} outside {}..{}",
                    predictor.label(),
                    format_number(*value, 3, d),
                    format_number(*axis_min, 3, d),
                    format_number(*axis_max, 3, d),
                )
            }
            RiskFlag::GradeOutsideCohort { grade } => write!(
                f,
                "Goutallier grade {grade} is outside the development cohort (grade 1's coefficient used)"
            ),
        }
    }
}

impl Serialize for RiskFlag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The risk model's answer for one patient, with the model it came from.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct RiskResult {
    /// Age used (years).
    pub age_years: f64,
    /// PBQ score used.
    pub pbq: f64,
    /// HU ratio used.
    pub hu_ratio: f64,
    /// Goutallier grade given (0 is computed as 1 and flagged).
    pub goutallier: u8,
    /// Points per predictor.
    pub points: RiskPoints,
    /// Sum of the points.
    pub total_points: f64,
    /// The linear predictor LP (log-odds).
    pub linear_predictor: f64,
    /// Predicted probability of loosening at 12 months, 0..1.
    pub risk: f64,
    /// The model's high-risk cutoff.
    pub cutoff: f64,
    /// Whether `risk ≥ cutoff`.
    pub high_risk: bool,
    /// What a reader must know: extrapolated inputs, a grade outside the development cohort.
    pub flags: Vec<RiskFlag>,
    /// The model the numbers came from.
    pub model: ModelInfo,
}

/// Why the risk model refused a patient's inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// A predictor was not measured; the model needs all four.
    #[error(
        "missing predictor `{predictor}` ({description}): the risk model needs age, PBQ score, HU ratio and Goutallier grade"
    )]
    MissingPredictor {
        /// The input field, `pbq` or `hu_ratio`.
        predictor: &'static str,
        /// What the predictor is, in words.
        description: &'static str,
    },
    /// A value is not finite or not in its domain (negative age, PBQ or HU ratio ≤ 0).
    #[error("`{field}` must be {expected}, got {value}")]
    InvalidInput {
        /// The input field.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// A Goutallier grade above 4.
    #[error("Goutallier grade {grade} does not exist: expected a grade from 0 to 4")]
    GoutallierGrade {
        /// The grade given.
        grade: u8,
    },
    /// The model (built by hand, not from a file) has no coefficient for this grade.
    #[error("the risk model has no coefficient for Goutallier grade {grade}")]
    ModelLacksGrade {
        /// The grade looked up.
        grade: u8,
    },
    /// The inputs were finite but so extreme (or the model so malformed) that a result
    /// was not a number.
    #[error("`{quantity}` is not a finite number for these inputs and this model")]
    NotFinite {
        /// The quantity, e.g. `linear_predictor`.
        quantity: &'static str,
    },
}

/// The nomogram's geometry: everything needed to draw it, in points.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Nomogram {
    /// Length of the top "Points" axis: the most points any single predictor gives.
    pub points_axis_max: f64,
    /// One axis per predictor: age, PBQ score, HU ratio, Goutallier grade.
    pub axes: Vec<NomogramAxis>,
    /// The range of the "Total points" axis (0 to the sum of every axis' maximum).
    pub total_points: TotalPointsRange,
    /// Risk ticks under the total-points axis, in increasing risk.
    pub risk_axis: Vec<RiskTick>,
}

/// One predictor's axis.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct NomogramAxis {
    /// Axis title, e.g. `HU ratio`.
    pub name: String,
    /// Unit of the values (empty when unitless).
    pub unit: String,
    /// Ticks in increasing value; their points may decrease (HU ratio) or not be monotonic
    /// (Goutallier grade).
    pub ticks: Vec<NomogramTick>,
}

impl NomogramAxis {
    /// The axis title as drawn: "HU ratio", or "Age (years)" with a unit.
    pub fn title(&self) -> String {
        if self.unit.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.unit)
        }
    }
}

/// A round tick step (1, 2, 2.5 or 5 × a power of ten) for `span` drawn over `width` that
/// leaves at least `min_gap` between ticks (`width` and `min_gap` in one unit: points on
/// screen or on paper). The window's and the report's nomograms both use it.
pub fn nice_step(span: f64, width: f32, min_gap: f32) -> f64 {
    let ticks = f64::from((width / min_gap).max(1.0));
    let raw = (span / ticks).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// A tick on a predictor axis.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct NomogramTick {
    /// The predictor value.
    pub value: f64,
    /// The value as text for the tick label.
    pub label: String,
    /// Where the tick sits on the points scale.
    pub points: f64,
}

/// The range of the total-points axis.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct TotalPointsRange {
    /// Lowest total (0: every predictor at its low-risk end).
    pub min: f64,
    /// Highest total (every predictor at its high-risk end).
    pub max: f64,
}

/// A tick on the risk axis.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct RiskTick {
    /// The risk (0..1).
    pub risk: f64,
    /// The total points where that risk is reached.
    pub total_points: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_round_and_leave_the_gap() {
        assert_eq!(nice_step(100.0, 600.0, 30.0), 5.0);
        assert_eq!(nice_step(100.0, 300.0, 30.0), 10.0);
        assert_eq!(nice_step(37.0, 600.0, 30.0), 2.0);
        for (span, w) in [(250.0, 640.0), (7.3, 500.0), (1000.0, 90.0)] {
            let s = nice_step(span, w, 30.0);
            let ticks = span / s;
            assert!(ticks <= f64::from(w / 30.0) + 1e-9, "{span} {w} {s}");
        }
    }
}
