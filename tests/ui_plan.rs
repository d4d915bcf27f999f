//! The screw planning view (issue 18) driven like a user on the sample: choose a screw
//! from the results, make its plan, drag its tip in a view and read the distances the
//! view shows against the core's measurement of the new plan, undo the whole drag in one
//! step, choose a smaller screw from the template list and see clearance, σH and yield
//! ratio change, scroll the en-face depth with the wheel, export the planning report;
//! and at 1280 × 800 the three views fit in the image area without moving the other
//! panels.

mod common;

use anchorage_app::action::{Action, CommandId};
use anchorage_app::screw_paint::{Handle, dragged_plan};
use anchorage_app::screw_view::{DEPTH_STEP_MM, handle_pos, view_rects};
use anchorage_core::dicom::volume::Volume;
use anchorage_core::plan::{Sampler, ScrewPlan, measure_pedicle, plan_from_trajectory};
use anchorage_core::session::{Level, Role, Side};
use common::*;
use egui::{Event, Modifiers, MouseWheelUnit, Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::sync::Arc;

type H<'a> = Harness<'a, anchorage_app::App>;

/// The loaded CT of the study.
fn ct(h: &H) -> Arc<Volume> {
    let st = h.state().study().expect("study");
    let i = st
        .report
        .as_ref()
        .and_then(|r| r.series.iter().position(|s| s.modality == "CT"))
        .expect("a CT");
    Arc::clone(&st.volumes.get(&i).expect("CT loaded").volume)
}

/// The first screw's plan in the session.
fn plan0(h: &H) -> Option<ScrewPlan> {
    h.state()
        .session()
        .screws
        .first()
        .and_then(|s| s.plan.clone())
}

/// Whether a label with exactly this text is shown.
fn shows(h: &H, text: &str) -> bool {
    h.query_by_label(text).is_some()
}

/// Opens the planning view on L3 L from its results row and makes its plan.
fn plan_l3_left(h: &mut H) -> ScrewPlan {
    h.get_by_label("L3 L (6.5 × 45)").click();
    settle(h);
    assert_eq!(h.state().planning(), Some((Level::L3, Side::L)));
    assert!(plan0(h).is_none(), "the sample's screws have no plan");
    h.get_by_label("Make plan").click();
    settle(h);
    let plan = plan0(h).expect("Make plan made a plan");
    // The plan is the core's, from the screw's ST-HU trajectory.
    let traj = h
        .state()
        .session()
        .rois
        .iter()
        .filter(|r| r.role == Role::StHu && r.level == Some(Level::L3) && r.side == Some(Side::L))
        .max_by_key(|r| r.id)
        .cloned()
        .expect("the trajectory");
    assert_eq!(plan, plan_from_trajectory(&traj).expect("core plan"));
    for _ in 0..4 {
        settle(h);
    }
    plan
}

#[test]
fn drag_the_tip_see_the_distances_undo_in_one_step_change_the_size_and_export_the_report() {
    let (_dir, study, mut h) = open_example(Vec2::new(1600.0, 1000.0));
    let made = plan_l3_left(&mut h);
    let volume = ct(&h);
    let sampler = Sampler::new(&volume).expect("sampler");
    let drawn = h.state().plan_form().drawn.clone();
    assert!(drawn.iter().all(Option::is_some), "all three views drawn");

    // The distances shown for the made plan are the core's.
    let before = measure_pedicle(&sampler, &made, Side::L, 6.5, 45.0).expect("measured");
    assert!(shows(
        &h,
        &format!("Medial {:.2} mm", before.distance_medial_mm)
    ));

    // Drag the tip 40 points to the right in the axial-oblique view.
    let from = handle_pos(h.state().plan_form(), 0, Handle::Tip).expect("tip handle");
    let to = from + Vec2::new(40.0, 0.0);
    let view0 = drawn[0].clone().expect("axial-oblique");
    let expect = dragged_plan(&made, Handle::Tip, view0.patient_at(to), 45.0).expect("plan");
    drag(&mut h, from, to);
    settle(&mut h);
    let moved = plan0(&h).expect("still planned");
    assert_eq!(moved.entry_mm, made.entry_mm, "a tip drag keeps the entry");
    for k in 0..3 {
        assert!(
            (moved.direction[k] - expect.direction[k]).abs() < 1e-6,
            "{:?} vs {:?}",
            moved.direction,
            expect.direction
        );
    }
    let (a0, a1) = (made.angles(Side::L), moved.angles(Side::L));
    assert!(
        (a1.medial_deg - a0.medial_deg).abs() > 3.0,
        "the medial angle changed: {a0:?} → {a1:?}"
    );
    // The shown distances are the core's numbers for the new plan, and they changed.
    let after = measure_pedicle(&sampler, &moved, Side::L, 6.5, 45.0).expect("measured");
    for (name, b, a) in [
        (
            "Medial",
            before.distance_medial_mm,
            after.distance_medial_mm,
        ),
        (
            "Lateral",
            before.distance_lateral_mm,
            after.distance_lateral_mm,
        ),
    ] {
        let text = format!("{name} {a:.2} mm");
        assert!(shows(&h, &text), "{text} is shown");
        assert!((a - b).abs() > 0.05, "{name} changed: {b} → {a}");
    }
    for (name, v) in [
        ("Cranial", after.distance_cranial_mm),
        ("Caudal", after.distance_caudal_mm),
    ] {
        assert!(shows(&h, &format!("{name} {v:.2} mm")), "{name}");
    }
    let grade = if after.breach_grade.is_breach() {
        format!(
            "Breach grade {} ({:.1} mm)",
            after.breach_grade, after.breach_mm
        )
    } else {
        format!("Breach grade {}", after.breach_grade)
    };
    assert!(shows(&h, &grade), "{grade}");

    // One undo restores the plan as it was before the drag; a second removes the plan.
    h.state_mut().handle(Action::Run(CommandId::Undo));
    settle(&mut h);
    assert_eq!(
        plan0(&h),
        Some(made.clone()),
        "one undo step undoes the whole drag"
    );
    assert!(shows(
        &h,
        &format!("Medial {:.2} mm", before.distance_medial_mm)
    ));
    h.state_mut().handle(Action::Run(CommandId::Undo));
    settle(&mut h);
    assert_eq!(plan0(&h), None);
    h.state_mut().handle(Action::Run(CommandId::Redo));
    settle(&mut h);
    assert_eq!(plan0(&h), Some(made.clone()));

    // A 5.5 mm screw from the template list: clearance grows by 1 mm, σH and the yield
    // ratio change, as the pipeline computes them.
    let d0 = h.state_mut().derived();
    let r0 = d0.results.screws.first().expect("screw").clone();
    let c0 = r0.clearance_mm.expect("clearance");
    assert!(shows(&h, &format!("Clearance {c0:.2} mm")));
    h.get_by_label("Screw diameter").click();
    settle(&mut h);
    h.get_by_label("5.5 mm").click();
    settle(&mut h);
    assert_eq!(h.state().session().screws[0].diameter_mm, 5.5);
    let d1 = h.state_mut().derived();
    let r1 = d1.results.screws.first().expect("screw").clone();
    let c1 = r1.clearance_mm.expect("clearance");
    assert!((c1 - c0 - 1.0).abs() < 1e-9, "{c0} → {c1}");
    assert!(shows(&h, &format!("Clearance {c1:.2} mm")));
    let (s0, s1) = (r0.stress.expect("σH"), r1.stress.expect("σH"));
    assert!((s0.sigma_h_mpa - s1.sigma_h_mpa).abs() > 1e-3);
    assert!(shows(&h, &format!("σH {:.1} MPa", s1.sigma_h_mpa)));
    assert!(shows(&h, &format!("Yield ratio {:.3}", s1.yield_ratio)));

    // Export → Report (PDF): the bytes `anchorage report` makes of the same session.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Export")
        .click();
    settle(&mut h);
    h.get_by_label("Report (PDF)").click();
    settle(&mut h);
    let written = match h.state().last_export() {
        Some(Ok(p)) => p.clone(),
        other => panic!("export: {other:?}"),
    };
    let bytes = std::fs::read(&written).expect("the PDF");
    assert!(bytes.starts_with(b"%PDF"));
    let session_path = study.join("anchorage-session.json");
    let saved = anchorage_core::session::Session::load(&session_path).expect("saved session");
    assert_eq!(saved.screws[0].diameter_mm, 5.5, "the change was saved");
    let cli = anchorage_core::report::report_on_disk(
        &saved,
        &session_path,
        &[],
        &anchorage_core::report::ReportOptions::default(),
    )
    .expect("report");
    assert!(
        cli.0.pdf == bytes,
        "the window writes what `anchorage report` writes"
    );
}

#[test]
fn the_wheel_over_the_en_face_view_scrolls_its_depth_from_the_isthmus() {
    let (_dir, _study, mut h) = open_example(Vec2::new(1600.0, 1000.0));
    plan_l3_left(&mut h);
    let d = h.state_mut().derived();
    let isthmus = d.results.screws[0]
        .pedicle
        .as_ref()
        .expect("measured along the plan")
        .isthmus_depth_mm;
    assert_eq!(
        h.state().plan_form().depth_mm,
        None,
        "starts at the isthmus"
    );
    let rect = view_rects(h.state().plan_form())[2].expect("en face drawn");
    let renders = h.state().plan_form().renders();
    h.event(Event::PointerMoved(rect.center()));
    h.step();
    for _ in 0..4 {
        h.event(Event::MouseWheel {
            unit: MouseWheelUnit::Line,
            delta: Vec2::new(0.0, -1.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        });
        h.step();
        h.step();
    }
    settle(&mut h);
    let depth = h.state().plan_form().depth_mm.expect("scrolled");
    assert!(
        (depth - (isthmus + 4.0 * DEPTH_STEP_MM)).abs() < 1e-9,
        "{isthmus} + 4 notches → {depth}"
    );
    let now = h.state().plan_form().renders();
    assert!(now[2] > renders[2], "the en-face view was rendered again");
    assert_eq!(now[0], renders[0], "the oblique views were not");
}

#[test]
fn at_1280_by_800_the_three_views_fit_the_image_area_and_the_other_panels_stay() {
    let (_dir, _study, mut h) = open_example(Vec2::new(1280.0, 800.0));
    let image_area = h
        .state()
        .viewers()
        .rects
        .iter()
        .flatten()
        .fold(Rect::NOTHING, |a, r| a.union(*r));
    let fixed = |h: &H| {
        [
            h.get_by_label("L3 L (6.5 × 45)").rect(),
            h.get_all_by_label("Protocol")
                .next()
                .expect("Protocol")
                .rect(),
            h.get_by_label("Results").rect(),
        ]
    };
    let before = fixed(&h);
    plan_l3_left(&mut h);
    assert_eq!(
        fixed(&h),
        before,
        "opening the planning view moved another panel"
    );
    let rects = view_rects(h.state().plan_form());
    let rects: Vec<Rect> = rects.iter().map(|r| r.expect("drawn")).collect();
    for (i, r) in rects.iter().enumerate() {
        assert!(r.width() >= 150.0, "view {i} is only {:?}", r.size());
        assert!(
            (r.width() - r.height()).abs() < 1.0,
            "square: {:?}",
            r.size()
        );
        assert!(
            image_area.expand(4.0).contains_rect(*r),
            "view {i} {r:?} outside the image area {image_area:?}"
        );
    }
    for i in 0..3 {
        for j in i + 1..3 {
            assert!(
                !rects[i].intersects(rects[j].shrink(0.5)),
                "views {i} and {j} overlap"
            );
        }
    }
    // Closing goes back to the image views, where they were.
    h.get_by_label("Close").click();
    settle(&mut h);
    assert_eq!(h.state().planning(), None);
}

#[test]
fn a_tip_dragged_up_in_the_sagittal_view_points_cranially_and_typed_angles_and_sizes_stick() {
    let (dir, _study, mut h) = open_example(Vec2::new(1600.0, 1000.0));
    let made = plan_l3_left(&mut h);
    assert!(
        made.angles(Side::L).craniocaudal_deg.abs() < 1e-9,
        "the sample's plans are axial"
    );
    // Up in the sagittal-oblique view is cranial: the tip rises, the entry stays.
    let from = handle_pos(h.state().plan_form(), 1, Handle::Tip).expect("tip handle");
    drag(&mut h, from, from - Vec2::new(0.0, 30.0));
    settle(&mut h);
    let up = plan0(&h).expect("planned");
    assert_eq!(up.entry_mm, made.entry_mm);
    let a = up.angles(Side::L);
    assert!(a.craniocaudal_deg > 3.0, "{a:?}");
    assert!(
        (a.medial_deg - made.angles(Side::L).medial_deg).abs() < 0.5,
        "{a:?}"
    );
    // Dragging the entry keeps the tip on the axis.
    let tip = up.tip_mm(45.0);
    let from = handle_pos(h.state().plan_form(), 0, Handle::Entry).expect("entry handle");
    drag(&mut h, from, from + Vec2::new(12.0, 0.0));
    settle(&mut h);
    let moved = plan0(&h).expect("planned");
    assert_ne!(moved.entry_mm, up.entry_mm);
    assert!(moved.distance_from_axis_mm(tip) < 1e-6);

    // Typed angles: the medial angle typed in its field.
    h.get_by_label("Medial angle").click();
    settle(&mut h);
    // A click on a DragValue edits it as text: select all, type, Enter.
    h.event(Event::Key {
        key: egui::Key::A,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::COMMAND,
    });
    h.get_by_label("Medial angle").type_text("17");
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    let typed = plan0(&h).expect("planned").angles(Side::L);
    assert!((typed.medial_deg - 17.0).abs() < 1e-9, "{typed:?}");
    assert!((typed.craniocaudal_deg - moved.angles(Side::L).craniocaudal_deg).abs() < 1e-9);

    // The template list edited in the view is kept in the settings and offered.
    h.get_by_label("Screw sizes (templates)").click();
    settle(&mut h);
    let field = h.get_by_label("Template diameters");
    field.click();
    h.step();
    h.event(Event::Key {
        key: egui::Key::A,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::COMMAND,
    });
    h.step();
    h.get_by_label("Template diameters").type_text("7.25, 5.25");
    settle(&mut h);
    h.get_by_label("Keep these sizes").click();
    settle(&mut h);
    assert_eq!(h.state().screw_templates().diameters_mm, vec![5.25, 7.25]);
    let state = dir.path().join("config").join("state.json");
    let text = std::fs::read_to_string(&state).expect("state.json");
    assert!(text.contains("7.25"), "{text}");
    h.get_by_label("Screw diameter").click();
    settle(&mut h);
    h.get_by_label("7.25 mm").click();
    settle(&mut h);
    assert_eq!(h.state().session().screws[0].diameter_mm, 7.25);
}

/// While the tip is being dragged (the button still held), the values follow the drag:
/// the distances and the clearance shown are the core's for the draft plan, not the
/// stored one's; nothing is stored until the release, which stores the draft.
#[test]
fn values_follow_the_tip_during_the_drag() {
    let (_dir, _study, mut h) = open_example(Vec2::new(1600.0, 1000.0));
    let made = plan_l3_left(&mut h);
    let volume = ct(&h);
    let sampler = Sampler::new(&volume).expect("sampler");
    let before = measure_pedicle(&sampler, &made, Side::L, 6.5, 45.0).expect("measured");
    let from = handle_pos(h.state().plan_form(), 0, Handle::Tip).expect("tip handle");
    let to = from + Vec2::new(40.0, 0.0);
    let view0 = h.state().plan_form().drawn[0]
        .clone()
        .expect("axial-oblique");
    h.event(Event::PointerMoved(from));
    h.event(Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    for k in 1..=8 {
        h.event(Event::PointerMoved(from + (to - from) * (k as f32 / 8.0)));
        h.step();
    }
    h.step();
    // Still held: the session keeps the made plan, the values show the draft's.
    assert_eq!(
        plan0(&h),
        Some(made.clone()),
        "nothing stored during the drag"
    );
    let draft = dragged_plan(&made, Handle::Tip, view0.patient_at(to), 45.0).expect("plan");
    let live = measure_pedicle(&sampler, &draft, Side::L, 6.5, 45.0).expect("measured");
    for (name, b, a) in [
        ("Medial", before.distance_medial_mm, live.distance_medial_mm),
        (
            "Lateral",
            before.distance_lateral_mm,
            live.distance_lateral_mm,
        ),
    ] {
        assert!(
            (a - b).abs() > 0.05,
            "{name} changes with the drag: {b} → {a}"
        );
        let text = format!("{name} {a:.2} mm");
        assert!(shows(&h, &text), "{text} is shown during the drag");
    }
    h.event(Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    settle(&mut h);
    let stored = plan0(&h).expect("planned");
    for k in 0..3 {
        assert!((stored.direction[k] - draft.direction[k]).abs() < 1e-6);
    }
    assert!(shows(
        &h,
        &format!("Medial {:.2} mm", live.distance_medial_mm)
    ));
}
