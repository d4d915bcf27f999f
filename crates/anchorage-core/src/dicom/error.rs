//! Error types of the loading core. Each names the file and what was wrong with it.

use std::path::{Path, PathBuf};

/// A problem with one file: which file, and why (the tag or field where it applies).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}: {}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Why it could not be used, naming the tag or field.
    pub reason: String,
}

impl FileError {
    /// A new error for `path`.
    pub fn new(path: &Path, reason: impl Into<String>) -> Self {
        FileError {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Errors of series discovery and loading.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path given does not exist or cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Nothing under the path was a loadable DICOM image.
    #[error("no DICOM image series found ({skipped} file(s) skipped{first}): {}", path.display())]
    NoSeries {
        /// The path searched.
        path: PathBuf,
        /// How many files were skipped.
        skipped: usize,
        /// "; first: REASON: FILE" for the first skipped file, or empty.
        first: String,
    },
    /// The series asked for is not under the path.
    #[error("no series with SeriesInstanceUID {uid} (found: {found}): {}", path.display())]
    SeriesNotFound {
        /// The UID asked for.
        uid: String,
        /// The UIDs that were found.
        found: String,
        /// The path searched.
        path: PathBuf,
    },
    /// Several series were found and none was chosen.
    #[error("{count} series found; choose one with --series (UIDs: {uids}): {}", path.display())]
    AmbiguousSeries {
        /// How many series.
        count: usize,
        /// Their UIDs.
        uids: String,
        /// The path searched.
        path: PathBuf,
    },
    /// One file of the series could not be decoded.
    #[error(transparent)]
    File(#[from] FileError),
    /// A slice index outside the series.
    #[error("slice {index} is outside the series (it has {count} slices, 0..{})", count.saturating_sub(1))]
    SliceOutOfRange {
        /// The index asked for.
        index: usize,
        /// Number of slices.
        count: usize,
    },
    /// Loading was cancelled by the user.
    #[error("loading cancelled")]
    Cancelled,
}
