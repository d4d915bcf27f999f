//! The automatic pedicle measurement in a screw's results: its flags, and the thickness
//! it offers beside the caliper.
//!
//! `pedicle_thickness_mm` (clearance, p.s.c., the stress model) keeps the caliper when
//! there is one; without a caliper it is the automatic transverse isthmus width.

use super::flags::Flag;
use crate::plan::{PedicleMeasurement, PlanError};

/// Automatic and caliper thickness differing by more than this are flagged, mm.
pub const THICKNESS_DISAGREEMENT_MM: f64 = 1.0;

/// The measurement to report for a screw, pushing its flags: a plan that could not be
/// measured, automatic and caliper thickness more than 1 mm apart, a planned breach.
pub(super) fn automatic(
    plan: Option<&Result<PedicleMeasurement, PlanError>>,
    caliper_mm: Option<f64>,
    flags: &mut Vec<Flag>,
) -> Option<PedicleMeasurement> {
    let p = match plan? {
        Ok(p) => p.clone(),
        Err(e) => {
            flags.push(Flag::PlanNotMeasured {
                reason: e.to_string(),
            });
            return None;
        }
    };
    if let Some(c) = caliper_mm
        && (p.isthmus_width_transverse_mm - c).abs() > THICKNESS_DISAGREEMENT_MM
    {
        flags.push(Flag::ThicknessDisagreement {
            caliper_mm: c,
            automatic_mm: p.isthmus_width_transverse_mm,
        });
    }
    if p.breach_grade.is_breach() {
        flags.push(Flag::PlannedBreach {
            grade: p.breach_grade,
            breach_mm: p.breach_mm,
        });
    }
    Some(p)
}
