//! What compressed pixel data must pass before a decoder sees it.
//!
//! The structure walk ([`crate::dicom::guard`]) makes sure dicom-rs can read a file; these
//! checks make sure the decoders can be handed its frames. Decoders size their buffers
//! from the frame's own header, so [`check_codestream_dims`] refuses a frame whose JPEG,
//! JPEG-LS or JPEG 2000 header disagrees with Rows and Columns; and dicom-rs 0.10's RLE
//! decoder panics on broken segments, so [`check_rle_fragments`] counts every segment's
//! runs first. Both read the frames with the parsers the decoders use
//! ([`crate::dicom::decode::headers`], [`crate::dicom::decode::rle`]).

use crate::dicom::decode::headers::{frame_header, read_siz, starts_j2k};
use crate::dicom::decode::rle::{packbits_len, rle_segments};

/// Checks RLE Lossless fragments before dicom-rs 0.10 decodes them. Its RLE decoder
/// panics (slice and index out of range) on a fragment shorter than its 64-byte header,
/// on a segment count past the fragment, and on a segment that decodes to fewer than
/// Rows × Columns bytes; and it sizes a buffer from the segment count. Every fragment is
/// decoded as a frame, so every fragment is checked: the header, the offsets of the
/// `segments` segments it must have (samples × bytes per sample), and each segment's
/// PackBits runs, counted (not written) exactly as that decoder reads them.
pub fn check_rle_fragments(
    fragments: &[impl AsRef<[u8]>],
    rows: u32,
    columns: u32,
    segments: usize,
) -> Result<(), String> {
    let need = u64::from(rows) * u64::from(columns);
    for (f, fragment) in fragments.iter().enumerate() {
        let segs = rle_segments(fragment.as_ref(), segments)
            .map_err(|e| format!("RLE fragment {f}: {e}"))?;
        for (s, seg) in segs.into_iter().enumerate() {
            let got = packbits_len(seg);
            if got < need {
                return Err(format!(
                    "RLE fragment {f}: segment {s} decodes to {got} bytes, Rows × Columns = {need}"
                ));
            }
        }
    }
    Ok(())
}

/// Checks that a compressed frame's own header (JPEG and JPEG-LS SOF, JPEG 2000 SIZ)
/// describes the image that the DICOM header does. The decoders size their buffers from
/// their own header: a 1 KB JPEG lossless stream whose SOF says 65000 × 65000 makes
/// jpeg-decoder ask for 8 GB. Fragments that do not start a frame (no SOI or SOC marker)
/// are left alone; a stream this cannot parse is left to the decoder.
pub fn check_codestream_dims(
    fragments: &[impl AsRef<[u8]>],
    rows: u32,
    columns: u32,
) -> Result<(), String> {
    for (f, fragment) in fragments.iter().enumerate() {
        let Some((what, width, height)) = codestream_dims(fragment.as_ref()) else {
            continue;
        };
        if (width, height) != (columns, rows) {
            return Err(format!(
                "fragment {f}: the {what} says {width} × {height} pixels, the header Columns × Rows = {columns} × {rows}"
            ));
        }
    }
    Ok(())
}

/// The (marker name, width, height) a JPEG, JPEG-LS or JPEG 2000 stream starting at the
/// first byte of `b` declares.
fn codestream_dims(b: &[u8]) -> Option<(&'static str, u32, u32)> {
    if starts_j2k(b) {
        let siz = read_siz(b).ok()?;
        return Some(("JPEG 2000 SIZ marker", siz.width, siz.height));
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let sof = frame_header(b, 0)?;
        return Some((sof.marker_name(), u32::from(sof.cols), u32::from(sof.rows)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicom::decode::headers::{siz_header, sof_stream};

    #[test]
    fn frame_sizes_other_than_the_headers_are_refused() {
        let ok = [sof_stream(0xC3, 16, 16, 16, 1), siz_header(16, 16, 1, 0x0F)];
        assert_eq!(check_codestream_dims(&ok, 16, 16), Ok(()));
        let e = check_codestream_dims(&[sof_stream(0xC3, 16, 65000, 65000, 1)], 16, 16);
        assert_eq!(
            e,
            Err("fragment 0: the JPEG SOF marker says 65000 × 65000 pixels, the header Columns × Rows = 16 × 16".to_string())
        );
        let e = check_codestream_dims(&[vec![0, 1], sof_stream(0xF7, 16, 16, 17, 1)], 16, 16);
        assert!(
            e.as_ref()
                .is_err_and(|m| m.starts_with("fragment 1: the JPEG-LS SOF55 marker says 17 × 16")),
            "{e:?}"
        );
        let e = check_codestream_dims(&[siz_header(60000, 16, 1, 0x0F)], 16, 16);
        assert!(
            e.as_ref()
                .is_err_and(|m| m.contains("JPEG 2000 SIZ marker says 60000 × 16")),
            "{e:?}"
        );
        // A continuation fragment (no SOI or SOC at its start) is not judged.
        let mut tail = vec![0u8];
        tail.extend(sof_stream(0xC3, 16, 65000, 65000, 1));
        assert_eq!(check_codestream_dims(&[tail], 16, 16), Ok(()));
    }

    #[test]
    fn rle_segments_must_cover_the_image() {
        // Two segments of 4 bytes each (repeat runs), for a 2 × 2 image.
        let mut f = vec![0u8; 64];
        f[0..4].copy_from_slice(&2u32.to_le_bytes());
        f[4..8].copy_from_slice(&64u32.to_le_bytes());
        f[8..12].copy_from_slice(&66u32.to_le_bytes());
        f.extend_from_slice(&[0xFD, 1, 0xFD, 2]);
        assert_eq!(check_rle_fragments(&[&f], 2, 2, 2), Ok(()));
        assert_eq!(
            check_rle_fragments(&[&f], 3, 2, 2),
            Err("RLE fragment 0: segment 0 decodes to 4 bytes, Rows × Columns = 6".to_string())
        );
        assert!(check_rle_fragments(&[&f[..10]], 2, 2, 2).is_err_and(|m| m.contains("64-byte")));
        assert!(check_rle_fragments(&[&f], 2, 2, 3).is_err_and(|m| m.contains("needs 3")));
    }
}
