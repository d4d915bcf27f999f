//! The report's key images: for each level, the axial CT slice that holds most of its
//! screw ROIs (trajectories and calipers first, then any ROI), drawn as the exported key
//! image is ([`crate::display::snapshot::key_image`]: every ROI on the slice outlined
//! with its label and statistics, the patient or pseudonym, window, scale bar and
//! research-aid note); then titled pictures (each screw's en-face view at its isthmus,
//! [`super::enface`], and the caller's). Pictures go two (axial) or three (added) to a row, their aspect
//! from the pixel spacing.

use std::collections::BTreeMap;

use super::layout::{BODY_PT, Flow, GREY, MARGIN};
use super::pdf::BLACK;
use super::types::{ImagePixels, PlacedPicture, ReportError, TitledImage};
use crate::dicom::series::Series;
use crate::dicom::volume::Volume;
use crate::display::render::WindowPreset;
use crate::display::snapshot::{Caption, Outline, key_image, roi_lines};
use crate::export::pseudonym;
use crate::geometry::Orientation;
use crate::pipeline::Measured;
use crate::session::{Level, Roi, RoiKind, Role, Session};

/// The outline colour of the ROIs on a key image (as the window exports them).
const ROI_RGB: [u8; 3] = [60, 200, 240];
/// Gap between pictures, points.
const GAP: f32 = 16.0;

/// A picture waiting for its place.
struct Pending {
    title: String,
    pixels: ImagePixels,
    /// Height over width of the picture as shown.
    aspect: f32,
    note: Option<String>,
}

/// "Trajectory #7 · ST-HU L4 R": the ROI's kind, id, role, level and side.
pub fn roi_title(roi: &Roi) -> String {
    let kind = match roi.kind {
        RoiKind::Ellipse => "Ellipse",
        RoiKind::Trajectory => "Trajectory",
        RoiKind::Caliper => "Caliper",
    };
    let mut t = format!("{kind} #{} · {}", roi.id, roi.role.label());
    if let Some(l) = roi.level {
        t.push_str(&format!(" {l}"));
    }
    if let Some(s) = roi.side {
        t.push_str(&format!(" {s}"));
    }
    t
}

/// How well a slice shows a level: (screw ROIs, B-HU mid ROIs, all ROIs of the level).
type Score = (usize, usize, usize);

/// For each level with ROIs on a CT, the series and slice to show: the slice with most
/// trajectories and calipers of that level, then its B-HU mid plane, then most ROIs of
/// that level; the first such slice on a tie.
pub fn key_slices(session: &Session, measured: &Measured) -> Vec<(Level, String, usize)> {
    // (level, series, slice) → (screw ROIs, B-HU mid ROIs, all ROIs)
    let mut counts: BTreeMap<(Level, String, usize), Score> = BTreeMap::new();
    for roi in &session.rois {
        let (Some(level), Some(m)) = (roi.level, measured.measurements.get(&roi.id)) else {
            continue;
        };
        if roi.role.modality() != Some("CT") {
            continue;
        }
        let screw = matches!(roi.role, Role::StHu | Role::PedicleThickness);
        let c = counts
            .entry((level, roi.series_uid.clone(), m.slice))
            .or_default();
        c.0 += usize::from(screw);
        c.1 += usize::from(roi.role == Role::BHuMid);
        c.2 += 1;
    }
    let mut best: BTreeMap<Level, (Score, String, usize)> = BTreeMap::new();
    for ((level, uid, slice), c) in counts {
        match best.get(&level) {
            Some((b, _, _)) if *b >= c => {}
            _ => {
                best.insert(level, (c, uid, slice));
            }
        }
    }
    best.into_iter()
        .map(|(level, (_, uid, slice))| (level, uid, slice))
        .collect()
}

/// Draws the axial key image of each level under the heading "Key images".
pub fn axial_key_images<'a>(
    flow: &mut Flow,
    session: &Session,
    measured: &Measured,
    find: impl Fn(&str) -> Option<(&'a Series, &'a Volume)>,
    key: Option<&str>,
) -> Result<Vec<PlacedPicture>, ReportError> {
    let alias = key.map(|k| pseudonym(k, &session.patient_id));
    let mut pending = Vec::new();
    for (level, uid, slice) in key_slices(session, measured) {
        let Some((series, volume)) = find(&uid) else {
            continue;
        };
        if series.orientation != Orientation::Axial {
            continue;
        }
        let outlines: Vec<Outline> = session
            .rois
            .iter()
            .filter(|r| r.series_uid == uid)
            .map(|roi| {
                let mut label = vec![roi_title(roi)];
                if let Some(m) = measured.measurements.get(&roi.id) {
                    label.extend(roi_lines(m, "HU"));
                }
                Outline {
                    roi,
                    rgb: ROI_RGB,
                    label,
                }
            })
            .collect();
        let caption = Caption::of(series, alias.as_deref(), slice);
        let (_, rows, cols) = volume.dims();
        let scale = 500usize.div_ceil(cols.max(1)).clamp(1, 4);
        let Some(img) = key_image(
            volume,
            slice,
            WindowPreset::CT_BONE,
            &outlines,
            &caption,
            scale,
        ) else {
            continue;
        };
        let (row_mm, col_mm) = volume
            .planes
            .get(slice)
            .map_or((1.0, 1.0), |p| (p.row_spacing_mm, p.col_spacing_mm));
        let aspect = ((rows as f64 * row_mm) / (cols as f64 * col_mm).max(1e-9)) as f32;
        let shown = session.rois.iter().filter(|r| {
            r.series_uid == uid
                && measured
                    .measurements
                    .get(&r.id)
                    .is_some_and(|m| m.slice == slice)
        });
        pending.push(Pending {
            title: format!(
                "{level} · axial CT, image {} of {} · {} ROIs",
                slice + 1,
                volume.dims().0,
                shown.count()
            ),
            pixels: ImagePixels::Rgb(img.image),
            aspect,
            note: None,
        });
    }
    flow.page();
    flow.heading("Key images", 0.0);
    if pending.is_empty() {
        flow.paragraph(
            "No ROI of a level lies on an axial CT series: no axial key image.",
            BODY_PT,
            BLACK,
        );
        return Ok(Vec::new());
    }
    place(flow, pending, 2)
}

/// Draws titled pictures (the en-face views, then the caller's), three to a row, under
/// "Views along the screws".
pub fn extra_images(
    flow: &mut Flow,
    images: &[TitledImage],
) -> Result<Vec<PlacedPicture>, ReportError> {
    if images.is_empty() {
        return Ok(Vec::new());
    }
    flow.heading("Views along the screws", 200.0);
    let pending = images
        .iter()
        .map(|t| {
            let (w, h) = t.image.size();
            Pending {
                title: t.title.clone(),
                pixels: t.image.clone(),
                aspect: h as f32 / (w.max(1)) as f32,
                note: t.mm_per_px.map(|s| format!("{s:.2} mm a pixel")),
            }
        })
        .collect();
    place(flow, pending, 3)
}

/// Places pictures `per_row` to a row, each with its title above and its note below; a
/// row that does not fit goes to a new page.
fn place(
    flow: &mut Flow,
    pending: Vec<Pending>,
    per_row: usize,
) -> Result<Vec<PlacedPicture>, ReportError> {
    let box_w = (Flow::width() - GAP * (per_row as f32 - 1.0)) / per_row as f32;
    let max_h = Flow::bottom() - Flow::top() - 40.0;
    let mut placed = Vec::new();
    let mut iter = pending.into_iter().peekable();
    while iter.peek().is_some() {
        let row: Vec<Pending> = iter.by_ref().take(per_row).collect();
        let sizes: Vec<(f32, f32)> = row
            .iter()
            .map(|p| {
                let h = box_w * p.aspect;
                if h > max_h {
                    (max_h / p.aspect.max(1e-6), max_h)
                } else {
                    (box_w, h)
                }
            })
            .collect();
        let titles: Vec<Vec<String>> = row
            .iter()
            .map(|p| flow.doc.wrap(&p.title, BODY_PT, box_w))
            .collect();
        let title_h = titles.iter().map(Vec::len).max().unwrap_or(1) as f32 * BODY_PT * 1.3;
        let pic_h = sizes.iter().map(|s| s.1).fold(0.0, f32::max);
        let note_h = if row.iter().any(|p| p.note.is_some()) {
            12.0
        } else {
            0.0
        };
        flow.ensure(title_h + pic_h + note_h + 8.0);
        let top = flow.y + 4.0;
        for (k, ((p, (w, h)), lines)) in row.iter().zip(&sizes).zip(&titles).enumerate() {
            let x = MARGIN + k as f32 * (box_w + GAP);
            for (i, l) in lines.iter().enumerate() {
                flow.doc.text(
                    x,
                    top + BODY_PT * 1.3 * (i as f32 + 1.0) - 2.0,
                    BODY_PT,
                    BLACK,
                    l,
                );
            }
            let y = top + title_h + 2.0;
            let (pw, ph) = p.pixels.size();
            let (bytes, grey) = match &p.pixels {
                ImagePixels::Rgb(r) => (&r.pixels, false),
                ImagePixels::Grey { pixels, .. } => (pixels, true),
            };
            flow.doc.picture(
                bytes,
                u32::try_from(pw).unwrap_or(0),
                u32::try_from(ph).unwrap_or(0),
                grey,
                [x, y],
                *w,
                *h,
            )?;
            if let Some(n) = &p.note {
                flow.doc.text(x, y + h + 9.0, BODY_PT - 1.0, GREY, n);
            }
            placed.push(PlacedPicture {
                title: p.title.clone(),
                page: flow.doc.page_count() - 1,
                rect_pt: [x, y, *w, *h],
            });
        }
        flow.y = top + title_h + 2.0 + pic_h + note_h + 8.0;
    }
    Ok(placed)
}
