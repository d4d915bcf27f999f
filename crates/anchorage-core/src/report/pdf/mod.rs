//! A small page writer over `pdf-writer`: pages of a fixed size, drawn with the origin at
//! the top left in points (y down), with text in the embedded font ([`font`]), lines,
//! rectangles, discs and 8-bit RGB or grey pictures. [`Doc::finish`] writes the document
//! with no date and the file identifier the caller gives, so the same drawing gives the
//! same bytes. Every string drawn is kept ([`Doc::texts`]) so the caller can check what the
//! document says before it leaves.

pub mod font;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::types::ReportError;
use font::{FontRefs, PdfFont};

/// The font's resource name on every page.
const FONT_NAME: &[u8] = b"F1";

/// An RGB colour, 0..1 per channel.
pub type Colour = [f32; 3];

/// Black.
pub const BLACK: Colour = [0.0, 0.0, 0.0];

/// A picture to embed.
struct Picture {
    width: u32,
    height: u32,
    grey: bool,
    compressed: Vec<u8>,
}

/// One page: its drawing and the pictures it shows.
struct PageOut {
    content: Content,
    pictures: Vec<usize>,
}

/// What the document's Info dictionary says (no dates: the bytes depend on the content
/// only).
#[derive(Debug, Clone)]
pub struct Meta {
    /// Title.
    pub title: String,
    /// The program that made it, with its version.
    pub producer: String,
    /// The two halves of the file identifier (16 bytes each, fixed by the content).
    pub file_id: [u8; 16],
}

/// A document being drawn.
pub struct Doc {
    font: PdfFont,
    size_pt: [f32; 2],
    pages: Vec<PageOut>,
    pictures: Vec<Picture>,
    texts: Vec<String>,
}

impl Doc {
    /// An empty document of pages `width_pt` × `height_pt`.
    pub fn new(width_pt: f32, height_pt: f32) -> Result<Doc, ReportError> {
        Ok(Doc {
            font: PdfFont::new()?,
            size_pt: [width_pt, height_pt],
            pages: Vec::new(),
            pictures: Vec::new(),
            texts: Vec::new(),
        })
    }

    /// Page width, points.
    pub fn width(&self) -> f32 {
        self.size_pt[0]
    }

    /// Page height, points.
    pub fn height(&self) -> f32 {
        self.size_pt[1]
    }

    /// Starts a new page; drawing goes to it.
    pub fn new_page(&mut self) {
        self.pages.push(PageOut {
            content: Content::new(),
            pictures: Vec::new(),
        });
    }

    /// The number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Every string drawn so far, in order, and every text wrapped, whole.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// The current page's drawing (a page is started if there is none).
    fn content(&mut self, page: Option<usize>) -> &mut Content {
        if self.pages.is_empty() {
            self.new_page();
        }
        let i = page.unwrap_or(self.pages.len() - 1);
        let i = i.min(self.pages.len() - 1);
        &mut self.pages[i].content
    }

    /// Width of `text` at `size_pt`, points.
    pub fn text_width(&self, text: &str, size_pt: f32) -> f32 {
        self.font.width_pt(text, size_pt)
    }

    /// `text` broken into lines no wider than `max_pt` at `size_pt`: at spaces, after `;`,
    /// and inside a word only when the word alone is too wide. The whole text is kept
    /// with the drawn ones ([`Doc::texts`]), so a check sees a value a break cut in two.
    pub fn wrap(&mut self, text: &str, size_pt: f32, max_pt: f32) -> Vec<String> {
        if !text.is_empty() {
            self.texts.push(text.to_string());
        }
        let mut lines = Vec::new();
        let mut line = String::new();
        for token in tokens(text) {
            let candidate = format!("{line}{token}");
            if line.is_empty() || self.text_width(candidate.trim_end(), size_pt) <= max_pt {
                line = candidate;
            } else {
                lines.push(line.trim_end().to_string());
                line = token.trim_start().to_string();
            }
            // A word wider than the line on its own is cut where it overflows.
            while self.text_width(line.trim_end(), size_pt) > max_pt && line.chars().count() > 1 {
                let mut head = String::new();
                for c in line.chars() {
                    let next = format!("{head}{c}");
                    if !head.is_empty() && self.text_width(&next, size_pt) > max_pt {
                        break;
                    }
                    head = next;
                }
                let rest = line[head.len()..].to_string();
                lines.push(head);
                line = rest;
            }
        }
        if !line.trim().is_empty() || lines.is_empty() {
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    /// Draws `text` with its baseline at (`x`, `y`) on `page` (`None`: the current page).
    pub fn text_on(
        &mut self,
        page: Option<usize>,
        x: f32,
        y: f32,
        size_pt: f32,
        colour: Colour,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        self.texts.push(text.to_string());
        let encoded = self.font.encode(text);
        let h = self.size_pt[1];
        let c = self.content(page);
        c.begin_text();
        c.set_font(Name(FONT_NAME), size_pt);
        c.set_fill_rgb(colour[0], colour[1], colour[2]);
        c.next_line(x, h - y);
        c.show(Str(&encoded));
        c.end_text();
    }

    /// Draws `text` with its baseline at (`x`, `y`) on the current page.
    pub fn text(&mut self, x: f32, y: f32, size_pt: f32, colour: Colour, text: &str) {
        self.text_on(None, x, y, size_pt, colour, text);
    }

    /// A straight line.
    pub fn line(&mut self, from: [f32; 2], to: [f32; 2], width_pt: f32, colour: Colour) {
        let h = self.size_pt[1];
        let c = self.content(None);
        c.set_line_width(width_pt);
        c.set_stroke_rgb(colour[0], colour[1], colour[2]);
        c.move_to(from[0], h - from[1]);
        c.line_to(to[0], h - to[1]);
        c.stroke();
    }

    /// A filled rectangle, top left at (`x`, `y`).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h_pt: f32, colour: Colour) {
        let h = self.size_pt[1];
        let c = self.content(None);
        c.set_fill_rgb(colour[0], colour[1], colour[2]);
        c.rect(x, h - y - h_pt, w, h_pt);
        c.fill_nonzero();
    }

    /// A filled disc of radius `r` centred at (`x`, `y`).
    pub fn disc(&mut self, x: f32, y: f32, r: f32, colour: Colour) {
        let h = self.size_pt[1];
        let (cx, cy) = (x, h - y);
        // Four cubic Béziers: k is the control distance of a quarter circle.
        let k = 0.552_284_8 * r;
        let c = self.content(None);
        c.set_fill_rgb(colour[0], colour[1], colour[2]);
        c.move_to(cx + r, cy);
        c.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
        c.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
        c.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
        c.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
        c.close_path();
        c.fill_nonzero();
    }

    /// Shows a `width` × `height` picture (`pixels`: RGB bytes, or grey bytes when `grey`)
    /// in the box at (`x`, `y`) of `w` × `h_pt` points.
    #[allow(clippy::too_many_arguments)]
    pub fn picture(
        &mut self,
        pixels: &[u8],
        width: u32,
        height: u32,
        grey: bool,
        at: [f32; 2],
        w: f32,
        h_pt: f32,
    ) -> Result<(), ReportError> {
        let channels = if grey { 1 } else { 3 };
        let expected = width as usize * height as usize * channels;
        if width == 0 || height == 0 || pixels.len() != expected {
            return Err(ReportError::Image(format!(
                "a {width} × {height} picture needs {expected} bytes, it has {}",
                pixels.len()
            )));
        }
        let index = self.pictures.len();
        self.pictures.push(Picture {
            width,
            height,
            grey,
            compressed: miniz_oxide::deflate::compress_to_vec_zlib(pixels, 6),
        });
        let h = self.size_pt[1];
        if self.pages.is_empty() {
            self.new_page();
        }
        let page = self.pages.len() - 1;
        self.pages[page].pictures.push(index);
        let name = format!("Im{index}");
        let c = &mut self.pages[page].content;
        c.save_state();
        c.transform([w, 0.0, 0.0, h_pt, at[0], h - at[1] - h_pt]);
        c.x_object(Name(name.as_bytes()));
        c.restore_state();
        Ok(())
    }

    /// The document's bytes: catalog, pages, the font subset, the pictures and an Info
    /// dictionary with `meta`'s title and producer, no dates, and `meta`'s identifier.
    pub fn finish(self, meta: &Meta) -> Result<Vec<u8>, ReportError> {
        let mut alloc = Ref::new(1);
        let catalog = alloc.bump();
        let tree = alloc.bump();
        let info = alloc.bump();
        let font = FontRefs {
            type0: alloc.bump(),
            cid: alloc.bump(),
            descriptor: alloc.bump(),
            file: alloc.bump(),
            to_unicode: alloc.bump(),
        };
        let picture_refs: Vec<Ref> = self.pictures.iter().map(|_| alloc.bump()).collect();
        let page_refs: Vec<(Ref, Ref)> = self
            .pages
            .iter()
            .map(|_| (alloc.bump(), alloc.bump()))
            .collect();

        let mut pdf = Pdf::new();
        pdf.set_version(1, 7);
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_refs.iter().map(|(p, _)| *p))
            .count(page_refs.len() as i32);
        pdf.document_info(info)
            .title(TextStr(&meta.title))
            .producer(TextStr(&meta.producer))
            .creator(TextStr(&meta.producer));
        pdf.set_file_id((meta.file_id.to_vec(), meta.file_id.to_vec()));

        self.font.write(&mut pdf, font)?;
        for (p, r) in self.pictures.iter().zip(&picture_refs) {
            let mut img = pdf.image_xobject(*r, &p.compressed);
            img.filter(Filter::FlateDecode);
            img.width(p.width as i32);
            img.height(p.height as i32);
            if p.grey {
                img.color_space().device_gray();
            } else {
                img.color_space().device_rgb();
            }
            img.bits_per_component(8);
            img.finish();
        }
        let [w, h] = self.size_pt;
        for (page, (page_ref, content_ref)) in self.pages.into_iter().zip(&page_refs) {
            let mut p = pdf.page(*page_ref);
            p.media_box(Rect::new(0.0, 0.0, w, h));
            p.parent(tree);
            p.contents(*content_ref);
            {
                let mut res = p.resources();
                res.fonts().pair(Name(FONT_NAME), font.type0);
                let mut xo = res.x_objects();
                for i in &page.pictures {
                    if let Some(r) = picture_refs.get(*i) {
                        let name = format!("Im{i}");
                        xo.pair(Name(name.as_bytes()), *r);
                    }
                }
            }
            p.finish();
            let bytes = page.content.finish();
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&bytes, 6);
            pdf.stream(*content_ref, &compressed)
                .filter(Filter::FlateDecode);
        }
        Ok(pdf.finish())
    }
}

/// `text` as wrapping tokens: each word with the spaces after it; a `;` ends a token.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for c in text.chars() {
        if in_space && c != ' ' {
            out.push(std::mem::take(&mut cur));
            in_space = false;
        }
        cur.push(c);
        if c == ' ' {
            in_space = true;
        } else if c == ';' {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_semicolons_and_keeps_every_character() {
        let mut doc = Doc::new(842.0, 595.0).expect("bundled font");
        let text = "no caliper for L4 L;risk not computed: age missing;a_very_long_word_without_any_space_at_all";
        let lines = doc.wrap(text, 8.0, 80.0);
        assert!(lines.len() > 3, "{lines:?}");
        for l in &lines {
            assert!(doc.text_width(l, 8.0) <= 80.0 + 1e-3, "{l} too wide");
        }
        // Nothing lost but the spaces where lines broke.
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        // Short text stays one line.
        assert_eq!(doc.wrap("L4", 8.0, 80.0), vec!["L4".to_string()]);
    }

    #[test]
    fn text_width_scales_with_size_and_length() {
        let doc = Doc::new(842.0, 595.0).expect("bundled font");
        let w = doc.text_width("0123456789", 10.0);
        // DejaVu Sans digits are 1303/2048 em wide.
        assert!((w - 10.0 * 10.0 * 1303.0 / 2048.0).abs() < 0.01, "{w}");
        assert!((doc.text_width("0123456789", 20.0) - 2.0 * w).abs() < 1e-3);
    }
}
