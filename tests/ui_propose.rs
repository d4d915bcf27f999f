//! Quick placement and editing in the window (egui_kittest), on the sample phantom: a click
//! with the ellipse tool proposes the largest ellipse in the cancellous bone, which the user
//! adjusts by its handles and accepts with Enter (only then is it a measurement, and its
//! statistics are those of what was accepted); a drawn caliper makes the ST-HU item propose
//! the trajectory along the pedicle axis; a number dragged in the patient panel is one
//! undo step.

mod common;

use anchorage_app::action;
use anchorage_core::geometry::{dot, norm, sub};
use anchorage_core::measure::measure_roi;
use anchorage_core::session::{Level, Role, Side};
use common::*;
use egui::{Key, Modifiers, Vec2};
use egui_kittest::kittest::Queryable;

fn choose(h: &mut egui_kittest::Harness<'_, anchorage_app::App>, item: action::Item) {
    let label = format!("[ ] {}", item.label());
    h.get_by_label(&label).scroll_to_me();
    settle(h);
    h.get_by_label(&label).click();
    settle(h);
    let want = item.role.modality().expect("modality");
    wait_for(h, "the item's series", |a| {
        a.study()
            .and_then(|s| s.current())
            .is_some_and(|s| s.modality == want)
            && a.volume().is_some()
    });
}

#[test]
fn a_click_proposes_the_ellipse_which_is_adjusted_then_accepted() {
    let (_dir, _study, mut h) = open_sample_copy();
    let t = truth();
    let item = action::Item {
        role: Role::BHuMid,
        level: Level::L3,
        side: None,
    };
    choose(&mut h, item);
    let b = b_hu_plane(&t, "L3", "mid");
    let slice = b["slice"]["slice_index"].as_u64().expect("slice") as usize;
    go_to_slice(&mut h, slice);
    let e = &b["ellipse_px"];
    let p = at(&h, num(e, "cx") + 2.0, num(e, "cy") - 1.0);
    click(&mut h, p);
    settle(&mut h);
    let proposal = h
        .state()
        .tools()
        .proposal
        .clone()
        .expect("an ellipse is proposed");
    assert!(h.state().session().rois.is_empty(), "not a measurement yet");
    assert_eq!(
        (proposal.role, proposal.level),
        (Role::BHuMid, Some(Level::L3))
    );
    assert!(h.query_by_label_contains("Proposal: Ellipse").is_some());
    let volume = h.state().volume().expect("volume");
    let m = measure_roi(&proposal, &volume).expect("measurable");
    let stats = m.stats.expect("stats");
    // The largest ellipse in the body: at least the truth's axis-aligned one, only bone.
    assert!(
        stats.n as f64 >= num(&b["expected"], "n"),
        "{} pixels",
        stats.n
    );
    let mean = stats.mean.expect("mean");
    assert!(
        (mean - 140.0).abs() < 4.5 * 15.0 / (stats.n as f64).sqrt(),
        "{mean}"
    );
    assert!(
        h.query_all_by_label_contains(&format!("mean {mean:.1} ± "))
            .next()
            .is_some(),
        "the proposal's statistics are shown"
    );

    // Drag its first axis end 10 points towards the centre: still a proposal, smaller.
    let plane = volume.planes[slice];
    let (c0, r0, _) = plane.patient_to_pixel(proposal.points_mm[0]);
    let (c1, r1, _) = plane.patient_to_pixel(proposal.points_mm[1]);
    let (from, centre) = (at(&h, c1, r1), at(&h, c0, r0));
    let to = from + (centre - from).normalized() * 10.0;
    drag(&mut h, from, to);
    let edited = h.state().tools().proposal.clone().expect("still proposed");
    assert_ne!(edited, proposal, "the handle moved it");
    assert!(h.state().session().rois.is_empty());
    let n_edited = measure_roi(&edited, &volume)
        .expect("m")
        .stats
        .expect("s")
        .n;
    assert!(n_edited < stats.n);

    // Enter keeps it: the measurement is exactly what was accepted.
    h.key_press(Key::Enter);
    settle(&mut h);
    let s = h.state().session();
    assert_eq!(s.rois.len(), 1);
    let mut stored = s.rois[0].clone();
    assert!(item.done_by(s).is_some(), "the checklist item is done");
    stored.id = 0;
    assert_eq!(stored, edited);
    assert!(h.state().tools().proposal.is_none());
    // One undo step removes it.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert!(h.state().session().rois.is_empty());

    // Esc discards a proposal and keeps the tool.
    click(&mut h, p);
    assert!(h.state().tools().proposal.is_some());
    h.key_press(Key::Escape);
    settle(&mut h);
    assert!(h.state().tools().proposal.is_none());
    assert!(h.state().session().rois.is_empty());
    click(&mut h, p);
    assert!(
        h.state().tools().proposal.is_some(),
        "the ellipse tool is still on"
    );
}

#[test]
fn the_caliper_proposes_the_trajectory() {
    let (_dir, _study, mut h) = open_sample_copy();
    let t = truth();
    h.get_by_label("Plan L4–L5 (4 screws)").click();
    settle(&mut h);
    let caliper = t["ct_rois"]["calipers"]
        .as_array()
        .expect("calipers")
        .iter()
        .find(|x| x["level"] == "L4" && x["side"] == "L")
        .expect("truth caliper")
        .clone();
    choose(
        &mut h,
        action::Item {
            role: Role::PedicleThickness,
            level: Level::L4,
            side: Some(Side::L),
        },
    );
    let slice = caliper["slice"]["slice_index"].as_u64().expect("slice") as usize;
    go_to_slice(&mut h, slice);
    let (a, b) = (&caliper["start_px"], &caliper["end_px"]);
    let f = |v: &serde_json::Value| v.as_f64().expect("number");
    let (from, to) = (at(&h, f(&a[0]), f(&a[1])), at(&h, f(&b[0]), f(&b[1])));
    drag(&mut h, from, to);
    assert_eq!(h.state().session().rois.len(), 1);
    let item = action::Item {
        role: Role::StHu,
        level: Level::L4,
        side: Some(Side::L),
    };
    choose(&mut h, item);
    let p = h
        .state()
        .tools()
        .proposal
        .clone()
        .expect("the trajectory is proposed from the caliper");
    assert_eq!(
        (p.role, p.level, p.side),
        (Role::StHu, Some(Level::L4), Some(Side::L))
    );
    assert_eq!(p.width_mm, Some(6.5), "the planned screw's diameter");
    let axis = t["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .find(|l| l["level"] == "L4")
        .and_then(|l| {
            l["pedicles"]
                .as_array()
                .and_then(|ps| ps.iter().find(|x| x["side"] == "L").cloned())
        })
        .expect("pedicle")["axis_direction"]
        .clone();
    let axis = [f(&axis[0]), f(&axis[1]), f(&axis[2])];
    let d = sub(p.points_mm[1], p.points_mm[0]);
    let angle = (dot(d, axis) / norm(d))
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees();
    // The caliper was drawn through the screen (pixel rounding of the drag): within 2°.
    assert!(angle < 2.0, "{angle}° off the pedicle axis");
    assert!((norm(d) - 45.0).abs() < 1e-6, "the planned length");
    assert!(h.query_by_label_contains("Proposal: Trajectory").is_some());
    h.key_press(Key::Enter);
    settle(&mut h);
    assert!(item.done_by(h.state().session()).is_some());
}

#[test]
fn a_dragged_number_is_one_undo_step() {
    let (_dir, _study, mut h) = open_sample_copy();
    h.get_by_label("Age").click();
    settle(&mut h);
    assert_eq!(h.state().session().patient.age_years, Some(60.0));
    let field = h.get_by_label("Age in years").rect().center();
    drag(&mut h, field, field + Vec2::new(60.0, 0.0));
    let age = h.state().session().patient.age_years.expect("age");
    assert!(age > 65.0, "the drag changed the age: {age}");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert_eq!(
        h.state().session().patient.age_years,
        Some(60.0),
        "one undo takes back the whole drag"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    settle(&mut h);
    assert_eq!(h.state().session().patient.age_years, None);
}

#[test]
fn an_item_at_a_level_without_rois_opens_near_that_level() {
    let (_dir, _study, mut h) = open_sample_copy();
    let t = truth();
    // Screws at L4 and L5: the checklist asks for B-HU at L3 (the reference), L4 and L5.
    h.get_by_label("Plan L4–L5 (4 screws)").click();
    settle(&mut h);
    let plane = |level: &str| b_hu_plane(&t, level, "mid");
    // Place L3's mid-body ellipse by a click and Enter.
    let l3 = action::Item {
        role: Role::BHuMid,
        level: Level::L3,
        side: None,
    };
    choose(&mut h, l3);
    let b = plane("L3");
    go_to_slice(
        &mut h,
        b["slice"]["slice_index"].as_u64().expect("slice") as usize,
    );
    let e = &b["ellipse_px"];
    let p = at(&h, num(e, "cx"), num(e, "cy"));
    click(&mut h, p);
    settle(&mut h);
    h.key_press(Key::Enter);
    settle(&mut h);
    assert!(l3.done_by(h.state().session()).is_some());
    // L5 has no ROI: choosing its item shows the slice two usual spacings below L3's.
    let l5 = action::Item {
        level: Level::L5,
        ..l3
    };
    choose(&mut h, l5);
    let shown = h.state().viewers().point[0];
    let truth_l5 = plane("L5")["slice"]["slice_index"].as_u64().expect("slice") as usize;
    // 5 mm at the CT's 0.7 mm slice spacing.
    assert!(
        shown.abs_diff(truth_l5) <= 7,
        "shown slice {shown}, L5's mid plane is slice {truth_l5}"
    );
    assert!(
        h.query_by_label_contains("L5 has no ROI yet: showing slice")
            .is_some(),
        "the estimate is announced"
    );
}
