//! Anchorage: a CT/MRI measurement workstation for pedicle-screw loosening predictors.
//!
//! The library is the pure core (DICOM to volume, geometry, ROIs, protocols, models,
//! sessions, export). It never imports the UI toolkit; the `anchorage` binary and the
//! window are thin layers over it.

pub mod dicom_write;
pub mod phantom;
