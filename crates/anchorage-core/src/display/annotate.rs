//! An RGB picture ([`Rgb`]) and writing on it without a UI toolkit: text in DejaVu Sans (bundled in
//! `assets/fonts/`, its licence beside it; rasterised with `ab_glyph`), text blocks on a
//! dark box so they read on bone and on air, and a scale bar of a round length in mm.
//! Used by the exported key image ([`super::snapshot`]).

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

/// An RGB picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Rgb {
    /// Width, pixels.
    pub width: usize,
    /// Height, pixels.
    pub height: usize,
    /// Row-major RGB bytes.
    pub pixels: Vec<u8>,
}

impl Rgb {
    fn index(&self, x: i64, y: i64) -> Option<usize> {
        (x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height)
            .then(|| (y as usize * self.width + x as usize) * 3)
    }

    /// Sets pixel (`x`, `y`); nothing outside the picture.
    pub fn put(&mut self, x: i64, y: i64, rgb: [u8; 3]) {
        if let Some(i) = self.index(x, y)
            && let Some(p) = self.pixels.get_mut(i..i + 3)
        {
            p.copy_from_slice(&rgb);
        }
    }

    /// The pixel at (`x`, `y`), if inside.
    pub fn get(&self, x: i64, y: i64) -> Option<[u8; 3]> {
        let i = self.index(x, y)?;
        let p = self.pixels.get(i..i + 3)?;
        Some([p[0], p[1], p[2]])
    }

    /// Mixes `rgb` into pixel (`x`, `y`) by `alpha` (0..1).
    pub fn blend(&mut self, x: i64, y: i64, rgb: [u8; 3], alpha: f32) {
        let a = alpha.clamp(0.0, 1.0);
        if let Some(i) = self.index(x, y)
            && let Some(p) = self.pixels.get_mut(i..i + 3)
        {
            for (d, s) in p.iter_mut().zip(rgb) {
                *d = (*d as f32 * (1.0 - a) + s as f32 * a).round() as u8;
            }
        }
    }

    /// Darkens the pixels of `r` by `amount` (0..1), for text on top.
    pub fn darken(&mut self, r: PixelRect, amount: f32) {
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                self.blend(x, y, [0, 0, 0], amount);
            }
        }
    }

    /// The picture as PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, String> {
        let img =
            image::RgbImage::from_raw(self.width as u32, self.height as u32, self.pixels.clone())
                .ok_or("the picture's size does not match its pixels")?;
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| format!("cannot encode the PNG: {e}"))?;
        Ok(out.into_inner())
    }
}

/// DejaVu Sans 2.37 (Debian's fonts-dejavu-core; Bitstream Vera licence, see
/// `assets/fonts/DejaVuSans-LICENSE.txt`).
pub const FONT_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// The colour of the scale bar and its text.
pub const SCALE_BAR_RGB: [u8; 3] = [255, 230, 0];

/// A rectangle of a picture, pixels (left, top inclusive; right, bottom exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left column.
    pub x0: i64,
    /// Top row.
    pub y0: i64,
    /// Column after the right edge.
    pub x1: i64,
    /// Row after the bottom edge.
    pub y1: i64,
}

impl PixelRect {
    /// Whether the two rectangles share a pixel.
    pub fn overlaps(&self, o: &PixelRect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    /// Width, pixels.
    pub fn width(&self) -> i64 {
        self.x1 - self.x0
    }

    /// Height, pixels.
    pub fn height(&self) -> i64 {
        self.y1 - self.y0
    }
}

/// Text in one size.
pub struct Writer {
    font: FontRef<'static>,
    px: f32,
}

impl Writer {
    /// A writer of text `px` pixels high; `None` if the bundled font does not parse.
    pub fn new(px: f32) -> Option<Writer> {
        let font = FontRef::try_from_slice(FONT_TTF).ok()?;
        Some(Writer { font, px })
    }

    /// Height of one line, pixels.
    pub fn line_height(&self) -> i64 {
        let sf = self.font.as_scaled(PxScale::from(self.px));
        (sf.height() + sf.line_gap()).ceil() as i64
    }

    /// Width of `text`, pixels.
    pub fn width(&self, text: &str) -> i64 {
        let sf = self.font.as_scaled(PxScale::from(self.px));
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                w += sf.kern(p, id);
            }
            w += sf.h_advance(id);
            prev = Some(id);
        }
        w.ceil() as i64
    }

    /// The size of a block of `lines` with a margin of `pad` pixels: (width, height).
    pub fn block_size(&self, lines: &[String], pad: i64) -> (i64, i64) {
        let w = lines.iter().map(|l| self.width(l)).max().unwrap_or(0);
        (
            w + 2 * pad,
            self.line_height() * lines.len() as i64 + 2 * pad,
        )
    }

    /// Draws `text` with its top-left corner at (`x`, `y`).
    pub fn text(&self, img: &mut Rgb, x: i64, y: i64, text: &str, rgb: [u8; 3]) {
        let scale = PxScale::from(self.px);
        let sf = self.font.as_scaled(scale);
        let baseline = y as f32 + sf.ascent();
        let mut caret = x as f32;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += sf.h_advance(id);
            prev = Some(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                img.blend(
                    b.min.x as i64 + gx as i64,
                    b.min.y as i64 + gy as i64,
                    rgb,
                    coverage,
                );
            });
        }
    }

    /// Draws `lines` on a dark box whose top-left corner is (`x`, `y`), `pad` pixels of
    /// margin; returns the box.
    pub fn block(
        &self,
        img: &mut Rgb,
        x: i64,
        y: i64,
        lines: &[String],
        pad: i64,
        rgb: [u8; 3],
    ) -> PixelRect {
        let (w, h) = self.block_size(lines, pad);
        let r = PixelRect {
            x0: x,
            y0: y,
            x1: x + w,
            y1: y + h,
        };
        img.darken(r, 0.65);
        for (i, line) in lines.iter().enumerate() {
            self.text(
                img,
                x + pad,
                y + pad + i as i64 * self.line_height(),
                line,
                rgb,
            );
        }
        r
    }
}

/// A scale bar: its length in mm and in pixels of the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleBar {
    /// The length it states, mm.
    pub mm: f64,
    /// Its length, pixels of the picture.
    pub px: i64,
}

impl ScaleBar {
    /// The longest round length (1, 2, 5 × a power of ten mm) no longer than a quarter of
    /// a picture `width_px` wide whose pixels are `mm_per_px` wide.
    pub fn choose(width_px: usize, mm_per_px: f64) -> Option<ScaleBar> {
        if !(mm_per_px.is_finite() && mm_per_px > 0.0) || width_px == 0 {
            return None;
        }
        let max_mm = width_px as f64 * mm_per_px / 4.0;
        let mut best = None;
        for exp in -1..4 {
            for m in [1.0, 2.0, 5.0] {
                let mm = m * 10f64.powi(exp);
                if mm <= max_mm {
                    best = Some(mm);
                }
            }
        }
        let mm = best?;
        Some(ScaleBar {
            mm,
            px: (mm / mm_per_px).round() as i64,
        })
    }

    /// Draws the bar with its right end `margin` pixels from the picture's right edge and
    /// its bar `margin` pixels above the bottom, the length written above it; returns the
    /// box of bar and text.
    pub fn draw(&self, img: &mut Rgb, w: &Writer, margin: i64, thick: i64) -> PixelRect {
        let x1 = img.width as i64 - margin;
        let x0 = x1 - self.px;
        let y1 = img.height as i64 - margin;
        let y0 = y1 - thick;
        let label = format!("{} mm", fmt_mm(self.mm));
        let tw = w.width(&label);
        let th = w.line_height();
        let area = PixelRect {
            x0: x0.min(x1 - tw) - 4,
            y0: y0 - th - 6,
            x1: x1 + 4,
            y1: y1 + 4,
        };
        img.darken(area, 0.65);
        for y in y0..y1 {
            for x in x0..x1 {
                img.put(x, y, SCALE_BAR_RGB);
            }
        }
        w.text(img, x1 - tw, y0 - th - 2, &label, SCALE_BAR_RGB);
        area
    }
}

/// "10", "2.5", "0.5".
fn fmt_mm(mm: f64) -> String {
    if (mm - mm.round()).abs() < 1e-9 {
        format!("{mm:.0}")
    } else {
        format!("{mm}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_bar_is_round_and_at_most_a_quarter_of_the_width() {
        let b = ScaleBar::choose(512, 0.7).expect("bar");
        assert_eq!(b.mm, 50.0);
        assert_eq!(b.px, 71);
        let b = ScaleBar::choose(256, 0.25).expect("bar");
        assert_eq!(b.mm, 10.0);
        assert_eq!(b.px, 40);
        assert!(ScaleBar::choose(100, 0.0).is_none());
    }

    #[test]
    fn text_leaves_pixels_of_its_colour() {
        let mut img = Rgb {
            width: 200,
            height: 40,
            pixels: vec![0; 200 * 40 * 3],
        };
        let w = Writer::new(16.0).expect("font");
        w.text(&mut img, 2, 2, "Research aid", [255, 0, 0]);
        let red = img.pixels.chunks(3).filter(|p| p[0] > 200).count();
        assert!(red > 50, "{red} red pixels");
        assert!(w.width("Research aid") > w.width("Research"));
    }
}
