//! The ROI list: every ROI of the shown series with its statistics (mean, SD, min, max,
//! median, n, area; length for calipers and trajectories), its role, level and side, and
//! the quick menu that sets them. Statistics come from the core's `measure_roi`, cached
//! per ROI until the ROI or the volume changes ([`crate::measure_cache`]).

use egui::{Color32, RichText};

use super::action::{Action, CommandId};
use super::labels::{stats_lines, title, unit};
use super::measure_cache::Measurements;
use super::style::WARN;
use super::tools::Tools;
use super::widgets::{level_side_combos, quick_menu};
use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::levels::PlacementIssue;
use anchorage_core::measure::measure_roi;
use anchorage_core::session::{Roi, RoiKind, Role, Session};

/// What the ROI panel shows.
pub struct RoiShown<'a> {
    /// The session.
    pub session: &'a Session,
    /// The shown series.
    pub series: Option<&'a Series>,
    /// Its volume and the volume's id, once loaded.
    pub volume: Option<(&'a Volume, u64)>,
    /// The ROIs that lie elsewhere than their role and level say (the core's checks
    /// against the levels found).
    pub placement: &'a [PlacementIssue],
    /// What to say about the proposal when it is one of the protocol proposed at once.
    pub proposal_note: Option<&'a str>,
}

/// The ROI panel: the shown series' ROIs, the selected one expanded with its statistics.
pub fn ui(
    ui: &mut egui::Ui,
    shown: &RoiShown,
    tools: &Tools,
    measurements: &mut Measurements,
) -> Vec<Action> {
    let (session, series, volume) = (shown.session, shown.series, shown.volume);
    let mut out = Vec::new();
    ui.heading("ROIs");
    let Some(series) = series else {
        ui.label("No series.");
        return out;
    };
    let unit = unit(series);
    if let Some(p) = tools
        .shown_proposal()
        .filter(|p| p.series_uid == series.uid)
    {
        out.extend(proposal_box(
            ui,
            p,
            volume.map(|(v, _)| v),
            unit,
            shown.proposal_note,
        ));
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
                                ui.colored_label(WARN, format!("Warning: {w}"));
                            }
                            for i in shown.placement.iter().filter(|i| i.roi_id == roi.id) {
                                ui.colored_label(WARN, format!("Misplaced: {}", i.problem));
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
fn proposal_box(
    ui: &mut egui::Ui,
    p: &Roi,
    volume: Option<&Volume>,
    unit: &str,
    note: Option<&str>,
) -> Vec<Action> {
    let mut out = Vec::new();
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, Color32::from_rgb(255, 150, 40)))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(format!("Proposal: {}", title(p))).strong());
            if let Some(n) = note {
                ui.label(RichText::new(n).small());
            }
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
                    out.push(Action::Run(CommandId::AcceptProposal));
                }
                if ui
                    .button("Discard")
                    .on_hover_text("Drop the proposal (Esc)")
                    .clicked()
                {
                    out.push(Action::Run(CommandId::Escape));
                }
            });
        });
    out
}

/// Role, level, side and (trajectories) width of the selected ROI (`roi` as stored).
fn edit_row(ui: &mut egui::Ui, roi: &Roi, tools: &Tools) -> Vec<Action> {
    let mut out = Vec::new();
    let mut r = tools.shown(roi).clone();
    // The draft as this row leaves it; the App takes it as an action.
    let mut draft = tools.draft.clone();
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
                draft = Some(r.clone());
            } else if resp.drag_stopped()
                && let Some(d) = draft.take()
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
    if draft != tools.draft {
        out.push(Action::SetDraft {
            roi: draft.clone(),
            proposal: false,
            edit_id: tools.edit_id,
        });
    }
    if &r != roi && draft.as_ref().is_none_or(|d| d.id != roi.id) {
        // Discrete edits (a pick in a menu, a typed width) are one step each.
        out.push(Action::UpdateRoi(r));
    }
    out
}
