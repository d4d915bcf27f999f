//! Decoded frames to the volume's values: stored samples masked to BitsStored,
//! sign-extended, shifted into the i16 range or mapped to modality values.
//!
//! The whole-file decoders give little-endian bytes in dicom-rs's layout ([`Decoded`];
//! [`fill_raw`], [`fill_float`] read them); the slice decoders write 16-bit stored
//! samples straight into the volume ([`normalize_in_place`] finishes them there).

/// Pixel format of one decoded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Bytes a sample in the decoded data (1, 2 or 4).
    pub bytes_per: usize,
    /// BitsStored (1–32).
    pub bits_stored: u32,
    /// PixelRepresentation 1: two's complement samples.
    pub signed: bool,
}

/// Every frame of a file, decoded.
#[derive(Debug)]
pub struct Decoded {
    /// The samples, frame after frame, little-endian, `format.bytes_per` bytes each.
    pub data: Vec<u8>,
    /// The samples' format.
    pub format: Format,
    /// Number of frames in `data`.
    pub frames: u32,
}

/// Decodes a stored sample from little-endian bytes: masks BitsStored and sign-extends.
#[inline]
fn sample(bytes: &[u8], i: usize, bytes_per: usize, bits_stored: u32, signed: bool) -> i64 {
    let v: u64 = match bytes_per {
        1 => bytes.get(i).copied().unwrap_or(0) as u64,
        2 => {
            let j = 2 * i;
            match (bytes.get(j), bytes.get(j + 1)) {
                (Some(a), Some(b)) => u16::from_le_bytes([*a, *b]) as u64,
                _ => 0,
            }
        }
        _ => {
            let j = 4 * i;
            match bytes.get(j..j + 4) {
                Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as u64,
                None => 0,
            }
        }
    };
    let mask = if bits_stored >= 64 {
        u64::MAX
    } else {
        (1u64 << bits_stored) - 1
    };
    let v = v & mask;
    if signed && bits_stored < 64 && (v >> (bits_stored - 1)) & 1 == 1 {
        v as i64 - (1i64 << bits_stored)
    } else {
        v as i64
    }
}

/// Writes one decoded frame into a slice of raw values: each stored sample less `shift`
/// (0, or 32768 for unsigned 16-bit samples), clamped to the i16 range.
pub fn fill_raw(out: &mut [i16], bytes: &[u8], f: Format, shift: i32) {
    if f.bytes_per == 2 && shift == 0 && f.bits_stored == 16 && f.signed {
        for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = i16::from_le_bytes([c[0], c[1]]);
        }
        return;
    }
    if f.bytes_per == 2 && shift == 32768 && f.bits_stored == 16 {
        for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = (u16::from_le_bytes([c[0], c[1]]) ^ 0x8000) as i16;
        }
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        let s = sample(bytes, i, f.bytes_per, f.bits_stored, f.signed) - shift as i64;
        *o = s.clamp(-32768, 32767) as i16;
    }
}

/// How 16-bit stored samples become the volume's raw values ([`normalize_in_place`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalize {
    /// BitsStored (1–16).
    pub bits_stored: u32,
    /// PixelRepresentation 1: two's complement samples.
    pub signed: bool,
    /// Subtracted from each sample: 0, or 32768 for unsigned 16-bit samples.
    pub shift: i32,
}

impl Normalize {
    /// Nothing to do: 16 bits stored, signed, no shift.
    pub const NONE: Normalize = Normalize {
        bits_stored: 16,
        signed: true,
        shift: 0,
    };

    /// Turns the stored samples `vals` into raw values in place.
    pub fn apply(self, vals: &mut [i16]) {
        normalize_in_place(vals, self.bits_stored, self.signed, self.shift);
    }
}

/// Turns 16-bit stored samples, decoded straight into a slice of raw values, into raw
/// values: masks BitsStored, sign-extends, and subtracts `shift` (0 or 32768).
pub fn normalize_in_place(vals: &mut [i16], bits_stored: u32, signed: bool, shift: i32) {
    if bits_stored >= 16 {
        if shift == 32768 {
            for v in vals.iter_mut() {
                *v ^= i16::MIN;
            }
        }
        return;
    }
    if shift == 0 && bits_stored >= 1 {
        // The common case (12 of 16 bits), in one pass the compiler vectorises: mask,
        // or sign-extend by shifting the sign bit to the top and back.
        if signed {
            let up = 16 - bits_stored;
            for v in vals.iter_mut() {
                *v = (*v << up) >> up;
            }
        } else {
            let mask = ((1u32 << bits_stored) - 1) as i16;
            for v in vals.iter_mut() {
                *v &= mask;
            }
        }
        return;
    }
    let mask: u16 = ((1u32 << bits_stored) - 1) as u16;
    let sign: u16 = 1 << (bits_stored - 1);
    for v in vals.iter_mut() {
        let u = (*v as u16) & mask;
        let s = if signed && u & sign != 0 {
            u as i32 - (1i32 << bits_stored)
        } else {
            u as i32
        };
        *v = (s - shift).clamp(-32768, 32767) as i16;
    }
}

/// Writes one decoded frame into a slice of modality values: stored sample × `slope` +
/// `intercept`, NaN for samples in the `padding` range (stored values, inclusive).
pub fn fill_float(
    out: &mut [f32],
    bytes: &[u8],
    f: Format,
    slope: f64,
    intercept: f64,
    padding: Option<(i64, i64)>,
) {
    for (i, o) in out.iter_mut().enumerate() {
        let s = sample(bytes, i, f.bytes_per, f.bits_stored, f.signed);
        *o = match padding {
            Some((lo, hi)) if s >= lo && s <= hi => f32::NAN,
            _ => (s as f64 * slope + intercept) as f32,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U12: Format = Format {
        bytes_per: 2,
        bits_stored: 12,
        signed: false,
    };

    #[test]
    fn stored_samples_are_masked_sign_extended_and_shifted() {
        // 0xF800 | 0x7FF: 12 bits stored, high bits set by the encoder.
        let bytes: Vec<u8> = [0xFFFFu16, 0x0800, 0x07FF, 0x1234]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut raw = [0i16; 4];
        fill_raw(&mut raw, &bytes, U12, 0);
        assert_eq!(raw, [4095, 2048, 2047, 0x234]);
        let signed = Format {
            signed: true,
            ..U12
        };
        fill_raw(&mut raw, &bytes, signed, 0);
        assert_eq!(raw, [-1, -2048, 2047, 0x234]);
        // The in-place path gives the same values from the samples themselves.
        let mut vals: Vec<i16> = [0xFFFFu16, 0x0800, 0x07FF, 0x1234]
            .iter()
            .map(|&v| v as i16)
            .collect();
        normalize_in_place(&mut vals, 12, true, 0);
        assert_eq!(vals, [-1, -2048, 2047, 0x234]);
        // Unsigned 16 bits: shifted by 32768 into the i16 range, both ways alike.
        let u16s = Format {
            bits_stored: 16,
            ..U12
        };
        fill_raw(&mut raw, &bytes, u16s, 32768);
        let mut vals: Vec<i16> = [0xFFFFu16, 0x0800, 0x07FF, 0x1234]
            .iter()
            .map(|&v| v as i16)
            .collect();
        normalize_in_place(&mut vals, 16, false, 32768);
        assert_eq!(raw.to_vec(), vals);
        let shifted = |v: i32| (v - 32768) as i16;
        assert_eq!(
            raw,
            [32767, shifted(0x0800), shifted(0x07FF), shifted(0x1234)]
        );
    }

    #[test]
    fn float_values_are_rescaled_with_padding_as_nan() {
        let bytes = [10u8, 0, 20, 0, 30, 0];
        let mut out = [0f32; 3];
        fill_float(&mut out, &bytes, U12, 2.0, -5.0, Some((20, 20)));
        assert_eq!(out[0], 15.0);
        assert!(out[1].is_nan());
        assert_eq!(out[2], 55.0);
    }
}
