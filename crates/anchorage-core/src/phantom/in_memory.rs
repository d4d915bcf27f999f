//! The phantom's CT or MR as a loaded series, in memory, without writing DICOM files:
//! for tests and benchmarks of what works on volumes (level finding), on grids and
//! placements the written phantom does not offer (any level range, slice spacing, a
//! rotated or tilted spine through the options' [`super::Pose`], scaled pedicles). Values are
//! those of the written files: the tissue value of the options' anatomy
//! ([`PhantomOptions::anatomy`]) at each pixel centre (on the CT with
//! `opts.partial_volume`, the partial-volume HU, [`super::partial`]), plus Gaussian noise
//! of the options' SD when `opts.noise`, rounded to integers.

use ndarray::Array3;
use rayon::prelude::*;

use super::anatomy::TissueValue;
use super::geometry::{SeriesGeometry, TruthVolume};
use super::options::PhantomOptions;
use super::rng::{Gaussian, SplitMix64};
use crate::dicom::series::Series;
use crate::dicom::volume::{Volume, Voxels};
use crate::geometry::{ImagePlane, Orientation};

/// Which of the phantom's two series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The axial CT (HU).
    Ct,
    /// The sagittal T1 MR (signal intensity).
    Mr,
}

/// The series `which` of `opts` in memory; each pixel centre p shows the tissue at
/// `opts.pose.to_anatomy(p)` of the options' anatomy, as the written phantom does.
pub fn series_in_memory(opts: &PhantomOptions, which: Which) -> (Series, Volume) {
    let anatomy = opts.anatomy();
    let (g, sd, uid) = match which {
        Which::Ct => (opts.ct_geometry(), opts.ct.noise_sd_hu, "2.25.1001"),
        Which::Mr => (opts.mr_geometry(), opts.mr.noise_sd_si, "2.25.1002"),
    };
    let sd = if opts.noise { sd } else { 0.0 };
    // The noise-free values exactly as the written files hold them.
    let truth = match which {
        Which::Ct => super::ct_volume_of(&anatomy, &g, opts.partial_volume),
        Which::Mr => TruthVolume::sample(&anatomy, &g),
    };
    let pick: fn(TissueValue) -> i32 = match which {
        Which::Ct => |v| v.ct_hu,
        Which::Mr => |v| v.mr_si,
    };
    let table = anatomy.value_table(pick);
    let mut data = match &truth.values {
        Some(v) => v.clone(),
        None => truth.labels.mapv(|code| table[usize::from(code)] as f32),
    };
    if sd > 0.0 {
        let per = g.rows * g.columns;
        if let Some(flat) = data.as_slice_mut() {
            flat.par_chunks_mut(per.max(1))
                .enumerate()
                .for_each(|(k, image)| {
                    let mut noise = Gaussian::new(SplitMix64::for_stream(opts.seed, 7, k as u64));
                    for x in image.iter_mut() {
                        *x = (f64::from(*x) + sd * noise.sample()).round() as f32;
                    }
                });
        }
    }
    let modality = match which {
        Which::Ct => "CT",
        Which::Mr => "MR",
    };
    (series_of(&g, modality, uid), volume_of(&g, data))
}

/// The noise-free CT of `opts` as a volume (HU as f32), one plane per slice as the DICOM
/// files would give: for tests and benchmarks of the views along a screw.
pub fn ct_volume_in_memory(opts: &PhantomOptions) -> Volume {
    let quiet = PhantomOptions {
        noise: false,
        ..opts.clone()
    };
    series_in_memory(&quiet, Which::Ct).1
}

fn planes(g: &SeriesGeometry) -> Vec<ImagePlane> {
    (0..g.slices)
        .map(|k| ImagePlane {
            origin_mm: g.position(k),
            row_dir: g.row_direction,
            col_dir: g.column_direction,
            row_spacing_mm: g.row_spacing_mm,
            col_spacing_mm: g.column_spacing_mm,
        })
        .collect()
}

fn volume_of(g: &SeriesGeometry, data: Array3<f32>) -> Volume {
    Volume {
        voxels: Voxels::Float(data),
        planes: planes(g),
        sop_instance_uids: (0..g.slices).map(|k| format!("2.25.9{k}")).collect(),
        frames: vec![0; g.slices],
        slice_spacing_mm: g.slice_spacing_mm,
        normal: g.normal(),
    }
}

fn series_of(g: &SeriesGeometry, modality: &str, uid: &str) -> Series {
    Series {
        uid: uid.into(),
        part: 0,
        modality: modality.into(),
        description: format!("phantom {modality} (in memory)"),
        series_number: None,
        patient_name: String::new(),
        patient_id: String::new(),
        patient_birth_date: String::new(),
        study_instance_uid: "2.25.1000".into(),
        study_date: String::new(),
        frame_of_reference_uid: "2.25.1003".into(),
        rows: g.rows as u32,
        columns: g.columns as u32,
        pixel_spacing_mm: [g.row_spacing_mm, g.column_spacing_mm],
        slice_spacing_mm: Some(g.slice_spacing_mm),
        slice_thickness_mm: Some(g.slice_spacing_mm),
        normal: g.normal(),
        orientation: Orientation::from_normal(g.normal()),
        bits_allocated: 16,
        bits_stored: 12,
        signed: false,
        uniform_format: true,
        photometric: "MONOCHROME2".into(),
        padding: None,
        window: None,
        slices: Vec::new(),
        warnings: Vec::new(),
    }
}
