//! The window's levels parts on what the core is given, not what it finds (issue 20):
//! the truth's levels of the sample, handed to the window as found, are drawn, placed
//! and relabelled; the truth's B-HU ellipses, handed to it as the protocol proposed, are
//! stepped through. A failure here is the window's, whatever the finder does.

mod common;
#[path = "common/levels.rs"]
mod levels_common;

use anchorage_app::App;
use anchorage_app::action::{Action, LevelsAction};
use anchorage_app::levels_paint::slice_place;
use anchorage_core::session::Level;
use common::*;
use egui::{Event, Key, Modifiers, PointerButton};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use levels_common::*;

#[test]
fn the_window_draws_places_and_relabels_the_levels_it_is_given() {
    // Independent of the detection: the truth's levels handed to the window as found.
    let t = truth();
    let (_dir, _study, mut h) = open_sample_copy();
    let levels = truth_levels(&t, &h);
    assert_eq!(levels.bodies.len(), 6, "L1..S1 in the CT");
    h.state_mut()
        .handle(Action::Levels(LevelsAction::Found(Box::new(
            levels.clone(),
        ))));
    settle(&mut h);
    assert_eq!(ct_levels(&h), levels);
    labels_are_the_truths(&levels, &t, 0);
    // The panel lists the bodies; a click shows one.
    h.get_by_label("L5").scroll_to_me();
    settle(&mut h);
    h.get_by_label("L5").click();
    settle(&mut h);
    let volume = h.state().volume().expect("volume");
    let slice = h.state().viewers().slice();
    let (lo, hi) = truth_body(&t, "L5");
    let z = volume.planes[slice].origin_mm[2];
    assert!(z > lo && z < hi, "L5 shown at z {z}");
    let place = slice_place(&levels, &volume, slice).expect("place");
    assert!(
        place.starts_with("L5, ") && place.contains("% below"),
        "{place}"
    );
    // A checklist item at a level without ROIs opens on its plane in that body.
    h.get_by_label("[ ] B-HU inferior L3").scroll_to_me();
    settle(&mut h);
    h.get_by_label("[ ] B-HU inferior L3").click();
    settle(&mut h);
    let slice = h.state().viewers().slice();
    let z = volume.planes[slice].origin_mm[2];
    let (lo, _) = truth_body(&t, "L3");
    assert!(
        z >= lo + 3.0 && z < lo + 3.0 + 2.0 * volume.slice_spacing_mm,
        "inferior plane of L3 at z {z}"
    );
    assert!(
        h.state()
            .note()
            .unwrap_or_default()
            .contains("from the levels found"),
        "{:?}",
        h.state().note()
    );
    // The disc's place.
    let disc = levels.discs[2].slice.expect("disc slice").round() as usize;
    let place = slice_place(&levels, &volume, disc).expect("place");
    assert_eq!(place, "disc L3/L4");
    // A correction from the menu relabels the others; one undo step restores them.
    let p = l3_centre(&mut h, &t);
    confirm(&mut h, p, Level::L2);
    let corrected = ct_levels(&h);
    let names: Vec<String> = corrected
        .bodies
        .iter()
        .map(|b| b.level.map(|l| l.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(names, ["T12", "L1", "L2", "L3", "L4", "L5"]);
    assert!(
        h.state()
            .note()
            .unwrap_or_default()
            .contains("L2 confirmed")
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert_eq!(ct_levels(&h), levels);
    // A right click on a disc offers no label.
    go_to_slice(&mut h, disc);
    let e = &b_hu_plane(&t, "L3", "mid")["ellipse_px"];
    let p = at(&h, num(e, "cx"), num(e, "cy"));
    h.event(Event::PointerMoved(p));
    h.step();
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos: p,
            button: PointerButton::Secondary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    settle(&mut h);
    assert!(h.query_by_label("This is L3").is_none());
    assert!(
        h.query_by_label_contains("disc L3/L4 (no body to label)")
            .is_some()
    );
}

#[test]
fn the_window_steps_through_the_proposals_it_is_given() {
    // Independent of the core's proposals: the truth's ellipses, one made to fail.
    let t = truth();
    let (_dir, _study, mut h) = open_sample_copy();
    let mut proposals = truth_proposals(&t, &h, Level::L3);
    proposals.extend(truth_proposals(&t, &h, Level::L4));
    proposals[4].problems = vec![
        anchorage_core::protocol::placement::PlacementProblem::OnDisc {
            upper: Some(Level::L3),
            lower: Some(Level::L4),
        },
    ];
    h.state_mut().show_protocol(proposals.clone());
    settle(&mut h);
    let shown = |h: &Harness<'_, App>| {
        (
            h.state().protocol_queue().and_then(|q| q.current),
            h.state().tools().proposal.clone(),
            h.state().viewers().slice(),
        )
    };
    assert_eq!(
        shown(&h),
        (Some(0), Some(proposals[0].roi.clone()), proposals[0].slice)
    );
    // The list shows each proposal and its verdict; the failing one says why.
    assert!(
        h.query_by_label_contains("B-HU superior L3 — passes")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("B-HU mid L4 — on the disc L3/L4")
            .is_some()
    );
    let p = at(&h, 5.0, 5.0);
    h.hover_at(p);
    h.step();
    // Esc skips; Enter accepts exactly what is shown and moves on.
    h.key_press(Key::Escape);
    settle(&mut h);
    assert_eq!(
        shown(&h),
        (Some(1), Some(proposals[1].roi.clone()), proposals[1].slice)
    );
    h.key_press(Key::Enter);
    settle(&mut h);
    assert_eq!(h.state().session().rois.len(), 1);
    let mut stored = h.state().session().rois[0].clone();
    stored.id = 0;
    assert_eq!(stored, proposals[1].roi);
    assert_eq!(shown(&h).0, Some(2));
    // Accept all that pass: the rest but the failing one (one undo step), which stays
    // shown with its reason.
    h.get_by_label("Accept all that pass (3)").scroll_to_me();
    settle(&mut h);
    h.get_by_label("Accept all that pass (3)").click();
    settle(&mut h);
    assert_eq!(h.state().session().rois.len(), 4);
    assert_eq!(
        shown(&h),
        (Some(4), Some(proposals[4].roi.clone()), proposals[4].slice)
    );
    assert!(
        h.state()
            .note()
            .unwrap_or_default()
            .contains("fails a check")
    );
    // L3's B-HU items: the planes accepted are done (the superior plane, skipped, is
    // not), with the truth's value below.
    for (label, mark) in [
        ("B-HU superior L3", "[ ]"),
        ("B-HU mid L3", "[x]"),
        ("B-HU inferior L3", "[x]"),
    ] {
        assert!(
            h.query_by_label(&format!("{mark} {label}")).is_some(),
            "{label} should be {mark}"
        );
    }
    let derived = h.state_mut().derived();
    let l3 = derived
        .results
        .levels
        .iter()
        .find(|l| l.level == Level::L3)
        .expect("L3");
    let truth_l3 = t["expected"]["b_hu"]
        .as_array()
        .expect("b_hu")
        .iter()
        .find(|x| x["level"] == "L3")
        .expect("L3")
        .clone();
    let b = l3.b_hu.expect("B-HU L3");
    assert_eq!(l3.b_hu_planes, 2);
    assert!(
        (b - num(&truth_l3, "b_hu")).abs() < 4.5 * 15.0 / 1000f64.sqrt(),
        "B-HU L3 {b}"
    );
    // One undo step takes the three back; they wait again.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert_eq!(h.state().session().rois.len(), 1);
    let c = h.state().protocol_queue().expect("queue").counts();
    assert_eq!((c.accepted, c.waiting, c.skipped), (1, 4, 1));
}
