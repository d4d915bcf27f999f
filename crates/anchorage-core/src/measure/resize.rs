//! Resizing an ellipse from one side, as Horos and OHIF do: dragging the handle at one
//! end of an axis moves that end only, and the opposite end stays where it was (the centre
//! moves by half the drag). [`crate::measure::edit::handle_dragged`] is the symmetric
//! resize about the centre, which the window does with a modifier held.

use crate::geometry::ImagePlane;
use crate::measure::edit::{
    EditError, MIN_SEMI_AXIS_MM, PlaneMm, add, degenerate, dot2, finite, handle_dragged, len, perp,
    points_in_plane, scale, sub, unit, with_points,
};
use crate::session::{Roi, RoiKind};

/// `roi` with handle `handle` (numbered as by [`crate::measure::edit::handles`]) dragged
/// from `start` to `to`, the opposite side staying put:
/// - an end of the first axis (1, 2): that end goes to `to`, the opposite end stays; the
///   first axis runs between them (so the ellipse turns with the drag), the second
///   semi-axis keeps its length;
/// - an end of the second axis (3, 4): that end follows `to` along the second axis, the
///   opposite end and the first axis's direction and length stay;
/// - every other handle (centre, trajectory and caliper handles): as
///   [`handle_dragged`].
///
/// Semi-axes stay at least [`MIN_SEMI_AXIS_MM`]; a drag onto the opposite end is refused.
pub fn handle_dragged_one_side(
    roi: &Roi,
    plane: &ImagePlane,
    handle: usize,
    start: PlaneMm,
    to: PlaneMm,
) -> Result<Roi, EditError> {
    let to = finite(to, "drag point")?;
    let pts = points_in_plane(roi, plane)?;
    match (roi.kind, handle, pts.as_slice()) {
        (RoiKind::Ellipse, 1 | 2, [c, a, b]) => {
            let da = sub(*a, *c);
            // The end that stays.
            let stay = if handle == 1 { sub(*c, da) } else { *a };
            let rx = (len(sub(to, stay)) / 2.0).max(MIN_SEMI_AXIS_MM);
            // Point `a` is the end along +u: the dragged end for handle 1, else `stay`.
            let u = if handle == 1 {
                unit(sub(to, stay))
            } else {
                unit(sub(stay, to))
            }
            .ok_or_else(|| degenerate("the axis end is on the opposite end"))?;
            let centre = if handle == 1 {
                add(stay, scale(u, rx))
            } else {
                sub(stay, scale(u, rx))
            };
            let ry = len(sub(*b, *c));
            // The second axis keeps its side of the first.
            let v = if dot2(sub(*b, *c), perp(da)) < 0.0 {
                scale(perp(u), -1.0)
            } else {
                perp(u)
            };
            with_points(
                roi,
                plane,
                &[centre, add(centre, scale(u, rx)), add(centre, scale(v, ry))],
            )
        }
        (RoiKind::Ellipse, 3 | 4, [c, a, b]) => {
            let da = sub(*a, *c);
            let db = sub(*b, *c);
            let v = unit(db)
                .or_else(|| unit(perp(da)))
                .ok_or_else(|| degenerate("the ellipse's first axis has no length"))?;
            let stay = if handle == 3 { sub(*c, db) } else { *b };
            // How far the dragged end lies from the one that stays, along the axis.
            let reach = if handle == 3 {
                dot2(sub(to, stay), v)
            } else {
                dot2(sub(stay, to), v)
            };
            let ry = (reach / 2.0).max(MIN_SEMI_AXIS_MM);
            let centre = if handle == 3 {
                add(stay, scale(v, ry))
            } else {
                sub(stay, scale(v, ry))
            };
            with_points(
                roi,
                plane,
                &[centre, add(centre, da), add(centre, scale(v, ry))],
            )
        }
        _ => handle_dragged(roi, plane, handle, start, to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::edit::handles;
    use crate::session::Role;

    fn plane() -> ImagePlane {
        // Tilted, with anisotropic pixels: the geometry is in plane millimetres.
        ImagePlane {
            origin_mm: [10.0, -20.0, 30.0],
            row_dir: [0.6, 0.8, 0.0],
            col_dir: [0.0, 0.0, -1.0],
            row_spacing_mm: 0.5,
            col_spacing_mm: 0.7,
        }
    }

    /// An axis-aligned ellipse centred at (10, 20) mm, semi-axes 5 (x) and 3 (y).
    fn ellipse(plane: &ImagePlane) -> Roi {
        let c = [10.0, 20.0];
        let pts = [c, [15.0, 20.0], [10.0, 23.0]];
        let patient: Vec<_> = pts
            .iter()
            .map(|q| crate::measure::edit::mm_to_patient(plane, *q))
            .collect();
        Roi {
            id: 1,
            kind: RoiKind::Ellipse,
            role: Role::Free,
            level: None,
            side: None,
            series_uid: "s".into(),
            sop_instance_uid: "i".into(),
            frame: 0,
            points_mm: patient,
            width_mm: None,
            note: String::new(),
        }
    }

    fn close(a: PlaneMm, b: PlaneMm) -> bool {
        (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6
    }

    #[test]
    fn dragging_one_end_keeps_the_opposite_end() {
        let p = plane();
        let e = ellipse(&p);
        // Handle 1 (the +x end at 15) dragged right to 19: the -x end stays at 5.
        let r = handle_dragged_one_side(&e, &p, 1, [15.0, 20.0], [19.0, 20.0]).unwrap();
        let h = handles(&r, &p).unwrap();
        assert!(close(h[2], [5.0, 20.0]), "{h:?}");
        assert!(close(h[1], [19.0, 20.0]), "{h:?}");
        assert!(close(h[0], [12.0, 20.0]), "{h:?}");
        // The second semi-axis keeps its length (3).
        assert!((len(sub(h[3], h[0])) - 3.0).abs() < 1e-6);
        // Handle 2 (the -x end at 5) dragged left to 1: the +x end stays at 15.
        let r = handle_dragged_one_side(&e, &p, 2, [5.0, 20.0], [1.0, 20.0]).unwrap();
        let h = handles(&r, &p).unwrap();
        assert!(
            close(h[1], [15.0, 20.0]) && close(h[2], [1.0, 20.0]),
            "{h:?}"
        );
        // Handle 3 (the +y end at 23) dragged to 27: the -y end stays at 17.
        let r = handle_dragged_one_side(&e, &p, 3, [10.0, 23.0], [11.0, 27.0]).unwrap();
        let h = handles(&r, &p).unwrap();
        assert!(
            close(h[4], [10.0, 17.0]) && close(h[3], [10.0, 27.0]),
            "{h:?}"
        );
        assert!(close(h[0], [10.0, 22.0]), "{h:?}");
        // The first axis keeps direction and length.
        assert!((len(sub(h[1], h[0])) - 5.0).abs() < 1e-6);
        // Handle 4 (the -y end at 17) dragged up to 19: the +y end stays at 23.
        let r = handle_dragged_one_side(&e, &p, 4, [10.0, 17.0], [10.0, 19.0]).unwrap();
        let h = handles(&r, &p).unwrap();
        assert!(
            close(h[3], [10.0, 23.0]) && close(h[4], [10.0, 19.0]),
            "{h:?}"
        );
    }

    #[test]
    fn the_symmetric_resize_and_other_handles_are_unchanged() {
        let p = plane();
        let e = ellipse(&p);
        for (k, from, to) in [
            (0, [10.0, 20.0], [12.0, 21.0]),
            (1, [15.0, 20.0], [15.0, 20.0]),
        ] {
            let a = handle_dragged_one_side(&e, &p, k, from, to).unwrap();
            let b = handle_dragged(&e, &p, k, from, to).unwrap();
            if k == 0 {
                assert_eq!(a, b);
            } else {
                // Dragging an end onto itself changes nothing either way.
                let (ha, hb) = (handles(&a, &p).unwrap(), handles(&b, &p).unwrap());
                assert!(ha.iter().zip(&hb).all(|(x, y)| close(*x, *y)));
            }
        }
        assert!(handle_dragged_one_side(&e, &p, 1, [15.0, 20.0], [5.0, 20.0]).is_err());
    }
}
