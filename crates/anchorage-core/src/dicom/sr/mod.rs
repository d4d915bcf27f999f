//! The session's measurements as a DICOM Structured Report, and back.
//!
//! Owns the Comprehensive SR (SOP class 1.2.840.10008.5.1.4.1.1.88.33) that carries a
//! TID 1500 Measurement Report: its codes ([`codes`]: standard ones and the private
//! scheme `99ANCHORAGE`), the content tree and its DICOM encoding ([`content`]), building
//! and writing the document from a session measured on its series ([`write`], with the
//! measurement groups in [`groups`] and the patient/study header in [`header`]), and reading an SR that Anchorage wrote back into a
//! session against the images it references ([`read`]).
//!
//! Comprehensive SR rather than Enhanced SR: the planar ROIs are SCOORD ellipses and
//! closed polylines selected from images, and the derived values are measurement groups
//! (TID 1501) beside them, which Comprehensive SR allows and Enhanced SR does not
//! (Enhanced SR has no by-reference relationships and constrains the tree more); it is
//! also what dcmqi and highdicom write for TID 1500. Comprehensive 3D SR (SCOORD3D) would
//! hold the patient coordinates directly, but fewer viewers read it.
//!
//! Unlike the rest of [`crate::dicom`], this module knows sessions and protocols: it sits
//! above [`crate::pipeline`], whose measurements it writes. It sends nothing anywhere: it
//! writes a file.

pub mod codes;
pub mod content;
pub mod error;
pub mod groups;
pub mod header;
pub mod read;
pub mod write;

pub use error::{SrError, tag_name};
pub use groups::INTENDED_USE_NOTE;
pub use header::{COMPREHENSIVE_SR, SR_MANUFACTURER};
pub use read::{ImportedSr, import_sr, is_sr_file};
pub use write::{SrExport, SrOptions, export_sr, write_sr};
