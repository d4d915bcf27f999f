//! Where a vertebral level that has no ROI yet probably is on a series, from the ROIs
//! drawn at other levels. The checklist shows that slice when the user picks an item of
//! such a level, so that a B-HU or caliper item at L2 after L3's opens near L2 instead of
//! wherever the view was. Anchorage has no vertebra labelling: this is an estimate, and the
//! window says so.
//!
//! - Axial-like series (the slice normal within about 45° of the head–foot axis, so the
//!   levels stack along the slices): every ROI is placed by its centroid's position
//!   along the slice normal. ROIs of the wanted role are used when some exist at other
//!   levels (a B-HU plane lies at the same height in every body), else all ROIs. With two or more levels known, the position of a level is fitted as a
//!   straight line of its index (least squares); with one level, or a fit whose spacing is
//!   not that of a spine (10–80 mm a level, caudal levels lower), the nearest known level
//!   is moved by [`LEVEL_SPACING_MM`] a level.
//! - Other series, sagittal or coronal (the levels lie in the image): the slice of the nearest
//!   level's ROI on the same side (and of the same role, where there is one) — pedicles of
//!   neighbouring levels lie in nearly the same sagittal slice.

use crate::dicom::series::Series;
use crate::geometry::{Vec3, dot};
use crate::session::{Level, Roi, Role, Side};

/// The usual craniocaudal distance between neighbouring lumbar levels (a vertebral body
/// and a disc), mm: the step used when only one level is known.
pub const LEVEL_SPACING_MM: f64 = 36.0;

/// The spacings a fitted line may have to be taken as a spine's, mm a level.
const SPACING_RANGE_MM: (f64, f64) = (10.0, 80.0);

/// An estimated slice for a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    /// Index of the slice in the series (slice order).
    pub slice: usize,
    /// The levels it was estimated from, cranial to caudal.
    pub from: Vec<Level>,
    /// Craniocaudal distance a level used, mm: fitted from two or more levels, or
    /// [`LEVEL_SPACING_MM`]; `None` for a sagittal or coronal series (the slice of a
    /// neighbouring level's ROI).
    pub spacing_mm: Option<f64>,
    /// Whether the spacing was fitted (two or more levels) rather than assumed.
    pub fitted: bool,
    /// The estimate lies outside the series by more than half a level: the slice is the
    /// nearest end, and the level is probably not in the scan.
    pub outside: bool,
}

/// The position of `level` in [`Level::ALL`] (cranial to caudal).
fn index(level: Level) -> f64 {
    Level::ALL.iter().position(|l| *l == level).unwrap_or(0) as f64
}

fn centroid(points: &[Vec3]) -> Option<Vec3> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let mut c = [0.0; 3];
    for p in points {
        for (ci, pi) in c.iter_mut().zip(p) {
            *ci += pi / n;
        }
    }
    c.iter().all(|v| v.is_finite()).then_some(c)
}

/// The slice of `series` to show for an item of `role` (and `side`) at `want`, estimated
/// from the ROIs of `rois` drawn on that series at other levels; `None` when there are
/// none to estimate from.
pub fn guess_slice(
    series: &Series,
    rois: &[Roi],
    want: Level,
    role: Role,
    side: Option<Side>,
) -> Option<Guess> {
    let known: Vec<&Roi> = rois
        .iter()
        .filter(|r| r.series_uid == series.uid && r.level.is_some_and(|l| l != want))
        .collect();
    if known.is_empty() || series.slices.is_empty() {
        return None;
    }
    let same_role: Vec<&Roi> = known.iter().copied().filter(|r| r.role == role).collect();
    let used = if same_role.is_empty() {
        known
    } else {
        same_role
    };
    // Axial, or tilted up to about 45° from it: the levels stack along the slices.
    if series.normal[2].abs() >= 0.7 {
        along_the_slices(series, &used, want)
    } else {
        in_the_image(series, &used, want, side)
    }
}

/// Axial-like: the levels' positions along the slice normal.
fn along_the_slices(series: &Series, used: &[&Roi], want: Level) -> Option<Guess> {
    let n = series.normal;
    // (level, mean position along n) for every level with ROIs.
    let mut levels: Vec<(Level, f64)> = Vec::new();
    for level in Level::ALL {
        let ps: Vec<f64> = used
            .iter()
            .filter(|r| r.level == Some(level))
            .filter_map(|r| centroid(&r.points_mm))
            .map(|c| dot(c, n))
            .collect();
        if !ps.is_empty() {
            levels.push((level, ps.iter().sum::<f64>() / ps.len() as f64));
        }
    }
    let (&(nearest, p0), _) = levels
        .iter()
        .map(|l| (l, (index(l.0) - index(want)).abs()))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    // Moving one level caudal moves the patient z by −spacing, and the position along n
    // by −spacing · n_z.
    let assumed = |from: Level, p: f64| p - LEVEL_SPACING_MM * (index(want) - index(from)) * n[2];
    let fit = (levels.len() >= 2).then(|| {
        let m = levels.len() as f64;
        let mx = levels.iter().map(|l| index(l.0)).sum::<f64>() / m;
        let my = levels.iter().map(|l| l.1).sum::<f64>() / m;
        let sxx: f64 = levels.iter().map(|l| (index(l.0) - mx).powi(2)).sum();
        let sxy: f64 = levels.iter().map(|l| (index(l.0) - mx) * (l.1 - my)).sum();
        let slope = sxy / sxx; // position along n a level
        (slope, my + slope * (index(want) - mx))
    });
    // The fitted line's craniocaudal spacing: −slope / n_z, positive for a spine.
    let fitted = fit.filter(|(slope, _)| {
        let spacing = -slope / n[2];
        spacing.is_finite() && (SPACING_RANGE_MM.0..=SPACING_RANGE_MM.1).contains(&spacing)
    });
    let (p, spacing, was_fitted) = match fitted {
        Some((slope, p)) => (p, -slope / n[2], true),
        None => (assumed(nearest, p0), LEVEL_SPACING_MM, false),
    };
    let (slice, distance) = series
        .slices
        .iter()
        .enumerate()
        .map(|(i, s)| (i, (s.position_mm - p).abs()))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(Guess {
        slice,
        from: levels.iter().map(|l| l.0).collect(),
        spacing_mm: Some(spacing),
        fitted: was_fitted,
        outside: distance > spacing / 2.0,
    })
}

/// Sagittal or coronal: the slice of the nearest level's ROI on the same side.
fn in_the_image(series: &Series, used: &[&Roi], want: Level, side: Option<Side>) -> Option<Guess> {
    let distance = |r: &Roi| (index(r.level.unwrap_or(want)) - index(want)).abs();
    let roi = used
        .iter()
        .filter(|r| side.is_none() || r.side == side)
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))?;
    let slice = series
        .slices
        .iter()
        .position(|s| s.sop_instance_uid == roi.sop_instance_uid && s.frame == roi.frame)?;
    Some(Guess {
        slice,
        from: roi.level.into_iter().collect(),
        spacing_mm: None,
        fitted: false,
        outside: false,
    })
}
