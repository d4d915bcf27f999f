//! The risk model: a multivariable logistic regression for pedicle-screw loosening at 12
//! months, and its nomogram, after the HU-ratio/PBQ nomogram paper (see `docs/models.md`
//! and the project spec `models.md`).
//!
//! ```text
//! LP   = β0 + β_age·age + β_pbq·PBQ + β_hr·(HU ratio) + β_G[Goutallier grade]
//! risk = 1 / (1 + e^(−LP));     high risk when risk ≥ cutoff
//! points for a predictor = points_per_lp × (its LP contribution − the contribution at the
//!                          low-risk end of its axis)
//! total points T ↔ LP = LP_min + T / points_per_lp
//! ```
//!
//! The bundled coefficients are a reconstruction (the paper's table is not in the project's
//! copy); every result carries the model's name, version and provenance, and another model
//! file can be loaded with [`RiskModel::from_file`]. A research aid, not a diagnosis.

mod predictors;
mod types;

pub use predictors::{CategoricalPredictor, ContinuousPredictor};
use predictors::{read_categorical, read_continuous, read_proportion};
pub use types::*;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::models::file::{
    ModelFileError, ModelInfo, ObjectReader, format_number, parse_json, read_text,
    require_open_range, require_positive,
};

/// Why the nomogram's Goutallier axis reads 1, 2, 4, 3 (the window's risk view and the
/// planning report say it under the nomogram).
pub const GOUTALLIER_ORDER: &str = "The Goutallier axis reads 1, 2, 4, 3: in the paper's \
    fitted model grade 3 carries more risk than grade 4. The paper puts this down to its small \
    grade-3 group (10 of 313 patients) and warns against over-interpreting it; the nomogram \
    keeps the fitted order.";

/// The `format` field of a risk model file.
pub const RISK_FORMAT: &str = "anchorage-risk-model";
/// The newest `format_version` of a risk model file this program reads.
pub const RISK_FORMAT_VERSION: u64 = 1;
/// The text of the bundled default risk model (`assets/models/risk-default.json`).
pub const BUNDLED_RISK_JSON: &str = include_str!("../../../../../assets/models/risk-default.json");

/// Risk probabilities marked on the nomogram's risk axis (those inside the total-points range).
const RISK_TICKS: [f64; 15] = [
    0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999,
];

/// The parameters of the risk model, as read from a model file.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskModel {
    /// Name, version, source and provenance of the coefficients.
    pub info: ModelInfo,
    /// β0, the intercept (log-odds).
    pub intercept: f64,
    /// Age in years.
    pub age: ContinuousPredictor,
    /// PBQ score (MRI pedicle bone quality).
    pub pbq: ContinuousPredictor,
    /// HU ratio (screw trajectory HU / vertebral body HU).
    pub hu_ratio: ContinuousPredictor,
    /// Goutallier grade of paraspinal fatty infiltration.
    pub goutallier: CategoricalPredictor,
    /// Nomogram points per unit of linear predictor (15.25 in the paper's nomogram).
    pub points_per_lp: f64,
    /// Risk at or above which a patient is called high risk (0.212 in the paper).
    pub cutoff: f64,
    /// Sensitivity at the cutoff in the development cohort (0..1), when known.
    pub cutoff_sensitivity: Option<f64>,
    /// Specificity at the cutoff in the development cohort (0..1), when known.
    pub cutoff_specificity: Option<f64>,
}

/// The file layout of a risk model, used for writing (reading goes through
/// [`ObjectReader`] so that every refusal names its field).
#[derive(Serialize)]
struct RiskModelFile<'a> {
    format: &'static str,
    format_version: u64,
    info: &'a ModelInfo,
    intercept: f64,
    age: &'a ContinuousPredictor,
    pbq: &'a ContinuousPredictor,
    hu_ratio: &'a ContinuousPredictor,
    goutallier: &'a CategoricalPredictor,
    points_per_lp: f64,
    cutoff: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cutoff_sensitivity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cutoff_specificity: Option<f64>,
}

impl RiskModel {
    /// The cutoff in words, as the window and the report state it: "cutoff 21.2 %
    /// (sensitivity 80.0 %, specificity 70.0 %)" (the parenthesis only when both are known).
    pub fn cutoff_text(&self) -> String {
        let mut t = format!("cutoff {:.1} %", self.cutoff * 100.0);
        if let (Some(se), Some(sp)) = (self.cutoff_sensitivity, self.cutoff_specificity) {
            t.push_str(&format!(
                " (sensitivity {:.1} %, specificity {:.1} %)",
                se * 100.0,
                sp * 100.0
            ));
        }
        t
    }

    /// The bundled default model (reconstructed coefficients, see its provenance). Parses
    /// the bundled file; if that ever failed it would fall back to [`RiskModel::builtin`],
    /// which holds the same values (a test checks that the file parses and equals it).
    pub fn bundled() -> Self {
        Self::from_json_str(BUNDLED_RISK_JSON, "bundled risk-default.json")
            .unwrap_or_else(|_| Self::builtin())
    }

    /// A hard-coded copy of the bundled model file, used only if that file failed to parse.
    pub fn builtin() -> Self {
        Self {
            info: ModelInfo {
                name: "HU-ratio/PBQ screw-loosening nomogram (reconstructed)".to_string(),
                version: "1.0".to_string(),
                source: "Yang J, Wu X, Sun Q, Su Y, Zhang Y, Yin G, Chen J. Predictive Value \
                         of the Preoperative Screw Trajectory-to-Vertebral Body Hounsfield Unit \
                         Ratio and the Combined Model Incorporating MRI-Based Pedicle Bone \
                         Quality Score for Pedicle Screw Loosening After Pedicle Screw \
                         Fixation. Global Spine Journal. Multivariable logistic regression for \
                         screw loosening at 12 months (313 patients), nomogram of Figure 3, \
                         cutoff 0.212."
                    .to_string(),
                provenance: "Reconstructed by the Anchorage project from the paper's worked \
                             example: these are not the published coefficients (the paper's \
                             coefficient table was not available). They were chosen to reproduce \
                             the paper's worked example exactly (age 70, PBQ 3.8, HU ratio 1.5, \
                             Goutallier grade 3 give 44, 56, 73 and 44 points, 217 in total, a \
                             risk of about 95 %), the direction of every effect, and a risk of \
                             about 10 % for a typical patient (58 years, PBQ 3.0, HU ratio 2.0, \
                             grade 2). Grade 3 scores above grade 4, as in the paper's own \
                             model, where the paper cautions that its grade-3 group is small (n \
                             = 10). The cutoff 0.212 and its sensitivity and specificity are the \
                             paper's. Research aid, not a diagnosis: load the published \
                             coefficients, or a model fitted on your own cohort, before relying \
                             on the numbers."
                    .to_string(),
            },
            intercept: -5.266,
            age: ContinuousPredictor {
                coefficient: 0.0577,
                axis_min: 20.0,
                axis_max: 90.0,
            },
            pbq: ContinuousPredictor {
                coefficient: 1.597,
                axis_min: 1.5,
                axis_max: 5.5,
            },
            hu_ratio: ContinuousPredictor {
                coefficient: -3.191,
                axis_min: 0.8,
                axis_max: 3.0,
            },
            goutallier: CategoricalPredictor {
                coefficients: BTreeMap::from([(1, 0.0), (2, 1.311), (3, 2.885), (4, 1.967)]),
            },
            points_per_lp: 15.25,
            cutoff: 0.212,
            cutoff_sensitivity: Some(0.8),
            cutoff_specificity: Some(0.881),
        }
    }

    /// Reads a risk model file.
    pub fn from_file(path: &Path) -> Result<Self, ModelFileError> {
        let text = read_text(path)?;
        Self::from_json_str(&text, &path.display().to_string())
    }

    /// Parses risk model text; `origin` names the text in error messages (usually the path).
    pub fn from_json_str(text: &str, origin: &str) -> Result<Self, ModelFileError> {
        let value = parse_json(text, origin)?;
        let mut root = ObjectReader::root(origin, &value)?;
        root.format_header(RISK_FORMAT, RISK_FORMAT_VERSION)?;
        let info = root.model_info()?;
        let intercept = root.number("intercept")?;
        let age = read_continuous(&mut root, "age")?;
        let pbq = read_continuous(&mut root, "pbq")?;
        let hu_ratio = read_continuous(&mut root, "hu_ratio")?;
        let goutallier = read_categorical(&mut root, "goutallier")?;
        let points_per_lp = root.number("points_per_lp")?;
        let points_per_lp = require_positive(&root, "points_per_lp", points_per_lp)?;
        let cutoff = root.number("cutoff")?;
        let cutoff = require_open_range(&root, "cutoff", cutoff, 0.0, 1.0)?;
        let cutoff_sensitivity = read_proportion(&mut root, "cutoff_sensitivity")?;
        let cutoff_specificity = read_proportion(&mut root, "cutoff_specificity")?;
        root.finish()?;
        Ok(Self {
            info,
            intercept,
            age,
            pbq,
            hu_ratio,
            goutallier,
            points_per_lp,
            cutoff,
            cutoff_sensitivity,
            cutoff_specificity,
        })
    }

    /// The model as model-file text (pretty JSON, with `format` and `format_version`), which
    /// [`RiskModel::from_json_str`] reads back to an equal model.
    pub fn to_json_string(&self) -> String {
        let file = RiskModelFile {
            format: RISK_FORMAT,
            format_version: RISK_FORMAT_VERSION,
            info: &self.info,
            intercept: self.intercept,
            age: &self.age,
            pbq: &self.pbq,
            hu_ratio: &self.hu_ratio,
            goutallier: &self.goutallier,
            points_per_lp: self.points_per_lp,
            cutoff: self.cutoff,
            cutoff_sensitivity: self.cutoff_sensitivity,
            cutoff_specificity: self.cutoff_specificity,
        };
        // Serializing plain structs of strings and numbers cannot fail; a non-finite number
        // (impossible after validation, but the fields are public) becomes `null`.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The linear predictor with every predictor at the low-risk end of its axis: the LP of
    /// 0 total points.
    pub fn linear_predictor_min(&self) -> f64 {
        self.intercept
            + self.age.coefficient * self.age.low_risk_end()
            + self.pbq.coefficient * self.pbq.low_risk_end()
            + self.hu_ratio.coefficient * self.hu_ratio.low_risk_end()
            + self.goutallier.low_risk_coefficient()
    }

    /// The risk that `total_points` on the nomogram stands for; `None` when the result would
    /// not be a number (non-finite points, or a model with invalid parameters).
    pub fn total_points_to_risk(&self, total_points: f64) -> Option<f64> {
        let lp = self.linear_predictor_min() + total_points / self.points_per_lp;
        let risk = logistic(lp);
        risk.is_finite().then_some(risk)
    }

    /// The total points at which the risk equals `risk` (strictly between 0 and 1); `None`
    /// otherwise.
    pub fn risk_to_total_points(&self, risk: f64) -> Option<f64> {
        if !(risk > 0.0 && risk < 1.0) {
            return None;
        }
        let lp = (risk / (1.0 - risk)).ln();
        let total = (lp - self.linear_predictor_min()) * self.points_per_lp;
        total.is_finite().then_some(total)
    }

    /// Evaluates the model for one patient. A missing PBQ or HU ratio, a grade above 4, or a
    /// non-finite value is refused; values outside an axis are computed and flagged.
    pub fn evaluate(&self, input: &RiskInput) -> Result<RiskResult, RiskError> {
        let age_years = checked(
            "age_years",
            input.age_years,
            0.0,
            "a finite number of at least 0",
        )?;
        let Some(pbq) = input.pbq else {
            return Err(RiskError::MissingPredictor {
                predictor: "pbq",
                description: "the MRI pedicle bone quality (PBQ) score",
            });
        };
        let pbq = checked_positive("pbq", pbq)?;
        let Some(hu_ratio) = input.hu_ratio else {
            return Err(RiskError::MissingPredictor {
                predictor: "hu_ratio",
                description: "the screw-trajectory to vertebral-body HU ratio",
            });
        };
        let hu_ratio = checked_positive("hu_ratio", hu_ratio)?;
        let grade = input.goutallier;
        if grade > 4 {
            return Err(RiskError::GoutallierGrade { grade });
        }
        let Some(beta_grade) = self.goutallier.coefficient(grade) else {
            return Err(RiskError::ModelLacksGrade {
                grade: grade.max(1),
            });
        };

        let mut flags = Vec::new();
        for (name, predictor, value) in [
            (Predictor::Age, &self.age, age_years),
            (Predictor::Pbq, &self.pbq, pbq),
            (Predictor::HuRatio, &self.hu_ratio, hu_ratio),
        ] {
            if !predictor.on_axis(value) {
                flags.push(RiskFlag::Extrapolated {
                    predictor: name,
                    value,
                    axis_min: predictor.axis_min,
                    axis_max: predictor.axis_max,
                });
            }
        }
        if grade == 0 {
            flags.push(RiskFlag::GradeOutsideCohort { grade });
        }

        let ppl = self.points_per_lp;
        let points = RiskPoints {
            age: self.age.points(age_years, ppl),
            pbq: self.pbq.points(pbq, ppl),
            hu_ratio: self.hu_ratio.points(hu_ratio, ppl),
            goutallier: ppl * (beta_grade - self.goutallier.low_risk_coefficient()),
        };
        let total_points = points.age + points.pbq + points.hu_ratio + points.goutallier;
        let linear_predictor = self.intercept
            + self.age.coefficient * age_years
            + self.pbq.coefficient * pbq
            + self.hu_ratio.coefficient * hu_ratio
            + beta_grade;
        let risk = logistic(linear_predictor);
        let cutoff = self.cutoff;
        for (quantity, value) in [
            ("points.age", points.age),
            ("points.pbq", points.pbq),
            ("points.hu_ratio", points.hu_ratio),
            ("points.goutallier", points.goutallier),
            ("total_points", total_points),
            ("linear_predictor", linear_predictor),
            ("risk", risk),
            ("cutoff", cutoff),
        ] {
            if !value.is_finite() {
                return Err(RiskError::NotFinite { quantity });
            }
        }
        Ok(RiskResult {
            age_years,
            pbq,
            hu_ratio,
            goutallier: grade,
            points,
            total_points,
            linear_predictor,
            risk,
            cutoff,
            high_risk: risk >= cutoff,
            flags,
            model: self.info.clone(),
        })
    }

    /// The nomogram's geometry, as data to draw: one axis per predictor with its ticks and
    /// their points, the total-points range, and the risk ticks that fall on it.
    pub fn nomogram(&self) -> Nomogram {
        let ppl = self.points_per_lp;
        let continuous = |name: &str, unit: &str, p: &ContinuousPredictor| {
            let (values, decimals) = nice_ticks(p.axis_min, p.axis_max);
            NomogramAxis {
                name: name.to_string(),
                unit: unit.to_string(),
                ticks: values
                    .into_iter()
                    .map(|value| NomogramTick {
                        value,
                        label: format_number(value, 3.max(decimals), decimals),
                        points: p.points(value, ppl),
                    })
                    .collect(),
            }
        };
        let low_grade = self.goutallier.low_risk_coefficient();
        let axes = vec![
            continuous("Age", "years", &self.age),
            continuous("PBQ score", "", &self.pbq),
            continuous("HU ratio", "", &self.hu_ratio),
            NomogramAxis {
                name: "Goutallier grade".to_string(),
                unit: String::new(),
                ticks: self
                    .goutallier
                    .coefficients
                    .iter()
                    .map(|(&grade, &beta)| NomogramTick {
                        value: f64::from(grade),
                        label: grade.to_string(),
                        points: ppl * (beta - low_grade),
                    })
                    .collect(),
            },
        ];
        let axis_max =
            |axis: &NomogramAxis| axis.ticks.iter().map(|t| t.points).fold(0.0_f64, f64::max);
        let points_axis_max = axes.iter().map(axis_max).fold(0.0_f64, f64::max);
        let max_total = axes.iter().map(axis_max).sum::<f64>();
        let risk_axis = RISK_TICKS
            .iter()
            .filter_map(|&risk| {
                let total_points = self.risk_to_total_points(risk)?;
                (total_points >= 0.0 && total_points <= max_total)
                    .then_some(RiskTick { risk, total_points })
            })
            .collect();
        Nomogram {
            points_axis_max,
            axes,
            total_points: TotalPointsRange {
                min: 0.0,
                max: max_total,
            },
            risk_axis,
        }
    }
}

impl Default for RiskModel {
    /// The bundled model.
    fn default() -> Self {
        Self::bundled()
    }
}

/// Checks a finite input of at least `min`.
fn checked(
    field: &'static str,
    value: f64,
    min: f64,
    expected: &'static str,
) -> Result<f64, RiskError> {
    if value.is_finite() && value >= min {
        Ok(value)
    } else {
        Err(RiskError::InvalidInput {
            field,
            value,
            expected,
        })
    }
}

/// Checks a finite input greater than zero.
fn checked_positive(field: &'static str, value: f64) -> Result<f64, RiskError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(RiskError::InvalidInput {
            field,
            value,
            expected: "a finite number greater than 0",
        })
    }
}

/// The logistic function, computed without overflow on either side.
fn logistic(lp: f64) -> f64 {
    if lp >= 0.0 {
        1.0 / (1.0 + (-lp).exp())
    } else {
        let e = lp.exp();
        e / (1.0 + e)
    }
}

/// About ten evenly spaced round values covering `min..=max`, both ends included, and the
/// number of decimals their labels need.
fn nice_ticks(min: f64, max: f64) -> (Vec<f64>, usize) {
    let span = max - min;
    if !(span > 0.0 && span.is_finite()) {
        return (
            if min.is_finite() {
                vec![min]
            } else {
                Vec::new()
            },
            0,
        );
    }
    // The smallest step of 1, 2 or 5 × 10^k that gives at most 12 intervals.
    let raw = span / 12.0;
    let exponent = raw.log10().floor() as i32;
    let magnitude = 10f64.powi(exponent);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    // Round away the float noise of i × step (1.4000000000000001 → 1.4).
    let scale = 10f64.powi(3 - exponent);
    let decimals = usize::try_from(-exponent).unwrap_or(0);
    let mut ticks = vec![min];
    let mut i = (min / step).floor() + 1.0;
    loop {
        let v = (i * step * scale).round() / scale;
        // Leave out round values crowding an end (closer than a quarter step).
        if v > max - step * 0.25 {
            break;
        }
        if v > min + step * 0.25 {
            ticks.push(v);
        }
        i += 1.0;
    }
    ticks.push(max);
    (ticks, decimals)
}
