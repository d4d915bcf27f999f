//! The synthetic lumbar-spine phantom: bundled sample data and test oracle.
//!
//! One analytic anatomy ([`anatomy`]) is sampled by an axial CT series and a sagittal
//! T1 MR series that share a study and a frame of reference. [`write_phantoms`] writes
//!
//! ```text
//! OUT/ct/<hash>.dcm          axial CT, unsigned 12-bit, RescaleIntercept −1024
//! OUT/mr/<hash>.dcm          sagittal T1 MR, unsigned 12-bit, no rescale
//! OUT/ground-truth.json      one truth file for both series (see docs/phantom.md)
//! ```
//!
//! The truth file lists every tissue's value, the anatomy per level, the protocol ROIs
//! (B-HU ellipses, screw trajectories, pedicle calipers, MR pedicle and CSF ellipses)
//! in pixel and patient coordinates with their expected statistics on the noise-free
//! volume, and the expected protocol results (B-HU, ST-HU, HU ratios, PBQ, clearance).
//! Output is deterministic: the same options give byte-identical files.

pub mod anatomy;
pub mod example;
pub mod field;
pub mod fit;
pub mod geometry;
pub mod in_memory;
pub mod labels;
mod options;
pub mod partial;
pub mod pose;
mod protocol;
pub mod rng;
pub mod roi;
mod series;
pub mod truth;

use std::path::Path;

use crate::dicom::write::ImageModality;

pub use anatomy::{Anatomy, Level, Side, Tissue};
pub use field::{CtFieldTruth, LevelRange};
pub use geometry::{SeriesGeometry, TruthVolume};
pub use options::*;
pub use pose::Pose;
pub use series::{PATIENT_ID, PATIENT_NAME};
pub use truth::GroundTruth;

/// The noise-free CT volume of these options: labels at the voxel centres and, with
/// `opts.partial_volume`, the partial-volume HU of every voxel.
pub fn ct_truth_volume(opts: &PhantomOptions) -> TruthVolume {
    ct_volume_of(&opts.anatomy(), &opts.ct_geometry(), opts.partial_volume)
}

/// The CT's truth volume of `anatomy` on `geometry`, with partial volume (HU) or
/// without (labels only).
pub(crate) fn ct_volume_of(
    anatomy: &Anatomy,
    geometry: &SeriesGeometry,
    partial: bool,
) -> TruthVolume {
    if !partial {
        return TruthVolume::sample(anatomy, geometry);
    }
    partial::sample_partial(anatomy, geometry, &anatomy.value_table(|v| v.ct_hu))
}

/// The noise-free labelled MR volume of these options.
pub fn mr_truth_volume(opts: &PhantomOptions) -> TruthVolume {
    TruthVolume::sample(&opts.anatomy(), &opts.mr_geometry())
}

struct Prepared {
    anatomy: Anatomy,
    identity: series::Identity,
    ct: series::SeriesPlan,
    mr: series::SeriesPlan,
    ct_volume: TruthVolume,
    mr_volume: TruthVolume,
    truth: GroundTruth,
}

fn prepare(opts: &PhantomOptions) -> Result<Prepared, PhantomError> {
    opts.validate()?;
    let anatomy = opts.anatomy();
    let identity = series::Identity::new(opts);
    let ct = series::SeriesPlan::new(ImageModality::Ct, opts.ct_geometry(), &identity, opts)?;
    let mr = series::SeriesPlan::new(ImageModality::Mr, opts.mr_geometry(), &identity, opts)?;
    let (ct_volume, mr_volume) = rayon::join(
        || ct_volume_of(&anatomy, &ct.geometry, opts.partial_volume),
        || TruthVolume::sample(&anatomy, &mr.geometry),
    );
    let truth = protocol::build(&protocol::Inputs {
        opts,
        anatomy: &anatomy,
        identity: &identity,
        ct: &ct,
        mr: &mr,
        ct_volume: &ct_volume,
        mr_volume: &mr_volume,
    })?;
    Ok(Prepared {
        anatomy,
        identity,
        ct,
        mr,
        ct_volume,
        mr_volume,
        truth,
    })
}

/// The ground truth of these options, without writing any file.
pub fn ground_truth(opts: &PhantomOptions) -> Result<GroundTruth, PhantomError> {
    prepare(opts).map(|p| p.truth)
}

/// Writes the CT and MR series and `ground-truth.json` into `out_dir` (created if
/// needed). Refuses when `out_dir/ct` or `out_dir/mr` holds `.dcm` files of another
/// run; files of the same run are overwritten with identical bytes.
pub fn write_phantoms(
    out_dir: &Path,
    opts: &PhantomOptions,
) -> Result<PhantomSummary, PhantomError> {
    let p = prepare(opts)?;
    let mut bytes_written = 0;
    for plan in [&p.ct, &p.mr] {
        let dir = out_dir.join(&plan.directory);
        plan.check_directory(&dir)?;
        std::fs::create_dir_all(&dir).map_err(|source| PhantomError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    for (plan, volume) in [(&p.ct, &p.ct_volume), (&p.mr, &p.mr_volume)] {
        let dir = out_dir.join(&plan.directory);
        bytes_written += plan.write(&dir, &p.anatomy, volume, &p.identity)?;
    }
    let truth_path = out_dir.join(TRUTH_FILE_NAME);
    let mut json = serde_json::to_string_pretty(&p.truth).map_err(|source| PhantomError::Json {
        path: truth_path.clone(),
        source,
    })?;
    json.push('\n');
    std::fs::write(&truth_path, &json).map_err(|source| PhantomError::Io {
        path: truth_path.clone(),
        source,
    })?;
    bytes_written += json.len() as u64;
    Ok(PhantomSummary {
        out_dir: out_dir.to_path_buf(),
        truth_path,
        ct_files: p.ct.slices.len(),
        mr_files: p.mr.slices.len(),
        bytes_written,
        ct_series_instance_uid: p.ct.series_instance_uid.clone(),
        mr_series_instance_uid: p.mr.series_instance_uid.clone(),
        protocol_rois: !p.truth.ct_rois.b_hu.is_empty(),
    })
}
