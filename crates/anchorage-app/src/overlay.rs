//! The text painted over each view, as in every PACS: patient and study in the top left,
//! series and slice in the top right, window and zoom in the bottom left, the value and
//! patient coordinates under the mouse in the bottom right, the patient-direction
//! letters on the four edges, and on an axial view the slice's place along the spine
//! once the vertebral levels are known.

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Vec2};

use super::labels::unit;
use super::view::Shown;
use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::render::{Cut, CutGeometry};
use anchorage_core::geometry::{Orientation, direction_letters, dot, position_text};

/// What the overlay of one view says.
pub struct Info<'a> {
    /// The frame's data.
    pub shown: &'a Shown<'a>,
    /// The view's cut.
    pub geometry: &'a CutGeometry,
    /// The cut's index in the series.
    pub index: usize,
    /// How many cuts there are.
    pub count: usize,
    /// Screen pixels per image pixel, percent.
    pub zoom_pct: f64,
    /// Image position under the mouse.
    pub cursor: Option<(f64, f64)>,
    /// Whether the series is still loading.
    pub preview: bool,
    /// Where the slice lies along the spine ("L3, 34 % below the superior endplate"),
    /// on an axial view once the levels are known.
    pub place: Option<String>,
}

/// "Axial", "Sagittal (reformat)", …
pub fn view_name(volume: &Volume, series: &Series, cut: Cut) -> String {
    let plane = volume.planes.first();
    let o = match (cut, plane) {
        (Cut::Slice, _) | (_, None) => series.orientation,
        (Cut::Row, Some(p)) => Orientation::from_normal(p.col_dir),
        (Cut::Column, Some(p)) => Orientation::from_normal(p.row_dir),
    };
    let mut name = o.as_str().to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    if cut != Cut::Slice {
        name.push_str(" (reformat)");
    }
    name
}

/// "20240131" → "2024-01-31".
pub fn date(d: &str) -> String {
    match (d.get(0..4), d.get(4..6), d.get(6..8)) {
        (Some(y), Some(m), Some(day)) if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{y}-{m}-{day}")
        }
        _ => d.to_string(),
    }
}

/// How much a view's corners say: everything on a large view, less on a small one, so
/// that the text never reaches the image's middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// Slice number and window only.
    Minimal,
    /// Patient name, slice number and position, window.
    Compact,
    /// Every line of a PACS overlay.
    Full,
}

impl Detail {
    /// The detail that fits a view of `size` points.
    pub fn for_view(size: Vec2) -> Detail {
        if size.x >= 420.0 && size.y >= 330.0 {
            Detail::Full
        } else if size.x >= 230.0 && size.y >= 190.0 {
            Detail::Compact
        } else {
            Detail::Minimal
        }
    }

    fn font(self) -> FontId {
        FontId::proportional(if self == Detail::Full { 13.0 } else { 11.5 })
    }
}

fn block(p: &Painter, pos: Pos2, anchor: Align2, lines: &[String], font: &FontId) {
    let h = font.size + 3.0;
    let n = lines.len() as f32;
    for (k, line) in lines.iter().enumerate() {
        let dy = if anchor.y() == egui::Align::Max {
            -(n - 1.0 - k as f32) * h
        } else {
            k as f32 * h
        };
        let at = pos + Vec2::new(0.0, dy);
        p.text(
            at + Vec2::splat(1.0),
            anchor,
            line,
            font.clone(),
            Color32::BLACK,
        );
        p.text(at, anchor, line, font.clone(), Color32::from_gray(225));
    }
}

/// `text` cut with "…" to at most `max_width` points in `font`.
fn elide(p: &Painter, text: &str, max_width: f32, font: &FontId) -> String {
    let width = |t: &str| {
        p.layout_no_wrap(t.to_string(), font.clone(), Color32::WHITE)
            .size()
            .x
    };
    if width(text) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 1 {
        n -= 1;
        let t: String = chars.iter().take(n).collect::<String>() + "…";
        if width(&t) <= max_width {
            return t;
        }
    }
    "…".into()
}

/// Paints the overlay of one view in `rect`.
pub fn paint(p: &Painter, rect: Rect, info: &Info) {
    let s = info.shown.series;
    let v = info.shown.volume;
    let g = info.geometry;
    let m = 6.0;
    let detail = Detail::for_view(rect.size());
    let font = detail.font();
    // A corner's text stays within its quarter of the view, clear of the edge letters.
    let room = (rect.width() / 2.0 - 18.0 - m).max(20.0);
    let fit = |lines: Vec<String>| -> Vec<String> {
        lines.iter().map(|l| elide(p, l, room, &font)).collect()
    };
    let name = s.patient_name.replace('^', " ").trim().to_string();
    let name = if name.is_empty() {
        "(no name)".into()
    } else {
        name
    };
    let top_left = match detail {
        Detail::Full => vec![name, format!("ID {}", s.patient_id), date(&s.study_date)],
        Detail::Compact => vec![name],
        Detail::Minimal => Vec::new(),
    };
    block(
        p,
        rect.left_top() + Vec2::splat(m),
        Align2::LEFT_TOP,
        &fit(top_left),
        &font,
    );
    let plane = v.planes.first();
    let pos = match (g.cut, plane) {
        (Cut::Slice, _) => s
            .slices
            .get(info.index)
            .map(|sl| position_text(v.normal, sl.position_mm)),
        (Cut::Row, Some(pl)) => Some(position_text(
            pl.col_dir,
            dot(pl.pixel_to_patient(0.0, info.index as f64), pl.col_dir),
        )),
        (Cut::Column, Some(pl)) => Some(position_text(
            pl.row_dir,
            dot(pl.pixel_to_patient(info.index as f64, 0.0), pl.row_dir),
        )),
        _ => None,
    };
    let mut right = Vec::new();
    if detail == Detail::Full {
        right.push(s.label());
    }
    right.push(format!("Im {}/{}", info.index + 1, info.count));
    if detail >= Detail::Compact
        && let Some(pos) = pos
    {
        right.push(pos);
    }
    if g.cut == Cut::Slice && detail == Detail::Full {
        let thk = s
            .slice_thickness_mm
            .map(|t| format!("Thk {t:.2} mm"))
            .unwrap_or_else(|| "Thk ?".into());
        let sp = s
            .slice_spacing_mm
            .map(|t| format!("  Sp {t:.2} mm"))
            .unwrap_or_default();
        right.push(format!("{thk}{sp}"));
    }
    let right_lines = right.len();
    block(
        p,
        rect.right_top() + Vec2::new(-m, m),
        Align2::RIGHT_TOP,
        &fit(right),
        &font,
    );
    // The slice's place along the spine, under the slice lines, in the levels' colour.
    if let Some(place) = &info.place {
        let at = rect.right_top() + Vec2::new(-m, m + right_lines as f32 * (font.size + 3.0));
        let text = elide(p, place, room, &font);
        p.text(
            at + Vec2::splat(1.0),
            Align2::RIGHT_TOP,
            &text,
            font.clone(),
            Color32::BLACK,
        );
        p.text(
            at,
            Align2::RIGHT_TOP,
            text,
            font.clone(),
            super::levels_paint::LEVEL_COLOUR,
        );
    }
    let w = info.shown.window;
    let mut left = vec![format!("W {:.0}  L {:.0}", w.width, w.centre)];
    if detail == Detail::Full {
        left.push(format!("Zoom {:.0}%", info.zoom_pct));
    }
    if info.preview {
        left.push("loading…".into());
    }
    block(
        p,
        rect.left_bottom() + Vec2::new(m, -m),
        Align2::LEFT_BOTTOM,
        &fit(left),
        &font,
    );
    if let Some(mut lines) = info.cursor.and_then(|c| readout(info, c)) {
        if detail < Detail::Full {
            lines.truncate(1);
        }
        block(
            p,
            rect.right_bottom() + Vec2::new(-m, -m),
            Align2::RIGHT_BOTTOM,
            &fit(lines),
            &font,
        );
    }
    // Orientation letters.
    let neg = |d: [f64; 3]| [-d[0], -d[1], -d[2]];
    let font = FontId::proportional(15.0);
    let col = Color32::from_rgb(250, 220, 120);
    for (pos, anchor, dir) in [
        (
            rect.left_center() + Vec2::new(m, 0.0),
            Align2::LEFT_CENTER,
            neg(g.right),
        ),
        (
            rect.right_center() - Vec2::new(m, 0.0),
            Align2::RIGHT_CENTER,
            g.right,
        ),
        (
            rect.center_top() + Vec2::new(0.0, m),
            Align2::CENTER_TOP,
            neg(g.down),
        ),
        (
            rect.center_bottom() - Vec2::new(0.0, m),
            Align2::CENTER_BOTTOM,
            g.down,
        ),
    ] {
        p.text(pos, anchor, direction_letters(dir), font.clone(), col);
    }
}

/// The value and patient coordinates at image position (x, y).
fn readout(info: &Info, (x, y): (f64, f64)) -> Option<Vec<String>> {
    let g = info.geometry;
    let v = info.shown.volume;
    // A preview volume holds only the shown slice, at index 0.
    let index = if info.preview { 0 } else { info.index };
    let [z, r, c] = g.to_voxel(index, x, y);
    let (nz, ny, nx) = v.dims();
    let inside = |a: f64, n: usize| a.round() >= 0.0 && (a.round() as usize) < n;
    if !(inside(z, nz) && inside(r, ny) && inside(c, nx)) {
        return None;
    }
    let (zi, ri, ci) = (z.round() as usize, r.round() as usize, c.round() as usize);
    let value = match v.value(zi, ri, ci) {
        Some(val) => format!("{} {:.1}", unit(info.shown.series), val),
        None => "padding".into(),
    };
    let plane = v.planes.get(zi)?;
    let p = plane.pixel_to_patient(c, r);
    // Between slices of a reformat, move along the normal by the fraction.
    let dz = (z - zi as f64) * v.slice_spacing_mm;
    let p = [
        p[0] + dz * v.normal[0],
        p[1] + dz * v.normal[1],
        p[2] + dz * v.normal[2],
    ];
    let shown_slice = if info.preview { info.index } else { zi };
    Some(vec![
        value,
        format!("x {:.1}  y {:.1}  z {:.1} mm (LPS)", p[0], p[1], p[2]),
        format!("col {ci}  row {ri}  slice {}", shown_slice + 1),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date("20240131"), "2024-01-31");
        assert_eq!(date("2024"), "2024");
        assert_eq!(date(""), "");
    }

    #[test]
    fn small_views_say_less() {
        assert_eq!(Detail::for_view(Vec2::new(600.0, 500.0)), Detail::Full);
        assert_eq!(Detail::for_view(Vec2::new(300.0, 250.0)), Detail::Compact);
        assert_eq!(Detail::for_view(Vec2::new(200.0, 150.0)), Detail::Minimal);
    }
}
