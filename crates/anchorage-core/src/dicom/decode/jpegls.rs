//! JPEG-LS (lossless `1.2.840.10008.1.2.4.80`, near-lossless `…4.81`) frames.
//!
//! dicom-rs decodes JPEG-LS only through its `charls` feature, which compiles the C++
//! CharLS library, and this build must compile without a C++ tool chain. The focused
//! lossless decoder [`crate::dicom::decode::jls`] goes first; what it leaves
//! (near-lossless, restart markers, …) or refuses goes to the pure-Rust `pure_jpegls`
//! crate (library `jpegls`: precision 2–16 bits, one component, no restart markers),
//! whose answer then stands. The README's "Transfer syntaxes" section says why these
//! crates were chosen.

use std::borrow::Cow;

use crate::dicom::decode::jls;
use crate::dicom::decode::outcome::Outcome;
use crate::dicom::decode::panics;

/// Decodes one JPEG-LS stream of `rows × cols` samples.
///
/// The focused lossless decoder goes first; what it leaves (near-lossless, restart
/// markers, …) or refuses goes to `pure_jpegls`, whose answer then stands. A panic in
/// either becomes an error (or, in the focused one, the fall-back), counted and logged
/// by [`panics::catch`].
pub fn decode(stream: &[u8], rows: u32, cols: u32) -> Result<Vec<u16>, String> {
    let stream = without_fill_before_eoi(stream);
    let mut fast = vec![0u16; rows as usize * cols as usize];
    let tried = panics::catch("JPEG-LS (the focused decoder)", || {
        jls::decode_into(&stream, rows, cols, &mut fast)
    });
    if let Ok(Ok(Outcome::Decoded)) = tried {
        return Ok(fast);
    }
    drop(fast);
    // The decoder is third-party code fed with file data: a panic in it must become an
    // error for this file, not take the whole load (or the window) down.
    let result = panics::catch("JPEG-LS (pure_jpegls)", || {
        ::jpegls::decode(&stream, cols, rows)
    });
    match result {
        Ok(Ok((samples, w, h))) if w == cols && h == rows => Ok(samples),
        Ok(Ok((_, w, h))) => Err(format!(
            "JPEG-LS stream is {w} × {h}, the header says {cols} × {rows} (columns × rows)"
        )),
        Ok(Err(e)) => Err(format!("JPEG-LS decoding failed: {e}")),
        Err(_) => Err("JPEG-LS decoding failed: the decoder stopped on corrupt data".to_string()),
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
