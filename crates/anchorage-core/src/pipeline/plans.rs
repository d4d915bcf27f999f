//! Every screw's plan measured, for `anchorage plan` and the planning report: the plan
//! stored in the session, or one proposed from the screw's ST-HU trajectory or caliper
//! ([`crate::plan::propose_plan`]) when it has none, with the automatic pedicle
//! measurement and the caliper's thickness beside it.

use serde::Serialize;

use crate::dicom::volume::Volume;
use crate::geometry::Vec3;
use crate::measure::measure_roi;
use crate::plan::{
    BreachGrade, PedicleMeasurement, PlanError, Sampler, ScrewPlan, measure_pedicle, propose_plan,
};
use crate::session::{Level, Role, Session, Side};

/// Where a screw's plan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanSource {
    /// Stored in the session.
    Session,
    /// Proposed from the screw's ST-HU trajectory or caliper (not stored).
    Proposed,
}

/// One screw's plan and what was measured along it; field names carry their units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    /// Level.
    pub level: Level,
    /// Side.
    pub side: Side,
    /// Screw diameter, mm.
    pub screw_diameter_mm: f64,
    /// Screw length, mm.
    pub screw_length_mm: f64,
    /// Where the plan came from (`None` when there is none).
    pub plan_source: Option<PlanSource>,
    /// The plan.
    #[serde(skip)]
    pub plan: Option<ScrewPlan>,
    /// Entry point, patient mm (LPS).
    pub entry_mm: Option<Vec3>,
    /// Tip, patient mm (LPS).
    pub tip_mm: Option<Vec3>,
    /// Medial angle, degrees.
    pub screw_medial_deg: Option<f64>,
    /// Cranio-caudal angle, degrees.
    pub screw_craniocaudal_deg: Option<f64>,
    /// Depth of the isthmus from the entry, mm.
    pub isthmus_depth_mm: Option<f64>,
    /// Transverse isthmus width, mm.
    pub isthmus_width_transverse_mm: Option<f64>,
    /// Cranio-caudal isthmus width, mm.
    pub isthmus_width_craniocaudal_mm: Option<f64>,
    /// Automatic pedicle thickness (the transverse isthmus width), mm.
    pub pedicle_thickness_auto_mm: Option<f64>,
    /// The caliper's pedicle thickness, mm.
    pub pedicle_thickness_caliper_mm: Option<f64>,
    /// Smallest distance from the screw's surface to the outer cortex, medially, mm.
    pub distance_medial_mm: Option<f64>,
    /// The same laterally, mm.
    pub distance_lateral_mm: Option<f64>,
    /// The same cranially, mm.
    pub distance_cranial_mm: Option<f64>,
    /// The same caudally, mm.
    pub distance_caudal_mm: Option<f64>,
    /// Largest planned breach, mm.
    pub breach_mm: Option<f64>,
    /// Gertzbein–Robbins grade of the planned breach.
    pub breach_grade: Option<BreachGrade>,
    /// Why the plan could not be made or measured.
    pub error: Option<String>,
    /// The full measurement (sections included), for views and reports.
    #[serde(skip)]
    pub measurement: Option<PedicleMeasurement>,
}

/// Every screw of `session`, its plan measured on the series `find` returns for a
/// SeriesInstanceUID. Screws without a stored plan get a proposed one.
pub fn plan_rows<'a>(session: &Session, find: impl Fn(&str) -> Option<&'a Volume>) -> Vec<PlanRow> {
    session
        .screws
        .iter()
        .map(|screw| {
            let (plan, source) = match &screw.plan {
                Some(p) => (Ok(p.clone()), PlanSource::Session),
                None => (propose_plan(session, screw, &find), PlanSource::Proposed),
            };
            let caliper = session
                .rois
                .iter()
                .filter(|r| {
                    r.role == Role::PedicleThickness
                        && r.level == Some(screw.level)
                        && r.side == Some(screw.side)
                })
                .filter_map(|r| {
                    let v = find(&r.series_uid)?;
                    measure_roi(r, v).ok()?.length_mm.map(|l| (r.id, l))
                })
                .max_by_key(|(id, _)| *id)
                .map(|(_, l)| l);
            let measured: Result<PedicleMeasurement, PlanError> = plan.clone().and_then(|p| {
                let v = find(&p.series_uid)
                    .ok_or_else(|| PlanError::SeriesMissing(p.series_uid.clone()))?;
                let s = Sampler::new(v)?;
                measure_pedicle(&s, &p, screw.side, screw.diameter_mm, screw.length_mm)
            });
            let plan = plan.ok();
            let angles = plan.as_ref().map(|p| p.angles(screw.side));
            let m = measured.as_ref().ok();
            PlanRow {
                level: screw.level,
                side: screw.side,
                screw_diameter_mm: screw.diameter_mm,
                screw_length_mm: screw.length_mm,
                plan_source: plan.as_ref().map(|_| source),
                entry_mm: plan.as_ref().map(|p| p.entry_mm),
                tip_mm: plan.as_ref().map(|p| p.tip_mm(screw.length_mm)),
                plan: plan.clone(),
                screw_medial_deg: angles.map(|a| a.medial_deg),
                screw_craniocaudal_deg: angles.map(|a| a.craniocaudal_deg),
                isthmus_depth_mm: m.map(|m| m.isthmus_depth_mm),
                isthmus_width_transverse_mm: m.map(|m| m.isthmus_width_transverse_mm),
                isthmus_width_craniocaudal_mm: m.map(|m| m.isthmus_width_craniocaudal_mm),
                pedicle_thickness_auto_mm: m.map(|m| m.isthmus_width_transverse_mm),
                pedicle_thickness_caliper_mm: caliper,
                distance_medial_mm: m.map(|m| m.distance_medial_mm),
                distance_lateral_mm: m.map(|m| m.distance_lateral_mm),
                distance_cranial_mm: m.map(|m| m.distance_cranial_mm),
                distance_caudal_mm: m.map(|m| m.distance_caudal_mm),
                breach_mm: m.map(|m| m.breach_mm),
                breach_grade: m.map(|m| m.breach_grade),
                error: measured.as_ref().err().map(ToString::to_string),
                measurement: measured.ok(),
            }
        })
        .collect()
}
