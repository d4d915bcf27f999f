//! The one table that decides how a file's pixel data is decoded.
//!
//! Each [`Entry`] maps a transfer syntax to its decoders, as dicom-rs's
//! `transfer-syntax-registry` maps each syntax to its codec adapter: the decoder of whole
//! files ([`Whole`]: every frame into one buffer, which the volume then copies), and, for
//! the common CT and MR case of one 16-bit greyscale frame a file, a decoder that writes
//! that frame straight into its slice of the volume ([`Slice`]). The loader asks
//! [`slice_path`] with what it knows of a file before opening it; the slice decoder asks
//! again with what the file itself says, and leaves any file that does not fit to
//! [`whole_path`]. A syntax not in the table is decoded by dicom-rs when its registry has a
//! decoder for it in this build. Nothing else in the crate chooses a decoder.

use dicom::dictionary_std::uids;
use dicom::encoding::TransferSyntaxIndex;
use dicom::transfer_syntax::TransferSyntaxRegistry;

use crate::dicom::decode::codec::Own;
use crate::dicom::syntax::SyntaxUid;

/// The decoders of whole files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// dicom-rs's own decoder (`decode_pixel_data`), see
    /// [`crate::dicom::decode::dicomrs`].
    DicomRs,
    /// dicom-rs's RLE decoder, after
    /// [`crate::dicom::decode::precheck::check_rle_fragments`] (it panics on broken
    /// segments).
    DicomRsRle,
    /// This crate's decoders ([`crate::dicom::decode::codec`]) of syntaxes dicom-rs does
    /// not decode in this build.
    Own(Own),
}

/// The decoders of one 16-bit greyscale frame straight into its slice of the volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slice {
    /// Uncompressed little-endian samples read from the end of the file
    /// ([`crate::dicom::decode::raw`]).
    TailRead,
    /// RLE Lossless ([`crate::dicom::decode::rle`]).
    Rle,
    /// JPEG-LS ([`crate::dicom::decode::jpegls`]).
    JpegLs,
    /// JPEG 2000 lossless with hayro ([`crate::dicom::decode::j2k`]); streams it leaves go
    /// to the whole-file path.
    J2k,
}

/// One transfer syntax and its decoders.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The transfer syntax UID.
    pub uid: &'static str,
    /// How every frame of a file is decoded.
    pub whole: Whole,
    /// How a one-frame 16-bit greyscale file is decoded into its slice, if it can be.
    pub slice: Option<Slice>,
}

/// The syntaxes this build knows how to decode, in the order they are listed to users
/// ([`supported_transfer_syntaxes`]).
pub const ENTRIES: &[Entry] = &[
    entry(
        uids::IMPLICIT_VR_LITTLE_ENDIAN,
        Whole::DicomRs,
        Some(Slice::TailRead),
    ),
    entry(
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        Whole::DicomRs,
        Some(Slice::TailRead),
    ),
    // Explicit VR Big Endian (retired).
    entry("1.2.840.10008.1.2.2", Whole::DicomRs, None),
    entry(
        uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
        Whole::DicomRs,
        None,
    ),
    entry(uids::RLE_LOSSLESS, Whole::DicomRsRle, Some(Slice::Rle)),
    entry(uids::JPEG_BASELINE8_BIT, Whole::DicomRs, None),
    entry(
        uids::JPEG_EXTENDED12_BIT,
        Whole::Own(Own::JpegExtended),
        None,
    ),
    entry(uids::JPEG_LOSSLESS, Whole::DicomRs, None),
    entry(uids::JPEG_LOSSLESS_SV1, Whole::DicomRs, None),
    entry(
        uids::JPEGLS_LOSSLESS,
        Whole::Own(Own::JpegLs),
        Some(Slice::JpegLs),
    ),
    entry(
        uids::JPEGLS_NEAR_LOSSLESS,
        Whole::Own(Own::JpegLs),
        Some(Slice::JpegLs),
    ),
    entry(uids::JPEG2000_LOSSLESS, Whole::DicomRs, Some(Slice::J2k)),
    entry(uids::JPEG2000, Whole::DicomRs, None),
];

const fn entry(uid: &'static str, whole: Whole, slice: Option<Slice>) -> Entry {
    Entry { uid, whole, slice }
}

/// The shape of a file's image, as far as the choice of decoder depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Frames in the file.
    pub frames: u32,
    /// BitsAllocated.
    pub bits_allocated: u16,
    /// SamplesPerPixel.
    pub samples_per_pixel: u16,
}

/// The table's entry for `ts`, if it has one.
pub fn entry_of(ts: SyntaxUid) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.uid == ts.as_str())
}

/// How a file of syntax `ts` is decoded whole, or why it cannot be (the message says
/// which syntax and names the README's list).
pub fn whole_path(ts: SyntaxUid) -> Result<Whole, String> {
    let Some(known) = TransferSyntaxRegistry.get(ts.as_str()) else {
        return Err(format!(
            "unknown transfer syntax {ts}: its pixel data cannot be decoded"
        ));
    };
    match entry_of(ts).map(|e| e.whole) {
        Some(own @ Whole::Own(_)) => Ok(own),
        _ if !known.can_decode_all() => Err(format!(
            "transfer syntax {} ({ts}) is not supported by this build (see the README's list of supported syntaxes)",
            known.name()
        )),
        Some(whole) => Ok(whole),
        None => Ok(Whole::DicomRs),
    }
}

/// This crate's own decoder of `ts`, when it is not left to dicom-rs.
pub fn own_codec(ts: SyntaxUid) -> Option<Own> {
    match entry_of(ts)?.whole {
        Whole::Own(own) => Some(own),
        Whole::DicomRs | Whole::DicomRsRle => None,
    }
}

/// How a file of syntax `ts` and this shape is decoded straight into its 16-bit slice:
/// only one frame of 16-bit greyscale samples, in a syntax whose entry has a slice
/// decoder. `None` sends the file to [`whole_path`].
pub fn slice_path(ts: SyntaxUid, shape: Shape) -> Option<Slice> {
    let one_grey_16_bit_frame =
        shape.frames == 1 && shape.bits_allocated == 16 && shape.samples_per_pixel == 1;
    if !one_grey_16_bit_frame {
        return None;
    }
    entry_of(ts)?.slice
}

/// Transfer syntaxes this build decodes, with their names (for the README and `--help`).
pub fn supported_transfer_syntaxes() -> Vec<(&'static str, String)> {
    ENTRIES
        .iter()
        .filter(|e| {
            matches!(e.whole, Whole::Own(_))
                || TransferSyntaxRegistry
                    .get(e.uid)
                    .is_some_and(|ts| ts.can_decode_all())
        })
        .map(|e| (e.uid, SyntaxUid::new(e.uid).name()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_FRAME: Shape = Shape {
        frames: 1,
        bits_allocated: 16,
        samples_per_pixel: 1,
    };

    #[test]
    fn own_decoders_are_jpeg_ls_and_jpeg_extended_only() {
        let own = |uid: &str| own_codec(SyntaxUid::new(uid));
        assert_eq!(own("1.2.840.10008.1.2.4.80"), Some(Own::JpegLs));
        assert_eq!(own("1.2.840.10008.1.2.4.81\0"), Some(Own::JpegLs));
        assert_eq!(own("1.2.840.10008.1.2.4.51"), Some(Own::JpegExtended));
        assert_eq!(own("1.2.840.10008.1.2.4.50"), None);
        assert_eq!(own("1.2.840.10008.1.2.4.70"), None);
        assert_eq!(own("1.2.840.10008.1.2.1"), None);
    }

    #[test]
    fn whole_files_go_to_dicom_rs_unless_the_table_says_otherwise() {
        let whole = |uid: &str| whole_path(SyntaxUid::new(uid));
        assert_eq!(whole(uids::RLE_LOSSLESS), Ok(Whole::DicomRsRle));
        assert_eq!(whole(uids::JPEG2000_LOSSLESS), Ok(Whole::DicomRs));
        assert_eq!(whole(uids::JPEGLS_LOSSLESS), Ok(Whole::Own(Own::JpegLs)));
        assert_eq!(
            whole("1.2.3.4"),
            Err("unknown transfer syntax 1.2.3.4: its pixel data cannot be decoded".to_string())
        );
    }

    #[test]
    fn only_one_16_bit_grey_frame_goes_straight_into_the_slice() {
        let slice = |uid: &str, shape| slice_path(SyntaxUid::new(uid), shape);
        assert_eq!(
            slice(uids::EXPLICIT_VR_LITTLE_ENDIAN, ONE_FRAME),
            Some(Slice::TailRead)
        );
        assert_eq!(slice(uids::RLE_LOSSLESS, ONE_FRAME), Some(Slice::Rle));
        assert_eq!(
            slice(uids::JPEGLS_NEAR_LOSSLESS, ONE_FRAME),
            Some(Slice::JpegLs)
        );
        assert_eq!(slice(uids::JPEG2000_LOSSLESS, ONE_FRAME), Some(Slice::J2k));
        assert_eq!(slice(uids::JPEG2000, ONE_FRAME), None);
        assert_eq!(slice(uids::JPEG_EXTENDED12_BIT, ONE_FRAME), None);
        for other in [
            Shape {
                frames: 2,
                ..ONE_FRAME
            },
            Shape {
                bits_allocated: 8,
                ..ONE_FRAME
            },
            Shape {
                samples_per_pixel: 3,
                ..ONE_FRAME
            },
        ] {
            assert_eq!(slice(uids::RLE_LOSSLESS, other), None, "{other:?}");
        }
    }

    #[test]
    fn supported_list_keeps_its_order_and_has_the_own_decoders() {
        let list: Vec<&str> = supported_transfer_syntaxes()
            .iter()
            .map(|(u, _)| *u)
            .collect();
        assert_eq!(list.first(), Some(&uids::IMPLICIT_VR_LITTLE_ENDIAN));
        for uid in [
            uids::JPEGLS_LOSSLESS,
            uids::JPEG_EXTENDED12_BIT,
            uids::RLE_LOSSLESS,
        ] {
            assert!(list.contains(&uid), "{uid}");
        }
        let order: Vec<&str> = ENTRIES
            .iter()
            .map(|e| e.uid)
            .filter(|u| list.contains(u))
            .collect();
        assert_eq!(order, list);
    }
}
