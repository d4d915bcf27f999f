//! The automatic pedicle measurement along a planned screw ([`measure_pedicle`]).
//!
//! Method, on the volume alone: every 0.5 mm along the axis from the entry, the plane
//! perpendicular to the axis is sampled (trilinear) on a 0.25 mm grid 28 mm across. Bone
//! is what lies above half way between the tissue around (the median of the grid's
//! border) and the cancellous bone (the median of the values between soft tissue and the
//! cortex's half height; the cortex is the plane's 99th percentile). The section is the
//! bone region holding the axis, or nearest to it, that does not reach the grid's border.
//! Its outline: 180 rays from the region's centroid, each edge placed sub-voxel where the
//! profile falls through half height between the cortex peak and the tissue beyond (a
//! thin cortex missed between two slices: between the cancellous bone and the tissue
//! beyond). The transverse and cranio-caudal widths are the outline's extents along the
//! plane's medial and cranial axes, each extreme from a parabola through the outline
//! points within 40° of it. The distances run from the screw's surface to the outline
//! along ±medial and ±cranial from the axis (negative when the outline edge lies inside
//! the screw); the breach is how far the screw's circle reaches outside the outline.
//!
//! The pedicle is the longest run of planes with a section (gaps of 1 mm allowed): before
//! it the posterior elements (the bone region reaches the border), after it the vertebral
//! body. Widths, distances and breach are averaged over 5 planes (2 mm) before the
//! isthmus (narrowest transverse width), the smallest distances and the largest breach
//! are taken.

use serde::Serialize;

use crate::geometry::{Vec3, add_scaled};
use crate::session::Side;

use super::error::PlanError;
use super::grade::BreachGrade;
use super::sample::Sampler;
use super::screw::ScrewPlan;
use super::section::{Section, SectionGrid};

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
/// from the entry to the vertebral body (at most `length_mm` deep). Err
/// [`PlanError::NoPedicle`] when no plane along the screw has a section enclosed by
/// cortex.
pub fn measure_pedicle(
    sampler: &Sampler,
    plan: &ScrewPlan,
    side: Side,
    diameter_mm: f64,
    length_mm: f64,
) -> Result<PedicleMeasurement, PlanError> {
    if !(diameter_mm > 0.0 && length_mm > 0.0) {
        return Err(PlanError::Invalid {
            field: "diameter_mm, length_mm",
            reason: "must be positive".into(),
        });
    }
    let frame = plan.frame(side);
    let radius = 0.5 * diameter_mm;
    let mut grid = SectionGrid::new();
    let steps = (length_mm / SECTION_STEP_MM).floor() as usize;
    let all: Vec<Option<PedicleSection>> = (0..=steps)
        .map(|k| {
            let depth = k as f64 * SECTION_STEP_MM;
            let centre = plan.point_at(depth);
            grid.measure(sampler, centre, frame.medial, frame.cranial, radius)
                .map(|sec| to_section(depth, centre, &frame, &sec))
        })
        .collect();
    let sections = longest_run(all);
    summarize(sections)
}

/// The longest run of planes with a section (gaps of up to [`MAX_GAP`] planes allowed,
/// a plane whose section was not found), by the number of sections: the pedicle. Planes
/// before it are the posterior elements, after it the vertebral body.
fn longest_run(all: Vec<Option<PedicleSection>>) -> Vec<PedicleSection> {
    let mut best: (usize, usize, usize) = (0, 0, 0); // (count, start, end)
    let mut k = 0;
    while k < all.len() {
        if all[k].is_none() {
            k += 1;
            continue;
        }
        let (start, mut end, mut count, mut gap) = (k, k, 0, 0);
        let mut j = k;
        while j < all.len() {
            if all[j].is_some() {
                count += 1;
                end = j;
                gap = 0;
            } else {
                gap += 1;
                if gap > MAX_GAP {
                    break;
                }
            }
            j += 1;
        }
        if count > best.0 {
            best = (count, start, end);
        }
        k = end + 1;
    }
    if best.0 == 0 {
        return Vec::new();
    }
    all.into_iter()
        .skip(best.1)
        .take(best.2 + 1 - best.1)
        .flatten()
        .collect()
}

/// Planes without a section tolerated inside the pedicle (1 mm).
const MAX_GAP: usize = 2;

fn to_section(
    depth: f64,
    centre: Vec3,
    frame: &super::screw::AxisFrame,
    sec: &Section,
) -> PedicleSection {
    PedicleSection {
        depth_mm: depth,
        width_transverse_mm: sec.width_x_mm,
        width_craniocaudal_mm: sec.width_y_mm,
        distance_medial_mm: sec.distance_mm[0],
        distance_lateral_mm: sec.distance_mm[1],
        distance_cranial_mm: sec.distance_mm[2],
        distance_caudal_mm: sec.distance_mm[3],
        breach_mm: sec.breach_mm,
        outline_mm: sec
            .outline
            .iter()
            .map(|&[x, y]| add_scaled(add_scaled(centre, x, frame.medial), y, frame.cranial))
            .collect(),
    }
}

/// Planes averaged (centred) before the minima and maxima along the pedicle (2 mm):
/// each plane's edges carry sampling errors of up to half a voxel that change from
/// plane to plane, and the smallest of many noisy widths would be biased low.
const SMOOTH_PLANES: usize = 5;

/// The centred moving average of `f` over the sections.
fn smoothed(sections: &[PedicleSection], f: fn(&PedicleSection) -> f64) -> Vec<f64> {
    let h = SMOOTH_PLANES / 2;
    (0..sections.len())
        .map(|i| {
            let lo = i.saturating_sub(h);
            let hi = (i + h).min(sections.len() - 1);
            let w = &sections[lo..=hi];
            w.iter().map(f).sum::<f64>() / w.len() as f64
        })
        .collect()
}

fn summarize(sections: Vec<PedicleSection>) -> Result<PedicleMeasurement, PlanError> {
    if sections.is_empty() {
        return Err(PlanError::NoPedicle);
    }
    let wt = smoothed(&sections, |s| s.width_transverse_mm);
    let wc = smoothed(&sections, |s| s.width_craniocaudal_mm);
    let (isthmus, _) = wt
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .ok_or(PlanError::NoPedicle)?;
    let min = |f: fn(&PedicleSection) -> f64| {
        smoothed(&sections, f)
            .into_iter()
            .fold(f64::INFINITY, f64::min)
    };
    let breach = smoothed(&sections, |s| s.breach_mm)
        .into_iter()
        .fold(0.0, f64::max);
    let first = sections.first().map_or(0.0, |s| s.depth_mm);
    let last = sections.last().map_or(0.0, |s| s.depth_mm);
    Ok(PedicleMeasurement {
        isthmus_depth_mm: sections.get(isthmus).map_or(0.0, |s| s.depth_mm),
        isthmus_width_transverse_mm: wt.get(isthmus).copied().unwrap_or(f64::NAN),
        isthmus_width_craniocaudal_mm: wc.get(isthmus).copied().unwrap_or(f64::NAN),
        distance_medial_mm: min(|s| s.distance_medial_mm),
        distance_lateral_mm: min(|s| s.distance_lateral_mm),
        distance_cranial_mm: min(|s| s.distance_cranial_mm),
        distance_caudal_mm: min(|s| s.distance_caudal_mm),
        breach_mm: breach,
        breach_grade: BreachGrade::from_breach_mm(breach),
        pedicle_depth_range_mm: [first, last],
        sections,
    })
}
