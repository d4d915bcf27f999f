//! No ROI in the wrong place: a B-HU ellipse whose slice lies outside its level's body,
//! on a disc or in another level, or whose outline leaves the body's cross-section; an
//! ST-HU trajectory that does not pass through its level's pedicle. Only ROIs with a
//! level, on a series the session has levels for, are checked; the problems become
//! [`crate::protocol::Flag::Misplaced`] flags in the pipeline.
//!
//! Positions are compared along the spine's axis ([`Levels::locate`]); the cross-section
//! is the body's traced outline (CT), compared in the plane perpendicular to the axis.
//! The pedicle test is indirect (no pedicle is segmented): the trajectory's tip must lie
//! inside its level's body cross-section and its entry behind it (outside the body), at
//! a height inside the body. An MR pedicle or CSF ROI must lie at its level's height
//! (between the body's endplates, along the axis).

use super::build::perpendicular;
use crate::dicom::volume::Volume;
use crate::geometry::{Vec3, dot, sub};
use crate::protocol::placement::PlacementProblem;
use crate::session::{FoundBody, Level, Levels, Location, Roi, Role, Session};

/// One problem of one ROI.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementIssue {
    /// The ROI.
    pub roi_id: u64,
    /// What is wrong.
    pub problem: PlacementProblem,
}

/// Where `p` lies against `level`: `Ok(body)` in that body, else the problem.
fn against_level(levels: &Levels, level: Level, p: Vec3) -> Result<&FoundBody, PlacementProblem> {
    match levels.locate(p) {
        Some(Location::Body {
            level: Some(l),
            index,
            ..
        }) if l == level => levels
            .bodies
            .get(index)
            .ok_or(PlacementProblem::OutsideBody),
        Some(Location::Body { level: Some(l), .. }) => {
            Err(PlacementProblem::WrongLevel { found: l })
        }
        Some(Location::Disc { upper, lower, .. }) => Err(PlacementProblem::OnDisc { upper, lower }),
        _ => Err(PlacementProblem::OutsideBody),
    }
}

/// Whether `p` lies inside the body's traced cross-section (projected along the axis);
/// `None` without an outline.
fn inside_section(levels: &Levels, body: &FoundBody, p: Vec3) -> Option<bool> {
    if body.outline_mm.len() < 8 {
        return None;
    }
    let (u, v) = perpendicular(levels.axis.direction);
    let c = body.centre_mm;
    let uv = |q: Vec3| {
        let d = sub(q, c);
        (dot(d, u), dot(d, v))
    };
    let poly: Vec<(f64, f64)> = body.outline_mm.iter().map(|&q| uv(q)).collect();
    let (x, y) = uv(p);
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[(i + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    Some(inside)
}

/// The problems of one ROI against the levels of its series (empty when it lies where
/// its role and level say, or when its role or level is not checked).
pub fn check_roi(levels: &Levels, roi: &Roi, _volume: &Volume) -> Vec<PlacementProblem> {
    let Some(level) = roi.level else {
        return Vec::new();
    };
    match roi.role {
        Role::BHuSuperior | Role::BHuMid | Role::BHuInferior => {
            let [c, a, b] = roi.points_mm.as_slice() else {
                return Vec::new();
            };
            let body = match against_level(levels, level, *c) {
                Ok(body) => body,
                Err(p) => return vec![p],
            };
            let leaves = (0..32).any(|j| {
                let t = std::f64::consts::TAU * j as f64 / 32.0;
                let (s, co) = t.sin_cos();
                let q = [
                    c[0] + co * (a[0] - c[0]) + s * (b[0] - c[0]),
                    c[1] + co * (a[1] - c[1]) + s * (b[1] - c[1]),
                    c[2] + co * (a[2] - c[2]) + s * (b[2] - c[2]),
                ];
                inside_section(levels, body, q) == Some(false)
            });
            if leaves {
                vec![PlacementProblem::OutsideCrossSection]
            } else {
                Vec::new()
            }
        }
        Role::StHu => {
            let [entry, tip] = roi.points_mm.as_slice() else {
                return Vec::new();
            };
            let mid = [
                0.5 * (entry[0] + tip[0]),
                0.5 * (entry[1] + tip[1]),
                0.5 * (entry[2] + tip[2]),
            ];
            let body = match against_level(levels, level, mid) {
                Ok(body) => body,
                Err(p) => return vec![p],
            };
            let tip_in = inside_section(levels, body, *tip);
            let entry_in = inside_section(levels, body, *entry);
            if tip_in == Some(false) || entry_in == Some(true) {
                vec![PlacementProblem::MissesPedicle]
            } else {
                Vec::new()
            }
        }
        Role::PedicleSi | Role::CsfSi => {
            // The centre at its level's height (behind the body, so only the position
            // along the axis is compared).
            let Some(c) = roi.points_mm.first() else {
                return Vec::new();
            };
            match against_level(levels, level, *c) {
                Ok(_) => Vec::new(),
                Err(p) => vec![p],
            }
        }
        _ => Vec::new(),
    }
}

/// The problems of every ROI of `session` that has a level and lies on a series the
/// session has levels for (its own, or those of its frame of reference); `find` gives a
/// series' FrameOfReferenceUID and volume by SeriesInstanceUID.
pub fn check_session<'a>(
    session: &Session,
    find: impl Fn(&str) -> Option<(&'a str, &'a Volume)>,
) -> Vec<PlacementIssue> {
    let mut out = Vec::new();
    if session.levels.is_empty() {
        return out;
    }
    for roi in &session.rois {
        let Some((for_uid, volume)) = find(&roi.series_uid) else {
            continue;
        };
        let Some(levels) = session.levels_for(&roi.series_uid, for_uid) else {
            continue;
        };
        out.extend(
            check_roi(levels, roi, volume)
                .into_iter()
                .map(|problem| PlacementIssue {
                    roi_id: roi.id,
                    problem,
                }),
        );
    }
    out
}
