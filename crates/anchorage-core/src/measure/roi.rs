//! ROI shapes in pixel space and their pixel membership.
//!
//! Pixel (column c, row r) has its centre at (c, r); it belongs to an ROI when its centre
//! lies inside the outline, boundary inclusive (a relative tolerance of 1e-9 absorbs
//! rounding on the boundary). The exact rules are in interfaces.md.

use serde::{Deserialize, Serialize};

/// Tolerance on boundary tests, so a centre exactly on the outline counts as inside.
pub const BOUNDARY_EPS: f64 = 1e-9;

/// An ellipse: centre, semi-axes (pixels) and rotation of the `rx` axis from +column
/// towards +row (radians).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EllipsePx {
    /// Centre column.
    pub cx: f64,
    /// Centre row.
    pub cy: f64,
    /// Semi-axis along the rotated column direction, pixels.
    pub rx: f64,
    /// Semi-axis along the rotated row direction, pixels.
    pub ry: f64,
    /// Rotation, radians.
    pub angle_rad: f64,
}

/// An oriented rectangle whose centre line runs from (x0, y0) to (x1, y1), `width` wide.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPx {
    /// Start column (entry point).
    pub x0: f64,
    /// Start row.
    pub y0: f64,
    /// End column (tip).
    pub x1: f64,
    /// End row.
    pub y1: f64,
    /// Full width, pixels.
    pub width: f64,
}

/// An area ROI in pixel space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ShapePx {
    /// Ellipse.
    Ellipse(EllipsePx),
    /// Trajectory rectangle.
    Trajectory(TrajectoryPx),
}

impl EllipsePx {
    /// Whether the point (c, r) lies inside.
    #[inline]
    pub fn contains(&self, c: f64, r: f64) -> bool {
        let (s, co) = self.angle_rad.sin_cos();
        let (dc, dr) = (c - self.cx, r - self.cy);
        let u = dc * co + dr * s;
        let v = -dc * s + dr * co;
        u * u / (self.rx * self.rx) + v * v / (self.ry * self.ry) <= 1.0 + BOUNDARY_EPS
    }

    /// Bounding box (cmin, rmin, cmax, rmax) in continuous pixel coordinates.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let (s, c) = self.angle_rad.sin_cos();
        let hx = ((self.rx * c).powi(2) + (self.ry * s).powi(2)).sqrt();
        let hy = ((self.rx * s).powi(2) + (self.ry * c).powi(2)).sqrt();
        (self.cx - hx, self.cy - hy, self.cx + hx, self.cy + hy)
    }
}

impl TrajectoryPx {
    /// Length of the centre line, pixels.
    pub fn length(&self) -> f64 {
        (self.x1 - self.x0).hypot(self.y1 - self.y0)
    }

    /// Whether the point (c, r) lies inside.
    #[inline]
    pub fn contains(&self, c: f64, r: f64) -> bool {
        let (dx, dy) = (self.x1 - self.x0, self.y1 - self.y0);
        let len2 = dx * dx + dy * dy;
        let (px, py) = (c - self.x0, r - self.y0);
        if len2 <= 0.0 {
            return false;
        }
        let t = (px * dx + py * dy) / len2;
        if !(-BOUNDARY_EPS..=1.0 + BOUNDARY_EPS).contains(&t) {
            return false;
        }
        let dist = (px * dy - py * dx).abs() / len2.sqrt();
        dist <= self.width / 2.0 + BOUNDARY_EPS * self.width.max(1.0)
    }

    /// Bounding box (cmin, rmin, cmax, rmax).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let len = self.length();
        let (nx, ny) = if len > 0.0 {
            (-(self.y1 - self.y0) / len, (self.x1 - self.x0) / len)
        } else {
            (0.0, 0.0)
        };
        let h = self.width / 2.0;
        let xs = [
            self.x0 + nx * h,
            self.x0 - nx * h,
            self.x1 + nx * h,
            self.x1 - nx * h,
        ];
        let ys = [
            self.y0 + ny * h,
            self.y0 - ny * h,
            self.y1 + ny * h,
            self.y1 - ny * h,
        ];
        let min = |a: [f64; 4]| a.iter().copied().fold(f64::INFINITY, f64::min);
        let max = |a: [f64; 4]| a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (min(xs), min(ys), max(xs), max(ys))
    }
}

impl ShapePx {
    /// Whether the point (c, r) lies inside.
    #[inline]
    pub fn contains(&self, c: f64, r: f64) -> bool {
        match self {
            ShapePx::Ellipse(e) => e.contains(c, r),
            ShapePx::Trajectory(t) => t.contains(c, r),
        }
    }

    /// Bounding box (cmin, rmin, cmax, rmax).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        match self {
            ShapePx::Ellipse(e) => e.bounds(),
            ShapePx::Trajectory(t) => t.bounds(),
        }
    }

    /// Whether the shape's parameters are finite and non-degenerate.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            ShapePx::Ellipse(e) => {
                if ![e.cx, e.cy, e.rx, e.ry, e.angle_rad]
                    .iter()
                    .all(|v| v.is_finite())
                {
                    return Err("ellipse values must be finite".into());
                }
                if e.rx <= 0.0 || e.ry <= 0.0 {
                    return Err(format!(
                        "ellipse semi-axes must be positive (got {} and {})",
                        e.rx, e.ry
                    ));
                }
            }
            ShapePx::Trajectory(t) => {
                if ![t.x0, t.y0, t.x1, t.y1, t.width]
                    .iter()
                    .all(|v| v.is_finite())
                {
                    return Err("trajectory values must be finite".into());
                }
                if t.width <= 0.0 {
                    return Err(format!(
                        "trajectory width must be positive (got {})",
                        t.width
                    ));
                }
                if t.length() <= 0.0 {
                    return Err("trajectory start and end are the same point".into());
                }
            }
        }
        Ok(())
    }

    /// Visits every pixel (column, row) of a `cols × rows` image whose centre is inside;
    /// returns whether the shape reaches outside the image. The shape is in pixel units.
    pub fn for_each_pixel(&self, cols: usize, rows: usize, f: impl FnMut(usize, usize)) -> bool {
        self.for_each_pixel_scaled(cols, rows, [1.0, 1.0], f)
    }

    /// Like [`ShapePx::for_each_pixel`], for a shape given in plane millimetres: pixel
    /// (c, r) has its centre at (c·scale[0], r·scale[1]) (scale = column spacing, row
    /// spacing), so that ellipses stay exact on anisotropic pixels.
    pub fn for_each_pixel_scaled(
        &self,
        cols: usize,
        rows: usize,
        scale: [f64; 2],
        mut f: impl FnMut(usize, usize),
    ) -> bool {
        let [sx, sy] = scale;
        if !(sx > 0.0 && sy > 0.0) {
            return true;
        }
        let (x0, y0, x1, y1) = self.bounds();
        let (c0, r0, c1, r1) = (x0 / sx, y0 / sy, x1 / sx, y1 / sy);
        if !(c0.is_finite() && r0.is_finite() && c1.is_finite() && r1.is_finite()) {
            return true;
        }
        let outside = c0 < -0.5 || r0 < -0.5 || c1 > cols as f64 - 0.5 || r1 > rows as f64 - 0.5;
        let cmax = c1.floor().min(cols as f64 - 1.0);
        let rmax = r1.floor().min(rows as f64 - 1.0);
        if cmax < 0.0 || rmax < 0.0 {
            return true;
        }
        let lo = |v: f64| (v - 1e-6).ceil().max(0.0) as usize;
        let (cmin, rmin) = (lo(c0), lo(r0));
        for r in rmin..=rmax as usize {
            for c in cmin..=cmax as usize {
                if self.contains(c as f64 * sx, r as f64 * sy) {
                    f(c, r);
                }
            }
        }
        outside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(s: ShapePx, cols: usize, rows: usize) -> (usize, bool) {
        let mut n = 0;
        let out = s.for_each_pixel(cols, rows, |_, _| n += 1);
        (n, out)
    }

    #[test]
    fn circle_radius_one_has_five_pixels() {
        let e = ShapePx::Ellipse(EllipsePx {
            cx: 5.0,
            cy: 5.0,
            rx: 1.0,
            ry: 1.0,
            angle_rad: 0.0,
        });
        assert_eq!(count(e, 20, 20), (5, false));
    }

    #[test]
    fn one_pixel_ellipse() {
        let e = ShapePx::Ellipse(EllipsePx {
            cx: 3.0,
            cy: 4.0,
            rx: 0.4,
            ry: 0.4,
            angle_rad: 0.3,
        });
        let mut seen = vec![];
        e.for_each_pixel(10, 10, |c, r| seen.push((c, r)));
        assert_eq!(seen, vec![(3, 4)]);
    }

    #[test]
    fn brute_force_agrees_for_rotated_ellipse() {
        let e = EllipsePx {
            cx: 10.3,
            cy: 8.7,
            rx: 6.2,
            ry: 2.9,
            angle_rad: 0.7,
        };
        let s = ShapePx::Ellipse(e);
        let mut fast = vec![];
        s.for_each_pixel(30, 30, |c, r| fast.push((c, r)));
        let mut slow = vec![];
        for r in 0..30 {
            for c in 0..30 {
                let (si, co) = 0.7f64.sin_cos();
                let (dc, dr) = (c as f64 - 10.3, r as f64 - 8.7);
                let u = dc * co + dr * si;
                let v = -dc * si + dr * co;
                if u * u / (6.2 * 6.2) + v * v / (2.9 * 2.9) <= 1.0 {
                    slow.push((c, r));
                }
            }
        }
        assert_eq!(fast, slow);
    }

    #[test]
    fn axis_aligned_trajectory_counts() {
        // From (2,5) to (12,5), width 3: columns 2..=12, rows 4..=6 → 11 × 3.
        let t = ShapePx::Trajectory(TrajectoryPx {
            x0: 2.0,
            y0: 5.0,
            x1: 12.0,
            y1: 5.0,
            width: 3.0,
        });
        assert_eq!(count(t, 20, 20), (33, false));
    }

    #[test]
    fn partly_outside_is_reported() {
        let e = ShapePx::Ellipse(EllipsePx {
            cx: 0.0,
            cy: 0.0,
            rx: 3.0,
            ry: 3.0,
            angle_rad: 0.0,
        });
        let (n, out) = count(e, 10, 10);
        assert!(out);
        // Quarter disc of radius 3 on the lattice, including the axes: 11 pixels.
        assert_eq!(n, 11);
    }
}
