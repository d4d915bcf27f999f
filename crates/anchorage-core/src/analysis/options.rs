//! What an analysis is asked ([`AnalysisOptions`]) and why it can fail
//! ([`AnalysisError`]); re-exported by [`crate::analysis`].

use super::report::Unit;
use crate::cohort::CohortError;
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
