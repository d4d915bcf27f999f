//! `anchorage phantom --out DIR [--large] [--seed N] [--no-noise] [--axial-rotation DEG]
//! [--sagittal-tilt DEG] [--pedicle-scale F] [--levels A-B] [--no-sacrum]
//! [--ct-slice-mm X] [--fused-sacrum] [--no-partial-volume]`: the synthetic CT and MR
//! phantom series, their ground truth, and the example session that measures them (when
//! the truth holds the protocol ROIs).

use std::path::PathBuf;

use super::{CliError, print_out};
use anchorage_core::phantom::example::write_example_session;
use anchorage_core::phantom::{LevelRange, PhantomOptions, Pose, write_phantoms};

/// Arguments of `phantom`.
#[derive(Debug, clap::Args)]
pub struct PhantomArgs {
    /// The folder to write (`ct/`, `mr/`, `ground-truth.json`, `example-session.json`).
    #[arg(long)]
    pub out: PathBuf,
    /// The large preset (512 × 512 × 300 CT, for benchmarks; about 160 MB).
    #[arg(long)]
    pub large: bool,
    /// Seed of the noise and the UIDs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Leave the noise out.
    #[arg(long)]
    pub no_noise: bool,
    /// Turn the spine about the patient's z axis by DEG degrees (+x towards +y); no
    /// example session is written for a turned or tilted spine.
    #[arg(long, value_name = "DEG", allow_negative_numbers = true)]
    pub axial_rotation: Option<f64>,
    /// Tilt the spine about the patient's x axis by DEG degrees (+y towards +z: the
    /// superior end leans anteriorly).
    #[arg(long, value_name = "DEG", allow_negative_numbers = true)]
    pub sagittal_tilt: Option<f64>,
    /// Multiply every pedicle's isthmus width and height by F (0.5 to 1.5); the ground
    /// truth holds the scaled sizes.
    #[arg(long, value_name = "F")]
    pub pedicle_scale: Option<f64>,
    /// Sample the CT at the voxel centres (each voxel the tissue at its centre) instead
    /// of with partial volume (the mean over the voxel's box, as a scanner gives it;
    /// docs/phantom.md "Partial volume").
    #[arg(long)]
    pub no_partial_volume: bool,
    /// The levels the CT's field covers, e.g. `L2-L4` or `T12-L2` (T12, L1–L5, S1): the
    /// slices cover these bodies plus 5 mm (or two slices) beyond their outer endplates;
    /// the anatomy and the MR are unchanged. Default: the sample's field (L1–S1).
    #[arg(long, value_name = "A-B")]
    pub levels: Option<String>,
    /// The CT's field stops in the L5/S1 disc, so no sacrum is in the CT (with
    /// `--levels`, which must then end above S1; without: L1–L5).
    #[arg(long)]
    pub no_sacrum: bool,
    /// CT slice spacing and SliceThickness, 0.6 to 3 mm; the number of slices keeps the
    /// field's extent.
    #[arg(long, value_name = "MM")]
    pub ct_slice_mm: Option<f64>,
    /// S1 continues as a fused sacrum (no S1/S2 disc) 73 mm down; a field ending at S1
    /// then ends inside the sacrum, 50 mm below S1's superior endplate.
    #[arg(long)]
    pub fused_sacrum: bool,
}

/// Runs `phantom`.
pub fn run(a: &PhantomArgs) -> Result<(), CliError> {
    let mut opts = if a.large {
        PhantomOptions::large()
    } else {
        PhantomOptions::default()
    };
    if let Some(s) = a.seed {
        opts.seed = s;
    }
    if a.no_noise {
        opts.noise = false;
    }
    opts.pose = Pose {
        axial_rotation_deg: a.axial_rotation.unwrap_or(0.0),
        sagittal_tilt_deg: a.sagittal_tilt.unwrap_or(0.0),
    };
    if let Some(f) = a.pedicle_scale {
        opts.pedicle_scale = f;
    }
    if a.no_partial_volume {
        opts.partial_volume = false;
    }
    opts.fused_sacrum = a.fused_sacrum;
    if let Some(mm) = a.ct_slice_mm {
        opts.set_ct_slice_mm(mm)?;
    }
    let range = a.levels.as_deref().map(LevelRange::parse).transpose()?;
    opts.fit_ct_field(range, a.no_sacrum)?;
    let summary = write_phantoms(&a.out, &opts)?;
    let session = if summary.protocol_rois {
        let path = write_example_session(&a.out).map_err(CliError)?;
        format!("example session {}", path.display())
    } else if !opts.pose.is_identity() {
        "no example session (turned or tilted spine)".to_string()
    } else if opts.fused_sacrum {
        "no example session (fused sacrum)".to_string()
    } else {
        "no example session (the CT's field does not hold L1–S1)".to_string()
    };
    print_out(&format!(
        "wrote {} CT and {} MR images, {:.1} MB, ground truth {}, {session}\n",
        summary.ct_files,
        summary.mr_files,
        summary.bytes_written as f64 / 1e6,
        summary.truth_path.display(),
    ))
}
