//! A structure check of a DICOM file before dicom-rs reads it.
//!
//! dicom-rs sizes each value's buffer from the element's declared length before it reads
//! the value, so a 2 KB file that declares a 4 GB element makes it allocate (and zero)
//! 4 GB; and it builds nested sequences recursively, so a deeply nested file overflows the
//! stack. [`check_file`] walks the file first, with dicom-rs's own data set reader (so the
//! structure is understood exactly as dicom-rs will understand it) over a decoder that
//! reads no value: every declared length is checked against the bytes left in the file
//! and skipped, and sequences may nest only [`MAX_NESTING`] deep. A file that passes can be
//! handed to dicom-rs without any allocation larger than the file. The walk also says
//! where the pixel data is and how many bytes it holds, which the header check compares
//! with Rows × Columns × NumberOfFrames before anything is decoded.
//!
//! This module reads the file meta group and sets up the walk; the data set walk itself
//! is in [`dataset`]. The checks of compressed frames before a decoder sees them belong
//! to the decoders.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use dicom::core::Tag;
use dicom::core::header::{HasLength, Header};
use dicom::encoding::TransferSyntaxIndex;
use dicom::encoding::decode::Decode;
use dicom::encoding::transfer_syntax::Codec;
use dicom::encoding::transfer_syntax::Endianness;
use dicom::transfer_syntax::TransferSyntaxRegistry;

use dicom::dictionary_std::tags;
use dicom::object::file::ReadPreamble;
use dicom::object::{DefaultDicomObject, OpenFileOptions};

use crate::dicom::error::FileError;
use crate::dicom::syntax::trim_uid;
use crate::dicom::un;

mod dataset;
mod start;

use dataset::{Skip, tag_str, walk_data_set};

pub use dataset::{MAX_ELEMENTS, MAX_NESTING, PixelDataLayout};
pub use start::{NOT_DICOM, Start, sniff};

/// The largest data set a Deflated Explicit VR Little Endian file may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// Past [`INFLATE_FLOOR_BYTES`], a deflated data set may inflate to at most this many
/// times its compressed size (deflate reaches about 1000:1 on runs of zeros: a bomb).
pub const MAX_INFLATE_RATIO: u64 = 256;

/// A deflated data set may always inflate to this many bytes.
pub const INFLATE_FLOOR_BYTES: u64 = 16 << 20;

/// What the walk learnt about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// TransferSyntaxUID (0002,0010), trimmed.
    pub transfer_syntax_uid: String,
    /// The top-level Pixel Data element, when the file has one.
    pub pixel_data: Option<PixelDataLayout>,
    /// Bytes at the end that were not a whole element: a file cut inside an element
    /// header (dicom-rs stops reading there without an error), or, after the complete
    /// top-level Pixel Data, a trailing element cut short or padding that is no element
    /// (left unread: the pixel data is read with dicom-rs told to stop after it).
    pub unparsed_tail_bytes: u64,
    /// How the file starts: a Part 10 file, or a bare data set without File Meta group
    /// (read in the transfer syntax guessed from its first element).
    pub start: Start,
    /// The file's length.
    pub file_len: u64,
}

/// Walks `path` and refuses it when a declared length runs past the end of the file, the
/// structure cannot be parsed, or sequences nest too deep. The message names the element
/// (tag) and the byte offset.
pub fn check_file(path: &Path) -> Result<Layout, FileError> {
    let err = |m: String| FileError::new(path, m);
    let file = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let file_len = file
        .metadata()
        .map_err(|e| err(format!("cannot read: {e}")))?
        .len();
    let mut src = BufReader::new(file);
    // The preamble rule of dicom-rs when it opens a path (skipped unless the file starts
    // with the magic code itself), and DCMTK's reading of a bare data set.
    let mut head = [0u8; 132];
    let got = read_up_to(&mut src, &mut head).map_err(|e| err(format!("cannot read: {e}")))?;
    let start = sniff(head.get(..got).unwrap_or_default()).map_err(|m| err(m.into()))?;
    let (ts_uid, meta_end) = match start {
        Start::Part10 { magic_at } => {
            src.seek(std::io::SeekFrom::Start(magic_at + 4))
                .map_err(|e| err(format!("cannot read: {e}")))?;
            walk_meta(&mut src, magic_at + 4, file_len).map_err(err)?
        }
        Start::BareDataSet {
            transfer_syntax_uid,
        } => {
            src.seek(std::io::SeekFrom::Start(0))
                .map_err(|e| err(format!("cannot read: {e}")))?;
            (transfer_syntax_uid.to_string(), 0)
        }
    };
    let Some(ts) = TransferSyntaxRegistry.get(&ts_uid) else {
        return Err(err(format!(
            "unknown transfer syntax {ts_uid:?} in TransferSyntaxUID (0002,0010): the file cannot be read"
        )));
    };
    let (pixel_data, unparsed_tail_bytes) = match ts.codec() {
        Codec::Dataset(Some(adapter)) => {
            // Deflated: the inflated size is not known before inflating, so the walk goes
            // up to a limit, and a value counts as present only once skipping it has
            // actually read its bytes (the walk allocates nothing from its length).
            let compressed = file_len.saturating_sub(meta_end);
            let limit = compressed
                .saturating_mul(MAX_INFLATE_RATIO)
                .clamp(INFLATE_FLOOR_BYTES, MAX_INFLATED_BYTES);
            // Buffered: the walk reads 8-byte headers, each a call into the inflater.
            let r: Box<dyn Read + '_> = Box::new(BufReader::with_capacity(
                64 << 10,
                adapter.adapt_reader(Box::new(&mut src)),
            ));
            let (pixel, _) = walk_data_set(r, ts, limit, false).map_err(|(m, at)| {
                let bomb = m.contains("remain") || m.contains("limit") || m.contains("elements");
                err(if bomb {
                    format!(
                        "{m} (at byte {at} of the inflated data set; {compressed} deflated bytes may inflate to at most {limit}: a deflate bomb?)"
                    )
                } else {
                    format!("{m} (at byte {at} of the inflated data set)")
                })
            })?;
            // Where the inflated data ends is not known: no tail to report.
            (pixel, 0)
        }
        Codec::Dataset(None) => {
            return Err(err(format!(
                "transfer syntax {} ({ts_uid}) is not supported by this build",
                ts.name()
            )));
        }
        Codec::None | Codec::EncapsulatedPixelData(..) => {
            walk_data_set(src, ts, file_len.saturating_sub(meta_end), true)
                .map_err(|(m, at)| err(format!("{m} (at byte {} of the file)", at + meta_end)))?
        }
    };
    if let (Start::BareDataSet { .. }, Some(PixelDataLayout::Encapsulated { .. })) =
        (start, pixel_data)
    {
        return Err(err(
            "compressed Pixel Data (7FE0,0010) in a data set without preamble and File Meta group: only the File Meta group's TransferSyntaxUID (0002,0010) says how it is compressed".into(),
        ));
    }
    Ok(Layout {
        transfer_syntax_uid: ts_uid,
        pixel_data,
        unparsed_tail_bytes,
        start,
        file_len,
    })
}

fn read_up_to(src: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match src.read(buf.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Walks the file meta group as dicom-rs reads it (elements until the group length is
/// used up); returns the transfer syntax and the offset where the data set starts.
fn walk_meta(
    src: &mut BufReader<File>,
    start: u64,
    file_len: u64,
) -> Result<(String, u64), String> {
    let decoder = dicom::encoding::decode::file_header_decoder();
    let mut pos = start;
    let eof = |what: &str, pos: u64| {
        format!("file meta group: the file ends inside {what} at byte {pos}")
    };
    let (first, n) = decoder
        .decode_header(src)
        .map_err(|_| eof("the first element header", pos))?;
    pos += n as u64;
    if first.tag() != Tag(0x0002, 0x0000) || first.length().get() != Some(4) {
        return Err(format!(
            "file meta group: expected FileMetaInformationGroupLength (0002,0000) of 4 bytes, found {} of {:?} bytes",
            tag_str(first.tag()),
            first.length().get()
        ));
    }
    let mut b = [0u8; 4];
    src.read_exact(&mut b)
        .map_err(|_| eof("FileMetaInformationGroupLength (0002,0000)", pos))?;
    pos += 4;
    let group_length = u32::from_le_bytes(b);
    let mut total: u32 = 0;
    let mut ts: Option<String> = None;
    while total < group_length {
        let (h, n) = decoder
            .decode_header(src)
            .map_err(|_| eof("an element header", pos))?;
        pos += n as u64;
        let Some(len) = h.length().get() else {
            return Err(format!(
                "file meta group: element {} has an undefined length",
                tag_str(h.tag())
            ));
        };
        let left = file_len.saturating_sub(pos);
        if u64::from(len) > left {
            return Err(format!(
                "file meta group: element {} declares {len} bytes at byte {pos}, but only {left} remain in the file",
                tag_str(h.tag())
            ));
        }
        if h.tag() == Tag(0x0002, 0x0010) {
            if len > 256 {
                return Err(format!(
                    "TransferSyntaxUID (0002,0010) is {len} bytes long; a UID has at most 64"
                ));
            }
            let mut v = vec![0u8; len as usize];
            src.read_exact(&mut v)
                .map_err(|_| eof("TransferSyntaxUID (0002,0010)", pos))?;
            let s = trim_uid(&String::from_utf8_lossy(&v)).to_string();
            ts = Some(s);
        } else {
            src.skip(u64::from(len))
                .map_err(|_| eof("an element value", pos))?;
        }
        pos += u64::from(len);
        total = total.saturating_add(n as u32).saturating_add(len);
    }
    let ts = ts.ok_or("file meta group: no TransferSyntaxUID (0002,0010)")?;
    Ok((ts, pos))
}

/// Where dicom-rs stops reading a file opened with [`open_checked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadUpTo {
    /// Everything before Pixel Data (7FE0,0010): the header.
    BeforePixelData,
    /// Everything up to and including the top-level Pixel Data.
    PixelData,
}

/// Opens `path` with dicom-rs after [`check_file`] gave `layout`: dicom-rs is given only
/// the bytes before the unparsed tail (so an element cut short after the pixel data is
/// never read), stops where `upto` says, and every attribute the dictionary knows but
/// that is stored as UN is re-read with its dictionary VR ([`crate::dicom::un`]).
pub fn open_checked(
    path: &Path,
    layout: &Layout,
    upto: ReadUpTo,
) -> Result<DefaultDicomObject, FileError> {
    let err = |m: String| FileError::new(path, m);
    let file = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    // dicom-rs is given only the bytes before the unparsed tail.
    let end = layout.file_len.saturating_sub(layout.unparsed_tail_bytes);
    let options = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
    let options = match upto {
        ReadUpTo::BeforePixelData => options.read_until(tags::PIXEL_DATA),
        ReadUpTo::PixelData => options.read_to(tags::PIXEL_DATA),
    };
    let read = match layout.start {
        Start::Part10 { magic_at } => {
            let mut file = file;
            file.seek(std::io::SeekFrom::Start(magic_at))
                .map_err(|e| err(format!("cannot read: {e}")))?;
            options.from_reader(BufReader::new(file.take(end.saturating_sub(magic_at))))
        }
        // The magic code and a File Meta group naming the guessed syntax, then the file.
        Start::BareDataSet {
            transfer_syntax_uid,
        } => options.from_reader(BufReader::new(
            std::io::Cursor::new(start::synthetic_meta(transfer_syntax_uid)).chain(file.take(end)),
        )),
    };
    let mut obj = read.map_err(|e| err(format!("not a readable DICOM file: {e}")))?;
    let big_endian = TransferSyntaxRegistry
        .get(&layout.transfer_syntax_uid)
        .is_some_and(|ts| ts.endianness() == Endianness::Big);
    un::reinterpret_un(&mut obj, big_endian).map_err(err)?;
    Ok(obj)
}

#[cfg(test)]
mod bare_data_set_tests {
    use super::*;
    use start::IMPLICIT_VR_LE;

    /// An implicit VR LE element.
    fn iel(group: u16, element: u16, len: u32, value: &[u8]) -> Vec<u8> {
        let mut v = [group.to_le_bytes(), element.to_le_bytes()].concat();
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(value);
        v
    }

    #[test]
    fn a_bare_data_set_goes_through_the_same_structure_walk() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let charset = iel(0x0008, 0x0005, 10, b"ISO_IR 100");
        // Fine: walked, no pixel data.
        let ok = dir.path().join("ok.dcm");
        let mut bytes = charset.clone();
        bytes.extend(iel(0x0010, 0x0010, 4, b"A^B "));
        std::fs::write(&ok, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let layout = check_file(&ok).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            layout.start,
            Start::BareDataSet {
                transfer_syntax_uid: IMPLICIT_VR_LE
            }
        );
        // A length past the end of the file: refused as in a Part 10 file.
        let bad = dir.path().join("bad.dcm");
        let mut bytes = charset;
        bytes.extend(iel(0x0010, 0x0010, 0xFFFF_FFF0, b"A^B "));
        std::fs::write(&bad, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let e = check_file(&bad).map(|_| ()).unwrap_err();
        assert!(e.to_string().contains("declares"), "{e}");
    }
}
