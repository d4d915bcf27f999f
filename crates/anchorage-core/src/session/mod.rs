//! The session: the one serde document that holds every measurement.
//!
//! Owns the document itself, its versions, migration and atomic save ([`document`],
//! re-exported here), its vocabulary of levels, sides, roles and ROI kinds
//! ([`vocabulary`], re-exported here), the vertebral levels found on a series ([`levels`]), and what to offer back when a session is opened after a crash
//! ([`recovery`]). Textures, caches and decoders never live in it.

pub mod document;
pub mod levels;
pub mod recovery;
pub mod vocabulary;

pub use document::*;
pub use levels::{FoundBody, FoundDisc, LabelSource, Levels, Location, SpineAxis};
pub use vocabulary::*;
