//! The pictures of the screw planning view: each view along a planned screw rendered by
//! the core ([`anchorage_core::display::oblique::screw_view`], trilinear on the CT) into a
//! texture that is kept until the plan, the screw's size, the depth, the window or the
//! volume changes; the screw's outline, axis and entry and tip handles painted over it;
//! and the geometry of a handle drag (the patient point under the mouse on a view, the
//! plan a dragged handle makes, the outline of that draft on the view as it was when the
//! drag began).

use egui::{
    Color32, ColorImage, Painter, Pos2, Rect, Shape, Stroke, TextureHandle, TextureOptions,
};

use super::view::Transform;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::oblique::{ScrewViewKind, ViewMapping, ViewOptions, screw_view};
use anchorage_core::display::render::WindowLevel;
use anchorage_core::geometry::Vec3;
use anchorage_core::plan::{Sampler, ScrewPlan};
use anchorage_core::session::Side;

/// How close to a handle a press must be to grab it, points.
pub const GRAB_RADIUS: f32 = 12.0;
/// The screw's outline.
pub const SCREW_COLOUR: Color32 = Color32::from_rgb(250, 210, 60);
/// The entry handle.
pub const ENTRY_COLOUR: Color32 = Color32::from_rgb(90, 210, 90);
/// The tip handle (and the axis point en face).
pub const TIP_COLOUR: Color32 = Color32::from_rgb(240, 90, 80);
/// The pedicle's outer cortex as the automatic measurement found it (en face).
pub const PEDICLE_COLOUR: Color32 = Color32::from_rgb(80, 200, 230);

/// The three views, in the order they are laid out.
pub const VIEW_NAMES: [&str; 3] = ["Axial-oblique", "Sagittal-oblique", "En face"];

/// Size and resolution of each view: the oblique views 80 mm across (a 55 mm screw with
/// room around it), the en-face view 36 mm across (the pedicle and its neighbourhood).
pub fn view_options(index: usize) -> ViewOptions {
    if index == 2 {
        ViewOptions {
            size_px: 240,
            pixel_mm: 0.15,
        }
    } else {
        ViewOptions {
            size_px: 320,
            pixel_mm: 0.25,
        }
    }
}

/// The kind of view `index` (0 axial-oblique, 1 sagittal-oblique, 2 en face at
/// `depth_mm`).
pub fn view_kind(index: usize, depth_mm: f64) -> ScrewViewKind {
    match index {
        0 => ScrewViewKind::AxialOblique,
        1 => ScrewViewKind::SagittalOblique,
        _ => ScrewViewKind::EnFace { depth_mm },
    }
}

/// Which handle of the screw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handle {
    /// The entry point (the tip stays where it is).
    Entry,
    /// The tip (the entry stays; en face: the axis point at the shown depth).
    Tip,
}

/// A view as it was drawn: where on screen, and how its pixels map to the patient.
#[derive(Debug, Clone)]
pub struct DrawnView {
    /// Which view.
    pub kind: ScrewViewKind,
    /// The image's place on screen.
    pub tf: Transform,
    /// The view's pixels ↔ patient millimetres.
    pub mapping: ViewMapping,
    /// The screw's outline, view pixels (column, row).
    pub outline_px: Vec<[f64; 2]>,
    /// Entry and tip, view pixels (en face: the axis point at the depth, twice).
    pub handles_px: [[f64; 2]; 2],
}

impl DrawnView {
    /// The screen position of a handle.
    pub fn handle_screen(&self, h: Handle) -> Pos2 {
        let [x, y] = match h {
            Handle::Entry => self.handles_px[0],
            Handle::Tip => self.handles_px[1],
        };
        self.tf.to_screen(x, y)
    }

    /// The handle within [`GRAB_RADIUS`] of `p` (en face only the axis point, a tip).
    pub fn handle_at(&self, p: Pos2) -> Option<Handle> {
        let handles: &[Handle] = match self.kind {
            ScrewViewKind::EnFace { .. } => &[Handle::Tip],
            _ => &[Handle::Tip, Handle::Entry],
        };
        handles
            .iter()
            .map(|h| (*h, self.handle_screen(*h).distance(p)))
            .filter(|(_, d)| *d <= GRAB_RADIUS)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(h, _)| h)
    }

    /// The patient point (mm, LPS) in the view's plane under screen point `p`.
    pub fn patient_at(&self, p: Pos2) -> Vec3 {
        let (c, r) = self.tf.to_image(p);
        self.mapping.pixel_to_patient(c, r)
    }
}

/// The plan made by moving `handle` of a `length_mm` screw planned along `plan` to the
/// patient point `to`: the tip (or the en-face axis point) turns the screw about its
/// entry, the entry moves while the tip stays. The screw keeps its length. `None` when
/// the point is on the entry (or the tip).
pub fn dragged_plan(
    plan: &ScrewPlan,
    handle: Handle,
    to: Vec3,
    length_mm: f64,
) -> Option<ScrewPlan> {
    match handle {
        Handle::Tip => plan.with_tip(to).map(|(p, _)| p),
        Handle::Entry => plan.with_entry(to, length_mm).map(|(p, _)| p),
    }
}

/// The outline and handles of a screw planned along `plan`, in the pixels of a view
/// drawn earlier (`mapping`, of kind `kind`): a draft while its handle is dragged.
pub fn outline_on(
    mapping: &ViewMapping,
    kind: ScrewViewKind,
    plan: &ScrewPlan,
    diameter_mm: f64,
    length_mm: f64,
) -> (Vec<[f64; 2]>, [[f64; 2]; 2]) {
    let px = |p: Vec3| {
        let (c, r, _) = mapping.patient_to_pixel(p);
        [c, r]
    };
    let r_px = 0.5 * diameter_mm / mapping.pixel_mm;
    match kind {
        ScrewViewKind::EnFace { depth_mm } => {
            let [cx, cy] = px(plan.point_at(depth_mm));
            let circle = (0..48)
                .map(|k| {
                    let t = k as f64 * std::f64::consts::TAU / 48.0;
                    [cx + r_px * t.cos(), cy + r_px * t.sin()]
                })
                .collect();
            (circle, [[cx, cy], [cx, cy]])
        }
        _ => {
            let (e, t) = (px(plan.entry_mm), px(plan.tip_mm(length_mm)));
            let (dx, dy) = (t[0] - e[0], t[1] - e[1]);
            let n = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ox, oy) = (-dy / n * r_px, dx / n * r_px);
            let outline = vec![
                [e[0] + ox, e[1] + oy],
                [t[0] + ox, t[1] + oy],
                [t[0] - ox, t[1] - oy],
                [e[0] - ox, e[1] - oy],
            ];
            (outline, [e, t])
        }
    }
}

/// What a view shows; its texture is rendered again only when this changes.
pub struct ViewRequest<'a> {
    /// The CT the screw is planned on.
    pub volume: &'a Volume,
    /// Changes whenever `volume` is replaced.
    pub volume_id: u64,
    /// The plan.
    pub plan: &'a ScrewPlan,
    /// The screw's side.
    pub side: Side,
    /// Screw diameter, mm.
    pub diameter_mm: f64,
    /// Screw length, mm.
    pub length_mm: f64,
    /// Which view (0 axial-oblique, 1 sagittal-oblique, 2 en face).
    pub index: usize,
    /// The en-face depth from the entry, mm.
    pub depth_mm: f64,
    /// The window.
    pub window: WindowLevel,
}

impl ViewRequest<'_> {
    fn key(&self) -> String {
        let depth = if self.index == 2 { self.depth_mm } else { 0.0 };
        format!(
            "{}|{:?}|{:?}|{}|{}|{}|{}|{}|{}",
            self.volume_id,
            self.plan,
            self.side,
            self.diameter_mm,
            self.length_mm,
            self.index,
            depth,
            self.window.centre,
            self.window.width
        )
    }
}

/// A rendered view's pixel ↔ patient mapping, the screw's outline and its two handles.
type Geometry = (ViewMapping, Vec<[f64; 2]>, [[f64; 2]; 2]);

/// A view's texture and geometry, kept between frames.
#[derive(Default)]
pub struct ViewTexture {
    key: Option<String>,
    texture: Option<TextureHandle>,
    geometry: Option<Geometry>,
    error: Option<String>,
    /// How many times this view was rendered (a change of plan, size, depth, window).
    pub renders: u64,
}

impl ViewTexture {
    /// Renders the view when what it shows changed. Err: why it cannot be shown.
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        req: &ViewRequest,
    ) -> Result<(), String> {
        let key = req.key();
        if self.key.as_ref() == Some(&key) {
            return match &self.error {
                Some(e) => Err(e.clone()),
                None => Ok(()),
            };
        }
        self.key = Some(key);
        self.renders += 1;
        let view = Sampler::new(req.volume).and_then(|s| {
            screw_view(
                &s,
                req.plan,
                req.side,
                req.diameter_mm,
                req.length_mm,
                view_kind(req.index, req.depth_mm),
                view_options(req.index),
            )
        });
        match view {
            Ok(v) => {
                let grey = v.to_grey(req.window);
                let image = ColorImage::from_gray([grey.width, grey.height], &grey.pixels);
                match &mut self.texture {
                    Some(t) => t.set(image, TextureOptions::LINEAR),
                    None => {
                        self.texture = Some(ctx.load_texture(name, image, TextureOptions::LINEAR))
                    }
                }
                let handles = match v.kind {
                    ScrewViewKind::EnFace { .. } => {
                        let c = (v.width as f64 - 1.0) / 2.0;
                        [[c, c], [c, c]]
                    }
                    _ => v.axis_px,
                };
                self.geometry = Some((v.mapping, v.outline_px, handles));
                self.error = None;
                Ok(())
            }
            Err(e) => {
                self.geometry = None;
                self.error = Some(e.to_string());
                Err(e.to_string())
            }
        }
    }

    /// Paints the view in `rect` (a square) and returns where it was drawn.
    pub fn paint(&self, painter: &Painter, rect: Rect, kind: ScrewViewKind) -> Option<DrawnView> {
        let (texture, (mapping, outline, handles)) =
            (self.texture.as_ref()?, self.geometry.as_ref()?);
        let size = texture.size();
        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
        painter.image(texture.id(), rect, uv, Color32::WHITE);
        Some(DrawnView {
            kind,
            tf: Transform {
                image_rect: rect,
                width: size[0],
                height: size[1],
            },
            mapping: *mapping,
            outline_px: outline.clone(),
            handles_px: *handles,
        })
    }
}

/// Paints a screw's outline, its axis and handles on a drawn view (`outline` and
/// `handles` in the view's pixels); `hot` is the handle under the mouse or dragged.
pub fn paint_screw(
    painter: &Painter,
    view: &DrawnView,
    outline: &[[f64; 2]],
    handles: [[f64; 2]; 2],
    hot: Option<Handle>,
) {
    let pts: Vec<Pos2> = outline
        .iter()
        .map(|[x, y]| view.tf.to_screen(*x, *y))
        .collect();
    painter.add(Shape::closed_line(pts, Stroke::new(1.5, SCREW_COLOUR)));
    let [e, t] = handles.map(|[x, y]| view.tf.to_screen(x, y));
    let en_face = matches!(view.kind, ScrewViewKind::EnFace { .. });
    if !en_face {
        painter.line_segment([e, t], Stroke::new(1.0, SCREW_COLOUR.gamma_multiply(0.6)));
    }
    let dot = |p: Pos2, colour: Color32, h: Handle| {
        let r = if hot == Some(h) { 7.0 } else { 5.0 };
        painter.circle(p, r, colour.gamma_multiply(0.5), Stroke::new(1.5, colour));
    };
    if !en_face {
        dot(e, ENTRY_COLOUR, Handle::Entry);
    }
    dot(t, TIP_COLOUR, Handle::Tip);
}

/// Paints a closed outline given in patient millimetres (the pedicle's outer cortex) on
/// a drawn view.
pub fn paint_patient_outline(painter: &Painter, view: &DrawnView, outline_mm: &[Vec3]) {
    if outline_mm.len() < 3 {
        return;
    }
    let pts: Vec<Pos2> = outline_mm
        .iter()
        .map(|p| {
            let (c, r, _) = view.mapping.patient_to_pixel(*p);
            view.tf.to_screen(c, r)
        })
        .collect();
    painter.add(Shape::closed_line(pts, Stroke::new(1.2, PEDICLE_COLOUR)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> ScrewPlan {
        ScrewPlan::through("1.2", [20.0, 30.0, 0.0], [10.0, -10.0, 0.0]).unwrap()
    }

    #[test]
    fn a_dragged_tip_turns_the_screw_about_its_entry_and_an_entry_keeps_the_tip() {
        let p = plan();
        let q = dragged_plan(&p, Handle::Tip, [0.0, 0.0, 0.0], 45.0).unwrap();
        assert_eq!(q.entry_mm, p.entry_mm);
        let d = q.direction;
        let expect = [-20.0 / 1300f64.sqrt(), -30.0 / 1300f64.sqrt(), 0.0];
        for k in 0..3 {
            assert!((d[k] - expect[k]).abs() < 1e-12, "{d:?}");
        }
        let tip = p.tip_mm(45.0);
        let e = dragged_plan(&p, Handle::Entry, [25.0, 32.0, 1.0], 45.0).unwrap();
        assert_eq!(e.entry_mm, [25.0, 32.0, 1.0]);
        // The old tip lies on the new axis.
        assert!(e.distance_from_axis_mm(tip) < 1e-9);
        assert!(dragged_plan(&p, Handle::Tip, p.entry_mm, 45.0).is_none());
    }

    #[test]
    fn the_draft_outline_matches_the_cores_outline_of_the_same_plan() {
        // A view built by the core and the draft outline of the same plan on it agree.
        let p = plan();
        let mapping = ViewMapping {
            origin_mm: [-20.0, -20.0, 0.0],
            right: [1.0, 0.0, 0.0],
            down: [0.0, 1.0, 0.0],
            pixel_mm: 0.5,
        };
        let (outline, [e, t]) = outline_on(&mapping, ScrewViewKind::AxialOblique, &p, 6.0, 45.0);
        assert_eq!(e, [80.0, 100.0]);
        let tip = p.tip_mm(45.0);
        assert!((t[0] - (tip[0] + 20.0) / 0.5).abs() < 1e-9);
        // The rectangle is the diameter wide: 6 mm = 12 pixels.
        let w = ((outline[0][0] - outline[3][0]).powi(2) + (outline[0][1] - outline[3][1]).powi(2))
            .sqrt();
        assert!((w - 12.0).abs() < 1e-9, "{w}");
    }
}
