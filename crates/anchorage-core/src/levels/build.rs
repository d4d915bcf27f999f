//! What both modalities share after their own first steps: the robust axis fit through
//! per-slice column points, and the assembly of a [`Levels`] from a split profile (slice
//! indices, centres, cross-sections, discs, the sacrum test).

use rayon::prelude::*;

use super::grid::Grid;
use super::profile::{Below, Profile};
use super::types::LevelsError;
use crate::dicom::series::Series;
use crate::geometry::{Vec3, add_scaled, cross, dot, normalized, sub};
use crate::session::{FoundBody, FoundDisc, LabelSource, Levels, SpineAxis};

/// The shortest body the profile accepts, mm.
pub const MIN_BODY_MM: f64 = 10.0;

/// Two unit vectors perpendicular to `d` and to each other.
pub fn perpendicular(d: Vec3) -> (Vec3, Vec3) {
    let helper = if d[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let u = normalized(cross(d, helper)).unwrap_or([0.0, 1.0, 0.0]);
    let v = cross(d, u);
    (u, v)
}

/// A robust straight line through `points` (three least-squares fits, each without the
/// points farther than max(3 mm, 2.5 × the median distance)), parametrised along the
/// coordinate in which the points spread most; direction cranial. The origin is where
/// the line crosses z = 0 (so positions along it read like z on an upright spine), else
/// the points' mean. `None` with fewer than 5 points.
pub fn fit_axis(points: &[Vec3]) -> Option<SpineAxis> {
    let mut keep: Vec<Vec3> = points.to_vec();
    let mut axis = None;
    for _ in 0..3 {
        if keep.len() < 5 {
            return None;
        }
        let n = keep.len() as f64;
        let mut mean = [0.0; 3];
        for p in &keep {
            for i in 0..3 {
                mean[i] += p[i] / n;
            }
        }
        // Principal direction by power iteration on the scatter matrix.
        let mut m = [[0.0; 3]; 3];
        for p in &keep {
            let d = sub(*p, mean);
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] += d[i] * d[j];
                }
            }
        }
        let mut dir = [0.0, 0.0, 1.0];
        for _ in 0..50 {
            let next = [dot(m[0], dir), dot(m[1], dir), dot(m[2], dir)];
            dir = normalized(next)?;
        }
        if dir[2] < 0.0 {
            dir = [-dir[0], -dir[1], -dir[2]];
        }
        let a = SpineAxis {
            origin_mm: mean,
            direction: dir,
        };
        let dist = |p: &Vec3| {
            let d = sub(*p, mean);
            let t = dot(d, dir);
            let r = add_scaled(d, -t, dir);
            dot(r, r).sqrt()
        };
        let mut ds: Vec<f64> = keep.iter().map(dist).collect();
        ds.sort_by(f64::total_cmp);
        let med = ds[ds.len() / 2];
        let limit = (2.5 * med).max(3.0);
        let before = keep.len();
        let all: Vec<Vec3> = points.to_vec();
        keep = all.into_iter().filter(|p| dist(p) <= limit).collect();
        axis = Some(a);
        if keep.len() == before {
            break;
        }
    }
    let mut a = axis?;
    if a.direction[2].abs() > 0.3 {
        let s = -a.origin_mm[2] / a.direction[2];
        a.origin_mm = a.point_at(s);
    }
    Some(a)
}

/// The 4-neighbours of cell `i` of a grid of `h` rows of `w` cells (row-major), inside
/// the grid: above, below, left, right.
pub fn neighbours4(i: usize, h: usize, w: usize) -> impl Iterator<Item = usize> {
    let (r, c) = (i / w.max(1), i % w.max(1));
    [
        (r > 0).then(|| i - w),
        (r + 1 < h).then(|| i + w),
        (c > 0).then(|| i - 1),
        (c + 1 < w).then(|| i + 1),
    ]
    .into_iter()
    .flatten()
}

/// The largest 4-connected region of `mask` (`h` rows of `w` cells): which cells belong
/// to it, and how many; `None` when the mask is empty.
pub fn largest_region(mask: &[bool], h: usize, w: usize) -> Option<(Vec<bool>, usize)> {
    if mask.len() != h * w {
        return None;
    }
    let mut label = vec![0u32; h * w];
    let mut best: Option<(u32, usize)> = None; // (label, cells)
    let mut stack = Vec::new();
    let mut next = 0u32;
    for start in 0..h * w {
        if !mask[start] || label[start] != 0 {
            continue;
        }
        next += 1;
        label[start] = next;
        stack.push(start);
        let mut n = 0usize;
        while let Some(i) = stack.pop() {
            n += 1;
            for j in neighbours4(i, h, w) {
                if mask[j] && label[j] == 0 {
                    label[j] = next;
                    stack.push(j);
                }
            }
        }
        if best.is_none_or(|b| n > b.1) {
            best = Some((next, n));
        }
    }
    let (id, n) = best?;
    Some((label.iter().map(|&l| l == id).collect(), n))
}

/// The profile along `axis` from `range.0` to `range.1` (mm, inclusive, both ends
/// sampled), samples at most `target_mm` apart: at each the mean of trilinear samples on
/// the axis and on rings of radius `radius_mm` / 2 (8 points) and `radius_mm` (16 points)
/// perpendicular to it; NaN where fewer than half of them lie inside the volume.
pub fn sample_profile(
    grid: &Grid<'_>,
    axis: &SpineAxis,
    range: (f64, f64),
    target_mm: f64,
    radius_mm: f64,
) -> Profile {
    let (s_lo, s_hi) = range;
    let count = (((s_hi - s_lo) / target_mm).ceil() as usize).max(1) + 1;
    let step = (s_hi - s_lo) / (count - 1) as f64;
    let s_at = move |i: usize| s_lo + i as f64 * step;
    let (u, v) = perpendicular(axis.direction);
    let mut offsets = vec![[0.0; 3]];
    for (radius, m) in [(0.5 * radius_mm, 8), (radius_mm, 16)] {
        for j in 0..m {
            let a = std::f64::consts::TAU * j as f64 / m as f64;
            let (sn, cs) = a.sin_cos();
            offsets.push([
                radius * (cs * u[0] + sn * v[0]),
                radius * (cs * u[1] + sn * v[1]),
                radius * (cs * u[2] + sn * v[2]),
            ]);
        }
    }
    let values: Vec<f64> = (0..count)
        .into_par_iter()
        .map(|i| {
            let c = axis.point_at(s_at(i));
            let (mut sum, mut cnt) = (0.0, 0usize);
            for o in &offsets {
                if let Some(x) = grid.sample([c[0] + o[0], c[1] + o[1], c[2] + o[2]]) {
                    sum += x;
                    cnt += 1;
                }
            }
            if 2 * cnt >= offsets.len() {
                sum / cnt as f64
            } else {
                f64::NAN
            }
        })
        .collect();
    Profile {
        t0_mm: s_lo,
        step_mm: step,
        values,
    }
}

/// The outer surface of the cortical shell along 36 rays from `centre` in the plane
/// perpendicular to `axis` (CT): where each ray, having entered cortex (more than
/// halfway from the body's `plateau` to the ray's maximum, which must exceed the plateau
/// by 150), leaves it again.
fn outline(grid: &Grid<'_>, axis: &SpineAxis, centre: Vec3, plateau: f64) -> Vec<Vec3> {
    let (u, v) = perpendicular(axis.direction);
    let step = 0.25;
    let mut out = Vec::new();
    for j in 0..36 {
        let a = std::f64::consts::TAU * j as f64 / 36.0;
        let (sn, cs) = a.sin_cos();
        let dir = [
            cs * u[0] + sn * v[0],
            cs * u[1] + sn * v[1],
            cs * u[2] + sn * v[2],
        ];
        let samples: Vec<f64> = (0..200)
            .map(|i| {
                grid.sample(add_scaled(centre, i as f64 * step, dir))
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let max = samples
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::MIN, f64::max);
        if max < plateau + 150.0 {
            continue;
        }
        let thr = 0.5 * (plateau + max);
        let Some(enter) = samples.iter().position(|&x| x >= thr) else {
            continue;
        };
        let leave = (enter..samples.len() - 1).find(|&i| samples[i] >= thr && samples[i + 1] < thr);
        if let Some(i) = leave {
            let (x0, x1) = (samples[i], samples[i + 1]);
            let r = (i as f64 + (x0 - thr) / (x0 - x1)) * step;
            out.push(add_scaled(centre, r, dir));
        }
    }
    out
}

/// A [`Levels`] (unlabelled) from the split profile along `axis`. `ct`: trace the
/// cross-sections (CT); the slice indices are given when the series' slices stack along
/// the axis.
pub fn assemble(
    series: &Series,
    grid: &Grid<'_>,
    axis: SpineAxis,
    profile: &Profile,
    ct: bool,
) -> Result<Levels, LevelsError> {
    let split = profile
        .split(MIN_BODY_MM)
        .ok_or_else(|| LevelsError::NoSpine {
            series_uid: series.uid.clone(),
            reason: "no contrast along the spine's axis".into(),
        })?;
    if split.bodies.len() < 2 {
        return Err(LevelsError::TooFewBodies {
            series_uid: series.uid.clone(),
            found: split.bodies.len(),
        });
    }
    let stacked = dot(grid.normal(), axis.direction).abs() > 0.7;
    let slice_of = |s: f64| stacked.then(|| grid.index_of(axis.point_at(s)).0);
    let bodies: Vec<FoundBody> = split
        .bodies
        .iter()
        .map(|b| {
            let mid = 0.5 * (b.superior_mm + b.inferior_mm);
            let s_o = b.superior_mm - 0.7 * (b.superior_mm - b.inferior_mm);
            let ring = if ct {
                outline(grid, &axis, axis.point_at(s_o), b.plateau)
            } else {
                Vec::new()
            };
            let centre_mm = if ring.len() >= 8 {
                let n = ring.len() as f64;
                let mut c = [0.0; 3];
                for p in &ring {
                    for i in 0..3 {
                        c[i] += p[i] / n;
                    }
                }
                add_scaled(c, mid - s_o, axis.direction)
            } else {
                axis.point_at(mid)
            };
            FoundBody {
                level: None,
                superior_mm: b.superior_mm,
                inferior_mm: b.inferior_mm,
                superior_slice: slice_of(b.superior_mm),
                inferior_slice: slice_of(b.inferior_mm),
                centre_mm,
                outline_mm: ring,
                confidence: b.confidence,
            }
        })
        .collect();
    let discs = bodies
        .windows(2)
        .map(|w| {
            let mid = 0.5 * (w[0].inferior_mm + w[1].superior_mm);
            FoundDisc {
                upper: None,
                lower: None,
                superior_mm: w[0].inferior_mm,
                inferior_mm: w[1].superior_mm,
                centre_mm: axis.point_at(mid),
                slice: slice_of(mid),
            }
        })
        .collect();
    Ok(Levels {
        series_uid: series.uid.clone(),
        frame_of_reference_uid: series.frame_of_reference_uid.clone(),
        modality: series.modality.clone(),
        axis,
        bodies,
        discs,
        sacrum_found: split.below_caudal == Below::NoDisc,
        labelled_by: LabelSource::Unlabelled,
    })
}
