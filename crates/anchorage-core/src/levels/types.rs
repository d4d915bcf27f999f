//! The level finder's own types: a level the user confirms ([`Known`]), why no levels
//! could be found ([`LevelsError`]), and one proposed protocol ROI
//! ([`ProtocolProposal`]). A leaf module, so the finder's parts share them without
//! depending on [`super`].

use crate::dicom::volume::Volume;
use crate::geometry::Vec3;
use crate::measure::stats::RoiStats;
use crate::protocol::placement::PlacementProblem;
use crate::session::{Level, Roi, SpineAxis};

/// One level the user confirms: the body containing `point_mm` is `level`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Known {
    /// The confirmed level.
    pub level: Level,
    /// A point in that body (LPS mm): a click on it, or the centre of a slice.
    pub point_mm: Vec3,
}

impl Known {
    /// `level` is the body cut by slice `slice` of an axial-like series: the point is
    /// where the spine's axis crosses that slice's plane (the slice's centre when the
    /// axis is not known yet). `None` for a slice not in the volume, and for a slice that
    /// runs along the axis (less than 30° between them: a sagittal MR's slices, which
    /// cross no single body).
    pub fn at_slice(
        level: Level,
        volume: &Volume,
        slice: usize,
        axis: Option<&SpineAxis>,
    ) -> Option<Known> {
        let plane = volume.planes.get(slice)?;
        let point_mm = match axis {
            Some(a) => {
                let n = plane.normal();
                let denom = crate::geometry::dot(a.direction, n);
                if denom.abs() < 0.5 {
                    return None;
                }
                let t = crate::geometry::dot(crate::geometry::sub(plane.origin_mm, a.origin_mm), n)
                    / denom;
                a.point_at(t)
            }
            None => {
                let (_, rows, cols) = volume.dims();
                plane.pixel_to_patient(0.5 * (cols as f64 - 1.0), 0.5 * (rows as f64 - 1.0))
            }
        };
        Some(Known { level, point_mm })
    }
}

/// Why no levels could be found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LevelsError {
    /// No spine: no bony column (CT) or no body/disc pattern (MR) was found.
    #[error("no spine found in series {series_uid}: {reason}")]
    NoSpine {
        /// The series.
        series_uid: String,
        /// What was missing.
        reason: String,
    },
    /// Fewer than two vertebral bodies: the levels cannot be told apart.
    #[error(
        "series {series_uid} shows {found} vertebral body(ies); at least two are needed to find levels"
    )]
    TooFewBodies {
        /// The series.
        series_uid: String,
        /// Bodies found.
        found: usize,
    },
    /// The series' orientation is not one levels are found on (CT: axial-like; MR:
    /// sagittal).
    #[error(
        "series {series_uid} ({modality}, {orientation}): levels are found on axial CT and sagittal MR only"
    )]
    Unsupported {
        /// The series.
        series_uid: String,
        /// Its modality.
        modality: String,
        /// Its orientation.
        orientation: &'static str,
    },
    /// The confirmed level's point lies in no body found.
    #[error("the point confirmed as {level} ({:.1}, {:.1}, {:.1}) lies in no vertebral body found ({where_})", point_mm[0], point_mm[1], point_mm[2])]
    KnownNotOnBody {
        /// The confirmed level.
        level: Level,
        /// The point.
        point_mm: Vec3,
        /// Where it lies instead ("disc L3/L4", "above every body").
        where_: String,
    },
    /// Counting from the confirmed level runs past the levels Anchorage names (T10..S2).
    #[error(
        "counting from {level} runs past T10 or S2: the confirmed level does not fit the {bodies} bodies found"
    )]
    LabelsOutOfRange {
        /// The confirmed level.
        level: Level,
        /// Bodies found.
        bodies: usize,
    },
}

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
