//! Decoding every frame of one file into one buffer, by the decoder the table names.
//!
//! This is the path every file can take: the multi-frame files, the 8- and 32-bit ones,
//! those of a series stored as `f32`, and whatever the slice path leaves. The file is checked again first — its
//! syntax against the table, its header (with the structure walk) against the series,
//! its frames' own headers against Rows and Columns — since it may have changed since
//! the scan and nothing unchecked may reach a decoder; then [`whole_path`] says whether
//! this crate's decoders ([`crate::dicom::decode::codec`]) or dicom-rs's
//! ([`crate::dicom::decode::dicomrs`]) decode it.

use std::path::Path;

use dicom::dictionary_std::tags;
use dicom::object::DefaultDicomObject;

use crate::dicom::decode::codec::Own;
use crate::dicom::decode::fill::{Decoded, Format};
use crate::dicom::decode::precheck::{check_codestream_dims, check_rle_fragments};
use crate::dicom::decode::table::{Whole, whole_path};
use crate::dicom::decode::{codec, dicomrs, panics};
use crate::dicom::error::FileError;
use crate::dicom::guard::{ReadUpTo, check_file, open_checked};
use crate::dicom::header::{FileKind, read_header};
use crate::dicom::syntax::SyntaxUid;

/// Decodes all frames of the file at `path`, of syntax `ts`, whose series says its
/// images are `rows × cols`. Errors name the file.
pub fn decode_file(path: &Path, ts: SyntaxUid, rows: u32, cols: u32) -> Result<Decoded, FileError> {
    panics::in_file(path, || decode(path, ts, rows, cols))
}

/// [`decode_file`], inside its panic context.
fn decode(path: &Path, ts: SyntaxUid, rows: u32, cols: u32) -> Result<Decoded, FileError> {
    let whole = whole_path(ts).map_err(|m| FileError::new(path, m))?;
    // The header again, with the structure walk: the file may have changed since the scan,
    // and nothing unchecked may reach the decoder.
    match read_header(path)? {
        FileKind::Image(h) if h.rows == rows && h.columns == cols => {}
        FileKind::Image(h) => {
            return Err(FileError::new(
                path,
                format!(
                    "the file now says {} × {} (Rows × Columns), the series {rows} × {cols}: it changed since it was scanned",
                    h.rows, h.columns
                ),
            ));
        }
        FileKind::Dicomdir(_) => {
            return Err(FileError::new(path, "a DICOMDIR, not an image"));
        }
    }
    // The header check walked the file; the layout says where dicom-rs must stop.
    let layout = check_file(path)?;
    let obj = open_checked(path, &layout, ReadUpTo::PixelData)?;
    if let Some(fragments) = obj.get(tags::PIXEL_DATA).and_then(|e| e.fragments()) {
        check_codestream_dims(fragments, rows, cols)
            .map_err(|m| FileError::new(path, format!("cannot decode the pixel data: {m}")))?;
    }
    let cannot = |e: String| {
        FileError::new(
            path,
            format!("cannot decode the pixel data ({} {ts}): {e}", ts.name()),
        )
    };
    match whole {
        Whole::Own(own) => return decode_with_codec(path, &obj, ts, own, rows, cols),
        Whole::DicomRsRle => {
            let fragments = obj
                .get(tags::PIXEL_DATA)
                .and_then(|e| e.fragments())
                .unwrap_or(&[]);
            let segments = obj
                .get(tags::BITS_ALLOCATED)
                .and_then(|e| e.to_int::<usize>().ok())
                .map_or(2, |b| b.div_ceil(8));
            check_rle_fragments(fragments, rows, cols, segments)
                .map_err(|m| FileError::new(path, format!("cannot decode the pixel data: {m}")))?;
        }
        Whole::DicomRs => {}
    }
    let (decoded, (got_rows, got_cols)) = dicomrs::decode(&obj).map_err(cannot)?;
    if got_rows != rows || got_cols != cols {
        return Err(FileError::new(
            path,
            format!("decoded image is {got_rows} × {got_cols}, the header says {rows} × {cols}"),
        ));
    }
    let Decoded {
        data,
        format,
        frames,
    } = &decoded;
    let need = (rows as usize)
        .saturating_mul(cols as usize)
        .saturating_mul(format.bytes_per)
        .saturating_mul(*frames as usize);
    if data.len() < need {
        return Err(FileError::new(
            path,
            format!(
                "pixel data holds {} bytes, {need} expected for {frames} frame(s) of {rows} × {cols}: the file is truncated or the header wrong",
                data.len()
            ),
        ));
    }
    Ok(decoded)
}

/// Decodes all frames of one file (of syntax `ts`) with this crate's codec `own`,
/// reading the pixel format from the data set.
fn decode_with_codec(
    path: &Path,
    obj: &DefaultDicomObject,
    ts: SyntaxUid,
    own: Own,
    rows: u32,
    cols: u32,
) -> Result<Decoded, FileError> {
    let int = |tag| {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_int::<i64>().ok())
    };
    let bits_allocated = int(tags::BITS_ALLOCATED)
        .and_then(|b| u16::try_from(b).ok())
        .ok_or_else(|| FileError::new(path, "missing BitsAllocated (0028,0100)"))?;
    let bits_stored = int(tags::BITS_STORED).unwrap_or(i64::from(bits_allocated));
    let frames = match int(tags::NUMBER_OF_FRAMES) {
        None => 1,
        Some(n) => u32::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
            FileError::new(
                path,
                format!("NumberOfFrames (0028,0008) = {n} is not valid"),
            )
        })?,
    };
    let format = Format {
        bytes_per: usize::from(bits_allocated).div_ceil(8).max(1),
        bits_stored: bits_stored.clamp(1, 32) as u32,
        signed: int(tags::PIXEL_REPRESENTATION) == Some(1),
    };
    let data = codec::decode_frames(obj, own, rows, cols, frames, bits_allocated).map_err(|e| {
        FileError::new(
            path,
            format!("cannot decode the pixel data ({} {ts}): {e}", ts.name()),
        )
    })?;
    Ok(Decoded {
        data,
        format,
        frames,
    })
}
