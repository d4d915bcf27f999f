//! Decoding a compressed single-frame 16-bit image straight into its slice of the volume.
//!
//! The general path ([`crate::dicom::volume`]'s `decode_file`) reads the header twice (the
//! structure walk plus a dicom-rs parse, then the whole file with dicom-rs), lets the
//! decoder fill a buffer of its own, and copies that buffer into the volume. For the
//! common case of a CT or MR series — one greyscale 16-bit frame a file — this path
//! walks the file's structure once ([`crate::dicom::guard::check_file`], so that dicom-rs never
//! sizes an allocation from an unchecked length), reads it once with dicom-rs, checks the
//! attributes the decoding depends on against the series, and decodes the frame into the
//! slice's own memory. Anything it does not handle returns `Ok(false)`, and the caller
//! takes the general path.

use std::path::Path;

use dicom::dictionary_std::{tags, uids};
use dicom::object::{DefaultDicomObject, OpenFileOptions};

use crate::dicom::error::FileError;
use crate::dicom::guard::{check_codestream_dims, check_file, check_rle_fragments};
use crate::dicom::volume::{check_transfer_syntax, transfer_syntax_name};

/// Whether [`decode_into`] handles this transfer syntax (on little-endian targets, where
/// its little-endian output is the volume's i16 layout).
pub fn eligible(ts_uid: &str) -> bool {
    cfg!(target_endian = "little")
        && matches!(
            ts_uid.trim_end_matches(['\0', ' ']),
            uids::RLE_LOSSLESS
                | uids::JPEGLS_LOSSLESS
                | uids::JPEGLS_NEAR_LOSSLESS
                | uids::JPEG2000_LOSSLESS
        )
}

/// Decodes the one frame of `path` (rows × cols, 16 bits allocated, one sample) into
/// `dst` as little-endian stored samples (`rows × cols × 2` bytes); BitsStored masking and
/// sign extension are left to the caller, as for uncompressed data.
///
/// Returns `Ok(false)`, with `dst` untouched, when the file is not such an image or its
/// syntax is not one this path decodes; an error when the file is such an image but
/// cannot be decoded (the message names the file).
pub fn decode_into(
    path: &Path,
    ts_uid: &str,
    rows: u32,
    cols: u32,
    dst: &mut [u8],
) -> Result<bool, FileError> {
    if !eligible(ts_uid) {
        return Ok(false);
    }
    check_transfer_syntax(path, ts_uid)?;
    check_file(path)?;
    let obj = OpenFileOptions::new()
        .open_file(path)
        .map_err(|e| FileError::new(path, format!("cannot read the file: {e}")))?;
    let file_ts = obj.meta().transfer_syntax.trim_end_matches(['\0', ' ']);
    if file_ts != ts_uid.trim_end_matches(['\0', ' ']) {
        return Err(FileError::new(
            path,
            format!(
                "the file is now in transfer syntax {file_ts}, the scan found {ts_uid}: it changed since it was scanned"
            ),
        ));
    }
    if !single_grey_frame(&obj, rows, cols) {
        return Ok(false);
    }
    let Some(fragments) = obj.get(tags::PIXEL_DATA).and_then(|e| e.fragments()) else {
        return Ok(false);
    };
    let cannot = |m: String| {
        FileError::new(
            path,
            format!(
                "cannot decode the pixel data ({} {ts_uid}): {m}",
                transfer_syntax_name(ts_uid)
            ),
        )
    };
    check_codestream_dims(fragments, rows, cols).map_err(cannot)?;
    let samples = rows as usize * cols as usize;
    if dst.len() != samples * 2 {
        return Ok(false);
    }
    match ts_uid.trim_end_matches(['\0', ' ']) {
        uids::RLE_LOSSLESS => {
            // One fragment per frame (PS3.5 G.2); a single frame has exactly one.
            // (dicom-rs takes each fragment as a frame: leave other layouts to it.)
            let [fragment] = fragments else {
                return Ok(false);
            };
            // The guard's count of the runs, so that this path refuses exactly what the
            // general one does (a broken run past the last needed byte, too).
            check_rle_fragments(fragments, rows, cols, 2).map_err(cannot)?;
            crate::dicom::decode::rle::decode_frame_into(fragment, samples, 2, dst)
                .map_err(cannot)?;
        }
        uids::JPEG2000_LOSSLESS => {
            let stream = crate::dicom::decode::codec::single_frame(&obj).map_err(cannot)?;
            let mut decoded = vec![0u16; samples];
            match crate::dicom::decode::j2k::decode_into(&stream, rows, cols, &mut decoded)
                .map_err(cannot)?
            {
                crate::dicom::decode::j2k::Outcome::Decoded => {
                    crate::dicom::decode::codec::copy_le16(dst, &decoded)
                }
                // Colour, deeper or subsampled streams: dicom-rs decodes them.
                crate::dicom::decode::j2k::Outcome::Unsupported(_) => return Ok(false),
            }
        }
        _ => {
            crate::dicom::decode::codec::decode_frame_into(&obj, ts_uid, rows, cols, dst)
                .map_err(cannot)?;
        }
    }
    Ok(true)
}

/// Whether the data set is one frame of `rows × cols` greyscale 16-bit samples.
fn single_grey_frame(obj: &DefaultDicomObject, rows: u32, cols: u32) -> bool {
    let int = |tag| {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_int::<i64>().ok())
    };
    int(tags::ROWS) == Some(i64::from(rows))
        && int(tags::COLUMNS) == Some(i64::from(cols))
        && int(tags::BITS_ALLOCATED) == Some(16)
        && int(tags::SAMPLES_PER_PIXEL).unwrap_or(1) == 1
        && int(tags::NUMBER_OF_FRAMES).unwrap_or(1) == 1
}
