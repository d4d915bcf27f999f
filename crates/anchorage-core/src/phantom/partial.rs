//! Partial volume: the phantom CT's noise-free value of each voxel is the mean tissue
//! value over the voxel's extent, as a scanner's pixel and slice sensitivity (a box
//! profile: the pixel in-plane, the slice thickness along the normal) would give it —
//! not the tissue at its centre. Without it, an edge between two slice centres is only
//! known to lie between them (±half a slice), and no sub-voxel measurement of the
//! phantom can be checked to better than that.
//!
//! Each voxel whose 26 neighbours all share its centre's label holds that tissue's
//! value; every other voxel is sub-sampled on a regular grid of points no further than
//! [`SUB_SAMPLE_MM`] apart inside its box and holds the mean of their values, rounded to
//! the nearest integer (the stored values are integers). A structure thinner than a
//! voxel that lies wholly between the centres of same-labelled neighbours is missed; the
//! phantom has none (its thinnest cortex is 1 mm, and a shell always separates two
//! different tissues).

use ndarray::Array3;
use rayon::prelude::*;

use super::anatomy::Anatomy;
use super::geometry::{SeriesGeometry, TruthVolume};

/// Largest distance between sub-samples inside a voxel (mm).
pub const SUB_SAMPLE_MM: f64 = 0.2;

/// Sub-samples per voxel along one axis of `extent_mm`.
fn count(extent_mm: f64) -> usize {
    ((extent_mm / SUB_SAMPLE_MM).ceil() as usize).max(1)
}

/// Offsets of `n` sub-samples across one voxel, in voxel units (−0.5..0.5, centred).
fn offsets(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i as f64 + 0.5) / n as f64 - 0.5).collect()
}

/// Whether voxel (k, r, c) and all its 26 neighbours inside the volume share a label.
fn uniform(labels: &Array3<u8>, k: usize, r: usize, c: usize) -> bool {
    let (nk, nr, nc) = labels.dim();
    let Some(&own) = labels.get((k, r, c)) else {
        return true;
    };
    for kk in k.saturating_sub(1)..=(k + 1).min(nk - 1) {
        for rr in r.saturating_sub(1)..=(r + 1).min(nr - 1) {
            for cc in c.saturating_sub(1)..=(c + 1).min(nc - 1) {
                if labels.get((kk, rr, cc)) != Some(&own) {
                    return false;
                }
            }
        }
    }
    true
}

/// Samples `anatomy` as [`TruthVolume::sample`] does, then each voxel's partial-volume
/// value, each label code's value from `table` ([`Anatomy::value_table`]).
pub fn sample_partial(
    anatomy: &Anatomy,
    geometry: &SeriesGeometry,
    table: &[f64; 256],
) -> TruthVolume {
    let mut volume = TruthVolume::sample(anatomy, geometry);
    volume.values = Some(partial_volume_values(
        anatomy,
        geometry,
        &volume.labels,
        table,
    ));
    volume
}

/// The partial-volume values (rounded to integers) of `geometry`'s voxels, given the
/// labels at their centres ([`super::TruthVolume::labels`], same shape) and each label
/// code's value (`lut`, [`Anatomy::value_table`]).
pub fn partial_volume_values(
    anatomy: &Anatomy,
    geometry: &SeriesGeometry,
    labels: &Array3<u8>,
    lut: &[f64; 256],
) -> Array3<f32> {
    let g = geometry;
    let (rows, cols) = (g.rows, g.columns);
    let (du, dv) = (
        offsets(count(g.column_spacing_mm)),
        offsets(count(g.row_spacing_mm)),
    );
    let dw = offsets(count(g.slice_spacing_mm));
    let n = g.normal();
    let mut out = Array3::<f32>::zeros((g.slices, rows, cols));
    let per = (rows * cols).max(1);
    if let Some(flat) = out.as_slice_mut() {
        flat.par_chunks_mut(per).enumerate().for_each(|(k, image)| {
            let local = slab_anatomy(anatomy, g, k);
            let origin = g.position(k);
            for (i, v) in image.iter_mut().enumerate() {
                let (r, c) = (i / cols, i % cols);
                let own = labels.get((k, r, c)).copied().unwrap_or(0);
                if uniform(labels, k, r, c) {
                    *v = lut[usize::from(own)].round() as f32;
                    continue;
                }
                let mut sum = 0.0;
                for &w in &dw {
                    let t = w * g.slice_spacing_mm;
                    for &b in &dv {
                        for &a in &du {
                            let p = g.patient_from(origin, c as f64 + a, r as f64 + b);
                            let q = [p[0] + t * n[0], p[1] + t * n[1], p[2] + t * n[2]];
                            sum += lut[usize::from(local.tissue_at(q).code())];
                        }
                    }
                }
                let m = (du.len() * dv.len() * dw.len()) as f64;
                *v = (sum / m).round() as f32;
            }
        });
    }
    out
}

/// The anatomy restricted to slice k's slab: its pixels' boxes and half a slice on
/// each side (1 mm of slack).
fn slab_anatomy(anatomy: &Anatomy, g: &SeriesGeometry, k: usize) -> Anatomy {
    let (c1, r1) = (g.columns as f64 - 0.5, g.rows as f64 - 0.5);
    let n = g.normal();
    let half = 0.5 * g.slice_spacing_mm + 1.0;
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for (c, r) in [(-0.5, -0.5), (c1, -0.5), (-0.5, r1), (c1, r1)] {
        let p = g.patient_of(k, c, r);
        for s in [-half, half] {
            for i in 0..3 {
                let x = p[i] + s * n[i];
                lo[i] = lo[i].min(x - 1.0);
                hi[i] = hi[i].max(x + 1.0);
            }
        }
    }
    anatomy.restricted(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_sample_offsets_are_centred_and_spaced_within_the_limit() {
        assert_eq!(count(1.25), 7);
        assert_eq!(count(0.7), 4);
        let o = offsets(4);
        assert!((o[0] + 0.375).abs() < 1e-12 && (o[3] - 0.375).abs() < 1e-12);
        assert!((o.iter().sum::<f64>()).abs() < 1e-12);
    }
}
