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
pub mod groups;
pub mod header;
pub mod read;
pub mod write;

use std::path::PathBuf;

use dicom::core::Tag;
use dicom::core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom::dictionary_std::StandardDataDictionary;

pub use read::{ImportedSr, import_sr};
pub use write::{SrExport, SrOptions, export_sr, write_sr};

/// SOP Class UID of Comprehensive SR Storage.
pub const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
/// Manufacturer (0008,0070) of every SR Anchorage writes; the reader requires it.
pub const SR_MANUFACTURER: &str = "Anchorage";
/// The research-use note written into every report.
pub const INTENDED_USE_NOTE: &str = "Research aid, not a diagnosis: measurements and model \
    estimates for research on pedicle-screw loosening; not for clinical decisions.";

/// What can go wrong writing or reading an SR; each names the file, and the tag or
/// content item where one is at fault.
#[derive(Debug, thiserror::Error)]
pub enum SrError {
    /// The session's study could not be loaded (a series missing, a model file broken).
    #[error("cannot measure the session for the SR: {source}: {}", session.display())]
    Study {
        /// The session file.
        session: PathBuf,
        /// The cause (names the series and path).
        #[source]
        source: crate::pipeline::study::StudyError,
    },
    /// A source image's header could not be read.
    #[error("cannot read the image header ({reason}): {}", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// Why, naming the tag.
        reason: String,
    },
    /// The pseudonymisation key is unusable.
    #[error("{0}")]
    Key(String),
    /// The data set could not be encoded.
    #[error("cannot encode the SR: {0}")]
    Encode(String),
    /// The file could not be written or read.
    #[error("{what}: {source}: {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a readable DICOM file (truncated, damaged).
    #[error("not a readable DICOM file ({reason}): {}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why, with the tag and offset where known.
        reason: String,
    },
    /// The file is DICOM but not an SR that Anchorage wrote.
    #[error("not an SR written by Anchorage ({reason}): {}", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Why (the tag or content item that differs).
        reason: String,
    },
    /// A content item is missing or malformed. `at` is the item's position in the tree
    /// (1.4.2: the second child of the fourth child of the root).
    #[error("content item {at}: {tag}: {reason}")]
    Content {
        /// Position in the content tree.
        at: String,
        /// The attribute at fault, named and numbered.
        tag: String,
        /// What is wrong.
        reason: String,
    },
    /// A content item, with the file it is in.
    #[error("damaged SR: {source}: {}", path.display())]
    InFile {
        /// The SR file.
        path: PathBuf,
        /// The content error.
        #[source]
        source: Box<SrError>,
    },
    /// An image the SR references is not among the images given.
    #[error("the SR references image {sop_instance_uid} (series {series_uid}), which is not under {}", images.display())]
    MissingImage {
        /// SOP Instance UID.
        sop_instance_uid: String,
        /// Its series.
        series_uid: String,
        /// The folder searched.
        images: PathBuf,
    },
    /// The images folder could not be scanned.
    #[error("cannot read the images: {0}")]
    Images(String),
}

/// "ContentSequence (0040,A730)".
pub fn tag_name(tag: Tag) -> String {
    let alias = StandardDataDictionary
        .by_tag(tag)
        .map(|e| e.alias())
        .unwrap_or("element");
    format!("{alias} ({:04X},{:04X})", tag.group(), tag.element())
}
