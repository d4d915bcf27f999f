//! The sampling grid of one series: where each pixel centre lies in patient space.
//!
//! Conventions follow the project's interfaces: a pixel (column c, row r) of slice k has
//! its centre at `position(k) + c·column_spacing·row_direction + r·row_spacing·column_direction`;
//! slice k is the k-th in ascending order along the normal n = row_direction ×
//! column_direction, and `position(k) = first_position + k·slice_spacing·n`.

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::anatomy::{Anatomy, Tissue};

/// Regular sampling grid of a single-frame series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesGeometry {
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub columns: usize,
    /// Number of slices.
    pub slices: usize,
    /// Distance between the centres of adjacent rows (mm).
    pub row_spacing_mm: f64,
    /// Distance between the centres of adjacent columns (mm).
    pub column_spacing_mm: f64,
    /// Distance between adjacent slices along the normal (mm).
    pub slice_spacing_mm: f64,
    /// Direction of increasing column index (first half of ImageOrientationPatient).
    pub row_direction: [f64; 3],
    /// Direction of increasing row index (second half of ImageOrientationPatient).
    pub column_direction: [f64; 3],
    /// ImagePositionPatient of slice 0 (mm).
    pub first_position_mm: [f64; 3],
}

/// Rounds a coordinate to 1e-6 mm so the value written as a decimal string and the
/// value used to sample the anatomy are the same number.
pub(crate) fn round_um(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = sub(a, b);
    dot(d, d).sqrt()
}

impl SeriesGeometry {
    /// The slice normal n = row_direction × column_direction.
    pub fn normal(&self) -> [f64; 3] {
        cross(self.row_direction, self.column_direction)
    }

    /// ImageOrientationPatient: row direction, then column direction.
    pub fn orientation(&self) -> [f64; 6] {
        let (r, c) = (self.row_direction, self.column_direction);
        [r[0], r[1], r[2], c[0], c[1], c[2]]
    }

    /// ImagePositionPatient of slice k (rounded to 1e-6 mm).
    pub fn position(&self, k: usize) -> [f64; 3] {
        let n = self.normal();
        let t = k as f64 * self.slice_spacing_mm;
        let p = self.first_position_mm;
        [
            round_um(p[0] + t * n[0]),
            round_um(p[1] + t * n[1]),
            round_um(p[2] + t * n[2]),
        ]
    }

    /// The patient coordinates of a (possibly fractional) pixel position on slice k.
    pub fn patient_of(&self, k: usize, column: f64, row: f64) -> [f64; 3] {
        self.patient_from(self.position(k), column, row)
    }

    /// [`SeriesGeometry::patient_of`] on the slice whose position is `o` (its
    /// [`SeriesGeometry::position`], computed once by a caller visiting many pixels).
    pub fn patient_from(&self, o: [f64; 3], column: f64, row: f64) -> [f64; 3] {
        let (r, c) = (self.row_direction, self.column_direction);
        let (dc, dr) = (column * self.column_spacing_mm, row * self.row_spacing_mm);
        [
            o[0] + dc * r[0] + dr * c[0],
            o[1] + dc * r[1] + dr * c[1],
            o[2] + dc * r[2] + dr * c[2],
        ]
    }

    /// The (column, row) of the projection of p onto slice k's plane.
    pub fn pixel_of(&self, k: usize, p: [f64; 3]) -> (f64, f64) {
        let d = sub(p, self.position(k));
        (
            dot(d, self.row_direction) / self.column_spacing_mm,
            dot(d, self.column_direction) / self.row_spacing_mm,
        )
    }

    /// The signed distance of p from slice k's plane, along the normal (mm).
    pub fn offset_from_slice(&self, k: usize, p: [f64; 3]) -> f64 {
        dot(sub(p, self.position(k)), self.normal())
    }

    /// The slice whose plane is nearest to p (ties go to the lower index), with the
    /// signed distance of p from it; `None` when p lies more than half a spacing
    /// outside the stack.
    pub fn nearest_slice(&self, p: [f64; 3]) -> Option<(usize, f64)> {
        let t = dot(sub(p, self.first_position_mm), self.normal()) / self.slice_spacing_mm;
        let k = (t - 0.5).ceil().max(0.0);
        if !(k.is_finite() && (k as usize) < self.slices) || t < -0.5 {
            return None;
        }
        let k = k as usize;
        Some((k, self.offset_from_slice(k, p)))
    }

    /// The anatomy restricted to the bounding box of slice k's pixel centres (1 mm
    /// of slack on every side).
    pub fn slice_anatomy(&self, anatomy: &Anatomy, k: usize) -> Anatomy {
        let (last_c, last_r) = ((self.columns - 1) as f64, (self.rows - 1) as f64);
        let corners = [
            self.patient_of(k, 0.0, 0.0),
            self.patient_of(k, last_c, 0.0),
            self.patient_of(k, 0.0, last_r),
            self.patient_of(k, last_c, last_r),
        ];
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for p in corners {
            for i in 0..3 {
                lo[i] = lo[i].min(p[i] - 1.0);
                hi[i] = hi[i].max(p[i] + 1.0);
            }
        }
        anatomy.restricted(lo, hi)
    }

    /// Whether a pixel position lies inside the image (pixel centres 0..columns−1,
    /// 0..rows−1).
    pub fn contains_pixel(&self, column: f64, row: f64) -> bool {
        column >= 0.0
            && row >= 0.0
            && column <= (self.columns - 1) as f64
            && row <= (self.rows - 1) as f64
    }
}

/// The noise-free volume of a series: the tissue at each pixel centre and, for a
/// series sampled with partial volume (the CT, [`super::partial`]), each voxel's value.
#[derive(Debug, Clone)]
pub struct TruthVolume {
    /// The sampling grid.
    pub geometry: SeriesGeometry,
    /// Tissue label codes ([`Tissue::code`]) at the voxel centres, shape (slices, rows,
    /// columns).
    pub labels: Array3<u8>,
    /// The noise-free partial-volume values (same shape), or `None` when each voxel
    /// holds its centre's tissue value (the MR).
    pub values: Option<Array3<f32>>,
}

impl TruthVolume {
    /// Samples `anatomy` at every pixel centre of `geometry` (slices in parallel).
    pub fn sample(anatomy: &Anatomy, geometry: &SeriesGeometry) -> TruthVolume {
        let (rows, cols) = (geometry.rows, geometry.columns);
        let mut labels = Array3::<u8>::zeros((geometry.slices, rows, cols));
        if let Some(flat) = labels.as_slice_mut() {
            flat.par_chunks_mut((rows * cols).max(1))
                .enumerate()
                .for_each(|(k, image)| {
                    let local = geometry.slice_anatomy(anatomy, k);
                    let origin = geometry.position(k);
                    for (i, label) in image.iter_mut().enumerate() {
                        let (r, c) = (i / cols, i % cols);
                        let p = geometry.patient_from(origin, c as f64, r as f64);
                        *label = local.tissue_at(p).code();
                    }
                });
        }
        TruthVolume {
            geometry: geometry.clone(),
            labels,
            values: None,
        }
    }

    /// The partial-volume value of a voxel, `None` outside the volume or for a volume
    /// sampled without partial volume.
    pub fn value(&self, slice: usize, row: usize, column: usize) -> Option<f64> {
        self.values
            .as_ref()
            .and_then(|v| v.get((slice, row, column)))
            .map(|&x| f64::from(x))
    }

    /// The tissue of a pixel, `None` outside the volume.
    pub fn tissue(&self, slice: usize, row: usize, column: usize) -> Option<Tissue> {
        self.labels
            .get((slice, row, column))
            .and_then(|&code| Tissue::from_code(code))
    }
}
