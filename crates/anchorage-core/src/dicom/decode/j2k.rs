//! JPEG 2000 lossless frames of one greyscale component, decoded with `hayro-jpeg2000`.
//!
//! dicom-rs decodes JPEG 2000 with `openjp2`, a pure-Rust port of OpenJPEG. For the
//! frames CT and MR series hold — one component, 16 bits or fewer, reversible 5/3
//! wavelet — `hayro-jpeg2000` (pure Rust, no `unsafe`) gives the same samples about
//! 12 % faster (29 ms against 33 ms for a 512 × 512 CT frame on one core here), which is
//! most of a JPEG 2000 series' load time. The slice path tries it first for single-frame
//! 16-bit files in the lossless syntax (`1.2.840.10008.1.2.4.90`); everything else, and
//! any stream this module leaves ([`Outcome::Unsupported`]), still goes through
//! dicom-rs.
//!
//! The codestream's SIZ marker is read first ([`read_siz`]): its size must be the header's Rows
//! and Columns (so that the decoder never sizes anything from an unchecked header), with
//! one component of at most 16 bits at full resolution. `hayro-jpeg2000` adds the DC
//! level shift of unsigned components to every component; for a signed component it is
//! taken off again, and the samples come back as 16-bit two's-complement bit patterns,
//! as dicom-rs gives them. The decoder runs in its strict mode, so that a codestream cut
//! short is refused (as openjp2 refuses it) instead of decoded with zeros for what is
//! missing. A panic inside the decoder becomes an error for the file, counted and logged
//! ([`crate::dicom::decode::panics`]).
//!
//! The tests decode the real JPEG 2000 lossless files of the corpus both ways
//! (`tests/j2k.rs`) and compare sample for sample; `tests/real_files.rs` compares the
//! loaded volumes with pydicom's.

use crate::dicom::decode::headers::read_siz;
use crate::dicom::decode::panics;

pub use crate::dicom::decode::outcome::Outcome;

/// Decodes a JPEG 2000 codestream of `rows × cols` samples into `out` (`rows × cols`
/// long) as stored bit patterns (two's complement for a signed component).
///
/// `out` is written only when the result is [`Outcome::Decoded`].
pub fn decode_into(
    stream: &[u8],
    rows: u32,
    cols: u32,
    out: &mut [u16],
) -> Result<Outcome, String> {
    let siz = read_siz(stream)?;
    if (siz.width, siz.height) != (cols, rows) {
        return Err(format!(
            "JPEG 2000 codestream is {} × {}, the header says {cols} × {rows} (columns × rows)",
            siz.width, siz.height
        ));
    }
    if siz.components != 1 {
        return Ok(Outcome::Unsupported("more than one component"));
    }
    if siz.precision > 16 {
        return Ok(Outcome::Unsupported("more than 16 bits a sample"));
    }
    if siz.sampling != (1, 1) {
        return Ok(Outcome::Unsupported("a subsampled component"));
    }
    let n = rows as usize * cols as usize;
    if out.len() != n {
        return Err(format!("{} samples of room for {n}", out.len()));
    }
    // The decoder shifted every sample up by 2^(precision − 1); a signed component's
    // stored value is that much lower.
    let shift = if siz.signed {
        1i32 << (siz.precision - 1)
    } else {
        0
    };
    let (lo, hi) = if siz.signed {
        (-shift, shift - 1)
    } else {
        (0, (1i32 << siz.precision) - 1)
    };
    // Third-party code fed with file data: a panic must become an error for this file.
    // `out` is written only once the whole frame has decoded.
    panics::catch("JPEG 2000 (hayro)", || -> Result<(), String> {
        // Strict: a cut-short codestream is an error, as it is for openjp2 (the lenient
        // mode would decode the missing code blocks as zeros).
        let settings = hayro_jpeg2000::DecodeSettings {
            resolve_palette_indices: false,
            strict: true,
            target_resolution: None,
        };
        let image = hayro_jpeg2000::Image::new(stream, &settings)
            .map_err(|e| format!("JPEG 2000 decoding failed: {e}"))?;
        let mut ctx = hayro_jpeg2000::DecoderContext::default();
        let bitmap = image
            .decode(&mut ctx)
            .map_err(|e| format!("JPEG 2000 decoding failed: {e}"))?;
        let [component] = bitmap.components() else {
            return Err("JPEG 2000 decoding gave more than one component".to_string());
        };
        let decoded = component.samples();
        if decoded.len() != n {
            return Err(format!(
                "JPEG 2000 decoding gave {} samples, {n} expected",
                decoded.len()
            ));
        }
        for (o, &v) in out.iter_mut().zip(decoded) {
            // Integral for a reversible stream; the clamp only keeps a broken one in range.
            *o = (v.round() as i32 - shift).clamp(lo, hi) as u16;
        }
        Ok(())
    })
    .map_err(|_| "JPEG 2000 decoding failed: the decoder stopped on corrupt data".to_string())??;
    Ok(Outcome::Decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicom::decode::headers::siz_header;

    #[test]
    fn size_other_than_the_header_is_an_error_before_decoding() {
        let mut out = vec![0u16; 4 * 4];
        let e = decode_into(&siz_header(8, 8, 1, 0x0B), 4, 4, &mut out).unwrap_err();
        assert!(e.contains("8 × 8"), "{e}");
    }

    #[test]
    fn colour_and_deep_streams_are_left_to_dicom_rs() {
        let mut out = vec![0u16; 16];
        assert_eq!(
            decode_into(&siz_header(4, 4, 3, 0x07), 4, 4, &mut out),
            Ok(Outcome::Unsupported("more than one component"))
        );
        assert_eq!(
            decode_into(&siz_header(4, 4, 1, 0x17), 4, 4, &mut out),
            Ok(Outcome::Unsupported("more than 16 bits a sample"))
        );
    }

    #[test]
    fn broken_codestreams_give_errors_not_panics() {
        let mut out = vec![7u16; 16];
        let head = siz_header(4, 4, 1, 0x0B);
        for cut in [head.len(), head.len() + 3] {
            let mut b = head.clone();
            b.resize(cut, 0xFF);
            assert!(decode_into(&b, 4, 4, &mut out).is_err());
        }
        assert!(out.iter().all(|&v| v == 7), "out was written on an error");
    }
}
