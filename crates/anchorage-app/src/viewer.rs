//! The image views: the series in its native plane and, for CT, the two reformatted
//! planes, each with the correct aspect from the pixel and slice spacing, pan and zoom,
//! window/level by dragging, reference lines where the other views cut, PACS corner
//! overlays and a cursor readout. ROI drawing on the native view is delegated to
//! [`crate::tools`]: the drag in progress ([`Edit`]) is the view's own state, and what it
//! changes goes back to the App as actions.

use egui::{
    Color32, ColorImage, PointerButton, Pos2, Rect, Sense, Stroke, TextureHandle, TextureOptions,
    Vec2,
};

use super::action::Action;
use super::levels_paint;
use super::measure_cache::Measurements;
use super::overlay;
use super::tools::{Edit, Tools};
use super::view::{Shown, Transform};
use super::wheel::wheel_notches;
use anchorage_core::dicom::volume::Voxels;
use anchorage_core::display::render::{Cut, CutGeometry, Lut, WindowLevel, render_cut};

/// The colour of each cut's view, its reference lines and title (as in 3D Slicer).
pub fn cut_colour(cut: Cut) -> Color32 {
    match cut {
        Cut::Slice => Color32::from_rgb(230, 80, 70),
        Cut::Column => Color32::from_rgb(230, 200, 60),
        Cut::Row => Color32::from_rgb(90, 200, 90),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DragMode {
    Window(WindowLevel),
    Pan,
    Tool,
    Point,
}

#[derive(Debug, Clone, PartialEq)]
struct TexKey {
    volume_id: u64,
    index: usize,
    window: (u64, u64),
    invert: bool,
}

/// One view's runtime state.
pub struct ViewState {
    /// The cut shown.
    pub cut: Cut,
    /// Magnification relative to fitting the view.
    pub zoom: f32,
    /// Offset of the image centre from the view centre, points.
    pub pan: Vec2,
    texture: Option<TextureHandle>,
    key: Option<TexKey>,
    drag: Option<DragMode>,
    wheel: f32,
}

impl ViewState {
    fn new(cut: Cut) -> Self {
        ViewState {
            cut,
            zoom: 1.0,
            pan: Vec2::ZERO,
            texture: None,
            key: None,
            drag: None,
            wheel: 0.0,
        }
    }
}

/// The views of one series and the point where they cross.
pub struct Viewers {
    /// Native, sagittal-like (fixed column) and coronal-like (fixed row) views.
    pub views: [ViewState; 3],
    /// The crossing point (slice, row, column): each view shows the cut through it.
    pub point: [usize; 3],
    /// The view keys act on (the last one under the mouse).
    pub active: usize,
    /// Where the native view drew its image in the last frame.
    pub native: Option<Transform>,
    /// Each view's area on screen in the last frame (`None`: not shown).
    pub rects: [Option<Rect>; 3],
    lut: Option<Lut>,
    /// The tool drag in progress on the native view.
    edit: Edit,
    /// Where the last right click was, patient mm (the point the menu's "This is L3"
    /// labels).
    menu_point: Option<anchorage_core::geometry::Vec3>,
}

impl Default for Viewers {
    fn default() -> Self {
        Viewers {
            views: [
                ViewState::new(Cut::Slice),
                ViewState::new(Cut::Column),
                ViewState::new(Cut::Row),
            ],
            point: [0; 3],
            active: 0,
            native: None,
            rects: [None; 3],
            lut: None,
            edit: Edit::default(),
            menu_point: None,
        }
    }
}

/// Which component of the crossing point a cut holds fixed.
fn axis_of(cut: Cut) -> usize {
    match cut {
        Cut::Slice => 0,
        Cut::Row => 1,
        Cut::Column => 2,
    }
}

impl Viewers {
    /// Views for a series of `dims` (slices, rows, columns), crossing at slice `slice`
    /// and the image centre.
    pub fn reset(&mut self, dims: (usize, usize, usize), slice: usize) {
        *self = Viewers::default();
        self.point = [slice, dims.1 / 2, dims.2 / 2];
    }

    /// Fits every view again.
    pub fn fit(&mut self) {
        for v in &mut self.views {
            v.zoom = 1.0;
            v.pan = Vec2::ZERO;
        }
    }

    /// The slice index of the native view.
    pub fn slice(&self) -> usize {
        self.point[0]
    }

    /// Moves the active view by `delta` cuts (clamped), or to the first (`None`, false) /
    /// last (`None`, true) cut.
    pub fn step(&mut self, dims: (usize, usize, usize), delta: Option<i64>, to_end: bool) {
        let cut = self.views.get(self.active).map_or(Cut::Slice, |v| v.cut);
        let a = axis_of(cut);
        let count = [dims.0, dims.1, dims.2][a];
        let cur = self.point[a] as i64;
        let next = match delta {
            Some(d) => cur + d,
            None if to_end => count as i64 - 1,
            None => 0,
        };
        self.point[a] = next.clamp(0, count.saturating_sub(1) as i64) as usize;
    }

    /// Zooms the active view by `factor` about its centre.
    pub fn zoom_active(&mut self, factor: f32) {
        if let Some(v) = self.views.get_mut(self.active) {
            v.zoom = (v.zoom * factor).clamp(0.1, 40.0);
            v.pan *= factor;
        }
    }

    /// Shows the views: the native one alone, or with the reformats beside it.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        shown: &Shown,
        reformats: bool,
        tools: &Tools,
        measurements: &mut Measurements,
    ) -> Vec<Action> {
        self.edit.follow(tools);
        let before = self.edit.clone();
        let dims = shown.volume.dims();
        let reformats = reformats && shown.preview.is_none() && dims.0 > 1;
        let visible: Vec<usize> = if reformats { vec![0, 1, 2] } else { vec![0] };
        let mut actions = Vec::new();
        self.rects = [None; 3];
        let full = ui.available_rect_before_wrap();
        let rects: Vec<Rect> = if reformats {
            let split = full.min.x + full.width() * 0.6;
            let mid = full.center().y;
            vec![
                Rect::from_min_max(full.min, Pos2::new(split - 2.0, full.max.y)),
                Rect::from_min_max(
                    Pos2::new(split + 2.0, full.min.y),
                    Pos2::new(full.max.x, mid - 2.0),
                ),
                Rect::from_min_max(Pos2::new(split + 2.0, mid + 2.0), full.max),
            ]
        } else {
            vec![full]
        };
        for (&i, rect) in visible.iter().zip(rects) {
            let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect));
            actions.extend(self.view_ui(&mut child, i, shown, &visible, tools, measurements));
        }
        // Only move the cursor: a widget over the views would take their hover.
        ui.advance_cursor_after_rect(full);
        // The draft as the drag left it, for the other panels (and this view's next frame).
        if self.edit.shown() != before.shown() {
            actions.push(self.edit.draft_action());
        }
        actions
    }

    fn texture(&mut self, ui: &egui::Ui, i: usize, shown: &Shown, g: &CutGeometry, index: usize) {
        let invert = shown.series.is_monochrome1();
        let key = TexKey {
            volume_id: shown.volume_id,
            index,
            window: (shown.window.centre.to_bits(), shown.window.width.to_bits()),
            invert,
        };
        let Some(view) = self.views.get(i) else {
            return;
        };
        if view.key.as_ref() == Some(&key) && view.texture.is_some() {
            return;
        }
        if let Voxels::Scaled { map, .. } = &shown.volume.voxels
            && self
                .lut
                .as_ref()
                .is_none_or(|l| l.window != shown.window || l.invert != invert)
        {
            self.lut = Some(Lut::new(map, shown.window, invert));
        }
        let img = render_cut(
            shown.volume,
            g,
            index,
            shown.window,
            invert,
            self.lut.as_ref(),
        );
        let color = ColorImage::from_gray([img.width, img.height], &img.pixels);
        let Some(view) = self.views.get_mut(i) else {
            return;
        };
        match &mut view.texture {
            Some(t) => t.set(color, TextureOptions::LINEAR),
            None => {
                view.texture = Some(ui.ctx().load_texture(
                    format!("view{i}"),
                    color,
                    TextureOptions::LINEAR,
                ))
            }
        }
        view.key = Some(key);
    }

    fn view_ui(
        &mut self,
        ui: &mut egui::Ui,
        i: usize,
        shown: &Shown,
        visible: &[usize],
        tools: &Tools,
        measurements: &mut Measurements,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        let Some(cut) = self.views.get(i).map(|v| v.cut) else {
            return actions;
        };
        let g = CutGeometry::new(shown.volume, cut);
        let count = if cut == Cut::Slice {
            shown.series.len().max(g.count)
        } else {
            g.count
        };
        let axis = axis_of(cut);
        let index = self.point[axis].min(count.saturating_sub(1));
        let name = overlay::view_name(shown.volume, shown.series, cut);
        ui.horizontal(|ui| {
            ui.colored_label(cut_colour(cut), name);
            ui.label(format!("Im {}/{}", index + 1, count));
        });
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        let rect = response.rect;
        if let Some(r) = self.rects.get_mut(i) {
            *r = Some(rect);
        }
        painter.rect_filled(rect, 0.0, Color32::BLACK);

        // Which volume slice to draw: a preview holds only its own slice.
        let source_index = match shown.preview {
            Some(k) if index == k => Some(0),
            Some(_) => None,
            None => Some(index),
        };
        let Some(view) = self.views.get(i) else {
            return actions;
        };
        let [w_mm, h_mm] = g.size_mm();
        let fit = (rect.width() as f64 / w_mm.max(1e-6)).min(rect.height() as f64 / h_mm.max(1e-6));
        let size = Vec2::new((w_mm * fit) as f32, (h_mm * fit) as f32) * view.zoom;
        let image_rect = Rect::from_center_size(rect.center() + view.pan, size);
        let tf = Transform {
            image_rect,
            width: g.width,
            height: g.height,
        };
        let clip = painter.with_clip_rect(rect);
        match source_index {
            Some(si) => {
                self.texture(ui, i, shown, &g, si);
                if let Some(t) = self.views.get(i).and_then(|v| v.texture.as_ref()) {
                    let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
                    clip.image(t.id(), image_rect, uv, Color32::WHITE);
                }
            }
            None => {
                clip.text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "loading…",
                    egui::FontId::proportional(16.0),
                    Color32::GRAY,
                );
            }
        }
        // Reference lines of the other visible views.
        let p = self.point.map(|v| v as f64);
        for &j in visible.iter().filter(|&&j| j != i) {
            let Some(other) = self.views.get(j).map(|v| v.cut) else {
                continue;
            };
            let mut q = p;
            q[axis_of(other)] += 1.0;
            let (x0, y0, _) = g.from_voxel(p);
            let (x1, _, _) = g.from_voxel(q);
            let stroke = Stroke::new(1.0, cut_colour(other).gamma_multiply(0.8));
            let (a, b) = if (x1 - x0).abs() > 0.5 {
                (
                    tf.to_screen(x0, -0.5),
                    tf.to_screen(x0, g.height as f64 - 0.5),
                )
            } else {
                (
                    tf.to_screen(-0.5, y0),
                    tf.to_screen(g.width as f64 - 0.5, y0),
                )
            };
            clip.line_segment([a, b], stroke);
        }

        // The vertebral levels where the view shows the spine lengthwise.
        let levels = levels_paint::levels_of(shown.session, shown.series);
        if let Some(l) = levels
            && shown.preview.is_none()
            && source_index.is_some()
        {
            levels_paint::paint(&clip, &tf, &g, shown.volume, l);
            if let Some(q) = shown.protocol {
                levels_paint::paint_proposals(&clip, &tf, &g, shown.volume, l, q);
            }
        }
        // ROIs on the native view.
        let hover = response.hover_pos();
        let mut tags = Vec::new();
        if cut == Cut::Slice && source_index.is_some() {
            tags = tools.paint(&clip, &tf, shown, index, measurements, hover);
        }
        // A label shortened to a tag shows in full under the mouse.
        if let Some(tag) = hover.and_then(|h| tags.iter().find(|t| t.rect.contains(h))) {
            response.clone().on_hover_text_at_pointer(tag.text.clone());
        }
        if cut == Cut::Slice {
            self.native = Some(tf);
        }

        // Mouse. What it changes shows in the next frame: ask for one.
        let before = (self.point, self.views.get(i).map(|v| (v.zoom, v.pan)));
        if response.hovered() || response.dragged() {
            self.active = i;
        }
        let (modifiers, events) = ui.input(|inp| (inp.modifiers, inp.events.clone()));
        if response.hovered() {
            for (lines, modifiers) in wheel_notches(&events) {
                if modifiers.command || modifiers.ctrl {
                    let factor = 1.1f32.powf(lines);
                    if let (Some(v), Some(h)) = (self.views.get_mut(i), hover) {
                        let old = v.zoom;
                        v.zoom = (v.zoom * factor).clamp(0.1, 40.0);
                        let f = v.zoom / old;
                        // Keep the point under the mouse in place.
                        let c = rect.center() + v.pan;
                        v.pan += (h - c) * (1.0 - f);
                    }
                } else if let Some(v) = self.views.get_mut(i) {
                    // One notch, one slice; with Shift, ten.
                    let per_notch = if modifiers.shift { 10.0 } else { 1.0 };
                    v.wheel -= lines * per_notch;
                    let steps = v.wheel.trunc();
                    v.wheel -= steps;
                    let next = (self.point[axis] as i64 + steps as i64)
                        .clamp(0, count.saturating_sub(1) as i64);
                    self.point[axis] = next as usize;
                }
            }
        }
        let press = ui.input(|inp| inp.pointer.press_origin());
        if response.drag_started() {
            let mode = if response.drag_started_by(PointerButton::Secondary)
                || (response.drag_started_by(PointerButton::Primary)
                    && (modifiers.command || modifiers.ctrl))
            {
                Some(DragMode::Window(shown.window))
            } else if response.drag_started_by(PointerButton::Middle) {
                Some(DragMode::Pan)
            } else if response.drag_started_by(PointerButton::Primary) {
                if cut != Cut::Slice {
                    Some(DragMode::Point)
                } else if source_index.is_some() && shown.preview.is_none() {
                    match tools.begin(&mut self.edit, shown, index, &tf, press.or(hover)) {
                        Some(begun) => {
                            actions.extend(begun);
                            Some(DragMode::Tool)
                        }
                        None => Some(DragMode::Pan),
                    }
                } else {
                    Some(DragMode::Pan)
                }
            } else {
                None
            };
            if let Some(v) = self.views.get_mut(i) {
                v.drag = mode;
            }
        }
        let drag = self.views.get(i).and_then(|v| v.drag);
        if response.dragged() {
            let delta = response.drag_delta();
            match drag {
                Some(DragMode::Window(start)) => {
                    let total = ui.input(|inp| {
                        inp.pointer
                            .press_origin()
                            .zip(inp.pointer.latest_pos())
                            .map(|(a, b)| b - a)
                    });
                    if let Some(t) = total {
                        actions.push(Action::SetWindow(start.dragged(t.x as f64, t.y as f64)));
                    }
                }
                Some(DragMode::Pan) => {
                    if let Some(v) = self.views.get_mut(i) {
                        v.pan += delta;
                    }
                }
                Some(DragMode::Tool) => {
                    if let Some(h) = response.interact_pointer_pos() {
                        self.edit.drag(&tf, h, modifiers.alt);
                    }
                }
                Some(DragMode::Point) => {
                    if let Some(h) = response.interact_pointer_pos() {
                        self.set_point(&g, index, &tf, h);
                    }
                }
                None => {}
            }
        }
        if response.drag_stopped() {
            if drag == Some(DragMode::Tool) {
                actions.extend(self.edit.end(&tf));
            }
            if let Some(v) = self.views.get_mut(i) {
                v.drag = None;
            }
        }
        if response.clicked_by(PointerButton::Primary) {
            if cut != Cut::Slice {
                if let Some(h) = hover {
                    self.set_point(&g, index, &tf, h);
                }
            } else if shown.preview.is_none() {
                actions.extend(tools.click(shown, index, &tf, hover));
            }
        }
        if response.secondary_clicked() {
            self.menu_point = hover.and_then(|h| {
                let (x, y) = tf.to_image(h);
                levels_paint::voxel_to_patient(shown.volume, g.to_voxel(index, x, y))
            });
            if cut == Cut::Slice {
                actions.extend(tools.click(shown, index, &tf, hover));
            }
        }
        if shown.preview.is_none() && (cut == Cut::Slice || levels.is_some()) {
            let point = self.menu_point;
            response.context_menu(|ui| {
                actions.extend(levels_paint::confirm_menu(
                    ui,
                    levels,
                    &shown.series.uid,
                    point,
                ));
                if cut == Cut::Slice {
                    actions.extend(tools.context_menu(ui, shown.session));
                }
            });
        }

        if (self.point, self.views.get(i).map(|v| (v.zoom, v.pan))) != before {
            ui.ctx().request_repaint();
        }

        // Corner overlays, orientation letters and the cursor readout.
        let zoom_pct = 100.0 * tf.image_rect.width() as f64 * ui.ctx().pixels_per_point() as f64
            / g.width.max(1) as f64;
        overlay::paint(
            &clip,
            rect,
            &overlay::Info {
                shown,
                geometry: &g,
                index,
                count,
                zoom_pct,
                cursor: hover
                    .filter(|h| tf.image_rect.contains(*h) && source_index.is_some())
                    .map(|h| tf.to_image(h)),
                preview: shown.preview.is_some(),
                place: levels
                    .filter(|_| cut == Cut::Slice && shown.preview.is_none())
                    .and_then(|l| levels_paint::slice_place(l, shown.volume, index)),
            },
        );
        actions
    }

    fn set_point(&mut self, g: &CutGeometry, index: usize, tf: &Transform, pos: Pos2) {
        let (x, y) = tf.to_image(pos);
        let v = g.to_voxel(index, x, y);
        let (nz, ny, nx) = g.dims;
        let lim = [nz, ny, nx];
        for a in 0..3 {
            let hi = lim[a].saturating_sub(1) as f64;
            self.point[a] = v[a].round().clamp(0.0, hi) as usize;
        }
    }
}
