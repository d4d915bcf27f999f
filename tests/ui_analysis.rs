//! The window's Analysis tab (egui_kittest, no GPU): a report shown as the analysis of the
//! cohort would give it — the AUC with its CI in the table, each figure chosen in the
//! selector — and its refitted model made the session's risk model (and undone); and an
//! analysis of an empty cohort database shows why it cannot be made, without a panic.

mod common;

use anchorage_app::action::{Action, CommandId};
use anchorage_app::analysis_plots::PlotKind;
use anchorage_core::analysis::AnalysisReport;
use anchorage_core::analysis::report::{
    Agreement, AtCutoff, Calibration, CalibrationBin, Coefficient, FitMethod, HosmerLemeshow,
    NetBenefit, Operating, Rates, Refit, RocPoint, Unit,
};
use anchorage_core::cohort::{Cohort, DbLocation};
use anchorage_core::models::risk::RiskModel;
use common::*;
use egui::Vec2;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

/// A report with known numbers (the nomogram paper's), whose refit is the bundled model
/// renamed, with the cutoff 0.3.
fn report() -> AnalysisReport {
    let mut refitted = RiskModel::bundled();
    refitted.cutoff = 0.3;
    refitted.info.name = "Refitted on the test cohort".into();
    let coefficient = |term: &str, estimate: f64| Coefficient {
        term: term.into(),
        estimate,
        se: 0.1,
        ci_low: estimate - 0.196,
        ci_high: estimate + 0.196,
        p: 0.0004,
        odds_ratio: estimate.exp(),
    };
    AnalysisReport {
        unit: Unit::Patient,
        model: "HU-ratio/PBQ screw-loosening nomogram (bundled)".into(),
        n_patients: 313,
        n_screws: None,
        n_events: 45,
        n_excluded: 2,
        rater_rule: "the primary rater's measurement (who measured the patient first)".into(),
        warnings: vec!["2 patient(s) left out for a missing predictor".into()],
        auc: 0.904,
        auc_ci: [0.856, 0.953],
        roc: vec![
            RocPoint {
                threshold: None,
                fpr: 0.0,
                tpr: 0.0,
            },
            RocPoint {
                threshold: Some(0.6),
                fpr: 0.05,
                tpr: 0.5,
            },
            RocPoint {
                threshold: Some(0.25),
                fpr: 0.119,
                tpr: 0.8,
            },
            RocPoint {
                threshold: Some(0.212),
                fpr: 0.15,
                tpr: 0.82,
            },
            RocPoint {
                threshold: Some(0.05),
                fpr: 0.6,
                tpr: 1.0,
            },
            RocPoint {
                threshold: Some(0.0),
                fpr: 1.0,
                tpr: 1.0,
            },
        ],
        youden: Operating {
            threshold: 0.25,
            rates: Rates {
                sensitivity: 0.8,
                specificity: 0.881,
                ppv: Some(0.53),
                npv: Some(0.96),
            },
        },
        at_cutoff: AtCutoff {
            cutoff: 0.212,
            rates: Rates {
                sensitivity: 0.82,
                specificity: 0.85,
                ppv: Some(0.48),
                npv: None,
            },
        },
        hosmer_lemeshow: HosmerLemeshow {
            chi2: 8.42,
            df: 8,
            p: 0.393,
        },
        calibration: Calibration {
            intercept: -0.05,
            slope: 0.97,
        },
        brier: 0.0712,
        calibration_table: (1..=10)
            .map(|g| CalibrationBin {
                group: g,
                n: 31,
                mean_predicted: g as f64 * 0.08,
                observed_events: g as usize * 2,
                observed_rate: g as f64 * 0.075,
            })
            .collect(),
        decision_curve: (1..=99)
            .map(|i| {
                let t = i as f64 / 100.0;
                NetBenefit {
                    threshold: t,
                    model: (0.14 - t * 0.2).max(0.0),
                    treat_all: 0.144 - 0.856 * t / (1.0 - t),
                    treat_none: 0.0,
                }
            })
            .collect(),
        refit: Some(Refit {
            method: FitMethod::MaximumLikelihood,
            coefficients: vec![
                coefficient("intercept", -5.1),
                coefficient("age", 0.056),
                coefficient("pbq", 0.9),
                coefficient("hu_ratio", -1.2),
                coefficient("goutallier_2", 0.4),
            ],
            apparent_auc: 0.911,
            optimism_corrected_auc: Some(0.883),
            bootstrap: 200,
            seed: 1,
            model_json: refitted.to_json_string(),
        }),
        refit_note: None,
        agreement: ["b_hu", "pbq"]
            .iter()
            .map(|m| Agreement {
                measure: m.to_string(),
                n_studies: 3,
                n_raters: 2,
                icc_2_1: 0.91,
                icc_2_1_ci: [0.8, 0.96],
                icc_3_1: 0.93,
                icc_3_1_ci: [0.84, 0.97],
                bias: 1.5,
                loa_low: -4.0,
                loa_high: 7.0,
                pairs: vec![[150.0, 152.0], [120.0, 119.0], [180.0, 184.0]],
            })
            .collect(),
        agreement_note: None,
    }
}

/// Steps the window until the analysis thread has answered (at most 60 s).
fn wait_for_analysis(h: &mut egui_kittest::Harness<'_, anchorage_app::App>) {
    let start = std::time::Instant::now();
    h.step();
    while h.state().analysis_running() {
        assert!(
            start.elapsed().as_secs() < 60,
            "the analysis did not answer in 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.step();
    }
    settle(h);
}

#[test]
fn the_window_analyses_a_real_cohort_off_its_thread_with_the_cores_numbers() {
    let (dir, _study, mut h) = open_example(Vec2::new(1600.0, 1000.0));
    let db = DbLocation::Sqlite(dir.path().join("demo.sqlite"));
    let (sessions, outcomes, _) = anchorage_core::cohort::demo::generate(150, 4);
    let mut c = Cohort::open(&db, true).expect("a new database");
    c.add_sessions(&sessions).expect("the demo sessions");
    c.import_outcomes(std::path::Path::new("(demo)"), &outcomes)
        .expect("the demo outcomes");
    // The core's own analysis of the same database, with the window's options.
    let opts = anchorage_core::analysis::AnalysisOptions {
        model: RiskModel::bundled(),
        model_label: "bundled".into(),
        unit: anchorage_core::analysis::Unit::Patient,
        bootstrap: 200,
        seed: 1,
    };
    let expected = anchorage_core::analysis::analyze(&mut c, &opts).expect("the core analyses");
    drop(c);
    h.state_mut().set_cohort_database(db);
    h.get_by_role_and_label(Role::Button, "Analysis").click();
    settle(&mut h);
    h.get_by_label("Analyze").click();
    h.step();
    assert!(
        h.state().analysis_running() || h.state().analysis_report().is_some(),
        "Analyze started the analysis"
    );
    wait_for_analysis(&mut h);
    let got = h
        .state()
        .analysis_report()
        .expect("the report arrived")
        .clone();
    assert_eq!(got.n_patients, 150);
    assert_eq!(got.auc, expected.auc);
    let (g, e) = (
        got.refit.as_ref().expect("a refit"),
        expected.refit.as_ref().expect("a refit"),
    );
    // The same refit, bootstrap included (only the model file's timestamps differ).
    assert_eq!(g.coefficients, e.coefficients);
    assert_eq!(g.apparent_auc, e.apparent_auc);
    assert_eq!(g.optimism_corrected_auc, e.optimism_corrected_auc);
    assert!(g.optimism_corrected_auc.is_some());
    h.get_by_label(&format!(
        "{:.3} ({:.3}–{:.3})",
        expected.auc, expected.auc_ci[0], expected.auc_ci[1]
    ));
    h.get_by_label_contains("analysed 150 patient(s)");
}

#[test]
fn the_analysis_shows_its_table_and_figures_and_its_refit_becomes_the_sessions_model() {
    let size = Vec2::new(1280.0, 800.0);
    let (dir, study, mut h) = open_example(size);
    h.state_mut()
        .set_cohort_database(DbLocation::Sqlite(dir.path().join("cohort.sqlite")));
    h.state_mut().set_analysis_report(report());
    h.get_by_role_and_label(Role::Button, "Analysis").click();
    settle(&mut h);
    // The options and the button, inside the window.
    let analyze = h.get_by_label("Analyze").rect();
    assert!(
        analyze.bottom() <= size.y && analyze.right() <= size.x,
        "the Analyze button is inside the window: {analyze:?}"
    );
    h.get_by_label("Bootstrap");
    // The table: the AUC with its CI, Hosmer–Lemeshow, the refit and the agreement.
    h.get_by_label("AUC (95 % CI)");
    h.get_by_label("0.904 (0.856–0.953)");
    h.get_by_label("χ² 8.42, df 8, p 0.393");
    // The Youden threshold's sensitivity and specificity.
    h.get_by_label("80.0 % / 88.1 %");
    h.get_by_label("goutallier_2");
    h.get_by_label_contains("optimism-corrected 0.883");
    h.get_all_by_label("0.910 (0.800–0.960)")
        .next()
        .expect("ICC(2,1) with its CI");
    assert_eq!(h.state().analysis_plot(), PlotKind::Roc);
    // Each figure in turn.
    for (label, kind) in [
        ("Calibration", PlotKind::Calibration),
        ("Decision curve", PlotKind::DecisionCurve),
        ("Bland–Altman", PlotKind::BlandAltman),
        ("ROC", PlotKind::Roc),
    ] {
        h.get_by_role_and_label(Role::Button, label).click();
        settle(&mut h);
        assert_eq!(h.state().analysis_plot(), kind, "{label} chosen");
    }
    h.get_by_role_and_label(Role::Button, "Bland–Altman")
        .click();
    settle(&mut h);
    h.get_by_role_and_label(Role::Button, "pbq").click();
    settle(&mut h);

    // The refitted model becomes the session's: the results use its cutoff.
    assert!((h.state_mut().derived().models.risk.cutoff - 0.212).abs() < 1e-12);
    // The tab scrolls at 1280 × 800: the wheel over the table brings the button into view.
    h.hover_at(analyze.left_bottom() + Vec2::new(0.0, 60.0));
    h.step();
    let mut notches = 0;
    while h.get_by_label("Use the refitted model").rect().bottom() > size.y - 4.0 {
        assert!(notches < 60, "60 wheel notches did not reach the button");
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: Vec2::new(0.0, -3.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
        h.step();
        notches += 1;
    }
    settle(&mut h);
    h.get_by_label("Use the refitted model").click();
    settle(&mut h);
    let message = h.state().analysis_message().cloned();
    assert!(
        matches!(&message, Some(Ok(m)) if m.contains("Refitted on the test cohort")),
        "{message:?}"
    );
    let chosen = h
        .state()
        .session()
        .models
        .risk_model
        .clone()
        .expect("a model file");
    let file = study.join(&chosen);
    assert!(
        file.is_file(),
        "the model file {} is written",
        file.display()
    );
    let m = RiskModel::from_file(&file).expect("the written model loads");
    assert_eq!(m.cutoff, 0.3);
    let risk = h.state_mut().derived().models.risk.clone();
    assert_eq!(risk.cutoff, 0.3);
    assert_eq!(risk.info.name, "Refitted on the test cohort");
    // The session file chose it too (saved at once), and undo gives the previous model.
    let saved = anchorage_core::session::Session::load(&study.join("anchorage-session.json"))
        .expect("the session");
    assert_eq!(saved.models.risk_model, Some(chosen));
    h.state_mut().handle(Action::Run(CommandId::Undo));
    settle(&mut h);
    assert_eq!(h.state().session().models.risk_model, None);
    assert!((h.state_mut().derived().models.risk.cutoff - 0.212).abs() < 1e-12);
}

#[test]
fn analysing_an_empty_cohort_database_says_why_without_a_panic() {
    let (dir, _study, mut h) = open_example(Vec2::new(1280.0, 800.0));
    let db = DbLocation::Sqlite(dir.path().join("empty.sqlite"));
    Cohort::open(&db, true).expect("an empty database");
    h.state_mut().set_cohort_database(db);
    h.get_by_role_and_label(Role::Button, "Analysis").click();
    settle(&mut h);
    h.get_by_label_contains("No analysis yet");
    h.get_by_label("Analyze").click();
    wait_for_analysis(&mut h);
    let Some(Err(why)) = h.state().analysis_message().cloned() else {
        panic!(
            "an empty database gives an error: {:?}",
            h.state().analysis_message()
        );
    };
    assert!(!why.is_empty());
    h.get_by_label(&why);
    assert!(h.state().analysis_report().is_none());
    // A database that does not exist: an error too (the analysis creates nothing).
    let absent = dir.path().join("absent.sqlite");
    h.state_mut()
        .set_cohort_database(DbLocation::Sqlite(absent.clone()));
    h.get_by_label("Analyze").click();
    wait_for_analysis(&mut h);
    assert!(
        matches!(h.state().analysis_message(), Some(Err(_))),
        "{:?}",
        h.state().analysis_message()
    );
    assert!(!absent.exists(), "the analysis created no database");
}

#[test]
fn the_analysis_opens_in_its_own_large_window_and_comes_back_into_the_tab() {
    let size = Vec2::new(1280.0, 800.0);
    let (dir, _study, mut h) = open_example(size);
    h.state_mut()
        .set_cohort_database(DbLocation::Sqlite(dir.path().join("cohort.sqlite")));
    h.state_mut().set_analysis_report(report());
    h.get_by_role_and_label(Role::Button, "Analysis").click();
    settle(&mut h);
    let in_tab = h.get_by_label("AUC (95 % CI)").rect();
    h.get_by_label("Open in a window").click();
    settle(&mut h);
    // The tab says where the analysis went; the window holds the table and the figure.
    h.get_by_label("The analysis is open in its own window.");
    assert_eq!(h.get_all_by_label("AUC (95 % CI)").count(), 1);
    let in_window = h.get_by_label("AUC (95 % CI)").rect();
    assert!(
        in_window.top() < in_tab.top() - 200.0,
        "the window's table starts well above the tab's: {in_window:?} vs {in_tab:?}"
    );
    let roc = h.get_by_role_and_label(Role::Button, "ROC").rect();
    assert!(
        roc.left() > size.x * 0.45 && roc.top() < size.y * 0.5,
        "the figure's selector sits in the window's right half (the window spans 10–90 % of the screen), high up: {roc:?}"
    );
    assert!(h.query_by_label("Open in a window").is_none());
    // Back into the tab with the window's button.
    h.get_by_label("Back into the tab").click();
    settle(&mut h);
    assert!(
        h.query_by_label("The analysis is open in its own window.")
            .is_none()
    );
    let back = h.get_by_label("AUC (95 % CI)").rect();
    assert!(
        (back.top() - in_tab.top()).abs() < 1.0,
        "{back:?} vs {in_tab:?}"
    );
}
