//! Levels on an axial-like CT: the bony column, the spine's axis, the profile along it.

use super::LevelsError;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::session::Levels;

/// Finds the bodies and discs of an axial-like CT (unlabelled).
pub fn find(series: &Series, _volume: &Volume) -> Result<Levels, LevelsError> {
    Err(LevelsError::NoSpine {
        series_uid: series.uid.clone(),
        reason: "not yet implemented".into(),
    })
}
