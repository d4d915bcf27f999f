//! Cohort analysis: validation of a risk-model file on the cohort's patients (ROC/DeLong,
//! Youden, Hosmer–Lemeshow, calibration, Brier, decision curve), its refit by logistic
//! regression with bootstrap optimism correction, and rater agreement (ICC, Bland–Altman).
//! Reads the cohort database; writes nothing to it.

pub mod report;

pub use report::AnalysisReport;

pub use report::Unit;

use crate::cohort::{Cohort, CohortError};
use crate::models::risk::RiskModel;

/// What to analyse and how.
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    /// The model validated (the bundled one by default).
    pub model: RiskModel,
    /// How the model is named in the report (its name and file).
    pub model_label: String,
    /// Patient or screw rows.
    pub unit: Unit,
    /// Bootstrap resamples for the optimism correction (0: none).
    pub bootstrap: usize,
    /// Seed of the resampling.
    pub seed: u64,
}

/// Why an analysis could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The cohort database could not be read.
    #[error(transparent)]
    Cohort(#[from] CohortError),
    /// Nothing to validate: no patient with outcome and complete predictors, or only one
    /// outcome class.
    #[error("cannot analyse {location}: {reason}")]
    NothingToAnalyse {
        /// The database.
        location: String,
        /// What is missing ("no patient has an outcome", "no events", …).
        reason: String,
    },
}

/// Analyses the cohort: validation of `opts.model`, refit and rater agreement.
pub fn analyze(
    cohort: &mut Cohort,
    opts: &AnalysisOptions,
) -> Result<AnalysisReport, AnalysisError> {
    let _ = opts;
    Err(AnalysisError::NothingToAnalyse {
        location: cohort.location(),
        reason: "analysis not yet implemented".into(),
    })
}
