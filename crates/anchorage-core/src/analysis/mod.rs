//! Cohort analysis: validation of a risk-model file on the cohort's patients (ROC/DeLong,
//! Youden, Hosmer–Lemeshow, calibration, Brier, decision curve), its refit by logistic
//! regression with bootstrap optimism correction, and rater agreement (ICC, Bland–Altman).
//! Reads the cohort database; writes nothing to it.

pub mod agreement;
pub mod bootstrap;
pub mod calibration;
pub mod dataset;
pub mod dist;
pub mod figures;
pub mod logistic;
pub mod options;
pub mod output;
pub mod refit;
pub mod refit_model;
pub mod report;
pub mod roc;

pub use report::AnalysisReport;

pub use report::Unit;

pub use options::{AnalysisError, AnalysisOptions};

use crate::cohort::Cohort;

/// Analyses the cohort: validation of `opts.model`, refit and rater agreement.
pub fn analyze(
    cohort: &mut Cohort,
    opts: &AnalysisOptions,
) -> Result<AnalysisReport, AnalysisError> {
    let location = cohort.location();
    let data = dataset::build(cohort, opts)?;
    analyze_dataset(&data, &location, opts)
}

/// The analysis of rows already read (the tests and the benchmark call it directly).
pub fn analyze_dataset(
    data: &dataset::Dataset,
    location: &str,
    opts: &AnalysisOptions,
) -> Result<AnalysisReport, AnalysisError> {
    let nothing = |reason: String| AnalysisError::NothingToAnalyse {
        location: location.to_string(),
        reason,
    };
    let what = match opts.unit {
        Unit::Patient => "patients",
        Unit::Screw => "screws",
    };
    let rows = &data.rows;
    if rows.is_empty() {
        return Err(nothing(if data.n_excluded > 0 {
            format!(
                "no {what} with an outcome and complete predictors ({} left out: {})",
                data.n_excluded,
                data.warnings.join("; ")
            )
        } else {
            "no patient has both measurements and an outcome".into()
        }));
    }
    let n = rows.len();
    let events: Vec<bool> = rows.iter().map(|r| r.event).collect();
    let n_events = events.iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Err(nothing(format!(
            "no events: none of the {n} {what} loosened"
        )));
    }
    if n_events == n {
        return Err(nothing(format!("no non-events: all {n} {what} loosened")));
    }
    if n < 10 {
        return Err(nothing(format!(
            "only {n} {what} with an outcome and complete predictors; at least 10 are needed"
        )));
    }
    let mut warnings = data.warnings.clone();
    let risk: Vec<f64> = rows.iter().map(|r| r.model_risk).collect();
    let (auc, _se, auc_ci) = roc::delong(&risk, &events).ok_or_else(|| {
        nothing("fewer than 2 events or 2 non-events: no AUC confidence interval".into())
    })?;
    let roc_points = roc::roc_curve(&risk, &events);
    let youden =
        roc::youden(&risk, &events, &roc_points).ok_or_else(|| nothing("no ROC curve".into()))?;
    let at = roc::rates_at(&risk, &events, opts.model.cutoff);
    let hosmer_lemeshow = calibration::hosmer_lemeshow(&risk, &events)
        .ok_or_else(|| nothing("fewer than 10 rows for Hosmer–Lemeshow".into()))?;
    let calib = calibration::recalibration(&risk, &events).unwrap_or_else(|| {
        warnings.push(
            "the calibration intercept and slope do not exist (the model's risk separates the outcomes): written as NaN"
                .into(),
        );
        report::Calibration {
            intercept: f64::NAN,
            slope: f64::NAN,
        }
    });
    let (refit_result, refit_note) =
        match refit::refit(data, location, opts, &mut warnings, n_events) {
            Ok((r, note)) => (Some(r), note),
            Err(reason) => (None, Some(reason)),
        };
    let (agreement, agreement_note) = agreement_section(data);
    Ok(AnalysisReport {
        unit: opts.unit,
        model: opts.model_label.clone(),
        n_patients: data.n_patients,
        n_screws: (opts.unit == Unit::Screw).then_some(n),
        n_events,
        n_excluded: data.n_excluded,
        rater_rule: dataset::RATER_RULE.into(),
        warnings,
        auc,
        auc_ci,
        roc: roc_points
            .iter()
            .map(|&(threshold, fpr, tpr)| report::RocPoint {
                threshold,
                fpr,
                tpr,
            })
            .collect(),
        youden,
        at_cutoff: report::AtCutoff {
            cutoff: opts.model.cutoff,
            rates: at,
        },
        hosmer_lemeshow,
        calibration: calib,
        brier: calibration::brier(&risk, &events),
        calibration_table: calibration::calibration_table(&risk, &events, 10),
        decision_curve: calibration::decision_curve(&risk, &events),
        refit: refit_result,
        refit_note,
        agreement,
        agreement_note,
    })
}

fn agreement_section(data: &dataset::Dataset) -> (Vec<report::Agreement>, Option<String>) {
    if data.max_raters < 2 {
        return (
            Vec::new(),
            Some("no study was measured by two or more raters".into()),
        );
    }
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (measure, (n_studies, table)) in &data.agreement {
        match agreement::icc(table) {
            Some(r) => out.push(report::Agreement {
                measure: (*measure).to_string(),
                n_studies: *n_studies,
                n_raters: table.first().map_or(0, Vec::len),
                icc_2_1: r.icc_2_1,
                icc_2_1_ci: r.icc_2_1_ci,
                icc_3_1: r.icc_3_1,
                icc_3_1_ci: r.icc_3_1_ci,
                bias: r.bias,
                loa_low: r.loa_low,
                loa_high: r.loa_high,
                pairs: table.iter().map(|v| [v[0], v[1]]).collect(),
            }),
            None => skipped.push(format!("{measure} ({} subjects)", table.len())),
        }
    }
    // The table's order is the issue's: b_hu, st_hu, hu_ratio, pbq, pedicle thickness.
    out.sort_by_key(|a| {
        dataset::AGREEMENT_MEASURES
            .iter()
            .position(|(m, _)| *m == a.measure)
    });
    let note = if out.is_empty() {
        Some(format!(
            "too few multi-rater subjects (at least 3 with variation): {}",
            skipped.join(", ")
        ))
    } else if skipped.is_empty() {
        None
    } else {
        Some(format!(
            "left out for too few subjects or no variation: {}",
            skipped.join(", ")
        ))
    };
    (out, note)
}
