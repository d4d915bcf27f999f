//! ROI proposals, so the standard ROIs are quick to place: the largest ellipse inside the
//! cancellous bone around a click (B-HU), and the screw trajectory from a pedicle caliper
//! (ST-HU). A proposal is only a suggestion: the window shows it for the user to adjust,
//! accept or discard, and the statistics are always those of the ROI the user accepted.
//!
//! The ellipse: the slice is smoothed (3 × 3 mean); the region is the 4-connected set of
//! pixels around the click whose smoothed value lies within a tolerance of the value at
//! the click (the cortex, fat and air fall outside it); the region's border pixels are the
//! obstacles, and the proposal is the largest-area ellipse (any centre, angle and aspect)
//! whose inside holds no obstacle pixel centre, found by a coarse search and refined. It
//! works in plane millimetres, so it is right on anisotropic pixels.

use std::collections::VecDeque;

use crate::dicom::volume::Volume;
use crate::geometry::{ImagePlane, Vec3, add_scaled, cross, normalized, sub};
use crate::session::{Roi, RoiKind, Role};

/// Why no proposal could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProposeError {
    /// The slice index is not in the volume.
    #[error("slice {index} is not in the volume ({count} slices)")]
    SliceOutOfRange {
        /// The index asked for.
        index: usize,
        /// Slices in the volume.
        count: usize,
    },
    /// The click is outside the image, or on padding.
    #[error("the click ({col:.1}, {row:.1}) is not on an image pixel with a value")]
    SeedOutside {
        /// Column of the click.
        col: f64,
        /// Row of the click.
        row: f64,
    },
    /// The region around the click is too small to hold an ellipse.
    #[error(
        "the region around the click holds only {pixels} pixel(s) like it: click inside the cancellous bone"
    )]
    TooSmall {
        /// Pixels in the region.
        pixels: usize,
    },
    /// The value at the click is below what any tissue to measure has (air, lung).
    #[error("the click is on {value:.0} (air or lung?), below {min:.0}: click inside the bone")]
    NotTissue {
        /// The smoothed value at the click.
        value: f64,
        /// The lowest value a click may have.
        min: f64,
    },
    /// The region like the click is not closed by cortex within the search reach: the
    /// click is on a disc, in soft tissue or in bone whose cortex is open, and an ellipse
    /// there would not measure a vertebral body.
    #[error(
        "the region like the click ({value:.0}) is not closed by cortex within {reach_mm:.0} mm: \
         this is no vertebral body (a disc, soft tissue?); click inside a body's cancellous bone"
    )]
    NotClosed {
        /// The smoothed value at the click.
        value: f64,
        /// The search reach, mm.
        reach_mm: f64,
    },
    /// The caliper has not two distinct endpoints.
    #[error("the caliper needs two distinct endpoints")]
    BadCaliper,
}

/// Settings of the ellipse proposal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EllipseSettings {
    /// How far (in modality units) a smoothed pixel may differ from the value at the
    /// click and still belong to the region.
    pub tolerance: f64,
    /// The search reaches at most this far from the click, mm.
    pub max_radius_mm: f64,
    /// Kept between the ellipse and the nearest border pixel centre, mm.
    pub margin_mm: f64,
    /// A click on a lower value is refused (CT: −250 HU, below fat: air and lung).
    pub min_seed: Option<f64>,
    /// Refuse a region that reaches the edge of the search (not closed by cortex within
    /// `max_radius_mm`): on CT, where a vertebral body's cancellous bone is closed by its
    /// shell; not on MR, where the pedicle's marrow runs into the body's and the CSF runs
    /// along the canal.
    pub require_closed: bool,
}

impl EllipseSettings {
    /// For CT (HU): 100 HU, within 40 mm, 0.2 mm margin. Cancellous bone lies well below the
    /// cortex (> 400 HU after smoothing next to a shell) and above fat.
    pub const CT: EllipseSettings = EllipseSettings {
        tolerance: 100.0,
        max_radius_mm: 40.0,
        margin_mm: 0.2,
        min_seed: Some(-250.0),
        require_closed: true,
    };

    /// For a modality: CT as [`EllipseSettings::CT`]; otherwise (MR signal intensity,
    /// which has no absolute scale) a tolerance of 25 % of the value at the click and the
    /// PBQ protocol's 1 mm margin inside the cortical margin.
    pub fn for_modality(modality: &str, seed_value: f64) -> EllipseSettings {
        if modality.eq_ignore_ascii_case("CT") {
            EllipseSettings::CT
        } else {
            EllipseSettings {
                tolerance: (0.25 * seed_value.abs()).max(1.0),
                margin_mm: 1.0,
                min_seed: None,
                require_closed: false,
                ..EllipseSettings::CT
            }
        }
    }
}

impl EllipseSettings {
    /// For an ROI role on a modality: as [`EllipseSettings::for_modality`], and for the
    /// MR pedicle ROIs of the PBQ a reach of 6 mm, because the pedicle's marrow runs into
    /// the body's with the same signal: only the distance keeps the ROI in the pedicle.
    pub fn for_role(modality: &str, role: Role, seed_value: f64) -> EllipseSettings {
        let base = EllipseSettings::for_modality(modality, seed_value);
        match role {
            Role::PedicleSi => EllipseSettings {
                max_radius_mm: 6.0,
                ..base
            },
            _ => base,
        }
    }
}

/// A proposed ellipse on one slice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EllipseProposal {
    /// Centre, pixels (column, row).
    pub centre_px: (f64, f64),
    /// First semi-axis, mm.
    pub rx_mm: f64,
    /// Second semi-axis, mm.
    pub ry_mm: f64,
    /// Turn of the first axis from +column towards +row, radians (in plane mm).
    pub angle_rad: f64,
    /// Pixels in the region grown from the click.
    pub region_px: usize,
    /// The smoothed value at the click (modality units).
    pub seed_value: f64,
}

/// The smoothed value at a click (median of the 3 × 3-smoothed 5 × 5 neighbourhood), as
/// the proposal uses it; `None` off the image.
pub fn seed_value(volume: &Volume, slice: usize, seed_px: (f64, f64)) -> Option<f64> {
    let img = SliceImage::new(volume, slice).ok()?;
    let (c, r) = img.pixel(seed_px)?;
    img.seed(c, r)
}

/// The largest ellipse inside the region like the click on slice `slice`.
pub fn propose_ellipse(
    volume: &Volume,
    slice: usize,
    seed_px: (f64, f64),
    settings: &EllipseSettings,
) -> Result<EllipseProposal, ProposeError> {
    let img = SliceImage::new(volume, slice)?;
    let outside = ProposeError::SeedOutside {
        col: seed_px.0,
        row: seed_px.1,
    };
    let (c0, r0) = img.pixel(seed_px).ok_or(outside.clone())?;
    let seed = img.seed(c0, r0).ok_or(outside)?;
    if let Some(min) = settings.min_seed
        && seed < min
    {
        return Err(ProposeError::NotTissue { value: seed, min });
    }
    let (dc, dr) = (img.plane.col_spacing_mm, img.plane.row_spacing_mm);
    // The search box, one pixel wider on each side for the obstacles.
    let reach_c = (settings.max_radius_mm / dc).ceil() as isize;
    let reach_r = (settings.max_radius_mm / dr).ceil() as isize;
    let (bc0, br0) = (c0 as isize - reach_c - 1, r0 as isize - reach_r - 1);
    let (bw, bh) = ((2 * reach_c + 3) as usize, (2 * reach_r + 3) as usize);
    let inside_box = |c: isize, r: isize| {
        c > bc0 && r > br0 && c < bc0 + bw as isize - 1 && r < br0 + bh as isize - 1
    };
    // Like the click: the smoothed value within the tolerance, and no pixel of the 3 × 3
    // neighbourhood brighter than twice the tolerance above the click (a thin cortex cut
    // obliquely by the slice is diluted by the smoothing, partial volume, but its own
    // pixels stay bright: the region must not leak through it).
    let like = |c: isize, r: isize| {
        inside_box(c, r)
            && img
                .smoothed(c, r)
                .is_some_and(|v| (v - seed).abs() <= settings.tolerance)
            && img
                .brightest(c, r)
                .is_some_and(|v| v - seed <= 2.0 * settings.tolerance)
    };
    // Region growing (4-connected) from the click.
    let mut state = vec![0u8; bw * bh]; // 0 unseen, 1 region, 2 obstacle
    let at = |c: isize, r: isize| ((r - br0) as usize) * bw + (c - bc0) as usize;
    let mut queue = VecDeque::new();
    let mut region = 0usize;
    // Region pixels lie strictly inside the box, so every neighbour has a cell; `get_mut`
    // keeps that from being an assumption.
    if like(c0 as isize, r0 as isize)
        && let Some(cell) = state.get_mut(at(c0 as isize, r0 as isize))
    {
        *cell = 1;
        queue.push_back((c0 as isize, r0 as isize));
    }
    let mut obstacles: Vec<[f64; 2]> = Vec::new();
    let mut open = false;
    while let Some((c, r)) = queue.pop_front() {
        region += 1;
        for (nc, nr) in [(c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)] {
            let Some(cell) = state.get_mut(at(nc, nr)) else {
                continue;
            };
            if *cell != 0 {
                continue;
            }
            // The region reached the search's edge with a pixel still like the click.
            if !inside_box(nc, nr)
                && img
                    .smoothed(nc, nr)
                    .is_some_and(|v| (v - seed).abs() <= settings.tolerance)
            {
                open = true;
            }
            if like(nc, nr) {
                *cell = 1;
                queue.push_back((nc, nr));
            } else {
                *cell = 2;
                obstacles.push([nc as f64 * dc, nr as f64 * dr]);
            }
        }
    }
    if region < 5 || obstacles.is_empty() {
        return Err(ProposeError::TooSmall { pixels: region });
    }
    if open && settings.require_closed {
        return Err(ProposeError::NotClosed {
            value: seed,
            reach_mm: settings.max_radius_mm,
        });
    }
    // Start from the region pixel farthest from every obstacle.
    let mut best_start = ([c0 as f64 * dc, r0 as f64 * dr], 0.0f64);
    for (k, s) in state.iter().enumerate() {
        if *s != 1 {
            continue;
        }
        let p = [
            (bc0 + (k % bw) as isize) as f64 * dc,
            (br0 + (k / bw) as isize) as f64 * dr,
        ];
        let d = obstacles
            .iter()
            .map(|o| (o[0] - p[0]).powi(2) + (o[1] - p[1]).powi(2))
            .fold(f64::INFINITY, f64::min);
        if d > best_start.1 {
            best_start = (p, d);
        }
    }
    let in_region = |q: [f64; 2]| {
        let (c, r) = ((q[0] / dc).round() as isize, (q[1] / dr).round() as isize);
        c >= bc0
            && r >= br0
            && c < bc0 + bw as isize
            && r < br0 + bh as isize
            && state.get(at(c, r)) == Some(&1)
    };
    let fit = Fit {
        obstacles: &obstacles,
        margin_mm: settings.margin_mm,
        in_region: &in_region,
        click: [seed_px.0 * dc, seed_px.1 * dr],
    };
    // Start from the click when the farthest point's circle does not hold it.
    let start = if (best_start.0[0] - fit.click[0]).hypot(best_start.0[1] - fit.click[1])
        < best_start.1.sqrt() - settings.margin_mm
    {
        best_start
    } else {
        let c = [c0 as f64 * dc, r0 as f64 * dr];
        let d = obstacles
            .iter()
            .map(|o| (o[0] - c[0]).powi(2) + (o[1] - c[1]).powi(2))
            .fold(f64::INFINITY, f64::min);
        (c, d)
    };
    let e = fit.search(start.0, start.1.sqrt());
    if !(e.rx > 0.0 && e.ry > 0.0) {
        return Err(ProposeError::TooSmall { pixels: region });
    }
    Ok(EllipseProposal {
        centre_px: (e.centre[0] / dc, e.centre[1] / dr),
        rx_mm: e.rx,
        ry_mm: e.ry,
        angle_rad: e.angle,
        region_px: region,
        seed_value: seed,
    })
}

/// One slice's values with the 3 × 3 mean.
struct SliceImage {
    values: ndarray::Array2<f32>,
    plane: ImagePlane,
}

impl SliceImage {
    fn new(volume: &Volume, slice: usize) -> Result<SliceImage, ProposeError> {
        let count = volume.dims().0;
        let out = ProposeError::SliceOutOfRange {
            index: slice,
            count,
        };
        let values = volume.slice_values(slice).ok_or(out.clone())?;
        let plane = *volume.planes.get(slice).ok_or(out)?;
        Ok(SliceImage { values, plane })
    }

    fn pixel(&self, px: (f64, f64)) -> Option<(usize, usize)> {
        let (ny, nx) = self.values.dim();
        let (c, r) = (px.0.round(), px.1.round());
        (c >= 0.0 && r >= 0.0 && (c as usize) < nx && (r as usize) < ny)
            .then_some((c as usize, r as usize))
    }

    /// The 3 × 3 mean at (c, r) over the pixels that exist and have values.
    fn smoothed(&self, c: isize, r: isize) -> Option<f64> {
        if c < 0 || r < 0 {
            return None;
        }
        self.values
            .get((r as usize, c as usize))
            .filter(|v| v.is_finite())?;
        let (mut sum, mut n) = (0.0f64, 0u32);
        for dr in -1..=1 {
            for dc in -1..=1 {
                let (cc, rr) = (c + dc, r + dr);
                if cc < 0 || rr < 0 {
                    continue;
                }
                if let Some(v) = self.values.get((rr as usize, cc as usize))
                    && v.is_finite()
                {
                    sum += *v as f64;
                    n += 1;
                }
            }
        }
        (n > 0).then(|| sum / n as f64)
    }

    /// The largest finite value of the 3 × 3 neighbourhood of (c, r).
    fn brightest(&self, c: isize, r: isize) -> Option<f64> {
        (-1..=1)
            .flat_map(|dr| (-1..=1).map(move |dc| (c + dc, r + dr)))
            .filter(|&(cc, rr)| cc >= 0 && rr >= 0)
            .filter_map(|(cc, rr)| self.values.get((rr as usize, cc as usize)))
            .filter(|v| v.is_finite())
            .map(|&v| v as f64)
            .reduce(f64::max)
    }

    /// The median of the smoothed 5 × 5 neighbourhood of (c, r).
    fn seed(&self, c: usize, r: usize) -> Option<f64> {
        let mut v: Vec<f64> = (-2..=2)
            .flat_map(|dr| (-2..=2).map(move |dc| (dc, dr)))
            .filter_map(|(dc, dr)| self.smoothed(c as isize + dc, r as isize + dr))
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    }
}

/// An ellipse in plane mm.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    centre: [f64; 2],
    angle: f64,
    /// ry / rx, in (0, 1].
    aspect: f64,
    rx: f64,
    ry: f64,
}

impl Candidate {
    fn area(&self) -> f64 {
        self.rx * self.ry
    }
}

struct Fit<'a> {
    obstacles: &'a [[f64; 2]],
    margin_mm: f64,
    /// Whether a centre lies on a region pixel (outside the region's ring of obstacles an
    /// ellipse would be unbounded).
    in_region: &'a dyn Fn([f64; 2]) -> bool,
    /// The click, plane mm: the ellipse holds it (the user clicked where the ROI goes).
    click: [f64; 2],
}

impl Fit<'_> {
    /// The largest ellipse of this centre, angle and aspect that holds no obstacle.
    fn grow(&self, centre: [f64; 2], angle: f64, aspect: f64) -> Candidate {
        if !(self.in_region)(centre) {
            return Candidate {
                centre,
                angle,
                aspect,
                rx: 0.0,
                ry: 0.0,
            };
        }
        let (s, c) = angle.sin_cos();
        let mut a2 = f64::INFINITY;
        for o in self.obstacles {
            let (x, y) = (o[0] - centre[0], o[1] - centre[1]);
            let u = x * c + y * s;
            let v = (-x * s + y * c) / aspect;
            a2 = a2.min(u * u + v * v);
        }
        let mut rx = (a2.sqrt() - self.margin_mm).max(0.0);
        let (x, y) = (self.click[0] - centre[0], self.click[1] - centre[1]);
        let (u, v) = (x * c + y * s, (-x * s + y * c) / aspect);
        if u * u + v * v > rx * rx {
            rx = 0.0;
        }
        Candidate {
            centre,
            angle,
            aspect,
            rx,
            ry: rx * aspect,
        }
    }

    /// A coarse search over centres near `start` (within `clearance`), angles and aspects,
    /// then a pattern search from the best.
    fn search(&self, start: [f64; 2], clearance: f64) -> Candidate {
        let mut best = self.grow(start, 0.0, 1.0);
        let step = (clearance / 3.0).max(0.5);
        for i in -3..=3 {
            for j in -3..=3 {
                let centre = [start[0] + i as f64 * step, start[1] + j as f64 * step];
                for k in 0..18 {
                    let angle = k as f64 * std::f64::consts::PI / 18.0;
                    for q in 0..8 {
                        let aspect = 0.3 + 0.1 * q as f64;
                        let cand = self.grow(centre, angle, aspect);
                        if cand.area() > best.area() {
                            best = cand;
                        }
                    }
                }
            }
        }
        // Pattern search on (centre, angle, aspect) with halving steps.
        let (mut dp, mut da, mut dq) = (step / 2.0, std::f64::consts::PI / 36.0, 0.05);
        for _ in 0..60 {
            let mut improved = false;
            for (dx, dy, dang, dasp) in [
                (dp, 0.0, 0.0, 0.0),
                (-dp, 0.0, 0.0, 0.0),
                (0.0, dp, 0.0, 0.0),
                (0.0, -dp, 0.0, 0.0),
                (0.0, 0.0, da, 0.0),
                (0.0, 0.0, -da, 0.0),
                (0.0, 0.0, 0.0, dq),
                (0.0, 0.0, 0.0, -dq),
            ] {
                let aspect = (best.aspect + dasp).clamp(0.2, 1.0);
                let cand = self.grow(
                    [best.centre[0] + dx, best.centre[1] + dy],
                    best.angle + dang,
                    aspect,
                );
                if cand.area() > best.area() * (1.0 + 1e-9) {
                    best = cand;
                    improved = true;
                }
            }
            if !improved {
                dp /= 2.0;
                da /= 2.0;
                dq /= 2.0;
                if dp < 0.01 {
                    break;
                }
            }
        }
        best.angle = best.angle.rem_euclid(std::f64::consts::PI);
        best
    }
}

/// How far behind the caliper's midpoint (the isthmus) a proposed trajectory enters, mm:
/// the posterior cortex at the base of the facet lies about 10 mm behind the lumbar
/// pedicle isthmus.
pub const ENTRY_BEHIND_ISTHMUS_MM: f64 = 10.0;

/// The screw trajectory through a pedicle caliper: along the perpendicular to the caliper
/// in its image plane, through the caliper's midpoint, pointing anterior; entering
/// [`ENTRY_BEHIND_ISTHMUS_MM`] behind the midpoint and `length_mm` long, `width_mm` wide.
/// The ROI takes the caliper's image, level and side.
pub fn trajectory_from_caliper(
    caliper: &Roi,
    plane: &ImagePlane,
    length_mm: f64,
    width_mm: f64,
) -> Result<Roi, ProposeError> {
    let [a, b] = caliper.points_mm.as_slice() else {
        return Err(ProposeError::BadCaliper);
    };
    let u = normalized(sub(*b, *a)).ok_or(ProposeError::BadCaliper)?;
    let Some(mut d) = normalized(cross(plane.normal(), u)) else {
        return Err(ProposeError::BadCaliper);
    };
    // Anterior is −y in DICOM LPS.
    if d[1] > 0.0 {
        d = [-d[0], -d[1], -d[2]];
    }
    let mid: Vec3 = add_scaled(*a, 0.5, sub(*b, *a));
    let entry = add_scaled(mid, -ENTRY_BEHIND_ISTHMUS_MM, d);
    let tip = add_scaled(entry, length_mm, d);
    Ok(Roi {
        id: 0,
        kind: RoiKind::Trajectory,
        role: Role::StHu,
        level: caliper.level,
        side: caliper.side,
        series_uid: caliper.series_uid.clone(),
        sop_instance_uid: caliper.sop_instance_uid.clone(),
        frame: caliper.frame,
        points_mm: vec![entry, tip],
        width_mm: Some(width_mm),
        note: String::new(),
    })
}
