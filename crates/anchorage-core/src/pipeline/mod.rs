//! From a session to the per-screw table, in one place for the window and the command
//! line (and every later caller: the cohort database, the SR, the report).
//!
//! The steps, each done once:
//! 1. [`Pipeline::new`] checks the session ([`crate::session::check`]: two ROIs sharing an
//!    id refuse it as damaged) and loads the model files it chose ([`study::load_models`]).
//!    **A model file that cannot be loaded is an error**, in the window as on the command
//!    line: numbers from a model other than the one the session chose are never shown or
//!    exported under its name. The window shows the error and offers to switch the session
//!    to the bundled models (an undoable change); `anchorage measure` exits 1.
//! 2. [`Pipeline::run`] measures every ROI once on its own series (the caller says where the
//!    series are: [`study::load_series_searching`] on disk, the window's loaded volumes),
//!    computes the protocol results and the per-screw table, whose `risk_model` and
//!    `stress_model` columns name the models used, and lists every [`Notice`]: each ROI
//!    that could not be measured, each ROI left out of every value with the reason, and
//!    each measurement warning (such as points off their image's plane), naming the ROI.
//!    When the session has vertebral levels for a series, every B-HU and ST-HU ROI on it
//!    is checked against them ([`crate::levels::check_session`]) and each misplaced one
//!    becomes a [`crate::protocol::Flag::Misplaced`] of its level and screws (and is
//!    listed in [`Measured::placement`]); without levels nothing changes.
//!
//! [`measure_on_disk`] is both steps for a session file whose series are on disk.

pub mod notices;
pub mod plans;
pub mod preview;
pub mod study;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use notices::{Notice, NoticeKind};
pub use preview::preview_screw;

use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::export::{ScrewTable, screw_table};
use crate::measure::measure_roi;
use crate::plan::{PlanError, Sampler, measure_pedicle};
use crate::protocol::{
    Flag, Measurements, Models, PlanMeasurements, ProtocolResults, compute_results_with_plans,
};
use crate::session::{Role, Session};
use study::{StudyError, load_models, load_series_searching};

/// Everything computed from a session and its series.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The measurement of every ROI that could be measured, by ROI id.
    pub measurements: Measurements,
    /// The protocols' results.
    pub results: ProtocolResults,
    /// The models used.
    pub models: Models,
    /// The per-screw table, as exported.
    pub table: ScrewTable,
    /// ROIs not measured, left out or with a warning, in session order.
    pub notices: Vec<Notice>,
    /// Every ROI that lies elsewhere than its role and level say, checked against the
    /// session's levels (empty without levels); each is also a
    /// [`crate::protocol::Flag::Misplaced`] flag in `results` and the table.
    pub placement: Vec<crate::levels::PlacementIssue>,
}

/// A session checked and its models loaded, ready to measure.
#[derive(Debug, Clone)]
pub struct Pipeline {
    models: Models,
}

impl Pipeline {
    /// Checks `session` and loads its model files (relative paths against the session
    /// file's folder; without a session file, against the current folder).
    pub fn new(session: &Session, session_path: Option<&Path>) -> Result<Pipeline, StudyError> {
        session
            .check()
            .map_err(|reason| StudyError::Damaged { reason })?;
        let base = session_path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("session.json"));
        let models = load_models(session, &base)?;
        Ok(Pipeline { models })
    }

    /// The models the session chose.
    pub fn models(&self) -> &Models {
        &self.models
    }

    /// Measures every ROI of `session` on its series (found by SeriesInstanceUID with
    /// `find`), computes the protocols and the per-screw table, and lists the notices.
    pub fn run<'a>(
        &self,
        session: &Session,
        find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)>,
    ) -> Measured {
        let (measurements, mut notices) = measure_rois(session, &find);
        let plans = measure_plans(session, |uid| find(uid).map(|(_, v)| v));
        let mut results = compute_results_with_plans(session, &measurements, &plans, &self.models);
        let placement = crate::levels::check_session(session, |uid| {
            find(uid).map(|(s, v)| (s.frame_of_reference_uid.as_str(), v))
        });
        add_placement_flags(session, &placement, &mut results);
        notices.extend(notices::left_out(session, &measurements, &results));
        notices.sort_by_key(|n| session.rois.iter().position(|r| r.id == n.roi_id));
        let table = screw_table(session, &results, &self.models);
        Measured {
            measurements,
            results,
            models: self.models.clone(),
            table,
            notices,
            placement,
        }
    }
}

/// Adds a [`Flag::Misplaced`] for each placement issue to its level's result, and to
/// every screw of that level that uses the ROI (B-HU ROIs: every screw of the level;
/// an ST-HU trajectory: the screw of its side).
fn add_placement_flags(
    session: &Session,
    issues: &[crate::levels::PlacementIssue],
    results: &mut ProtocolResults,
) {
    for issue in issues {
        let Some(roi) = session.roi(issue.roi_id) else {
            continue;
        };
        let Some(level) = roi.level else { continue };
        let flag = Flag::Misplaced {
            roi_id: roi.id,
            role: roi.role,
            level,
            problem: issue.problem,
        };
        if let Some(l) = results.levels.iter_mut().find(|l| l.level == level) {
            l.flags.push(flag.clone());
        }
        for s in results.screws.iter_mut().filter(|s| s.screw.level == level) {
            let uses = match roi.role {
                Role::StHu => roi.side == Some(s.screw.side),
                r => crate::protocol::B_HU_PLANES.contains(&r),
            };
            if uses {
                s.flags.push(flag.clone());
            }
        }
    }
}

/// A session file measured on its series on disk: the session checked, its models loaded,
/// its series loaded (a series not where the session says is looked for under `search`,
/// in order), and [`Pipeline::run`]. Returns the result and one note for each series
/// found elsewhere.
pub fn measure_on_disk(
    session: &Session,
    session_path: &Path,
    search: &[PathBuf],
) -> Result<(Measured, Vec<String>), StudyError> {
    let pipeline = Pipeline::new(session, Some(session_path))?;
    let (series, notes) = load_series_searching(session, session_path, search)?;
    let measured = pipeline.run(session, |uid| {
        series
            .iter()
            .find(|s| s.series.uid == uid)
            .map(|s| (&s.series, &s.volume))
    });
    Ok((measured, notes))
}

/// The automatic pedicle measurement of every planned screw, on the plan's series
/// (found by SeriesInstanceUID with `find`), by the screw's index.
pub fn measure_plans<'a>(
    session: &Session,
    find: impl Fn(&str) -> Option<&'a Volume>,
) -> PlanMeasurements {
    session
        .screws
        .iter()
        .enumerate()
        .filter_map(|(i, screw)| {
            let plan = screw.plan.as_ref()?;
            let result = find(&plan.series_uid)
                .ok_or_else(|| PlanError::SeriesMissing(plan.series_uid.clone()))
                .and_then(Sampler::new)
                .and_then(|s| {
                    measure_pedicle(&s, plan, screw.side, screw.diameter_mm, screw.length_mm)
                });
            Some((i, result))
        })
        .collect()
}

/// Measures every ROI once on its own series. An ROI that cannot be measured (its series
/// or image is missing, its role belongs to the other modality, its geometry is broken)
/// is left out of the measurements with a notice; a measurement's warnings become notices
/// too.
pub fn measure_rois<'a>(
    session: &Session,
    find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)>,
) -> (Measurements, Vec<Notice>) {
    let mut m = BTreeMap::new();
    let mut out = Vec::new();
    for roi in &session.rois {
        let not_measured = |message: String| Notice {
            roi_id: roi.id,
            kind: NoticeKind::NotMeasured,
            message,
        };
        let Some((series, volume)) = find(&roi.series_uid) else {
            out.push(not_measured(format!(
                "ROI {}: its series {} is not loaded",
                roi.id, roi.series_uid
            )));
            continue;
        };
        if let Some(want) = roi.role.modality()
            && !series.modality.eq_ignore_ascii_case(want)
        {
            let description = match series.description.trim() {
                "" => "(no description)",
                d => d,
            };
            out.push(not_measured(format!(
                "ROI {} ({}): {} is measured on {want}, but the ROI is on the {} series \"{}\"",
                roi.id,
                roi.role.label(),
                roi.role.label(),
                series.modality,
                description
            )));
            continue;
        }
        match measure_roi(roi, volume) {
            Ok(x) => {
                out.extend(x.warnings.iter().map(|w| Notice {
                    roi_id: roi.id,
                    kind: NoticeKind::Warning,
                    message: format!("ROI {} ({}): {w}", roi.id, notices::describe(roi)),
                }));
                m.insert(roi.id, x);
            }
            Err(e) => out.push(not_measured(e.to_string())),
        }
    }
    (m, out)
}
