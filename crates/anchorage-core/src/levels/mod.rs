//! Vertebral levels found along the spine, labelled, and used: the bodies and discs of a
//! axial CT series or a sagittal T1 MR ([`find_levels`]), their labels counted from the sacrum or
//! from one level the user confirms ([`relabel`]), the whole B-HU protocol proposed
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
//! resolution ([`profile`]). MR ([`mr`]): the same with a marrow mask (T1 signal
//! between muscle and fat) on axial-like cross-sections made across the sagittal slices,
//! and the endplates moved to the outer edge of the dark cortical band; an MR may also
//! share the CT's levels through the frame of reference. Labels ([`label`]):
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
pub mod propose_mr;
mod types;

pub use check::{PlacementIssue, check_roi, check_session};
pub use label::relabel;
pub use proposals::{
    EllipseRefusal, ProtocolProposal, accept_all_passing, propose_ellipse_checked, propose_protocol,
};
pub use types::{Known, LevelsError};

use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::geometry::{Orientation, Vec3};
use crate::session::Level;
pub use crate::session::{FoundBody, FoundDisc, LabelSource, Levels, Location, SpineAxis};

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
