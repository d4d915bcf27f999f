//! Screw planning: the planned screw in 3-D and what is measured along it.
//!
//! Owns the plan itself ([`screw`]: entry, direction, medial and cranio-caudal angles;
//! stored in the session), where a plan starts from ([`propose`]: the screw's ST-HU
//! trajectory or its caliper), trilinear sampling of a volume at any patient point
//! ([`sample`]), and the automatic pedicle measurement along the screw ([`pedicle`]:
//! cross-sections bounded by the cortex, the isthmus, the distances from the screw's
//! surface to the outer cortex and the Gertzbein–Robbins grade of a planned breach,
//! [`grade`]), and why any of it fails ([`error`]). The views along the screw are pictures and live in
//! [`crate::display::oblique`]. Everything here is computed from the volume alone.

pub mod error;
pub mod grade;
pub mod pedicle;
pub mod propose;
pub mod sample;
pub mod screw;
mod section;

pub use error::PlanError;
pub use grade::BreachGrade;
pub use pedicle::{PedicleMeasurement, PedicleSection, measure_pedicle};
pub use propose::{plan_from_caliper, plan_from_trajectory, propose_plan};
pub use sample::Sampler;
pub use screw::{AxisFrame, ScrewAngles, ScrewPlan, direction_from_angles};
