//! The fast path for uncompressed little-endian images: read the pixel bytes straight
//! from the end of the file into the volume's memory, with no parse.
//!
//! Pixel Data is almost always the last element of an uncompressed file. The path checks
//! that the element header right before the last `expected` bytes really is Pixel Data
//! (7FE0,0010) with exactly that length (explicit VR OW/OB or implicit VR); anything else
//! — trailing elements, padding, another layout — returns `false` and the caller decodes
//! the file with dicom-rs instead. The decoding table sends the Implicit and Explicit VR
//! Little Endian syntaxes here.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::dicom::decode::fill::Normalize;
use crate::dicom::memory::bytes_of_mut;

const PIXEL_DATA_TAG: [u8; 4] = [0xE0, 0x7F, 0x10, 0x00];

/// Reads the last `2 × dst.len()` bytes of `path` into `dst`, as little-endian 16-bit
/// samples turned into raw values by `normalize`, when they are exactly the value of the
/// Pixel Data element. Returns `Ok(false)`, with `dst` untouched, when the layout does
/// not match.
pub fn read_tail_samples(
    path: &Path,
    dst: &mut [i16],
    normalize: Normalize,
) -> std::io::Result<bool> {
    let expected = dst.len() as u64 * 2;
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
    // Straight into the volume's memory, no copy (see `bytes_of_mut` for the figures).
    f.read_exact_at(bytes_of_mut(dst), start)?;
    // The file's byte order to the machine's: nothing to do (and no code) on little-endian.
    for v in dst.iter_mut() {
        *v = i16::from_le(*v);
    }
    normalize.apply(dst);
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
        let mut dst = [0i16; 4];
        assert!(read_tail_samples(&p, &mut dst, Normalize::NONE).unwrap());
        assert_eq!(dst, [1, 2, 3, 4]);
        // Wrong expected length: refused.
        let mut dst = [0i16; 3];
        assert!(!read_tail_samples(&p, &mut dst, Normalize::NONE).unwrap());
        // A trailing element: refused.
        bytes.extend_from_slice(&[0xFC, 0xFF, 0xFC, 0xFF, b'O', b'B', 0, 0, 0, 0, 0, 0]);
        std::fs::write(&p, &bytes).unwrap();
        let mut dst = [0i16; 4];
        assert!(!read_tail_samples(&p, &mut dst, Normalize::NONE).unwrap());
    }

    #[test]
    fn frames_larger_than_a_chunk_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.dcm");
        let samples: Vec<i16> = (0..100_000)
            .map(|i| (i * 7919 % 65536) as u16 as i16)
            .collect();
        let mut bytes = vec![0u8; 132];
        bytes.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
        bytes.extend_from_slice(&(samples.len() as u32 * 2).to_le_bytes());
        bytes.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
        std::fs::write(&p, &bytes).unwrap();
        let mut dst = vec![0i16; samples.len()];
        assert!(read_tail_samples(&p, &mut dst, Normalize::NONE).unwrap());
        assert_eq!(dst, samples);
        // Normalised as they are read: 12 bits stored, unsigned.
        let twelve = Normalize {
            bits_stored: 12,
            signed: false,
            shift: 0,
        };
        assert!(read_tail_samples(&p, &mut dst, twelve).unwrap());
        let masked: Vec<i16> = samples.iter().map(|&s| s & 0x0FFF).collect();
        assert_eq!(dst, masked);
    }
}
