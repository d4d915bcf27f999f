//! The window measures through the core's pipeline, as `anchorage measure` does: a model
//! file that does not load refuses the results (with the way out: the bundled models, one
//! undo step), every ROI left out is listed with its reason, and the ROI list and image
//! labels take their statistics from the results instead of measuring every ROI again.

mod common;

use anchorage_core::session::{ModelChoice, Session};
use common::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

#[test]
fn a_broken_model_file_refuses_the_results_until_the_bundled_models_are_chosen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let mut s = Session::load(&sample().join("example-session.json")).expect("example");
    s.models = ModelChoice {
        risk_model: Some("risk.json".into()),
        ..s.models.clone()
    };
    // The first ROI drawn again: the older one is left out, and said so.
    let mut again = s.rois[0].clone();
    again.id = 0;
    s.add_roi(again);
    std::fs::write(study.join("risk.json"), "{ not a model").expect("write");
    s.save(&study.join("anchorage-session.json")).expect("save");

    let mut h = harness(&dir.path().join("config"), &study);
    wait_for(&mut h, "both series", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    settle(&mut h);
    let d = h.state_mut().derived();
    let why = d.refused.clone().expect("refused");
    assert!(why.contains("risk.json"), "{why}");
    assert!(h.query_by_label_contains("No results: ").is_some());

    h.get_by_label("Use the bundled models").click();
    settle(&mut h);
    let measured_before = h.state().rois_measured_outside_results();
    let d = h.state_mut().derived();
    assert!(d.refused.is_none());
    assert_eq!(h.state().session().models.risk_model, None);
    assert_eq!(d.results.screws.len(), 4, "the results are back");
    assert!(d.results.screws.iter().all(|x| x.st_hu.is_some()));
    let out: Vec<&str> = d
        .notices
        .iter()
        .filter(|n| n.is_out())
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].contains("is newer and counts instead"), "{out:?}");
    assert!(
        h.query_by_label_contains("1 ROI(s) not in the results")
            .is_some()
    );
    // The change recomputed the results; the ROI list and the labels took the new
    // measurements from them: no ROI was measured a second time.
    for _ in 0..10 {
        h.step();
    }
    assert_eq!(
        h.state().rois_measured_outside_results(),
        measured_before,
        "the ROI list measured ROIs again"
    );

    // An ROI of the shown series changed (its note): the results measure it once, and the
    // ROI list takes that measurement rather than measuring it again.
    let shown = h
        .state()
        .study()
        .and_then(|st| st.current())
        .map(|x| x.uid.clone())
        .expect("a shown series");
    let mut roi = h
        .state()
        .session()
        .rois
        .iter()
        .find(|r| r.series_uid == shown)
        .expect("an ROI on the shown series")
        .clone();
    roi.note = "checked".into();
    h.state_mut()
        .handle(anchorage_app::action::Action::UpdateRoi(roi));
    for _ in 0..10 {
        h.step();
    }
    assert_eq!(
        h.state().rois_measured_outside_results(),
        measured_before,
        "the changed ROI was measured twice"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);

    // Undo brings the choice, and the refusal, back.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert!(h.state_mut().derived().refused.is_some());
}
