//! The result of `cohort analyze`: one serde document, written as the JSON of
//! `--json`, as CSV tables and PNG figures by `--out`, and drawn by the window's Analysis
//! view. Field names are the JSON contract; do not rename them.

use serde::{Deserialize, Serialize};

/// What one row of the analysis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// One row per patient (the nomogram's unit): the patient's predictors at the
    /// reference level, outcome = loosening of any screw.
    #[default]
    Patient,
    /// One row per screw; the patient is the cluster of the bootstrap.
    Screw,
}

/// Sensitivity, specificity and predictive values when risk ≥ a threshold is positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// True-positive rate.
    pub sensitivity: f64,
    /// True-negative rate.
    pub specificity: f64,
    /// Positive predictive value (None when nothing is positive).
    pub ppv: Option<f64>,
    /// Negative predictive value (None when nothing is negative).
    pub npv: Option<f64>,
}

/// The Youden-optimal operating point: `{threshold, sensitivity, specificity, ppv, npv}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Operating {
    /// The predicted-risk threshold (risk ≥ threshold is "positive").
    pub threshold: f64,
    /// The rates at that threshold (flattened into this object in the JSON).
    #[serde(flatten)]
    pub rates: Rates,
}

/// The same four at the model file's own cutoff: `{cutoff, sensitivity, …}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AtCutoff {
    /// The model's cutoff (0.212 for the bundled model).
    pub cutoff: f64,
    /// The rates at the cutoff (flattened into this object in the JSON).
    #[serde(flatten)]
    pub rates: Rates,
}

/// One point of the ROC curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Threshold (as scikit-learn's `roc_curve`, the first is +∞, written as null).
    pub threshold: Option<f64>,
    /// False-positive rate.
    pub fpr: f64,
    /// True-positive rate.
    pub tpr: f64,
}

/// Hosmer–Lemeshow goodness of fit (10 groups by deciles of predicted risk).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HosmerLemeshow {
    /// χ² statistic.
    pub chi2: f64,
    /// Degrees of freedom (groups − 2).
    pub df: u32,
    /// Upper-tail p-value.
    pub p: f64,
}

/// Logistic recalibration: logit(observed) = intercept + slope · logit(predicted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Calibration intercept (calibration-in-the-large, with the slope fitted).
    pub intercept: f64,
    /// Calibration slope.
    pub slope: f64,
}

/// One decile group of the calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Group number, 1 = lowest predicted risk.
    pub group: u32,
    /// Rows in the group.
    pub n: usize,
    /// Mean predicted risk.
    pub mean_predicted: f64,
    /// Events observed.
    pub observed_events: usize,
    /// Observed event rate.
    pub observed_rate: f64,
}

/// Net benefit at one threshold of the decision curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NetBenefit {
    /// Threshold probability.
    pub threshold: f64,
    /// Net benefit of treating by the model.
    pub model: f64,
    /// Net benefit of treating everyone.
    pub treat_all: f64,
    /// Net benefit of treating no one (0).
    pub treat_none: f64,
}

/// One coefficient of the refitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// `intercept`, `age`, `pbq`, `hu_ratio`, `goutallier_2`, `goutallier_3`,
    /// `goutallier_4`.
    pub term: String,
    /// Maximum-likelihood (or Firth) estimate.
    pub estimate: f64,
    /// Standard error from the inverse information matrix.
    pub se: f64,
    /// Wald 95 % lower bound.
    pub ci_low: f64,
    /// Wald 95 % upper bound.
    pub ci_high: f64,
    /// Two-sided Wald p-value.
    pub p: f64,
    /// exp(estimate).
    pub odds_ratio: f64,
}

/// How the refit was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitMethod {
    /// Ordinary maximum likelihood (Newton–Raphson).
    MaximumLikelihood,
    /// Firth's penalised likelihood (used when the data are separated).
    Firth,
}

/// The refitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refit {
    /// How it was estimated.
    pub method: FitMethod,
    /// Coefficients in the order of the terms above (a Goutallier grade absent from the
    /// data has no row).
    pub coefficients: Vec<Coefficient>,
    /// AUC of the refitted model on the data it was fitted on.
    pub apparent_auc: f64,
    /// Harrell's bootstrap optimism-corrected AUC (None with `--bootstrap 0`).
    pub optimism_corrected_auc: Option<f64>,
    /// Bootstrap resamples used.
    pub bootstrap: usize,
    /// The seed of the resampling.
    pub seed: u64,
    /// The refitted model as a model file (the format of `assets/models/`).
    pub model_json: String,
}

/// Agreement between raters for one measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// `b_hu`, `st_hu`, `hu_ratio`, `pbq` or `pedicle_thickness_mm`.
    pub measure: String,
    /// Studies measured by two or more raters with this value.
    pub n_studies: usize,
    /// Raters (columns of the ICC table).
    pub n_raters: usize,
    /// ICC(2,1), two-way random, absolute agreement.
    pub icc_2_1: f64,
    /// Its 95 % confidence interval.
    pub icc_2_1_ci: [f64; 2],
    /// ICC(3,1), two-way mixed, consistency.
    pub icc_3_1: f64,
    /// Its 95 % confidence interval.
    pub icc_3_1_ci: [f64; 2],
    /// Bland–Altman mean difference (second rater − first rater).
    pub bias: f64,
    /// bias − 1.96 SD.
    pub loa_low: f64,
    /// bias + 1.96 SD.
    pub loa_high: f64,
    /// The paired values (first rater, second rater) the Bland–Altman plot draws.
    pub pairs: Vec<[f64; 2]>,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisReport {
    /// Row unit.
    pub unit: Unit,
    /// The validated model's name and file.
    pub model: String,
    /// Patients analysed (complete cases with an outcome).
    pub n_patients: usize,
    /// Screws analysed (with `--unit screw`; else None).
    pub n_screws: Option<usize>,
    /// Events (loosened patients or screws).
    pub n_events: usize,
    /// Rows left out for a missing predictor or outcome.
    pub n_excluded: usize,
    /// Which rater's measurement was used per patient, said once.
    pub rater_rule: String,
    /// Warnings (fewer than 10 events per predictor, separation, excluded rows…).
    pub warnings: Vec<String>,
    /// ROC AUC of the model's predictions.
    pub auc: f64,
    /// DeLong 95 % CI of the AUC.
    pub auc_ci: [f64; 2],
    /// The ROC curve.
    pub roc: Vec<RocPoint>,
    /// The Youden-optimal threshold.
    pub youden: Operating,
    /// At the model's cutoff.
    pub at_cutoff: AtCutoff,
    /// Hosmer–Lemeshow.
    pub hosmer_lemeshow: HosmerLemeshow,
    /// Calibration intercept and slope.
    pub calibration: Calibration,
    /// Brier score.
    pub brier: f64,
    /// Calibration by deciles.
    pub calibration_table: Vec<CalibrationBin>,
    /// Decision curve, thresholds 0.01–0.99.
    pub decision_curve: Vec<NetBenefit>,
    /// The refit (None, with the reason in `refit_note`, when it cannot be done).
    pub refit: Option<Refit>,
    /// Why there is no refit, or how it was done (Firth).
    pub refit_note: Option<String>,
    /// Rater agreement per measure (empty, with the reason in `agreement_note`, when no
    /// study has two raters).
    pub agreement: Vec<Agreement>,
    /// Why the agreement section is empty.
    pub agreement_note: Option<String>,
}
