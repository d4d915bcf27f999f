//! Levels on a sagittal T1 MR: the marrow column, the spine's axis, the profile along it.
//!
//! On T1 the vertebral marrow is of intermediate-high signal, between muscle and discs
//! (darker) and fat (brighter); cortex and CSF are dark. So:
//!
//! 1. The fat reference is the 99th percentile of the volume's values (subcutaneous and
//!    epidural fat are the brightest tissue); marrow is what lies between
//!    [`MARROW_LOW`] and [`MARROW_HIGH`] of it.
//! 2. Every axial-like cross-section about 2 mm apart (one row of blocks of about
//!    2 × 2 mm in each sagittal slice, stacked over the slices) is masked to marrow; the
//!    largest 4-connected marrow region of at least [`MIN_MARROW_MM2`] is the body on
//!    that cross-section, its centroid a point near the body's centre.
//! 3. The axis: the robust line fit the CT uses ([`super::build::fit_axis`]).
//! 4. The profile: the mean value in a disc of [`PROFILE_RADIUS_MM`] perpendicular to the
//!    axis, about every 0.375 mm along it (marrow high, discs low), split as on CT
//!    ([`super::profile`]).
//! 5. Endplates: the half-height crossing finds the edge of the marrow, which on T1 is
//!    the inner surface of the dark cortical endplate; where a dark band (well below the
//!    disc's signal) follows within 3 mm, the endplate is moved to the band's outer edge
//!    (the half-height crossing between the band's minimum and the disc).
//!
//! Limits: tuned to marrow of intermediate signal (about 45–72 % of fat); fatty marrow
//! as bright as fat, Modic changes or marrow oedema are not modelled; the slices must be
//! sagittal and together span the bodies' width (the cross-sections are made over them).
//! No cross-section outline is traced (the MR's bodies carry none).

use rayon::prelude::*;

use super::build::{assemble, fit_axis, largest_region, sample_profile};
use super::grid::Grid;
use super::profile::Profile;
use super::types::LevelsError;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::geometry::Vec3;
use crate::session::{Levels, SpineAxis};

/// Marrow's lowest signal, as a fraction of the fat reference.
pub const MARROW_LOW: f64 = 0.45;
/// Marrow's highest signal, as a fraction of the fat reference.
pub const MARROW_HIGH: f64 = 0.72;
/// The smallest marrow cross-section (mm²) that counts as a body.
pub const MIN_MARROW_MM2: f64 = 300.0;
/// Radius of the profile's disc, mm.
pub const PROFILE_RADIUS_MM: f64 = 5.0;
/// How far beyond the marrow's edge the dark endplate band is looked for, mm.
const ENDPLATE_SEARCH_MM: f64 = 3.0;

/// The 99th percentile of the volume's finite values (every 7th voxel).
pub(super) fn fat_reference(grid: &Grid<'_>) -> Option<f64> {
    let (ns, nr, nc) = grid.dims;
    let n = ns * nr * nc;
    let mut v: Vec<f64> = (0..n)
        .step_by(7)
        .filter_map(|i| {
            let x = grid.voxel(i / (nr * nc), (i / nc) % nr, i % nc);
            x.is_finite().then_some(x as f64)
        })
        .collect();
    if v.len() < 100 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    v.get(v.len() * 99 / 100).copied().filter(|x| *x > 0.0)
}

/// In-plane layout: whether the superior–inferior direction runs along the rows index
/// (true: fixed row = axial-like line) or the columns index.
fn si_along_rows(grid: &Grid<'_>) -> bool {
    let p = grid.plane();
    p.col_dir[2].abs() >= p.row_dir[2].abs()
}

/// The marrow region of the cross-section at SI block `b` (blocks of `f` pixels in plane,
/// one slice across): its centroid.
fn body_on_cross_section(
    grid: &Grid<'_>,
    b: usize,
    f: usize,
    band: (f64, f64),
    rows_si: bool,
) -> Option<Vec3> {
    let (ns, nr, nc) = grid.dims;
    let nw = if rows_si { nc } else { nr } / f;
    if nw == 0 || ns == 0 {
        return None;
    }
    let at = |k: usize, u: usize, w: usize| {
        if rows_si {
            grid.voxel(k, u, w)
        } else {
            grid.voxel(k, w, u)
        }
    };
    let mut mask = vec![false; ns * nw];
    for k in 0..ns {
        for wb in 0..nw {
            let (mut sum, mut cnt) = (0.0f64, 0u32);
            for u in b * f..b * f + f {
                for w in wb * f..wb * f + f {
                    let v = at(k, u, w);
                    if v.is_finite() {
                        sum += v as f64;
                        cnt += 1;
                    }
                }
            }
            if cnt > 0 {
                let m = sum / cnt as f64;
                mask[k * nw + wb] = m >= band.0 && m <= band.1;
            }
        }
    }
    let (member, n) = largest_region(&mask, ns, nw)?;
    let plane = grid.plane();
    let px_w = if rows_si {
        plane.col_spacing_mm
    } else {
        plane.row_spacing_mm
    };
    if (n as f64) * grid.slice_mm * f as f64 * px_w < MIN_MARROW_MM2 {
        return None;
    }
    let (mut sk, mut sw) = (0.0, 0.0);
    for (i, _) in member.iter().enumerate().filter(|(_, m)| **m) {
        sk += (i / nw) as f64;
        sw += (i % nw) as f64;
    }
    let half = 0.5 * (f as f64 - 1.0);
    let k = sk / n as f64;
    let w = sw / n as f64 * f as f64 + half;
    let u = (b * f) as f64 + half;
    Some(if rows_si {
        grid.point_of(k, u, w)
    } else {
        grid.point_of(k, w, u)
    })
}

/// The part of the axis inside the grid: (s_lo, s_hi), mm along it.
fn axis_range(grid: &Grid<'_>, axis: &SpineAxis) -> Option<(f64, f64)> {
    let (ns, nr, nc) = grid.dims;
    let i0 = grid.index_of(axis.point_at(0.0));
    let i1 = grid.index_of(axis.point_at(1.0));
    let bounds = [
        (i0.0, i1.0 - i0.0, -0.5, ns as f64 - 0.5),
        (i0.1, i1.1 - i0.1, 0.0, (nr - 1) as f64),
        (i0.2, i1.2 - i0.2, 0.0, (nc - 1) as f64),
    ];
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    for (x0, dx, a, b) in bounds {
        if dx.abs() < 1e-9 {
            if x0 < a || x0 > b {
                return None;
            }
            continue;
        }
        let (sa, sb) = ((a - x0) / dx, (b - x0) / dx);
        lo = lo.max(sa.min(sb));
        hi = hi.min(sa.max(sb));
    }
    (hi > lo && lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// The profile's value at position `t` (mm along the axis), linearly interpolated.
fn value_at(profile: &Profile, t: f64) -> Option<f64> {
    let x = (t - profile.t0_mm) / profile.step_mm;
    if x < 0.0 {
        return None;
    }
    let i = x.floor() as usize;
    let f = x - i as f64;
    let a = *profile.values.get(i)?;
    let b = profile.values.get(i + 1).copied().unwrap_or(a);
    let v = a + f * (b - a);
    v.is_finite().then_some(v)
}

/// The endplate beyond the marrow's edge at `edge_mm`, going in direction `dir` (+1
/// cranial, −1 caudal): the outer edge of a dark band there, else `edge_mm`.
fn outer_endplate(profile: &Profile, edge_mm: f64, dir: f64, plateau: f64, trough: f64) -> f64 {
    let step = 0.5 * profile.step_mm;
    let n = (ENDPLATE_SEARCH_MM / step).ceil() as usize;
    let samples: Vec<(f64, f64)> = (0..=n)
        .filter_map(|i| {
            let t = edge_mm + dir * i as f64 * step;
            value_at(profile, t).map(|v| (t, v))
        })
        .collect();
    let Some(&(t_min, v_min)) = samples.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
        return edge_mm;
    };
    // A band only when clearly darker than the disc beyond it (NaN: no band).
    let dark = trough - v_min > 0.25 * (plateau - trough).abs();
    if !dark {
        return edge_mm;
    }
    let thr = 0.5 * (v_min + trough);
    let mut prev = (t_min, v_min);
    for i in 1..=2 * n {
        let t = t_min + dir * i as f64 * step;
        let Some(v) = value_at(profile, t) else { break };
        if v >= thr {
            let f = (thr - prev.1) / (v - prev.1);
            return prev.0 + f * (t - prev.0);
        }
        prev = (t, v);
    }
    edge_mm
}

/// Moves each endplate of `levels` from the marrow's edge to the outer edge of the dark
/// cortical endplate band, and the discs and centres with them.
fn refine_endplates(levels: &mut Levels, profile: &Profile) {
    let mut plateau: Vec<f64> = levels
        .bodies
        .iter()
        .filter_map(|b| value_at(profile, b.mid_mm()))
        .collect();
    let mut trough: Vec<f64> = levels
        .discs
        .iter()
        .filter_map(|d| value_at(profile, 0.5 * (d.superior_mm + d.inferior_mm)))
        .collect();
    plateau.sort_by(f64::total_cmp);
    trough.sort_by(f64::total_cmp);
    let (Some(&p), Some(&t)) = (plateau.get(plateau.len() / 2), trough.get(trough.len() / 2))
    else {
        return;
    };
    let axis = levels.axis;
    for b in &mut levels.bodies {
        let sup = outer_endplate(profile, b.superior_mm, 1.0, p, t);
        let inf = outer_endplate(profile, b.inferior_mm, -1.0, p, t);
        if sup > inf {
            b.superior_mm = sup;
            b.inferior_mm = inf;
            b.centre_mm = axis.point_at(b.mid_mm());
        }
    }
    let ends: Vec<(f64, f64)> = levels
        .bodies
        .iter()
        .map(|b| (b.superior_mm, b.inferior_mm))
        .collect();
    for (i, d) in levels.discs.iter_mut().enumerate() {
        if let (Some(upper), Some(lower)) = (ends.get(i), ends.get(i + 1)) {
            d.superior_mm = upper.1;
            d.inferior_mm = lower.0;
            d.centre_mm = axis.point_at(0.5 * (upper.1 + lower.0));
        }
    }
}

/// Finds the bodies and discs of a sagittal T1 MR (unlabelled).
pub fn find(series: &Series, volume: &Volume) -> Result<Levels, LevelsError> {
    let no_spine = |reason: &str| LevelsError::NoSpine {
        series_uid: series.uid.clone(),
        reason: reason.to_string(),
    };
    let grid = Grid::new(volume).ok_or_else(|| no_spine("the volume is empty"))?;
    let fat = fat_reference(&grid).ok_or_else(|| no_spine("too few voxels with a value"))?;
    let band = (MARROW_LOW * fat, MARROW_HIGH * fat);
    let rows_si = si_along_rows(&grid);
    let plane = *grid.plane();
    let (px_u, n_u) = if rows_si {
        (plane.row_spacing_mm, grid.dims.1)
    } else {
        (plane.col_spacing_mm, grid.dims.2)
    };
    let f = ((2.0 / px_u).round() as usize).max(1);
    let blocks: Vec<usize> = (0..n_u / f).collect();
    let points: Vec<Vec3> = blocks
        .par_iter()
        .filter_map(|&b| body_on_cross_section(&grid, b, f, band, rows_si))
        .collect();
    let axis = fit_axis(&points).ok_or_else(|| {
        no_spine(
            "no marrow column (T1 signal between muscle and fat) through enough cross-sections",
        )
    })?;
    let range = axis_range(&grid, &axis)
        .ok_or_else(|| no_spine("the spine's axis does not run through the volume"))?;
    let target = 0.5f64.min(0.5 * px_u);
    let profile = sample_profile(&grid, &axis, range, target, PROFILE_RADIUS_MM);
    let mut levels = assemble(series, &grid, axis, &profile, false)?;
    refine_endplates(&mut levels, &profile);
    Ok(levels)
}
