//! Finding the frames in encapsulated Pixel Data.
//!
//! The encapsulated Pixel Data is an offset table plus fragments, and one frame may span
//! several fragments. Frames are found, in this order of trust, from the Basic Offset
//! Table (when it has one entry per frame and every entry points at a fragment), from one
//! fragment per frame (when the counts agree), or by walking the JPEG marker structure of
//! the concatenated fragments and cutting after each frame's EOI.

use std::borrow::Cow;
use std::ops::Range;

use dicom::dictionary_std::tags;
use dicom::object::DefaultDicomObject;

use crate::dicom::decode::headers::{find_soi, marker_at};

/// The codestream of each of the `frames` frames of the encapsulated Pixel Data of `obj`.
pub fn encapsulated_frames(
    obj: &DefaultDicomObject,
    frames: usize,
) -> Result<Vec<Cow<'_, [u8]>>, String> {
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

/// The codestream of the one frame of the encapsulated Pixel Data of `obj`.
pub fn single_frame(obj: &DefaultDicomObject) -> Result<Cow<'_, [u8]>, String> {
    encapsulated_frames(obj, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| "Pixel Data (7FE0,0010) holds no frame".to_string())
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

/// The position just after the EOI of the stream whose SOI is at `start`, or `None`
/// when the stream is cut short or its marker structure is broken.
fn stream_end(data: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 2;
    loop {
        let m = marker_at(data, i)?;
        match m.code {
            0xD9 => return Some(m.next),
            0xD8 | 0x00 => return None,
            0xDA => i = next_marker_in_scan(data, m.next)?,
            _ => i = m.next,
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
