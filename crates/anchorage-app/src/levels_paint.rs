//! The vertebral levels on the views: each body's label and endplate lines drawn on a view
//! whose plane holds the spine's axis (the CT's sagittal and coronal reformats, the
//! sagittal MR), the shown slice's place along the spine ("L3, 34 % below the superior
//! endplate", "disc L3/L4") for the axial view's overlay, and the menu that confirms or
//! corrects a body's label ("This body is L3"), which the core's
//! [`anchorage_core::levels::relabel`] carries to the other bodies. The levels themselves
//! come from the core ([`anchorage_core::levels::find_levels`]) and live in the session;
//! this module only maps them to the screen.

use egui::{Align2, Color32, FontId, Painter, Pos2, Stroke, Vec2};

use super::action::{Action, LevelsAction};
use super::protocol_queue::{ProtocolQueue, Status};
use super::view::Transform;
use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::render::CutGeometry;
use anchorage_core::geometry::{Vec3, add_scaled, cross, dot, normalized, sub};
use anchorage_core::levels::{Known, Levels, Location};
use anchorage_core::session::{Level, Session};

/// The colour of a proposal (as the native view draws it).
pub const PROPOSAL_COLOUR: Color32 = Color32::from_rgb(255, 150, 40);

/// The colour of the level labels and endplate lines.
pub const LEVEL_COLOUR: Color32 = Color32::from_rgb(150, 235, 120);

/// The levels that serve `series` in the session: its own, or those of the same frame of
/// reference (the CT's on the MR of the same study).
pub fn levels_of<'a>(session: &'a Session, series: &Series) -> Option<&'a Levels> {
    session.levels_for(&series.uid, &series.frame_of_reference_uid)
}

/// The voxel (slice, row, column), fractional, of a patient point.
pub fn patient_to_voxel(volume: &Volume, p: Vec3) -> Option<[f64; 3]> {
    let first = volume.planes.first()?;
    let (c, r, along) = first.patient_to_pixel(p);
    let ss = volume.slice_spacing_mm;
    let z = if ss.is_finite() && ss > 0.0 {
        along / ss
    } else {
        0.0
    };
    Some([z, r, c])
}

/// The patient point of a voxel (slice, row, column), fractional.
pub fn voxel_to_patient(volume: &Volume, v: [f64; 3]) -> Option<Vec3> {
    let last = volume.planes.len().checked_sub(1)?;
    let zi = v[0].round().clamp(0.0, last as f64) as usize;
    let plane = volume.planes.get(zi)?;
    let p = plane.pixel_to_patient(v[2], v[1]);
    Some(add_scaled(
        p,
        (v[0] - zi as f64) * volume.slice_spacing_mm,
        volume.normal,
    ))
}

/// Where slice `index` of an axial-like series lies along the spine: its place where the
/// spine's axis crosses it ("L3, 34 % below the superior endplate", "disc L3/L4"), or
/// that it is outside the bodies found. `None` when the slices do not cross the axis
/// (a sagittal series).
pub fn slice_place(levels: &Levels, volume: &Volume, index: usize) -> Option<String> {
    let plane = volume.planes.get(index)?;
    if dot(plane.normal(), levels.axis.direction).abs() < 0.5 {
        return None;
    }
    let k = Known::at_slice(Level::L3, volume, index, Some(&levels.axis))?;
    Some(match levels.locate(k.point_mm) {
        Some(place) => place.to_string(),
        None => "outside the vertebral bodies found".into(),
    })
}

/// Whether a view shows the spine lengthwise: its plane holds the axis (within 60°).
pub fn shows_spine_along(g: &CutGeometry, levels: &Levels) -> bool {
    let normal = cross(g.right, g.down);
    dot(normal, levels.axis.direction).abs() < 0.5
}

/// The label of a body: its level, else its place from the top ("body 2").
fn body_label(levels: &Levels, i: usize) -> String {
    match levels.bodies.get(i).and_then(|b| b.level) {
        Some(l) => l.to_string(),
        None => format!("? ({})", i + 1),
    }
}

/// Paints each body's label and endplate lines on a view that shows the spine
/// lengthwise (nothing on another).
pub fn paint(p: &Painter, tf: &Transform, g: &CutGeometry, volume: &Volume, levels: &Levels) {
    if !shows_spine_along(g, levels) {
        return;
    }
    let a = levels.axis.direction;
    // The view's across direction, perpendicular to the axis.
    let Some(u) = normalized(sub(g.right, add_scaled([0.0; 3], dot(g.right, a), a))) else {
        return;
    };
    let screen = |q: Vec3| -> Option<Pos2> {
        let v = patient_to_voxel(volume, q)?;
        let (x, y, _) = g.from_voxel(v);
        Some(tf.to_screen(x, y))
    };
    let stroke = Stroke::new(1.5, LEVEL_COLOUR);
    let font = FontId::proportional(14.0);
    for (i, b) in levels.bodies.iter().enumerate() {
        let half = body_half_width_mm(&b.outline_mm, b.centre_mm, u);
        let t_centre = levels.axis.position_mm(b.centre_mm);
        let at = |t: f64| add_scaled(b.centre_mm, t - t_centre, a);
        for t in [b.superior_mm, b.inferior_mm] {
            let c = at(t);
            if let (Some(s0), Some(s1)) = (
                screen(add_scaled(c, -half, u)),
                screen(add_scaled(c, half, u)),
            ) {
                p.line_segment([s0, s1], stroke);
            }
        }
        let mid = at(b.mid_mm());
        let (Some(e0), Some(e1)) = (
            screen(add_scaled(mid, -half, u)),
            screen(add_scaled(mid, half, u)),
        ) else {
            continue;
        };
        let left = if e0.x <= e1.x { e0 } else { e1 };
        let text = body_label(levels, i);
        let at = left - Vec2::new(6.0, 0.0);
        p.text(
            at + Vec2::splat(1.0),
            Align2::RIGHT_CENTER,
            &text,
            font.clone(),
            Color32::BLACK,
        );
        p.text(at, Align2::RIGHT_CENTER, &text, font.clone(), LEVEL_COLOUR);
    }
}

/// Marks the protocol's waiting proposals on a view that shows the spine lengthwise:
/// each ROI's outline projected onto the view (an axial ellipse becomes a line across
/// the body at its plane), the one shown thicker.
pub fn paint_proposals(
    p: &Painter,
    tf: &Transform,
    g: &CutGeometry,
    volume: &Volume,
    levels: &Levels,
    queue: &ProtocolQueue,
) {
    if !shows_spine_along(g, levels) {
        return;
    }
    for (i, e) in queue.entries.iter().enumerate() {
        if e.status != Status::Waiting {
            continue;
        }
        let shown = queue.current == Some(i);
        let colour = if !e.proposal.passes() {
            Color32::from_rgb(240, 90, 80)
        } else {
            PROPOSAL_COLOUR
        };
        let stroke = Stroke::new(if shown { 3.0 } else { 1.5 }, colour);
        let pts: Vec<Pos2> = roi_outline_mm(&e.proposal.roi)
            .into_iter()
            .filter_map(|q| {
                let v = patient_to_voxel(volume, q)?;
                let (x, y, _) = g.from_voxel(v);
                Some(tf.to_screen(x, y))
            })
            .collect();
        if pts.len() >= 2 {
            p.add(egui::Shape::line(pts, stroke));
        }
    }
}

/// The outline of an ellipse (its centre and two axis ends) or the line of a trajectory or
/// caliper, in patient mm.
fn roi_outline_mm(roi: &anchorage_core::session::Roi) -> Vec<Vec3> {
    match roi.points_mm.as_slice() {
        [c, a, b] if roi.kind == anchorage_core::session::RoiKind::Ellipse => {
            let (u, v) = (sub(*a, *c), sub(*b, *c));
            (0..=48)
                .map(|k| {
                    let t = k as f64 / 48.0 * std::f64::consts::TAU;
                    add_scaled(add_scaled(*c, t.cos(), u), t.sin(), v)
                })
                .collect()
        }
        pts => pts.to_vec(),
    }
}

/// Half the body's width along `u` from its outline, else 20 mm.
fn body_half_width_mm(outline: &[Vec3], centre: Vec3, u: Vec3) -> f64 {
    let w = outline
        .iter()
        .map(|q| dot(sub(*q, centre), u).abs())
        .fold(0.0, f64::max);
    if w > 5.0 { w } else { 20.0 }
}

/// The part of a view's right-click menu that confirms or corrects the label of the body
/// at `point` (patient mm) of `series`: where the point lies, and one button per level.
pub fn confirm_menu(
    ui: &mut egui::Ui,
    levels: Option<&Levels>,
    series_uid: &str,
    point: Option<Vec3>,
) -> Vec<Action> {
    let mut out = Vec::new();
    let (Some(levels), Some(point)) = (levels, point) else {
        return out;
    };
    match levels.locate(point) {
        Some(Location::Body { level: now, .. }) => {
            ui.label(match now {
                Some(l) => format!("This body (labelled {l}) is:"),
                None => "This body is:".to_string(),
            });
            for level in Level::ALL {
                if ui
                    .button(format!("This is {level}"))
                    .on_hover_text(format!(
                        "This body is {level}: the other bodies are relabelled from it"
                    ))
                    .clicked()
                {
                    out.push(Action::Levels(LevelsAction::Confirm {
                        series_uid: series_uid.to_string(),
                        point_mm: point,
                        level,
                    }));
                    ui.close();
                }
            }
        }
        Some(other) => {
            ui.label(format!("Here: {other} (no body to label)"));
        }
        None => {
            ui.label("Here: outside the vertebral bodies found");
        }
    }
    ui.separator();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchorage_core::geometry::ImagePlane;

    #[test]
    fn voxels_and_patient_points_map_both_ways() {
        let planes: Vec<ImagePlane> = (0..5)
            .map(|k| ImagePlane {
                origin_mm: [-10.0, -20.0, 2.0 * k as f64],
                row_dir: [1.0, 0.0, 0.0],
                col_dir: [0.0, 1.0, 0.0],
                row_spacing_mm: 0.5,
                col_spacing_mm: 0.7,
            })
            .collect();
        let volume = Volume {
            voxels: anchorage_core::dicom::volume::Voxels::Float(ndarray::Array3::zeros((5, 8, 8))),
            sop_instance_uids: vec![String::new(); 5],
            frames: vec![0; 5],
            planes,
            slice_spacing_mm: 2.0,
            normal: [0.0, 0.0, 1.0],
        };
        let v = [2.5, 3.0, 4.0];
        let p = voxel_to_patient(&volume, v).expect("inside");
        assert!((p[0] - (-10.0 + 4.0 * 0.7)).abs() < 1e-9);
        assert!((p[1] - (-20.0 + 3.0 * 0.5)).abs() < 1e-9);
        assert!((p[2] - 5.0).abs() < 1e-9);
        let back = patient_to_voxel(&volume, p).expect("inside");
        for k in 0..3 {
            assert!((back[k] - v[k]).abs() < 1e-9, "{back:?}");
        }
    }
}
