//! `anchorage_core::measure::level_guess` on the bundled phantom: the slice it estimates for a level
//! with no ROI, from the example session's ROIs at other levels, against the phantom's
//! ground truth (the z of each level's B-HU planes).

mod common;

use anchorage_core::dicom::series::{Series, scan};
use anchorage_core::measure::level_guess::{LEVEL_SPACING_MM, guess_slice};
use anchorage_core::session::{Level, Roi, Role, Session, Side};
use common::{b_hu_plane, sample, truth};

fn series(dir: &str) -> Series {
    let report = scan(&sample().join(dir)).expect("the sample scans");
    report.series.first().expect("one series").clone()
}

fn session() -> Session {
    Session::load(&sample().join("example-session.json")).expect("the example session loads")
}

/// The truth's z of the B-HU plane `plane` ("superior", "mid", "inferior") of `level`.
fn truth_z(level: &str, plane: &str) -> f64 {
    b_hu_plane(&truth(), level, plane)["slice_z_mm"]
        .as_f64()
        .expect("slice_z_mm")
}

/// The session's ROIs of `role` at `levels`.
fn rois(s: &Session, role: Role, levels: &[Level]) -> Vec<Roi> {
    s.rois
        .iter()
        .filter(|r| r.role == role && r.level.is_some_and(|l| levels.contains(&l)))
        .cloned()
        .collect()
}

/// The z of slice `k` of an axial series (its origin's z).
fn slice_z(series: &Series, k: usize) -> f64 {
    series.slices[k].plane.origin_mm[2]
}

#[test]
fn b_hu_levels_are_found_from_two_known_levels_within_5_mm() {
    let ct = series("ct");
    let s = session();
    let known = rois(&s, Role::BHuMid, &[Level::L3, Level::L4]);
    assert_eq!(known.len(), 2);
    for want in [Level::L1, Level::L2, Level::L5, Level::S1] {
        let g = guess_slice(&ct, &known, want, Role::BHuMid, None).expect("a guess");
        assert!(g.fitted, "{want}: two levels give a fitted spacing");
        assert_eq!(g.from, vec![Level::L3, Level::L4]);
        let spacing = g.spacing_mm.expect("axial spacing");
        // The distance between the two known ROIs' slices (the truth's mid planes).
        let known_mm = truth_z("L3", "mid") - truth_z("L4", "mid");
        assert!(
            (spacing - known_mm).abs() < 0.01,
            "{want}: spacing {spacing}, the known mid planes are {known_mm} mm apart"
        );
        let z = slice_z(&ct, g.slice);
        let truth = truth_z(want.as_str(), "mid");
        assert!(
            (z - truth).abs() <= 5.0,
            "{want}: slice {} at z {z:.2}, truth {truth}",
            g.slice
        );
        assert!(!g.outside);
    }
}

#[test]
fn one_known_level_steps_by_the_usual_spacing() {
    let ct = series("ct");
    let s = session();
    let known = rois(&s, Role::BHuSuperior, &[Level::L3]);
    for want in [Level::L2, Level::L4, Level::S1] {
        let g = guess_slice(&ct, &known, want, Role::BHuSuperior, None).expect("a guess");
        assert!(!g.fitted);
        assert_eq!(g.spacing_mm, Some(LEVEL_SPACING_MM));
        let z = slice_z(&ct, g.slice);
        let truth = truth_z(want.as_str(), "superior");
        assert!((z - truth).abs() <= 5.0, "{want}: z {z:.2}, truth {truth}");
    }
}

#[test]
fn rois_of_the_wanted_role_come_first_and_a_level_past_the_scan_is_flagged() {
    let ct = series("ct");
    let s = session();
    // Inferior-plane B-HU at L3 and L4, plus every ST-HU trajectory and caliper: the
    // inferior plane of L2 is estimated from the inferior planes alone.
    let mut known = rois(&s, Role::BHuInferior, &[Level::L3, Level::L4]);
    known.extend(rois(&s, Role::StHu, &[Level::L3, Level::L4]));
    known.extend(rois(&s, Role::PedicleThickness, &[Level::L3, Level::L4]));
    let g = guess_slice(&ct, &known, Level::L2, Role::BHuInferior, None).expect("a guess");
    let z = slice_z(&ct, g.slice);
    assert!((z - truth_z("L2", "inferior")).abs() <= 5.0, "z {z}");
    // T10 is five levels above L3: far above the phantom's field.
    let g = guess_slice(&ct, &known, Level::T10, Role::BHuInferior, None).expect("a guess");
    assert!(g.outside, "{g:?}");
    let top = (0..ct.slices.len())
        .max_by(|a, b| slice_z(&ct, *a).total_cmp(&slice_z(&ct, *b)))
        .unwrap();
    assert_eq!(g.slice, top, "the nearest end of the series");
}

#[test]
fn a_fit_that_is_no_spine_falls_back_to_the_usual_spacing() {
    let ct = series("ct");
    let s = session();
    // Claim the L3 mid-plane ellipse was L4's too: two levels at the same height.
    let l3 = rois(&s, Role::BHuMid, &[Level::L3]).remove(0);
    let mut twin = l3.clone();
    twin.id = 999;
    twin.level = Some(Level::L4);
    let g = guess_slice(&ct, &[l3, twin], Level::L2, Role::BHuMid, None).expect("a guess");
    assert!(!g.fitted);
    assert_eq!(g.spacing_mm, Some(LEVEL_SPACING_MM));
}

#[test]
fn on_the_sagittal_mr_the_same_sides_pedicle_slice_is_shown() {
    let mr = series("mr");
    let s = session();
    let known = rois(&s, Role::PedicleSi, &[Level::L3, Level::L4]);
    for side in [Side::L, Side::R] {
        let g = guess_slice(&mr, &known, Level::L2, Role::PedicleSi, Some(side)).expect("a guess");
        let l3 = known
            .iter()
            .find(|r| r.level == Some(Level::L3) && r.side == Some(side))
            .unwrap();
        assert_eq!(
            mr.slices[g.slice].sop_instance_uid, l3.sop_instance_uid,
            "{side}"
        );
        assert_eq!(g.from, vec![Level::L3]);
        assert_eq!(g.spacing_mm, None);
    }
    // The two sides are on different slices, so the side mattered.
    let left = guess_slice(&mr, &known, Level::L2, Role::PedicleSi, Some(Side::L)).unwrap();
    let right = guess_slice(&mr, &known, Level::L2, Role::PedicleSi, Some(Side::R)).unwrap();
    assert_ne!(left.slice, right.slice);
}

#[test]
fn nothing_to_estimate_from_gives_none() {
    let ct = series("ct");
    let s = session();
    assert_eq!(guess_slice(&ct, &[], Level::L2, Role::BHuMid, None), None);
    // ROIs only at the wanted level, or on another series, do not count.
    let at_l2 = rois(&s, Role::BHuMid, &[Level::L2]);
    assert_eq!(
        guess_slice(&ct, &at_l2, Level::L2, Role::BHuMid, None),
        None
    );
    let mr = series("mr");
    let ct_rois = rois(&s, Role::BHuMid, &[Level::L3]);
    assert_eq!(
        guess_slice(&mr, &ct_rois, Level::L2, Role::BHuMid, None),
        None
    );
}
