//! Helpers of the window's levels tests (`ui_levels.rs`, `ui_levels_given.rs`): the
//! truth's bodies and levels of the sample CT, its B-HU ellipses as protocol proposals,
//! the CT's levels in the session, and the right click that confirms a level.

#![allow(dead_code)]

use anchorage_app::App;
use anchorage_core::levels::{LabelSource, Levels};
use anchorage_core::session::{Level, Role};
use egui::{Event, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use serde_json::Value;

use crate::common::*;

/// The truth's body of `level`: (inferior z, superior z), mm.
pub fn truth_body(t: &Value, level: &str) -> (f64, f64) {
    let l = t["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .find(|l| l["level"] == level)
        .unwrap_or_else(|| panic!("no truth for {level}"));
    (
        num(&l["body"], "z_inferior_mm"),
        num(&l["body"], "z_superior_mm"),
    )
}

/// The levels of the shown CT, once found.
pub fn ct_levels(h: &Harness<'_, App>) -> Levels {
    let s = h.state();
    let uid = &s.study().and_then(|st| st.current()).expect("series").uid;
    s.session()
        .levels
        .iter()
        .find(|l| &l.series_uid == uid)
        .cloned()
        .expect("the CT's levels are in the session")
}

/// Opens a copy of the sample and waits for the CT's levels.
pub fn open_with_levels<'a>(size: Vec2) -> (tempfile::TempDir, Harness<'a, App>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    copy_sample(&study);
    let mut h = harness_sized(&dir.path().join("config"), &study, size);
    wait_for(&mut h, "the levels", |a| {
        a.volume().is_some() && !a.is_busy() && !a.session().levels.is_empty()
    });
    settle(&mut h);
    (dir, h)
}

/// Every body's label is the truth's: its centre lies in the truth's body of that label.
pub fn labels_are_the_truths(levels: &Levels, t: &Value, shift: usize) {
    for b in &levels.bodies {
        let label = b.level.expect("every body is labelled");
        let k = Level::ALL.iter().position(|l| *l == label).expect("level");
        let truth_label = Level::ALL[k - shift];
        let (lo, hi) = truth_body(t, truth_label.as_str());
        let z = b.centre_mm[2];
        assert!(
            z > lo && z < hi,
            "the body labelled {label} (z {z:.1}) is not the truth's {truth_label} ({lo}..{hi})"
        );
    }
}

/// A right click at `p`, then a click on the menu's "This is LEVEL".
pub fn confirm(h: &mut Harness<'_, App>, p: Pos2, level: Level) {
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
    settle(h);
    h.get_by_label(&format!("This is {level}")).click();
    settle(h);
}

/// The screen point of the middle of the L3 body on the axial view: its truth centre.
pub fn l3_centre(h: &mut Harness<'_, App>, t: &Value) -> Pos2 {
    let b = b_hu_plane(t, "L3", "mid");
    let slice = b["slice"]["slice_index"].as_u64().expect("slice") as usize;
    go_to_slice(h, slice);
    let e = &b["ellipse_px"];
    at(h, num(e, "cx"), num(e, "cy"))
}

/// The truth's levels of the sample CT, as the core's type: the bodies in the CT
/// (cranial to caudal), their discs, labelled from the sacrum.
pub fn truth_levels(t: &Value, h: &Harness<'_, App>) -> Levels {
    use anchorage_core::levels::{FoundBody, FoundDisc, SpineAxis};
    let s = h.state();
    let series = s
        .study()
        .and_then(|st| st.current())
        .expect("series")
        .clone();
    let volume = s.volume().expect("volume");
    let z0 = volume.planes[0].origin_mm[2];
    let dz = volume.slice_spacing_mm;
    let zmax = volume.planes[volume.planes.len() - 1].origin_mm[2];
    let mut bodies: Vec<FoundBody> = t["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .filter(|l| {
            let z = num(&l["body"], "z_superior_mm");
            z < zmax
        })
        .map(|l| {
            let c = &l["body"]["centre_mm"];
            let f = |k: usize| c[k].as_f64().expect("centre");
            let (sup, inf) = (
                num(&l["body"], "z_superior_mm"),
                num(&l["body"], "z_inferior_mm"),
            );
            FoundBody {
                level: None,
                superior_mm: sup,
                inferior_mm: inf,
                superior_slice: Some((sup - z0) / dz),
                inferior_slice: Some((inf - z0) / dz),
                centre_mm: [f(0), f(1), f(2)],
                outline_mm: Vec::new(),
                confidence: 1.0,
            }
        })
        .collect();
    bodies.sort_by(|a, b| b.superior_mm.total_cmp(&a.superior_mm));
    let discs = bodies
        .windows(2)
        .map(|w| {
            let z = 0.5 * (w[0].inferior_mm + w[1].superior_mm);
            FoundDisc {
                upper: None,
                lower: None,
                superior_mm: w[0].inferior_mm,
                inferior_mm: w[1].superior_mm,
                centre_mm: [0.0, 0.0, z],
                slice: Some((z - z0) / dz),
            }
        })
        .collect();
    let mut levels = Levels {
        series_uid: series.uid.clone(),
        frame_of_reference_uid: series.frame_of_reference_uid.clone(),
        modality: series.modality.clone(),
        axis: SpineAxis {
            origin_mm: [0.0, 0.0, 0.0],
            direction: [0.0, 0.0, 1.0],
        },
        bodies,
        discs,
        sacrum_found: true,
        labelled_by: LabelSource::Unlabelled,
    };
    anchorage_core::levels::label::from_sacrum(&mut levels);
    levels
}

/// The truth's B-HU ellipses of `level` as protocol proposals on the sample CT (the
/// proposals a perfect core would make), each on its truth slice.
pub fn truth_proposals(
    t: &Value,
    h: &Harness<'_, App>,
    level: Level,
) -> Vec<anchorage_core::levels::ProtocolProposal> {
    let series = h
        .state()
        .study()
        .and_then(|st| st.current())
        .expect("series")
        .clone();
    let v = |x: &Value| -> [f64; 3] {
        [
            x[0].as_f64().expect("x"),
            x[1].as_f64().expect("y"),
            x[2].as_f64().expect("z"),
        ]
    };
    [
        (Role::BHuSuperior, "superior"),
        (Role::BHuMid, "mid"),
        (Role::BHuInferior, "inferior"),
    ]
    .into_iter()
    .map(|(role, plane)| {
        let b = b_hu_plane(t, level.as_str(), plane);
        let e = &b["ellipse_mm"];
        anchorage_core::levels::ProtocolProposal {
            roi: anchorage_core::session::Roi {
                id: 0,
                kind: anchorage_core::session::RoiKind::Ellipse,
                role,
                level: Some(level),
                side: None,
                series_uid: series.uid.clone(),
                sop_instance_uid: b["slice"]["sop_instance_uid"]
                    .as_str()
                    .expect("uid")
                    .to_string(),
                frame: 0,
                points_mm: vec![v(&e["centre_mm"]), v(&e["rx_end_mm"]), v(&e["ry_end_mm"])],
                width_mm: None,
                note: String::new(),
            },
            slice: b["slice"]["slice_index"].as_u64().expect("slice") as usize,
            stats: None,
            problems: Vec::new(),
        }
    })
    .collect()
}
