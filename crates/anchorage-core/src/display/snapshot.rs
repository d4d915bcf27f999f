//! A picture of one native slice with its ROIs: the slice's pixels through a window, the
//! outline of every ROI drawn on it (ellipses and trajectories by their member pixels'
//! border, calipers as lines), enlarged by a whole factor, as PNG bytes. The workstation
//! exports it as a key image ([`key_image`]): each ROI's label and statistics beside it,
//! the patient (or pseudonym), series, slice number and position, window, a scale bar in mm
//! and "Research aid, not a diagnosis."; it needs no GPU and is the same on every machine.

use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
pub use crate::display::annotate::Rgb;
use crate::display::annotate::{PixelRect, ScaleBar, Writer};
use crate::display::render::WindowLevel;
use crate::measure::{RoiMeasurement, area_shape, find_slice};
use crate::session::{Roi, RoiKind};

/// An ROI to draw, its colour and the lines of its label (none: no label).
pub struct Outline<'a> {
    /// The ROI.
    pub roi: &'a Roi,
    /// RGB colour.
    pub rgb: [u8; 3],
    /// The label beside it: its title, then its statistics.
    pub label: Vec<String>,
}

/// What the key image says about what it shows (the window and the slice number it
/// finds itself).
#[derive(Debug, Clone, Default)]
pub struct Caption {
    /// The patient's name and ID, or the pseudonym when the export is pseudonymised.
    pub patient: String,
    /// The series: modality, number, description.
    pub series: String,
    /// The slice's position along the series normal, mm.
    pub position_mm: Option<f64>,
}

impl Caption {
    /// The caption of slice `slice` of `series`: the patient's name and ID; for a
    /// pseudonymised export, only the `pseudonym` (`export::pseudonym` of the patient ID,
    /// the one the pseudonymised CSV gives) and no series description, which may name
    /// people or places.
    pub fn of(series: &Series, pseudonym: Option<&str>, slice: usize) -> Caption {
        let number = series
            .series_number
            .map(|n| format!(" series {n}"))
            .unwrap_or_default();
        let (patient, series_line) = match pseudonym {
            Some(p) => (
                format!("Pseudonym {p}"),
                format!("{}{number}", series.modality),
            ),
            None => (
                format!(
                    "{} ({})",
                    series.patient_name.replace('^', " ").trim(),
                    series.patient_id
                ),
                format!("{}{number} · {}", series.modality, series.description),
            ),
        };
        Caption {
            patient,
            series: series_line,
            position_mm: series.slices.get(slice).map(|s| s.position_mm),
        }
    }
}

/// The annotated picture, and where its annotations went (for checks).
#[derive(Debug, Clone)]
pub struct KeyImage {
    /// The picture.
    pub image: Rgb,
    /// The scale bar drawn, if the pixel spacing allowed one.
    pub scale_bar: Option<ScaleBar>,
    /// Each drawn ROI's outline box and its label's box, by ROI id.
    pub labels: Vec<(u64, PixelRect, PixelRect)>,
}

/// Renders slice `slice` of `volume` through `window`, `scale` times enlarged, with the
/// outlines of the ROIs drawn on that image (ROIs of other images are skipped).
pub fn render(
    volume: &Volume,
    slice: usize,
    window: WindowLevel,
    outlines: &[Outline],
    scale: usize,
) -> Option<Rgb> {
    draw(volume, slice, window, outlines, scale).map(|(img, _)| img)
}

/// [`render`], with the box of each outline drawn (by the outline's index).
fn draw(
    volume: &Volume,
    slice: usize,
    window: WindowLevel,
    outlines: &[Outline],
    scale: usize,
) -> Option<(Rgb, Vec<(usize, PixelRect)>)> {
    let mut boxes = Vec::new();
    let (_, rows, cols) = volume.dims();
    let plane = volume.planes.get(slice)?;
    let s = scale.max(1);
    let mut img = Rgb {
        width: cols * s,
        height: rows * s,
        pixels: vec![0; cols * rows * s * s * 3],
    };
    for y in 0..img.height {
        for x in 0..img.width {
            let g = window.grey(volume.value(slice, y / s, x / s).unwrap_or(f64::NAN));
            img.put(x as i64, y as i64, [g, g, g]);
        }
    }
    for (k, o) in outlines.iter().enumerate() {
        if find_slice(volume, &o.roi.sop_instance_uid, o.roi.frame) != Some(slice) {
            continue;
        }
        let mut bounds: Option<PixelRect> = None;
        let mut grow = |x: i64, y: i64| {
            let b = bounds.get_or_insert(PixelRect {
                x0: x,
                y0: y,
                x1: x + 1,
                y1: y + 1,
            });
            b.x0 = b.x0.min(x);
            b.y0 = b.y0.min(y);
            b.x1 = b.x1.max(x + 1);
            b.y1 = b.y1.max(y + 1);
        };
        if o.roi.kind == RoiKind::Caliper {
            let pts: Vec<(f64, f64)> = o
                .roi
                .points_mm
                .iter()
                .map(|p| {
                    let (c, r, _) = plane.patient_to_pixel(*p);
                    (c, r)
                })
                .collect();
            if let [a, b] = pts.as_slice() {
                let n = (((b.0 - a.0).hypot(b.1 - a.1)) * s as f64 * 2.0)
                    .ceil()
                    .max(1.0) as usize;
                for i in 0..=n {
                    let t = i as f64 / n as f64;
                    let (c, r) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                    let (x, y) = (((c + 0.5) * s as f64) as i64, ((r + 0.5) * s as f64) as i64);
                    img.put(x, y, o.rgb);
                    grow(x, y);
                }
            }
            boxes.extend(bounds.map(|b| (k, b)));
            continue;
        }
        let Ok((shape, _)) = area_shape(o.roi, plane) else {
            continue;
        };
        // Sub-pixels of the enlarged picture whose centre is inside, bordering one outside.
        let inside = |x: i64, y: i64| {
            let c = (x as f64 + 0.5) / s as f64 - 0.5;
            let r = (y as f64 + 0.5) / s as f64 - 0.5;
            shape.contains(c * plane.col_spacing_mm, r * plane.row_spacing_mm)
        };
        for y in 0..img.height as i64 {
            for x in 0..img.width as i64 {
                if inside(x, y)
                    && (!inside(x - 1, y)
                        || !inside(x + 1, y)
                        || !inside(x, y - 1)
                        || !inside(x, y + 1))
                {
                    img.put(x, y, o.rgb);
                    grow(x, y);
                }
            }
        }
        boxes.extend(bounds.map(|b| (k, b)));
    }
    Some((img, boxes))
}

/// The statistics beside an ROI on a key image (the window's and the report's): mean ± SD
/// and area, or the length.
pub fn roi_lines(m: &RoiMeasurement, unit: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = &m.stats {
        let f = |v: Option<f64>| v.map_or_else(|| "–".into(), |x| format!("{x:.1}"));
        out.push(format!("mean {} ± {} {unit}", f(s.mean), f(s.sd)));
        out.push(format!("area {:.2} mm²", s.area_mm2));
    }
    if let Some(l) = m.length_mm {
        out.push(format!("length {l:.2} mm"));
    }
    out
}

/// The key image: [`render`] with each ROI's label beside it (right of it, else left,
/// moved down past labels already placed, kept inside the picture; only its title where the
/// whole label finds no room; none where the title finds none), the caption and the window
/// top left, "Research aid, not a diagnosis." bottom left and a scale bar in mm bottom
/// right. Text grows with the picture's width.
pub fn key_image(
    volume: &Volume,
    slice: usize,
    window: WindowLevel,
    outlines: &[Outline],
    caption: &Caption,
    scale: usize,
) -> Option<KeyImage> {
    let s = scale.max(1);
    let (mut img, boxes) = draw(volume, slice, window, outlines, s)?;
    let plane = volume.planes.get(slice)?;
    let (n, _, _) = volume.dims();
    // About 42 characters across the picture, 9 to 28 pixels high.
    let px = (img.width as f32 / 42.0).clamp(9.0, 28.0);
    let writer = Writer::new(px)?;
    let pad = (px / 6.0).round().max(1.0) as i64;
    let max_w = img.width as i64 - 4 * pad;
    let white = [235, 235, 235];
    let mut slice_line = format!("Im {}/{n}", slice + 1);
    if let Some(p) = caption.position_mm {
        slice_line.push_str(&format!(
            " · {}",
            crate::geometry::position_text(volume.normal, p)
        ));
    }
    let head: Vec<String> = [
        caption.patient.clone(),
        caption.series.clone(),
        slice_line,
        format!("C {:.0} / W {:.0}", window.centre, window.width),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect();
    let head = fit(&writer, head, max_w);
    let mut taken = vec![writer.block(&mut img, pad, pad, &head, pad, white)];
    let aid = vec!["Research aid, not a diagnosis.".to_string()];
    let (_, aid_h) = writer.block_size(&aid, pad);
    let aid_y = img.height as i64 - aid_h - pad;
    taken.push(writer.block(&mut img, pad, aid_y, &aid, pad, [255, 170, 60]));
    let scale_bar = ScaleBar::choose(img.width, plane.col_spacing_mm / s as f64);
    if let Some(bar) = &scale_bar {
        taken.push(bar.draw(&mut img, &writer, 2 * pad + 2, pad.max(2)));
    }
    let mut labels = Vec::new();
    for &(k, b) in &boxes {
        let Some(o) = outlines.get(k) else {
            continue;
        };
        if o.label.is_empty() {
            continue;
        }
        // The whole label, else its title alone, where either is free of the others.
        let full = fit(&writer, o.label.clone(), max_w / 2);
        let short = full.iter().take(1).cloned().collect::<Vec<_>>();
        // First clear of every ROI as well, then clear of the labels and its own ROI only.
        let mut avoid = taken.clone();
        avoid.extend(boxes.iter().map(|(_, r)| *r));
        let Some((lines, (x, y))) = [
            (&full, &avoid),
            (&short, &avoid),
            (&full, &taken),
            (&short, &taken),
        ]
        .into_iter()
        .find_map(|(l, t)| place(&img, &writer, l, pad, b, t).map(|p| (l.clone(), p))) else {
            continue;
        };
        let r = writer.block(&mut img, x, y, &lines, pad, o.rgb);
        taken.push(r);
        labels.push((o.roi.id, b, r));
    }
    Some(KeyImage {
        image: img,
        scale_bar,
        labels,
    })
}

/// Where a label of `lines` goes beside `roi`: right of it, else left of it, from its top
/// moving down (then up) past the boxes already `taken`, inside the picture; `None` when
/// no such place is free.
fn place(
    img: &Rgb,
    w: &Writer,
    lines: &[String],
    pad: i64,
    roi: PixelRect,
    taken: &[PixelRect],
) -> Option<(i64, i64)> {
    let (bw, bh) = w.block_size(lines, pad);
    let (iw, ih) = (img.width as i64, img.height as i64);
    let gap = pad + 2;
    let clamp_y = |y: i64| y.clamp(0, (ih - bh).max(0));
    let start = clamp_y(roi.y0);
    let step = (bh / 4).max(1);
    let sides = [roi.x1 + gap, roi.x0 - gap - bw];
    for x in sides.into_iter().filter(|x| *x >= 0 && x + bw <= iw) {
        let free = |y: i64| {
            let r = PixelRect {
                x0: x,
                y0: y,
                x1: x + bw,
                y1: y + bh,
            };
            !taken.iter().any(|t| t.overlaps(&r)) && !r.overlaps(&roi)
        };
        for k in 0..(ih / step + 1) {
            for y in [start + k * step, start - k * step] {
                let y = clamp_y(y);
                if free(y) {
                    return Some((x, y));
                }
            }
        }
    }
    None
}

/// `lines` cut with "…" to at most `max_px` wide.
fn fit(w: &Writer, lines: Vec<String>, max_px: i64) -> Vec<String> {
    lines
        .into_iter()
        .map(|l| {
            if w.width(&l) <= max_px {
                return l;
            }
            let mut t: String = l;
            while !t.is_empty() && w.width(&format!("{t}…")) > max_px {
                t.pop();
            }
            format!("{t}…")
        })
        .collect()
}
