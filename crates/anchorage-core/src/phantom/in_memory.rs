//! The phantom's CT as a loaded [`Volume`] without writing any file: the noise-free
//! labelled volume with each tissue's HU, for tests and benchmarks that need a volume of
//! any grid (`PhantomOptions::large()`: 512 × 512 × 300) quickly.

use ndarray::Array3;

use super::{PhantomOptions, Tissue, ct_truth_volume};
use crate::dicom::volume::{RawMapping, Volume, Voxels};
use crate::geometry::ImagePlane;

/// The noise-free CT of `opts` as a volume (HU stored as raw i16, slope 1), with one
/// plane per slice as the DICOM files would give.
pub fn ct_volume_in_memory(opts: &PhantomOptions) -> Volume {
    let truth = ct_truth_volume(opts);
    let anatomy = opts.anatomy();
    let mut lut = [0i16; 256];
    for (code, v) in lut.iter_mut().enumerate() {
        *v = Tissue::from_code(code as u8)
            .and_then(|t| anatomy.value(t))
            .map_or(0, |tv| tv.ct_hu as i16);
    }
    let raw: Array3<i16> = truth.labels.mapv(|c| lut[c as usize]);
    let g = &truth.geometry;
    let planes: Vec<ImagePlane> = (0..g.slices)
        .map(|k| {
            let o = g.patient_of(k, 0.0, 0.0);
            ImagePlane {
                origin_mm: o,
                row_dir: g.row_direction,
                col_dir: g.column_direction,
                row_spacing_mm: g.row_spacing_mm,
                col_spacing_mm: g.column_spacing_mm,
            }
        })
        .collect();
    Volume {
        voxels: Voxels::Scaled {
            raw,
            map: RawMapping {
                slope: 1.0,
                offset: 0.0,
                shift: 0,
                padding: None,
            },
        },
        sop_instance_uids: (0..g.slices).map(|k| format!("2.25.{}", k + 1)).collect(),
        frames: vec![0; g.slices],
        slice_spacing_mm: g.slice_spacing_mm,
        normal: g.normal(),
        planes,
    }
}
