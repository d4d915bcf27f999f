//! ROIs and what they measure, on one volume.
//!
//! Owns the ROI shapes and pixel membership ([`roi`]), the statistics ([`stats`]), the
//! measurement of a session ROI on its image ([`measurement`], re-exported here), the
//! proposals that place standard ROIs from a click ([`propose`]), the estimate of where a
//! level without ROIs lies ([`level_guess`]) and the editing geometry of the ROI tools
//! (pixel ↔ plane millimetres, handles, hit testing, move/resize/rotate: [`edit`]). It knows the session's ROI type and
//! the volume, not the protocols built from the measurements.

pub mod edit;
pub mod level_guess;
pub mod measurement;
pub mod propose;
pub mod resize;
pub mod roi;
pub mod stats;

pub use measurement::*;
