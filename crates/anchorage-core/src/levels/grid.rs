//! A volume seen as a regular grid in patient space: voxel values by index and
//! trilinear interpolation at any patient point, for the level finders. The slices are
//! taken as equally spaced along the volume's normal from the first slice (the loader's
//! median spacing); in-plane geometry is the first slice's.

use crate::dicom::volume::{Volume, Voxels};
use crate::geometry::{ImagePlane, Vec3, add_scaled, dot, sub};

/// Read-only grid access to a volume.
pub struct Grid<'a> {
    volume: &'a Volume,
    plane: ImagePlane,
    normal: Vec3,
    /// Slice spacing, mm.
    pub slice_mm: f64,
    /// (slices, rows, columns).
    pub dims: (usize, usize, usize),
}

impl<'a> Grid<'a> {
    /// The grid of a volume; `None` for an empty one or a zero spacing.
    pub fn new(volume: &'a Volume) -> Option<Grid<'a>> {
        let plane = *volume.planes.first()?;
        let dims = volume.dims();
        let ok = dims.0 > 0 && dims.1 > 0 && dims.2 > 0;
        let slice_mm = volume.slice_spacing_mm;
        (ok && slice_mm.is_finite() && slice_mm > 0.0).then_some(Grid {
            volume,
            plane,
            normal: volume.normal,
            slice_mm,
            dims,
        })
    }

    /// The first slice's plane (in-plane directions and spacings).
    pub fn plane(&self) -> &ImagePlane {
        &self.plane
    }

    /// The slice normal.
    pub fn normal(&self) -> Vec3 {
        self.normal
    }

    /// The value of voxel (slice, row, column); NaN on padding or outside.
    #[inline]
    pub fn voxel(&self, k: usize, r: usize, c: usize) -> f32 {
        match &self.volume.voxels {
            Voxels::Scaled { raw, map } => match raw.get((k, r, c)) {
                Some(&v) if !map.is_padding(v) => map.value(v) as f32,
                _ => f32::NAN,
            },
            Voxels::Float(v) => v.get((k, r, c)).copied().unwrap_or(f32::NAN),
        }
    }

    /// Fractional (slice, row, column) of a patient point.
    #[inline]
    pub fn index_of(&self, p: Vec3) -> (f64, f64, f64) {
        let d = sub(p, self.plane.origin_mm);
        (
            dot(d, self.normal) / self.slice_mm,
            dot(d, self.plane.col_dir) / self.plane.row_spacing_mm,
            dot(d, self.plane.row_dir) / self.plane.col_spacing_mm,
        )
    }

    /// The patient point of a fractional (slice, row, column).
    pub fn point_of(&self, k: f64, r: f64, c: f64) -> Vec3 {
        let p = add_scaled(self.plane.origin_mm, k * self.slice_mm, self.normal);
        let p = add_scaled(p, r * self.plane.row_spacing_mm, self.plane.col_dir);
        add_scaled(p, c * self.plane.col_spacing_mm, self.plane.row_dir)
    }

    /// Trilinear interpolation at a patient point (the first and last slices extend half
    /// a slice beyond their planes); `None` outside the grid or where a neighbour is
    /// padding.
    pub fn sample(&self, p: Vec3) -> Option<f64> {
        let (k, r, c) = self.index_of(p);
        let (ns, nr, nc) = self.dims;
        // A hair of tolerance in-plane, so that a point on the border is inside; half a
        // slice beyond the first and last slices (their values extend that far).
        let inside = |x: f64, n: usize, tol: f64| x >= -tol && x <= (n - 1) as f64 + tol;
        if !(inside(k, ns, 0.5) && inside(r, nr, 1e-6) && inside(c, nc, 1e-6)) {
            return None;
        }
        let clamp = |x: f64, n: usize| x.clamp(0.0, (n - 1) as f64);
        let (k, r, c) = (clamp(k, ns), clamp(r, nr), clamp(c, nc));
        let (k0, r0, c0) = (k.floor() as usize, r.floor() as usize, c.floor() as usize);
        let (k1, r1, c1) = (
            (k0 + 1).min(ns - 1),
            (r0 + 1).min(nr - 1),
            (c0 + 1).min(nc - 1),
        );
        let (fk, fr, fc) = (k - k0 as f64, r - r0 as f64, c - c0 as f64);
        let mut acc = 0.0;
        for (kk, wk) in [(k0, 1.0 - fk), (k1, fk)] {
            for (rr, wr) in [(r0, 1.0 - fr), (r1, fr)] {
                for (cc, wc) in [(c0, 1.0 - fc), (c1, fc)] {
                    let w = wk * wr * wc;
                    if w == 0.0 {
                        continue;
                    }
                    let v = self.voxel(kk, rr, cc);
                    if !v.is_finite() {
                        return None;
                    }
                    acc += w * v as f64;
                }
            }
        }
        Some(acc)
    }
}
