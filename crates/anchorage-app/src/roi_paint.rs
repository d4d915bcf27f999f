//! Painting the ROIs of the native view: outlines in their state's colour, handles that
//! scale with the ROI (a small ROI stays visible under them), and labels with the
//! statistics placed by [`crate::placement`] so that they cover neither each other nor an
//! ROI and stay inside the view — moved aside with a leader line, or shortened to a tag
//! whose full text shows on hover.

use egui::{Color32, Painter, Pos2, Rect, Stroke};

use super::labels::{self, stats_lines, title};
use super::measure_cache::Measurements;
use super::placement::{self, Request};
use super::tools::{Tools, handle_px, outline, screen_box};
use super::view::{Shown, Transform};
use anchorage_core::measure::{edit, measure_roi};
use anchorage_core::session::{Roi, RoiKind};

/// A short tag shown where a full label finds no room, with the full text for its hover.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Where the tag is.
    pub rect: Rect,
    /// The full label.
    pub text: String,
}

impl Tools {
    /// Paints the ROIs of slice `index` with their statistics, handles on the selected one,
    /// inside the painter's clip rectangle (the view). Returns the labels shortened to
    /// tags, for the view's hover text.
    pub fn paint(
        &self,
        painter: &Painter,
        tf: &Transform,
        shown: &Shown,
        index: usize,
        measurements: &mut Measurements,
        hover: Option<Pos2>,
    ) -> Vec<Tag> {
        // Clear of the orientation letters at the edges' middles.
        let view = painter.clip_rect().shrink2(egui::vec2(20.0, 20.0));
        let vi = if shown.preview.is_some() { 0 } else { index };
        let Some(plane) = shown.volume.planes.get(vi) else {
            return Vec::new();
        };
        let mut rois: Vec<&Roi> = Self::slice_rois(shown, vi).map(|r| self.shown(r)).collect();
        let editing_proposal = self.draft_is_proposal;
        if let Some(d) = self
            .draft
            .as_ref()
            .filter(|d| d.id == 0 && !editing_proposal)
        {
            rois.push(d);
        }
        let proposal = self.proposal_on(shown, vi);
        if let Some(p) = proposal {
            rois.push(p);
        }
        let hovered = hover.and_then(|p| self.hit(shown, vi, tf, p));
        let unit = labels::unit(shown.series);
        let font = egui::FontId::proportional(12.0);
        // Outlines and handles first; the labels' texts and colours for the placement.
        let mut labels: Vec<(Rect, Vec<String>, String, Color32, bool)> = Vec::new();
        for roi in rois {
            let is_proposal = proposal.is_some_and(|p| std::ptr::eq(p, roi));
            let selected = roi.id == 0 || Some(roi.id) == self.selected;
            let highlighted = self.highlight.contains(&roi.id);
            let colour = if is_proposal {
                Color32::from_rgb(255, 150, 40)
            } else if selected {
                Color32::from_rgb(255, 220, 40)
            } else if highlighted {
                Color32::from_rgb(255, 90, 200)
            } else if Some(roi.id) == hovered {
                Color32::from_rgb(140, 240, 255)
            } else {
                Color32::from_rgb(60, 200, 240)
            };
            let stroke = Stroke::new(if selected || highlighted { 2.5 } else { 1.5 }, colour);
            let line = outline(roi, plane, tf);
            if roi.kind == RoiKind::Caliper {
                if let [a, b] = line.as_slice() {
                    painter.line_segment([*a, *b], stroke);
                    let n = (*b - *a).normalized().rot90() * 5.0;
                    painter.line_segment([*a - n, *a + n], stroke);
                    painter.line_segment([*b - n, *b + n], stroke);
                }
            } else {
                painter.add(egui::Shape::closed_line(line.clone(), stroke));
                if roi.kind == RoiKind::Trajectory
                    && let [e, t] = roi.points_mm.as_slice()
                {
                    let (e, t) = (
                        tf.mm_to_screen(plane, edit::patient_to_mm(plane, *e).0),
                        tf.mm_to_screen(plane, edit::patient_to_mm(plane, *t).0),
                    );
                    painter.add(egui::Shape::dashed_line(
                        &[e, t],
                        Stroke::new(1.0, colour),
                        4.0,
                        3.0,
                    ));
                    painter.circle_filled(e, 3.0, colour);
                }
            }
            let Some(bbox) = screen_box(roi, plane, tf) else {
                continue;
            };
            if selected || roi.id == 0 {
                // A caliper's span is its length; an area's, its smaller side.
                let span = if roi.kind == RoiKind::Caliper {
                    bbox.size().max_elem()
                } else {
                    bbox.size().min_elem()
                };
                let side = handle_px(span);
                for h in edit::handles(roi, plane).unwrap_or_default() {
                    let p = tf.mm_to_screen(plane, h);
                    painter.rect_stroke(
                        Rect::from_center_size(p, egui::vec2(side, side)),
                        1.0,
                        Stroke::new(1.5, colour),
                        egui::StrokeKind::Middle,
                    );
                }
            }
            let m = if roi.id == 0 {
                measure_roi(roi, shown.volume).map_err(|e| e.to_string())
            } else {
                measurements.get(roi, shown.volume, shown.volume_id)
            };
            let mut text = vec![if is_proposal {
                format!("Proposal: {} (Enter accepts, Esc discards)", title(roi))
            } else {
                title(roi)
            }];
            match m {
                Ok(m) => text.extend(stats_lines(&m, unit, true)),
                Err(e) => text.push(e),
            }
            let tag = if roi.id == 0 {
                "new".to_string()
            } else {
                format!("#{}", roi.id)
            };
            // The selected ROI and the proposal get the best places.
            let first = selected || is_proposal;
            let entry = (bbox, text, tag, colour, first);
            if first {
                labels.insert(0, entry);
            } else {
                labels.push(entry);
            }
        }
        let galleys: Vec<_> = labels
            .iter()
            .map(|(_, text, tag, colour, _)| {
                (
                    painter.layout_no_wrap(text.join("\n"), font.clone(), *colour),
                    painter.layout_no_wrap(tag.clone(), font.clone(), *colour),
                )
            })
            .collect();
        let pad = egui::vec2(6.0, 6.0);
        let requests: Vec<Request> = labels
            .iter()
            .zip(&galleys)
            .map(|((bbox, ..), (full, short))| Request {
                roi: *bbox,
                full: full.size() + pad,
                short: short.size() + pad,
            })
            .collect();
        let mut tags = Vec::new();
        for (((_, text, _, colour, _), (full, short)), placed) in labels
            .iter()
            .zip(galleys)
            .zip(placement::place(view, &requests))
        {
            let galley = if placed.full { full } else { short };
            if let Some([a, b]) = placed.leader {
                painter.line_segment([a, b], Stroke::new(1.0, colour.gamma_multiply(0.7)));
            }
            painter.rect_filled(placed.rect, 3.0, Color32::from_black_alpha(170));
            painter.galley(placed.rect.min + pad / 2.0, galley, *colour);
            if !placed.full {
                tags.push(Tag {
                    rect: placed.rect,
                    text: text.join("\n"),
                });
            }
        }
        tags
    }
}
