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

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;
use std::rc::Rc;

use dicom::core::header::{DataElementHeader, HasLength, Header, SequenceItemHeader};
use dicom::core::value::PrimitiveValue;
use dicom::core::{Tag, VR};
use dicom::encoding::TransferSyntaxIndex;
use dicom::encoding::decode::Decode;
use dicom::encoding::transfer_syntax::{Codec, DynDecoder, TransferSyntax};
use dicom::parser::DataSetReader;
use dicom::parser::dataset::DataToken;
use dicom::parser::dataset::read::{DataSetReaderOptions, Error as ReadError};
use dicom::parser::stateful::decode::{Error as DecodeError, StatefulDecode};
use dicom::transfer_syntax::TransferSyntaxRegistry;

use crate::dicom::error::FileError;

/// The deepest nesting of sequences a file may have. Real files nest a handful of levels
/// (functional groups: 2); dicom-rs reads each level with a recursive call.
pub const MAX_NESTING: usize = 16;

/// The largest data set a Deflated Explicit VR Little Endian file may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// Past [`INFLATE_FLOOR_BYTES`], a deflated data set may inflate to at most this many
/// times its compressed size (deflate reaches about 1000:1 on runs of zeros: a bomb).
pub const MAX_INFLATE_RATIO: u64 = 256;

/// A deflated data set may always inflate to this many bytes.
pub const INFLATE_FLOOR_BYTES: u64 = 16 << 20;

/// The most elements, items and sequences a file may hold. dicom-rs keeps each in memory
/// (about 100 bytes apiece); a DICOMDIR of 50,000 images has about a million. Without a cap
/// a small deflated file could inflate to millions of empty elements.
pub const MAX_ELEMENTS: u64 = 1_000_000;

/// Where the pixel data of a file is, as the walk found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelDataLayout {
    /// Native (uncompressed) pixel data of this many bytes.
    Native {
        /// The value length of Pixel Data (7FE0,0010).
        bytes: u64,
    },
    /// Encapsulated (compressed) pixel data.
    Encapsulated {
        /// Fragments, not counting the basic offset table.
        fragments: usize,
        /// Bytes in all fragments.
        bytes: u64,
    },
}

/// What the walk learnt about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// TransferSyntaxUID (0002,0010), trimmed.
    pub transfer_syntax_uid: String,
    /// The top-level Pixel Data element, when the file has one.
    pub pixel_data: Option<PixelDataLayout>,
    /// Bytes at the end that were not a whole element (dicom-rs stops reading there
    /// without an error): a file cut inside an element header.
    pub unparsed_tail_bytes: u64,
}

/// A byte source the walk can skip forward in.
trait Skip: Read {
    fn skip(&mut self, n: u64) -> std::io::Result<()>;
}

impl Skip for BufReader<File> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let n = i64::try_from(n).map_err(std::io::Error::other)?;
        self.seek_relative(n)
    }
}

impl Skip for Box<dyn Read + '_> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let got = std::io::copy(&mut self.by_ref().take(n), &mut std::io::sink())?;
        if got < n {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
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
    // The preamble rule of dicom-rs when it opens a path: skipped unless the file starts
    // with the magic code itself.
    let mut head = [0u8; 132];
    let got = read_up_to(&mut src, &mut head).map_err(|e| err(format!("cannot read: {e}")))?;
    let start: u64 = if got >= 4 && head.starts_with(b"DICM") && head.get(128..132) != Some(b"DICM")
    {
        4
    } else if got == 132 && head.get(128..132) == Some(b"DICM") {
        132
    } else {
        return Err(err(
            "not a DICOM Part 10 file (no 'DICM' marker at byte 128)".into(),
        ));
    };
    src.seek(std::io::SeekFrom::Start(start))
        .map_err(|e| err(format!("cannot read: {e}")))?;
    let (ts_uid, meta_end) = walk_meta(&mut src, start, file_len).map_err(err)?;
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
            let (pixel, _) = walk_data_set(r, ts, limit).map_err(|(m, at)| {
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
            walk_data_set(src, ts, file_len.saturating_sub(meta_end))
                .map_err(|(m, at)| err(format!("{m} (at byte {} of the file)", at + meta_end)))?
        }
    };
    Ok(Layout {
        transfer_syntax_uid: ts_uid,
        pixel_data,
        unparsed_tail_bytes,
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

fn tag_str(t: Tag) -> String {
    format!("({:04X},{:04X})", t.group(), t.element())
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
            let s = String::from_utf8_lossy(&v)
                .trim_end_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string();
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

/// A stateful decoder that decodes headers with the transfer syntax's own decoder but
/// reads no value: it checks each declared length against what is left and skips it.
struct Skipper<R: Read> {
    src: R,
    decoder: DynDecoder<R>,
    /// Bytes consumed from the start of the data set.
    pos: u64,
    /// Bytes in the data set.
    end: u64,
    /// Why the walk stopped, when it was this decoder that stopped it (shared with the
    /// walk, since the data set reader owns the decoder).
    problem: Rc<RefCell<Option<(String, u64)>>>,
    /// Where the last header started.
    last_header: Rc<Cell<u64>>,
}

/// dicom-rs's decoder error can only be built from outside through a variant without a
/// backtrace; the real reason is kept in [`Skipper::problem`].
fn stop(position: u64) -> DecodeError {
    let source = match "".parse::<u8>() {
        Err(e) => e,
        // The empty string never parses; this arm exists only for the type.
        Ok(_) => unreachable!("the empty string parsed as a number"),
    };
    DecodeError::ReadInt { position, source }
}

impl<R: Skip> Skipper<R> {
    fn left(&self) -> u64 {
        self.end.saturating_sub(self.pos)
    }

    fn fail(&mut self, why: String) -> DecodeError {
        *self.problem.borrow_mut() = Some((why, self.pos));
        stop(self.pos)
    }

    fn check_len(&mut self, what: String, len: u32) -> Result<(), DecodeError> {
        if len != u32::MAX && u64::from(len) > self.left() {
            let left = self.left();
            return Err(self.fail(format!(
                "{what} declares {len} bytes, but only {left} remain (truncated, or a corrupt length)"
            )));
        }
        Ok(())
    }

    /// Skips a value of `declared` bytes of which dicom-rs reads only `physical` (it
    /// reads whole numbers: an odd-length US value loses its last byte) while counting
    /// `declared`, exactly as dicom-rs does, so that the walk stays where dicom-rs is.
    fn skip_value(&mut self, declared: u32, physical: u32) -> Result<(), DecodeError> {
        let len = u64::from(declared);
        if len > self.left() {
            return Err(self.fail(format!("a value of {len} bytes runs past the end")));
        }
        if let Err(e) = self.src.skip(u64::from(physical.min(declared))) {
            return Err(self.fail(format!("cannot read a value of {len} bytes: {e}")));
        }
        self.pos += len;
        Ok(())
    }

    /// Skips a primitive value as dicom-rs's `read_value`/`read_value_preserved` read it.
    fn skip_typed(&mut self, header: &DataElementHeader) -> Result<PrimitiveValue, DecodeError> {
        let Some(len) = header.length().get() else {
            return Err(self.fail(format!(
                "element {} has an undefined length",
                tag_str(header.tag())
            )));
        };
        if len == 0 {
            return Ok(PrimitiveValue::Empty);
        }
        if header.vr() == VR::SQ {
            return Err(self.fail("a sequence read as a value".into()));
        }
        self.skip_value(len, physical_len(header.vr(), len))?;
        Ok(PrimitiveValue::Empty)
    }
}

/// How many bytes dicom-rs 0.10 actually reads for a value of `len` bytes: binary VRs
/// are read as whole numbers (`len >> 1` u16 values, `len >> 2` u32…), the rest whole.
fn physical_len(vr: VR, len: u32) -> u32 {
    match vr {
        VR::US | VR::OW | VR::SS => len & !1,
        VR::AT | VR::FL | VR::OF | VR::SL | VR::OL | VR::UL => len & !3,
        VR::FD | VR::OD | VR::SV | VR::OV | VR::UV => len & !7,
        _ => len,
    }
}

impl<R: Skip> StatefulDecode for Skipper<R> {
    type Reader = R;

    fn decode_header(&mut self) -> Result<DataElementHeader, DecodeError> {
        let position = self.pos;
        self.last_header.set(position);
        let (h, n) = self
            .decoder
            .decode_header(&mut self.src)
            .map_err(|source| DecodeError::DecodeElementHeader { position, source })?;
        self.pos += n as u64;
        if self.pos > self.end {
            return Err(self.fail("the data set runs past its limit".into()));
        }
        self.check_len(
            format!("element {} ({})", tag_str(h.tag()), h.vr()),
            h.length().0,
        )?;
        Ok(h)
    }

    fn decode_item_header(&mut self) -> Result<SequenceItemHeader, DecodeError> {
        let position = self.pos;
        self.last_header.set(position);
        let h = self
            .decoder
            .decode_item_header(&mut self.src)
            .map_err(|source| DecodeError::DecodeItemHeader { position, source })?;
        self.pos += 8;
        if self.pos > self.end {
            return Err(self.fail("the data set runs past its limit".into()));
        }
        if let SequenceItemHeader::Item { len } = h {
            self.check_len("a sequence item".into(), len.0)?;
        }
        Ok(h)
    }

    fn read_value(&mut self, header: &DataElementHeader) -> Result<PrimitiveValue, DecodeError> {
        self.skip_typed(header)
    }

    fn read_value_preserved(
        &mut self,
        header: &DataElementHeader,
    ) -> Result<PrimitiveValue, DecodeError> {
        self.skip_typed(header)
    }

    fn read_value_bytes(
        &mut self,
        header: &DataElementHeader,
    ) -> Result<PrimitiveValue, DecodeError> {
        let len = header.length().0;
        if len != 0 && len != u32::MAX {
            self.skip_value(len, len)?;
        }
        Ok(PrimitiveValue::Empty)
    }

    fn read_to_vec(&mut self, length: u32, _vec: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.skip_value(length, length)
    }

    fn read_u32_to_vec(&mut self, length: u32, _vec: &mut Vec<u32>) -> Result<(), DecodeError> {
        // dicom-rs reads and counts `length >> 2` whole values.
        self.skip_value(length & !3, length & !3)
    }

    fn read_to<W>(&mut self, length: u32, _out: W) -> Result<(), DecodeError>
    where
        Self: Sized,
        W: std::io::Write,
    {
        self.skip_value(length, length)
    }

    fn skip_bytes(&mut self, length: u32) -> Result<(), DecodeError> {
        self.skip_value(length, length)
    }

    fn seek(&mut self, _position: u64) -> Result<(), DecodeError>
    where
        Self::Reader: Seek,
    {
        // The data set reader never seeks.
        Err(self.fail("unexpected seek".into()))
    }

    fn position(&self) -> u64 {
        self.pos
    }
}

/// The top-level pixel sequence while it is walked.
#[derive(Default)]
struct PixelSeq {
    items: usize,
    bytes: u64,
    offset_table_bytes: u64,
}

impl PixelSeq {
    fn layout(&self) -> PixelDataLayout {
        PixelDataLayout::Encapsulated {
            // The first item is the basic offset table.
            fragments: self.items.saturating_sub(1),
            bytes: self.bytes.saturating_sub(self.offset_table_bytes),
        }
    }
}

/// Walks a data set of `end` bytes; returns the top-level pixel data's layout and the
/// bytes left unparsed at the end. Errors carry the data-set offset where the walk
/// stopped.
fn walk_data_set<R: Skip>(
    src: R,
    ts: &TransferSyntax,
    end: u64,
) -> Result<(Option<PixelDataLayout>, u64), (String, u64)> {
    let Some(decoder) = ts.decoder_for::<R>() else {
        return Err((
            format!(
                "transfer syntax {} cannot be parsed by this build",
                ts.name()
            ),
            0,
        ));
    };
    let problem = Rc::new(RefCell::new(None));
    let last_header = Rc::new(Cell::new(0));
    let reader = DataSetReader::new(
        Skipper {
            src,
            decoder,
            pos: 0,
            end,
            problem: problem.clone(),
            last_header: last_header.clone(),
        },
        DataSetReaderOptions::default(),
    );
    // Open sequences (pixel sequences included); items do not add to it.
    let mut depth: usize = 0;
    let mut pixel: Option<PixelDataLayout> = None;
    let mut in_pixel: Option<PixelSeq> = None;
    let mut top_header: Option<DataElementHeader> = None;
    let mut elements: u64 = 0;
    for token in reader {
        let token = match token {
            Ok(t) => t,
            Err(e) => {
                let found = problem.borrow_mut().take();
                return Err(found.unwrap_or_else(|| (describe(&e), last_header.get())));
            }
        };
        if matches!(
            token,
            DataToken::ElementHeader(_)
                | DataToken::SequenceStart { .. }
                | DataToken::ItemStart { .. }
                | DataToken::PixelSequenceStart
        ) {
            elements += 1;
            if elements > MAX_ELEMENTS {
                return Err((
                    format!("more than {MAX_ELEMENTS} elements and items"),
                    last_header.get(),
                ));
            }
        }
        match token {
            DataToken::SequenceStart { tag, .. } => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err((
                        format!(
                            "sequences nest deeper than {MAX_NESTING} levels (sequence {})",
                            tag_str(tag)
                        ),
                        0,
                    ));
                }
            }
            DataToken::PixelSequenceStart => {
                if depth == 0 {
                    in_pixel = Some(PixelSeq::default());
                }
                depth += 1;
            }
            DataToken::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 0
                    && let Some(p) = in_pixel.take()
                {
                    pixel = Some(p.layout());
                }
            }
            DataToken::ItemStart { len } => {
                if let (Some(p), 1) = (in_pixel.as_mut(), depth) {
                    let len = u64::from(len.get().unwrap_or(0));
                    if p.items == 0 {
                        p.offset_table_bytes = len;
                    }
                    p.items += 1;
                    p.bytes += len;
                }
            }
            DataToken::ElementHeader(h) => {
                if depth == 0 && h.tag().group() == 0xFFFE {
                    return Err((
                        format!(
                            "a sequence delimiter or item {} outside any sequence",
                            tag_str(h.tag())
                        ),
                        last_header.get(),
                    ));
                }
                top_header = (depth == 0).then_some(h);
            }
            DataToken::PrimitiveValue(_) => {
                if let Some(h) = top_header.take()
                    && h.tag() == Tag(0x7FE0, 0x0010)
                {
                    pixel = Some(PixelDataLayout::Native {
                        bytes: u64::from(h.length().0),
                    });
                }
            }
            _ => {}
        }
    }
    // The walk ends when a header cannot be read: what is left from there is not an element.
    let tail = end.saturating_sub(last_header.get());
    match in_pixel {
        // The file ended inside the pixel sequence (dicom-rs accepts that).
        Some(p) if depth == 1 => pixel = Some(p.layout()),
        _ if depth > 0 => {
            return Err((
                format!(
                    "the file ends inside {depth} open sequence(s): an undefined-length sequence or item is never closed"
                ),
                last_header.get(),
            ));
        }
        _ => {}
    }
    Ok((pixel, tail))
}

/// A parse error in words, with dicom-rs's chain of causes.
fn describe(e: &ReadError) -> String {
    let mut m = format!("malformed data set: {e}");
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        m.push_str(&format!(": {s}"));
        src = s.source();
    }
    m
}

/// Checks RLE Lossless fragments before dicom-rs 0.10 decodes them. Its RLE decoder
/// panics (slice and index out of range) on a fragment shorter than its 64-byte header,
/// on a segment count past the fragment, and on a segment that decodes to fewer than
/// Rows × Columns bytes; and it sizes a buffer from the segment count. Every fragment is
/// decoded as a frame, so every fragment is checked: the header, the offsets of the
/// `segments` segments it must have (samples × bytes per sample), and each segment's
/// PackBits runs, counted (not written) exactly as that decoder reads them.
pub fn check_rle_fragments(
    fragments: &[impl AsRef<[u8]>],
    rows: u32,
    columns: u32,
    segments: usize,
) -> Result<(), String> {
    let need = u64::from(rows) * u64::from(columns);
    for (f, fragment) in fragments.iter().enumerate() {
        let segs = rle_segments(fragment.as_ref(), segments)
            .map_err(|e| format!("RLE fragment {f}: {e}"))?;
        for (s, seg) in segs.into_iter().enumerate() {
            let got = packbits_len(seg);
            if got < need {
                return Err(format!(
                    "RLE fragment {f}: segment {s} decodes to {got} bytes, Rows × Columns = {need}"
                ));
            }
        }
    }
    Ok(())
}

/// The first `segments` segments of an RLE fragment, read from its 64-byte header as
/// dicom-rs 0.10 reads them: segment `s` runs from its offset to the next segment's
/// offset (the last one counted to the end of the fragment). Errors say what is wrong
/// with the header or which segment lies outside the fragment.
pub fn rle_segments(fragment: &[u8], segments: usize) -> Result<Vec<&[u8]>, String> {
    let word = |i: usize| -> Option<usize> {
        let b = fragment.get(4 * i..4 * i + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(count) = word(0).filter(|_| fragment.len() >= 64) else {
        return Err(format!(
            "{} bytes, shorter than the 64-byte RLE header",
            fragment.len()
        ));
    };
    if !(1..=15).contains(&count) || count < segments {
        return Err(format!(
            "the header says {count} segment(s); 1 to 15 are possible and this image needs {segments}"
        ));
    }
    (0..segments)
        .map(|s| {
            let start = word(1 + s).unwrap_or(0);
            let end = if s + 1 < count {
                word(2 + s).unwrap_or(0)
            } else {
                fragment.len()
            };
            fragment
                .get(start..end)
                .filter(|_| start >= 64)
                .ok_or_else(|| {
                    format!(
                        "segment {s} runs from byte {start} to {end}, outside the {}-byte fragment",
                        fragment.len()
                    )
                })
        })
        .collect()
}

/// The number of bytes the PackBits reader of dicom-rs 0.10 produces from `seg` (0 when
/// it would fail: a run header or repeat byte missing).
fn packbits_len(seg: &[u8]) -> u64 {
    let mut out: u64 = 0;
    let mut i = 0;
    while i < seg.len() {
        let h = seg[i] as i8;
        i += 1;
        if (-127..=-1).contains(&h) {
            if i >= seg.len() {
                return 0;
            }
            out += (1 - h as i64) as u64;
            i += 1;
        } else if h >= 0 {
            let n = h as usize + 1;
            // A literal run cut short copies what is there.
            out += n.min(seg.len() - i) as u64;
            i += n;
        }
    }
    out
}

/// Checks that a compressed frame's own header (JPEG and JPEG-LS SOF, JPEG 2000 SIZ)
/// describes the image that the DICOM header does. The decoders size their buffers from
/// their own header: a 1 KB JPEG lossless stream whose SOF says 65000 × 65000 makes
/// jpeg-decoder ask for 8 GB. Fragments that do not start a frame (no SOI or SOC marker)
/// are left alone; a stream this cannot parse is left to the decoder.
pub fn check_codestream_dims(
    fragments: &[impl AsRef<[u8]>],
    rows: u32,
    columns: u32,
) -> Result<(), String> {
    for (f, fragment) in fragments.iter().enumerate() {
        let Some((what, width, height)) = codestream_dims(fragment.as_ref()) else {
            continue;
        };
        if (width, height) != (columns, rows) {
            return Err(format!(
                "fragment {f}: the {what} says {width} × {height} pixels, the header Columns × Rows = {columns} × {rows}"
            ));
        }
    }
    Ok(())
}

/// The (marker name, width, height) a JPEG, JPEG-LS or JPEG 2000 stream declares.
fn codestream_dims(b: &[u8]) -> Option<(&'static str, u32, u32)> {
    let be16 = |i: usize| -> Option<u32> {
        let s = b.get(i..i + 2)?;
        Some(u32::from(u16::from_be_bytes([s[0], s[1]])))
    };
    let be32 = |i: usize| -> Option<u32> {
        let s = b.get(i..i + 4)?;
        Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    };
    match b.get(0..4)? {
        // JPEG 2000 codestream: SOC then SIZ (Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz).
        [0xFF, 0x4F, 0xFF, 0x51] => {
            let (x, y, xo, yo) = (be32(8)?, be32(12)?, be32(16)?, be32(20)?);
            Some((
                "JPEG 2000 SIZ marker",
                x.checked_sub(xo)?,
                y.checked_sub(yo)?,
            ))
        }
        [0xFF, 0xD8, ..] => {
            // JPEG / JPEG-LS: walk the marker segments to the first SOF.
            let mut i = 2;
            loop {
                while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
                    i += 1; // fill bytes
                }
                if b.get(i) != Some(&0xFF) {
                    return None;
                }
                let m = *b.get(i + 1)?;
                if matches!(m, 0x01 | 0xD0..=0xD7) {
                    i += 2;
                    continue;
                }
                let len = be16(i + 2)? as usize;
                let sof = matches!(m, 0xC0..=0xCF if m != 0xC4 && m != 0xC8 && m != 0xCC);
                if sof || m == 0xF7 {
                    let name = if m == 0xF7 {
                        "JPEG-LS SOF55 marker"
                    } else {
                        "JPEG SOF marker"
                    };
                    return Some((name, be16(i + 7)?, be16(i + 5)?));
                }
                if m == 0xDA || len < 2 {
                    return None; // scan data before any frame header: not ours to judge
                }
                i += 2 + len;
            }
        }
        _ => None,
    }
}
