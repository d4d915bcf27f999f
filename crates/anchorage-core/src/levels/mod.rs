//! Vertebral levels found along the spine, labelled, and used: the bodies and discs of a
//! CT or a sagittal T1 MR series ([`find_levels`]), their labels counted from the sacrum or
//! from one level the user confirms ([`relabel`]), the whole B-HU / PBQ protocol proposed
//! at once from them ([`propose_protocol`], [`accept_all_passing`]), and the checks that
//! keep an ROI out of the wrong place ([`check_roi`], [`check_session`],
//! [`propose_ellipse_checked`]).
//!
//! The result type, [`Levels`], lives in [`crate::session`] (the session stores it).
//!
//! Method (CT, [`ct`]): the bone mask (≥ 200 HU) of a downsampled volume; in each
//! downsampled slice the largest connected bony region's centroid; the spine's axis a
//! robust line fit through them; along the axis a profile of the mean value in a cylinder
//! around the body centres (bodies high, discs low); the endplates at the half-height
//! crossings of that profile, interpolated to sub-sample precision and refined on the full
//! resolution ([`profile`]). MR ([`mr`]): the same profile along the axis on the
//! mid-sagittal slices, where the discs are darker than the marrow. Labels ([`label`]):
//! S1 is the caudal body when nothing like a disc follows below it within its own height;
//! counted upwards from it.

mod build;
pub mod check;
pub mod ct;
pub mod grid;
pub mod label;
pub mod mr;
pub mod profile;
pub mod proposals;

pub use check::{PlacementIssue, check_roi, check_session};
pub use label::relabel;
pub use proposals::{
    EllipseRefusal, ProtocolProposal, accept_all_passing, propose_ellipse_checked, propose_protocol,
};

use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::geometry::{Orientation, Vec3};
use crate::session::Level;
pub use crate::session::{FoundBody, FoundDisc, LabelSource, Levels, Location, SpineAxis};

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
    /// axis is not known yet). `None` for a slice not in the volume.
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
                if denom.abs() < 1e-6 {
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

/// Finds the vertebral bodies and discs of a series and labels them: from `known` when
/// given, else from the sacrum when the series shows it (else unlabelled). CT series
/// must be axial-like, MR series sagittal.
pub fn find_levels(
    series: &Series,
    volume: &Volume,
    known: Option<Known>,
) -> Result<Levels, LevelsError> {
    let mut levels = if series.modality.eq_ignore_ascii_case("CT") {
        if series.orientation == Orientation::Sagittal || series.orientation == Orientation::Coronal
        {
            return Err(unsupported(series));
        }
        ct::find(series, volume)?
    } else if series.orientation == Orientation::Sagittal {
        mr::find(series, volume)?
    } else {
        return Err(unsupported(series));
    };
    match known {
        Some(k) => relabel(&mut levels, k)?,
        None => label::from_sacrum(&mut levels),
    }
    Ok(levels)
}

fn unsupported(series: &Series) -> LevelsError {
    LevelsError::Unsupported {
        series_uid: series.uid.clone(),
        modality: series.modality.clone(),
        orientation: series.orientation.as_str(),
    }
}

/// The slice of `volume` whose plane is nearest to `p` along the slice normal (`None`
/// for an empty volume).
pub fn nearest_slice(volume: &Volume, p: Vec3) -> Option<usize> {
    let n = volume.normal;
    volume
        .planes
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            let da = crate::geometry::dot(crate::geometry::sub(p, a.origin_mm), n).abs();
            let db = crate::geometry::dot(crate::geometry::sub(p, b.origin_mm), n).abs();
            da.total_cmp(&db)
        })
        .map(|(k, _)| k)
}

/// The slice nearest the point `fraction` of the way down `level`'s body (0 superior
/// endplate, 1 inferior), for "show L3 at 34 %"; `None` when the level was not found.
pub fn slice_at(levels: &Levels, volume: &Volume, level: Level, fraction: f64) -> Option<usize> {
    nearest_slice(volume, levels.place(level, fraction)?)
}
