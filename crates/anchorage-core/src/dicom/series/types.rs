//! What series discovery reports: the series found, their slices, and the files that
//! were not used.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dicom::error::{FileError, LoadError};
use crate::geometry::{ImagePlane, Orientation, Vec3};

/// A file that was not used, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
    /// What kind of file it is, for the reader: a damaged DICOM file is a warning, a file
    /// that is not DICOM at all is not.
    pub kind: SkipKind,
}

/// Why a file was not used, as a type (the reason's words are for people only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// Not DICOM (no "DICM" marker, no bare data set): a JSON, text or other file.
    NotDicom,
    /// A DICOMDIR index, not an image.
    Index,
    /// A DICOM file that could not be read or used, or a missing referenced file.
    Damaged,
    /// A second copy of an image already loaded.
    Duplicate,
}

impl From<FileError> for SkippedFile {
    fn from(e: FileError) -> Self {
        SkippedFile {
            path: e.path,
            reason: e.reason,
            kind: SkipKind::Damaged,
        }
    }
}

/// One slice of a series: a single-frame file or one frame of a multi-frame file.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceRef {
    /// The file that holds it.
    pub path: PathBuf,
    /// 0-based frame in that file.
    pub frame: u32,
    /// Transfer syntax of the file.
    pub transfer_syntax_uid: String,
    /// SOPInstanceUID of the file (shared by the frames of a multi-frame image).
    pub sop_instance_uid: String,
    /// InstanceNumber, when present.
    pub instance_number: Option<i64>,
    /// The slice's plane.
    pub plane: ImagePlane,
    /// RescaleSlope.
    pub slope: f64,
    /// RescaleIntercept.
    pub intercept: f64,
    /// Position along the series normal, mm.
    pub position_mm: f64,
}

/// A series ready to load: identity, pixel format, and its slices in geometric order.
#[derive(Debug, Clone)]
pub struct Series {
    /// SeriesInstanceUID.
    pub uid: String,
    /// 0 for a whole series; 1, 2, … for the parts of a series that had to be split.
    pub part: usize,
    /// Modality (CT, MR, …).
    pub modality: String,
    /// SeriesDescription.
    pub description: String,
    /// SeriesNumber.
    pub series_number: Option<i64>,
    /// PatientName.
    pub patient_name: String,
    /// PatientID.
    pub patient_id: String,
    /// PatientBirthDate.
    pub patient_birth_date: String,
    /// StudyInstanceUID.
    pub study_instance_uid: String,
    /// StudyDate.
    pub study_date: String,
    /// FrameOfReferenceUID.
    pub frame_of_reference_uid: String,
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// PixelSpacing (row spacing, column spacing), mm.
    pub pixel_spacing_mm: [f64; 2],
    /// Slice spacing from the positions (median step), mm; `None` for one slice.
    pub slice_spacing_mm: Option<f64>,
    /// SliceThickness, mm.
    pub slice_thickness_mm: Option<f64>,
    /// Slice normal n = row_dir × col_dir.
    pub normal: Vec3,
    /// Orientation class from the normal.
    pub orientation: Orientation,
    /// BitsAllocated.
    pub bits_allocated: u16,
    /// BitsStored of the first image.
    pub bits_stored: u16,
    /// Signed pixel representation of the first image.
    pub signed: bool,
    /// Whether every image shares BitsStored and PixelRepresentation.
    pub uniform_format: bool,
    /// PhotometricInterpretation (MONOCHROME1 is shown inverted).
    pub photometric: String,
    /// PixelPaddingValue (and range limit), stored values.
    pub padding: Option<(i64, Option<i64>)>,
    /// Window centre and width from the header, output units.
    pub window: Option<(f64, f64)>,
    /// The slices, sorted by ascending position along `normal`.
    pub slices: Vec<SliceRef>,
    /// What a reader must know: non-uniform spacing, gaps, tilt, assumed geometry…
    pub warnings: Vec<String>,
}

impl Series {
    /// Whether the display should invert grey levels (MONOCHROME1).
    pub fn is_monochrome1(&self) -> bool {
        self.photometric.eq_ignore_ascii_case("MONOCHROME1")
    }

    /// Number of slices.
    pub fn len(&self) -> usize {
        self.slices.len()
    }

    /// Whether the series has no slice (never true for a scanned series).
    pub fn is_empty(&self) -> bool {
        self.slices.is_empty()
    }

    /// A display label: description, modality and part.
    pub fn label(&self) -> String {
        let d = if self.description.is_empty() {
            "(no description)"
        } else {
            &self.description
        };
        if self.part > 0 {
            format!("{} {d} (part {})", self.modality, self.part)
        } else {
            format!("{} {d}", self.modality)
        }
    }

    /// The deepest folder holding every file of the series (where a session records it).
    pub fn folder(&self) -> Option<PathBuf> {
        let mut files = self.files().into_iter();
        let mut common = files.next()?.parent()?.to_path_buf();
        for f in files {
            while !f.starts_with(&common) {
                if !common.pop() {
                    return None;
                }
            }
        }
        Some(common)
    }

    /// The distinct files of the series, in slice order.
    pub fn files(&self) -> Vec<&Path> {
        let mut seen = HashSet::new();
        self.slices
            .iter()
            .filter(|s| seen.insert(s.path.as_path()))
            .map(|s| s.path.as_path())
            .collect()
    }
}

/// The outcome of scanning a path.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// The series found, ordered by study, series number and UID.
    pub series: Vec<Series>,
    /// Every file that was not used, with the reason.
    pub skipped: Vec<SkippedFile>,
    /// How many files were looked at.
    pub files_examined: usize,
}

impl ScanReport {
    /// The series with this SeriesInstanceUID (the first part if it was split), or the
    /// only series when `uid` is `None`.
    pub fn pick(&self, uid: Option<&str>, path: &Path) -> Result<&Series, LoadError> {
        let uids = || {
            self.series
                .iter()
                .map(|s| s.uid.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match uid {
            Some(u) => {
                self.series
                    .iter()
                    .find(|s| s.uid == u)
                    .ok_or_else(|| LoadError::SeriesNotFound {
                        uid: u.to_string(),
                        found: uids(),
                        path: path.to_path_buf(),
                    })
            }
            None => match self.series.as_slice() {
                [one] => Ok(one),
                [] => Err(LoadError::NoSeries {
                    path: path.to_path_buf(),
                    skipped: self.skipped.len(),
                    first: self
                        .skipped
                        .first()
                        .map(|f| format!("; first: {}: {}", f.reason, f.path.display()))
                        .unwrap_or_default(),
                }),
                many => Err(LoadError::AmbiguousSeries {
                    count: many.len(),
                    uids: uids(),
                    path: path.to_path_buf(),
                }),
            },
        }
    }
}
