//! The report's one font: the bundled DejaVu Sans ([`crate::display::annotate::FONT_TTF`]),
//! embedded as a subset of the glyphs the report uses, as a CID-keyed TrueType font
//! (Type0, Identity-H) with a ToUnicode map, so text can be selected, searched and
//! extracted (`pdftotext`). The subset's name tag is derived from its glyphs, never
//! random: the same text gives the same bytes.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use sha2::Digest;
use subsetter::GlyphRemapper;

use crate::display::annotate::FONT_TTF;
use crate::report::types::ReportError;

/// The font's PostScript name.
const BASE_NAME: &str = "DejaVuSans";

/// The bundled font, measuring and encoding text and remembering the glyphs used.
pub struct PdfFont {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    remapper: GlyphRemapper,
    /// CID (the glyph's id in the subset) → the character it shows and its advance width
    /// in thousandths of the font size.
    used: BTreeMap<u16, (char, f32)>,
}

/// The object numbers the font's dictionaries are written to.
#[derive(Debug, Clone, Copy)]
pub struct FontRefs {
    /// The Type0 font (what pages refer to).
    pub type0: Ref,
    /// The descendant CIDFontType2.
    pub cid: Ref,
    /// The font descriptor.
    pub descriptor: Ref,
    /// The embedded subset (FontFile2).
    pub file: Ref,
    /// The ToUnicode CMap.
    pub to_unicode: Ref,
}

impl PdfFont {
    /// The bundled font; an error if it does not parse (a broken build).
    pub fn new() -> Result<PdfFont, ReportError> {
        let face = ttf_parser::Face::parse(FONT_TTF, 0)
            .map_err(|e| ReportError::Font(format!("the bundled DejaVu Sans: {e}")))?;
        let units_per_em = f32::from(face.units_per_em().max(1));
        Ok(PdfFont {
            face,
            units_per_em,
            remapper: GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    /// The glyph for `c`, with a character the font lacks shown as `?`.
    fn glyph(&self, c: char) -> (char, ttf_parser::GlyphId) {
        match self.face.glyph_index(c) {
            Some(g) => (c, g),
            None => (
                '?',
                self.face.glyph_index('?').unwrap_or(ttf_parser::GlyphId(0)),
            ),
        }
    }

    /// Advance width of a glyph, in thousandths of the font size.
    fn advance(&self, g: ttf_parser::GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * 1000.0 / self.units_per_em
    }

    /// Width of `text` at `size_pt`, points (no kerning, as drawn).
    pub fn width_pt(&self, text: &str, size_pt: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c).1))
            .sum::<f32>()
            * size_pt
            / 1000.0
    }

    /// The bytes that show `text` (two-byte CIDs, big-endian), its glyphs added to the
    /// subset. Control characters become spaces.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            let (shown, g) = self.glyph(c);
            let width = self.advance(g);
            let cid = self.remapper.remap(g.0);
            self.used.entry(cid).or_insert((shown, width));
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the font's objects: the subset, its descriptor, the CID font, the ToUnicode
    /// map and the Type0 font.
    pub fn write(&self, pdf: &mut Pdf, refs: FontRefs) -> Result<(), ReportError> {
        let subset = subsetter::subset(FONT_TTF, 0, &self.remapper)
            .map_err(|e| ReportError::Font(format!("cannot subset DejaVu Sans: {e}")))?;
        // A tag of six capitals from the glyphs used: the same text, the same name.
        let digest = sha2::Sha256::digest(
            self.used
                .iter()
                .flat_map(|(cid, (c, _))| {
                    let mut b = cid.to_be_bytes().to_vec();
                    b.extend_from_slice(&(*c as u32).to_be_bytes());
                    b
                })
                .collect::<Vec<u8>>(),
        );
        let tag: String = digest
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let name = format!("{tag}+{BASE_NAME}");
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(refs.type0)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid)
            .to_unicode(refs.to_unicode);

        let mut cid = pdf.cid_font(refs.cid);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(system_info)
            .font_descriptor(refs.descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        {
            let mut widths = cid.widths();
            for (id, (_, w)) in &self.used {
                widths.consecutive(*id, [*w]);
            }
        }
        cid.finish();

        let scale = |v: i16| f32::from(v) * 1000.0 / self.units_per_em;
        let bbox = self.face.global_bounding_box();
        pdf.font_descriptor(refs.descriptor)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(self.face.italic_angle())
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(1493)))
            .stem_v(80.0)
            .font_file2(refs.file);

        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 9);
        pdf.stream(refs.file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = UnicodeCmap::new(Name(b"Anchorage-UCS"), system_info);
        for (id, (c, _)) in &self.used {
            cmap.pair(*id, *c);
        }
        pdf.cmap(refs.to_unicode, &cmap.finish());
        Ok(())
    }
}
