//! The planned screw in 3-D ([`ScrewPlan`]): where it enters and which way it points, in
//! patient millimetres (DICOM LPS), and its medial and cranio-caudal angles.
//!
//! A leaf module (geometry and the session's vocabulary only), because the session
//! document stores a [`ScrewPlan`] in each [`crate::session::Screw`].

use serde::{Deserialize, Serialize};

use crate::geometry::{Vec3, add_scaled, cross, dot, norm, normalized, sub};
use crate::session::vocabulary::Side;

/// Superior in DICOM LPS.
const SUPERIOR: Vec3 = [0.0, 0.0, 1.0];

/// A planned screw's axis: the entry point and the unit direction from the entry towards
/// the tip, in patient coordinates (LPS, mm), and the CT series it was planned on.
///
/// The tip is not stored: it is `entry + length · direction` with the screw's length
/// ([`crate::session::Screw::length_mm`]), so a change of length never leaves a stale
/// tip behind ([`ScrewPlan::tip_mm`]).
///
/// Angles ([`ScrewPlan::angles`]), for a screw of a given side (patient left or right):
/// - **medial angle**: in the axial plane, the angle between the axis projected on that
///   plane and the anterior direction (−y); positive when the screw points towards the
///   midline (for a left screw, towards −x; for a right screw, towards +x). A straight
///   antero-posterior screw has 0°; a typical lumbar screw converges 10–25°.
/// - **cranio-caudal angle**: the elevation of the axis out of the axial plane, positive
///   when the tip lies cranial (+z) of the entry; −90°..90°.
///
/// So `direction = (−s·cos(cc)·sin(m), −cos(cc)·cos(m), sin(cc))` with s = +1 for a left
/// and −1 for a right screw (see [`direction_from_angles`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrewPlan {
    /// SeriesInstanceUID of the CT the plan was made on (and is measured on).
    pub series_uid: String,
    /// Entry point (where the screw enters the bone), mm, LPS.
    pub entry_mm: Vec3,
    /// Unit direction from the entry towards the tip.
    pub direction: Vec3,
}

/// The medial and cranio-caudal angles of a plan (see [`ScrewPlan`] for the definitions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScrewAngles {
    /// Medial angle, degrees (positive towards the midline).
    pub medial_deg: f64,
    /// Cranio-caudal angle, degrees (positive towards cranial).
    pub craniocaudal_deg: f64,
}

/// The sign of a side along x: +1 for patient left (+x), −1 for patient right.
pub fn side_sign(side: Side) -> f64 {
    match side {
        Side::L => 1.0,
        Side::R => -1.0,
    }
}

/// The unit direction of a screw on `side` with these angles (see [`ScrewPlan`]).
pub fn direction_from_angles(side: Side, angles: ScrewAngles) -> Vec3 {
    let (m, c) = (
        angles.medial_deg.to_radians(),
        angles.craniocaudal_deg.to_radians(),
    );
    [
        -side_sign(side) * c.cos() * m.sin(),
        -c.cos() * m.cos(),
        c.sin(),
    ]
}

/// An orthonormal frame around a screw axis, for views and cross-sections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisFrame {
    /// The axis direction (entry → tip).
    pub axis: Vec3,
    /// Horizontal (axial-plane) unit vector perpendicular to the axis, pointing towards
    /// the midline (medial) for the screw's side.
    pub medial: Vec3,
    /// Unit vector perpendicular to both, pointing cranially (positive z component).
    pub cranial: Vec3,
}

impl ScrewPlan {
    /// A plan from an entry point and any point further along the axis (e.g. the tip).
    /// `None` when the two points coincide or are not finite.
    pub fn through(series_uid: &str, entry_mm: Vec3, towards_mm: Vec3) -> Option<ScrewPlan> {
        if !entry_mm
            .iter()
            .chain(towards_mm.iter())
            .all(|v| v.is_finite())
        {
            return None;
        }
        let direction = normalized(sub(towards_mm, entry_mm))?;
        Some(ScrewPlan {
            series_uid: series_uid.to_string(),
            entry_mm,
            direction,
        })
    }

    /// The tip of a screw of this length, mm.
    pub fn tip_mm(&self, length_mm: f64) -> Vec3 {
        add_scaled(self.entry_mm, length_mm, self.direction)
    }

    /// The point `depth_mm` along the axis from the entry.
    pub fn point_at(&self, depth_mm: f64) -> Vec3 {
        add_scaled(self.entry_mm, depth_mm, self.direction)
    }

    /// The medial and cranio-caudal angles for a screw on `side`.
    pub fn angles(&self, side: Side) -> ScrewAngles {
        let d = self.direction;
        let medial = -side_sign(side) * d[0];
        let anterior = -d[1];
        ScrewAngles {
            medial_deg: medial.atan2(anterior).to_degrees(),
            craniocaudal_deg: d[2].clamp(-1.0, 1.0).asin().to_degrees(),
        }
    }

    /// The same entry with the direction these angles give (the typed-angle setter).
    pub fn with_angles(&self, side: Side, angles: ScrewAngles) -> ScrewPlan {
        ScrewPlan {
            direction: direction_from_angles(side, angles),
            ..self.clone()
        }
    }

    /// The same entry pointing at `tip_mm`; also returns the entry–tip distance (the
    /// length a dragged tip asks for). `None` when the tip is on the entry.
    pub fn with_tip(&self, tip_mm: Vec3) -> Option<(ScrewPlan, f64)> {
        let plan = ScrewPlan::through(&self.series_uid, self.entry_mm, tip_mm)?;
        Some((plan, norm(sub(tip_mm, self.entry_mm))))
    }

    /// The plan moved so that the tip of a screw of `length_mm` stays where it is while
    /// the entry moves to `entry_mm` (dragging the entry). `None` when they coincide.
    pub fn with_entry(&self, entry_mm: Vec3, length_mm: f64) -> Option<(ScrewPlan, f64)> {
        let tip = self.tip_mm(length_mm);
        let plan = ScrewPlan::through(&self.series_uid, entry_mm, tip)?;
        Some((plan, norm(sub(tip, entry_mm))))
    }

    /// The frame around the axis for a screw on `side`: axis, medial (horizontal,
    /// perpendicular to the axis) and cranial. For a vertical axis (no horizontal
    /// perpendicular), medial falls back to ∓x.
    pub fn frame(&self, side: Side) -> AxisFrame {
        let axis = self.direction;
        let mut medial = normalized(cross(SUPERIOR, axis)).unwrap_or([-side_sign(side), 0.0, 0.0]);
        // Medial is towards −x for a left screw, +x for a right one.
        if medial[0] * side_sign(side) > 0.0 {
            medial = [-medial[0], -medial[1], -medial[2]];
        }
        let mut cranial = cross(axis, medial);
        if cranial[2] < 0.0 {
            cranial = [-cranial[0], -cranial[1], -cranial[2]];
        }
        let cranial = normalized(cranial).unwrap_or(SUPERIOR);
        AxisFrame {
            axis,
            medial,
            cranial,
        }
    }

    /// The distance of point `p` from the axis line, mm.
    pub fn distance_from_axis_mm(&self, p: Vec3) -> f64 {
        let v = sub(p, self.entry_mm);
        let along = dot(v, self.direction);
        norm(add_scaled(v, -along, self.direction))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn angles_follow_their_definitions() {
        let t = 10f64.to_radians();
        // A left screw (patient left is +x) pointing anteriorly (−y) and medially (−x).
        let Some(left) = ScrewPlan::through(
            "s",
            [20.0, 30.0, 0.0],
            [20.0 - t.sin(), 30.0 - t.cos(), 0.0],
        ) else {
            panic!("plan");
        };
        let a = left.angles(Side::L);
        assert!(
            close(a.medial_deg, 10.0) && close(a.craniocaudal_deg, 0.0),
            "{a:?}"
        );
        // The same direction on a right screw points away from the midline.
        assert!(close(left.angles(Side::R).medial_deg, -10.0));
        // A right screw converging towards +x, tip 5° cranial.
        let c = 5f64.to_radians();
        let d = [t.sin() * c.cos(), -t.cos() * c.cos(), c.sin()];
        let Some(right) = ScrewPlan::through(
            "s",
            [-20.0, 30.0, 0.0],
            add_scaled([-20.0, 30.0, 0.0], 1.0, d),
        ) else {
            panic!("plan");
        };
        let a = right.angles(Side::R);
        assert!(
            close(a.medial_deg, 10.0) && close(a.craniocaudal_deg, 5.0),
            "{a:?}"
        );
        let back = direction_from_angles(Side::R, a);
        assert!((0..3).all(|i| close(back[i], d[i])));
    }

    #[test]
    fn typed_angles_keep_the_entry_and_the_tip_follows() {
        let Some(p) = ScrewPlan::through("s", [18.0, 33.0, 24.0], [17.0, 20.0, 24.0]) else {
            panic!("plan");
        };
        let q = p.with_angles(
            Side::L,
            ScrewAngles {
                medial_deg: 15.0,
                craniocaudal_deg: -4.0,
            },
        );
        assert_eq!(q.entry_mm, p.entry_mm);
        let a = q.angles(Side::L);
        assert!(close(a.medial_deg, 15.0) && close(a.craniocaudal_deg, -4.0));
        assert!(close(norm(sub(q.tip_mm(45.0), q.entry_mm)), 45.0));
        // Dragging the tip: the direction and the length follow it.
        let Some((r, len)) = q.with_tip([10.0, 0.0, 30.0]) else {
            panic!("tip");
        };
        assert!(close(len, norm(sub([10.0, 0.0, 30.0], q.entry_mm))));
        assert!((0..3).all(|i| close(r.tip_mm(len)[i], [10.0, 0.0, 30.0][i])));
        // Dragging the entry keeps the tip.
        let Some((s, len2)) = r.with_entry([19.0, 34.0, 25.0], len) else {
            panic!("entry");
        };
        assert!((0..3).all(|i| (s.tip_mm(len2)[i] - [10.0, 0.0, 30.0][i]).abs() < 1e-9));
    }

    #[test]
    fn the_frame_is_orthonormal_and_medial_points_to_the_midline() {
        for side in [Side::L, Side::R] {
            let d = direction_from_angles(
                side,
                ScrewAngles {
                    medial_deg: 12.0,
                    craniocaudal_deg: 7.0,
                },
            );
            let Some(p) = ScrewPlan::through("s", [0.0; 3], d) else {
                panic!("plan");
            };
            let f = p.frame(side);
            for (a, b) in [
                (f.axis, f.medial),
                (f.axis, f.cranial),
                (f.medial, f.cranial),
            ] {
                assert!(dot(a, b).abs() < 1e-12);
            }
            assert!(close(norm(f.medial), 1.0) && close(norm(f.cranial), 1.0));
            assert!(
                f.medial[0] * side_sign(side) < 0.0,
                "{side:?}: {:?}",
                f.medial
            );
            assert!(f.medial[2].abs() < 1e-12 && f.cranial[2] > 0.0);
        }
    }
}
