//! Unit tests of the parent module.

use super::*;
use crate::session::Role;
use std::f64::consts::{FRAC_PI_2, FRAC_PI_6};

/// A tilted plane with anisotropic pixels: columns run along (0.6, 0.8, 0) 0.7 mm
/// apart, rows along (0, 0, −1) 0.5 mm apart.
fn tilted() -> ImagePlane {
    ImagePlane {
        origin_mm: [10.0, -20.0, 30.0],
        row_dir: [0.6, 0.8, 0.0],
        col_dir: [0.0, 0.0, -1.0],
        row_spacing_mm: 0.5,
        col_spacing_mm: 0.7,
    }
}

/// An axial plane whose conversions are exact in binary (spacings are powers of two),
/// for tests at a boundary.
fn exact() -> ImagePlane {
    ImagePlane {
        origin_mm: [-64.0, 32.0, 8.0],
        row_dir: [1.0, 0.0, 0.0],
        col_dir: [0.0, 1.0, 0.0],
        row_spacing_mm: 0.25,
        col_spacing_mm: 0.5,
    }
}

fn roi(plane: &ImagePlane, kind: RoiKind, pts: &[PlaneMm], width_mm: Option<f64>) -> Roi {
    Roi {
        id: 7,
        kind,
        role: Role::Free,
        level: None,
        side: None,
        series_uid: "1.2".into(),
        sop_instance_uid: "1.2.3".into(),
        frame: 0,
        points_mm: pts.iter().map(|q| mm_to_patient(plane, *q)).collect(),
        width_mm,
        note: String::new(),
    }
}

fn pts(r: &Roi, plane: &ImagePlane) -> Vec<PlaneMm> {
    points_in_plane(r, plane).unwrap()
}

fn assert_points(got: &[PlaneMm], want: &[PlaneMm]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g[0] - w[0]).abs() < 1e-9 && (g[1] - w[1]).abs() < 1e-9,
            "{got:?} vs {want:?}"
        );
    }
}

fn assert_close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
}

/// Ellipse centre (10, 20), first semi-axis 5 mm along +column, second 3 mm along +row.
fn ellipse(plane: &ImagePlane) -> Roi {
    roi(
        plane,
        RoiKind::Ellipse,
        &[[10.0, 20.0], [15.0, 20.0], [10.0, 23.0]],
        None,
    )
}

#[test]
fn pixel_millimetre_and_patient_round_trips() {
    let plane = tilted();
    // Pixel (10, 4): 10 × 0.7 = 7 mm along the columns, 4 × 0.5 = 2 mm along the rows.
    let q = pixel_to_mm(&plane, 10.0, 4.0);
    assert_points(&[q], &[[7.0, 2.0]]);
    let (c, r) = mm_to_pixel(&plane, q);
    assert_close(c, 10.0);
    assert_close(r, 4.0);
    // Its patient point: origin + 7·(0.6, 0.8, 0) + 2·(0, 0, −1).
    let p = mm_to_patient(&plane, q);
    for (got, want) in p.iter().zip([14.2, -14.4, 28.0]) {
        assert_close(*got, want);
    }
    let (back, d) = patient_to_mm(&plane, p);
    assert_points(&[back], &[[7.0, 2.0]]);
    assert_close(d, 0.0);
    // 3 mm along the normal (−0.8, 0.6, 0): the same plane point, 3 mm off the plane.
    let (back, d) = patient_to_mm(&plane, [14.2 - 2.4, -14.4 + 1.8, 28.0]);
    assert_points(&[back], &[[7.0, 2.0]]);
    assert_close(d, 3.0);
}

#[test]
fn ellipse_points_and_parameters_round_trip() {
    let e = EllipsePx {
        cx: 10.0,
        cy: 20.0,
        rx: 5.0,
        ry: 3.0,
        angle_rad: FRAC_PI_6,
    };
    // cos 30° = √3/2, sin 30° = 1/2.
    let h = 3f64.sqrt() / 2.0;
    let [c, a, b] = ellipse_points(&e).unwrap();
    assert_points(
        &[c, a, b],
        &[[10.0, 20.0], [10.0 + 5.0 * h, 22.5], [8.5, 20.0 + 3.0 * h]],
    );
    let back = ellipse_from_points(c, a, b);
    for (got, want) in [
        (back.cx, 10.0),
        (back.cy, 20.0),
        (back.rx, 5.0),
        (back.ry, 3.0),
        (back.angle_rad, FRAC_PI_6),
    ] {
        assert_close(got, want);
    }
}

#[test]
fn handles_of_each_kind() {
    let plane = tilted();
    assert_points(
        &handles(&ellipse(&plane), &plane).unwrap(),
        &[
            [10.0, 20.0],
            [15.0, 20.0],
            [5.0, 20.0],
            [10.0, 23.0],
            [10.0, 17.0],
        ],
    );
    let t = roi(
        &plane,
        RoiKind::Trajectory,
        &[[0.0, 0.0], [10.0, 0.0]],
        Some(4.0),
    );
    // The width handle: the middle (5, 0) plus half the width along the normal (0, 1).
    assert_points(
        &handles(&t, &plane).unwrap(),
        &[[0.0, 0.0], [10.0, 0.0], [5.0, 2.0]],
    );
    let k = roi(&plane, RoiKind::Caliper, &[[1.0, 2.0], [3.0, 4.0]], None);
    assert_points(&handles(&k, &plane).unwrap(), &[[1.0, 2.0], [3.0, 4.0]]);
}

#[test]
fn axis_end_drags_give_known_semi_axes() {
    let plane = tilted();
    let e = ellipse(&plane);
    // Handle 2 (the far end of the first axis) to (4, 28): the axis runs from the
    // centre away from it, (6, −8), 10 mm long; the second semi-axis stays 3 mm, turned
    // with it to 3·(0.8, 0.6).
    let r = handle_dragged(&e, &plane, 2, [5.0, 20.0], [4.0, 28.0]).unwrap();
    let q = pts(&r, &plane);
    assert_points(&q, &[[10.0, 20.0], [16.0, 12.0], [12.4, 21.8]]);
    let [c, a, b] = q.as_slice() else {
        panic!("three points");
    };
    let s = ellipse_from_points(*c, *a, *b);
    assert_close(s.rx, 10.0);
    assert_close(s.ry, 3.0);
    assert_close(s.angle_rad, (-0.8f64).atan2(0.6));
    // Handle 3 to (13, 27): the second semi-axis is the 7 mm along the row direction.
    let r = handle_dragged(&e, &plane, 3, [10.0, 23.0], [13.0, 27.0]).unwrap();
    assert_points(
        &pts(&r, &plane),
        &[[10.0, 20.0], [15.0, 20.0], [10.0, 27.0]],
    );
    // Handle 4 to (13, 13) gives the same ellipse: 7 mm on the other side.
    let r = handle_dragged(&e, &plane, 4, [10.0, 17.0], [13.0, 13.0]).unwrap();
    assert_points(
        &pts(&r, &plane),
        &[[10.0, 20.0], [15.0, 20.0], [10.0, 27.0]],
    );
    // Dragged onto the centre line, the second semi-axis keeps its minimum.
    let r = handle_dragged(&e, &plane, 3, [10.0, 23.0], [12.0, 20.0]).unwrap();
    assert_points(
        &pts(&r, &plane),
        &[[10.0, 20.0], [15.0, 20.0], [10.0, 20.0 + MIN_SEMI_AXIS_MM]],
    );
}

#[test]
fn a_quarter_turn_swaps_the_axes() {
    let plane = tilted();
    let e = ellipse(&plane);
    let r = rotated(&e, &plane, FRAC_PI_2).unwrap();
    // (5, 0) turns to (0, 5), (0, 3) to (−3, 0).
    let q = pts(&r, &plane);
    assert_points(&q, &[[10.0, 20.0], [10.0, 25.0], [7.0, 20.0]]);
    let [c, a, b] = q.as_slice() else {
        panic!("three points");
    };
    let s = ellipse_from_points(*c, *a, *b);
    assert_close(s.angle_rad, FRAC_PI_2);
    // Half extents along the columns and rows: 5 × 3 before, 3 × 5 after.
    let before = {
        let [c, a, b] = pts(&e, &plane)[..] else {
            panic!("three points");
        };
        ellipse_from_points(c, a, b).bounds()
    };
    let after = s.bounds();
    assert_close(before.2 - before.0, 10.0);
    assert_close(before.3 - before.1, 6.0);
    assert_close(after.2 - after.0, 6.0);
    assert_close(after.3 - after.1, 10.0);
    // Dragging the axis end to where the turn puts it gives the same ellipse.
    let dragged = handle_dragged(&e, &plane, 1, [15.0, 20.0], [10.0, 25.0]).unwrap();
    assert_points(&pts(&dragged, &plane), &q);
    // A caliper turns about its middle.
    let k = roi(&plane, RoiKind::Caliper, &[[0.0, 0.0], [10.0, 0.0]], None);
    let k = rotated(&k, &plane, FRAC_PI_2).unwrap();
    assert_points(&pts(&k, &plane), &[[5.0, -5.0], [5.0, 5.0]]);
}

#[test]
fn moving_by_a_delta_and_by_the_centre_handle() {
    let plane = tilted();
    let e = ellipse(&plane);
    let want = [[13.0, 16.0], [18.0, 16.0], [13.0, 19.0]];
    let r = moved(&e, &plane, [3.0, -4.0]).unwrap();
    assert_points(&pts(&r, &plane), &want);
    assert_eq!((r.id, r.kind, r.role), (e.id, e.kind, e.role));
    // The centre handle grabbed off-centre moves by the drag, without a jump.
    let r = handle_dragged(&e, &plane, 0, [11.0, 21.0], [14.0, 17.0]).unwrap();
    assert_points(&pts(&r, &plane), &want);
}

#[test]
fn trajectory_and_caliper_handles() {
    let plane = tilted();
    let t = roi(
        &plane,
        RoiKind::Trajectory,
        &[[0.0, 0.0], [10.0, 0.0]],
        Some(4.0),
    );
    // The width handle 3 mm from the centre line: 6 mm wide, points untouched.
    let r = handle_dragged(&t, &plane, 2, [5.0, 2.0], [7.0, -3.0]).unwrap();
    assert_eq!(r.width_mm, Some(6.0));
    assert_eq!(r.points_mm, t.points_mm);
    let r = handle_dragged(&t, &plane, 2, [5.0, 2.0], [7.0, 0.0]).unwrap();
    assert_eq!(r.width_mm, Some(MIN_WIDTH_MM));
    let r = handle_dragged(&t, &plane, 0, [0.0, 0.0], [1.0, 1.0]).unwrap();
    assert_points(&pts(&r, &plane), &[[1.0, 1.0], [10.0, 0.0]]);
    assert_eq!(r.width_mm, Some(4.0));
    let k = roi(&plane, RoiKind::Caliper, &[[0.0, 0.0], [10.0, 0.0]], None);
    let r = handle_dragged(&k, &plane, 1, [10.0, 0.0], [7.0, 7.0]).unwrap();
    assert_points(&pts(&r, &plane), &[[0.0, 0.0], [7.0, 7.0]]);
    assert_eq!(
        handle_dragged(&k, &plane, 2, [0.0, 0.0], [1.0, 1.0]),
        Err(EditError::NoHandle {
            kind: RoiKind::Caliper,
            handle: 2
        })
    );
}

#[test]
fn drawing_from_corner_to_corner() {
    let plane = tilted();
    // The template's points (zero semi-axes) are not read.
    let template = roi(
        &plane,
        RoiKind::Ellipse,
        &[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
        None,
    );
    // The box (2, 3)–(12, −5): centre (7, −1), semi-axes 5 and 4.
    let r = drawn(&template, &plane, [2.0, 3.0], [12.0, -5.0]).unwrap();
    assert_points(&pts(&r, &plane), &[[7.0, -1.0], [12.0, -1.0], [7.0, 3.0]]);
    // A click without a drag leaves the smallest ellipse, not a zero one.
    let r = drawn(&template, &plane, [2.0, 3.0], [2.0, 3.0]).unwrap();
    assert_points(
        &pts(&r, &plane),
        &[
            [2.0, 3.0],
            [2.0 + MIN_SEMI_AXIS_MM, 3.0],
            [2.0, 3.0 + MIN_SEMI_AXIS_MM],
        ],
    );
    let mut k = template.clone();
    k.kind = RoiKind::Caliper;
    let r = drawn(&k, &plane, [2.0, 3.0], [12.0, -5.0]).unwrap();
    assert_points(&pts(&r, &plane), &[[2.0, 3.0], [12.0, -5.0]]);
}

#[test]
fn hit_and_miss_at_the_tolerance() {
    let plane = exact();
    // A caliper along the columns: 1 mm beside it or beyond an end is on it at 1 mm.
    let k = roi(&plane, RoiKind::Caliper, &[[0.0, 0.0], [10.0, 0.0]], None);
    assert!(hits(&k, &plane, [5.0, 1.0], 1.0));
    assert!(!hits(&k, &plane, [5.0, 1.0], 0.999));
    assert!(!hits(&k, &plane, [5.0, 1.0 + 1e-9], 1.0));
    assert!(hits(&k, &plane, [11.0, 0.0], 1.0));
    assert!(!hits(&k, &plane, [11.001, 0.0], 1.0));
    // A trajectory 4 mm wide: its side is y = 2; inside counts at any tolerance.
    let t = roi(
        &plane,
        RoiKind::Trajectory,
        &[[0.0, 0.0], [10.0, 0.0]],
        Some(4.0),
    );
    assert!(hits(&t, &plane, [5.0, 3.0], 1.0));
    assert!(!hits(&t, &plane, [5.0, 3.001], 1.0));
    assert!(hits(&t, &plane, [5.0, 0.5], 0.0));
    // An ellipse: 1 mm beyond the end of its first axis (an outline vertex).
    let e = roi(
        &plane,
        RoiKind::Ellipse,
        &[[20.0, 20.0], [30.0, 20.0], [20.0, 25.0]],
        None,
    );
    assert!(hits(&e, &plane, [31.0, 20.0], 1.0));
    assert!(!hits(&e, &plane, [31.01, 20.0], 1.0));
    assert!(hits(&e, &plane, [20.0, 20.0], 0.0));
    assert!(!hits(&e, &plane, [20.0, 27.0], 1.0));
    // Handles: the first one within the tolerance.
    assert_eq!(handle_at(&e, &plane, [30.5, 20.0], 0.5), Some(1));
    assert_eq!(handle_at(&e, &plane, [30.51, 20.0], 0.5), None);
    assert_eq!(handle_at(&e, &plane, [20.0, 15.5], 0.5), Some(4));
    assert_eq!(handle_at(&e, &plane, [20.0, 20.0], 0.5), Some(0));
}

#[test]
fn degenerate_rois_are_refused_not_nan() {
    let plane = tilted();
    // An ellipse whose first axis has no length.
    let e = roi(
        &plane,
        RoiKind::Ellipse,
        &[[10.0, 20.0], [10.0, 20.0], [10.0, 23.0]],
        None,
    );
    assert!(matches!(
        handle_dragged(&e, &plane, 3, [10.0, 23.0], [10.0, 30.0]),
        Err(EditError::Degenerate { .. })
    ));
    // An axis end dragged onto the centre has no direction.
    let good = ellipse(&plane);
    assert!(matches!(
        handle_dragged(&good, &plane, 1, [15.0, 20.0], [10.0, 20.0]),
        Err(EditError::Degenerate { .. })
    ));
    for bad in [
        EllipsePx {
            cx: 0.0,
            cy: 0.0,
            rx: 0.0,
            ry: 3.0,
            angle_rad: 0.0,
        },
        EllipsePx {
            cx: 0.0,
            cy: 0.0,
            rx: 2.0,
            ry: 3.0,
            angle_rad: f64::NAN,
        },
    ] {
        assert!(matches!(
            ellipse_points(&bad),
            Err(EditError::Degenerate { .. })
        ));
    }
    // A trajectory whose entry is its tip: no width direction, an outline without NaN.
    let t = roi(
        &plane,
        RoiKind::Trajectory,
        &[[4.0, 4.0], [4.0, 4.0]],
        Some(6.0),
    );
    assert!(matches!(
        handle_dragged(&t, &plane, 2, [4.0, 4.0], [4.0, 9.0]),
        Err(EditError::Degenerate { .. })
    ));
    let line = outline(&t, &plane).unwrap();
    assert_points(&line, &[[4.0, 4.0]; 4]);
    // Non-finite points, deltas, angles and drag points.
    let mut nan = good.clone();
    nan.points_mm[1][0] = f64::NAN;
    assert_eq!(
        points_in_plane(&nan, &plane),
        Err(EditError::NotFinite { what: "points" })
    );
    assert!(!hits(&nan, &plane, [10.0, 20.0], 100.0));
    assert_eq!(handle_at(&nan, &plane, [10.0, 20.0], 100.0), None);
    assert!(moved(&nan, &plane, [1.0, 0.0]).is_err());
    assert!(rotated(&nan, &plane, 1.0).is_err());
    assert_eq!(
        moved(&good, &plane, [f64::INFINITY, 0.0]),
        Err(EditError::NotFinite { what: "delta" })
    );
    assert_eq!(
        rotated(&good, &plane, f64::NAN),
        Err(EditError::NotFinite { what: "angle" })
    );
    assert_eq!(
        handle_dragged(&good, &plane, 1, [15.0, 20.0], [f64::NAN, 0.0]),
        Err(EditError::NotFinite { what: "drag point" })
    );
    let mut wide = t.clone();
    wide.width_mm = Some(f64::INFINITY);
    assert_eq!(
        handles(&wide, &plane),
        Err(EditError::NotFinite { what: "width" })
    );
    // The wrong number of points.
    let mut short = good.clone();
    short.points_mm.truncate(2);
    assert_eq!(
        moved(&short, &plane, [1.0, 0.0]),
        Err(EditError::PointCount {
            kind: RoiKind::Ellipse,
            expected: 3,
            found: 2
        })
    );
    // A plane without spacing gives no finite result.
    let flat = ImagePlane {
        col_spacing_mm: 0.0,
        ..plane
    };
    assert!(moved(&good, &flat, [1.0, 0.0]).is_err());
    assert!(drawn(&good, &flat, [1.0, 0.0], [2.0, 3.0]).is_err());
}
