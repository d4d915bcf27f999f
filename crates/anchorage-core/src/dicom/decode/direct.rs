//! Decoding a single-frame 16-bit image straight into its slice of the volume.
//!
//! The whole-file path ([`crate::dicom::decode::file`]) reads the header twice (the
//! structure walk plus a dicom-rs parse, then the whole file with dicom-rs), lets the
//! decoder fill a buffer of its own, and copies that buffer into the volume. For the
//! common case of a CT or MR series — one greyscale 16-bit frame a file — this path does
//! less. Uncompressed files are read from their tail ([`crate::dicom::decode::raw`]).
//! Compressed ones are walked once ([`crate::dicom::guard::check_file`], so that dicom-rs
//! never sizes an allocation from an unchecked length) and read once with dicom-rs; the
//! table ([`crate::dicom::decode::table::slice_path`]) is asked again with the shape the
//! file itself declares, and the frame is decoded into the slice's own memory. Anything
//! this path does not handle returns `Ok(false)`, and the caller takes the whole-file
//! path.

use std::path::Path;

use dicom::dictionary_std::tags;
use dicom::object::DefaultDicomObject;

use crate::dicom::decode::codec::Own;
use crate::dicom::decode::codec::{copy_u16, decode_frame_into};
use crate::dicom::decode::fill::Normalize;
use crate::dicom::decode::frames::single_frame;
use crate::dicom::decode::outcome::Outcome;
use crate::dicom::decode::precheck::{check_codestream_dims, check_rle_fragments};
use crate::dicom::decode::table::{Shape, Slice, slice_path, whole_path};
use crate::dicom::decode::{j2k, panics, raw, rle};
use crate::dicom::error::FileError;
use crate::dicom::guard::{ReadUpTo, check_file, open_checked};
use crate::dicom::syntax::SyntaxUid;

/// Decodes the one frame of `path` (rows × cols, 16 bits allocated, one sample) in
/// syntax `ts` with the slice decoder `how` (which the table gave for `ts`) into `dst`
/// (`rows × cols` values), the stored samples turned into raw values by `normalize`.
///
/// Returns `Ok(false)`, with `dst` unusable, when the file is not such an image or not
/// one this path decodes; an error when the file is such an image but cannot be decoded
/// (the message names the file).
pub fn decode_slice(
    path: &Path,
    ts: SyntaxUid,
    how: Slice,
    rows: u32,
    cols: u32,
    normalize: Normalize,
    dst: &mut [i16],
) -> Result<bool, FileError> {
    if how == Slice::TailRead {
        return raw::read_tail_samples(path, dst, normalize)
            .map_err(|e| FileError::new(path, format!("cannot read: {e}")));
    }
    let decoded = panics::in_file(path, || decode_compressed(path, ts, how, rows, cols, dst))?;
    if decoded {
        normalize.apply(dst);
    }
    Ok(decoded)
}

/// [`decode_slice`] for the compressed syntaxes.
fn decode_compressed(
    path: &Path,
    ts: SyntaxUid,
    how: Slice,
    rows: u32,
    cols: u32,
    dst: &mut [i16],
) -> Result<bool, FileError> {
    whole_path(ts).map_err(|m| FileError::new(path, m))?;
    let layout = check_file(path)?;
    let obj = open_checked(path, &layout, ReadUpTo::PixelData)?;
    let file_ts = SyntaxUid::new(&obj.meta().transfer_syntax);
    if file_ts != ts {
        return Err(FileError::new(
            path,
            format!(
                "the file is now in transfer syntax {file_ts}, the scan found {ts}: it changed since it was scanned"
            ),
        ));
    }
    if !(same_size(&obj, rows, cols) && slice_path(ts, shape(&obj)) == Some(how)) {
        return Ok(false);
    }
    let Some(fragments) = obj.get(tags::PIXEL_DATA).and_then(|e| e.fragments()) else {
        return Ok(false);
    };
    let cannot = |m: String| {
        FileError::new(
            path,
            format!("cannot decode the pixel data ({} {ts}): {m}", ts.name()),
        )
    };
    check_codestream_dims(fragments, rows, cols).map_err(cannot)?;
    if dst.len() != rows as usize * cols as usize {
        return Ok(false);
    }
    match how {
        Slice::Rle => {
            // One fragment per frame (PS3.5 G.2); a single frame has exactly one.
            // (dicom-rs takes each fragment as a frame: leave other layouts to it.)
            let [fragment] = fragments else {
                return Ok(false);
            };
            // The pre-check's count of the runs, so that this path refuses exactly what
            // the whole-file one does (a broken run past the last needed byte, too).
            check_rle_fragments(fragments, rows, cols, 2).map_err(cannot)?;
            rle::decode_frame_into_samples(fragment, dst).map_err(cannot)?;
        }
        Slice::J2k => {
            let stream = single_frame(&obj).map_err(cannot)?;
            let mut decoded = vec![0u16; dst.len()];
            match j2k::decode_into(&stream, rows, cols, &mut decoded).map_err(cannot)? {
                Outcome::Decoded => copy_u16(dst, &decoded),
                // Colour, deeper or subsampled streams: dicom-rs decodes them.
                Outcome::Unsupported(_) => return Ok(false),
            }
        }
        Slice::JpegLs => {
            decode_frame_into(&obj, Own::JpegLs, rows, cols, dst).map_err(cannot)?;
        }
        Slice::TailRead => return Ok(false),
    }
    Ok(true)
}

/// An integer attribute of the data set, if present and readable.
fn int(obj: &DefaultDicomObject, tag: dicom::core::Tag) -> Option<i64> {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_int::<i64>().ok())
}

/// Whether the data set says `rows × cols`.
fn same_size(obj: &DefaultDicomObject, rows: u32, cols: u32) -> bool {
    int(obj, tags::ROWS) == Some(i64::from(rows))
        && int(obj, tags::COLUMNS) == Some(i64::from(cols))
}

/// The shape the data set declares (absent NumberOfFrames and SamplesPerPixel are 1;
/// absent or unreadable BitsAllocated, 0).
fn shape(obj: &DefaultDicomObject) -> Shape {
    let small = |v: Option<i64>, absent: i64| v.unwrap_or(absent).clamp(0, i64::from(u16::MAX));
    Shape {
        frames: int(obj, tags::NUMBER_OF_FRAMES)
            .unwrap_or(1)
            .clamp(0, i64::from(u32::MAX)) as u32,
        bits_allocated: small(int(obj, tags::BITS_ALLOCATED), 0) as u16,
        samples_per_pixel: small(int(obj, tags::SAMPLES_PER_PIXEL), 1) as u16,
    }
}
