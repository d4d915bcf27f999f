//! RLE Lossless (DICOM PS3.5 Annex G) decoding straight into the volume.
//!
//! dicom-rs decodes each segment into its own buffer, then interleaves the bytes into a
//! frame buffer that the volume copies once more. This decoder writes each segment's
//! bytes directly into their places in the destination slice: the most significant byte
//! segment first, then the least significant one, each at a stride of the sample size.
//!
//! It reads segments exactly as dicom-rs 0.10 does, with the guard's own
//! [`crate::dicom::guard::rle_segments`]: segment `s` runs from its offset to the next segment's
//! offset, or to the end of the fragment; a literal run cut short copies what is there;
//! a segment that decodes to more than Rows × Columns bytes is cut there; one that
//! decodes to fewer, a repeat run without its byte or an offset outside the fragment is
//! an error. Only greyscale (one sample) images of 8 or 16 bits are decoded here.

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
    let segments = crate::dicom::guard::rle_segments(fragment, bytes_per_sample)
        .map_err(|e| format!("RLE fragment: {e}"))?;
    for (s, segment) in segments.into_iter().enumerate() {
        // Segment 0 holds the most significant bytes: byte 1 of a little-endian u16.
        let lane = bytes_per_sample - 1 - s;
        let got = packbits_into(segment, dst, bytes_per_sample, lane)
            .map_err(|m| format!("RLE segment {s}: {m}"))?;
        if got < samples {
            return Err(format!(
                "RLE segment {s} decodes to {got} bytes, Rows × Columns = {samples}"
            ));
        }
    }
    Ok(())
}

/// Unpacks a PackBits segment into every `stride`-th byte of `dst` from `lane`; returns
/// how many bytes were written (at most `dst.len() / stride`).
fn packbits_into(seg: &[u8], dst: &mut [u8], stride: usize, lane: usize) -> Result<usize, String> {
    let cap = dst.len() / stride;
    let mut outs = dst.iter_mut().skip(lane).step_by(stride).take(cap);
    let mut out = 0usize;
    let mut i = 0usize;
    while out < cap {
        let Some(&h) = seg.get(i) else { break };
        let h = h as i8;
        i += 1;
        if h >= 0 {
            let n = h as usize + 1;
            let lit = seg.get(i..(i + n).min(seg.len())).unwrap_or(&[]);
            // (The literal first: zip would drop an output slot taken after it ends.)
            for (&b, o) in lit.iter().zip(outs.by_ref()) {
                *o = b;
                out += 1;
            }
            i += n;
        } else if h != -128 {
            let Some(&b) = seg.get(i) else {
                return Err(format!(
                    "a repeat run at byte {} has no byte to repeat",
                    i - 1
                ));
            };
            i += 1;
            let n = (1 - h as isize) as usize;
            for o in outs.by_ref().take(n) {
                *o = b;
                out += 1;
            }
        }
    }
    Ok(out)
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
