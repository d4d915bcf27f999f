//! Series discovery: find every DICOM image under a path (a file, a folder searched
//! recursively, or a DICOMDIR), group the images into series, split series whose images
//! differ in size, spacing or orientation, collapse duplicate SOPInstanceUIDs, sort the
//! slices along the slice normal and derive the slice spacing, with warnings for what a
//! reader must know. Every file that could not be used is listed with the reason.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::dicom::error::{FileError, LoadError};
use crate::dicom::guard::sniff;
use crate::dicom::header::{FileKind, read_header};

mod group;
mod types;
use group::build_series;
pub use types::*;

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
