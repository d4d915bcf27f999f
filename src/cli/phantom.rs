//! `anchorage phantom --out DIR [--large] [--seed N] [--pedicle-scale F]`: the synthetic CT and MR phantom
//! series, their ground truth, and the example session that measures them.

use std::path::PathBuf;

use super::{CliError, print_out};
use anchorage_core::phantom::example::write_example_session;
use anchorage_core::phantom::{PhantomOptions, write_phantoms};

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
    /// Multiply every pedicle's isthmus width and height by F (0.5 to 1.5); the ground
    /// truth holds the scaled sizes.
    #[arg(long, value_name = "F")]
    pub pedicle_scale: Option<f64>,
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
    if let Some(f) = a.pedicle_scale {
        opts.pedicle_scale = f;
    }
    let summary = write_phantoms(&a.out, &opts)?;
    let session = write_example_session(&a.out).map_err(CliError)?;
    print_out(&format!(
        "wrote {} CT and {} MR images, {:.1} MB, ground truth {}, example session {}\n",
        summary.ct_files,
        summary.mr_files,
        summary.bytes_written as f64 / 1e6,
        summary.truth_path.display(),
        session.display()
    ))
}
