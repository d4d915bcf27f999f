//! Cohort analysis: validation of a risk-model file on the cohort's patients (ROC/DeLong,
//! Youden, Hosmer–Lemeshow, calibration, Brier, decision curve), its refit by logistic
//! regression with bootstrap optimism correction, and rater agreement (ICC, Bland–Altman).
//! Reads the cohort database; writes nothing to it.

pub mod report;

pub use report::AnalysisReport;
