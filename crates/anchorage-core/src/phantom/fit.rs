//! Fitting ROI ellipses into tissue regions with a safety margin.
//!
//! Two methods:
//! - [`largest_ellipse_in_section`]: the largest axis-aligned ellipse whose margin-wide
//!   neighbourhood lies inside a convex [`Section`] (a vertebral body's cancellous core),
//!   by support functions: a convex set K lies inside a convex set L exactly when
//!   h_K(u) ≤ h_L(u) for every direction u.
//! - [`largest_scale`]: a binary search on the size of an ellipse of fixed centre and
//!   shape, for any monotone predicate (used with [`ring_in_tissue`], which samples the
//!   anatomy on circles of the margin's radius around the ellipse's outline).

use std::f64::consts::TAU;

use super::anatomy::{Anatomy, Section, Tissue};

/// Support function of an axis-aligned ellipse at (cx, cy) with semi-axes (a, b).
fn support(cx: f64, cy: f64, a: f64, b: f64, ux: f64, uy: f64) -> f64 {
    cx * ux + cy * uy + (a * a * ux * ux + b * b * uy * uy).sqrt()
}

/// Whether the ellipse (cx, cy, a, b) grown by `margin` lies inside `section`, tested on
/// `directions` evenly spaced directions.
pub fn ellipse_fits_section(
    section: &Section,
    centre: (f64, f64),
    semi: (f64, f64),
    margin: f64,
    directions: usize,
) -> bool {
    let ((cx, cy), (a, b)) = (centre, semi);
    if cy + b + margin > section.max_y_mm {
        return false;
    }
    (0..directions).all(|j| {
        let (uy, ux) = (TAU * j as f64 / directions as f64).sin_cos();
        support(cx, cy, a, b, ux, uy) + margin
            <= support(
                section.centre_x_mm,
                section.centre_y_mm,
                section.semi_x_mm,
                section.semi_y_mm,
                ux,
                uy,
            )
    })
}

/// Directions u_j with the section's support h(u_j), for repeated fits.
struct SupportTable {
    rows: Vec<(f64, f64, f64)>,
}

impl SupportTable {
    fn new(section: &Section, n: usize) -> SupportTable {
        let rows = (0..n)
            .map(|j| {
                let (uy, ux) = (TAU * j as f64 / n as f64).sin_cos();
                let h = support(
                    section.centre_x_mm,
                    section.centre_y_mm,
                    section.semi_x_mm,
                    section.semi_y_mm,
                    ux,
                    uy,
                );
                (ux, uy, h)
            })
            .collect();
        SupportTable { rows }
    }

    /// The largest semi-axis `a` such that the ellipse (cx, cy, a, ρ·a) grown by
    /// `margin` fits the section (on the table's directions); negative when nothing fits.
    fn max_semi_x(&self, section: &Section, cx: f64, cy: f64, rho: f64, margin: f64) -> f64 {
        let mut best = (section.max_y_mm - cy - margin) / rho;
        for &(ux, uy, h) in &self.rows {
            let room = h - margin - cx * ux - cy * uy;
            best = best.min(room / (ux * ux + rho * rho * uy * uy).sqrt());
        }
        best
    }
}

/// The largest-area axis-aligned ellipse centred on the section's axis of symmetry
/// (x = section centre) whose `margin`-wide neighbourhood stays inside `section`.
/// Returns ((cx, cy), (a, b)) in mm.
pub fn largest_ellipse_in_section(section: &Section, margin: f64) -> ((f64, f64), (f64, f64)) {
    let coarse = SupportTable::new(section, 720);
    let cx = section.centre_x_mm;
    let (mut y_lo, mut y_hi) = (section.min_y_mm() + margin, section.max_y_mm - margin);
    let (mut rho_lo, mut rho_hi) = (0.3_f64, 1.5_f64);
    let mut best = (0.0, section.centre_y_mm, 1.0); // (a, cy, rho)
    for _round in 0..8 {
        let steps = 20;
        for i in 0..=steps {
            let cy = y_lo + (y_hi - y_lo) * i as f64 / steps as f64;
            for j in 0..=steps {
                let rho = rho_lo + (rho_hi - rho_lo) * j as f64 / steps as f64;
                let a = coarse.max_semi_x(section, cx, cy, rho, margin);
                if a > 0.0 && a * a * rho > best.0 * best.0 * best.2 {
                    best = (a, cy, rho);
                }
            }
        }
        let (dy, dr) = ((y_hi - y_lo) / 10.0, (rho_hi - rho_lo) / 10.0);
        (y_lo, y_hi) = (best.1 - dy, best.1 + dy);
        (rho_lo, rho_hi) = ((best.2 - dr).max(0.05), best.2 + dr);
    }
    let (_, cy, rho) = best;
    // Final size on a dense set of directions, a hair smaller for safety.
    let a = SupportTable::new(section, 7200).max_semi_x(section, cx, cy, rho, margin) - 1e-6;
    ((cx, cy), (a, rho * a))
}

/// The largest λ in [0, hi] for which `fits(λ)` holds, assuming it holds for every
/// smaller λ; 0 when it never holds.
pub fn largest_scale(hi: f64, fits: impl Fn(f64) -> bool) -> f64 {
    if fits(hi) {
        return hi;
    }
    let (mut lo, mut hi) = (0.0, hi);
    for _ in 0..32 {
        let mid = 0.5 * (lo + hi);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A plane in patient space with two orthonormal in-plane directions (mm).
#[derive(Debug, Clone, Copy)]
pub struct Plane {
    /// A point of the plane: the ellipse centre.
    pub origin: [f64; 3],
    /// In-plane direction of the first semi-axis.
    pub u: [f64; 3],
    /// In-plane direction of the second semi-axis.
    pub v: [f64; 3],
}

impl Plane {
    fn at(&self, a: f64, b: f64) -> [f64; 3] {
        let (o, u, v) = (self.origin, self.u, self.v);
        [
            o[0] + a * u[0] + b * v[0],
            o[1] + a * u[1] + b * v[1],
            o[2] + a * u[2] + b * v[2],
        ]
    }
}

/// Whether the ellipse with semi-axes (a, b) mm about the plane's origin lies, together
/// with its `margin`-wide neighbourhood in the plane, inside `target`: the centre, 180
/// points of the outline and 24 points on a circle of radius `margin` around each are
/// sampled. Sufficient for regions without holes near the ellipse.
pub fn ring_in_tissue(
    anatomy: &Anatomy,
    plane: &Plane,
    semi: (f64, f64),
    margin: f64,
    target: Tissue,
) -> bool {
    if anatomy.tissue_at(plane.origin) != target {
        return false;
    }
    let ring: Vec<(f64, f64)> = (0..24)
        .map(|j| {
            let (s, c) = (TAU * j as f64 / 24.0).sin_cos();
            (margin * c, margin * s)
        })
        .collect();
    (0..180).all(|i| {
        let (s, c) = (TAU * i as f64 / 180.0).sin_cos();
        let (pa, pb) = (semi.0 * c, semi.1 * s);
        anatomy.tissue_at(plane.at(pa, pb)) == target
            && ring
                .iter()
                .all(|&(da, db)| anatomy.tissue_at(plane.at(pa + da, pb + db)) == target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipse_in_an_ellipse_keeps_its_margin() {
        let s = Section {
            centre_x_mm: 0.0,
            centre_y_mm: 0.0,
            semi_x_mm: 20.0,
            semi_y_mm: 10.0,
            max_y_mm: 100.0,
        };
        let ((cx, cy), (a, b)) = largest_ellipse_in_section(&s, 1.0);
        assert!(cx.abs() < 1e-12 && cy.abs() < 0.05, "{cx} {cy}");
        assert!(a < 19.0 && b < 9.0 && a > 17.0 && b > 8.0, "{a} {b}");
        assert!(ellipse_fits_section(&s, (cx, cy), (a, b), 1.0, 20000));
        assert!(!ellipse_fits_section(
            &s,
            (cx, cy),
            (a + 0.05, b + 0.05),
            1.0,
            20000
        ));
    }

    #[test]
    fn binary_search_finds_threshold() {
        let l = largest_scale(2.0, |x| x <= 0.75);
        assert!((l - 0.75).abs() < 1e-9);
        assert_eq!(largest_scale(2.0, |_| true), 2.0);
    }
}
