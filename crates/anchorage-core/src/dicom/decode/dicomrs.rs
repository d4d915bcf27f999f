//! dicom-rs's own pixel data decoders, for every syntax the table leaves to them.
//!
//! `decode_pixel_data` decodes native data and, through its codec adapters, RLE, JPEG
//! baseline and lossless and JPEG 2000. The table sends RLE here only after the pre-check
//! ([`crate::dicom::decode::precheck::check_rle_fragments`]), since dicom-rs 0.10's RLE
//! decoder panics on broken segments; a panic that gets through anyway becomes an error
//! for the file, counted and logged ([`crate::dicom::decode::panics`]).

use dicom::object::DefaultDicomObject;
use dicom::pixeldata::{PixelDecoder, PixelRepresentation};

use crate::dicom::decode::fill::{Decoded, Format};
use crate::dicom::decode::panics;

/// Decodes every frame of `obj` with dicom-rs: the frames, and the image size the
/// decoder gave (rows, columns). Errors are the decoder's, with their causes.
pub fn decode(obj: &DefaultDicomObject) -> Result<(Decoded, (u32, u32)), String> {
    // Last resort: a decoder that panics on a corrupt stream gives an error, not a crash.
    // (Known panics are checked for before; the fuzz targets report any other.)
    let decoded = panics::catch("dicom-rs's decoder", || {
        obj.decode_pixel_data().map_err(|e| with_causes(&e))
    })
    .unwrap_or_else(|what| Err(format!("the decoder failed on this stream ({what})")))?;
    let format = Format {
        bytes_per: (decoded.bits_allocated() as usize).div_ceil(8).max(1),
        bits_stored: decoded.bits_stored().clamp(1, 32) as u32,
        signed: matches!(decoded.pixel_representation(), PixelRepresentation::Signed),
    };
    let frames = decoded.number_of_frames();
    let size = (decoded.rows(), decoded.columns());
    let data = decoded.into_data();
    Ok((
        Decoded {
            data,
            format,
            frames,
        },
        size,
    ))
}

/// An error's message followed by its causes ("could not decode: invalid segment range").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut m = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !m.contains(&t) {
            m.push_str(": ");
            m.push_str(&t);
        }
        src = s.source();
    }
    m
}
