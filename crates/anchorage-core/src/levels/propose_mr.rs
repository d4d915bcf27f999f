//! The MR's PBQ protocol proposed at once once the levels are known (measurements.md,
//! PBQ): a pedicle ROI in the marrow of each pedicle, L1–L4 left and right, on the
//! parasagittal slice through it, 1 mm inside the cortical margin; and the CSF ROI in the
//! dural sac behind the body of the session's CSF level (L3 unless changed). Each is a
//! [`ProtocolProposal`] with its statistics and checks; none enters the session until
//! accepted.
//!
//! Method, per body (the levels' axis and body positions, found on this MR or shared from
//! the CT of its frame of reference):
//! 1. Directions: along the axis; posterior, in the slices' plane perpendicular to the
//!    axis; lateral (patient left), perpendicular to both.
//! 2. The body's posterior wall: on the slice nearest the body's centre, rays go
//!    posteriorly from the axis at 30–70 % of the body's height; each ends where the
//!    signal leaves the marrow band for 1 mm; the wall is 1 mm behind the median end.
//! 3. A pedicle: on every slice 5–35 mm to its side, the marrow behind the wall (from
//!    1.5 mm to 30 mm behind it, from 2 mm above the superior endplate to 85 % of the
//!    body's height below it) sampled every 0.5 mm; its largest connected region is that
//!    slice's cut through the pedicle, and the slice with the largest cut is the one
//!    through the pedicle. The point of that region deepest inside it seeds the ellipse
//!    proposal of the single click ([`propose_ellipse`], the PBQ pedicle settings: 1 mm
//!    margin, 6 mm reach).
//! 4. The CSF: on the slice nearest the body's centre, at mid-height, the first run of
//!    at least 2 mm of CSF-like signal (dark, but brighter than cortex) within 30 mm
//!    behind the wall seeds the ellipse proposal (1 mm margin, reach 40 % of the body's
//!    height, so that it stays behind this body).
//!
//! Marrow and CSF are told by their signal relative to the fat reference (the volume's
//! 99th percentile, as the MR level finder). Limits: a spine turned in the scanner
//! shifts the posterior wall between the mid slice and the pedicles' slices (the wall is
//! measured on the mid slice only); pedicles whose marrow signal is outside the band
//! (sclerosis, fatty marrow) are not found, and are then simply not proposed.

use super::build::{largest_region, neighbours4};
use super::check::check_roi;
use super::grid::Grid;
use super::mr::{MARROW_HIGH, MARROW_LOW, fat_reference};
use super::types::ProtocolProposal;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::geometry::{Vec3, add_scaled, cross, dot, normalized, sub};
use crate::measure::measurement::{RoiTarget, labelled, measure_roi};
use crate::measure::propose::{EllipseSettings, propose_ellipse, seed_value};
use crate::session::{FoundBody, Level, Levels, Role, Session, Side};

/// The levels whose pedicles the PBQ uses.
const PBQ_LEVELS: [Level; 4] = [Level::L1, Level::L2, Level::L3, Level::L4];
/// CSF's signal band, as fractions of the fat reference (darker than discs and muscle,
/// brighter than cortex).
const CSF_LOW: f64 = 0.08;
/// See [`CSF_LOW`].
const CSF_HIGH: f64 = 0.25;
/// Sampling step of the searches, mm.
const STEP_MM: f64 = 0.5;

/// The body's frame on this series and what the searches need.
struct Frame<'a> {
    grid: Grid<'a>,
    volume: &'a Volume,
    axis: Vec3,
    posterior: Vec3,
    left: Vec3,
    marrow: (f64, f64),
    csf: (f64, f64),
}

impl Frame<'_> {
    /// The value at `p` projected onto slice `k`'s plane.
    fn at(&self, k: usize, p: Vec3) -> Option<f64> {
        let plane = self.volume.planes.get(k)?;
        let n = plane.normal();
        let q = add_scaled(p, -dot(sub(p, plane.origin_mm), n), n);
        self.grid.sample(q)
    }

    /// The point `t` mm along the axis from the body's mid-height and `s` mm posterior.
    fn point(&self, body: &FoundBody, t: f64, s: f64) -> Vec3 {
        add_scaled(
            add_scaled(body.centre_mm, t - body.mid_mm(), self.axis),
            s,
            self.posterior,
        )
    }

    /// Each slice's lateral offset from the body's centre: where the line through the
    /// centre towards the patient's left crosses its plane (mm, + left).
    fn offsets(&self, body: &FoundBody) -> Vec<f64> {
        self.volume
            .planes
            .iter()
            .map(|p| {
                let n = p.normal();
                dot(sub(p.origin_mm, body.centre_mm), n) / dot(self.left, n)
            })
            .collect()
    }

    /// The slice nearest the body's centre.
    fn mid_slice(&self, body: &FoundBody) -> Option<usize> {
        self.offsets(body)
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(k, _)| k)
    }

    /// Distance of the posterior wall from the axis (mm) on the mid slice.
    fn wall(&self, body: &FoundBody, k: usize) -> Option<f64> {
        let h = body.height_mm();
        let in_band = |v: Option<f64>| v.is_some_and(|v| v >= self.marrow.0 && v <= self.marrow.1);
        let mut ends: Vec<f64> = [0.3, 0.4, 0.5, 0.6, 0.7]
            .iter()
            .filter_map(|f| {
                let t = body.superior_mm - f * h;
                let mut out = 0usize;
                for i in 0..160 {
                    let s = i as f64 * 0.25;
                    if in_band(self.at(k, self.point(body, t, s))) {
                        out = 0;
                    } else {
                        out += 1;
                        if out == 4 {
                            return Some(s - 0.75);
                        }
                    }
                }
                None
            })
            .collect();
        ends.sort_by(f64::total_cmp);
        ends.get(ends.len() / 2).map(|e| e + 1.0)
    }
}

/// The best slice through one pedicle and the seed point in it.
fn find_pedicle(f: &Frame<'_>, body: &FoundBody, wall: f64, side: Side) -> Option<(usize, Vec3)> {
    let sign = if side == Side::L { 1.0 } else { -1.0 };
    let h = body.height_mm();
    let (t_hi, t_lo) = (body.superior_mm + 2.0, body.superior_mm - 0.85 * h);
    let (s_lo, s_hi) = (wall + 1.5, wall + 30.0);
    let nt = ((t_hi - t_lo) / STEP_MM) as usize + 1;
    let ns = ((s_hi - s_lo) / STEP_MM) as usize + 1;
    let mut best: Option<(usize, usize, Vec<bool>)> = None; // (slice, cells, members)
    for (k, off) in f.offsets(body).into_iter().enumerate() {
        if !(5.0..=35.0).contains(&(sign * off)) {
            continue;
        }
        let mask: Vec<bool> = (0..nt * ns)
            .map(|i| {
                let (it, is) = (i / ns, i % ns);
                let p = f.point(body, t_hi - it as f64 * STEP_MM, s_lo + is as f64 * STEP_MM);
                f.at(k, p)
                    .is_some_and(|v| v >= f.marrow.0 && v <= f.marrow.1)
            })
            .collect();
        if let Some((member, n)) = largest_region(&mask, nt, ns)
            && best.as_ref().is_none_or(|b| n > b.1)
        {
            best = Some((k, n, member));
        }
    }
    let (k, n, member) = best?;
    if (n as f64) * STEP_MM * STEP_MM < 15.0 {
        return None;
    }
    // The cell deepest inside the region (4-neighbour distance to the nearest outside cell).
    let mut dist = vec![usize::MAX; nt * ns];
    let mut queue = std::collections::VecDeque::new();
    for i in 0..nt * ns {
        let (it, is) = (i / ns, i % ns);
        let edge = it == 0 || is == 0 || it + 1 == nt || is + 1 == ns;
        if !member[i] || edge {
            dist[i] = 0;
            queue.push_back(i);
        }
    }
    while let Some(i) = queue.pop_front() {
        for j in neighbours4(i, nt, ns) {
            if dist[j] == usize::MAX {
                dist[j] = dist[i] + 1;
                queue.push_back(j);
            }
        }
    }
    let deepest = (0..nt * ns).max_by_key(|&i| dist[i])?;
    let (it, is) = (deepest / ns, deepest % ns);
    Some((
        k,
        f.point(body, t_hi - it as f64 * STEP_MM, s_lo + is as f64 * STEP_MM),
    ))
}

/// The seed of the CSF ROI behind `body` on slice `k`.
fn find_csf(f: &Frame<'_>, body: &FoundBody, wall: f64, k: usize) -> Option<Vec3> {
    let t = body.mid_mm();
    let mut run: Option<f64> = None;
    for i in 0..=(30.0 / 0.25) as usize {
        let s = wall + i as f64 * 0.25;
        let like = f
            .at(k, f.point(body, t, s))
            .is_some_and(|v| v >= f.csf.0 && v <= f.csf.1);
        match (like, run) {
            (true, None) => run = Some(s),
            (false, Some(start)) => {
                if s - start >= 2.0 {
                    return Some(f.point(body, t, 0.5 * (start + s - 0.25)));
                }
                run = None;
            }
            _ => {}
        }
    }
    None
}

/// One ellipse proposal seeded at `p` on slice `k`.
#[allow(clippy::too_many_arguments)]
fn proposal(
    levels: &Levels,
    series: &Series,
    volume: &Volume,
    k: usize,
    p: Vec3,
    role: Role,
    level: Level,
    side: Option<Side>,
    max_radius_mm: Option<f64>,
) -> Option<ProtocolProposal> {
    let target = RoiTarget::of_slice(&series.uid, volume, k)?;
    let (c, r, _) = target.plane.patient_to_pixel(p);
    let v = seed_value(volume, k, (c, r))?;
    let mut settings = EllipseSettings::for_role(&series.modality, role, v);
    if let Some(m) = max_radius_mm {
        settings.max_radius_mm = m;
    }
    let e = propose_ellipse(volume, k, (c, r), &settings).ok()?;
    let roi = labelled(
        target.ellipse(role, e.centre_px, e.rx_mm, e.ry_mm, e.angle_rad),
        Some(level),
        side,
    );
    let stats = measure_roi(&roi, volume).ok().and_then(|m| m.stats);
    let problems = check_roi(levels, &roi, volume);
    Some(ProtocolProposal {
        roi,
        slice: k,
        stats,
        problems,
    })
}

/// Every PBQ ROI (pedicles L1–L4 left and right, the CSF behind the session's CSF level)
/// of `levels` on this sagittal MR, skipping one the session already has. Each is
/// checked; none is added to the session.
pub fn propose_pbq(
    session: &Session,
    levels: &Levels,
    series: &Series,
    volume: &Volume,
) -> Vec<ProtocolProposal> {
    let mut out = Vec::new();
    let (Some(grid), Some(plane)) = (Grid::new(volume), volume.planes.first()) else {
        return out;
    };
    let Some(fat) = fat_reference(&grid) else {
        return out;
    };
    let axis = levels.axis.direction;
    let Some(mut posterior) = normalized(cross(axis, plane.normal())) else {
        return out;
    };
    if posterior[1] < 0.0 {
        posterior = [-posterior[0], -posterior[1], -posterior[2]];
    }
    let Some(mut left) = normalized(cross(posterior, axis)) else {
        return out;
    };
    if left[0] < 0.0 {
        left = [-left[0], -left[1], -left[2]];
    }
    let f = Frame {
        grid,
        volume,
        axis,
        posterior,
        left,
        marrow: (MARROW_LOW * fat, MARROW_HIGH * fat),
        csf: (CSF_LOW * fat, CSF_HIGH * fat),
    };
    let has = |role: Role, level: Level, side: Option<Side>| {
        session
            .rois
            .iter()
            .any(|r| r.role == role && r.level == Some(level) && r.side == side)
    };
    let csf_level = session.choices.csf_level;
    for body in &levels.bodies {
        let Some(level) = body.level else { continue };
        let pedicles = PBQ_LEVELS.contains(&level);
        let csf = level == csf_level && !has(Role::CsfSi, level, None);
        if !pedicles && !csf {
            continue;
        }
        let Some(k0) = f.mid_slice(body) else {
            continue;
        };
        let Some(wall) = f.wall(body, k0) else {
            continue;
        };
        if pedicles {
            for side in [Side::L, Side::R] {
                if has(Role::PedicleSi, level, Some(side)) {
                    continue;
                }
                if let Some((k, p)) = find_pedicle(&f, body, wall, side)
                    && let Some(pr) = proposal(
                        levels,
                        series,
                        volume,
                        k,
                        p,
                        Role::PedicleSi,
                        level,
                        Some(side),
                        None,
                    )
                {
                    out.push(pr);
                }
            }
        }
        if csf
            && let Some(p) = find_csf(&f, body, wall, k0)
            && let Some(pr) = proposal(
                levels,
                series,
                volume,
                k0,
                p,
                Role::CsfSi,
                level,
                None,
                Some((0.4 * body.height_mm()).clamp(5.0, 15.0)),
            )
        {
            out.push(pr);
        }
    }
    out
}
