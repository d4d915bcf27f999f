//! Editing session ROIs on their image: the geometry behind the ROI tools, free of any
//! toolkit.
//!
//! Owns the conversions between pixel positions, patient points and in-plane millimetres
//! of an [`ImagePlane`]; the ellipse read from its three stored points and back; an ROI's
//! handles, outline and hit testing; and the edits (draw, move, drag a handle, rotate) as
//! pure functions that return a new [`Roi`]. The app keeps input handling, the screen
//! transform and painting: it converts screen ↔ millimetres at its edge and calls these.
//!
//! Everything works in plane millimetres, (column × column spacing, row × row spacing),
//! so ellipse axes stay perpendicular on anisotropic pixels. Odd input (a wrong number of
//! points, non-finite numbers, a missing direction) gives an [`EditError`], never a NaN
//! or a panic.

use crate::geometry::{ImagePlane, Vec3};
use crate::measure::roi::{EllipsePx, ShapePx};
use crate::session::{Roi, RoiKind};

/// A position in the plane of an image, in millimetres: (column × column spacing,
/// row × row spacing), measured from the centre of the first pixel.
pub type PlaneMm = [f64; 2];

/// The number of vertices of an ellipse's outline polyline.
pub const ELLIPSE_OUTLINE_VERTICES: usize = 72;

/// The smallest semi-axis a drag leaves an ellipse with, mm.
pub const MIN_SEMI_AXIS_MM: f64 = 1e-3;

/// The smallest width a drag leaves a trajectory with, mm.
pub const MIN_WIDTH_MM: f64 = 0.1;

/// Why an ROI could not be read or edited.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The ROI has the wrong number of points for its kind.
    #[error("a {kind:?} ROI needs {expected} points, it has {found}")]
    PointCount {
        /// The ROI's kind.
        kind: RoiKind,
        /// Points the kind needs.
        expected: usize,
        /// Points it has.
        found: usize,
    },
    /// A number that went into the edit, or came out of it, is not finite.
    #[error("the {what} is not finite")]
    NotFinite {
        /// What was not finite: points, width, drag point, delta, angle or result.
        what: &'static str,
    },
    /// The shape lacks what the edit needs (a direction, a positive semi-axis).
    #[error("{reason}")]
    Degenerate {
        /// What is missing.
        reason: String,
    },
    /// The ROI's kind has no handle with this index.
    #[error("a {kind:?} ROI has no handle {handle}")]
    NoHandle {
        /// The ROI's kind.
        kind: RoiKind,
        /// The handle asked for.
        handle: usize,
    },
}

// ---------------------------------------------------------------------------------------
// Conversions.

/// The plane millimetres of the (sub-)pixel position (column, row).
pub fn pixel_to_mm(plane: &ImagePlane, col: f64, row: f64) -> PlaneMm {
    [col * plane.col_spacing_mm, row * plane.row_spacing_mm]
}

/// The (column, row) of a position in plane millimetres.
pub fn mm_to_pixel(plane: &ImagePlane, q: PlaneMm) -> (f64, f64) {
    (q[0] / plane.col_spacing_mm, q[1] / plane.row_spacing_mm)
}

/// The plane millimetres of the projection of a patient point on the plane, and the
/// point's signed distance from the plane, mm.
pub fn patient_to_mm(plane: &ImagePlane, p: Vec3) -> (PlaneMm, f64) {
    let (c, r, d) = plane.patient_to_pixel(p);
    ([c * plane.col_spacing_mm, r * plane.row_spacing_mm], d)
}

/// The patient point (on the plane) at a position in plane millimetres.
pub fn mm_to_patient(plane: &ImagePlane, q: PlaneMm) -> Vec3 {
    let (c, r) = mm_to_pixel(plane, q);
    plane.pixel_to_patient(c, r)
}

/// The number of points an ROI of this kind stores.
pub fn point_count(kind: RoiKind) -> usize {
    match kind {
        RoiKind::Ellipse => 3,
        RoiKind::Trajectory | RoiKind::Caliper => 2,
    }
}

/// An ROI's points in plane millimetres, checked: as many as its kind stores, all finite
/// (and a trajectory's width finite). Points off the plane are projected onto it.
pub fn points_in_plane(roi: &Roi, plane: &ImagePlane) -> Result<Vec<PlaneMm>, EditError> {
    let expected = point_count(roi.kind);
    if roi.points_mm.len() != expected {
        return Err(EditError::PointCount {
            kind: roi.kind,
            expected,
            found: roi.points_mm.len(),
        });
    }
    let pts: Vec<PlaneMm> = roi
        .points_mm
        .iter()
        .map(|p| patient_to_mm(plane, *p).0)
        .collect();
    if !pts.iter().flatten().all(|v| v.is_finite()) {
        return Err(EditError::NotFinite { what: "points" });
    }
    if roi.kind == RoiKind::Trajectory && !roi.width_mm.unwrap_or(0.0).is_finite() {
        return Err(EditError::NotFinite { what: "width" });
    }
    Ok(pts)
}

/// A copy of `roi` whose points are these plane positions, on the plane.
pub(crate) fn with_points(
    roi: &Roi,
    plane: &ImagePlane,
    pts: &[PlaneMm],
) -> Result<Roi, EditError> {
    let points_mm: Vec<Vec3> = pts.iter().map(|q| mm_to_patient(plane, *q)).collect();
    if !points_mm.iter().flatten().all(|v| v.is_finite()) {
        return Err(EditError::NotFinite { what: "result" });
    }
    let mut out = roi.clone();
    out.points_mm = points_mm;
    Ok(out)
}

pub(crate) fn finite(q: PlaneMm, what: &'static str) -> Result<PlaneMm, EditError> {
    if q.iter().all(|v| v.is_finite()) {
        Ok(q)
    } else {
        Err(EditError::NotFinite { what })
    }
}

pub(crate) fn degenerate(reason: &str) -> EditError {
    EditError::Degenerate {
        reason: reason.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Plane vector arithmetic.

pub(crate) fn sub(a: PlaneMm, b: PlaneMm) -> PlaneMm {
    [a[0] - b[0], a[1] - b[1]]
}

pub(crate) fn add(a: PlaneMm, b: PlaneMm) -> PlaneMm {
    [a[0] + b[0], a[1] + b[1]]
}

pub(crate) fn scale(a: PlaneMm, s: f64) -> PlaneMm {
    [a[0] * s, a[1] * s]
}

pub(crate) fn len(a: PlaneMm) -> f64 {
    a[0].hypot(a[1])
}

/// The unit vector along `a`, or `None` when `a` has no direction.
pub(crate) fn unit(a: PlaneMm) -> Option<PlaneMm> {
    let l = len(a);
    (l > 1e-12).then(|| scale(a, 1.0 / l))
}

/// `a` turned a quarter from +column towards +row.
pub(crate) fn perp(a: PlaneMm) -> PlaneMm {
    [-a[1], a[0]]
}

pub(crate) fn dot2(a: PlaneMm, b: PlaneMm) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// Distance from `p` to the segment `a`–`b`.
fn seg_dist(p: PlaneMm, a: PlaneMm, b: PlaneMm) -> f64 {
    let ab = sub(b, a);
    let l2 = dot2(ab, ab);
    let t = if l2 > 0.0 {
        (dot2(sub(p, a), ab) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    len(sub(add(a, scale(ab, t)), p))
}

// ---------------------------------------------------------------------------------------
// The ellipse and its three points.

/// The ellipse three stored points describe, in plane millimetres (the fields of
/// [`EllipsePx`] in mm): centre `c`, the first semi-axis from `c` to `a` (its angle from
/// +column towards +row), the second semi-axis |`b` − `c`| (the editor keeps `b` on the
/// perpendicular). Not checked: see [`ShapePx::validate`].
pub fn ellipse_from_points(c: PlaneMm, a: PlaneMm, b: PlaneMm) -> EllipsePx {
    let (ax, ay) = (a[0] - c[0], a[1] - c[1]);
    let (bx, by) = (b[0] - c[0], b[1] - c[1]);
    EllipsePx {
        cx: c[0],
        cy: c[1],
        rx: ax.hypot(ay),
        ry: bx.hypot(by),
        angle_rad: ay.atan2(ax),
    }
}

/// The three points of an ellipse given in plane millimetres: its centre, the end of the
/// first semi-axis and the end of the second, a quarter turn further (from +column
/// towards +row). Refuses non-finite values and semi-axes that are not positive.
pub fn ellipse_points(e: &EllipsePx) -> Result<[PlaneMm; 3], EditError> {
    ShapePx::Ellipse(*e)
        .validate()
        .map_err(|reason| EditError::Degenerate { reason })?;
    let (s, c) = e.angle_rad.sin_cos();
    let centre = [e.cx, e.cy];
    Ok([
        centre,
        add(centre, [e.rx * c, e.rx * s]),
        add(centre, [-e.ry * s, e.ry * c]),
    ])
}

// ---------------------------------------------------------------------------------------
// Handles, outline, hit testing.

/// The handles of an ROI in plane millimetres, in the order [`handle_dragged`] numbers
/// them: an ellipse's centre, the two ends of its first axis, the two ends of its second;
/// a trajectory's entry, tip and width handle (on the side, level with the middle); a
/// caliper's two ends.
pub fn handles(roi: &Roi, plane: &ImagePlane) -> Result<Vec<PlaneMm>, EditError> {
    let q = points_in_plane(roi, plane)?;
    Ok(match (roi.kind, q.as_slice()) {
        (RoiKind::Ellipse, [c, a, b]) => {
            let (da, db) = (sub(*a, *c), sub(*b, *c));
            vec![*c, *a, sub(*c, da), *b, sub(*c, db)]
        }
        (RoiKind::Trajectory, [e, t]) => {
            // Without a direction (entry on the tip) the width handle sits in the middle.
            let n = unit(perp(sub(*t, *e))).unwrap_or([0.0, 0.0]);
            let mid = scale(add(*e, *t), 0.5);
            let w = roi.width_mm.unwrap_or(0.0);
            vec![*e, *t, add(mid, scale(n, w / 2.0))]
        }
        (RoiKind::Caliper, [a, b]) => vec![*a, *b],
        _ => Vec::new(),
    })
}

/// The outline of an ROI in plane millimetres: a closed polygon for areas (an ellipse's
/// [`ELLIPSE_OUTLINE_VERTICES`] vertices, starting at the end of its first axis; a
/// trajectory's four corners), the two ends for a caliper.
pub fn outline(roi: &Roi, plane: &ImagePlane) -> Result<Vec<PlaneMm>, EditError> {
    let q = points_in_plane(roi, plane)?;
    Ok(match (roi.kind, q.as_slice()) {
        (RoiKind::Ellipse, [c, a, b]) => {
            let (da, db) = (sub(*a, *c), sub(*b, *c));
            (0..ELLIPSE_OUTLINE_VERTICES)
                .map(|k| {
                    let t = k as f64 / ELLIPSE_OUTLINE_VERTICES as f64 * std::f64::consts::TAU;
                    add(*c, add(scale(da, t.cos()), scale(db, t.sin())))
                })
                .collect()
        }
        (RoiKind::Trajectory, [e, t]) => {
            let n = unit(perp(sub(*t, *e))).unwrap_or([0.0, 0.0]);
            let n = scale(n, roi.width_mm.unwrap_or(0.0) / 2.0);
            vec![add(*e, n), add(*t, n), sub(*t, n), sub(*e, n)]
        }
        (RoiKind::Caliper, [a, b]) => vec![*a, *b],
        _ => Vec::new(),
    })
}

/// Whether the plane point `p` is on an ROI: within `tol_mm` of its outline, or inside an
/// area's outline (even-odd rule). An ROI that cannot be read is never hit.
pub fn hits(roi: &Roi, plane: &ImagePlane, p: PlaneMm, tol_mm: f64) -> bool {
    let Ok(line) = outline(roi, plane) else {
        return false;
    };
    let closed = roi.kind != RoiKind::Caliper;
    let n = line.len();
    let segments = if closed { n } else { n.saturating_sub(1) };
    let near = (0..segments).any(|k| {
        let (Some(a), Some(b)) = (line.get(k), line.get((k + 1) % n.max(1))) else {
            return false;
        };
        seg_dist(p, *a, *b) <= tol_mm
    });
    let inside = closed && {
        let mut c = false;
        for k in 0..n {
            let (Some(a), Some(b)) = (line.get(k), line.get((k + n - 1) % n)) else {
                continue;
            };
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                c = !c;
            }
        }
        c
    };
    near || inside
}

/// The first handle of an ROI (in [`handles`] order) within `tol_mm` of the plane point
/// `p`, if any.
pub fn handle_at(roi: &Roi, plane: &ImagePlane, p: PlaneMm, tol_mm: f64) -> Option<usize> {
    handles(roi, plane)
        .ok()?
        .iter()
        .position(|h| len(sub(*h, p)) <= tol_mm)
}

// ---------------------------------------------------------------------------------------
// Edits.

/// `roi` (a template carrying the kind, labels and width) with the points a drag from
/// `start` to `end` draws: an ellipse fills the box with these corners, axes along the
/// columns and rows (each semi-axis at least [`MIN_SEMI_AXIS_MM`]); a trajectory runs
/// from entry `start` to tip `end`; a caliper joins them. The template's points are not
/// read.
pub fn drawn(
    roi: &Roi,
    plane: &ImagePlane,
    start: PlaneMm,
    end: PlaneMm,
) -> Result<Roi, EditError> {
    let start = finite(start, "drag point")?;
    let end = finite(end, "drag point")?;
    match roi.kind {
        RoiKind::Ellipse => {
            let c = scale(add(start, end), 0.5);
            let (rx, ry) = (
                (end[0] - start[0]).abs() / 2.0,
                (end[1] - start[1]).abs() / 2.0,
            );
            with_points(
                roi,
                plane,
                &[
                    c,
                    add(c, [rx.max(MIN_SEMI_AXIS_MM), 0.0]),
                    add(c, [0.0, ry.max(MIN_SEMI_AXIS_MM)]),
                ],
            )
        }
        RoiKind::Trajectory | RoiKind::Caliper => with_points(roi, plane, &[start, end]),
    }
}

/// `roi` moved by `delta_mm` in its plane.
pub fn moved(roi: &Roi, plane: &ImagePlane, delta_mm: PlaneMm) -> Result<Roi, EditError> {
    let delta = finite(delta_mm, "delta")?;
    let pts = points_in_plane(roi, plane)?;
    let moved: Vec<PlaneMm> = pts.iter().map(|p| add(*p, delta)).collect();
    with_points(roi, plane, &moved)
}

/// `roi` with handle `handle` (numbered as by [`handles`]) dragged from `start` to `to`:
/// - ellipse centre (0): moves the ellipse by `to − start`;
/// - an end of the first axis (1, 2): that end goes to `to`, which sets the first
///   semi-axis and turns the ellipse about its centre, keeping the second semi-axis;
/// - an end of the second axis (3, 4): the second semi-axis becomes the distance from the
///   centre to `to` along that axis;
/// - trajectory width (2): the width becomes twice the distance from `to` to the centre
///   line (at least [`MIN_WIDTH_MM`]);
/// - trajectory or caliper ends (0, 1): that end goes to `to`.
///
/// Semi-axes stay at least [`MIN_SEMI_AXIS_MM`]. An edit that needs a direction the shape
/// lacks (an axis end dragged onto the centre, a zero first axis, a trajectory whose entry
/// is its tip) is refused.
pub fn handle_dragged(
    roi: &Roi,
    plane: &ImagePlane,
    handle: usize,
    start: PlaneMm,
    to: PlaneMm,
) -> Result<Roi, EditError> {
    let start = finite(start, "drag point")?;
    let to = finite(to, "drag point")?;
    let pts = points_in_plane(roi, plane)?;
    match (roi.kind, handle, pts.as_slice()) {
        (RoiKind::Ellipse, 0, _) => moved(roi, plane, sub(to, start)),
        (RoiKind::Ellipse, 1 | 2, [c, _, b]) => {
            let axis = if handle == 1 {
                sub(to, *c)
            } else {
                sub(*c, to)
            };
            let u = unit(axis).ok_or_else(|| degenerate("the axis end is on the centre"))?;
            let rx = len(axis).max(MIN_SEMI_AXIS_MM);
            let ry = len(sub(*b, *c));
            with_points(
                roi,
                plane,
                &[*c, add(*c, scale(u, rx)), add(*c, scale(perp(u), ry))],
            )
        }
        (RoiKind::Ellipse, 3 | 4, [c, a, _]) => {
            let u = unit(sub(*a, *c))
                .ok_or_else(|| degenerate("the ellipse's first axis has no length"))?;
            let v = perp(u);
            let ry = dot2(sub(to, *c), v).abs().max(MIN_SEMI_AXIS_MM);
            with_points(roi, plane, &[*c, *a, add(*c, scale(v, ry))])
        }
        (RoiKind::Trajectory, 2, [e, t]) => {
            let n = unit(perp(sub(*t, *e)))
                .ok_or_else(|| degenerate("the trajectory's entry and tip coincide"))?;
            let mid = scale(add(*e, *t), 0.5);
            let mut out = roi.clone();
            out.width_mm = Some((2.0 * dot2(sub(to, mid), n).abs()).max(MIN_WIDTH_MM));
            Ok(out)
        }
        (RoiKind::Trajectory | RoiKind::Caliper, 0, [_, b]) => with_points(roi, plane, &[to, *b]),
        (RoiKind::Trajectory | RoiKind::Caliper, 1, [a, _]) => with_points(roi, plane, &[*a, to]),
        (kind, handle, _) => Err(EditError::NoHandle { kind, handle }),
    }
}

/// The point an ROI turns about: an ellipse's centre, the middle of a trajectory or
/// caliper.
pub fn centre(roi: &Roi, plane: &ImagePlane) -> Result<PlaneMm, EditError> {
    let pts = points_in_plane(roi, plane)?;
    match (roi.kind, pts.as_slice()) {
        (RoiKind::Ellipse, [c, _, _]) => Ok(*c),
        (RoiKind::Trajectory | RoiKind::Caliper, [a, b]) => Ok(scale(add(*a, *b), 0.5)),
        (kind, p) => Err(EditError::PointCount {
            kind,
            expected: point_count(kind),
            found: p.len(),
        }),
    }
}

/// `roi` turned by `angle_rad` (from +column towards +row) about its [`centre`]; sizes
/// and width are kept.
pub fn rotated(roi: &Roi, plane: &ImagePlane, angle_rad: f64) -> Result<Roi, EditError> {
    if !angle_rad.is_finite() {
        return Err(EditError::NotFinite { what: "angle" });
    }
    let c = centre(roi, plane)?;
    let pts = points_in_plane(roi, plane)?;
    let (s, co) = angle_rad.sin_cos();
    let turned: Vec<PlaneMm> = pts
        .iter()
        .map(|p| {
            let d = sub(*p, c);
            add(c, [d[0] * co - d[1] * s, d[0] * s + d[1] * co])
        })
        .collect();
    with_points(roi, plane, &turned)
}

#[cfg(test)]
mod tests;
