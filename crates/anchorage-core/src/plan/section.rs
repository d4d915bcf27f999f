//! One cross-section of a pedicle in a plane perpendicular to the screw (the method is
//! described in [`super::pedicle`]): the plane sampled on a grid, the bone region nearest
//! the axis, its outline placed sub-voxel at half height, the extents (flank parabolas),
//! the screw's distances and breach.
//!
//! Plane coordinates (mm): x along the medial axis, y along the cranial axis, the
//! screw's axis at the origin.

use crate::geometry::{Vec3, add_scaled};

use super::sample::Sampler;

/// Grid pitch, mm.
const PITCH_MM: f64 = 0.25;
/// Half the grid's side, mm.
const HALF_MM: f64 = 14.0;
/// Rays of the outline.
const RAYS: usize = 180;
/// Depth of the outline's cap fitted for an extent (mm).
const CAP_MM: f64 = 0.75;
/// The smallest area of a pedicle section, mm².
const MIN_AREA_MM2: f64 = 4.0;

/// What one plane gives.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Section {
    /// Extent along x (transverse width), mm.
    pub width_x_mm: f64,
    /// Extent along y (cranio-caudal width), mm.
    pub width_y_mm: f64,
    /// From the screw's surface to the outer cortex: medial (+x), lateral (−x), cranial
    /// (+y), caudal (−y), mm; negative outside.
    pub distance_mm: [f64; 4],
    /// How far the screw's circle reaches outside the outline, mm.
    pub breach_mm: f64,
    /// The outline, plane mm.
    pub outline: Vec<[f64; 2]>,
}

/// Buffers reused from plane to plane.
#[derive(Debug, Default)]
pub(super) struct SectionGrid {
    values: Vec<f32>,
    mask: Vec<bool>,
    label: Vec<u32>,
    stack: Vec<usize>,
}

fn side_px() -> usize {
    (2.0 * HALF_MM / PITCH_MM).round() as usize + 1
}

impl SectionGrid {
    pub(super) fn new() -> SectionGrid {
        SectionGrid::default()
    }

    /// The section in the plane through `centre` spanned by `ex` (medial) and `ey`
    /// (cranial), for a screw of `radius` mm; `None` when the plane has no cortex or its
    /// bone region nearest the axis is not a pedicle's (it reaches the grid's border or
    /// is smaller than 4 mm²).
    pub(super) fn measure(
        &mut self,
        sampler: &Sampler,
        centre: Vec3,
        ex: Vec3,
        ey: Vec3,
        radius: f64,
    ) -> Option<Section> {
        let n = side_px();
        self.sample(sampler, centre, ex, ey, n);
        let threshold = self.bone_threshold(n)?;
        self.mask.clear();
        self.mask
            .extend(self.values.iter().map(|&v| v.is_finite() && v >= threshold));
        let (hole_centroid, hole_px) = self.nearest_component(n)?;
        if (hole_px as f64) * PITCH_MM * PITCH_MM < MIN_AREA_MM2 {
            return None;
        }
        let outline = self.outline(sampler, centre, ex, ey, hole_centroid, n);
        if outline.len() < RAYS / 2 {
            return None;
        }
        let (width_x_mm, width_y_mm) = widths(&outline);
        let distance_mm = [
            edge_along(&outline, [1.0, 0.0]) - radius,
            edge_along(&outline, [-1.0, 0.0]) - radius,
            edge_along(&outline, [0.0, 1.0]) - radius,
            edge_along(&outline, [0.0, -1.0]) - radius,
        ];
        let breach_mm = breach(&outline, radius);
        Some(Section {
            width_x_mm,
            width_y_mm,
            distance_mm,
            breach_mm,
            outline,
        })
    }

    fn sample(&mut self, sampler: &Sampler, centre: Vec3, ex: Vec3, ey: Vec3, n: usize) {
        let half = (n - 1) as f64 / 2.0;
        let origin = add_scaled(
            add_scaled(centre, -half * PITCH_MM, ex),
            -half * PITCH_MM,
            ey,
        );
        let i0 = sampler.index_of(origin);
        let dx = sampler.index_step(ex).map(|v| v * PITCH_MM);
        let dy = sampler.index_step(ey).map(|v| v * PITCH_MM);
        self.values.clear();
        self.values.resize(n * n, f32::NAN);
        for j in 0..n {
            let jf = j as f64;
            let mut idx = [i0[0] + jf * dy[0], i0[1] + jf * dy[1], i0[2] + jf * dy[2]];
            for v in &mut self.values[j * n..(j + 1) * n] {
                if let Some(x) = sampler.value_at_index(idx) {
                    *v = x;
                }
                idx[0] += dx[0];
                idx[1] += dx[1];
                idx[2] += dx[2];
            }
        }
    }

    /// The level that separates bone (cortex and cancellous) from the soft tissue
    /// around: half way between the tissue outside (median of the grid's border) and
    /// the cancellous bone (median of the values between 60 above the outside and half
    /// height to the cortex, the plane's 99th percentile). `None` when the plane has no
    /// cortex (less than 200 above the outside) or the axis lies outside the volume.
    fn bone_threshold(&self, n: usize) -> Option<f32> {
        let mid = self.values.get((n / 2) * n + n / 2)?;
        if !mid.is_finite() {
            return None;
        }
        let mut all: Vec<f32> = self
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if all.len() < n * n / 2 {
            return None;
        }
        let cortex = percentile(&mut all, 0.99)?;
        let mut border: Vec<f32> = (0..n)
            .flat_map(|i| [i, (n - 1) * n + i, i * n, i * n + n - 1])
            .filter_map(|p| self.values.get(p).copied())
            .filter(|v| v.is_finite())
            .collect();
        let outside = percentile(&mut border, 0.5)?;
        if cortex - outside < 200.0 {
            return None;
        }
        let half = 0.5 * (cortex + outside);
        let mut mid_values: Vec<f32> = all
            .into_iter()
            .filter(|&v| v > outside + 60.0 && v < half)
            .collect();
        let cancellous = percentile(&mut mid_values, 0.5).unwrap_or(half);
        Some(0.5 * (cancellous + outside))
    }

    /// The connected bone region (4-neighbours) holding the axis, or else nearest to it:
    /// its centroid (plane mm) and pixel count; `None` when it reaches the grid's border
    /// (bone larger than a pedicle: the vertebral body, or the posterior elements).
    /// Marks the region in `self.label` (1) for the outline.
    fn nearest_component(&mut self, n: usize) -> Option<([f64; 2], usize)> {
        let region = &self.mask;
        let c = n / 2;
        let centre = c * n + c;
        // The nearest region pixel to the axis (the axis itself when inside).
        let seed = if region[centre] {
            centre
        } else {
            (0..n * n).filter(|&p| region[p]).min_by_key(|&p| {
                let (i, j) = ((p % n) as i64 - c as i64, (p / n) as i64 - c as i64);
                i * i + j * j
            })?
        };
        self.label.clear();
        self.label.resize(n * n, 0);
        self.stack.clear();
        self.stack.push(seed);
        self.label[seed] = 1;
        let (mut sx, mut sy, mut count) = (0.0, 0.0, 0usize);
        while let Some(p) = self.stack.pop() {
            let (i, j) = (p % n, p / n);
            if i == 0 || j == 0 || i + 1 == n || j + 1 == n {
                return None;
            }
            sx += i as f64;
            sy += j as f64;
            count += 1;
            let visit = |q: usize, label: &mut Vec<u32>, stack: &mut Vec<usize>| {
                if region[q] && label[q] == 0 {
                    label[q] = 1;
                    stack.push(q);
                }
            };
            if i > 0 {
                visit(p - 1, &mut self.label, &mut self.stack);
            }
            if i + 1 < n {
                visit(p + 1, &mut self.label, &mut self.stack);
            }
            if j > 0 {
                visit(p - n, &mut self.label, &mut self.stack);
            }
            if j + 1 < n {
                visit(p + n, &mut self.label, &mut self.stack);
            }
        }
        if count == 0 {
            return None;
        }
        let half = (n - 1) as f64 / 2.0;
        Some((
            [
                (sx / count as f64 - half) * PITCH_MM,
                (sy / count as f64 - half) * PITCH_MM,
            ],
            count,
        ))
    }

    /// Rays from `from` (plane mm): where each first leaves the chosen region, then the
    /// edge placed where the volume's profile falls through half height between the
    /// cortex peak and the tissue beyond.
    fn outline(
        &self,
        sampler: &Sampler,
        centre: Vec3,
        ex: Vec3,
        ey: Vec3,
        from: [f64; 2],
        n: usize,
    ) -> Vec<[f64; 2]> {
        let half = (n - 1) as f64 / 2.0;
        let inside = |x: f64, y: f64| {
            let i = (x / PITCH_MM + half).round();
            let j = (y / PITCH_MM + half).round();
            if i < 0.0 || j < 0.0 || i >= n as f64 || j >= n as f64 {
                return false;
            }
            self.label.get(j as usize * n + i as usize) == Some(&1)
        };
        let step = 0.05;
        let mut out = Vec::with_capacity(RAYS);
        for k in 0..RAYS {
            let t = k as f64 * std::f64::consts::TAU / RAYS as f64;
            let (dx, dy) = (t.cos(), t.sin());
            let mut lam = 0.0;
            let mut exit = None;
            while lam < 2.0 * HALF_MM {
                if !inside(from[0] + lam * dx, from[1] + lam * dy) {
                    exit = Some(lam);
                    break;
                }
                lam += step;
            }
            let Some(exit) = exit else { continue };
            let at = |l: f64| {
                let p = add_scaled(
                    add_scaled(centre, from[0] + l * dx, ex),
                    from[1] + l * dy,
                    ey,
                );
                sampler.value_at(p)
            };
            let lam = refine_edge(exit, at).unwrap_or(exit);
            out.push([from[0] + lam * dx, from[1] + lam * dy]);
        }
        out
    }
}

/// The `q` quantile of `v` (reordered).
fn percentile(v: &mut [f32], q: f64) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    let k = ((v.len() as f64 * q) as usize).min(v.len() - 1);
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    Some(*x)
}

/// The sub-voxel outer edge near `exit` along a profile `at(λ)`: the last fall through
/// half height between the peak (within 1.5 mm inside) and the lowest value within 2 mm
/// beyond, searched from 1.5 mm inside to 1 mm beyond.
fn refine_edge(exit: f64, at: impl Fn(f64) -> Option<f32>) -> Option<f64> {
    let step = 0.05;
    let lo = (exit - 1.5).max(0.0);
    let count = ((exit + 2.0 - lo) / step) as usize + 1;
    let prof: Vec<(f64, f32)> = (0..count)
        .filter_map(|i| {
            let l = lo + i as f64 * step;
            at(l).map(|v| (l, v))
        })
        .collect();
    let peak = prof
        .iter()
        .filter(|(l, _)| *l <= exit + 0.3)
        .map(|p| p.1)
        .fold(f32::MIN, f32::max);
    let floor = prof
        .iter()
        .filter(|(l, _)| *l >= exit)
        .map(|p| p.1)
        .fold(f32::MAX, f32::min);
    if peak.is_nan() || floor.is_nan() || peak <= floor {
        return None;
    }
    let halfh = 0.5 * (peak + floor);
    // Start at the peak, walk out to the first fall below half height.
    let start = prof.iter().position(|p| p.1 == peak)?;
    prof.windows(2).skip(start).find_map(|w| {
        let ((l0, v0), (l1, v1)) = (w[0], w[1]);
        (v0 >= halfh && v1 < halfh && l0 <= exit + 1.0)
            .then(|| l0 + (l1 - l0) * f64::from((v0 - halfh) / (v0 - v1)))
    })
}

/// Transverse and cranio-caudal widths: the section's extents along x and y, each
/// extreme from a parabola fitted to the outline points within 40° of that direction
/// (seen from the outline's centroid) and within 0.75 mm of the farthest one, so that
/// the cap's edge points average their sampling errors; the outline's own extreme where
/// the fit fails.
fn widths(outline: &[[f64; 2]]) -> (f64, f64) {
    let n = outline.len().max(1) as f64;
    let c = [
        outline.iter().map(|p| p[0]).sum::<f64>() / n,
        outline.iter().map(|p| p[1]).sum::<f64>() / n,
    ];
    let hi = |k: usize, sign: f64| extreme(outline, c, k, sign);
    (hi(0, 1.0) + hi(0, -1.0), hi(1, 1.0) + hi(1, -1.0))
}

/// How far the outline reaches from the centroid `c` along ±axis `k` (sign), mm.
fn extreme(outline: &[[f64; 2]], c: [f64; 2], k: usize, sign: f64) -> f64 {
    let other = 1 - k;
    let cos_max = 40f64.to_radians().cos();
    // (t, u): t across the direction, u along it (outwards).
    let pts: Vec<(f64, f64)> = outline
        .iter()
        .map(|p| ((p[other] - c[other]), sign * (p[k] - c[k])))
        .filter(|&(t, u)| u > 0.0 && u / t.hypot(u) >= cos_max)
        .collect();
    let raw = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    // Only the cap near the extreme: a parabola over a wider arc of a sharply curved
    // outline (a narrow pedicle's top) puts its vertex beyond the outline.
    let pts: Vec<(f64, f64)> = pts.into_iter().filter(|p| p.1 >= raw - CAP_MM).collect();
    if pts.len() < 5 {
        return raw;
    }
    // Least squares u = a + b·t + q·t².
    let mut m = [[0.0f64; 3]; 3];
    let mut r = [0.0f64; 3];
    for &(t, u) in &pts {
        let row = [1.0, t, t * t];
        for i in 0..3 {
            r[i] += row[i] * u;
            for j in 0..3 {
                m[i][j] += row[i] * row[j];
            }
        }
    }
    let Some([a, b, q]) = solve3(m, r) else {
        return raw;
    };
    if q.is_nan() || q >= 0.0 {
        return raw;
    }
    let top = a - b * b / (4.0 * q);
    // A vertex far from the fitted points is an extrapolation: keep the raw extreme.
    let t_vertex = -b / (2.0 * q);
    let t_span = pts.iter().map(|p| p.0.abs()).fold(0.0, f64::max);
    if top.is_finite() && t_vertex.abs() <= t_span {
        top
    } else {
        raw
    }
}

/// Solves a 3 × 3 system by Cramer's rule.
fn solve3(m: [[f64; 3]; 3], r: [f64; 3]) -> Option<[f64; 3]> {
    let det = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det(m);
    if d.abs() < 1e-12 {
        return None;
    }
    let col = |k: usize| {
        let mut a = m;
        for i in 0..3 {
            a[i][k] = r[i];
        }
        det(a) / d
    };
    Some([col(0), col(1), col(2)])
}

/// Where the line through the origin along `dir` leaves the outline on `dir`'s side:
/// the largest parameter of its crossings with the outline; without a crossing, how far
/// the outline reaches along `dir`.
fn edge_along(outline: &[[f64; 2]], dir: [f64; 2]) -> f64 {
    let n = outline.len();
    let mut best: Option<f64> = None;
    for k in 0..n {
        let (a, b) = (outline[k], outline[(k + 1) % n]);
        // Solve origin + λ·dir = a + μ·(b − a).
        let e = [b[0] - a[0], b[1] - a[1]];
        let den = dir[0] * (-e[1]) - dir[1] * (-e[0]);
        if den.abs() < 1e-12 {
            continue;
        }
        let lam = (a[0] * (-e[1]) - a[1] * (-e[0])) / den;
        let mu = (dir[0] * a[1] - dir[1] * a[0]) / den;
        if (0.0..=1.0).contains(&mu) {
            best = Some(best.map_or(lam, |b: f64| b.max(lam)));
        }
    }
    best.unwrap_or_else(|| {
        outline
            .iter()
            .map(|p| p[0] * dir[0] + p[1] * dir[1])
            .fold(f64::NEG_INFINITY, f64::max)
    })
}

/// How far the circle of `radius` about the origin reaches outside the outline, mm.
fn breach(outline: &[[f64; 2]], radius: f64) -> f64 {
    let n = outline.len();
    let inside = |p: [f64; 2]| {
        let mut c = false;
        for k in 0..n {
            let (a, b) = (outline[k], outline[(k + 1) % n]);
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
            {
                c = !c;
            }
        }
        c
    };
    let dist = |p: [f64; 2]| {
        (0..n)
            .map(|k| {
                let (a, b) = (outline[k], outline[(k + 1) % n]);
                let e = [b[0] - a[0], b[1] - a[1]];
                let len2 = e[0] * e[0] + e[1] * e[1];
                let t = if len2 > 0.0 {
                    (((p[0] - a[0]) * e[0] + (p[1] - a[1]) * e[1]) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (p[0] - a[0] - t * e[0]).hypot(p[1] - a[1] - t * e[1])
            })
            .fold(f64::INFINITY, f64::min)
    };
    (0..72)
        .map(|k| {
            let t = k as f64 * std::f64::consts::TAU / 72.0;
            [radius * t.cos(), radius * t.sin()]
        })
        .filter(|&p| !inside(p))
        .map(dist)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circle(cx: f64, r: f64) -> Vec<[f64; 2]> {
        (0..180)
            .map(|k| {
                let t = k as f64 * std::f64::consts::TAU / 180.0;
                [cx + r * t.cos(), r * t.sin()]
            })
            .collect()
    }

    #[test]
    fn distances_and_breach_of_a_shifted_circle() {
        // Pedicle of radius 5 centred 2 mm medial of the axis; screw radius 3.
        let o = circle(2.0, 5.0);
        assert!((edge_along(&o, [1.0, 0.0]) - 7.0).abs() < 0.01);
        assert!((edge_along(&o, [-1.0, 0.0]) - 3.0).abs() < 0.01);
        assert!(breach(&o, 3.0) < 1e-9);
        // Axis 7 mm lateral of a radius-4 pedicle: lateral edge 3 mm medial of the axis.
        let o = circle(7.0, 4.0);
        assert!((edge_along(&o, [-1.0, 0.0]) + 3.0).abs() < 0.01);
        assert!((breach(&o, 3.0) - 6.0).abs() < 0.01);
    }
}
