//! One screw's results while its plan is being changed (a handle drag in the planning
//! view): the same computation as [`super::Pipeline::run`] for that screw, with the
//! session's ROI measurements as they are and only the draft plan measured, so the
//! distances, grade, clearance, p.s.c., σH, yield ratio and risk follow the drag before it
//! ends. Placement flags (which need the levels' checks) are left out of a preview.

use crate::dicom::volume::Volume;
use crate::plan::{Sampler, ScrewPlan, measure_pedicle};
use crate::protocol::{
    Measurements, Models, PlanMeasurements, ScrewResult, compute_results_with_plans,
};
use crate::session::Session;

/// The result of the screw at `index` of `session` if its plan were `draft`, measured on
/// `volume` (the plan's CT); `measurements` are the session's ROI measurements (the
/// pipeline's). `None` when there is no such screw.
pub fn preview_screw(
    session: &Session,
    measurements: &Measurements,
    models: &Models,
    index: usize,
    draft: &ScrewPlan,
    volume: &Volume,
) -> Option<ScrewResult> {
    let mut s = session.clone();
    let screw = s.screws.get_mut(index)?;
    screw.plan = Some(draft.clone());
    let measured = Sampler::new(volume).and_then(|sampler| {
        measure_pedicle(
            &sampler,
            draft,
            screw.side,
            screw.diameter_mm,
            screw.length_mm,
        )
    });
    let plans: PlanMeasurements = [(index, measured)].into_iter().collect();
    compute_results_with_plans(&s, measurements, &plans, models)
        .screws
        .into_iter()
        .nth(index)
}
