//! JPEG Extended (process 2 & 4, `1.2.840.10008.1.2.4.51`) frames.
//!
//! dicom-rs's jpeg-decoder refuses 12-bit samples ("unsupported JPEG feature:
//! SamplePrecision(12)"). 12-bit frames are decoded with the pure-Rust `libjpeg-turbo-rs`
//! crate (built without its SIMD kernels, under decode limits taken from Rows and
//! Columns); other precisions still go to jpeg-decoder, as dicom-rs would decode them.

use crate::dicom::decode::headers::{find_soi, frame_header};
use crate::dicom::decode::panics;

/// Decodes one JPEG Extended stream of `rows × cols` greyscale samples.
///
/// The frame header is read first, so that no decoder sizes anything from a header that
/// disagrees with Rows and Columns (which the DICOM header reader has capped).
pub fn decode(stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
    let sof = find_soi(stream, 0)
        .and_then(|soi| frame_header(stream, soi))
        .ok_or("no JPEG frame header (SOF marker) found")?;
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
    let result = panics::catch("12-bit JPEG (libjpeg-turbo-rs)", || {
        libjpeg_turbo_rs::decompress_12bit_with_limits(stream, &limits)
    });
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
    let result = panics::catch("JPEG (jpeg-decoder)", || {
        let mut decoder = jpeg_decoder::Decoder::new(stream);
        decoder.read_info()?;
        let info = decoder.info();
        let pixels = decoder.decode()?;
        Ok::<_, jpeg_decoder::Error>((info, pixels))
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicom::decode::headers::sof_stream;

    #[test]
    fn jpeg_extended_checks_the_frame_header_before_decoding() {
        let (e, caught) = panics::count_caught(|| {
            let e = decode(&sof_stream(0xC1, 12, 65535, 65535, 1), 64, 64);
            assert!(
                matches!(e, Err(ref m) if m.contains("65535 × 65535")),
                "{e:?}"
            );
            let e = decode(&sof_stream(0xC1, 12, 64, 64, 3), 64, 64);
            assert!(
                matches!(e, Err(ref m) if m.contains("3 components")),
                "{e:?}"
            );
            let e = decode(&[0xFF, 0xD8, 0xFF, 0xD9], 64, 64);
            assert!(
                matches!(e, Err(ref m) if m.contains("no JPEG frame header")),
                "{e:?}"
            );
            // Right size, but nothing after the header: the 12-bit decoder reports it.
            let e = decode(&sof_stream(0xC1, 12, 64, 64, 1), 64, 64);
            assert!(
                matches!(e, Err(ref m) if m.starts_with("12-bit JPEG decoding failed")),
                "{e:?}"
            );
            decode(&sof_stream(0xC1, 8, 64, 64, 1), 64, 64)
        });
        assert!(
            matches!(e, Err(ref m) if m.starts_with("JPEG decoding failed")),
            "{e:?}"
        );
        // Each stream was refused by a decoder's own error, not by a panic.
        assert_eq!(caught, 0);
    }
}
