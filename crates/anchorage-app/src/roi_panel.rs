//! The ROI list: every ROI of the shown series with its statistics (mean, SD, min, max,
//! median, n, area; length for calipers and trajectories), its role, level and side, and
//! the quick menu that sets them. Statistics come from the core's `measure_roi`, cached
//! per ROI until the ROI or the volume changes.

use std::collections::HashMap;

use egui::{Color32, RichText};

use super::commands::{Action, CommandId};
use super::tools::Tools;
use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::measure::{RoiMeasurement, measure_roi};
use anchorage_core::session::{Level, Roi, RoiKind, Role, Session, Side};

/// Cached measurements of the stored ROIs.
#[derive(Debug, Default)]
pub struct Measurements {
    volume_id: u64,
    cache: HashMap<u64, (Roi, Result<RoiMeasurement, String>)>,
}

impl Measurements {
    /// The measurement of `roi` on `volume` (identified by `volume_id`).
    pub fn get(
        &mut self,
        roi: &Roi,
        volume: &Volume,
        volume_id: u64,
    ) -> Result<RoiMeasurement, String> {
        if self.volume_id != volume_id {
            self.cache.clear();
            self.volume_id = volume_id;
        }
        if let Some((r, m)) = self.cache.get(&roi.id)
            && r == roi
        {
            return m.clone();
        }
        let m = measure_roi(roi, volume).map_err(|e| e.to_string());
        self.cache.insert(roi.id, (roi.clone(), m.clone()));
        m
    }
}

/// "Ellipse #3 · B-HU mid L3 L".
pub fn title(roi: &Roi) -> String {
    let kind = match roi.kind {
        RoiKind::Ellipse => "Ellipse",
        RoiKind::Trajectory => "Trajectory",
        RoiKind::Caliper => "Caliper",
    };
    let id = if roi.id == 0 {
        "(new)".to_string()
    } else {
        format!("#{}", roi.id)
    };
    let mut t = format!("{kind} {id} · {}", roi.role.label());
    if let Some(l) = roi.level {
        t.push_str(&format!(" {l}"));
    }
    if let Some(s) = roi.side {
        t.push_str(&format!(" {s}"));
    }
    t
}

fn f1(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.1}"))
}

/// The statistics as lines of text; `compact` joins them for the label beside the ROI.
/// Values to 0.1 (HU or SI), areas and lengths to 0.01 mm.
pub fn stats_lines(m: &RoiMeasurement, unit: &str, compact: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = &m.stats {
        if compact {
            out.push(format!("mean {} ± {} {unit}", f1(s.mean), f1(s.sd)));
            out.push(format!("min {}  max {}  n {}", f1(s.min), f1(s.max), s.n));
            out.push(format!("area {:.2} mm²", s.area_mm2));
        } else {
            out.push(format!("mean {} {unit}", f1(s.mean)));
            out.push(format!("SD {} {unit}", f1(s.sd)));
            out.push(format!("min {} {unit}", f1(s.min)));
            out.push(format!("max {} {unit}", f1(s.max)));
            out.push(format!("median {} {unit}", f1(s.median)));
            out.push(format!("n {}", s.n));
            out.push(format!("area {:.2} mm²", s.area_mm2));
        }
    }
    if let Some(l) = m.length_mm {
        out.push(format!("length {l:.2} mm"));
    }
    out
}

/// Level and side pickers (with "–" for none).
pub fn level_side_combos(
    ui: &mut egui::Ui,
    salt: &str,
    level: &mut Option<Level>,
    side: &mut Option<Side>,
) -> bool {
    let mut changed = false;
    egui::ComboBox::from_id_salt(format!("{salt}_level"))
        .width(52.0)
        .selected_text(level.map_or("level", |l| l.as_str()))
        .show_ui(ui, |ui| {
            changed |= ui.selectable_value(level, None, "–").changed();
            for l in Level::ALL {
                changed |= ui.selectable_value(level, Some(l), l.as_str()).changed();
            }
        })
        .response
        .accessible_name("Level")
        .on_hover_text("Vertebral level");
    egui::ComboBox::from_id_salt(format!("{salt}_side"))
        .width(44.0)
        .selected_text(side.map_or("side", |s| s.as_str()))
        .show_ui(ui, |ui| {
            changed |= ui.selectable_value(side, None, "–").changed();
            changed |= ui.selectable_value(side, Some(Side::L), "L").changed();
            changed |= ui.selectable_value(side, Some(Side::R), "R").changed();
        })
        .response
        .accessible_name("Side")
        .on_hover_text("Patient side (L = patient left)");
    changed
}

/// The quick menu of one ROI: role, level, side, delete.
pub fn quick_menu(ui: &mut egui::Ui, roi: &Roi, _session: &Session) -> Vec<Action> {
    let mut out = Vec::new();
    ui.label(RichText::new(title(roi)).strong());
    let mut r = roi.clone();
    ui.menu_button("Set role", |ui| {
        for role in Role::ALL
            .iter()
            .filter(|x| x.kind().is_none_or(|k| k == roi.kind))
        {
            if ui.selectable_label(r.role == *role, role.label()).clicked() {
                r.role = *role;
                ui.close();
            }
        }
    });
    ui.menu_button("Set level", |ui| {
        if ui.selectable_label(r.level.is_none(), "–").clicked() {
            r.level = None;
            ui.close();
        }
        for l in Level::ALL {
            if ui
                .selectable_label(r.level == Some(l), l.as_str())
                .clicked()
            {
                r.level = Some(l);
                ui.close();
            }
        }
    });
    ui.menu_button("Set side", |ui| {
        for (s, t) in [
            (None, "–"),
            (Some(Side::L), "L (patient left)"),
            (Some(Side::R), "R (patient right)"),
        ] {
            if ui.selectable_label(r.side == s, t).clicked() {
                r.side = s;
                ui.close();
            }
        }
    });
    if &r != roi {
        out.push(Action::UpdateRoi(r));
    }
    ui.separator();
    if super::commands::menu_item(ui, CommandId::Delete, true) {
        out.push(Action::DeleteRoi(roi.id));
        ui.close();
    }
    out
}

/// The ROI panel: the shown series' ROIs, the selected one expanded with its statistics.
pub fn ui(
    ui: &mut egui::Ui,
    session: &Session,
    series: Option<&Series>,
    volume: Option<(&Volume, u64)>,
    tools: &mut Tools,
    measurements: &mut Measurements,
) -> Vec<Action> {
    let mut out = Vec::new();
    ui.heading("ROIs");
    let Some(series) = series else {
        ui.label("No series.");
        return out;
    };
    let unit = super::overlay::unit(series);
    if let Some(p) = tools
        .shown_proposal()
        .filter(|p| p.series_uid == series.uid)
    {
        out.extend(proposal_box(ui, p, volume.map(|(v, _)| v), unit));
    }
    let mut rois: Vec<Roi> = session
        .rois
        .iter()
        .filter(|r| r.series_uid == series.uid)
        .map(|r| tools.shown(r).clone())
        .collect();
    if let Some(d) = tools.draft.as_ref().filter(|d| d.id == 0) {
        rois.push(d.clone());
    }
    if rois.is_empty() {
        ui.label(
            "None yet: pick a tool (E ellipse, T trajectory, C caliper) and drag on the image.",
        );
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for roi in &rois {
                let selected = roi.id == 0 || tools.selected == Some(roi.id);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    let head = ui.selectable_label(selected, RichText::new(title(roi)).strong());
                    if head.clicked() && roi.id != 0 {
                        out.push(Action::GoTo(roi.id));
                    }
                    head.context_menu(|ui| out.extend(quick_menu(ui, roi, session)));
                    let m = match volume {
                        None => Err("loading…".to_string()),
                        Some((v, _))
                            if roi.id == 0
                                || tools.draft.as_ref().is_some_and(|d| d.id == roi.id) =>
                        {
                            measure_roi(roi, v).map_err(|e| e.to_string())
                        }
                        Some((v, id)) => measurements.get(roi, v, id),
                    };
                    match &m {
                        Ok(m) => {
                            let lines = stats_lines(m, unit, !selected);
                            for l in lines {
                                ui.label(l);
                            }
                            for w in &m.warnings {
                                ui.colored_label(
                                    Color32::from_rgb(240, 170, 60),
                                    format!("Warning: {w}"),
                                );
                            }
                        }
                        Err(e) => {
                            ui.colored_label(Color32::from_rgb(240, 120, 100), e);
                        }
                    }
                    if selected && let Some(stored) = session.roi(roi.id) {
                        out.extend(edit_row(ui, stored, tools));
                        if stored.kind == RoiKind::Caliper
                            && ui
                                .button("Propose trajectory")
                                .on_hover_text(
                                    "The screw path perpendicular to this caliper, through its \
                                     midpoint, from 10 mm behind it",
                                )
                                .clicked()
                        {
                            out.push(Action::ProposeFromCaliper(stored.id));
                        }
                    }
                });
            }
        });
    out
}

/// The pending proposal: its statistics and the buttons that keep or discard it.
fn proposal_box(ui: &mut egui::Ui, p: &Roi, volume: Option<&Volume>, unit: &str) -> Vec<Action> {
    let mut out = Vec::new();
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, Color32::from_rgb(255, 150, 40)))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(format!("Proposal: {}", title(p))).strong());
            if let Some(v) = volume {
                match measure_roi(p, v) {
                    Ok(m) => {
                        for l in stats_lines(&m, unit, true) {
                            ui.label(l);
                        }
                    }
                    Err(e) => {
                        ui.colored_label(Color32::from_rgb(240, 120, 100), e.to_string());
                    }
                }
            }
            ui.horizontal(|ui| {
                if ui
                    .button("Accept")
                    .on_hover_text("Keep this ROI (Enter)")
                    .clicked()
                {
                    out.push(Action::Run(super::commands::CommandId::AcceptProposal));
                }
                if ui
                    .button("Discard")
                    .on_hover_text("Drop the proposal (Esc)")
                    .clicked()
                {
                    out.push(Action::Run(super::commands::CommandId::Escape));
                }
            });
        });
    out
}

/// Role, level, side and (trajectories) width of the selected ROI (`roi` as stored).
fn edit_row(ui: &mut egui::Ui, roi: &Roi, tools: &mut Tools) -> Vec<Action> {
    let mut out = Vec::new();
    let mut r = tools.shown(roi).clone();
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_id_salt(("role", roi.id))
            .selected_text(r.role.label())
            .show_ui(ui, |ui| {
                for role in Role::ALL
                    .iter()
                    .filter(|x| x.kind().is_none_or(|k| k == roi.kind))
                {
                    ui.selectable_value(&mut r.role, *role, role.label());
                }
            })
            .response
            .accessible_name("Role");
        level_side_combos(ui, &format!("roi{}", roi.id), &mut r.level, &mut r.side);
        if roi.kind == RoiKind::Trajectory {
            let mut w = r.width_mm.unwrap_or(tools.default_width_mm);
            let resp = ui.add(
                egui::DragValue::new(&mut w)
                    .range(0.1..=30.0)
                    .speed(0.05)
                    .suffix(" mm"),
            );
            let resp = resp
                .accessible_name("Width")
                .on_hover_text("Trajectory width (default: the screw diameter)");
            if resp.changed() {
                r.width_mm = Some(w);
            }
            // Dragging the value edits a draft; the document changes once, at the end.
            if resp.dragged() {
                tools.draft = Some(r.clone());
            } else if resp.drag_stopped()
                && let Some(d) = tools.draft.take()
            {
                r = d;
            }
        }
        if ui
            .button("Delete")
            .on_hover_text("Delete this ROI (Delete)")
            .clicked()
        {
            out.push(Action::DeleteRoi(roi.id));
        }
    });
    if &r != roi && tools.draft.as_ref().is_none_or(|d| d.id != roi.id) {
        // Discrete edits (a pick in a menu, a typed width) are one step each.
        out.push(Action::UpdateRoi(r));
    }
    out
}
