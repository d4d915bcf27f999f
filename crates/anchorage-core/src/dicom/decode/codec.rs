//! Pixel-data decoders that dicom-rs does not bring in this build.
//!
//! - JPEG-LS lossless (`1.2.840.10008.1.2.4.80`) and near-lossless (`…4.81`): dicom-rs
//!   decodes them only through its `charls` feature, which compiles the C++ CharLS
//!   library, and this build must compile without a C++ tool chain. They are decoded with
//!   the pure-Rust `pure_jpegls` crate (library `jpegls`): precision 2–16 bits, one
//!   component, no restart markers.
//! - JPEG Extended (process 2 & 4, `…4.51`): dicom-rs's jpeg-decoder refuses 12-bit
//!   samples ("unsupported JPEG feature: SamplePrecision(12)"). 12-bit frames are decoded
//!   with the pure-Rust `libjpeg-turbo-rs` crate (built without its SIMD kernels, under
//!   decode limits taken from Rows and Columns); other precisions still go to
//!   jpeg-decoder, as before.
//!
//! [`crate::dicom::volume`] calls [`decode_frames`] instead of dicom-rs's decoder for every
//! syntax [`handles`] accepts. The README's "Transfer syntaxes" section says why these
//! crates were chosen.
//!
//! The encapsulated Pixel Data is an offset table plus fragments, and one frame may span
//! several fragments. Frames are found, in this order of trust, from the Basic Offset
//! Table (when it has one entry per frame and every entry points at a fragment), from one
//! fragment per frame (when the counts agree), or by walking the JPEG marker structure of
//! the concatenated fragments and cutting after each frame's EOI.

use std::borrow::Cow;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use dicom::core::Tag;
use dicom::dictionary_std::{tags, uids};
use dicom::object::DefaultDicomObject;

use crate::dicom::header::MAX_VOXELS_PER_FILE;

/// The result of trying a focused decoder ([`crate::dicom::decode::jls`], [`crate::dicom::decode::j2k`]) on a stream.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Decoded: `rows × cols` samples, row-major.
    Decoded,
    /// A valid stream that decoder leaves to the general one; `why` says which feature.
    Unsupported(&'static str),
}

/// The decoders of this module.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Codec {
    /// JPEG-LS, lossless or near-lossless.
    JpegLs,
    /// JPEG Extended (process 2 & 4): 8- or 12-bit DCT.
    JpegExtended,
}

impl Codec {
    fn of(ts_uid: &str) -> Option<Codec> {
        match ts_uid.trim_end_matches(['\0', ' ']) {
            uids::JPEGLS_LOSSLESS | uids::JPEGLS_NEAR_LOSSLESS => Some(Codec::JpegLs),
            uids::JPEG_EXTENDED12_BIT => Some(Codec::JpegExtended),
            _ => None,
        }
    }

    fn decode(self, stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
        match self {
            Codec::JpegLs => decode_jpegls(stream, rows, cols),
            Codec::JpegExtended => decode_jpeg_extended(stream, rows, cols),
        }
    }

    /// Decodes frame `frame_no` (from 1) of `frames` and checks it holds rows × cols
    /// samples; errors name the frame.
    fn decode_frame(
        self,
        stream: &[u8],
        rows: u32,
        cols: u32,
        frame_no: usize,
        frames: impl std::fmt::Display,
    ) -> Result<Vec<u16>, String> {
        let samples = self
            .decode(stream, rows, cols)
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
}

/// Whether [`decode_frames`] decodes pixel data in this transfer syntax (trailing NUL or
/// space padding of the UID is ignored).
pub fn handles(ts_uid: &str) -> bool {
    Codec::of(ts_uid).is_some()
}

/// Decodes every frame of the encapsulated Pixel Data of `obj`.
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
    ts_uid: &str,
    rows: u32,
    cols: u32,
    frames: u32,
    bits_allocated: u16,
) -> Result<Vec<u8>, String> {
    let Some(codec) = Codec::of(ts_uid) else {
        return Err(format!(
            "transfer syntax {ts_uid} is not one this decoder handles"
        ));
    };
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
        let samples = codec.decode_frame(stream, rows, cols, frame_no, frames)?;
        write_samples(&mut out, &samples, bytes_per)
            .map_err(|e| format!("frame {frame_no} of {frames}: {e}"))?;
    }
    Ok(out)
}

/// The codestream of each of the `frames` frames of the encapsulated Pixel Data of `obj`.
fn encapsulated_frames(
    obj: &DefaultDicomObject,
    frames: usize,
) -> Result<Vec<std::borrow::Cow<'_, [u8]>>, String> {
    let pixel = obj
        .element_opt(tags::PIXEL_DATA)
        .ok()
        .flatten()
        .ok_or_else(|| "no Pixel Data (7FE0,0010)".to_string())?;
    let Some(fragments) = pixel.value().fragments() else {
        return Err(
            "Pixel Data (7FE0,0010) is not encapsulated, as a compressed transfer syntax requires"
                .to_string(),
        );
    };
    let offsets = pixel.value().offset_table().unwrap_or(&[]);
    frame_streams(fragments, offsets, frames)
}

/// Decodes the single frame of the encapsulated Pixel Data of `obj` into `dst` as
/// little-endian 16-bit samples (`rows × cols × 2` bytes), with no buffer in between but
/// the decoder's own. As [`decode_frames`], signed samples come back as stored bit
/// patterns, and errors never panic.
pub fn decode_frame_into(
    obj: &DefaultDicomObject,
    ts_uid: &str,
    rows: u32,
    cols: u32,
    dst: &mut [u8],
) -> Result<(), String> {
    let Some(codec) = Codec::of(ts_uid) else {
        return Err(format!(
            "transfer syntax {ts_uid} is not one this decoder handles"
        ));
    };
    let frame_samples = rows as usize * cols as usize;
    if dst.len() != frame_samples * 2 {
        return Err(format!(
            "{} bytes for a 16-bit frame of {rows} × {cols}",
            dst.len()
        ));
    }
    let stream = single_frame(obj)?;
    let samples = codec.decode_frame(&stream, rows, cols, 1, 1)?;
    copy_le16(dst, &samples);
    Ok(())
}

/// The codestream of the one frame of the encapsulated Pixel Data of `obj`.
pub(crate) fn single_frame(obj: &DefaultDicomObject) -> Result<Cow<'_, [u8]>, String> {
    encapsulated_frames(obj, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| "Pixel Data (7FE0,0010) holds no frame".to_string())
}

/// Writes 16-bit samples into `dst` as little-endian bytes (as many as fit).
pub(crate) fn copy_le16(dst: &mut [u8], samples: &[u16]) {
    for (d, s) in dst.chunks_exact_mut(2).zip(samples) {
        d.copy_from_slice(&s.to_le_bytes());
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

/// Decodes one JPEG-LS stream of `rows × cols` samples.
///
/// The focused lossless decoder [`crate::dicom::decode::jls`] goes first; what it leaves (near-lossless,
/// restart markers, …) or refuses goes to `pure_jpegls`, whose answer then stands.
fn decode_jpegls(stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
    let stream = without_fill_before_eoi(stream);
    let mut fast = vec![0u16; rows as usize * cols as usize];
    let tried = catch_unwind(AssertUnwindSafe(|| {
        crate::dicom::decode::jls::decode_into(&stream, rows, cols, &mut fast)
    }));
    if let Ok(Ok(crate::dicom::decode::jls::Outcome::Decoded)) = tried {
        return Ok(fast);
    }
    drop(fast);
    // The decoder is third-party code fed with file data: a panic in it must become an
    // error for this file, not take the whole load (or the window) down.
    let result = catch_unwind(AssertUnwindSafe(|| jpegls::decode(&stream, cols, rows)));
    match result {
        Ok(Ok((samples, w, h))) if w == cols && h == rows => Ok(samples),
        Ok(Ok((_, w, h))) => Err(format!(
            "JPEG-LS stream is {w} × {h}, the header says {cols} × {rows} (columns × rows)"
        )),
        Ok(Err(e)) => Err(format!("JPEG-LS decoding failed: {e}")),
        Err(_) => Err("JPEG-LS decoding failed: the decoder stopped on corrupt data".to_string()),
    }
}

/// Decodes one JPEG Extended stream of `rows × cols` greyscale samples.
///
/// The frame header is read first, so that no decoder sizes anything from a header that
/// disagrees with Rows and Columns (which the DICOM header reader has capped).
fn decode_jpeg_extended(stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
    let sof = frame_header(stream).ok_or("no JPEG frame header (SOF marker) found")?;
    if sof.components != 1 {
        return Err(format!(
            "the JPEG frame has {} components; only greyscale is decoded",
            sof.components
        ));
    }
    if u32::from(sof.rows) != rows || u32::from(sof.cols) != cols {
        return Err(format!(
            "JPEG frame is {} × {}, the header says {cols} × {rows} (columns × rows)",
            sof.cols, sof.rows
        ));
    }
    if sof.marker == 0xC1 && sof.precision == 12 {
        decode_jpeg12(stream, rows, cols)
    } else {
        decode_with_jpeg_decoder(stream, rows, cols)
    }
}

/// Decodes a 12-bit extended sequential (SOF1) stream with `libjpeg-turbo-rs`.
fn decode_jpeg12(stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
    let limits = libjpeg_turbo_rs::DecodeLimits {
        max_width: cols as usize,
        max_height: rows as usize,
        max_pixels: u64::from(rows) * u64::from(cols),
        // One scan for greyscale sequential; a little room for odd but valid streams.
        max_scans: 16,
        // Its planes (padded to 8×8 blocks) and output take about 6 bytes a pixel.
        max_memory: Some(16 * (u64::from(rows) + 16) * (u64::from(cols) + 16)),
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        libjpeg_turbo_rs::decompress_12bit_with_limits(stream, &limits)
    }));
    let image = match result {
        Ok(Ok(image)) => image,
        Ok(Err(e)) => return Err(format!("12-bit JPEG decoding failed: {e}")),
        Err(_) => {
            return Err(
                "12-bit JPEG decoding failed: the decoder stopped on corrupt data".to_string(),
            );
        }
    };
    if image.width != cols as usize || image.height != rows as usize || image.num_components != 1 {
        return Err(format!(
            "12-bit JPEG decoded to {} × {} × {} components, {cols} × {rows} × 1 expected",
            image.width, image.height, image.num_components
        ));
    }
    image
        .data
        .iter()
        .map(|&v| {
            u16::try_from(v)
                .ok()
                .filter(|&v| v < 4096)
                .ok_or_else(|| format!("12-bit JPEG decoder gave sample value {v}"))
        })
        .collect()
}

/// Decodes an 8-bit (or lossless) stream with jpeg-decoder, as dicom-rs does.
fn decode_with_jpeg_decoder(stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut decoder = jpeg_decoder::Decoder::new(stream);
        decoder.read_info()?;
        let info = decoder.info();
        let pixels = decoder.decode()?;
        Ok::<_, jpeg_decoder::Error>((info, pixels))
    }));
    let (info, pixels) = match result {
        Ok(Ok((Some(info), pixels))) => (info, pixels),
        Ok(Ok((None, _))) => return Err("JPEG decoding failed: no frame header".to_string()),
        Ok(Err(e)) => return Err(format!("JPEG decoding failed: {e}")),
        Err(_) => {
            return Err("JPEG decoding failed: the decoder stopped on corrupt data".to_string());
        }
    };
    if u32::from(info.width) != cols || u32::from(info.height) != rows {
        return Err(format!(
            "JPEG decoded to {} × {}, the header says {cols} × {rows} (columns × rows)",
            info.width, info.height
        ));
    }
    match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => Ok(pixels.iter().map(|&b| u16::from(b)).collect()),
        jpeg_decoder::PixelFormat::L16 => Ok(pixels
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect()),
        other => Err(format!(
            "JPEG decoded to {other:?}; only greyscale is decoded"
        )),
    }
}

/// The facts of a JPEG frame header (SOFn) that decoding depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FrameHeader {
    /// The SOF marker code (0xC0 baseline, 0xC1 extended sequential, …).
    marker: u8,
    /// Sample precision, bits.
    precision: u8,
    /// Number of lines.
    rows: u16,
    /// Samples per line.
    cols: u16,
    /// Components in the frame.
    components: u8,
}

/// The frame header of the first JPEG stream in `data`, found by walking its marker
/// segments from SOI; `None` when there is none before the first scan.
fn frame_header(data: &[u8]) -> Option<FrameHeader> {
    let mut i = find_soi(data, 0)? + 2;
    loop {
        if *data.get(i)? != 0xFF {
            return None;
        }
        while *data.get(i + 1)? == 0xFF {
            i += 1;
        }
        let code = *data.get(i + 1)?;
        i += 2;
        match code {
            0xD8 | 0xD9 | 0xDA | 0x00 => return None,
            0x01 | 0xD0..=0xD7 => {}
            _ => {
                let seg = data.get(i..i + 2)?;
                let len = usize::from(u16::from_be_bytes([seg[0], seg[1]]));
                let is_sof = matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC);
                if is_sof {
                    let h = data.get(i + 2..i + 8)?;
                    return Some(FrameHeader {
                        marker: code,
                        precision: h[0],
                        rows: u16::from_be_bytes([h[1], h[2]]),
                        cols: u16::from_be_bytes([h[3], h[4]]),
                        components: h[5],
                    });
                }
                if len < 2 {
                    return None;
                }
                i += len;
            }
        }
    }
}

/// The stream with fill bytes (extra 0xFF) before its final EOI removed.
///
/// JPEG allows any number of 0xFF fill bytes before a marker, and DCMTK pads odd-length
/// JPEG-LS streams that way (`FF FF D9`); `pure_jpegls` expects EOI right after the scan.
/// Only the tail is touched, so the copy is made only for such streams.
fn without_fill_before_eoi(stream: &[u8]) -> Cow<'_, [u8]> {
    // Ignore the zero padding that makes fragments even-length.
    let mut end = stream.len();
    while end > 0 && stream.get(end - 1) == Some(&0) {
        end -= 1;
    }
    if end < 3 || stream.get(end - 2..end) != Some(&[0xFF, 0xD9][..]) {
        return Cow::Borrowed(stream);
    }
    let mut fill_start = end - 2;
    while fill_start > 0 && stream.get(fill_start - 1) == Some(&0xFF) {
        fill_start -= 1;
    }
    if fill_start == end - 2 {
        return Cow::Borrowed(stream);
    }
    let mut v = Vec::with_capacity(fill_start + 2);
    v.extend_from_slice(stream.get(..fill_start).unwrap_or(&[]));
    v.extend_from_slice(&[0xFF, 0xD9]);
    Cow::Owned(v)
}

/// The compressed bytes of each frame, in frame order.
fn frame_streams<'a>(
    fragments: &'a [Vec<u8>],
    offsets: &[u32],
    frames: usize,
) -> Result<Vec<Cow<'a, [u8]>>, String> {
    if fragments.is_empty() {
        return Err("Pixel Data (7FE0,0010) holds no fragments".to_string());
    }
    if frames == 1 {
        return Ok(vec![joined(fragments)]);
    }
    if let Some(groups) = groups_from_offset_table(fragments, offsets, frames) {
        return Ok(groups
            .into_iter()
            .filter_map(|r| fragments.get(r).map(joined))
            .collect());
    }
    if fragments.len() == frames {
        return Ok(fragments
            .iter()
            .map(|f| Cow::Borrowed(f.as_slice()))
            .collect());
    }
    let all = joined(fragments);
    let ranges = split_streams(&all);
    if ranges.len() != frames {
        return Err(format!(
            "cannot find the frames: {frames} expected, but the Pixel Data has {} fragment(s), \
             {} Basic Offset Table entr(y/ies) that do not fit them, and {} JPEG stream(s)",
            fragments.len(),
            offsets.len(),
            ranges.len()
        ));
    }
    Ok(ranges
        .into_iter()
        .map(|r| Cow::Owned(all.get(r).unwrap_or(&[]).to_vec()))
        .collect())
}

/// Several fragments as one byte string (borrowed when there is only one).
fn joined(fragments: &[Vec<u8>]) -> Cow<'_, [u8]> {
    match fragments {
        [one] => Cow::Borrowed(one.as_slice()),
        many => Cow::Owned(many.concat()),
    }
}

/// Fragment index ranges of each frame according to the Basic Offset Table, or `None`
/// when the table is absent or does not fit the fragments.
///
/// Table entries count bytes from the first byte of the first fragment's item tag, so each
/// fragment before a frame adds its length plus the 8-byte item header.
fn groups_from_offset_table(
    fragments: &[Vec<u8>],
    offsets: &[u32],
    frames: usize,
) -> Option<Vec<Range<usize>>> {
    if offsets.len() != frames || offsets.first() != Some(&0) {
        return None;
    }
    let mut starts = Vec::with_capacity(fragments.len());
    let mut pos: u64 = 0;
    for f in fragments {
        starts.push(pos);
        pos += 8 + f.len() as u64;
    }
    let mut firsts = Vec::with_capacity(frames);
    for &o in offsets {
        let k = starts.binary_search(&u64::from(o)).ok()?;
        if firsts.last().is_some_and(|&prev| k <= prev) {
            return None;
        }
        firsts.push(k);
    }
    let mut groups = Vec::with_capacity(frames);
    for (i, &first) in firsts.iter().enumerate() {
        let end = firsts.get(i + 1).copied().unwrap_or(fragments.len());
        groups.push(first..end);
    }
    Some(groups)
}

/// Byte ranges of the JPEG streams (SOI … EOI) in `data`, in order.
///
/// Each stream is walked marker by marker (segment lengths are skipped, entropy-coded
/// data is scanned for the next marker), so an `FF D9` inside a segment or a stuffed
/// byte never ends a stream early. A stream whose EOI is missing runs to the end.
fn split_streams(data: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = find_soi(data, pos) {
        match stream_end(data, start) {
            Some(end) => {
                out.push(start..end);
                pos = end;
            }
            None => {
                out.push(start..data.len());
                break;
            }
        }
    }
    out
}

/// Position of the next SOI marker (`FF D8`) at or after `from`.
fn find_soi(data: &[u8], from: usize) -> Option<usize> {
    let tail = data.get(from..)?;
    tail.windows(2)
        .position(|w| w == [0xFF, 0xD8])
        .map(|p| from + p)
}

/// The position just after the EOI of the stream whose SOI is at `start`, or `None`
/// when the stream is cut short or its marker structure is broken.
fn stream_end(data: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 2;
    loop {
        if *data.get(i)? != 0xFF {
            return None;
        }
        // Fill bytes: any number of 0xFF before a marker code.
        while *data.get(i + 1)? == 0xFF {
            i += 1;
        }
        let code = *data.get(i + 1)?;
        i += 2;
        match code {
            0xD9 => return Some(i),
            0xD8 | 0x00 => return None,
            0x01 | 0xD0..=0xD7 => {}
            _ => {
                let len = data.get(i..i + 2)?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return None;
                }
                i += len;
                if code == 0xDA {
                    i = next_marker_in_scan(data, i)?;
                }
            }
        }
    }
}

/// From the start of entropy-coded data, the position of the marker that ends it.
///
/// Inside a scan, `FF 00` (JPEG) and `FF` followed by a byte below 0x80 (JPEG-LS bit
/// stuffing) are data, and restart markers `FF D0`–`FF D7` belong to the scan.
fn next_marker_in_scan(data: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let rest = data.get(i..)?;
        let ff = rest.iter().position(|&b| b == 0xFF)?;
        i += ff;
        let next = *data.get(i + 1)?;
        match next {
            0x00..=0x7F | 0xD0..=0xD7 => i += 2,
            0xFF => {
                // A fill byte; the marker (or more fill) follows.
                return Some(i);
            }
            _ => return Some(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom::core::value::PixelFragmentSequence;
    use dicom::core::{DataElement, DicomValue, PrimitiveValue, VR};
    use dicom::object::{FileMetaTableBuilder, InMemDicomObject};

    /// A JPEG-LS stream of the samples, lossless or with the given NEAR.
    fn encode(samples: &[u16], cols: u32, rows: u32, bits: u8, near: u8) -> Vec<u8> {
        let mut opts = jpegls::EncodeOptions::default();
        opts.near = near;
        opts.precision = Some(bits);
        let mut out = Vec::new();
        let r = jpegls::encode_with_options(samples, cols, rows, &opts, &mut out);
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

    fn le16(v: &[u16]) -> Vec<u8> {
        v.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    fn ramp(n: usize, modulo: u32, mul: u32) -> Vec<u16> {
        (0..n as u32)
            .map(|i| ((i * mul + i / 7) % modulo) as u16)
            .collect()
    }

    #[test]
    fn handles_jpeg_ls_and_jpeg_extended_only() {
        assert!(handles("1.2.840.10008.1.2.4.80"));
        assert!(handles("1.2.840.10008.1.2.4.81\0"));
        assert!(handles("1.2.840.10008.1.2.4.51"));
        assert!(!handles("1.2.840.10008.1.2.4.50"));
        assert!(!handles("1.2.840.10008.1.2.4.70"));
        assert!(!handles("1.2.840.10008.1.2.1"));
    }

    /// SOI, a COM segment, then SOFn with the given fields.
    fn sof_stream(marker: u8, precision: u8, rows: u16, cols: u16, comps: u8) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xC0];
        v.extend_from_slice(&[0xFF, marker, 0x00, 0x0B, precision]);
        v.extend_from_slice(&rows.to_be_bytes());
        v.extend_from_slice(&cols.to_be_bytes());
        v.extend_from_slice(&[comps, 1, 0x11, 0]);
        v
    }

    #[test]
    fn frame_header_is_found_past_other_segments() {
        let h = frame_header(&sof_stream(0xC1, 12, 300, 200, 1));
        assert_eq!(
            h,
            Some(FrameHeader {
                marker: 0xC1,
                precision: 12,
                rows: 300,
                cols: 200,
                components: 1
            })
        );
        assert_eq!(frame_header(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(frame_header(&[0xFF, 0xD8, 0xFF]), None);
    }

    #[test]
    fn jpeg_extended_checks_the_frame_header_before_decoding() {
        let e = decode_jpeg_extended(&sof_stream(0xC1, 12, 65535, 65535, 1), 64, 64);
        assert!(
            matches!(e, Err(ref m) if m.contains("65535 × 65535")),
            "{e:?}"
        );
        let e = decode_jpeg_extended(&sof_stream(0xC1, 12, 64, 64, 3), 64, 64);
        assert!(
            matches!(e, Err(ref m) if m.contains("3 components")),
            "{e:?}"
        );
        let e = decode_jpeg_extended(&[0xFF, 0xD8, 0xFF, 0xD9], 64, 64);
        assert!(
            matches!(e, Err(ref m) if m.contains("no JPEG frame header")),
            "{e:?}"
        );
        // Right size, but nothing after the header: the 12-bit decoder reports it.
        let e = decode_jpeg_extended(&sof_stream(0xC1, 12, 64, 64, 1), 64, 64);
        assert!(
            matches!(e, Err(ref m) if m.starts_with("12-bit JPEG decoding failed")),
            "{e:?}"
        );
        let e = decode_jpeg_extended(&sof_stream(0xC1, 8, 64, 64, 1), 64, 64);
        assert!(
            matches!(e, Err(ref m) if m.starts_with("JPEG decoding failed")),
            "{e:?}"
        );
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
        let out = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 9, 13, 1, 16);
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
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 6, 10, 1, 8),
            Ok(bytes)
        );
        let wide: Vec<u8> = px
            .iter()
            .flat_map(|&v| u32::from(v).to_le_bytes())
            .collect();
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 6, 10, 1, 32),
            Ok(wide)
        );
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
        let e = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 4, 4, 1, 8);
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
        let out = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 8, 8, 1, 16);
        assert_eq!(out, Ok(le16(&px)));
    }

    #[test]
    fn near_lossless_stays_within_near() {
        let px = ramp(20 * 20, 1000, 13);
        let stream = encode(&px, 20, 20, 10, 3);
        let obj = object(uids::JPEGLS_NEAR_LOSSLESS, 20, 20, vec![], vec![stream]);
        let out = decode_frames(&obj, uids::JPEGLS_NEAR_LOSSLESS, 20, 20, 1, 16);
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
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 12, 16, 3, 16),
            Ok(le16(&px))
        );
    }

    #[test]
    fn frames_from_one_fragment_each() {
        let (px, streams) = three_frames();
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![], streams);
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 12, 16, 3, 16),
            Ok(le16(&px))
        );
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
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 12, 16, 3, 16),
            Ok(le16(&px))
        );
    }

    #[test]
    fn wrong_offset_table_falls_back() {
        let (px, streams) = three_frames();
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![0, 5, 9], streams);
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 12, 16, 3, 16),
            Ok(le16(&px))
        );
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
        let e = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 12, 16, 3, 16);
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
        assert_eq!(
            decode_frames(&obj, uids::JPEGLS_LOSSLESS, 12, 16, 1, 16),
            Ok(le16(&px))
        );
    }

    #[test]
    fn size_mismatch_names_the_frame() {
        let (_, streams) = three_frames();
        let obj = object(uids::JPEGLS_LOSSLESS, 12, 16, vec![], streams);
        let e = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 13, 16, 3, 16);
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
            let r = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 32, 32, 1, 16);
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
            if let Ok(out) = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 32, 32, 1, 16) {
                assert_eq!(out.len(), 32 * 32 * 2);
            }
        }
    }

    #[test]
    fn not_encapsulated_or_empty_is_an_error() {
        let obj = object(uids::JPEGLS_LOSSLESS, 4, 4, vec![], vec![]);
        let e = decode_frames(&obj, uids::JPEGLS_LOSSLESS, 4, 4, 1, 16);
        assert!(
            matches!(e, Err(ref m) if m.contains("no fragments")),
            "{e:?}"
        );
    }

    #[test]
    fn stream_walk_skips_segments_and_stuffing() {
        // SOI, COM holding FF D9, SOS, data with FF 00 / FF 7F / RST, EOI, padding, SOI…
        let a = [
            0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF,
            0x00, 0x34, 0xFF, 0x7F, 0xFF, 0xD3, 0x56, 0xFF, 0xFF, 0xD9,
        ];
        let mut data = a.to_vec();
        data.push(0);
        data.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9]);
        let ranges = split_streams(&data);
        assert_eq!(ranges, vec![0..a.len(), a.len() + 1..a.len() + 5]);
        // Cut short: the rest is one stream.
        assert_eq!(split_streams(&a[..10]), vec![0..10]);
    }
}
