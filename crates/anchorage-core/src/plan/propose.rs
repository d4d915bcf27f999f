//! Where a screw's plan starts from: its ST-HU trajectory ROI (the centre line, entry at
//! the posterior end) or, without one, the trajectory proposed from its pedicle caliper
//! ([`crate::measure::propose::trajectory_from_caliper`]).

use crate::dicom::volume::Volume;
use crate::geometry::{ImagePlane, Vec3};
use crate::measure::find_slice;
use crate::measure::propose::trajectory_from_caliper;
use crate::session::{Roi, RoiKind, Role, Screw, Session};

use super::error::PlanError;
use super::screw::ScrewPlan;

/// A plan along a trajectory ROI: the entry is its more posterior end (larger y; DICOM
/// LPS), the direction towards the other end.
pub fn plan_from_trajectory(roi: &Roi) -> Result<ScrewPlan, PlanError> {
    let bad = |reason: &str| PlanError::BadRoi {
        roi_id: roi.id,
        reason: reason.into(),
    };
    if roi.kind != RoiKind::Trajectory {
        return Err(bad("not a trajectory"));
    }
    let [a, b] = roi.points_mm.as_slice() else {
        return Err(bad("a trajectory has two points"));
    };
    let (entry, other): (Vec3, Vec3) = if a[1] >= b[1] { (*a, *b) } else { (*b, *a) };
    ScrewPlan::through(&roi.series_uid, entry, other)
        .ok_or_else(|| bad("its two points coincide or are not finite"))
}

/// A plan along the trajectory proposed from a pedicle caliper drawn on `plane` (entry
/// 10 mm behind the caliper's midpoint, perpendicular to the caliper in its image plane).
pub fn plan_from_caliper(caliper: &Roi, plane: &ImagePlane) -> Result<ScrewPlan, PlanError> {
    let traj =
        trajectory_from_caliper(caliper, plane, 45.0, 1.0).map_err(|e| PlanError::BadRoi {
            roi_id: caliper.id,
            reason: e.to_string(),
        })?;
    plan_from_trajectory(&traj)
}

/// The latest ROI of a role for the screw's level and side.
fn latest<'a>(session: &'a Session, screw: &Screw, role: Role) -> Option<&'a Roi> {
    session
        .rois
        .iter()
        .filter(|r| r.role == role && r.level == Some(screw.level) && r.side == Some(screw.side))
        .max_by_key(|r| r.id)
}

/// The starting plan of a screw: from its latest ST-HU trajectory, else from its latest
/// pedicle caliper (whose image plane is looked up in the series `find` returns for a
/// SeriesInstanceUID).
pub fn propose_plan<'a>(
    session: &Session,
    screw: &Screw,
    find: impl Fn(&str) -> Option<&'a Volume>,
) -> Result<ScrewPlan, PlanError> {
    if let Some(t) = latest(session, screw, Role::StHu).filter(|r| r.kind == RoiKind::Trajectory) {
        return plan_from_trajectory(t);
    }
    let nothing = || PlanError::NothingToPlanFrom {
        level: screw.level.to_string(),
        side: screw.side.to_string(),
    };
    let cal = latest(session, screw, Role::PedicleThickness).ok_or_else(nothing)?;
    let volume =
        find(&cal.series_uid).ok_or_else(|| PlanError::SeriesMissing(cal.series_uid.clone()))?;
    let slice = find_slice(volume, &cal.sop_instance_uid, cal.frame)
        .ok_or_else(|| PlanError::SeriesMissing(cal.series_uid.clone()))?;
    let plane = volume
        .planes
        .get(slice)
        .ok_or_else(|| PlanError::SeriesMissing(cal.series_uid.clone()))?;
    plan_from_caliper(cal, plane)
}
