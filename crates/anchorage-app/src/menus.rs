//! The window's frame: the menu bar, the tool bar with the window presets, the status bar
//! (loading progress with cancel, errors, the session file) and the controls overlay.
//! Every entry reads the command table.

use std::path::PathBuf;

use egui::{Color32, RichText};

use super::commands::{self, Action, CommandId, menu_item};
use anchorage_core::display::render::WindowLevel;

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

/// The window presets and the current window, for the tool bar.
pub fn window_bar(ui: &mut egui::Ui, window: Option<WindowLevel>) -> Vec<Action> {
    let mut out = Vec::new();
    for (id, text) in [
        (CommandId::PresetBone, "Bone"),
        (CommandId::PresetSoftTissue, "Soft tissue"),
        (CommandId::PresetAuto, "Auto"),
        (CommandId::PresetHistogram, "Histogram"),
    ] {
        let tip = commands::info(id).map_or("", |c| c.tooltip);
        let key = commands::shortcut_text(ui.ctx(), id);
        if ui
            .button(text)
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
        });
    });
    out
}

/// The controls overlay.
pub fn help_window(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Controls")
        .open(open)
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, commands::help_ui);
        });
}
