//! Levels on an sagittal T1 MR: the profile along the spine on the mid-sagittal slices.

use super::LevelsError;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::session::Levels;

/// Finds the bodies and discs of a sagittal MR (unlabelled).
pub fn find(series: &Series, _volume: &Volume) -> Result<Levels, LevelsError> {
    Err(LevelsError::NoSpine {
        series_uid: series.uid.clone(),
        reason: "not yet implemented".into(),
    })
}
