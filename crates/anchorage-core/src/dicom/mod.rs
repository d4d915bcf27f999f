//! DICOM files to volumes, and back to files.
//!
//! Owns everything that reads or writes DICOM: the structure walk that checks a file
//! before dicom-rs reads it ([`guard`]), one file's header ([`header`]), transfer syntax
//! UIDs ([`syntax`]), attributes stored as UN re-read with their dictionary VR ([`un`]),
//! the volume's memory (`memory`, the crate's only `unsafe` code), discovery and grouping of series ([`series`]), the volume and its
//! loading ([`volume`]), the pixel decoders ([`decode`]), the phantom's writer
//! ([`write`]) and the loading errors ([`error`]). It knows nothing of ROIs, sessions or
//! protocols — except [`sr`], the Structured Report of a session's measurements, which
//! sits above the session and the pipeline and only shares the DICOM plumbing.

pub mod decode;
pub mod error;
pub mod guard;
pub mod header;
// The zeroed allocation and the byte view: the one module of the crate allowed `unsafe`.
#[allow(unsafe_code)]
pub(crate) mod memory;
pub mod series;
pub mod sr;
pub mod syntax;
pub mod un;
pub mod volume;
pub mod write;
