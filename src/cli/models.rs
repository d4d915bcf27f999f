//! `anchorage stress` and `anchorage risk`: the bundled models on the command line.

use std::path::PathBuf;

use super::{CliError, print_json};
use anchorage_core::models::risk::{RiskInput, RiskModel};
use anchorage_core::models::stress::{StressInput, StressModel, StressOverrides, compute};

/// Arguments of `stress`.
#[derive(Debug, clap::Args)]
pub struct StressArgs {
    /// Screw diameter D_S, mm.
    #[arg(long)]
    pub diameter: f64,
    /// Screw length L_S, mm.
    #[arg(long)]
    pub length: f64,
    /// Pedicle thickness T (isthmus, outer cortex to outer cortex), mm.
    #[arg(long)]
    pub pedicle: f64,
    /// Interference δB, mm (default from the model file: 0.5).
    #[arg(long)]
    pub interference: Option<f64>,
    /// Transverse force F_t, N (default 0).
    #[arg(long)]
    pub force: Option<f64>,
    /// Bone modulus E_B, MPa (default from the model file: 300).
    #[arg(long)]
    pub modulus: Option<f64>,
    /// Bone Poisson ratio ν_B (default from the model file: 0.3).
    #[arg(long)]
    pub poisson: Option<f64>,
    /// Trabecular yield stress, MPa (default from the model file: 95.6).
    #[arg(long = "yield")]
    pub yield_mpa: Option<f64>,
    /// Another stress model file instead of the bundled one.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Arguments of `risk`.
#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    /// Age, years.
    #[arg(long)]
    pub age: f64,
    /// PBQ score.
    #[arg(long)]
    pub pbq: f64,
    /// Patient HU ratio (ST-HU / B-HU at the reference level).
    #[arg(long = "hu-ratio")]
    pub hu_ratio: f64,
    /// Goutallier grade of the multifidus (0..4, the worse side).
    #[arg(long)]
    pub goutallier: u8,
    /// Another risk model file instead of the bundled one.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Runs `stress`.
pub fn run_stress(a: &StressArgs) -> Result<(), CliError> {
    let model = match &a.model {
        Some(p) => StressModel::from_file(p)?,
        None => StressModel::bundled(),
    };
    let input = StressInput {
        diameter_mm: a.diameter,
        length_mm: a.length,
        pedicle_mm: a.pedicle,
        interference_mm: a.interference,
        force_n: a.force,
    };
    let overrides = StressOverrides {
        modulus_mpa: a.modulus,
        poisson: a.poisson,
        yield_mpa: a.yield_mpa,
    };
    let r = compute(&model, &input, &overrides)?;
    for f in &r.flags {
        eprintln!("anchorage: warning: {f}");
    }
    print_json(&r)
}

/// Runs `risk`.
pub fn run_risk(a: &RiskArgs) -> Result<(), CliError> {
    let model = match &a.model {
        Some(p) => RiskModel::from_file(p)?,
        None => RiskModel::bundled(),
    };
    let r = model.evaluate(&RiskInput {
        age_years: a.age,
        pbq: Some(a.pbq),
        hu_ratio: Some(a.hu_ratio),
        goutallier: a.goutallier,
    })?;
    for f in &r.flags {
        eprintln!("anchorage: warning: {f}");
    }
    print_json(&r)
}
