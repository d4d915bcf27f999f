//! `anchorage phantom --out DIR [--large] [--seed N] [--no-noise] [--axial-rotation DEG]
//! [--sagittal-tilt DEG] [--pedicle-scale F] [--no-partial-volume]`: the synthetic CT and MR phantom
//! series, their ground truth, and the example session that measures them.

use std::path::PathBuf;

use super::{CliError, print_out};
use anchorage_core::phantom::example::write_example_session;
use anchorage_core::phantom::{PhantomOptions, Pose, write_phantoms};

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
    let summary = write_phantoms(&a.out, &opts)?;
    let session = if opts.pose.is_identity() {
        let path = write_example_session(&a.out).map_err(CliError)?;
        format!("example session {}", path.display())
    } else {
        "no example session (turned or tilted spine)".to_string()
    };
    print_out(&format!(
        "wrote {} CT and {} MR images, {:.1} MB, ground truth {}, {session}\n",
        summary.ct_files,
        summary.mr_files,
        summary.bytes_written as f64 / 1e6,
        summary.truth_path.display(),
    ))
}
