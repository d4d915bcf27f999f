//! The errors of writing and reading an SR, and the attribute names they give.

use std::path::PathBuf;

use dicom::core::Tag;
use dicom::core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom::dictionary_std::StandardDataDictionary;

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
