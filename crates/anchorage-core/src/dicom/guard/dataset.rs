//! The data set walk: dicom-rs's own data set reader over a decoder that reads no value.
//!
//! [`Skipper`] decodes element and item headers with the transfer syntax's own decoder,
//! checks every declared length against the bytes left, and skips values exactly as
//! dicom-rs reads them; [`walk_data_set`] drives dicom-rs's `DataSetReader` over it,
//! counting elements and sequence depth and noting where the pixel data is.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::rc::Rc;

use dicom::core::header::{DataElementHeader, HasLength, Header, SequenceItemHeader};
use dicom::core::value::PrimitiveValue;
use dicom::core::{Tag, VR};
use dicom::encoding::transfer_syntax::{DynDecoder, TransferSyntax};
use dicom::parser::DataSetReader;
use dicom::parser::dataset::DataToken;
use dicom::parser::dataset::read::{DataSetReaderOptions, Error as ReadError};
use dicom::parser::stateful::decode::{Error as DecodeError, StatefulDecode};

/// The deepest nesting of sequences a file may have. Real files nest a handful of levels
/// (functional groups: 2); dicom-rs reads each level with a recursive call.
pub const MAX_NESTING: usize = 16;

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

/// A byte source the walk can skip forward in.
pub trait Skip: Read {
    /// Skips `n` bytes.
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

/// A tag as `(GGGG,EEEE)`.
pub fn tag_str(t: Tag) -> String {
    format!("({:04X},{:04X})", t.group(), t.element())
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
///
/// With `tolerate_tail`, a top-level element after the complete top-level Pixel Data that
/// cannot be read (a length past the end, a header cut short) ends the walk without an
/// error: its bytes and everything after them count as the unparsed tail. Pixel data cut
/// short, and the limits on nesting and element count, are refused as always.
pub fn walk_data_set<R: Skip>(
    src: R,
    ts: &TransferSyntax,
    end: u64,
    tolerate_tail: bool,
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
                // Past the whole top-level Pixel Data, an element that cannot be read (cut
                // short, or padding that is not an element) is left unread: dicom-rs is
                // told to stop after the pixel data, so no length from there is ever used.
                if tolerate_tail && depth == 0 && in_pixel.is_none() && pixel.is_some() {
                    return Ok((pixel, end.saturating_sub(last_header.get())));
                }
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
