//! The vertebral levels in the window (egui_kittest), on the sample phantom (issue 20):
//! the levels are found on their own thread when the CT is shown and the window opens on
//! a vertebral body; one right click and one click confirm a level, a correction
//! relabels the others (one undo step); "Propose the protocol" proposes every B-HU ROI of
//! the checklist, nothing is measured before it is accepted, Enter accepts and shows the
//! next, Esc skips, "Accept all that pass" completes the checklist's B-HU items with the
//! truth's values; an ROI on a disc is flagged; nothing pushes the views at 1280 × 800.
//! (`ui_levels_given.rs` tests the same window parts on the truth's levels and
//! proposals, independent of the core's finder.)

mod common;
#[path = "common/levels.rs"]
mod levels_common;

use anchorage_app::App;
use anchorage_app::action::{Action, Item, LevelsAction};
use anchorage_app::levels_paint::slice_place;
use anchorage_core::levels::LabelSource;
use anchorage_core::session::{Level, Role};
use common::*;
use egui::{Key, Modifiers, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use levels_common::*;

#[test]
fn the_levels_are_found_the_window_opens_on_a_body_and_one_click_confirms_or_corrects() {
    let t = truth();
    let (_dir, mut h) = open_with_levels(Vec2::new(1600.0, 1000.0));
    let levels = ct_levels(&h);
    assert!(levels.bodies.len() >= 5, "{} bodies", levels.bodies.len());
    assert_eq!(
        levels.labelled_by,
        LabelSource::Sacrum,
        "the sample shows S1"
    );
    labels_are_the_truths(&levels, &t, 0);
    // The window opened on the reference level's body, not on the middle slice (a disc).
    let volume = h.state().volume().expect("volume");
    let slice = h.state().viewers().slice();
    let z = volume.planes[slice].origin_mm[2];
    let (lo, hi) = truth_body(&t, "L3");
    assert!(z > lo && z < hi, "opened at z {z} (slice {slice})");
    let place = slice_place(&levels, &volume, slice).expect("an axial slice has a place");
    assert!(place.starts_with("L3, "), "{place}");
    assert!(place.ends_with("% below the superior endplate"), "{place}");
    // Nothing was measured or saved by finding the levels.
    assert!(h.state().session().rois.is_empty());

    // One right click on the L3 body and one click: L3 confirmed, the labels unchanged.
    let p = l3_centre(&mut h, &t);
    confirm(&mut h, p, Level::L3);
    let confirmed = ct_levels(&h);
    assert!(
        matches!(
            confirmed.labelled_by,
            LabelSource::Known {
                level: Level::L3,
                ..
            }
        ),
        "{:?} ({:?})",
        confirmed.labelled_by,
        h.state().note()
    );
    labels_are_the_truths(&confirmed, &t, 0);

    // A correction: "this is L4" relabels every body one level down.
    confirm(&mut h, p, Level::L4);
    let corrected = ct_levels(&h);
    labels_are_the_truths(&corrected, &t, 1);
    let place = slice_place(&corrected, &volume, h.state().viewers().slice()).expect("place");
    assert!(place.starts_with("L4, "), "{place}");
    // One undo step restores the confirmed labels.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert_eq!(ct_levels(&h), confirmed);
}

/// Clicks "Propose the protocol" and waits for the proposals.
fn propose(h: &mut Harness<'_, App>) {
    h.get_by_label("Propose the protocol").scroll_to_me();
    settle(h);
    h.get_by_label("Propose the protocol").click();
    settle(h);
    wait_for(h, "the proposals", |a| {
        !a.is_busy() && a.protocol_queue().is_some()
    });
    settle(h);
}

#[test]
fn accepting_all_proposals_completes_the_b_hu_items_with_the_truths_values() {
    let t = truth();
    let (_dir, mut h) = open_with_levels(Vec2::new(1600.0, 1000.0));
    let p = l3_centre(&mut h, &t);
    confirm(&mut h, p, Level::L3);
    propose(&mut h);
    let q = h.state().protocol_queue().expect("proposed").clone();
    // The B-HU planes of every labelled lumbar body found: L1..L5, three each (the MR's
    // pedicle and CSF ROIs may follow).
    let b_hu: Vec<(Role, Level)> = q
        .entries
        .iter()
        .map(|e| &e.proposal.roi)
        .filter(|r| anchorage_core::protocol::B_HU_PLANES.contains(&r.role))
        .map(|r| (r.role, r.level.expect("level")))
        .collect();
    assert_eq!(b_hu.len(), 15, "{:?}", h.state().levels_message());
    for level in [Level::L1, Level::L2, Level::L3, Level::L4, Level::L5] {
        for role in anchorage_core::protocol::B_HU_PLANES {
            assert!(b_hu.contains(&(role, level)), "no {role:?} at {level}");
        }
    }
    assert!(
        h.state().session().rois.is_empty(),
        "nothing is measured before it is accepted"
    );
    assert!(h.state().tools().proposal.is_some(), "the first is shown");
    let n_passing = q.entries.iter().filter(|e| e.proposal.passes()).count();
    assert_eq!(
        n_passing,
        q.entries.len(),
        "every proposal on the phantom passes"
    );
    let button = format!("Accept all that pass ({n_passing})");
    h.get_by_label(&button).scroll_to_me();
    settle(&mut h);
    h.get_by_label(&button).click();
    settle(&mut h);
    assert_eq!(h.state().session().rois.len(), n_passing);
    // The checklist's B-HU items are done…
    for role in [Role::BHuSuperior, Role::BHuMid, Role::BHuInferior] {
        let item = Item {
            role,
            level: Level::L3,
            side: None,
        };
        assert!(
            h.query_by_label(&format!("[x] {}", item.label())).is_some(),
            "{} is not ticked",
            item.label()
        );
    }
    // …with the truth's values: every plane's mean within 4.5 standard errors, and the
    // levels' B-HU.
    let derived = h.state_mut().derived();
    let session = h.state().session().clone();
    for roi in &session.rois {
        let level = roi.level.expect("level").to_string();
        let plane = match roi.role {
            Role::BHuSuperior => "superior",
            Role::BHuMid => "mid",
            Role::BHuInferior => "inferior",
            _ => continue,
        };
        let truth = b_hu_plane(&t, &level, plane);
        let m = derived.measurements.get(&roi.id).expect("measured");
        let stats = m.stats.as_ref().expect("stats");
        let mean = stats.mean.expect("mean");
        let se = num(&truth["expected"], "expected_sd") / (stats.n as f64).sqrt();
        let want = num(&truth["expected"], "mean");
        assert!(
            (mean - want).abs() < 4.5 * se,
            "{level} {plane}: mean {mean:.2}, truth {want} (se {se:.2})"
        );
    }
    for truth in t["expected"]["b_hu"].as_array().expect("b_hu") {
        let level = truth["level"].as_str().expect("level");
        if level == "S1" {
            continue;
        }
        let r = derived
            .results
            .levels
            .iter()
            .find(|l| l.level.as_str() == level)
            .unwrap_or_else(|| panic!("no result for {level}"));
        let b = r.b_hu.expect("B-HU");
        assert_eq!(r.b_hu_planes, 3);
        assert!(
            (b - num(truth, "b_hu")).abs() < 4.5 * num(truth, "sd_of_mean"),
            "{level}: B-HU {b:.2}"
        );
    }
    // No placement flag on what the protocol proposed.
    assert!(derived.placement.is_empty(), "{:?}", derived.placement);
    // One undo step takes them all back.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert!(h.state().session().rois.is_empty());
}

#[test]
fn enter_accepts_and_shows_the_next_esc_skips() {
    let (_dir, mut h) = open_with_levels(Vec2::new(1600.0, 1000.0));
    propose(&mut h);
    let q = h.state().protocol_queue().expect("proposed").clone();
    assert!(q.entries.len() >= 3);
    let shown = |h: &Harness<'_, App>| {
        (
            h.state().protocol_queue().and_then(|q| q.current),
            h.state().tools().proposal.clone(),
            h.state().viewers().slice(),
        )
    };
    let (current, proposal, slice) = shown(&h);
    assert_eq!(current, Some(0));
    assert_eq!(proposal.as_ref(), Some(&q.entries[0].proposal.roi));
    assert_eq!(
        slice, q.entries[0].proposal.slice,
        "the view is on its slice"
    );
    // The mouse over the native view, so the keys go to it.
    let p = at(&h, 5.0, 5.0);
    h.hover_at(p);
    h.step();
    // Esc skips: the second is shown on its slice, nothing stored.
    h.key_press(Key::Escape);
    settle(&mut h);
    let (current, proposal, slice) = shown(&h);
    assert_eq!(current, Some(1));
    assert_eq!(proposal.as_ref(), Some(&q.entries[1].proposal.roi));
    assert_eq!(slice, q.entries[1].proposal.slice);
    assert!(h.state().session().rois.is_empty());
    // Enter accepts it (exactly what was proposed) and shows the third.
    h.key_press(Key::Enter);
    settle(&mut h);
    let rois = &h.state().session().rois;
    assert_eq!(rois.len(), 1);
    let mut stored = rois[0].clone();
    stored.id = 0;
    assert_eq!(stored, q.entries[1].proposal.roi);
    let (current, _, slice) = shown(&h);
    assert_eq!(current, Some(2));
    assert_eq!(slice, q.entries[2].proposal.slice);
    // One undo step per accepted proposal: it waits again.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert!(h.state().session().rois.is_empty());
    let q = h.state().protocol_queue().expect("still proposed");
    assert_eq!(
        q.entries[1].status,
        anchorage_app::protocol_queue::Status::Waiting
    );
}

#[test]
fn a_click_on_a_disc_slice_proposes_nothing_and_says_why() {
    let t = truth();
    let (_dir, mut h) = open_with_levels(Vec2::new(1600.0, 1000.0));
    // The middle of the L3/L4 disc.
    let (_, l4_top) = truth_body(&t, "L4");
    let (l3_bottom, _) = truth_body(&t, "L3");
    let z = 0.5 * (l4_top + l3_bottom);
    let volume = h.state().volume().expect("volume");
    let slice = (0..volume.planes.len())
        .min_by(|a, b| {
            (volume.planes[*a].origin_mm[2] - z)
                .abs()
                .total_cmp(&(volume.planes[*b].origin_mm[2] - z).abs())
        })
        .expect("slice");
    go_to_slice(&mut h, slice);
    h.state_mut()
        .handle(Action::Run(anchorage_app::action::CommandId::ToolEllipse));
    settle(&mut h);
    let e = &b_hu_plane(&t, "L3", "mid")["ellipse_px"];
    let p = at(&h, num(e, "cx"), num(e, "cy"));
    click(&mut h, p);
    settle(&mut h);
    assert!(h.state().tools().proposal.is_none());
    let note = h.state().note().unwrap_or_default().to_string();
    assert!(note.contains("disc"), "{note}");
}

#[test]
fn nothing_pushes_the_views_at_1280_by_800() {
    let t = truth();
    let (_dir, mut h) = open_with_levels(Vec2::new(1280.0, 800.0));
    let before = h.state().viewers().rects;
    let native = before[0].expect("native view");
    assert!(
        native.width() >= 420.0 && native.height() >= 380.0,
        "{native:?}"
    );
    let p = l3_centre(&mut h, &t);
    confirm(&mut h, p, Level::L3);
    propose(&mut h);
    assert_eq!(
        h.state().viewers().rects,
        before,
        "the proposals moved the views"
    );
    h.state_mut()
        .handle(Action::Levels(LevelsAction::AcceptAllPassing));
    settle(&mut h);
    assert_eq!(
        h.state().viewers().rects,
        before,
        "accepting moved the views"
    );
}

#[test]
fn an_roi_on_a_disc_is_flagged_in_the_checklist_the_roi_list_and_the_results() {
    let t = truth();
    let (_dir, mut h) = open_with_levels(Vec2::new(1600.0, 1000.0));
    let levels = ct_levels(&h);
    let volume = h.state().volume().expect("volume");
    let series = h
        .state()
        .study()
        .and_then(|st| st.current())
        .expect("series")
        .clone();
    // B-HU mid L3 drawn on the L3/L4 disc's middle slice, where the L3 ellipse would be.
    let disc = levels
        .discs
        .iter()
        .find(|d| d.upper == Some(Level::L3))
        .expect("the L3/L4 disc");
    let slice = disc.slice.expect("disc slice").round() as usize;
    let e = &b_hu_plane(&t, "L3", "mid")["ellipse_px"];
    let target =
        anchorage_core::measure::RoiTarget::of_slice(&series.uid, &volume, slice).expect("target");
    let mut roi = target.ellipse(Role::BHuMid, (num(e, "cx"), num(e, "cy")), 12.0, 9.0, 0.0);
    roi.level = Some(Level::L3);
    h.state_mut().handle(Action::AddRoi(roi));
    settle(&mut h);
    let id = h.state().session().rois[0].id;
    let derived = h.state_mut().derived();
    assert!(
        derived
            .placement
            .iter()
            .any(|i| i.roi_id == id && i.problem.to_string() == "on the disc L3/L4"),
        "{:?}",
        derived.placement
    );
    // The checklist item says why, and so do the ROI list and the results' flags.
    h.get_by_label("[x] B-HU mid L3").scroll_to_me();
    settle(&mut h);
    assert!(
        h.query_by_label(&format!("    misplaced: ROI #{id} on the disc L3/L4"))
            .is_some()
    );
    assert!(
        h.query_by_label("Misplaced: on the disc L3/L4").is_some(),
        "the ROI list"
    );
    let flagged = derived
        .results
        .levels
        .iter()
        .flat_map(|l| l.flags.iter())
        .chain(derived.results.patient.flags.iter())
        .any(|f| f.to_string().contains("on the disc L3/L4"));
    assert!(flagged, "the results carry the misplaced flag");
}
