//! ROI shapes in pixel units and their rasterisation, written from the project's
//! interface definitions (interfaces.md) and independent of any other code.
//!
//! A pixel (column c, row r) belongs to an ROI when its centre lies inside the outline,
//! boundary inclusive. The generator also measures how close the nearest pixel centre
//! comes to the outline ([`Raster::boundary_gap_px`]) so that it only publishes ROIs
//! whose membership cannot flip with floating-point rounding in another implementation.

use serde::{Deserialize, Serialize};

/// An ellipse ROI: centre (cx, cy) = (column, row), semi-axes rx, ry in pixels;
/// `angle_deg` turns the rx axis from +column towards +row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EllipsePx {
    /// Centre column.
    pub cx: f64,
    /// Centre row.
    pub cy: f64,
    /// Semi-axis along the (rotated) column direction, pixels.
    pub rx: f64,
    /// Semi-axis along the (rotated) row direction, pixels.
    pub ry: f64,
    /// Rotation of the rx axis from +column towards +row, degrees.
    pub angle_deg: f64,
}

impl EllipsePx {
    /// u²/rx² + v²/ry² for the pixel centre (c, r); inside when ≤ 1.
    pub fn measure(&self, c: f64, r: f64) -> f64 {
        let (s, co) = self.angle_deg.to_radians().sin_cos();
        let (dc, dr) = (c - self.cx, r - self.cy);
        let u = dc * co + dr * s;
        let v = -dc * s + dr * co;
        (u / self.rx).powi(2) + (v / self.ry).powi(2)
    }

    fn bounds(&self) -> [f64; 4] {
        let (s, co) = self.angle_deg.to_radians().sin_cos();
        let hc = ((self.rx * co).powi(2) + (self.ry * s).powi(2)).sqrt();
        let hr = ((self.rx * s).powi(2) + (self.ry * co).powi(2)).sqrt();
        [self.cx - hc, self.cx + hc, self.cy - hr, self.cy + hr]
    }
}

/// A trajectory ROI: the rectangle whose centre line runs from (x0, y0) to (x1, y1),
/// `width` wide, all in pixels (x = column, y = row).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPx {
    /// Start column (the entry point).
    pub x0: f64,
    /// Start row.
    pub y0: f64,
    /// End column (the tip).
    pub x1: f64,
    /// End row.
    pub y1: f64,
    /// Full width, pixels.
    pub width: f64,
}

impl TrajectoryPx {
    /// (projection on the centre line from the start, centre-line length, distance
    /// from the centre line) for the pixel centre (c, r), all in pixels.
    pub fn measure(&self, c: f64, r: f64) -> (f64, f64, f64) {
        let (dx, dy) = (self.x1 - self.x0, self.y1 - self.y0);
        let len = (dx * dx + dy * dy).sqrt();
        let (wx, wy) = (c - self.x0, r - self.y0);
        (
            (wx * dx + wy * dy) / len,
            len,
            (wx * dy - wy * dx).abs() / len,
        )
    }

    /// Centre-line length, pixels.
    pub fn length(&self) -> f64 {
        (self.x1 - self.x0).hypot(self.y1 - self.y0)
    }

    fn bounds(&self) -> [f64; 4] {
        let h = 0.5 * self.width;
        [
            self.x0.min(self.x1) - h,
            self.x0.max(self.x1) + h,
            self.y0.min(self.y1) - h,
            self.y0.max(self.y1) + h,
        ]
    }
}

/// An ROI in pixel units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RoiPx {
    /// An ellipse.
    Ellipse(EllipsePx),
    /// A trajectory rectangle.
    Trajectory(TrajectoryPx),
}

/// The pixels of an ROI on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Member pixels as (row, column), in row-major order.
    pub pixels: Vec<(usize, usize)>,
    /// The smallest distance, in pixels (approximately, for ellipses), between a pixel
    /// centre near the ROI and the ROI's outline or its membership thresholds.
    pub boundary_gap_px: f64,
}

/// Why an ROI cannot be rasterised.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RasterError {
    /// The ROI's outline reaches outside the image.
    #[error("the ROI reaches outside the {rows}×{columns} image")]
    OutsideImage {
        /// Image rows.
        rows: usize,
        /// Image columns.
        columns: usize,
    },
    /// The ROI has a non-positive or non-finite size.
    #[error("the ROI has no area")]
    Degenerate,
}

/// Rasterises an ROI on a `rows × columns` image; the outline must lie fully inside
/// the image (between the first and last pixel centres).
pub fn rasterise(roi: &RoiPx, rows: usize, columns: usize) -> Result<Raster, RasterError> {
    let bounds = match roi {
        RoiPx::Ellipse(e) => {
            if !(e.rx > 0.0 && e.ry > 0.0 && e.rx.is_finite() && e.ry.is_finite()) {
                return Err(RasterError::Degenerate);
            }
            e.bounds()
        }
        RoiPx::Trajectory(t) => {
            if !(t.width > 0.0 && t.length() > 0.0 && t.length().is_finite()) {
                return Err(RasterError::Degenerate);
            }
            t.bounds()
        }
    };
    let [c0, c1, r0, r1] = bounds;
    let (last_c, last_r) = (columns as f64 - 1.0, rows as f64 - 1.0);
    if !(c0 >= 0.0 && r0 >= 0.0 && c1 <= last_c && r1 <= last_r) {
        return Err(RasterError::OutsideImage { rows, columns });
    }
    let (cs, ce) = (c0.floor() as usize, (c1.ceil() as usize).min(columns - 1));
    let (rs, re) = (r0.floor() as usize, (r1.ceil() as usize).min(rows - 1));
    let mut pixels = Vec::new();
    let mut gap = f64::INFINITY;
    for r in rs..=re {
        for c in cs..=ce {
            let (fc, fr) = (c as f64, r as f64);
            let (inside, margin) = match roi {
                RoiPx::Ellipse(e) => {
                    let q = e.measure(fc, fr);
                    (q <= 1.0, (q.sqrt() - 1.0).abs() * e.rx.min(e.ry))
                }
                RoiPx::Trajectory(t) => {
                    let (proj, len, dist) = t.measure(fc, fr);
                    let half = 0.5 * t.width;
                    let inside = proj >= 0.0 && proj <= len && dist <= half;
                    let margin = if inside {
                        proj.min(len - proj).min(half - dist)
                    } else {
                        (-proj).max(proj - len).max(dist - half)
                    };
                    (inside, margin)
                }
            };
            gap = gap.min(margin);
            if inside {
                pixels.push((r, c));
            }
        }
    }
    Ok(Raster {
        pixels,
        boundary_gap_px: gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circle_of_radius_one_holds_five_pixels() {
        let e = EllipsePx {
            cx: 5.0,
            cy: 5.0,
            rx: 1.0,
            ry: 1.0,
            angle_deg: 0.0,
        };
        let r = rasterise(&RoiPx::Ellipse(e), 10, 10).map(|r| r.pixels.len());
        assert_eq!(r, Ok(5));
    }

    #[test]
    fn horizontal_trajectory_counts_rows_within_half_width() {
        let t = TrajectoryPx {
            x0: 2.0,
            y0: 5.0,
            x1: 6.0,
            y1: 5.0,
            width: 2.5,
        };
        // columns 2..=6 (5) × rows 4..=6 (3)
        let r = rasterise(&RoiPx::Trajectory(t), 10, 10).map(|r| r.pixels.len());
        assert_eq!(r, Ok(15));
    }

    #[test]
    fn roi_outside_the_image_is_refused() {
        let e = EllipsePx {
            cx: 1.0,
            cy: 5.0,
            rx: 2.0,
            ry: 1.0,
            angle_deg: 0.0,
        };
        assert!(rasterise(&RoiPx::Ellipse(e), 10, 10).is_err());
    }
}
