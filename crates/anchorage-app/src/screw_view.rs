//! The screw planning view, shown in the image area: pick a screw, make its plan (from its
//! ST-HU trajectory or caliper), see it in three views along its axis on the CT with the
//! series' window (axial-oblique, sagittal-oblique and en face at a depth scrolled from
//! entry to tip, starting at the isthmus), drag its entry and tip handles, type its
//! medial and cranio-caudal angles, choose its size from the template list (editable
//! here, kept in the workstation's settings), and read what the pipeline measured along
//! it: isthmus widths, the four distances to the outer cortex, the breach grade, the
//! automatic and caliper thickness, clearance, p.s.c., σH, yield ratio and risk.
//!
//! A panel: it changes the document only through [`Action`]s (a whole handle drag is one
//! [`Action::SetScrews`] when it ends, so one undo step; during the drag the values show
//! the core's results for the draft, [`preview_screw`]); the drag in progress, the
//! depth and the textures are its own widget state ([`PlanForm`]). The pictures are
//! [`crate::screw_paint`]'s.

use egui::{Color32, Pos2, Rect, Sense, Vec2};

use super::action::Action;
use super::derived::Derived;
use super::plan_values::{all_screws, values};
use super::screw_paint::{
    DrawnView, Handle, VIEW_NAMES, ViewRequest, ViewTexture, dragged_plan, outline_on,
    paint_patient_outline, paint_screw, view_kind,
};
use super::state::ScrewTemplates;
use super::style::WARN;
use super::wheel::wheel_notches;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::render::WindowLevel;
use anchorage_core::pipeline::preview_screw;
use anchorage_core::plan::{ScrewAngles, ScrewPlan};
use anchorage_core::protocol::ScrewResult;
use anchorage_core::session::{Level, Screw, Session, Side};

/// Depth step of one wheel notch over the en-face view, mm (Shift: ten times).
pub const DEPTH_STEP_MM: f64 = 0.5;

/// A handle being dragged: the view as it was when the drag began (it is not redrawn
/// under the mouse) and the plan the drag makes so far.
#[derive(Debug, Clone)]
struct HandleDrag {
    view: usize,
    handle: Handle,
    frozen: DrawnView,
    draft: ScrewPlan,
    /// The draft last previewed and its results (the core's, [`preview_screw`]).
    preview: Option<(ScrewPlan, ScrewResult)>,
}

/// The planning view's widget state.
#[derive(Default)]
pub struct PlanForm {
    /// The en-face depth from the entry, mm; `None` follows the isthmus.
    pub depth_mm: Option<f64>,
    /// The screw the state belongs to.
    key: Option<(Level, Side)>,
    textures: [ViewTexture; 3],
    drag: Option<HandleDrag>,
    wheel: f32,
    /// Each view as drawn in the last frame (`None`: not drawn).
    pub drawn: [Option<DrawnView>; 3],
    /// The template lists as typed, and why they were not taken.
    diameters_text: String,
    lengths_text: String,
    templates_error: Option<String>,
}

impl PlanForm {
    /// How many times each view was rendered.
    pub fn renders(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.textures[i].renders)
    }
}

/// What the planning view shows.
pub struct PlanShown<'a> {
    /// The document.
    pub session: &'a Session,
    /// What the pipeline derived from it.
    pub derived: &'a Derived,
    /// The screw planned (level, side).
    pub screw: Option<(Level, Side)>,
    /// The CT of the screw's plan, loaded, with its volume id (`None`: not loaded yet).
    pub volume: Option<(&'a Volume, u64)>,
    /// The window of that series.
    pub window: WindowLevel,
    /// The screw sizes offered.
    pub templates: &'a ScrewTemplates,
}

/// "L3 L".
fn name(s: &Screw) -> String {
    format!("{} {}", s.level, s.side)
}

/// The planning view.
pub fn ui(ui: &mut egui::Ui, form: &mut PlanForm, shown: &PlanShown) -> Vec<Action> {
    let mut out = Vec::new();
    if form.key != shown.screw {
        form.key = shown.screw;
        form.depth_mm = None;
        form.drag = None;
    }
    if form.diameters_text.is_empty() && form.lengths_text.is_empty() {
        form.diameters_text = ScrewTemplates::text(&shown.templates.diameters_mm);
        form.lengths_text = ScrewTemplates::text(&shown.templates.lengths_mm);
    }
    // A drag whose end this view did not see (it was closed meanwhile) is over.
    if form.drag.is_some() && !ui.input(|i| i.pointer.any_down() || i.pointer.any_released()) {
        form.drag = None;
    }
    form.drawn = [None, None, None];
    let index = shown.screw.and_then(|(l, s)| {
        shown
            .session
            .screws
            .iter()
            .position(|x| x.level == l && x.side == s)
    });
    ui.horizontal_wrapped(|ui| {
        ui.strong("Screw planning");
        let current = index
            .and_then(|i| shown.session.screws.get(i))
            .map_or("choose".to_string(), name);
        egui::ComboBox::from_id_salt("plan_screw")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for s in &shown.session.screws {
                    let on = shown.screw == Some((s.level, s.side));
                    if ui.selectable_label(on, name(s)).clicked() && !on {
                        out.push(Action::PlanScrew(Some((s.level, s.side))));
                    }
                }
            })
            .response
            .accessible_name("Planned screw");
        if ui
            .button("Close")
            .on_hover_text("Back to the image views")
            .clicked()
        {
            out.push(Action::PlanScrew(None));
        }
    });
    let (Some(i), Some(screw)) = (index, index.and_then(|i| shown.session.screws.get(i))) else {
        ui.label("No screw chosen: plan screws in the patient panel, then choose one here.");
        return out;
    };
    let result = shown.derived.results.screws.get(i);
    let Some(plan) = screw.plan.clone() else {
        ui.label(format!("{} has no plan yet.", name(screw)));
        if ui
            .button("Make plan")
            .on_hover_text("Start from the screw's ST-HU trajectory, else from its pedicle caliper")
            .clicked()
        {
            out.push(Action::MakePlan(screw.level, screw.side));
        }
        templates_editor(ui, form, &mut out);
        return out;
    };
    out.extend(controls(ui, form, shown, i, screw, &plan, result));
    let Some((volume, volume_id)) = shown.volume else {
        ui.label("The plan's CT is not loaded yet…");
        return out;
    };
    // The views side by side, squares as large as the room leaves above the values.
    let values_h = 96.0;
    let avail = ui.available_size();
    let gap = ui.spacing().item_spacing.x;
    let side = ((avail.x - 2.0 * gap - 2.0) / 3.0)
        .floor()
        .min(avail.y - values_h)
        .max(60.0);
    let depth = form.depth_mm.unwrap_or_else(|| {
        result
            .and_then(|r| r.pedicle.as_ref())
            .map_or(0.5 * screw.length_mm, |p| p.isthmus_depth_mm)
    });
    ui.horizontal(|ui| {
        for v in 0..3 {
            let req = ViewRequest {
                volume,
                volume_id,
                plan: &plan,
                side: screw.side,
                diameter_mm: screw.diameter_mm,
                length_mm: screw.length_mm,
                index: v,
                depth_mm: depth,
                window: shown.window,
            };
            out.extend(view_ui(
                ui,
                form,
                v,
                &req,
                Vec2::splat(side),
                screw,
                result,
                shown.session,
            ));
        }
    });
    // A drag in progress: the draft's results, measured by the core once per change of
    // the draft, shown in place of the stored plan's until the drag ends.
    if let Some(d) = form.drag.as_mut()
        && d.preview.as_ref().is_none_or(|(p, _)| *p != d.draft)
    {
        d.preview = preview_screw(
            shown.session,
            &shown.derived.measurements,
            &shown.derived.models,
            i,
            &d.draft,
            volume,
        )
        .map(|r| (d.draft.clone(), r));
    }
    let live = form
        .drag
        .as_ref()
        .and_then(|d| d.preview.as_ref())
        .map(|(_, r)| r);
    values(ui, screw, live.or(result), shown.derived);
    egui::CollapsingHeader::new("Every screw")
        .id_salt("plan_every_screw")
        .show(ui, |ui| {
            egui::ScrollArea::horizontal()
                .id_salt("plan_every_screw_scroll")
                .show(ui, |ui| {
                    out.extend(all_screws(ui, shown.derived, shown.screw))
                });
        });
    templates_editor(ui, form, &mut out);
    out
}

/// The screw's size, its angles and the en-face depth.
fn controls(
    ui: &mut egui::Ui,
    form: &mut PlanForm,
    shown: &PlanShown,
    i: usize,
    screw: &Screw,
    plan: &ScrewPlan,
    result: Option<&ScrewResult>,
) -> Vec<Action> {
    let mut out = Vec::new();
    let mut changed = screw.clone();
    ui.horizontal_wrapped(|ui| {
        let size_combo = |ui: &mut egui::Ui, id: &str, v: &mut f64, list: &[f64], tip: &str| {
            egui::ComboBox::from_id_salt(id)
                .width(64.0)
                .selected_text(format!("{v} mm"))
                .show_ui(ui, |ui| {
                    for x in list {
                        ui.selectable_value(v, *x, format!("{x} mm"));
                    }
                })
                .response
                .accessible_name(tip)
                .on_hover_text(format!("{tip} (from the template list)"));
        };
        ui.label("Ø");
        size_combo(
            ui,
            "plan_diameter",
            &mut changed.diameter_mm,
            &shown.templates.diameters_mm,
            "Screw diameter",
        );
        ui.label("length");
        size_combo(
            ui,
            "plan_length",
            &mut changed.length_mm,
            &shown.templates.lengths_mm,
            "Screw length",
        );
        ui.separator();
        let a = plan.angles(screw.side);
        let mut typed = a;
        ui.label("medial");
        ui.add(
            egui::DragValue::new(&mut typed.medial_deg)
                .range(-60.0..=60.0)
                .speed(0.2)
                .max_decimals(1)
                .suffix("°"),
        )
        .on_hover_text("Medial angle: towards the midline, in the axial plane")
        .accessible_name("Medial angle");
        ui.label("cranio-caudal");
        ui.add(
            egui::DragValue::new(&mut typed.craniocaudal_deg)
                .range(-60.0..=60.0)
                .speed(0.2)
                .max_decimals(1)
                .suffix("°"),
        )
        .on_hover_text("Cranio-caudal angle: positive when the tip is cranial of the entry")
        .accessible_name("Cranio-caudal angle");
        if typed != a {
            changed.plan = Some(plan.with_angles(
                screw.side,
                ScrewAngles {
                    medial_deg: typed.medial_deg,
                    craniocaudal_deg: typed.craniocaudal_deg,
                },
            ));
        }
        ui.separator();
        let isthmus = result
            .and_then(|r| r.pedicle.as_ref())
            .map(|p| p.isthmus_depth_mm);
        let mut depth = form.depth_mm.or(isthmus).unwrap_or(0.5 * screw.length_mm);
        let r = ui
            .add(
                egui::Slider::new(&mut depth, 0.0..=screw.length_mm)
                    .step_by(DEPTH_STEP_MM)
                    .suffix(" mm")
                    .text("en-face depth"),
            )
            .accessible_name("En-face depth");
        if r.changed() {
            form.depth_mm = Some(depth);
        }
        if form.depth_mm.is_some()
            && isthmus.is_some()
            && ui
                .small_button("isthmus")
                .on_hover_text("Back to the isthmus")
                .clicked()
        {
            form.depth_mm = None;
        }
    });
    if changed != *screw {
        let mut screws = shown.session.screws.clone();
        if let Some(s) = screws.get_mut(i) {
            *s = changed;
        }
        out.push(Action::SetScrews(screws));
    }
    out
}

/// One view: the picture, the screw, its handles; handle drags and the en-face wheel.
#[allow(clippy::too_many_arguments)]
fn view_ui(
    ui: &mut egui::Ui,
    form: &mut PlanForm,
    v: usize,
    req: &ViewRequest,
    size: Vec2,
    screw: &Screw,
    result: Option<&ScrewResult>,
    session: &Session,
) -> Vec<Action> {
    let mut out = Vec::new();
    let (response, painter) = ui.allocate_painter(size, Sense::click_and_drag());
    let rect = response.rect;
    painter.rect_filled(rect, 0.0, Color32::BLACK);
    let name = VIEW_NAMES.get(v).copied().unwrap_or("");
    let rendered = form
        .textures
        .get_mut(v)
        .map(|t| t.update(ui.ctx(), &format!("screw_view{v}"), req));
    let kind = view_kind(v, req.depth_mm);
    // While a handle is dragged the views keep the geometry they had when it began.
    let frozen = form
        .drag
        .as_ref()
        .map(|d| d.frozen.clone())
        .filter(|_| form.drag.as_ref().is_some_and(|d| d.view == v));
    let drawn = match (&rendered, frozen) {
        (_, Some(f)) => {
            if let Some(t) = form.textures.get(v) {
                t.paint(&painter, rect, kind);
            }
            Some(f)
        }
        (Some(Ok(())), None) => form
            .textures
            .get(v)
            .and_then(|t| t.paint(&painter, rect, kind)),
        _ => None,
    };
    let title = match kind {
        anchorage_core::display::oblique::ScrewViewKind::EnFace { depth_mm } => {
            format!("{name} at {depth_mm:.1} mm")
        }
        _ => name.to_string(),
    };
    painter.text(
        rect.min + Vec2::new(6.0, 4.0),
        egui::Align2::LEFT_TOP,
        title,
        egui::FontId::proportional(13.0),
        Color32::from_rgb(230, 230, 230),
    );
    let Some(view) = drawn else {
        if let Some(Err(e)) = rendered {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                e,
                egui::FontId::proportional(12.0),
                WARN,
            );
        }
        return out;
    };
    // The pedicle's outer cortex at the shown depth (en face).
    if let (anchorage_core::display::oblique::ScrewViewKind::EnFace { depth_mm }, Some(p)) =
        (kind, result.and_then(|r| r.pedicle.as_ref()))
        && let Some(s) = p
            .sections
            .iter()
            .min_by(|a, b| {
                (a.depth_mm - depth_mm)
                    .abs()
                    .total_cmp(&(b.depth_mm - depth_mm).abs())
            })
            .filter(|s| (s.depth_mm - depth_mm).abs() <= 0.5)
    {
        paint_patient_outline(&painter.with_clip_rect(rect), &view, &s.outline_mm);
    }
    let hover = response.hover_pos();
    let press = ui.input(|i| i.pointer.press_origin());
    if response.drag_started_by(egui::PointerButton::Primary)
        && let Some(h) = press.and_then(|p| view.handle_at(p))
    {
        form.drag = Some(HandleDrag {
            view: v,
            handle: h,
            frozen: view.clone(),
            draft: req.plan.clone(),
            preview: None,
        });
    }
    let mine = form.drag.as_ref().filter(|d| d.view == v).cloned();
    if let Some(mut d) = mine {
        if response.dragged()
            && let Some(p) = response.interact_pointer_pos()
            && let Some(next) =
                dragged_plan(req.plan, d.handle, d.frozen.patient_at(p), screw.length_mm)
        {
            d.draft = next;
            form.drag = Some(d.clone());
        }
        let (outline, handles) = outline_on(
            &d.frozen.mapping,
            d.frozen.kind,
            &d.draft,
            screw.diameter_mm,
            screw.length_mm,
        );
        paint_screw(
            &painter.with_clip_rect(rect),
            &view,
            &outline,
            handles,
            Some(d.handle),
        );
        if response.drag_stopped() {
            form.drag = None;
            if d.draft != *req.plan {
                let mut screws = session.screws.clone();
                if let Some(s) = screws
                    .iter_mut()
                    .find(|s| s.level == screw.level && s.side == screw.side)
                {
                    s.plan = Some(d.draft);
                }
                out.push(Action::SetScrews(screws));
            }
        }
        ui.ctx().request_repaint();
    } else {
        let hot = hover.and_then(|p| view.handle_at(p));
        paint_screw(
            &painter.with_clip_rect(rect),
            &view,
            &view.outline_px,
            view.handles_px,
            hot,
        );
        if hot.is_some() {
            ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
        }
    }
    // The wheel over the en-face view moves its depth.
    if v == 2 && response.hovered() {
        let events = ui.input(|i| i.events.clone());
        for (lines, m) in wheel_notches(&events) {
            let per = if m.shift { 10.0 } else { 1.0 };
            form.wheel -= lines * per;
            let steps = form.wheel.trunc();
            form.wheel -= steps;
            if steps != 0.0 {
                let d = (req.depth_mm + steps as f64 * DEPTH_STEP_MM).clamp(0.0, screw.length_mm);
                form.depth_mm = Some(d);
                ui.ctx().request_repaint();
            }
        }
    }
    if let Some(slot) = form.drawn.get_mut(v) {
        *slot = Some(view);
    }
    out
}

/// The template lists, editable: kept in the workstation's settings.
fn templates_editor(ui: &mut egui::Ui, form: &mut PlanForm, out: &mut Vec<Action>) {
    egui::CollapsingHeader::new("Screw sizes (templates)")
        .id_salt("plan_templates")
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label("Diameters mm");
                ui.add(egui::TextEdit::singleline(&mut form.diameters_text).desired_width(220.0))
                    .accessible_name("Template diameters");
            });
            ui.horizontal(|ui| {
                ui.label("Lengths mm");
                ui.add(egui::TextEdit::singleline(&mut form.lengths_text).desired_width(220.0))
                    .accessible_name("Template lengths");
            });
            ui.horizontal(|ui| {
                if ui.button("Keep these sizes").clicked() {
                    match ScrewTemplates::parse(&form.diameters_text, &form.lengths_text) {
                        Ok(t) => {
                            form.templates_error = None;
                            form.diameters_text = ScrewTemplates::text(&t.diameters_mm);
                            form.lengths_text = ScrewTemplates::text(&t.lengths_mm);
                            out.push(Action::SetScrewTemplates(t));
                        }
                        Err(e) => form.templates_error = Some(e),
                    }
                }
                if ui.button("Defaults").clicked() {
                    let t = ScrewTemplates::default();
                    form.diameters_text = ScrewTemplates::text(&t.diameters_mm);
                    form.lengths_text = ScrewTemplates::text(&t.lengths_mm);
                    form.templates_error = None;
                    out.push(Action::SetScrewTemplates(t));
                }
            });
            if let Some(e) = &form.templates_error {
                ui.colored_label(WARN, e);
            }
        });
}

/// Where each view was drawn in the last frame (for tests and screenshots).
pub fn view_rects(form: &PlanForm) -> [Option<Rect>; 3] {
    [0, 1, 2].map(|i| form.drawn[i].as_ref().map(|d| d.tf.image_rect))
}

/// The screen position of a handle on view `v` in the last frame.
pub fn handle_pos(form: &PlanForm, v: usize, h: Handle) -> Option<Pos2> {
    form.drawn.get(v)?.as_ref().map(|d| d.handle_screen(h))
}
