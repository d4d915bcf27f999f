//! Series discovery: find every DICOM image under a path (a file, a folder searched
//! recursively, or a DICOMDIR), group the images into series, split series whose images
//! differ in size, spacing or orientation, collapse duplicate SOPInstanceUIDs, sort the
//! slices along the slice normal and derive the slice spacing, with warnings for what a
//! reader must know. Every file that could not be used is listed with the reason.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::dicom::error::{FileError, LoadError};
use crate::dicom::guard::sniff;
use crate::dicom::header::{FileHeader, FileKind, read_header};
use crate::geometry::{ImagePlane, Orientation, Vec3, cross, dot, norm, sub};

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

/// Lists the candidate files under `path`: the file itself, every file of a folder tree
/// (links are not followed), sorted for determinism.
fn candidate_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(path)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    Ok(out)
}

/// Whether the file starts as DICOM does: the Part-10 "DICM" marker at byte 128, or a bare
/// data set of group 0008 ([`crate::dicom::guard::sniff`]); a cheap look at 132 bytes
/// before the structure walk.
fn looks_like_dicom(path: &Path) -> Result<(), SkippedFile> {
    let fail = |reason: String, kind| SkippedFile {
        path: path.to_path_buf(),
        reason,
        kind,
    };
    let mut f = std::fs::File::open(path)
        .map_err(|e| fail(format!("cannot open: {e}"), SkipKind::Damaged))?;
    let mut buf = [0u8; 132];
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(fail(format!("cannot read: {e}"), SkipKind::Damaged)),
        }
    }
    sniff(buf.get(..got).unwrap_or_default())
        .map_err(|m| fail(m.to_string(), SkipKind::NotDicom))?;
    Ok(())
}

fn examine(path: &Path) -> Result<FileKind, SkippedFile> {
    looks_like_dicom(path)?;
    Ok(read_header(path)?)
}

/// Scans `path` for DICOM image series.
///
/// Returns an error only when the path itself cannot be read; files that cannot be used
/// are listed in [`ScanReport::skipped`], and an empty `series` list is a valid answer.
pub fn scan(path: &Path) -> Result<ScanReport, LoadError> {
    let files = candidate_files(path)?;
    let mut report = ScanReport::default();
    let mut headers = Vec::new();
    let mut dicomdir_refs: Vec<PathBuf> = Vec::new();
    let path_is_file = files.len() == 1 && path.is_file();

    let results: Vec<(PathBuf, Result<FileKind, SkippedFile>)> =
        files.par_iter().map(|p| (p.clone(), examine(p))).collect();
    report.files_examined = results.len();
    for (p, r) in results {
        match r {
            Ok(FileKind::Image(h)) => headers.push(*h),
            Ok(FileKind::Dicomdir(refs)) if path_is_file => dicomdir_refs = refs,
            Ok(FileKind::Dicomdir(_)) => report.skipped.push(SkippedFile {
                path: p,
                reason: "DICOMDIR (an index, not an image); its images are read from the folder"
                    .into(),
                kind: SkipKind::Index,
            }),
            Err(e) => report.skipped.push(e),
        }
    }
    if !dicomdir_refs.is_empty() {
        let refs: Vec<(PathBuf, Result<FileKind, SkippedFile>)> = dicomdir_refs
            .par_iter()
            .map(|p| {
                let r = if p.is_file() {
                    examine(p)
                } else {
                    Err(FileError::new(p, "referenced by the DICOMDIR but missing").into())
                };
                (p.clone(), r)
            })
            .collect();
        report.files_examined += refs.len();
        for (p, r) in refs {
            match r {
                Ok(FileKind::Image(h)) => headers.push(*h),
                Ok(FileKind::Dicomdir(_)) => report.skipped.push(SkippedFile {
                    path: p,
                    reason: "nested DICOMDIR".into(),
                    kind: SkipKind::Index,
                }),
                Err(e) => report.skipped.push(e),
            }
        }
    }
    report.series = build_series(headers, &mut report.skipped);
    Ok(report)
}

/// The key that splits a series: size, orientation and pixel spacing.
fn split_key(h: &FileHeader) -> (u32, u32, [i64; 6], [i64; 2]) {
    let q = |v: f64, s: f64| (v * s).round() as i64;
    let (iop, sp) = match h.frames.first() {
        Some(f) => (
            [
                q(f.plane.row_dir[0], 1e3),
                q(f.plane.row_dir[1], 1e3),
                q(f.plane.row_dir[2], 1e3),
                q(f.plane.col_dir[0], 1e3),
                q(f.plane.col_dir[1], 1e3),
                q(f.plane.col_dir[2], 1e3),
            ],
            [
                q(f.plane.row_spacing_mm, 1e4),
                q(f.plane.col_spacing_mm, 1e4),
            ],
        ),
        None => ([0; 6], [0; 2]),
    };
    (h.rows, h.columns, iop, sp)
}

fn build_series(mut headers: Vec<FileHeader>, skipped: &mut Vec<SkippedFile>) -> Vec<Series> {
    // Duplicate SOPInstanceUIDs: keep the first by path.
    headers.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = HashSet::new();
    headers.retain(|h| {
        if seen.insert(h.sop_instance_uid.clone()) {
            true
        } else {
            skipped.push(SkippedFile {
                path: h.path.clone(),
                reason: format!(
                    "duplicate of SOPInstanceUID {} already loaded from another file",
                    h.sop_instance_uid
                ),
                kind: SkipKind::Duplicate,
            });
            false
        }
    });
    let mut by_uid: BTreeMap<String, Vec<FileHeader>> = BTreeMap::new();
    for h in headers {
        by_uid
            .entry(h.series_instance_uid.clone())
            .or_default()
            .push(h);
    }
    let mut out = Vec::new();
    for (uid, hs) in by_uid {
        let mut groups: BTreeMap<_, Vec<FileHeader>> = BTreeMap::new();
        let mut order = Vec::new();
        for h in hs {
            let k = split_key(&h);
            if !groups.contains_key(&k) {
                order.push(k);
            }
            groups.entry(k).or_default().push(h);
        }
        // Parts ordered by size (largest first) so part 1 is the main stack.
        let mut parts: Vec<Vec<FileHeader>> = order
            .into_iter()
            .filter_map(|k| groups.remove(&k))
            .collect();
        parts.sort_by_key(|p| std::cmp::Reverse(p.iter().map(|h| h.frames.len()).sum::<usize>()));
        let split = parts.len() > 1;
        for (i, part) in parts.into_iter().enumerate() {
            if let Some(mut s) = make_series(&uid, part) {
                if split {
                    s.part = i + 1;
                    s.warnings.push(format!(
                        "series {uid} mixes image sizes, spacings or orientations: split into parts; this is part {}",
                        i + 1
                    ));
                }
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.study_instance_uid, a.series_number, &a.uid, a.part).cmp(&(
            &b.study_instance_uid,
            b.series_number,
            &b.uid,
            b.part,
        ))
    });
    out
}

fn make_series(uid: &str, headers: Vec<FileHeader>) -> Option<Series> {
    let first = headers.first()?.clone();
    let plane0 = first.frames.first()?.plane;
    let normal = cross(plane0.row_dir, plane0.col_dir);
    let mut warnings: Vec<String> = Vec::new();
    let mut uniform_format = true;
    for h in &headers {
        for w in &h.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
        if h.bits_stored != first.bits_stored
            || h.signed != first.signed
            || h.bits_allocated != first.bits_allocated
        {
            uniform_format = false;
        }
    }
    let mut slices: Vec<SliceRef> = headers
        .iter()
        .flat_map(|h| {
            h.frames.iter().enumerate().map(move |(k, f)| SliceRef {
                path: h.path.clone(),
                frame: k as u32,
                transfer_syntax_uid: h.transfer_syntax_uid.clone(),
                sop_instance_uid: h.sop_instance_uid.clone(),
                instance_number: h.instance_number,
                plane: f.plane,
                slope: f.slope,
                intercept: f.intercept,
                position_mm: dot(f.plane.origin_mm, normal),
            })
        })
        .collect();
    slices.sort_by(|a, b| {
        a.position_mm
            .total_cmp(&b.position_mm)
            .then(a.instance_number.cmp(&b.instance_number))
            .then(a.frame.cmp(&b.frame))
    });
    let steps: Vec<f64> = slices
        .windows(2)
        .map(|w| w[1].position_mm - w[0].position_mm)
        .collect();
    // Assumed positions give no measured spacing.
    let slice_spacing_mm = if headers.iter().any(|h| h.positions_assumed) {
        None
    } else {
        spacing_and_warnings(&steps, &mut warnings)
    };
    if let (Some(a), Some(b)) = (slices.first(), slices.last()) {
        let d = sub(b.plane.origin_mm, a.plane.origin_mm);
        let along = dot(d, normal);
        let across = norm(sub(
            d,
            [along * normal[0], along * normal[1], along * normal[2]],
        ));
        if along.abs() > 1e-6 {
            let tilt_deg = (across / along.abs()).atan().to_degrees();
            if tilt_deg > 0.5 {
                warnings.push(format!(
                    "slice positions do not run along the slice normal (gantry tilt or sheared stack, {tilt_deg:.1}°): reformatted views are approximate"
                ));
            }
        }
    }
    // Frames of one multi-frame file are not split by orientation as files are: say when
    // they are not parallel (a localizer or MPR scout), since no slice spacing then holds.
    let tilt = slices
        .iter()
        .map(|s| {
            let n = cross(s.plane.row_dir, s.plane.col_dir);
            let c = dot(n, normal).abs() / (norm(n) * norm(normal)).max(1e-12);
            c.min(1.0).acos().to_degrees()
        })
        .fold(0.0, f64::max);
    if tilt > 1.0 {
        warnings.push(format!(
            "slices are not parallel (their orientations differ by up to {tilt:.1}°: a localizer or MPR, not a stack): the slice spacing is that along the first slice's normal, and reformatted views are approximate"
        ));
    }
    Some(Series {
        uid: uid.to_string(),
        part: 0,
        modality: first.modality.clone(),
        description: first.series_description.clone(),
        series_number: first.series_number,
        patient_name: first.patient_name.clone(),
        patient_id: first.patient_id.clone(),
        patient_birth_date: first.patient_birth_date.clone(),
        study_instance_uid: first.study_instance_uid.clone(),
        study_date: first.study_date.clone(),
        frame_of_reference_uid: first.frame_of_reference_uid.clone(),
        rows: first.rows,
        columns: first.columns,
        pixel_spacing_mm: [plane0.row_spacing_mm, plane0.col_spacing_mm],
        slice_spacing_mm,
        slice_thickness_mm: first.slice_thickness_mm,
        normal,
        orientation: Orientation::from_normal(normal),
        bits_allocated: first.bits_allocated,
        bits_stored: first.bits_stored,
        signed: first.signed,
        uniform_format,
        photometric: first.photometric.clone(),
        padding: first.padding,
        window: first.window,
        slices,
        warnings,
    })
}

/// The slice spacing (median step) and warnings for duplicates, gaps and non-uniform
/// steps.
fn spacing_and_warnings(steps: &[f64], warnings: &mut Vec<String>) -> Option<f64> {
    if steps.is_empty() {
        return None;
    }
    let dup = steps.iter().filter(|s| s.abs() < 1e-4).count();
    if dup > 0 {
        warnings.push(format!(
            "{dup} slice(s) share a position with another slice (several echoes, phases or repeats in one series?)"
        ));
    }
    let mut nz: Vec<f64> = steps.iter().copied().filter(|s| s.abs() >= 1e-4).collect();
    if nz.is_empty() {
        return None;
    }
    nz.sort_by(f64::total_cmp);
    let median = nz[nz.len() / 2];
    let tol = 0.01 * median + 1e-3;
    let mut gaps = Vec::new();
    let mut irregular = 0;
    for (i, s) in steps.iter().enumerate() {
        if s.abs() < 1e-4 || (s - median).abs() <= tol {
            continue;
        }
        let ratio = s / median;
        if ratio > 1.5 && (ratio - ratio.round()).abs() < 0.1 {
            gaps.push(format!(
                "between slices {i} and {} ({:.0} missing)",
                i + 1,
                ratio.round() - 1.0
            ));
        } else {
            irregular += 1;
        }
    }
    if !gaps.is_empty() {
        warnings.push(format!("missing slices: {}", gaps.join(", ")));
    }
    if irregular > 0 {
        let (lo, hi) = (nz[0], nz[nz.len() - 1]);
        warnings.push(format!(
            "non-uniform slice spacing: steps from {lo:.3} to {hi:.3} mm ({irregular} differ from the median {median:.3} mm)"
        ));
    }
    Some(median)
}
