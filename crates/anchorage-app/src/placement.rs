//! Where the ROI labels go on a view: beside their ROI, clear of every ROI and of the
//! labels placed before them, inside the view. A label that finds no free place in full
//! is shown as a short tag (its full text on hover); one moved away from its ROI gets a
//! leader line. Pure geometry on screen rectangles, so it is tested without a window.

use egui::{Pos2, Rect, Vec2};

/// One label to place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// The ROI's bounding box on screen.
    pub roi: Rect,
    /// The full label's size.
    pub full: Vec2,
    /// The short tag's size.
    pub short: Vec2,
}

/// Where a label went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// The label's rectangle.
    pub rect: Rect,
    /// Whether it is the full label (else the short tag).
    pub full: bool,
    /// A line from the label to its ROI, when the label is not beside it.
    pub leader: Option<[Pos2; 2]>,
}

const GAP: f32 = 6.0;
/// Labels farther than this from their ROI get a leader line, points.
const LEADER_FROM: f32 = 14.0;

/// Places the labels in order (the first ones get the best places: put the selected ROI
/// and the proposal first). Every label lies inside `view` when it fits in it.
pub fn place(view: Rect, requests: &[Request]) -> Vec<Placed> {
    let rois: Vec<Rect> = requests.iter().map(|r| r.roi).collect();
    let mut taken: Vec<Rect> = Vec::new();
    let mut out = Vec::with_capacity(requests.len());
    for r in requests {
        let free = |rect: &Rect, taken: &[Rect]| {
            taken.iter().all(|t| !t.intersects(*rect)) && rois.iter().all(|b| !b.intersects(*rect))
        };
        let mut chosen = None;
        for (size, full) in [(r.full, true), (r.short, false)] {
            if let Some(rect) = candidates(r.roi, size)
                .into_iter()
                .map(|c| inside(view, c))
                .find(|c| free(c, &taken))
            {
                chosen = Some((rect, full));
                break;
            }
        }
        // Nowhere free: the short tag beside the ROI, inside the view.
        let (rect, full) = chosen.unwrap_or_else(|| {
            (
                inside(
                    view,
                    Rect::from_min_size(Pos2::new(r.roi.max.x + GAP, r.roi.min.y), r.short),
                ),
                false,
            )
        });
        taken.push(rect.expand(2.0));
        out.push(Placed {
            rect,
            full,
            leader: leader(r.roi, rect),
        });
    }
    out
}

/// Places to try, best first: right, left, below, above the ROI, then farther down and up
/// on either side.
fn candidates(b: Rect, size: Vec2) -> Vec<Rect> {
    let at = |x: f32, y: f32| Rect::from_min_size(Pos2::new(x, y), size);
    let right = b.max.x + GAP;
    let left = b.min.x - GAP - size.x;
    let mut c = vec![
        at(right, b.min.y),
        at(left, b.min.y),
        at(b.min.x, b.max.y + GAP),
        at(b.min.x, b.min.y - GAP - size.y),
        at(right, b.max.y - size.y),
        at(left, b.max.y - size.y),
    ];
    for step in 1..=8 {
        let dy = step as f32 * (size.y + GAP);
        for x in [right, left] {
            c.push(at(x, b.min.y + dy));
            c.push(at(x, b.min.y - dy));
        }
    }
    c
}

/// `r` moved (not resized) to lie inside `view`, as far as it fits.
fn inside(view: Rect, r: Rect) -> Rect {
    let mut d = Vec2::ZERO;
    if r.max.x > view.max.x {
        d.x = view.max.x - r.max.x;
    }
    if r.min.x + d.x < view.min.x {
        d.x = view.min.x - r.min.x;
    }
    if r.max.y > view.max.y {
        d.y = view.max.y - r.max.y;
    }
    if r.min.y + d.y < view.min.y {
        d.y = view.min.y - r.min.y;
    }
    r.translate(d)
}

fn leader(roi: Rect, label: Rect) -> Option<[Pos2; 2]> {
    let to = roi.clamp(label.center());
    let from = label.clamp(roi.center());
    (from.distance(to) > LEADER_FROM).then_some([from, to])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(x: f32, y: f32, w: f32) -> Request {
        Request {
            roi: Rect::from_min_size(Pos2::new(x, y), Vec2::splat(w)),
            full: Vec2::new(120.0, 60.0),
            short: Vec2::new(24.0, 14.0),
        }
    }

    #[test]
    fn labels_overlap_neither_each_other_nor_the_rois() {
        let view = Rect::from_min_size(Pos2::ZERO, Vec2::new(600.0, 500.0));
        // Two ROIs side by side, as L3 L and L3 R trajectories.
        let r = [req(200.0, 200.0, 40.0), req(250.0, 200.0, 40.0)];
        let p = place(view, &r);
        assert!(!p[0].rect.intersects(p[1].rect));
        for placed in &p {
            assert!(view.contains_rect(placed.rect));
            for q in &r {
                assert!(!placed.rect.intersects(q.roi), "{placed:?} covers {q:?}");
            }
        }
    }

    #[test]
    fn a_label_at_the_edge_stays_in_the_view() {
        let view = Rect::from_min_size(Pos2::ZERO, Vec2::new(300.0, 300.0));
        let p = place(view, &[req(260.0, 280.0, 15.0)]);
        assert!(view.contains_rect(p[0].rect), "{:?}", p[0]);
        assert!(!p[0].rect.intersects(req(260.0, 280.0, 15.0).roi));
    }

    #[test]
    fn crowded_labels_become_tags_with_leaders_when_moved() {
        let view = Rect::from_min_size(Pos2::ZERO, Vec2::new(160.0, 120.0));
        let r: Vec<Request> = (0..4)
            .map(|k| req(20.0 + 30.0 * k as f32, 50.0, 20.0))
            .collect();
        let p = place(view, &r);
        assert!(p.iter().any(|x| !x.full));
        for x in &p {
            if let Some([a, b]) = x.leader {
                assert!(a.distance(b) > LEADER_FROM);
            }
        }
    }
}
