//! The stress model: a 2D analytic estimate of the stress in the bone ring around a pedicle
//! screw, after the torque-and-stress paper (see `docs/models.md` and the project spec
//! `models.md`). Press fit from screw-hole interference (Lamé thick ring) plus a transverse
//! (cantilever) load, combined into a von Mises stress σ_H and compared with the trabecular
//! yield stress.
//!
//! ```text
//! r_S = D_S/2 − δB          r_B = T/2          psc = (T − D_S)/2
//! k   = (r_B² + r_S²) / (r_B² − r_S²)
//! p   = E_B·δB / (r_S·(k + ν_B))      σ_r = −p      σ_θ = −k·p
//! σ_f = 2·F_t / (D_S·L_S)
//! σ1 = σ_r + σ_f, σ2 = σ_θ, σ3 = 0;   σ_H = √(½[(σ1−σ2)² + (σ2−σ3)² + (σ3−σ1)²])
//! ```
//!
//! Invalid geometry is an error that names the cause; a screw wider than its pedicle is
//! computed but flagged. Nothing here returns NaN. A research aid, not a diagnosis.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::models::file::{
    ModelFileError, ModelInfo, ObjectReader, format_number, parse_json, read_text,
    require_at_least, require_open_range, require_positive,
};

/// The `format` field of a stress model file.
pub const STRESS_FORMAT: &str = "anchorage-stress-model";
/// The newest `format_version` of a stress model file this program reads.
pub const STRESS_FORMAT_VERSION: u64 = 1;
/// The text of the bundled default stress model (`assets/models/stress-default.json`).
pub const BUNDLED_STRESS_JSON: &str = include_str!("../../../../assets/models/stress-default.json");

/// The parameters of the stress model, as read from a model file.
#[derive(Clone, Debug, PartialEq)]
pub struct StressModel {
    /// Name, version, source and provenance of the parameter set.
    pub info: ModelInfo,
    /// Bone elastic modulus E_B (MPa).
    pub modulus_mpa: f64,
    /// Bone Poisson ratio ν_B, strictly between 0 and 0.5.
    pub poisson: f64,
    /// Yield stress the von Mises stress is compared with (MPa).
    pub yield_mpa: f64,
    /// Screw-hole interference δB used when the input gives none (mm).
    pub default_interference_mm: f64,
    /// Transverse force F_t used when the input gives none (N).
    pub default_force_n: f64,
}

/// The file layout of a stress model, used for writing (reading goes through
/// [`ObjectReader`] so that every refusal names its field).
#[derive(Serialize)]
struct StressModelFile<'a> {
    format: &'static str,
    format_version: u64,
    info: &'a ModelInfo,
    modulus_mpa: f64,
    poisson: f64,
    yield_mpa: f64,
    default_interference_mm: f64,
    default_force_n: f64,
}

impl StressModel {
    /// The bundled default model (parameters of the paper). Parses the bundled file; if that
    /// ever failed it would fall back to [`StressModel::builtin`], which holds the same values
    /// (a test checks that the file parses and equals the built-in copy).
    pub fn bundled() -> Self {
        Self::from_json_str(BUNDLED_STRESS_JSON, "bundled stress-default.json")
            .unwrap_or_else(|_| Self::builtin())
    }

    /// A hard-coded copy of the bundled model file, used only if that file failed to parse.
    pub fn builtin() -> Self {
        Self {
            info: ModelInfo {
                name: "Pedicle ring press-fit and transverse-load stress".to_string(),
                version: "1.0".to_string(),
                source: "Analytical stress analysis (Eqns. 1-3, Figure 4) of a clinical study \
                         that measured pedicle screw insertion and removal torque in 108 \
                         patients with recurrent back pain after posterior lumbar interbody \
                         fusion (L2-S1)."
                    .to_string(),
                provenance: "Our reading of the published equations: the Anchorage project \
                             implements a Lame press-fit reading of the paper's Eqn. 1 that \
                             reproduces the paper's published trends (stress rises as clearance \
                             falls, rises steeply with interference, reaches yield at about 1 mm \
                             interference). Parameters from the paper: bone modulus 300 MPa, \
                             Poisson ratio 0.3, screw-hole interference 0.5 mm (holes tapped 1 \
                             mm under the screw diameter), trabecular yield stress 95.6 MPa. A \
                             2D analytic estimate for research, not a diagnosis."
                    .to_string(),
            },
            modulus_mpa: 300.0,
            poisson: 0.3,
            yield_mpa: 95.6,
            default_interference_mm: 0.5,
            default_force_n: 0.0,
        }
    }

    /// Reads a stress model file.
    pub fn from_file(path: &Path) -> Result<Self, ModelFileError> {
        let text = read_text(path)?;
        Self::from_json_str(&text, &path.display().to_string())
    }

    /// Parses stress model text; `origin` names the text in error messages (usually the path).
    pub fn from_json_str(text: &str, origin: &str) -> Result<Self, ModelFileError> {
        let value = parse_json(text, origin)?;
        let mut root = ObjectReader::root(origin, &value)?;
        root.format_header(STRESS_FORMAT, STRESS_FORMAT_VERSION)?;
        let info = root.model_info()?;
        let modulus_mpa = root.number("modulus_mpa")?;
        let modulus_mpa = require_positive(&root, "modulus_mpa", modulus_mpa)?;
        let poisson = root.number("poisson")?;
        let poisson = require_open_range(&root, "poisson", poisson, 0.0, 0.5)?;
        let yield_mpa = root.number("yield_mpa")?;
        let yield_mpa = require_positive(&root, "yield_mpa", yield_mpa)?;
        let default_interference_mm = root.number("default_interference_mm")?;
        let default_interference_mm = require_at_least(
            &root,
            "default_interference_mm",
            default_interference_mm,
            0.0,
        )?;
        let default_force_n = root.number("default_force_n")?;
        let default_force_n = require_at_least(&root, "default_force_n", default_force_n, 0.0)?;
        root.finish()?;
        Ok(Self {
            info,
            modulus_mpa,
            poisson,
            yield_mpa,
            default_interference_mm,
            default_force_n,
        })
    }

    /// The model as model-file text (pretty JSON, with `format` and `format_version`), which
    /// [`StressModel::from_json_str`] reads back to an equal model.
    pub fn to_json_string(&self) -> String {
        let file = StressModelFile {
            format: STRESS_FORMAT,
            format_version: STRESS_FORMAT_VERSION,
            info: &self.info,
            modulus_mpa: self.modulus_mpa,
            poisson: self.poisson,
            yield_mpa: self.yield_mpa,
            default_interference_mm: self.default_interference_mm,
            default_force_n: self.default_force_n,
        };
        // Serializing plain structs of strings and numbers cannot fail; a non-finite number
        // (impossible after validation, but the fields are public) becomes `null`.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// A copy of the model with the material parameters of `overrides` applied, e.g. to draw
    /// [`curve_family`] with the same modulus the screw's own point used.
    pub fn with_overrides(&self, overrides: &StressOverrides) -> Result<Self, StressError> {
        let material = Material::resolve(self, overrides)?;
        Ok(Self {
            modulus_mpa: material.modulus_mpa,
            poisson: material.poisson,
            yield_mpa: material.yield_mpa,
            ..self.clone()
        })
    }
}

impl Default for StressModel {
    /// The bundled model.
    fn default() -> Self {
        Self::bundled()
    }
}

/// One screw in one pedicle.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StressInput {
    /// Screw diameter D_S (mm).
    pub diameter_mm: f64,
    /// Screw length L_S (mm).
    pub length_mm: f64,
    /// Measured pedicle thickness T (mm).
    pub pedicle_mm: f64,
    /// Screw-hole interference δB (mm); `None` uses the model's default.
    pub interference_mm: Option<f64>,
    /// Transverse force F_t (N); `None` uses the model's default.
    pub force_n: Option<f64>,
}

/// Per-call replacements for the model's material parameters; `None` keeps the model's.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct StressOverrides {
    /// Bone elastic modulus E_B (MPa).
    pub modulus_mpa: Option<f64>,
    /// Bone Poisson ratio ν_B.
    pub poisson: Option<f64>,
    /// Yield stress (MPa).
    pub yield_mpa: Option<f64>,
}

/// Everything the stress model computed for one screw, with the parameters it used.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct StressResult {
    /// Screw diameter D_S (mm), as given.
    pub diameter_mm: f64,
    /// Screw length L_S (mm), as given.
    pub length_mm: f64,
    /// Pedicle thickness T (mm), as given.
    pub pedicle_mm: f64,
    /// Per-side pedicle-screw clearance (T − D_S)/2 (mm); negative when the screw is wider.
    pub psc_mm: f64,
    /// Total clearance T − D_S (mm).
    pub clearance_mm: f64,
    /// Screw-hole radius r_S = D_S/2 − δB (mm).
    pub r_s_mm: f64,
    /// Outer radius of the pedicle ring r_B = T/2 (mm).
    pub r_b_mm: f64,
    /// Lamé ring factor k = (r_B² + r_S²)/(r_B² − r_S²).
    pub k: f64,
    /// Interface pressure p (MPa).
    pub pressure_mpa: f64,
    /// Radial stress σ_r = −p (MPa).
    pub sigma_r_mpa: f64,
    /// Circumferential stress σ_θ = −k·p (MPa).
    pub sigma_theta_mpa: f64,
    /// Transverse-load stress σ_f = 2·F_t/(D_S·L_S) (MPa).
    pub sigma_f_mpa: f64,
    /// Von Mises stress σ_H (MPa).
    pub sigma_h_mpa: f64,
    /// σ_H divided by the yield stress; 1 or more means at or above yield.
    pub yield_ratio: f64,
    /// What a reader must know, e.g. negative clearance.
    pub flags: Vec<StressFlag>,
    /// Bone modulus used (MPa).
    pub modulus_mpa: f64,
    /// Poisson ratio used.
    pub poisson: f64,
    /// Yield stress used (MPa).
    pub yield_mpa: f64,
    /// Interference used (mm).
    pub interference_mm: f64,
    /// Transverse force used (N).
    pub force_n: f64,
    /// The model the numbers came from.
    pub model: ModelInfo,
}

/// What a reader of a stress result must know. Written (CSV, JSON, stderr) as its stable
/// text, [`fmt::Display`].
#[derive(Debug, Clone, PartialEq)]
pub enum StressFlag {
    /// The screw is wider than the pedicle: the press-fit formulas are outside their
    /// assumptions.
    NegativeClearance {
        /// Screw diameter, mm.
        diameter_mm: f64,
        /// Pedicle thickness, mm.
        pedicle_mm: f64,
    },
}

impl fmt::Display for StressFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StressFlag::NegativeClearance {
                diameter_mm,
                pedicle_mm,
            } => write!(
                f,
                "negative clearance: screw {} mm is wider than the {} mm pedicle",
                format_number(*diameter_mm, 2, 1),
                format_number(*pedicle_mm, 2, 1)
            ),
        }
    }
}

impl Serialize for StressFlag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why the stress model refused an input. Never a NaN in its place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StressError {
    /// An input or parameter is not a finite number in its allowed range.
    #[error("`{field}` must be {expected}, got {value}")]
    InvalidInput {
        /// The input field, e.g. `diameter_mm`.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// r_S ≤ 0: the interference eats the whole screw radius.
    #[error(
        "interference {} mm is not smaller than the screw radius {} mm",
        format_number(*interference_mm, 3, 1),
        format_number(*screw_radius_mm, 3, 1)
    )]
    NoScrewHole {
        /// Interference δB (mm).
        interference_mm: f64,
        /// Screw radius D_S/2 (mm).
        screw_radius_mm: f64,
    },
    /// r_B ≤ r_S: the pedicle is too thin to hold a ring of bone around the screw hole.
    #[error(
        "the pedicle's outer radius {} mm (thickness {} mm) is not larger than the screw-hole radius {} mm: no bone ring around the screw",
        format_number(*pedicle_radius_mm, 3, 1),
        format_number(*pedicle_mm, 3, 1),
        format_number(*hole_radius_mm, 3, 1)
    )]
    NoBoneRing {
        /// Pedicle thickness T (mm).
        pedicle_mm: f64,
        /// r_B = T/2 (mm).
        pedicle_radius_mm: f64,
        /// r_S = D_S/2 − δB (mm).
        hole_radius_mm: f64,
    },
    /// The inputs were finite but so extreme that a result overflowed.
    #[error(
        "`{quantity}` is not a finite number for these inputs (they are far outside any meaningful range)"
    )]
    NotFinite {
        /// The quantity that overflowed, e.g. `sigma_h_mpa`.
        quantity: &'static str,
    },
}

/// The material parameters in force for one computation.
struct Material {
    modulus_mpa: f64,
    poisson: f64,
    yield_mpa: f64,
}

impl Material {
    /// The model's parameters with `overrides` applied, all checked.
    fn resolve(model: &StressModel, overrides: &StressOverrides) -> Result<Self, StressError> {
        let modulus_mpa = positive(
            "modulus_mpa",
            overrides.modulus_mpa.unwrap_or(model.modulus_mpa),
        )?;
        let poisson = overrides.poisson.unwrap_or(model.poisson);
        if !(poisson > 0.0 && poisson < 0.5) {
            return Err(StressError::InvalidInput {
                field: "poisson",
                value: poisson,
                expected: "a number strictly between 0 and 0.5",
            });
        }
        let yield_mpa = positive("yield_mpa", overrides.yield_mpa.unwrap_or(model.yield_mpa))?;
        Ok(Self {
            modulus_mpa,
            poisson,
            yield_mpa,
        })
    }
}

/// Checks a value is finite and greater than zero.
fn positive(field: &'static str, value: f64) -> Result<f64, StressError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(StressError::InvalidInput {
            field,
            value,
            expected: "a finite number greater than 0",
        })
    }
}

/// Checks a value is finite and zero or more.
fn non_negative(field: &'static str, value: f64) -> Result<f64, StressError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(StressError::InvalidInput {
            field,
            value,
            expected: "a finite number of at least 0",
        })
    }
}

/// Checks a computed quantity is finite.
fn finite(quantity: &'static str, value: f64) -> Result<f64, StressError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(StressError::NotFinite { quantity })
    }
}

/// Runs the stress model for one screw. Missing interference or force take the model's
/// defaults; `overrides` replace the model's material parameters for this call only.
pub fn compute(
    model: &StressModel,
    input: &StressInput,
    overrides: &StressOverrides,
) -> Result<StressResult, StressError> {
    let diameter_mm = positive("diameter_mm", input.diameter_mm)?;
    let length_mm = positive("length_mm", input.length_mm)?;
    let pedicle_mm = positive("pedicle_mm", input.pedicle_mm)?;
    let interference_mm = non_negative(
        "interference_mm",
        input
            .interference_mm
            .unwrap_or(model.default_interference_mm),
    )?;
    let force_n = non_negative("force_n", input.force_n.unwrap_or(model.default_force_n))?;
    let material = Material::resolve(model, overrides)?;

    let screw_radius_mm = diameter_mm / 2.0;
    let r_s_mm = screw_radius_mm - interference_mm;
    if r_s_mm <= 0.0 {
        return Err(StressError::NoScrewHole {
            interference_mm,
            screw_radius_mm,
        });
    }
    let r_b_mm = pedicle_mm / 2.0;
    if r_b_mm <= r_s_mm {
        return Err(StressError::NoBoneRing {
            pedicle_mm,
            pedicle_radius_mm: r_b_mm,
            hole_radius_mm: r_s_mm,
        });
    }

    let clearance_mm = pedicle_mm - diameter_mm;
    let psc_mm = clearance_mm / 2.0;
    let (rb2, rs2) = (r_b_mm * r_b_mm, r_s_mm * r_s_mm);
    let k = finite("k", (rb2 + rs2) / (rb2 - rs2))?;
    let pressure_mpa = finite(
        "pressure_mpa",
        material.modulus_mpa * interference_mm / (r_s_mm * (k + material.poisson)),
    )?;
    let sigma_r_mpa = -pressure_mpa;
    let sigma_theta_mpa = finite("sigma_theta_mpa", -k * pressure_mpa)?;
    let sigma_f_mpa = finite("sigma_f_mpa", 2.0 * force_n / (diameter_mm * length_mm))?;
    let sigma_h_mpa = finite(
        "sigma_h_mpa",
        von_mises(sigma_r_mpa + sigma_f_mpa, sigma_theta_mpa, 0.0),
    )?;
    let yield_ratio = finite("yield_ratio", sigma_h_mpa / material.yield_mpa)?;

    let mut flags = Vec::new();
    if clearance_mm < 0.0 {
        flags.push(StressFlag::NegativeClearance {
            diameter_mm,
            pedicle_mm,
        });
    }

    Ok(StressResult {
        diameter_mm,
        length_mm,
        pedicle_mm,
        psc_mm,
        clearance_mm,
        r_s_mm,
        r_b_mm,
        k,
        pressure_mpa,
        sigma_r_mpa,
        sigma_theta_mpa,
        sigma_f_mpa,
        sigma_h_mpa,
        yield_ratio,
        flags,
        modulus_mpa: material.modulus_mpa,
        poisson: material.poisson,
        yield_mpa: material.yield_mpa,
        interference_mm,
        force_n,
        model: model.info.clone(),
    })
}

/// Von Mises (octahedral shear) stress of three principal stresses.
fn von_mises(sigma_1: f64, sigma_2: f64, sigma_3: f64) -> f64 {
    let a = sigma_1 - sigma_2;
    let b = sigma_2 - sigma_3;
    let c = sigma_3 - sigma_1;
    (0.5 * (a * a + b * b + c * c)).sqrt()
}

/// Which parameter varies from curve to curve in the paper's Figure 4.
#[derive(Clone, Debug, PartialEq)]
pub enum CurveFamily {
    /// One curve per interference δB (mm); the force is the model's `default_force_n`.
    Interference(Vec<f64>),
    /// One curve per transverse force F_t (N); the interference is the model's
    /// `default_interference_mm`.
    Force(Vec<f64>),
}

/// One curve of σ_H against per-side clearance.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct StressCurve {
    /// Legend text, e.g. `δB = 0.5 mm` or `Ft = 250 N`.
    pub label: String,
    /// The varied parameter's value (mm for interference, N for force).
    pub parameter: f64,
    /// `[psc_mm, sigma_h_mpa]` pairs in increasing psc; points with invalid geometry are left out.
    pub points: Vec<[f64; 2]>,
}

/// The data of the paper's figure: σ_H against p.s.c. for a family of interferences or
/// forces, for a screw of the given diameter and length. The pedicle thickness at a
/// clearance psc is T = D + 2·psc. `n_points` points run evenly over `psc_range_mm`
/// (both ends included); a point whose geometry is invalid is skipped, never NaN. The yield
/// line is `model.yield_mpa`; to use other material parameters or another fixed
/// interference/force, pass a modified copy of the model (see [`StressModel::with_overrides`]).
pub fn curve_family(
    model: &StressModel,
    diameter_mm: f64,
    length_mm: f64,
    family: CurveFamily,
    psc_range_mm: (f64, f64),
    n_points: usize,
) -> Vec<StressCurve> {
    let (low, high) = psc_range_mm;
    let psc_values: Vec<f64> = match n_points {
        0 => Vec::new(),
        1 => vec![low],
        n => (0..n)
            .map(|i| low + (high - low) * i as f64 / (n - 1) as f64)
            .collect(),
    };
    let curve = |label: String, parameter: f64, interference_mm: f64, force_n: f64| {
        let points = psc_values
            .iter()
            .filter_map(|&psc_mm| {
                let input = StressInput {
                    diameter_mm,
                    length_mm,
                    pedicle_mm: diameter_mm + 2.0 * psc_mm,
                    interference_mm: Some(interference_mm),
                    force_n: Some(force_n),
                };
                compute(model, &input, &StressOverrides::default())
                    .ok()
                    .map(|r| [psc_mm, r.sigma_h_mpa])
            })
            .collect();
        StressCurve {
            label,
            parameter,
            points,
        }
    };
    match family {
        CurveFamily::Interference(values_mm) => values_mm
            .into_iter()
            .map(|d| {
                curve(
                    format!("δB = {} mm", format_number(d, 3, 1)),
                    d,
                    d,
                    model.default_force_n,
                )
            })
            .collect(),
        CurveFamily::Force(values_n) => values_n
            .into_iter()
            .map(|f| {
                curve(
                    format!("Ft = {} N", format_number(f, 1, 0)),
                    f,
                    model.default_interference_mm,
                    f,
                )
            })
            .collect(),
    }
}
