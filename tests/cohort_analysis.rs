//! `anchorage cohort analyze`: every statistic against an independent implementation in
//! Python on the same rows (statsmodels Logit, scikit-learn's roc_auc_score/roc_curve,
//! scipy, textbook DeLong/Hosmer–Lemeshow/ICC/Bland–Altman in numpy:
//! tests/fixtures/analysis_oracle.py); the refit recovers a demo cohort's stated
//! coefficients; the command's JSON, CSV, PNG and refitted model file (which `anchorage
//! risk --model` loads); reproducible bootstrap; and bad input (no outcomes, no
//! non-events, perfect separation → Firth, missing predictors, a single rater).

#[path = "common/cli.rs"]
mod cli;
use cli::{anchorage, run, s};

use std::path::{Path, PathBuf};

use anchorage_core::analysis::report::FitMethod;
use anchorage_core::analysis::{AnalysisError, AnalysisOptions, AnalysisReport, Unit, analyze};
use anchorage_core::cohort::demo::generate;
use anchorage_core::cohort::outcomes::OutcomeLine;
use anchorage_core::cohort::{Cohort, DbLocation, SessionRecord};
use anchorage_core::models::risk::RiskModel;
use serde_json::Value;

#[path = "cohort/oracle.rs"]
mod oracle;
use oracle::{compare_with_oracle, f, python_oracle};

fn options(unit: Unit, bootstrap: usize, seed: u64) -> AnalysisOptions {
    AnalysisOptions {
        model: RiskModel::bundled(),
        model_label: "bundled".into(),
        unit,
        bootstrap,
        seed,
    }
}

/// A SQLite cohort of the given sessions and outcomes.
fn cohort_of(
    dir: &Path,
    name: &str,
    sessions: &[SessionRecord],
    outcomes: &[OutcomeLine],
) -> Cohort {
    let mut c = Cohort::open(&DbLocation::Sqlite(dir.join(name)), true).unwrap();
    c.add_sessions(sessions).unwrap();
    if !outcomes.is_empty() {
        c.import_outcomes(Path::new("(test outcomes)"), outcomes)
            .unwrap();
    }
    c
}

fn demo(dir: &Path, patients: u32, seed: u64) -> PathBuf {
    let db = dir.join(format!("demo-{patients}-{seed}.sqlite"));
    run(&[
        "cohort",
        "demo",
        "--db",
        s(&db),
        "--patients",
        &patients.to_string(),
        "--seed",
        &seed.to_string(),
    ]);
    db
}

#[test]
fn every_number_matches_the_python_oracle() {
    if let Err(why) = python_oracle() {
        println!("SKIPPED: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (patients, seed) in [(300, 7), (120, 3)] {
        let sub = dir.path().join(format!("{patients}-{seed}"));
        std::fs::create_dir_all(&sub).unwrap();
        let db = demo(dir.path(), patients, seed);
        compare_with_oracle(&sub, &db);
    }
}

fn report_json(db: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["cohort", "analyze", "--db", s(db), "--json", "-"];
    args.extend_from_slice(extra);
    serde_json::from_str(&run(&args)).unwrap()
}

#[test]
fn the_command_writes_json_tables_figures_and_a_model_risk_loads() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path(), 400, 11);
    let out = dir.path().join("out");
    let json = dir.path().join("report.json");
    let table = run(&[
        "cohort",
        "analyze",
        "--db",
        s(&db),
        "--bootstrap",
        "50",
        "--seed",
        "5",
        "--json",
        s(&json),
        "--out",
        s(&out),
    ]);
    assert!(
        table.contains("DeLong") && table.contains("ICC(2,1)"),
        "{table}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in [
        "n_patients",
        "n_events",
        "auc",
        "auc_ci",
        "youden",
        "at_cutoff",
        "hosmer_lemeshow",
        "calibration",
        "brier",
        "refit",
        "agreement",
    ] {
        assert!(!v[key].is_null(), "{key} missing");
    }
    assert_eq!(v["n_patients"], 400);
    assert_eq!(v["at_cutoff"]["cutoff"], 0.212);
    for (object, first) in [("youden", "threshold"), ("at_cutoff", "cutoff")] {
        for field in [first, "sensitivity", "specificity", "ppv", "npv"] {
            assert!(
                v[object][field].is_number(),
                "{object}.{field} is not a number: {}",
                v[object]
            );
        }
    }
    let terms: Vec<&str> = v["refit"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["term"].as_str().unwrap())
        .collect();
    assert_eq!(
        terms,
        [
            "intercept",
            "age",
            "pbq",
            "hu_ratio",
            "goutallier_2",
            "goutallier_3",
            "goutallier_4"
        ]
    );
    assert!(
        v["refit"]["optimism_corrected_auc"].as_f64().unwrap()
            < v["refit"]["apparent_auc"].as_f64().unwrap()
    );
    for name in [
        "validation.csv",
        "roc.csv",
        "calibration.csv",
        "decision_curve.csv",
        "coefficients.csv",
        "agreement.csv",
        "roc.png",
        "calibration.png",
        "decision_curve.png",
        "bland_altman_hu_ratio.png",
        "refit-model.json",
    ] {
        let bytes = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!bytes.is_empty(), "{name}");
        if name.ends_with(".png") {
            assert!(image::load_from_memory(&bytes).is_ok(), "{name}");
        }
    }
    // The refitted model loads in `anchorage risk --model`.
    let model = out.join("refit-model.json");
    let r: Value = serde_json::from_str(&run(&[
        "risk",
        "--age",
        "70",
        "--pbq",
        "3.0",
        "--hu-ratio",
        "1.6",
        "--goutallier",
        "3",
        "--model",
        s(&model),
    ]))
    .unwrap();
    let risk = r["risk"].as_f64().unwrap();
    assert!(risk > 0.0 && risk < 1.0, "{r}");
    assert!(
        r["model"]["provenance"]
            .as_str()
            .unwrap()
            .contains("400 patients"),
        "{r}"
    );
    // And it validates itself on the same cohort with the apparent AUC of the refit.
    let again = report_json(&db, &["--model", s(&model), "--bootstrap", "0"]);
    let (a, b) = (
        again["auc"].as_f64().unwrap(),
        v["refit"]["apparent_auc"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn the_refit_recovers_the_demo_truth_within_its_confidence_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.sqlite");
    let truth: Value = serde_json::from_str(&run(&[
        "cohort",
        "demo",
        "--db",
        s(&db),
        "--patients",
        "1500",
        "--seed",
        "21",
    ]))
    .unwrap();
    let m = &truth["outcome_model"];
    let (b0, age, pbq, hu, g) = (
        f(&m["intercept"]),
        f(&m["age_per_10_years"]) / 10.0,
        f(&m["pbq"]),
        f(&m["patient_hu_ratio"]),
        f(&m["goutallier"]),
    );
    // logit = b0 + age (a − 65) + pbq (q − 2.5) + hu (h − 2) + g (G − 2), grade 1 reference.
    let expected = [
        ("intercept", b0 - 65.0 * age - 2.5 * pbq - 2.0 * hu - g),
        ("age", age),
        ("pbq", pbq),
        ("hu_ratio", hu),
        ("goutallier_2", g),
        ("goutallier_3", 2.0 * g),
        ("goutallier_4", 3.0 * g),
    ];
    let v = report_json(&db, &["--bootstrap", "0"]);
    let coefs = v["refit"]["coefficients"].as_array().unwrap();
    for ((term, want), c) in expected.iter().zip(coefs) {
        assert_eq!(c["term"], *term);
        let (lo, hi) = (f(&c["ci_low"]), f(&c["ci_high"]));
        assert!(
            lo <= *want && *want <= hi,
            "{term}: {want} outside {lo}..{hi}"
        );
    }
}

#[test]
fn the_bootstrap_is_reproducible_and_screws_cluster_by_patient() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cohort::open(&DbLocation::Sqlite(demo(dir.path(), 200, 5)), false).unwrap();
    let a = analyze(&mut c, &options(Unit::Patient, 100, 42)).unwrap();
    let b = analyze(&mut c, &options(Unit::Patient, 100, 42)).unwrap();
    let other = analyze(&mut c, &options(Unit::Patient, 100, 43)).unwrap();
    let oc = |r: &AnalysisReport| r.refit.as_ref().unwrap().optimism_corrected_auc.unwrap();
    assert_eq!(oc(&a), oc(&b));
    assert_ne!(oc(&a), oc(&other));
    let s = analyze(&mut c, &options(Unit::Screw, 50, 42)).unwrap();
    assert_eq!(s.n_screws, Some(800));
    assert_eq!(s.n_patients, 200);
    assert_eq!(
        s.n_events,
        4 * a.n_events,
        "patient outcomes apply to every screw"
    );
    assert!(oc(&s).is_finite());
}

fn reason(e: AnalysisError) -> String {
    match e {
        AnalysisError::NothingToAnalyse { reason, .. } => reason,
        other => panic!("{other}"),
    }
}

#[test]
fn bad_input_is_refused_or_handled_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (sessions, outcomes, _) = generate(60, 9);
    // No outcomes.
    let mut c = cohort_of(dir.path(), "none.sqlite", &sessions, &[]);
    let why = reason(analyze(&mut c, &options(Unit::Patient, 0, 1)).unwrap_err());
    assert!(why.contains("outcome"), "{why}");
    let o = anchorage(&[
        "cohort",
        "analyze",
        "--db",
        s(&dir.path().join("none.sqlite")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot analyse"));
    // Only events.
    let all: Vec<OutcomeLine> = outcomes
        .iter()
        .cloned()
        .map(|mut l| {
            l.outcome.loosening = true;
            l
        })
        .collect();
    let mut c = cohort_of(dir.path(), "all.sqlite", &sessions, &all);
    let why = reason(analyze(&mut c, &options(Unit::Patient, 0, 1)).unwrap_err());
    assert!(why.contains("no non-events"), "{why}");
    // Perfect separation by HU ratio: Firth, said in the note and the warnings.
    let hu = |id: &str| {
        sessions
            .iter()
            .find(|s| s.patient_id == id)
            .and_then(|s| s.screws[0].number("patient_hu_ratio"))
            .unwrap()
    };
    let separated: Vec<OutcomeLine> = outcomes
        .iter()
        .cloned()
        .map(|mut l| {
            l.outcome.loosening = hu(&l.outcome.patient_id) < 2.0;
            l
        })
        .collect();
    let mut c = cohort_of(dir.path(), "sep.sqlite", &sessions, &separated);
    let r = analyze(&mut c, &options(Unit::Patient, 20, 1)).unwrap();
    let refit = r.refit.as_ref().unwrap();
    assert_eq!(refit.method, FitMethod::Firth);
    assert!(r.refit_note.as_deref().unwrap().contains("Firth"));
    assert!(
        r.warnings.iter().any(|w| w.contains("separated")),
        "{:?}",
        r.warnings
    );
    assert!(
        refit
            .coefficients
            .iter()
            .all(|c| c.estimate.is_finite() && c.se.is_finite())
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("fewer than 10 per predictor")),
        "{:?}",
        r.warnings
    );
    // Missing predictors: complete cases, counted; a single rater: no agreement, a note.
    let mut single: Vec<SessionRecord> = sessions
        .iter()
        .filter(|s| s.rater == "rater1")
        .cloned()
        .collect();
    for s in single.iter_mut().take(5) {
        for screw in &mut s.screws {
            screw.set("pbq", String::new());
        }
    }
    let mut c = cohort_of(dir.path(), "single.sqlite", &single, &outcomes);
    let r = analyze(&mut c, &options(Unit::Patient, 0, 1)).unwrap();
    assert_eq!(r.n_excluded, 5);
    assert_eq!(r.n_patients, 55);
    assert!(
        r.warnings.iter().any(|w| w.contains("complete cases")),
        "{:?}",
        r.warnings
    );
    assert!(r.agreement.is_empty());
    assert!(
        r.agreement_note
            .as_deref()
            .unwrap()
            .contains("two or more raters")
    );
}
