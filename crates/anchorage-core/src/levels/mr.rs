//! Levels on a sagittal T1 MR: not built yet (the refusal says so); the MR shares the
//! levels of the CT of its frame of reference ([`crate::session::Session::levels_for`]).

use super::types::LevelsError;
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::session::Levels;

/// Finds the bodies and discs of a sagittal MR: refused for now, naming the way round.
pub fn find(series: &Series, _volume: &Volume) -> Result<Levels, LevelsError> {
    Err(LevelsError::NoSpine {
        series_uid: series.uid.clone(),
        reason: "levels are not found on MR yet; find them on the CT of the same frame of reference, whose levels the MR shares".into(),
    })
}
