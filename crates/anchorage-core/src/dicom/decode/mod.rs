//! Pixel data to sample values: one file per codec, and the table that picks the codec.
//!
//! [`raw`] reads uncompressed little-endian pixel data straight from the end of a file;
//! [`rle`] unpacks RLE Lossless segments; [`jls`] is the fast lossless JPEG-LS decoder;
//! [`j2k`] decodes JPEG 2000 lossless greyscale frames with hayro; [`codec`] holds the
//! decoders dicom-rs lacks in this build (JPEG-LS through `pure_jpegls`, 12-bit JPEG) and
//! the encapsulated frame finder; [`direct`] decodes a single-frame image straight into
//! its slice of the volume.

pub mod codec;
pub mod direct;
pub mod j2k;
pub mod jls;
pub mod raw;
pub mod rle;
