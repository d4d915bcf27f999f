//! The window's frame: the menu bar, the tool bar (tools, what new ROIs get, the window
//! presets), the status bar (loading progress with cancel, errors, the session file) and
//! the controls overlay. Every entry reads the command table.

use std::path::PathBuf;

use egui::{Color32, RichText};

use super::action::{Action, CommandId};
use super::commands::{self, info, menu_item};
use super::tools::{Tool, Tools};
use super::widgets::level_side_combos;
use anchorage_core::display::render::{WindowLevel, WindowPreset};
use anchorage_core::session::{RoiKind, Role};

/// What the menu bar needs to know.
pub struct MenuState<'a> {
    /// Recent studies.
    pub recent: &'a [PathBuf],
    /// Whether undo / redo can do anything.
    pub can_undo: bool,
    /// Whether redo can do anything.
    pub can_redo: bool,
    /// Whether an ROI is selected.
    pub has_selection: bool,
    /// Whether a load is in progress.
    pub loading: bool,
}

/// The button that shows the screw planning view (on the first screw, or the one shown
/// last) or goes back to the image views.
pub fn plan_toggle(
    ui: &mut egui::Ui,
    planning: bool,
    first: Option<(
        anchorage_core::session::Level,
        anchorage_core::session::Side,
    )>,
) -> Vec<Action> {
    let mut out = Vec::new();
    let r = ui
        .add_enabled(
            first.is_some() || planning,
            egui::Button::selectable(planning, "Screw views"),
        )
        .on_hover_text("Plan the screws in 3-D: views along each screw's axis")
        .on_disabled_hover_text("Plan screws in the patient panel first");
    if r.clicked() {
        out.push(Action::PlanScrew(if planning { None } else { first }));
    }
    out
}

/// The menu bar.
pub fn menu_bar(ui: &mut egui::Ui, m: &MenuState) -> Vec<Action> {
    let mut out = Vec::new();
    let item = |ui: &mut egui::Ui, id: CommandId, enabled: bool, out: &mut Vec<Action>| {
        if menu_item(ui, id, enabled) {
            out.push(Action::Run(id));
            ui.close();
        }
    };
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            item(ui, CommandId::OpenFolder, true, &mut out);
            item(ui, CommandId::OpenFile, true, &mut out);
            item(ui, CommandId::OpenPath, true, &mut out);
            ui.menu_button("Open recent", |ui| {
                if m.recent.is_empty() {
                    ui.label("(none)");
                }
                for p in m.recent {
                    if ui.button(p.display().to_string()).clicked() {
                        out.push(Action::Open(p.clone()));
                        ui.close();
                    }
                }
            });
            ui.separator();
            item(ui, CommandId::CancelLoad, m.loading, &mut out);
        });
        ui.menu_button("Edit", |ui| {
            item(ui, CommandId::Undo, m.can_undo, &mut out);
            item(ui, CommandId::Redo, m.can_redo, &mut out);
            item(ui, CommandId::Delete, m.has_selection, &mut out);
        });
        ui.menu_button("View", |ui| {
            for id in [
                CommandId::PresetBone,
                CommandId::PresetSoftTissue,
                CommandId::PresetAuto,
                CommandId::PresetHistogram,
            ] {
                item(ui, id, true, &mut out);
            }
            ui.separator();
            for id in [
                CommandId::ToggleReformats,
                CommandId::ZoomIn,
                CommandId::ZoomOut,
                CommandId::ResetView,
                CommandId::FirstSlice,
                CommandId::LastSlice,
            ] {
                item(ui, id, true, &mut out);
            }
        });
        ui.menu_button("Tools", |ui| {
            for id in [
                CommandId::ToolSelect,
                CommandId::ToolEllipse,
                CommandId::ToolTrajectory,
                CommandId::ToolCaliper,
            ] {
                item(ui, id, true, &mut out);
            }
        });
        ui.menu_button("Help", |ui| {
            item(ui, CommandId::ToggleHelp, true, &mut out);
        });
    });
    out
}

/// The tool bar: tools, the labels of new ROIs and the default trajectory width.
/// `modality` is the shown series' ("CT", "MR"): the role box offers only the roles the
/// active tool can draw on it.
pub fn tool_bar(ui: &mut egui::Ui, tools: &Tools, modality: Option<&str>) -> Vec<Action> {
    let mut out = Vec::new();
    for (tool, text) in [
        (Tool::Select, "Select"),
        (Tool::Ellipse, "Ellipse"),
        (Tool::Trajectory, "Trajectory"),
        (Tool::Caliper, "Caliper"),
    ] {
        let tip = info(tool.command()).map_or("", |c| c.tooltip);
        let key = commands::shortcut_text(ui.ctx(), tool.command());
        if ui
            .selectable_label(tools.tool == tool, text)
            .on_hover_text(format!("{tip} ({key})"))
            .clicked()
        {
            out.push(Action::Run(tool.command()));
        }
    }
    ui.separator();
    ui.label("New ROIs:");
    let (mut ellipse_role, mut level, mut side, mut default_width_mm) = (
        tools.ellipse_role,
        tools.level,
        tools.side,
        tools.default_width_mm,
    );
    let modality = modality.unwrap_or("");
    match tools.tool.kind() {
        Some(RoiKind::Ellipse) | None => {
            egui::ComboBox::from_id_salt("new_role")
                .width(130.0)
                .selected_text(ellipse_role.label())
                .show_ui(ui, |ui| {
                    for r in Role::choices(RoiKind::Ellipse, modality) {
                        ui.selectable_value(&mut ellipse_role, r, r.label());
                    }
                })
                .response
                .accessible_name("Role of new ellipses")
                .on_hover_text(
                    "Role of new ellipses: only the roles measured on this series' modality",
                );
        }
        Some(kind) => {
            let role = Role::for_new(kind, modality, ellipse_role);
            ui.add_sized([130.0, ui.spacing().interact_size.y], egui::Label::new(role.label()))
                .on_hover_text(if role == Role::Free {
                    "Trajectories and calipers measure ST-HU and pedicle thickness on CT only: here they are free ROIs"
                } else {
                    "Trajectories are ST-HU ROIs, calipers pedicle thicknesses"
                });
        }
    }
    level_side_combos(ui, "new", &mut level, &mut side);
    let label = ui.label("Width");
    ui.add(
        egui::DragValue::new(&mut default_width_mm)
            .range(1.0..=20.0)
            .speed(0.1)
            .suffix(" mm"),
    )
    .labelled_by(label.id)
    .on_hover_text("Width of new trajectories when no screw is planned at their level and side");
    if (ellipse_role, level, side, default_width_mm)
        != (
            tools.ellipse_role,
            tools.level,
            tools.side,
            tools.default_width_mm,
        )
    {
        out.push(Action::SetNewRois {
            ellipse_role,
            level,
            side,
            default_width_mm,
        });
    }
    out
}

/// The window presets (the one the window comes from shown selected) and the current
/// window, for the tool bar.
pub fn window_bar(
    ui: &mut egui::Ui,
    window: Option<WindowLevel>,
    active: Option<WindowPreset>,
) -> Vec<Action> {
    let mut out = Vec::new();
    for (id, preset, text) in [
        (CommandId::PresetBone, WindowPreset::CtBone, "Bone"),
        (
            CommandId::PresetSoftTissue,
            WindowPreset::CtSoftTissue,
            "Soft tissue",
        ),
        (CommandId::PresetAuto, WindowPreset::Auto, "Header"),
        (
            CommandId::PresetHistogram,
            WindowPreset::Histogram,
            "Histogram",
        ),
    ] {
        let tip = commands::info(id).map_or("", |c| c.tooltip);
        let key = commands::shortcut_text(ui.ctx(), id);
        if ui
            .selectable_label(active == Some(preset), text)
            .on_hover_text(format!("{tip} ({key})"))
            .clicked()
        {
            out.push(Action::Run(id));
        }
    }
    if let Some(w) = window {
        ui.label(format!("W {:.0} / L {:.0}", w.width, w.centre))
            .on_hover_text(
                "Window width and level (centre); right-drag on the image to change them",
            );
    }
    out
}

/// What the status bar shows.
pub struct StatusState<'a> {
    /// Slices decoded and total, while loading.
    pub progress: Option<(usize, usize)>,
    /// Whether a scan is under way.
    pub scanning: bool,
    /// Errors, newest last.
    pub errors: &'a [String],
    /// A passing note.
    pub note: Option<&'a str>,
    /// The session file.
    pub session: Option<&'a std::path::Path>,
    /// The cohort database in use.
    pub cohort_db: Option<&'a str>,
}

/// The status bar: progress with cancel, the session file, errors to dismiss.
pub fn status_bar(ui: &mut egui::Ui, s: &StatusState) -> Vec<Action> {
    let mut out = Vec::new();
    for (i, e) in s.errors.iter().enumerate() {
        ui.horizontal(|ui| {
            if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                out.push(Action::DismissError(i));
            }
            ui.colored_label(Color32::from_rgb(240, 110, 100), e);
        });
    }
    ui.horizontal(|ui| {
        if s.scanning {
            ui.spinner();
            ui.label("Scanning the study…");
        }
        if let Some((done, total)) = s.progress {
            let frac = if total > 0 {
                done as f32 / total as f32
            } else {
                0.0
            };
            ui.add(
                egui::ProgressBar::new(frac)
                    .desired_width(220.0)
                    .text(format!("Loading {done}/{total} slices")),
            );
            if ui
                .button("Cancel")
                .on_hover_text("Stop loading the series")
                .clicked()
            {
                out.push(Action::Run(CommandId::CancelLoad));
            }
        }
        if let Some(n) = s.note {
            ui.label(n);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let key = commands::shortcut_text(ui.ctx(), CommandId::ToggleHelp);
            if ui.small_button(format!("Controls ({key})")).clicked() {
                out.push(Action::Run(CommandId::ToggleHelp));
            }
            if let Some(p) = s.session {
                ui.label(
                    RichText::new(format!("Session: {}", p.display()))
                        .small()
                        .weak(),
                )
                .on_hover_text("Saved automatically after every change");
            }
            if let Some(db) = s.cohort_db {
                ui.label(RichText::new(format!("Cohort: {db}")).small().weak())
                    .on_hover_text("The cohort database (ANCHORAGE_DB, else the default file)");
            }
        });
    });
    out
}

/// The controls overlay, while `shown`; closing it asks to hide it.
pub fn help_window(ctx: &egui::Context, shown: bool) -> Vec<Action> {
    let mut open = shown;
    egui::Window::new("Controls")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, commands::help_ui);
        });
    if open == shown {
        Vec::new()
    } else {
        vec![Action::ShowHelp(open)]
    }
}
