//! The Python oracle of `tests/cohort_analysis.rs`: the analysed rows and agreement
//! tables written to CSV, `tests/fixtures/analysis_oracle.py` (statsmodels, scikit-learn,
//! scipy, numpy) run on them, and every number compared at the tolerances.

use std::path::Path;
use std::process::Command;

use anchorage_core::analysis::report::FitMethod;
use anchorage_core::analysis::{Unit, analyze_dataset, dataset};
use anchorage_core::cohort::{Cohort, DbLocation};
use serde_json::Value;

use super::options;

pub fn python_oracle() -> Result<(), String> {
    let o = Command::new("python3")
        .args(["-c", "import statsmodels, sklearn, scipy, numpy"])
        .output()
        .map_err(|e| format!("python3 not runnable: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "the Python oracle needs statsmodels, scikit-learn, scipy and numpy (tests/fixtures/setup.sh installs them): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

fn rel(a: f64, b: f64, tol: f64, what: &str) {
    let scale = b.abs().max(1e-3);
    assert!(
        (a - b).abs() <= tol * scale,
        "{what}: anchorage {a} vs oracle {b} (tolerance {tol} relative)"
    );
}

/// The number in a JSON value (a test failure when it is not one).
pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

pub fn compare_with_oracle(dir: &Path, db: &Path) {
    let mut cohort = Cohort::open(&DbLocation::Sqlite(db.to_path_buf()), false).unwrap();
    let opts = options(Unit::Patient, 0, 1);
    let data = dataset::build(&mut cohort, &opts).unwrap();
    let report = analyze_dataset(&data, "test", &opts).unwrap();
    // The rows, written with full precision.
    let mut text = String::from("age,pbq,hu_ratio,goutallier,event,model_risk\n");
    for r in &data.rows {
        text += &format!(
            "{:?},{:?},{:?},{},{},{:?}\n",
            r.age_years,
            r.pbq,
            r.hu_ratio,
            r.goutallier,
            u8::from(r.event),
            r.model_risk
        );
    }
    std::fs::write(dir.join("rows.csv"), text).unwrap();
    for (measure, (_, table)) in &data.agreement {
        let text: String = table
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
                    + "\n"
            })
            .collect();
        std::fs::write(dir.join(format!("agreement_{measure}.csv")), text).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis_oracle.py");
    let o = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "oracle: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let py: Value = serde_json::from_slice(&o.stdout).unwrap();

    // Discrimination: 1e-6 for the AUC, 1e-4 for CIs.
    rel(report.auc, f(&py["auc"]), 1e-6, "auc (roc_auc_score)");
    rel(report.auc, f(&py["delong_auc"]), 1e-6, "auc (DeLong)");
    for k in 0..2 {
        rel(report.auc_ci[k], f(&py["auc_ci"][k]), 1e-4, "auc_ci");
    }
    let roc = py["roc"].as_array().unwrap();
    assert_eq!(report.roc.len(), roc.len(), "roc_curve points");
    for (a, b) in report.roc.iter().zip(roc) {
        match (a.threshold, b[0].as_f64()) {
            (None, None) => {}
            (Some(x), Some(y)) => rel(x, y, 1e-12, "roc threshold"),
            other => panic!("roc threshold {other:?}"),
        }
        rel(a.fpr, f(&b[1]), 1e-12, "fpr");
        rel(a.tpr, f(&b[2]), 1e-12, "tpr");
    }
    for (name, ours) in [
        ("threshold", report.youden.threshold),
        ("sensitivity", report.youden.rates.sensitivity),
        ("specificity", report.youden.rates.specificity),
        ("ppv", report.youden.rates.ppv.unwrap()),
        ("npv", report.youden.rates.npv.unwrap()),
    ] {
        rel(
            ours,
            f(&py["youden"][name]),
            1e-12,
            &format!("youden.{name}"),
        );
    }
    // Calibration.
    let hl = &py["hosmer_lemeshow"];
    rel(report.hosmer_lemeshow.chi2, f(&hl["chi2"]), 1e-6, "HL chi2");
    assert_eq!(
        u64::from(report.hosmer_lemeshow.df),
        hl["df"].as_u64().unwrap()
    );
    rel(report.hosmer_lemeshow.p, f(&hl["p"]), 1e-4, "HL p");
    for (a, b) in report
        .calibration_table
        .iter()
        .zip(py["calibration_table"].as_array().unwrap())
    {
        assert_eq!(a.n as u64, b["n"].as_u64().unwrap());
        assert_eq!(
            a.observed_events as u64,
            b["observed_events"].as_u64().unwrap()
        );
        rel(
            a.mean_predicted,
            f(&b["mean_predicted"]),
            1e-12,
            "decile mean",
        );
    }
    rel(
        report.calibration.intercept,
        f(&py["calibration"]["intercept"]),
        1e-6,
        "calibration intercept",
    );
    rel(
        report.calibration.slope,
        f(&py["calibration"]["slope"]),
        1e-6,
        "calibration slope",
    );
    rel(report.brier, f(&py["brier"]), 1e-12, "brier");
    // Refit against statsmodels Logit.
    let refit = report.refit.as_ref().unwrap();
    assert_eq!(refit.method, FitMethod::MaximumLikelihood);
    let coefs = py["coefficients"].as_array().unwrap();
    assert_eq!(refit.coefficients.len(), coefs.len());
    for (a, b) in refit.coefficients.iter().zip(coefs) {
        assert_eq!(a.term, b["term"].as_str().unwrap());
        rel(
            a.estimate,
            f(&b["estimate"]),
            1e-6,
            &format!("{} estimate", a.term),
        );
        rel(a.se, f(&b["se"]), 1e-6, &format!("{} se", a.term));
        rel(
            a.ci_low,
            f(&b["ci_low"]),
            1e-4,
            &format!("{} ci_low", a.term),
        );
        rel(
            a.ci_high,
            f(&b["ci_high"]),
            1e-4,
            &format!("{} ci_high", a.term),
        );
        rel(a.p, f(&b["p"]), 1e-4, &format!("{} p", a.term));
        rel(a.odds_ratio, a.estimate.exp(), 1e-12, "odds ratio");
    }
    rel(
        refit.apparent_auc,
        f(&py["apparent_auc"]),
        1e-6,
        "apparent AUC",
    );
    // Agreement.
    assert_eq!(report.agreement.len(), 5, "{:?}", report.agreement_note);
    for a in &report.agreement {
        let b = &py["agreement"][&a.measure];
        rel(
            a.icc_2_1,
            f(&b["icc_2_1"]),
            1e-6,
            &format!("{} ICC(2,1)", a.measure),
        );
        rel(
            a.icc_3_1,
            f(&b["icc_3_1"]),
            1e-6,
            &format!("{} ICC(3,1)", a.measure),
        );
        for k in 0..2 {
            rel(
                a.icc_2_1_ci[k],
                f(&b["icc_2_1_ci"][k]),
                1e-4,
                &format!("{} ICC(2,1) CI", a.measure),
            );
            rel(
                a.icc_3_1_ci[k],
                f(&b["icc_3_1_ci"][k]),
                1e-4,
                &format!("{} ICC(3,1) CI", a.measure),
            );
        }
        rel(a.bias, f(&b["bias"]), 1e-6, &format!("{} bias", a.measure));
        rel(
            a.loa_low,
            f(&b["loa_low"]),
            1e-6,
            &format!("{} loa_low", a.measure),
        );
        rel(
            a.loa_high,
            f(&b["loa_high"]),
            1e-6,
            &format!("{} loa_high", a.measure),
        );
    }
}
