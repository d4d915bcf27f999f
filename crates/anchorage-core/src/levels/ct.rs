//! Levels on an axial-like CT: the bony column, the spine's axis, the profile along it.
//!
//! 1. Every slice about 2 mm apart is reduced to blocks of about 2 × 2 mm (block means);
//!    blocks of at least [`BONE_HU`] are bone. The largest 4-connected bony region of
//!    at least [`MIN_COLUMN_MM2`] is the vertebral column on that slice (the body, with
//!    the posterior elements it touches); the centroid of its blocks below
//!    [`CANCELLOUS_MAX_HU`] (the body's core, not the dense posterior elements) is a
//!    point near the body's centre.
//! 2. The axis: a straight line fitted to those centroids by least squares, three times,
//!    each time without the centroids farther than max(3 mm, 2.5 × the median distance)
//!    (slices through posterior elements only, other bones).
//! 3. The profile: the mean value in a disc of 5 mm radius perpendicular to the axis,
//!    every 0.5 mm along it (trilinear interpolation), split by [`super::profile`].
//! 4. Each body's cross-section: 36 rays from the axis in the plane 70 % of the way down
//!    the body (below the pedicles), each ending where it leaves the cortical shell.

use rayon::prelude::*;

use super::build::{assemble, fit_axis, largest_region, sample_profile};
use super::grid::Grid;
use super::types::LevelsError;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::geometry::Vec3;
use crate::session::Levels;

/// Block mean (HU) from which a block counts as bone.
pub const BONE_HU: f64 = 110.0;
/// The smallest cross-section (mm²) a bony region must have to be the column.
pub const MIN_COLUMN_MM2: f64 = 400.0;
/// Blocks up to this mean (HU) count as cancellous bone for the column's centre.
pub const CANCELLOUS_MAX_HU: f64 = 400.0;
/// Radius of the profile's disc, mm.
pub const PROFILE_RADIUS_MM: f64 = 5.0;

/// The largest bony region of slice `k` (block size `f` pixels): its centroid and area.
fn column_on_slice(grid: &Grid<'_>, k: usize, f: usize) -> Option<(Vec3, f64)> {
    let (_, nr, nc) = grid.dims;
    let (h, w) = (nr / f, nc / f);
    if h == 0 || w == 0 {
        return None;
    }
    let mut mean = vec![f64::NAN; h * w];
    for br in 0..h {
        for bc in 0..w {
            let (mut sum, mut cnt) = (0.0f64, 0u32);
            for r in br * f..br * f + f {
                for c in bc * f..bc * f + f {
                    let v = grid.voxel(k, r, c);
                    if v.is_finite() {
                        sum += v as f64;
                        cnt += 1;
                    }
                }
            }
            if cnt > 0 {
                mean[br * w + bc] = sum / cnt as f64;
            }
        }
    }
    let mask: Vec<bool> = mean.iter().map(|&m| m >= BONE_HU).collect();
    let (member, n) = largest_region(&mask, h, w)?;
    let plane = grid.plane();
    let cell_mm2 = (f * f) as f64 * plane.row_spacing_mm * plane.col_spacing_mm;
    let area = n as f64 * cell_mm2;
    if area < MIN_COLUMN_MM2 {
        return None;
    }
    // The centroid of its cancellous-like blocks (below CANCELLOUS_MAX_HU): the body's
    // core, without the dense posterior elements that would pull it backwards.
    let (mut m, mut sr, mut sc) = (0usize, 0.0, 0.0);
    for (i, (&l, &v)) in member.iter().zip(&mean).enumerate() {
        if l && v <= CANCELLOUS_MAX_HU {
            m += 1;
            sr += (i / w) as f64;
            sc += (i % w) as f64;
        }
    }
    if (m as f64) * cell_mm2 < 0.25 * MIN_COLUMN_MM2 {
        return None;
    }
    let n = m;
    let half = 0.5 * (f as f64 - 1.0);
    let (r, c) = (
        sr / n as f64 * f as f64 + half,
        sc / n as f64 * f as f64 + half,
    );
    Some((grid.point_of(k as f64, r, c), area))
}

/// Finds the bodies and discs of an axial-like CT (unlabelled).
pub fn find(series: &Series, volume: &Volume) -> Result<Levels, LevelsError> {
    let no_spine = |reason: &str| LevelsError::NoSpine {
        series_uid: series.uid.clone(),
        reason: reason.to_string(),
    };
    let grid = Grid::new(volume).ok_or_else(|| no_spine("the volume is empty"))?;
    let plane = *grid.plane();
    let px = plane.col_spacing_mm.min(plane.row_spacing_mm);
    let f = ((2.0 / px).round() as usize).max(1);
    let fs = ((2.0 / grid.slice_mm).round() as usize).max(1);
    let ks: Vec<usize> = (0..grid.dims.0).step_by(fs).collect();
    let points: Vec<Vec3> = ks
        .par_iter()
        .filter_map(|&k| column_on_slice(&grid, k, f).map(|(p, _)| p))
        .collect();
    let axis = fit_axis(&points)
        .ok_or_else(|| no_spine("no bony column through enough slices (bone ≥ 110 HU)"))?;
    // The profile along the axis, over the part of it inside the volume.
    let k_of = |s: f64| grid.index_of(axis.point_at(s)).0;
    let (k0, k1) = (k_of(0.0), k_of(1.0));
    let dk = k1 - k0;
    if dk.abs() < 1e-6 {
        return Err(no_spine("the spine's axis lies in the slice plane"));
    }
    let last = (grid.dims.0 - 1) as f64;
    let (sa, sb) = ((0.0 - k0) / dk, (last - k0) / dk);
    let (s_lo, s_hi) = (sa.min(sb), sa.max(sb));
    // Samples about 0.5 mm apart from s_lo to s_hi inclusive (the first and last exactly
    // on the first and last slices).
    let target = 0.5f64.min(0.5 * grid.slice_mm);
    let profile = sample_profile(&grid, &axis, (s_lo, s_hi), target, PROFILE_RADIUS_MM);
    assemble(series, &grid, axis, &profile, true)
}
