//! The Risk and Stress tabs in a small and a large window (issue 21): the risk axis, the
//! nomogram's bottom row under "Total points", is on screen or reached by the tab's own
//! scroll area, whose visible part lies inside the window (its scroll bars are always
//! shown, so they are on screen too). Also the words around them: the tool bar marks the
//! window preset in use, and the models' texts give source and status without internal
//! notes.

mod common;

use std::sync::Arc;

use anchorage_app::loader::DicomSource;
use anchorage_app::risk_view::RiskLayout;
use anchorage_app::{App, Options};
use anchorage_core::session::Session;
use common::*;
use egui::{Event, Modifiers, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// The example session on a copy of the sample, in a window of `size`, loaded.
fn example_at<'a>(size: Vec2) -> (tempfile::TempDir, Harness<'a, App>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let s = Session::load(&sample().join("example-session.json")).expect("example");
    let session = study.join("anchorage-session.json");
    s.save(&session).expect("save");
    let app = App::new(Options {
        config_dir: Some(dir.path().join("config")),
        source: Arc::new(DicomSource),
        open: Some(session),
        open_last: false,
    });
    let mut h = Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    wait_for(&mut h, "both series", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    settle(&mut h);
    (dir, h)
}

/// Opens the Risk tab and returns where its bottom row is after scrolling the tab's own
/// scroll area down as far as needed (at most 60 wheel notches).
fn risk_row_reached(h: &mut Harness<'_, App>, size: Vec2) -> (RiskLayout, usize) {
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Risk")
        .click();
    settle(h);
    let first = RiskLayout::last(&h.ctx).expect("the risk view drew its nomogram");
    assert!(
        first.solid_bars,
        "the risk tab's scroll bars show without hovering (not egui's floating ones)"
    );
    let v = first.viewport;
    assert!(
        v.top() >= 0.0 && v.bottom() <= size.y + 0.5 && v.right() <= size.x + 0.5,
        "the risk tab's scroll area is inside the {size:?} window: {v:?}"
    );
    assert!(
        v.height() >= 60.0,
        "the risk tab's scroll area is tall enough to use: {v:?}"
    );
    let mut notches = 0;
    h.hover_at(v.center());
    h.step();
    loop {
        let l = RiskLayout::last(&h.ctx).expect("layout");
        if l.risk_row.bottom() <= l.viewport.bottom() + 0.5 {
            return (l, notches);
        }
        assert!(
            notches < 60,
            "60 wheel notches did not bring the risk axis into view: {l:?}"
        );
        h.event(Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: Vec2::new(0.0, -3.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: Modifiers::NONE,
        });
        h.step();
        h.step();
        notches += 1;
    }
}

fn check(size: Vec2) {
    let (_dir, mut h) = example_at(size);
    let (l, notches) = risk_row_reached(&mut h, size);
    assert!(
        l.risk_row.top() >= l.viewport.top() - 0.5,
        "the whole risk row is in view: {l:?}"
    );
    assert!(l.risk_row.bottom() <= size.y, "{l:?}");
    eprintln!("{size:?}: risk axis in view after {notches} wheel notch(es): {l:?}");
    // The patient's risk is drawn (the example session has every input).
    let d = h.state_mut().derived();
    assert!(d.results.patient.risk.is_some());
}

#[test]
fn the_risk_axis_is_reachable_at_1280_by_800() {
    check(Vec2::new(1280.0, 800.0));
}

#[test]
fn the_risk_axis_is_reachable_at_1600_by_1000() {
    check(Vec2::new(1600.0, 1000.0));
}

/// Whether the tool bar's preset button `name` shows as the one in use.
fn preset_on(h: &Harness<'_, App>, name: &str) -> bool {
    let node = h.get_by_role_and_label(egui::accesskit::Role::Button, name);
    node.accesskit_node().is_selected() == Some(true)
        || matches!(
            node.accesskit_node().toggled(),
            Some(egui::accesskit::Toggled::True)
        )
}

#[test]
fn the_tool_bar_shows_which_window_preset_is_in_use() {
    let (_dir, mut h) = example_at(Vec2::new(1600.0, 1000.0));
    // The sample CT's header has a window: the default window is the header's.
    assert!(preset_on(&h, "Header"), "Header in use at first");
    assert!(!preset_on(&h, "Bone"));
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Soft tissue")
        .click();
    settle(&mut h);
    assert!(preset_on(&h, "Soft tissue"));
    assert!(!preset_on(&h, "Header"));
    let w = h.state().window().expect("a window");
    assert_eq!((w.centre, w.width), (40.0, 400.0));
}

#[test]
fn model_texts_give_source_and_status_in_plain_words() {
    use anchorage_core::models::risk::RiskModel;
    use anchorage_core::models::stress::StressModel;
    let stress = StressModel::bundled().info;
    let risk = RiskModel::bundled().info;
    assert!(
        stress
            .provenance
            .starts_with("Our reading of the published equations")
    );
    assert!(
        risk.provenance
            .starts_with("Reconstructed by the Anchorage project from the paper's worked example")
    );
    for text in [
        &stress.source,
        &stress.provenance,
        &risk.source,
        &risk.provenance,
    ] {
        for internal in [
            "illegible",
            "not in the project's copy",
            "our copy",
            "seeds/",
        ] {
            assert!(!text.contains(internal), "{internal:?} in {text:?}");
        }
    }
}
