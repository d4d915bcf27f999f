//! Pixel data to sample values: one table that picks the decoder, one file per codec,
//! and the fill of the volume's memory.
//!
//! [`table`] decides, for a file's transfer syntax and image shape, how its pixel data
//! is decoded; everything else asks it. Two paths follow from it. [`direct`] decodes a
//! single-frame 16-bit greyscale image straight into its slice of the volume, with
//! [`raw`] (uncompressed data read from the end of the file), [`rle`], [`jpegls`] or
//! [`j2k`]. [`file`] decodes every frame of any file into one buffer, with this crate's
//! decoders ([`codec`]: [`jpegls`], [`jpeg12`]) or dicom-rs's ([`dicomrs`]), and [`fill`]
//! turns those bytes into the volume's values.
//!
//! Shared by the codecs: [`frames`] finds each frame's codestream in encapsulated Pixel
//! Data; [`headers`] parses the JPEG frame header and the JPEG 2000 SIZ marker, and
//! [`rle`] the RLE header and PackBits runs, each once, for the decoders and for
//! [`precheck`], which refuses frames no decoder may be handed; [`outcome`] is what the
//! focused decoders ([`jls`], [`j2k`]) answer; [`panics`] turns a decoder's panic into an
//! error, counted and logged.
//!
//! The modules depend on one another without cycles: the table, the parsers and the
//! shared types below the codecs, the codecs below [`codec`], [`direct`] and [`file`].

pub mod codec;
pub mod dicomrs;
pub mod direct;
pub mod file;
pub mod fill;
pub mod frames;
pub mod headers;
pub mod j2k;
pub mod jls;
pub mod jpeg12;
pub mod jpegls;
pub mod outcome;
pub mod panics;
pub mod precheck;
pub mod raw;
pub mod rle;
pub mod table;
