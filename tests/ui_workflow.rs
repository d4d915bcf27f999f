//! The measurement workflow driven as a user drives it (egui_kittest, no GPU), on the sample
//! phantom: plan the screws and fill the patient panel, place every ROI the checklist asks
//! for by choosing the item and dragging on the view at the ground-truth positions, see the
//! checklist complete, read the results (equal to the core's and to the phantom's truth),
//! look at the stress and risk views, and export the CSV — byte for byte what
//! `anchorage measure` writes for the saved session.

mod common;

use std::sync::Arc;

use anchorage_app::loader::DicomSource;
use anchorage_app::{App, Options};
use anchorage_app::{action, checklist};
use anchorage_core::session::{Level, Role, Session, Side};
use common::*;
use egui::{Key, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use serde_json::Value;

/// The truth's drawing for a checklist item: slice index, and the drag (from, to) in pixels.
fn truth_drag(t: &Value, item: &action::Item) -> (usize, (f64, f64), (f64, f64)) {
    let level = item.level.as_str();
    let side = item.side.map(|s| s.as_str());
    let matches =
        |x: &Value| x["level"] == level && (side.is_none() || x["side"] == side.unwrap_or(""));
    let ellipse = |x: &Value| {
        let e = &x["ellipse_px"];
        assert_eq!(num(e, "angle_deg"), 0.0);
        let (cx, cy, rx, ry) = (num(e, "cx"), num(e, "cy"), num(e, "rx"), num(e, "ry"));
        (
            x["slice"]["slice_index"].as_u64().expect("slice") as usize,
            (cx - rx, cy - ry),
            (cx + rx, cy + ry),
        )
    };
    let list = |a: &Value| a.as_array().expect("array").clone();
    match item.role {
        Role::BHuSuperior | Role::BHuMid | Role::BHuInferior => {
            let plane = match item.role {
                Role::BHuSuperior => "superior",
                Role::BHuMid => "mid",
                _ => "inferior",
            };
            let x = list(&t["ct_rois"]["b_hu"])
                .into_iter()
                .find(|x| matches(x) && x["plane"] == plane)
                .expect("b_hu truth");
            ellipse(&x)
        }
        Role::StHu => {
            let x = list(&t["ct_rois"]["trajectories"])
                .into_iter()
                .find(|x| matches(x))
                .expect("trajectory truth");
            let p = &x["trajectory_px"];
            (
                x["slice"]["slice_index"].as_u64().expect("slice") as usize,
                (num(p, "x0"), num(p, "y0")),
                (num(p, "x1"), num(p, "y1")),
            )
        }
        Role::PedicleThickness => {
            let x = list(&t["ct_rois"]["calipers"])
                .into_iter()
                .find(|x| matches(x))
                .expect("caliper truth");
            let a = x["start_px"].as_array().expect("start");
            let b = x["end_px"].as_array().expect("end");
            let f = |v: &Value| v.as_f64().expect("number");
            (
                x["slice"]["slice_index"].as_u64().expect("slice") as usize,
                (f(&a[0]), f(&a[1])),
                (f(&b[0]), f(&b[1])),
            )
        }
        Role::PedicleSi => {
            let x = list(&t["mr_rois"]["pedicles"])
                .into_iter()
                .find(|x| matches(x) && x["preferred"] == true)
                .expect("pedicle truth");
            ellipse(&x)
        }
        Role::CsfSi => {
            let x = list(&t["mr_rois"]["csf"])
                .into_iter()
                .find(|x| matches(x) && x["preferred"] == true)
                .expect("csf truth");
            ellipse(&x)
        }
        Role::Free => unreachable!(),
    }
}

#[test]
fn the_whole_workflow_on_the_sample_phantom() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_dir(&sample().join("ct"), &study.join("ct"));
    copy_dir(&sample().join("mr"), &study.join("mr"));
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(sample().join("ground-truth.json")).expect("truth"),
    )
    .expect("json");
    let app = App::new(Options {
        config_dir: Some(dir.path().join("config")),
        source: Arc::new(DicomSource),
        open: Some(study.clone()),
        open_last: false,
    });
    let mut h = Harness::builder()
        .with_size(Vec2::new(2000.0, 1500.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    wait_for(&mut h, "the first series", |a| {
        a.volume().is_some() && !a.is_busy()
    });

    // The patient panel: plan the screws, give the age and the Goutallier grade.
    h.get_by_label("Plan L4–L5 (4 screws)").click();
    settle(&mut h);
    h.get_by_label("Age").click();
    settle(&mut h);
    h.get_by_label("Goutallier grade").click();
    settle(&mut h);
    h.get_by_label("grade 2").click();
    settle(&mut h);
    let s = h.state().session();
    assert_eq!(s.screws.len(), 4);
    assert_eq!(s.patient.age_years, Some(60.0));
    assert_eq!(s.patient.goutallier, Some(2));

    // Every checklist item: choose it, go to the truth slice, drag the truth geometry.
    let items = checklist::items(h.state().session());
    assert_eq!(items.len(), 9 + 2 + 8 + 8 + 1);
    assert!(
        h.query_by_label(&format!("0 of {} done", items.len()))
            .is_some()
    );
    for item in &items {
        h.get_by_label(&format!("[ ] {}", item.label()))
            .scroll_to_me();
        settle(&mut h);
        h.get_by_label(&format!("[ ] {}", item.label())).click();
        settle(&mut h);
        assert_eq!(h.state().choice(), Some(*item));
        let want = item.role.modality().expect("modality");
        wait_for(&mut h, "the item's series", |a| {
            a.study()
                .and_then(|s| s.current())
                .is_some_and(|s| s.modality == want)
                && a.volume().is_some()
        });
        if item.role == Role::StHu && item.level != Level::L3 {
            // The caliper is drawn: the trajectory is proposed from it. This test draws
            // the truth's own trajectory instead (tests/ui_propose.rs accepts proposals).
            assert!(
                h.state().tools().proposal.is_some(),
                "{} proposed",
                item.label()
            );
            h.key_press(Key::Escape);
            settle(&mut h);
            assert!(h.state().tools().proposal.is_none());
        }
        let (slice, a, b) = truth_drag(&truth, item);
        go_to_slice(&mut h, slice);
        let before = h.state().session().rois.len();
        let (from, to) = (at(&h, a.0, a.1), at(&h, b.0, b.1));
        drag(&mut h, from, to);
        let s = h.state().session();
        assert_eq!(s.rois.len(), before + 1, "{} drawn", item.label());
        let roi = s.rois.last().expect("roi");
        assert_eq!(
            (roi.role, roi.level, roi.side),
            (item.role, Some(item.level), item.side)
        );
        assert!(item.done_by(s).is_some());
    }
    settle(&mut h);
    assert!(
        h.query_by_label(&format!("complete: {0} of {0}", items.len()))
            .is_some(),
        "the checklist is complete"
    );

    // The results: every series loaded, then the values on screen are the core's.
    wait_for(&mut h, "both series", |a| {
        a.session_series_loaded() && !a.is_busy()
    });
    let session_path = h.state().session_path().expect("saved").to_path_buf();
    let saved = Session::load(&session_path).expect("session");
    assert_eq!(saved.rois, h.state().session().rois);
    // The session as saved, measured from the files on disk (`anchorage measure`'s path).
    let (measured, _) =
        anchorage_core::pipeline::measure_on_disk(&saved, &session_path, &[]).expect("measured");
    assert!(measured.notices.is_empty(), "{:?}", measured.notices);
    let core = measured.results;
    let derived = h.state_mut().derived();
    assert_eq!(derived.results, core, "the window's results are the core's");
    let expected_screws = truth["expected"]["screws"]
        .as_array()
        .expect("screws")
        .clone();
    for s in &core.screws {
        let st = s.st_hu.expect("st_hu");
        assert!(
            h.query_all_by_label(&format!("{st:.1}")).next().is_some(),
            "ST-HU {st:.1} shown"
        );
        let t = expected_screws
            .iter()
            .find(|x| x["level"] == s.screw.level.as_str() && x["side"] == s.screw.side.as_str())
            .expect("truth screw");
        assert!(
            (st - num(t, "st_hu")).abs() < 3.0,
            "ST-HU {st} vs truth {}",
            t["st_hu"]
        );
        let th = s.pedicle_thickness_mm.expect("thickness");
        assert!(
            (th - num(t, "pedicle_thickness_mm")).abs() < 0.05,
            "thickness {th}"
        );
        assert!(h.query_all_by_label(&format!("{th:.2}")).next().is_some());
        assert!(s.stress.is_some());
    }
    let b_l3 = core
        .levels
        .iter()
        .find(|l| l.level == Level::L3)
        .and_then(|l| l.b_hu)
        .expect("B-HU L3");
    assert!((b_l3 - 140.0).abs() < 2.0, "B-HU L3 {b_l3}");
    let pbq = core.patient.pbq.expect("pbq");
    assert!((pbq - 3.75).abs() < 0.05, "PBQ {pbq}");
    assert!(h.query_all_by_label(&format!("{pbq:.3}")).next().is_some());
    let risk = core
        .patient
        .risk
        .as_ref()
        .unwrap_or_else(|| panic!("risk: {:?} {:?}", core.patient, saved.patient));
    assert!(core.patient.hu_ratio.is_some());

    // Traceability: clicking the PBQ highlights its nine ROIs.
    h.get_all_by_label(&format!("{pbq:.3}"))
        .next()
        .expect("pbq value")
        .click();
    settle(&mut h);
    assert_eq!(h.state().tools().highlight.len(), 9);

    // The stress and risk views.
    h.get_by_label("Stress").click();
    settle(&mut h);
    assert!(h.query_by_label_contains("Stress model:").is_some());
    assert!(
        h.query_all_by_label("Research aid, not a diagnosis.")
            .next()
            .is_some()
    );
    h.get_by_label("Risk").click();
    settle(&mut h);
    assert!(h.query_by_label_contains("Risk model:").is_some());
    assert!(
        h.query_all_by_label_contains(&format!("{:.1} %", risk.risk * 100.0))
            .next()
            .is_some()
    );
    assert!(h.query_by_label_contains("Status: ").is_some());

    // Export the CSV; it is what `anchorage measure` writes for the saved session.
    h.get_by_label("Export").click();
    settle(&mut h);
    h.get_by_label("Export CSV").click();
    settle(&mut h);
    let csv_path = study.join("ANCH-0001-screws.csv");
    let ours = std::fs::read(&csv_path).expect("the CSV was written");
    let cli_csv = dir.path().join("cli.csv");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .arg("measure")
        .arg(&session_path)
        .arg("--csv")
        .arg(&cli_csv)
        .status()
        .expect("run anchorage measure");
    assert!(status.success());
    let theirs = std::fs::read(&cli_csv).expect("cli csv");
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );
    assert_eq!(ours, theirs, "byte for byte");
    assert_eq!(
        ours.iter().filter(|b| **b == b'\n').count(),
        5,
        "header and four screws"
    );
    h.get_by_label("Export PNG").click();
    settle(&mut h);
    let png = std::fs::read(study.join("ANCH-0001-view.png")).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
    let _ = Side::L;
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
}
