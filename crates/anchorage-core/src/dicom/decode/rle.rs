//! RLE Lossless (DICOM PS3.5 Annex G): the fragment header, the PackBits runs, and
//! decoding straight into the volume.
//!
//! dicom-rs decodes each segment into its own buffer, then interleaves the bytes into a
//! frame buffer that the volume copies once more. This decoder writes each segment's
//! bytes directly into their places in the destination: the most significant byte
//! segment first, then the least significant one.
//!
//! The fragment header ([`rle_segments`]) and the PackBits runs ([`Runs`]) are read here
//! and only here, exactly as dicom-rs 0.10 reads them, for this decoder and for the
//! pre-check that keeps broken fragments away from dicom-rs's RLE decoder: segment `s` runs from its offset to the
//! next segment's offset, or to the end of the fragment; a literal run cut short copies
//! what is there; a segment that decodes to more than Rows × Columns bytes is cut there;
//! one that decodes to fewer, a repeat run without its byte or an offset outside the
//! fragment is an error. Only greyscale (one sample) images of 8 or 16 bits are decoded
//! here.

/// The first `segments` segments of an RLE fragment, read from its 64-byte header as
/// dicom-rs 0.10 reads them: segment `s` runs from its offset to the next segment's
/// offset (the last one counted to the end of the fragment). Errors say what is wrong
/// with the header or which segment lies outside the fragment.
pub fn rle_segments(fragment: &[u8], segments: usize) -> Result<Vec<&[u8]>, String> {
    let word = |i: usize| -> Option<usize> {
        let b = fragment.get(4 * i..4 * i + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(count) = word(0).filter(|_| fragment.len() >= 64) else {
        return Err(format!(
            "{} bytes, shorter than the 64-byte RLE header",
            fragment.len()
        ));
    };
    if !(1..=15).contains(&count) || count < segments {
        return Err(format!(
            "the header says {count} segment(s); 1 to 15 are possible and this image needs {segments}"
        ));
    }
    (0..segments)
        .map(|s| {
            let start = word(1 + s).unwrap_or(0);
            let end = if s + 1 < count {
                word(2 + s).unwrap_or(0)
            } else {
                fragment.len()
            };
            fragment
                .get(start..end)
                .filter(|_| start >= 64)
                .ok_or_else(|| {
                    format!(
                        "segment {s} runs from byte {start} to {end}, outside the {}-byte fragment",
                        fragment.len()
                    )
                })
        })
        .collect()
}

/// One run of a PackBits segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Run<'a> {
    /// Bytes copied as they are (cut short when the segment ends inside the run).
    Literal(&'a [u8]),
    /// One byte repeated this many times.
    Repeat(u8, usize),
}

impl Run<'_> {
    /// How many bytes the run decodes to.
    pub fn decoded_len(&self) -> usize {
        match self {
            Run::Literal(bytes) => bytes.len(),
            Run::Repeat(_, n) => *n,
        }
    }
}

/// The runs of a PackBits segment, in order, as dicom-rs 0.10 reads them: a run header
/// `h` of 0 to 127 is a literal of `h + 1` bytes, −1 to −127 a repeat of the next byte
/// `1 − h` times, −128 nothing. A repeat run whose byte is missing is an error (the
/// offset of its header), after which the runs end.
#[derive(Debug, Clone)]
pub struct Runs<'a> {
    seg: &'a [u8],
    at: usize,
}

impl<'a> Runs<'a> {
    /// The runs of `seg`.
    pub fn new(seg: &'a [u8]) -> Self {
        Runs { seg, at: 0 }
    }
}

impl<'a> Iterator for Runs<'a> {
    type Item = Result<Run<'a>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let header_at = self.at;
            let h = *self.seg.get(header_at)? as i8;
            self.at += 1;
            if h >= 0 {
                let n = h as usize + 1;
                let end = (self.at + n).min(self.seg.len());
                let literal = self.seg.get(self.at..end).unwrap_or(&[]);
                self.at += n;
                return Some(Ok(Run::Literal(literal)));
            }
            if h != -128 {
                let Some(&b) = self.seg.get(self.at) else {
                    self.at = self.seg.len();
                    return Some(Err(header_at));
                };
                self.at += 1;
                return Some(Ok(Run::Repeat(b, (1 - h as isize) as usize)));
            }
        }
    }
}

/// The number of bytes dicom-rs 0.10's PackBits reader produces from `seg` (0 when it
/// would fail: a repeat run without its byte).
pub fn packbits_len(seg: &[u8]) -> u64 {
    let mut out: u64 = 0;
    for run in Runs::new(seg) {
        match run {
            Ok(run) => out += run.decoded_len() as u64,
            Err(_) => return 0,
        }
    }
    out
}

/// Decodes one RLE fragment (one frame) of `samples` pixels of `bytes_per_sample` (1 or
/// 2) bytes into `dst`, little-endian, `samples × bytes_per_sample` bytes.
///
/// Errors say what is wrong with the fragment; nothing panics on any input.
pub fn decode_frame_into(
    fragment: &[u8],
    samples: usize,
    bytes_per_sample: usize,
    dst: &mut [u8],
) -> Result<(), String> {
    if !(bytes_per_sample == 1 || bytes_per_sample == 2) {
        return Err(format!(
            "{} bytes a sample: RLE is decoded for 8- and 16-bit greyscale only",
            bytes_per_sample * 8
        ));
    }
    if dst.len() != samples * bytes_per_sample {
        return Err(format!(
            "the destination holds {} bytes, {} expected",
            dst.len(),
            samples * bytes_per_sample
        ));
    }
    let segments =
        rle_segments(fragment, bytes_per_sample).map_err(|e| format!("RLE fragment: {e}"))?;
    for (s, segment) in segments.into_iter().enumerate() {
        // Segment 0 holds the most significant bytes: byte 1 of a little-endian u16.
        let lane = bytes_per_sample - 1 - s;
        let outs = dst.iter_mut().skip(lane).step_by(bytes_per_sample);
        let got = unpack(segment, outs, samples, |o, b| *o = b)
            .map_err(|m| format!("RLE segment {s}: {m}"))?;
        if got < samples {
            return Err(format!(
                "RLE segment {s} decodes to {got} bytes, Rows × Columns = {samples}"
            ));
        }
    }
    Ok(())
}

/// Decodes one RLE fragment of 16-bit samples into `dst` (one stored sample each, as
/// their bit pattern), as [`decode_frame_into`] does into bytes.
pub fn decode_frame_into_samples(fragment: &[u8], dst: &mut [i16]) -> Result<(), String> {
    let samples = dst.len();
    let segments = rle_segments(fragment, 2).map_err(|e| format!("RLE fragment: {e}"))?;
    for (s, segment) in segments.into_iter().enumerate() {
        // Segment 0 holds the most significant bytes, segment 1 the least significant.
        let got = if s == 0 {
            unpack(segment, dst.iter_mut(), samples, |o, b| {
                *o = (u16::from(b) << 8 | (*o as u16 & 0x00FF)) as i16;
            })
        } else {
            unpack(segment, dst.iter_mut(), samples, |o, b| {
                *o = ((*o as u16 & 0xFF00) | u16::from(b)) as i16;
            })
        }
        .map_err(|m| format!("RLE segment {s}: {m}"))?;
        if got < samples {
            return Err(format!(
                "RLE segment {s} decodes to {got} bytes, Rows × Columns = {samples}"
            ));
        }
    }
    Ok(())
}

/// Unpacks a PackBits segment into the first `cap` places of `outs` with `put`; returns
/// how many were written (at most `cap`). Runs past the `cap`-th byte are not read.
fn unpack<'d, T: 'd>(
    seg: &[u8],
    mut outs: impl Iterator<Item = &'d mut T>,
    cap: usize,
    put: impl Fn(&mut T, u8),
) -> Result<usize, String> {
    let mut out = 0usize;
    for run in Runs::new(seg) {
        if out >= cap {
            break;
        }
        match run {
            Ok(Run::Literal(bytes)) => {
                // (The literal first: zip would drop an output slot taken after it ends.)
                for (&b, o) in bytes.iter().zip(outs.by_ref()) {
                    put(o, b);
                    out += 1;
                }
            }
            Ok(Run::Repeat(b, n)) => {
                for o in outs.by_ref().take(n) {
                    put(o, b);
                    out += 1;
                }
            }
            Err(at) => return Err(format!("a repeat run at byte {at} has no byte to repeat")),
        }
    }
    Ok(out.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simple PackBits encoder (literal and repeat runs), independent of the decoder.
    fn packbits(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let mut run = 1;
            while i + run < data.len() && run < 128 && data[i + run] == data[i] {
                run += 1;
            }
            if run >= 2 {
                out.push((1 - run as i32) as i8 as u8);
                out.push(data[i]);
                i += run;
            } else {
                let start = i;
                while i < data.len()
                    && i - start < 128
                    && !(i + 1 < data.len() && data[i + 1] == data[i])
                {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                out.push((i - start - 1) as u8);
                out.extend_from_slice(&data[start..i]);
            }
        }
        if out.len() % 2 == 1 {
            out.push(0x80); // the no-op pad
        }
        out
    }

    fn fragment(samples: &[u16]) -> Vec<u8> {
        let hi: Vec<u8> = samples.iter().map(|s| (s >> 8) as u8).collect();
        let lo: Vec<u8> = samples.iter().map(|s| *s as u8).collect();
        let (a, b) = (packbits(&hi), packbits(&lo));
        let mut f = vec![0u8; 64];
        f[0..4].copy_from_slice(&2u32.to_le_bytes());
        f[4..8].copy_from_slice(&64u32.to_le_bytes());
        f[8..12].copy_from_slice(&(64 + a.len() as u32).to_le_bytes());
        f.extend(a);
        f.extend(b);
        f
    }

    fn samples(n: usize) -> Vec<u16> {
        (0..n)
            .map(|i| {
                if i % 50 < 20 {
                    1000
                } else {
                    (i * 7919 % 4096) as u16
                }
            })
            .collect()
    }

    #[test]
    fn sixteen_bit_frame_round_trips() {
        let px = samples(37 * 23);
        let f = fragment(&px);
        let mut dst = vec![0u8; px.len() * 2];
        assert_eq!(decode_frame_into(&f, px.len(), 2, &mut dst), Ok(()));
        let want: Vec<u8> = px.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(dst, want);
    }

    #[test]
    fn sixteen_bit_frame_decodes_to_samples_as_to_bytes() {
        let px = samples(37 * 23);
        let f = fragment(&px);
        let mut dst = vec![0x5A5Ai16; px.len()];
        assert_eq!(decode_frame_into_samples(&f, &mut dst), Ok(()));
        let want: Vec<i16> = px.iter().map(|&s| s as i16).collect();
        assert_eq!(dst, want);
        // Broken fragments give the byte decoder's errors.
        let mut bytes = vec![0u8; px.len() * 2];
        for n in [0, 10, 64, 100, f.len() / 2] {
            assert_eq!(
                decode_frame_into_samples(&f[..n], &mut dst),
                decode_frame_into(&f[..n], px.len(), 2, &mut bytes),
                "cut to {n}"
            );
        }
    }

    #[test]
    fn runs_and_their_length_follow_dicom_rs() {
        // Literal of 3 cut to 2, no-op, repeat of 4, then a repeat without its byte.
        let seg = [2u8, 7, 8];
        assert_eq!(
            Runs::new(&seg).collect::<Vec<_>>(),
            vec![Ok(Run::Literal(&[7, 8]))]
        );
        assert_eq!(packbits_len(&seg), 2);
        let seg = [0x80u8, 0xFD, 9, 0xFF];
        assert_eq!(
            Runs::new(&seg).collect::<Vec<_>>(),
            vec![Ok(Run::Repeat(9, 4)), Err(3)]
        );
        assert_eq!(packbits_len(&seg), 0);
        assert_eq!(packbits_len(&[0xFD, 9, 0, 1]), 5);
    }

    #[test]
    fn eight_bit_frame_round_trips() {
        let px: Vec<u8> = (0..999)
            .map(|i| if i % 9 < 4 { 7 } else { i as u8 })
            .collect();
        let seg = packbits(&px);
        let mut f = vec![0u8; 64];
        f[0..4].copy_from_slice(&1u32.to_le_bytes());
        f[4..8].copy_from_slice(&64u32.to_le_bytes());
        f.extend(seg);
        let mut dst = vec![0u8; px.len()];
        assert_eq!(decode_frame_into(&f, px.len(), 1, &mut dst), Ok(()));
        assert_eq!(dst, px);
    }

    #[test]
    fn short_or_broken_fragments_are_errors() {
        let px = samples(400);
        let good = fragment(&px);
        let mut dst = vec![0u8; 800];
        // Every truncation: an error or (when only padding is lost) the right values.
        for n in 0..good.len() {
            let r = decode_frame_into(&good[..n], 400, 2, &mut dst);
            assert!(
                r.is_err() || n + 1 >= good.len(),
                "truncated to {n} decoded"
            );
        }
        let mut bad = good.clone();
        bad[0] = 16;
        assert!(decode_frame_into(&bad, 400, 2, &mut dst).is_err());
        let mut bad = good.clone();
        bad[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_frame_into(&bad, 400, 2, &mut dst).is_err());
        // Too many samples asked for: the segments are too short.
        let mut big = vec![0u8; 1000];
        assert!(decode_frame_into(&good, 500, 2, &mut big).is_err());
        // Random bytes never panic.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            crate::test_util::xorshift(&mut state);
            let mut b = good.clone();
            let at = (state % b.len() as u64) as usize;
            b[at] = (state >> 40) as u8;
            let _ = decode_frame_into(&b, 400, 2, &mut dst);
        }
    }
}
