//! The fast path for uncompressed little-endian images: read the pixel bytes straight
//! from the end of the file into the volume's memory, with no parse and no copy.
//!
//! Pixel Data is almost always the last element of an uncompressed file. The path checks
//! that the element header right before the last `expected` bytes really is Pixel Data
//! (7FE0,0010) with exactly that length (explicit VR OW/OB or implicit VR); anything else
//! — trailing elements, padding, another layout — returns `false` and the caller decodes
//! the file with dicom-rs instead.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Explicit VR Little Endian.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
/// Implicit VR Little Endian.
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";

const PIXEL_DATA_TAG: [u8; 4] = [0xE0, 0x7F, 0x10, 0x00];

/// Whether this transfer syntax can take the fast path.
pub fn eligible(ts_uid: &str) -> bool {
    cfg!(target_endian = "little") && (ts_uid == EXPLICIT_LE || ts_uid == IMPLICIT_LE)
}

/// Reads the last `dst.len()` bytes of `path` into `dst` when they are exactly the value
/// of the Pixel Data element. Returns `Ok(false)` when the layout does not match.
pub fn read_tail_pixels(path: &Path, dst: &mut [u8]) -> std::io::Result<bool> {
    let expected = dst.len() as u64;
    if expected == 0 || expected > u32::MAX as u64 {
        return Ok(false);
    }
    let f = File::open(path)?;
    let len = f.metadata()?.len();
    if len < expected + 12 {
        return Ok(false);
    }
    let start = len - expected;
    let mut hdr = [0u8; 12];
    f.read_exact_at(&mut hdr, start - 12)?;
    let explicit = hdr[0..4] == PIXEL_DATA_TAG
        && (&hdr[4..6] == b"OW" || &hdr[4..6] == b"OB")
        && hdr[6..8] == [0, 0]
        && u32::from_le_bytes([hdr[8], hdr[9], hdr[10], hdr[11]]) as u64 == expected;
    let implicit = hdr[4..8] == PIXEL_DATA_TAG
        && u32::from_le_bytes([hdr[8], hdr[9], hdr[10], hdr[11]]) as u64 == expected;
    if !(explicit || implicit) {
        return Ok(false);
    }
    f.read_exact_at(dst, start)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_pixel_data_at_the_end_and_refuses_other_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.dcm");
        let mut bytes = vec![7u8; 200];
        bytes.extend_from_slice(&PIXEL_DATA_TAG);
        bytes.extend_from_slice(b"OW\0\0");
        bytes.extend_from_slice(&8u32.to_le_bytes());
        bytes.extend_from_slice(&[1, 0, 2, 0, 3, 0, 4, 0]);
        std::fs::write(&p, &bytes).unwrap();
        let mut dst = [0u8; 8];
        assert!(read_tail_pixels(&p, &mut dst).unwrap());
        assert_eq!(dst, [1, 0, 2, 0, 3, 0, 4, 0]);
        // Wrong expected length: refused.
        let mut dst = [0u8; 6];
        assert!(!read_tail_pixels(&p, &mut dst).unwrap());
        // A trailing element: refused.
        bytes.extend_from_slice(&[0xFC, 0xFF, 0xFC, 0xFF, b'O', b'B', 0, 0, 0, 0, 0, 0]);
        std::fs::write(&p, &bytes).unwrap();
        let mut dst = [0u8; 8];
        assert!(!read_tail_pixels(&p, &mut dst).unwrap());
    }
}
