//! Trilinear sampling of a volume at any patient point ([`Sampler`]), for the views
//! along a screw and the pedicle measurement.
//!
//! The volume's slices must be parallel and evenly spaced (a CT as loaded): a point's
//! continuous voxel index is an affine function of its patient coordinates, so a whole
//! row of an oblique image costs one multiply-add per axis per pixel.

use crate::dicom::volume::{Volume, Voxels};
use crate::geometry::{Vec3, dot, sub};

use super::error::PlanError;

/// Continuous voxel index (slice, row, column) of patient points, and trilinear values.
#[derive(Debug, Clone)]
pub struct Sampler<'a> {
    volume: &'a Volume,
    dims: (usize, usize, usize),
    origin_mm: Vec3,
    /// Patient-space vectors whose dot product with (p − origin) gives each index.
    to_index: [Vec3; 3],
}

impl<'a> Sampler<'a> {
    /// A sampler of `volume`. Err when it has fewer than 2 slices, or its slices are not
    /// parallel and evenly spaced (within 1 % of the spacing).
    pub fn new(volume: &'a Volume) -> Result<Sampler<'a>, PlanError> {
        let dims = volume.dims();
        let (Some(first), Some(last)) = (volume.planes.first(), volume.planes.last()) else {
            return Err(PlanError::Volume("the series has no slices".into()));
        };
        if dims.0 < 2 || volume.planes.len() != dims.0 {
            return Err(PlanError::Volume(
                "a screw needs a volume of at least 2 slices".into(),
            ));
        }
        let span = sub(last.origin_mm, first.origin_mm);
        let n = first.normal();
        let along = dot(span, n);
        let step = along / (dims.0 - 1) as f64;
        if step.is_nan() || step.abs() <= 1e-6 {
            return Err(PlanError::Volume("the slices do not advance".into()));
        }
        for (k, pl) in volume.planes.iter().enumerate() {
            let expect = step * k as f64;
            let got = dot(sub(pl.origin_mm, first.origin_mm), n);
            if (got - expect).abs() > 0.01 * step.abs() || dot(pl.normal(), n) < 0.9999 {
                return Err(PlanError::Volume(format!(
                    "slice {k} is not evenly spaced or not parallel"
                )));
            }
        }
        // Slice direction: the in-plane drift of the origins (a gantry tilt) is folded in
        // by using the actual step vector.
        let slice_vec = [
            span[0] / (dims.0 - 1) as f64,
            span[1] / (dims.0 - 1) as f64,
            span[2] / (dims.0 - 1) as f64,
        ];
        let (r, c) = (first.row_dir, first.col_dir);
        // Solve p − o = i·slice_vec + row·(col_dir·row_spacing) + col·(row_dir·col_spacing)
        // by the inverse of the 3×3 matrix [slice_vec, col_dir·rs, row_dir·cs].
        let m = [
            slice_vec,
            [
                c[0] * first.row_spacing_mm,
                c[1] * first.row_spacing_mm,
                c[2] * first.row_spacing_mm,
            ],
            [
                r[0] * first.col_spacing_mm,
                r[1] * first.col_spacing_mm,
                r[2] * first.col_spacing_mm,
            ],
        ];
        let to_index = inverse_rows(m)
            .ok_or_else(|| PlanError::Volume("the slice geometry is degenerate".into()))?;
        Ok(Sampler {
            volume,
            dims,
            origin_mm: first.origin_mm,
            to_index,
        })
    }

    /// The volume sampled.
    pub fn volume(&self) -> &Volume {
        self.volume
    }

    /// The continuous (slice, row, column) of a patient point.
    #[inline]
    pub fn index_of(&self, p: Vec3) -> [f64; 3] {
        let d = sub(p, self.origin_mm);
        [
            dot(d, self.to_index[0]),
            dot(d, self.to_index[1]),
            dot(d, self.to_index[2]),
        ]
    }

    /// How the continuous index changes per mm along `dir`.
    #[inline]
    pub fn index_step(&self, dir: Vec3) -> [f64; 3] {
        [
            dot(dir, self.to_index[0]),
            dot(dir, self.to_index[1]),
            dot(dir, self.to_index[2]),
        ]
    }

    /// The trilinear value at a patient point; `None` outside the volume (beyond the
    /// outermost voxel centres) or next to padding.
    #[inline]
    pub fn value_at(&self, p: Vec3) -> Option<f32> {
        self.value_at_index(self.index_of(p))
    }

    /// The trilinear value at a continuous (slice, row, column); `None` outside.
    #[inline]
    pub fn value_at_index(&self, i: [f64; 3]) -> Option<f32> {
        let (ns, nr, nc) = self.dims;
        let [s, r, c] = i;
        if !(s >= 0.0 && r >= 0.0 && c >= 0.0) {
            return None;
        }
        let (s0, r0, c0) = (s as usize, r as usize, c as usize);
        if s0 >= ns || r0 >= nr || c0 >= nc {
            return None;
        }
        // On the last index the upper neighbour is the same voxel.
        let s1 = (s0 + 1).min(ns - 1);
        let r1 = (r0 + 1).min(nr - 1);
        let c1 = (c0 + 1).min(nc - 1);
        let (fs, fr, fc) = (
            (s - s0 as f64) as f32,
            (r - r0 as f64) as f32,
            (c - c0 as f64) as f32,
        );
        let (lo, hi, f) = ([s0, r0, c0], [s1, r1, c1], [fs, fr, fc]);
        match &self.volume.voxels {
            Voxels::Scaled { raw, map } => {
                let v = trilinear(lo, hi, f, |s, r, c| {
                    let v = *raw.get((s, r, c))?;
                    if map.padding.is_some() && map.is_padding(v) {
                        return None;
                    }
                    Some(v as f32)
                })?;
                Some((v as f64 * map.slope + map.offset) as f32)
            }
            Voxels::Float(a) => trilinear(lo, hi, f, |s, r, c| {
                a.get((s, r, c)).copied().filter(|v| v.is_finite())
            }),
        }
    }
}

/// The rows of the inverse of the matrix whose COLUMNS are `cols` (so that
/// `x_k = dot(row_k, v)` solves `Σ x_k·cols[k] = v`). `None` when singular.
fn inverse_rows(cols: [Vec3; 3]) -> Option<[Vec3; 3]> {
    let [a, b, c] = cols;
    let cross = crate::geometry::cross;
    let det = dot(a, cross(b, c));
    if det.is_nan() || det.abs() <= 1e-12 {
        return None;
    }
    let k = 1.0 / det;
    let scale = |v: Vec3| [v[0] * k, v[1] * k, v[2] * k];
    Some([scale(cross(b, c)), scale(cross(c, a)), scale(cross(a, b))])
}

/// Trilinear interpolation between the voxels `lo` and `hi` (slice, row, column) at
/// fractions `f`, each voxel read by `g` (`None`: padding, which makes the result `None`).
#[inline]
fn trilinear(
    lo: [usize; 3],
    hi: [usize; 3],
    f: [f32; 3],
    g: impl Fn(usize, usize, usize) -> Option<f32>,
) -> Option<f32> {
    let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
    let ([s0, r0, c0], [s1, r1, c1], [fs, fr, fc]) = (lo, hi, f);
    Some(lerp(
        lerp(
            lerp(g(s0, r0, c0)?, g(s0, r0, c1)?, fc),
            lerp(g(s0, r1, c0)?, g(s0, r1, c1)?, fc),
            fr,
        ),
        lerp(
            lerp(g(s1, r0, c0)?, g(s1, r0, c1)?, fc),
            lerp(g(s1, r1, c0)?, g(s1, r1, c1)?, fc),
            fr,
        ),
        fs,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_solves_the_system() {
        let cols = [[0.1, 0.0, 1.25], [0.0, 0.7, 0.0], [0.7, 0.0, 0.05]];
        let Some(rows) = inverse_rows(cols) else {
            panic!("singular");
        };
        let x = [3.0, -2.0, 5.5];
        let v: Vec3 = std::array::from_fn(|i| (0..3).map(|k| x[k] * cols[k][i]).sum());
        for k in 0..3 {
            assert!((dot(rows[k], v) - x[k]).abs() < 1e-12);
        }
    }
}
