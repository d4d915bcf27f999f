//! Anchorage: a CT/MRI measurement workstation for pedicle-screw loosening predictors.
//!
//! The library is the pure core (DICOM to volume, geometry, ROIs, protocols, models,
//! sessions, export). The core never imports the UI toolkit; the workstation window lives
//! in [`app`] (egui/eframe), a layer over the core, and the `anchorage` binary is a thin
//! shell over both.

pub mod app;
pub mod cli;
pub mod codec;
pub mod dicom_write;
pub mod direct;
pub mod error;
pub mod example;
pub mod export;
pub mod geometry;
pub mod guard;
pub mod header;
pub mod j2k;
pub mod jls;
pub mod level_guess;
pub mod measure;
pub mod model_file;
pub mod phantom;
pub mod propose;
pub mod protocol;
pub mod rawread;
pub mod recovery;
pub mod render;
pub mod risk;
pub mod rle;
pub mod roi;
pub mod series;
pub mod session;
pub mod snapshot;
pub mod stats;
pub mod stress;
pub mod study;
#[cfg(test)]
mod test_util;
pub mod volume;
