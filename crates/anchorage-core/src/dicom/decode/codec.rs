//! This crate's whole-file decoders, for the syntaxes dicom-rs does not decode in this
//! build: JPEG-LS ([`crate::dicom::decode::jpegls`]) and JPEG Extended
//! ([`crate::dicom::decode::jpeg12`]).
//!
//! The decoding table names one of these codecs ([`Own`]) for the syntaxes they take;
//! [`decode_frames`] finds each frame's codestream ([`crate::dicom::decode::frames`]),
//! decodes it with that codec, and lays the samples out as dicom-rs's decoder would, so
//! that the volume fills from either alike.

use dicom::core::Tag;
use dicom::dictionary_std::tags;
use dicom::object::DefaultDicomObject;

use crate::dicom::decode::frames::{encapsulated_frames, single_frame};
use crate::dicom::decode::{jpeg12, jpegls, panics};
use crate::dicom::header::MAX_VOXELS_PER_FILE;

/// The decoders of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Own {
    /// JPEG-LS, lossless or near-lossless ([`crate::dicom::decode::jpegls`]).
    JpegLs,
    /// JPEG Extended, 8- or 12-bit DCT ([`crate::dicom::decode::jpeg12`]).
    JpegExtended,
}

/// Decodes frame `frame_no` (from 1) of `frames` with `codec` and checks it holds
/// rows × cols samples; errors name the frame.
fn decode_frame(
    codec: Own,
    stream: &[u8],
    rows: u32,
    cols: u32,
    frame_no: usize,
    frames: u32,
) -> Result<Vec<u16>, String> {
    let samples = panics::in_frame(frame_no, frames, || match codec {
        Own::JpegLs => jpegls::decode(stream, rows, cols),
        Own::JpegExtended => jpeg12::decode(stream, rows, cols),
    })
    .map_err(|e| format!("frame {frame_no} of {frames}: {e}"))?;
    let want = rows as usize * cols as usize;
    if samples.len() != want {
        return Err(format!(
            "frame {frame_no} of {frames}: decoded {} samples, {want} expected",
            samples.len()
        ));
    }
    Ok(samples)
}

/// Decodes every frame of the encapsulated Pixel Data of `obj` with `codec`.
///
/// Returns `rows × cols × frames` samples, frame after frame in row-major order, each as
/// `bits_allocated / 8` little-endian bytes: the layout of dicom-rs's
/// `DecodedPixelData::data()`. Signed images come back as the stored two's-complement
/// bit patterns; masking to BitsStored and sign extension are left to the caller.
///
/// `rows`, `cols` and `frames` come from the header, which caps their product; nothing
/// larger than that product is allocated. Errors name the frame (counting from 1) and
/// what failed; corrupt or truncated streams give an error, never a panic.
pub fn decode_frames(
    obj: &DefaultDicomObject,
    codec: Own,
    rows: u32,
    cols: u32,
    frames: u32,
    bits_allocated: u16,
) -> Result<Vec<u8>, String> {
    let bytes_per: usize = match bits_allocated {
        8 => 1,
        16 => 2,
        32 => 4,
        other => {
            return Err(format!(
                "BitsAllocated {other}: samples are decoded to 8, 16 or 32 bits only"
            ));
        }
    };
    if rows == 0 || cols == 0 || frames == 0 {
        return Err(format!(
            "{rows} × {cols} × {frames} frame(s) is not an image size"
        ));
    }
    let voxels = u64::from(rows) * u64::from(cols) * u64::from(frames);
    if voxels > MAX_VOXELS_PER_FILE {
        return Err(format!(
            "{rows} × {cols} × {frames} frames is larger than the {MAX_VOXELS_PER_FILE} voxels a file may hold"
        ));
    }
    let samples_per_pixel = int_attr(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if samples_per_pixel != 1 {
        return Err(format!(
            "SamplesPerPixel (0028,0002) = {samples_per_pixel}: only greyscale images are decoded"
        ));
    }
    let streams = encapsulated_frames(obj, frames as usize)?;

    let total = usize::try_from(voxels)
        .ok()
        .and_then(|v| v.checked_mul(bytes_per))
        .ok_or_else(|| format!("{voxels} samples do not fit in memory on this machine"))?;
    let mut out: Vec<u8> = Vec::new();
    out.try_reserve_exact(total)
        .map_err(|e| format!("cannot allocate {total} bytes for the decoded frames: {e}"))?;
    for (i, stream) in streams.iter().enumerate() {
        let frame_no = i + 1;
        let samples = decode_frame(codec, stream, rows, cols, frame_no, frames)?;
        write_samples(&mut out, &samples, bytes_per)
            .map_err(|e| format!("frame {frame_no} of {frames}: {e}"))?;
    }
    Ok(out)
}

/// Decodes the single frame of the encapsulated Pixel Data of `obj` with `codec` into
/// `dst` (`rows × cols` 16-bit samples), with no buffer in between but the decoder's own.
/// As [`decode_frames`], signed samples come back as stored bit patterns, and errors
/// never panic.
pub fn decode_frame_into(
    obj: &DefaultDicomObject,
    codec: Own,
    rows: u32,
    cols: u32,
    dst: &mut [i16],
) -> Result<(), String> {
    let frame_samples = rows as usize * cols as usize;
    if dst.len() != frame_samples {
        return Err(format!(
            "{} bytes for a 16-bit frame of {rows} × {cols}",
            dst.len() * 2
        ));
    }
    let stream = single_frame(obj)?;
    let samples = decode_frame(codec, &stream, rows, cols, 1, 1)?;
    copy_u16(dst, &samples);
    Ok(())
}

/// Copies 16-bit samples into `dst` as their bit patterns (as many as fit).
pub fn copy_u16(dst: &mut [i16], samples: &[u16]) {
    for (d, &s) in dst.iter_mut().zip(samples) {
        *d = s as i16;
    }
}

/// An integer attribute of the data set, if present and readable.
fn int_attr(obj: &DefaultDicomObject, tag: Tag) -> Option<i64> {
    obj.element_opt(tag).ok().flatten()?.to_int::<i64>().ok()
}

/// Appends decoded samples as little-endian values of `bytes_per` bytes.
fn write_samples(out: &mut Vec<u8>, samples: &[u16], bytes_per: usize) -> Result<(), String> {
    match bytes_per {
        1 => {
            for &s in samples {
                let b = u8::try_from(s)
                    .map_err(|_| format!("sample value {s} does not fit BitsAllocated 8"))?;
                out.push(b);
            }
        }
        2 => {
            for &s in samples {
                out.extend_from_slice(&s.to_le_bytes());
            }
        }
        _ => {
            for &s in samples {
                out.extend_from_slice(&u32::from(s).to_le_bytes());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom::core::value::PixelFragmentSequence;
    use dicom::core::{DataElement, DicomValue, PrimitiveValue, VR};
    use dicom::dictionary_std::uids;
    use dicom::object::{FileMetaTableBuilder, InMemDicomObject};

    /// A JPEG-LS stream of the samples, lossless or with the given NEAR.
    fn encode(samples: &[u16], cols: u32, rows: u32, bits: u8, near: u8) -> Vec<u8> {
        let mut opts = ::jpegls::EncodeOptions::default();
        opts.near = near;
        opts.precision = Some(bits);
        let mut out = Vec::new();
        let r = ::jpegls::encode_with_options(samples, cols, rows, &opts, &mut out);
        assert!(r.is_ok(), "test encoder failed: {r:?}");
        out
    }

    /// A data set with the given encapsulated pixel data.
    fn object(
        ts: &str,
        rows: u16,
        cols: u16,
        offsets: Vec<u32>,
        fragments: Vec<Vec<u8>>,
    ) -> DefaultDicomObject {
        let mut o = InMemDicomObject::new_empty();
        o.put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(rows),
        ));
        o.put(DataElement::new(
            tags::COLUMNS,
            VR::US,
            PrimitiveValue::from(cols),
        ));
        o.put(DataElement::new(
            tags::SAMPLES_PER_PIXEL,
            VR::US,
            PrimitiveValue::from(1u16),
        ));
        o.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            DicomValue::from(PixelFragmentSequence::new(offsets, fragments)),
        ));
        let meta = FileMetaTableBuilder::new()
            .transfer_syntax(ts)
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
            .media_storage_sop_instance_uid("1.2.3.4");
        match o.with_meta(meta) {
            Ok(f) => f,
            Err(e) => panic!("test object: {e}"),
        }
    }

    /// Decodes with the JPEG-LS codec; these inputs are good, so no panic may be caught.
    fn clean(
        obj: &DefaultDicomObject,
        rows: u32,
        cols: u32,
        frames: u32,
        bits_allocated: u16,
    ) -> Result<Vec<u8>, String> {
        let (out, caught) = panics::count_caught(|| {
            decode_frames(obj, Own::JpegLs, rows, cols, frames, bits_allocated)
        });
        assert_eq!(caught, 0, "a decoder panicked on a good stream");
        out
    }

    fn le16(v: &[u16]) -> Vec<u8> {
        v.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    fn ramp(n: usize, modulo: u32, mul: u32) -> Vec<u16> {
        (0..n as u32)
            .map(|i| ((i * mul + i / 7) % modulo) as u16)
            .collect()
    }

    #[test]
    fn lossless_16_bit_one_frame() {
        let px = ramp(13 * 9, 4096, 37);
        let obj = object(
            uids::JPEGLS_LOSSLESS,
            9,
            13,
            vec![],
            vec![encode(&px, 13, 9, 12, 0)],
        );
        let out = clean(&obj, 9, 13, 1, 16);
        assert_eq!(out, Ok(le16(&px)));
    }

    #[test]
    fn lossless_8_bit_and_32_bit_output() {
        let px = ramp(10 * 6, 256, 11);
        let obj = object(
            uids::JPEGLS_LOSSLESS,
            6,
            10,
            vec![],
            vec![encode(&px, 10, 6, 8, 0)],
        );
        let bytes: Vec<u8> = px.iter().map(|&v| v as u8).collect();
        assert_eq!(clean(&obj, 6, 10, 1, 8), Ok(bytes));
        let wide: Vec<u8> = px
            .iter()
            .flat_map(|&v| u32::from(v).to_le_bytes())
            .collect();
        assert_eq!(clean(&obj, 6, 10, 1, 32), Ok(wide));
    }

    #[test]
    fn sixteen_bit_samples_do_not_fit_eight_bits() {
        let px = vec![300u16; 16];
        let obj = object(
            uids::JPEGLS_LOSSLESS,
            4,
            4,
            vec![],
            vec![encode(&px, 4, 4, 16, 0)],
        );
        let e = clean(&obj, 4, 4, 1, 8);
        assert!(
            matches!(e, Err(ref m) if m.contains("frame 1 of 1") && m.contains("300")),
            "{e:?}"
        );
    }

    #[test]
    fn signed_samples_come_back_as_stored_bit_patterns() {
        let values: [i16; 8] = [-1024, -1, 0, 1, 3071, -2000, 15, -32768];
        let px: Vec<u16> = values.iter().cycle().take(64).map(|&v| v as u16).collect();
        let obj = object(
            uids::JPEGLS_LOSSLESS,
            8,
            8,
            vec![],
            vec![encode(&px, 8, 8, 16, 0)],
        );
        let out = clean(&obj, 8, 8, 1, 16);
        assert_eq!(out, Ok(le16(&px)));
    }

    #[test]
    fn near_lossless_stays_within_near() {
        let px = ramp(20 * 20, 1000, 13);
        let stream = encode(&px, 20, 20, 10, 3);
        let obj = object(uids::JPEGLS_NEAR_LOSSLESS, 20, 20, vec![], vec![stream]);
        let out = clean(&obj, 20, 20, 1, 16);
        let Ok(out) = out else { panic!("{out:?}") };
        for (i, (c, &want)) in out.chunks_exact(2).zip(&px).enumerate() {
            let got = u16::from_le_bytes([c[0], c[1]]);
            assert!(got.abs_diff(want) <= 3, "sample {i}: {got} vs {want}");
        }
    }

    /// Three frames, each split over fragments in the ways encoders do.
    fn three_frames() -> (Vec<u16>, Vec<Vec<u8>>) {
        let mut all = Vec::new();
        let mut streams = Vec::new();
        for f in 0..3u32 {
            let px: Vec<u16> = ramp(16 * 12, 4096, 29 + f);
            streams.push(encode(&px, 16, 12, 12, 0));
            all.extend(px);
        }
        (all, streams)
    }

    #[test]
    fn frames_from_offset_table_with_split_fragments() {
        let (px, streams) = three_frames();
        let mut fragments = Vec::new();
        let mut offsets = Vec::new();
        let mut pos = 0u32;
        for s in &streams {
            offsets.push(pos);
            let (a, b) = s.split_at(s.len() / 2);
            for part in [a, b] {
                fragments.push(part.to_vec());
                pos += 8 + part.len() as u32;
            }
        }
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, offsets, fragments);
        assert_eq!(clean(&obj, 12, 16, 3, 16), Ok(le16(&px)));
    }

    #[test]
    fn frames_from_one_fragment_each() {
        let (px, streams) = three_frames();
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![], streams);
        assert_eq!(clean(&obj, 12, 16, 3, 16), Ok(le16(&px)));
    }

    #[test]
    fn frames_from_markers_without_offset_table() {
        let (px, streams) = three_frames();
        // Frame 1 in one fragment, frames 2 and 3 in two each: 5 fragments, 3 frames.
        let mut fragments = Vec::new();
        for (i, mut s) in streams.into_iter().enumerate() {
            if s.len() % 2 == 1 {
                s.push(0); // fragments have even length
            }
            if i == 0 {
                fragments.push(s);
            } else {
                let (a, b) = s.split_at(s.len() / 3);
                fragments.push(a.to_vec());
                fragments.push(b.to_vec());
            }
        }
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![], fragments);
        assert_eq!(clean(&obj, 12, 16, 3, 16), Ok(le16(&px)));
    }

    #[test]
    fn wrong_offset_table_falls_back() {
        let (px, streams) = three_frames();
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![0, 5, 9], streams);
        assert_eq!(clean(&obj, 12, 16, 3, 16), Ok(le16(&px)));
    }

    #[test]
    fn too_few_streams_is_an_error() {
        let (_, streams) = three_frames();
        let joined: Vec<u8> = streams[..2].concat();
        let obj = object(
            uids::JPEGLS_LOSSLESS,
            12,
            16,
            vec![],
            vec![joined, vec![0, 0]],
        );
        let e = clean(&obj, 12, 16, 3, 16);
        assert!(
            matches!(e, Err(ref m) if m.contains("cannot find the frames")),
            "{e:?}"
        );
    }

    #[test]
    fn fill_bytes_before_eoi_are_accepted() {
        let px = ramp(16 * 12, 4096, 31);
        let mut s = encode(&px, 16, 12, 12, 0);
        assert_eq!(s.get(s.len() - 2..), Some(&[0xFF, 0xD9][..]));
        s.insert(s.len() - 2, 0xFF);
        s.push(0);
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![], vec![s]);
        assert_eq!(clean(&obj, 12, 16, 1, 16), Ok(le16(&px)));
    }

    #[test]
    fn size_mismatch_names_the_frame() {
        let (_, streams) = three_frames();
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![], streams);
        let e = clean(&obj, 13, 16, 3, 16);
        assert!(
            matches!(e, Err(ref m) if m.starts_with("frame 1 of 3")),
            "{e:?}"
        );
    }

    #[test]
    fn corrupt_streams_give_errors_not_panics() {
        let px = ramp(32 * 32, 65536, 977);
        let good = encode(&px, 32, 32, 16, 0);
        // Every truncation length.
        for n in 0..good.len() {
            let obj = object(
                uids::JPEGLS_LOSSLESS,
                32,
                32,
                vec![],
                vec![good[..n].to_vec()],
            );
            let r = decode_frames(&obj, Own::JpegLs, 32, 32, 1, 16);
            assert!(r.is_err(), "truncated to {n} bytes decoded");
        }
        // Bit flips all over the stream (a flip may still decode, to other values).
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            crate::test_util::xorshift(&mut state);
            let mut bad = good.clone();
            let at = (state % bad.len() as u64) as usize;
            bad[at] ^= 1 << ((state >> 32) % 8);
            let obj = object(uids::JPEGLS_LOSSLESS, 32, 32, vec![], vec![bad]);
            if let Ok(out) = decode_frames(&obj, Own::JpegLs, 32, 32, 1, 16) {
                assert_eq!(out.len(), 32 * 32 * 2);
            }
        }
    }

    #[test]
    fn not_encapsulated_or_empty_is_an_error() {
        let obj = object(uids::JPEGLS_LOSSLESS, 4, 4, vec![], vec![]);
        let e = clean(&obj, 4, 4, 1, 16);
        assert!(
            matches!(e, Err(ref m) if m.contains("no fragments")),
            "{e:?}"
        );
    }
}
