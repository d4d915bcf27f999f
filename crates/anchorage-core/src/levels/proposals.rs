//! The protocol proposed at once once the levels are known: every B-HU ellipse (the
//! superior, middle and inferior planes of each labelled lumbar body, at the slices
//! measurements.md defines) as a session ROI with its role, level and statistics, each
//! checked ([`super::check_roi`]); none enters the session until accepted
//! ([`accept_all_passing`], or the window one by one). On a sagittal MR the PBQ ROIs
//! instead ([`super::propose_mr`]). Also the ellipse click refused on a
//! disc ([`propose_ellipse_checked`]).

pub use super::types::ProtocolProposal;

use super::check::check_roi;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::geometry::{add_scaled, dot, sub};
use crate::measure::measurement::{RoiTarget, labelled, measure_roi};
use crate::measure::propose::{EllipseProposal, EllipseSettings, ProposeError, propose_ellipse};
use crate::session::{FoundBody, Level, Levels, Location, Role, Session};

/// Why an ellipse click proposes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EllipseRefusal {
    /// The proposal itself refused (not closed by cortex, too small, off the image…).
    #[error(transparent)]
    Propose(#[from] ProposeError),
    /// The click's slice lies on a disc.
    #[error("slice {slice} lies on the disc {disc}: no vertebral body to measure here")]
    OnDisc {
        /// The slice.
        slice: usize,
        /// The disc ("L3/L4").
        disc: String,
    },
}

/// The ellipse proposal of a click, refused on a disc when `levels` are given (the
/// click's point lies between two bodies along the spine), else as
/// [`crate::measure::propose::propose_ellipse`] (which refuses a region not closed by
/// cortex within 40 mm on CT).
pub fn propose_ellipse_checked(
    volume: &Volume,
    slice: usize,
    seed_px: (f64, f64),
    settings: &EllipseSettings,
    levels: Option<&Levels>,
) -> Result<EllipseProposal, EllipseRefusal> {
    if let (Some(levels), Some(plane)) = (levels, volume.planes.get(slice)) {
        let p = plane.pixel_to_patient(seed_px.0, seed_px.1);
        if let Some(Location::Disc { upper, lower, .. }) = levels.locate(p) {
            let n = |l: Option<Level>| l.map(Level::as_str).unwrap_or("?");
            return Err(EllipseRefusal::OnDisc {
                slice,
                disc: format!("{}/{}", n(upper), n(lower)),
            });
        }
    }
    Ok(propose_ellipse(volume, slice, seed_px, settings)?)
}

/// The lumbar levels whose B-HU the checklist asks for.
const B_HU_LEVELS: [Level; 5] = [Level::L1, Level::L2, Level::L3, Level::L4, Level::L5];

/// How far inside an endplate the superior and inferior planes lie (measurements.md), mm.
pub const PLANE_INSET_MM: f64 = 3.0;

/// Positions along the axis where each slice's plane meets it, or `None` when the slices
/// do not stack along the axis.
fn slice_positions(levels: &Levels, volume: &Volume) -> Option<Vec<f64>> {
    let d = levels.axis.direction;
    volume
        .planes
        .iter()
        .map(|plane| {
            let n = plane.normal();
            let denom = dot(d, n);
            (denom.abs() > 0.7).then(|| dot(sub(plane.origin_mm, levels.axis.origin_mm), n) / denom)
        })
        .collect()
}

/// The slices of the three B-HU planes of a body (superior, middle, inferior), by
/// measurements.md: superior = the first slice at least 3 mm below the superior
/// endplate, inferior = the first at least 3 mm above the inferior endplate, middle =
/// the slice nearest mid-height.
pub fn b_hu_plane_slices(body: &FoundBody, positions: &[f64]) -> [(Role, Option<usize>); 3] {
    let sup = positions
        .iter()
        .enumerate()
        .filter(|(_, t)| **t <= body.superior_mm - PLANE_INSET_MM && **t >= body.inferior_mm)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(k, _)| k);
    let inf = positions
        .iter()
        .enumerate()
        .filter(|(_, t)| **t >= body.inferior_mm + PLANE_INSET_MM && **t <= body.superior_mm)
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(k, _)| k);
    let mid = positions
        .iter()
        .enumerate()
        .min_by(|a, b| {
            (a.1 - body.mid_mm())
                .abs()
                .total_cmp(&(b.1 - body.mid_mm()).abs())
        })
        .map(|(k, _)| k);
    [
        (Role::BHuSuperior, sup),
        (Role::BHuMid, mid),
        (Role::BHuInferior, inf),
    ]
}

/// Every B-HU ellipse of the checklist for the labelled lumbar bodies (L1–L5) of `levels`
/// on this CT series, skipping a plane the session already has an ROI for; on an MR
/// series every PBQ ROI instead ([`super::propose_mr::propose_pbq`]). Each is checked;
/// none is added to the session.
pub fn propose_protocol(
    session: &Session,
    levels: &Levels,
    series: &Series,
    volume: &Volume,
) -> Vec<ProtocolProposal> {
    let mut out = Vec::new();
    if series.modality.eq_ignore_ascii_case("MR") {
        return super::propose_mr::propose_pbq(session, levels, series, volume);
    }
    if !series.modality.eq_ignore_ascii_case("CT") {
        return out;
    }
    let Some(positions) = slice_positions(levels, volume) else {
        return out;
    };
    for body in &levels.bodies {
        let Some(level) = body.level.filter(|l| B_HU_LEVELS.contains(l)) else {
            continue;
        };
        for (role, slice) in b_hu_plane_slices(body, &positions) {
            let Some(k) = slice else { continue };
            let exists = session
                .rois
                .iter()
                .any(|r| r.role == role && r.level == Some(level));
            let (Some(target), Some(t)) = (
                RoiTarget::of_slice(&series.uid, volume, k),
                positions.get(k),
            ) else {
                continue;
            };
            if exists {
                continue;
            }
            // Seed: the body's centre moved along the axis to this slice.
            let seed = add_scaled(body.centre_mm, t - body.mid_mm(), levels.axis.direction);
            let (c, r, _) = target.plane.patient_to_pixel(seed);
            // A tighter tolerance first, so that the region does not run into the
            // pedicles' marrow where they open into the body at mid-height.
            let tight = EllipseSettings {
                tolerance: 60.0,
                ..EllipseSettings::CT
            };
            let Ok(e) = propose_ellipse(volume, k, (c, r), &tight)
                .or_else(|_| propose_ellipse(volume, k, (c, r), &EllipseSettings::CT))
            else {
                continue;
            };
            let roi = labelled(
                target.ellipse(role, e.centre_px, e.rx_mm, e.ry_mm, e.angle_rad),
                Some(level),
                None,
            );
            let stats = measure_roi(&roi, volume).ok().and_then(|m| m.stats);
            let problems = check_roi(levels, &roi, volume);
            out.push(ProtocolProposal {
                roi,
                slice: k,
                stats,
                problems,
            });
        }
    }
    out
}
/// Adds every proposal that passes its checks to the session (fresh ids); returns the
/// ids given, in proposal order.
pub fn accept_all_passing(session: &mut Session, proposals: &[ProtocolProposal]) -> Vec<u64> {
    proposals
        .iter()
        .filter(|p| p.passes())
        .map(|p| session.add_roi(p.roi.clone()))
        .collect()
}
