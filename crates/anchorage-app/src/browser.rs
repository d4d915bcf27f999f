//! The series browser: every series of the study with a thumbnail, modality, description,
//! image count and orientation; the files that were skipped and the geometry warnings,
//! shown rather than hidden; the recent studies; and the window that asks for a typed
//! path where no file dialog can be shown (or offers the study folder beside a session that
//! did not load).

use std::path::PathBuf;

use egui::{Color32, RichText};

use super::action::Action;
use super::study::Study;
use super::style::WARN;
use anchorage_core::dicom::series::{SkipKind, SkippedFile};

/// The browser panel.
pub fn ui(
    ui: &mut egui::Ui,
    study: Option<&Study>,
    recent: &[PathBuf],
    scanning: bool,
) -> Vec<Action> {
    let mut out = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Series");
            match study {
                None => {
                    ui.label("No study open. Open a folder (Ctrl+O) or drop one on the window.");
                }
                Some(st) => {
                    ui.label(RichText::new(st.path.display().to_string()).small())
                        .on_hover_text("The study that is open");
                    match &st.report {
                        None if scanning => {
                            ui.horizontal(|ui| {
                                ui.spinner();
                                ui.label("Scanning…");
                            });
                        }
                        None => {
                            ui.label("Nothing found.");
                        }
                        Some(report) => {
                            if report.series.is_empty() {
                                ui.colored_label(WARN, "No DICOM image series here.");
                            }
                            for (i, s) in report.series.iter().enumerate() {
                                out.extend(series_card(ui, st, i, s));
                            }
                            skipped_list(ui, &report.skipped);
                        }
                    }
                }
            }
            if !recent.is_empty() {
                ui.separator();
                egui::CollapsingHeader::new("Recent studies")
                    .id_salt("recent")
                    .default_open(study.is_none())
                    .show(ui, |ui| {
                        for p in recent {
                            let name = p
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_else(|| p.display().to_string());
                            if ui
                                .link(name)
                                .on_hover_text(p.display().to_string())
                                .clicked()
                            {
                                out.push(Action::Open(p.clone()));
                            }
                        }
                    });
            }
        });
    out
}

fn series_card(
    ui: &mut egui::Ui,
    st: &Study,
    i: usize,
    s: &anchorage_core::dicom::series::Series,
) -> Vec<Action> {
    let mut out = Vec::new();
    let selected = st.selected == Some(i);
    let fill = if selected {
        ui.visuals().selection.bg_fill.gamma_multiply(0.5)
    } else {
        Color32::TRANSPARENT
    };
    let frame = egui::Frame::group(ui.style()).fill(fill).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            match st.thumbnails.get(&i) {
                Some(t) => {
                    ui.add(egui::Image::new((t.id(), t.size_vec2())));
                }
                None => {
                    let (r, _) =
                        ui.allocate_exact_size(egui::vec2(72.0, 72.0), egui::Sense::hover());
                    ui.painter().rect_filled(r, 2.0, Color32::from_gray(20));
                }
            }
            ui.vertical(|ui| {
                let desc = if s.description.is_empty() {
                    "(no description)".to_string()
                } else {
                    s.description.clone()
                };
                if ui
                    .selectable_label(
                        selected,
                        RichText::new(format!("{} {desc}", s.modality)).strong(),
                    )
                    .clicked()
                    && !selected
                {
                    out.push(Action::SelectSeries(i));
                }
                let part = if s.part > 0 {
                    format!(", part {}", s.part)
                } else {
                    String::new()
                };
                ui.label(format!(
                    "{} images · {}{part}",
                    s.len(),
                    s.orientation.as_str()
                ));
                ui.label(
                    RichText::new(format!(
                        "{} × {} · {:.2} × {:.2} mm{}",
                        s.columns,
                        s.rows,
                        s.pixel_spacing_mm[1],
                        s.pixel_spacing_mm[0],
                        s.slice_spacing_mm
                            .map(|d| format!(" · {d:.2} mm apart"))
                            .unwrap_or_default()
                    ))
                    .small(),
                );
                if st.volumes.contains_key(&i) {
                    let t = st
                        .load_seconds
                        .get(&i)
                        .map(|t| format!(" in {t:.2} s"))
                        .unwrap_or_default();
                    ui.label(RichText::new(format!("loaded{t}")).small().weak());
                }
            });
        });
        for w in &s.warnings {
            ui.colored_label(WARN, RichText::new(format!("Warning: {w}")).small());
        }
    });
    let resp = frame.response.interact(egui::Sense::click());
    let resp = resp.on_hover_text(format!("SeriesInstanceUID {}", s.uid));
    if resp.clicked() && !selected && out.is_empty() {
        out.push(Action::SelectSeries(i));
    }
    out
}

/// The files that were not used, in two groups: damaged DICOM files (and duplicates or
/// missing references) as a warning, files that are not DICOM images (a JSON, a text, a
/// DICOMDIR index) listed plainly, both collapsed.
fn skipped_list(ui: &mut egui::Ui, skipped: &[SkippedFile]) {
    let (plain, warned): (Vec<&SkippedFile>, Vec<&SkippedFile>) = skipped
        .iter()
        .partition(|f| matches!(f.kind, SkipKind::NotDicom | SkipKind::Index));
    if skipped.is_empty() {
        return;
    }
    ui.separator();
    if !warned.is_empty() {
        let head = RichText::new(format!("{} DICOM file(s) skipped", warned.len())).color(WARN);
        egui::CollapsingHeader::new(head)
            .id_salt("skipped")
            .show(ui, |ui| file_lines(ui, &warned));
    }
    if !plain.is_empty() {
        let head = format!("{} non-DICOM file(s) ignored", plain.len());
        egui::CollapsingHeader::new(head)
            .id_salt("ignored")
            .show(ui, |ui| file_lines(ui, &plain));
    }
}

/// One small line per file: its name and why, with the full path on hover.
fn file_lines(ui: &mut egui::Ui, files: &[&SkippedFile]) {
    for f in files {
        let name = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| f.path.display().to_string());
        ui.label(RichText::new(format!("{name}: {}", f.reason)).small())
            .on_hover_text(f.path.display().to_string());
    }
}

/// The "open a typed path" window: why it is shown, the path typed so far, and a folder
/// to offer with one click.
#[derive(Debug, Clone, Default)]
pub struct OpenPrompt {
    /// Why the window is shown.
    pub message: String,
    /// The path typed so far.
    pub text: String,
    /// A folder to offer (the study folder beside a session that did not load).
    pub offer: Option<PathBuf>,
}

impl OpenPrompt {
    /// The window shown when the system has no file dialog; `what` says what to open.
    pub fn no_dialog(what: &str) -> Self {
        OpenPrompt {
            message: format!(
                "No file dialog is available on this system (no desktop portal answered). \
                 Type the path of {what}:"
            ),
            ..OpenPrompt::default()
        }
    }
}

/// The typed-path window, while there is one.
pub fn open_prompt(ctx: &egui::Context, prompt: &mut OpenPrompt) -> Vec<Action> {
    let mut out = Vec::new();
    egui::Window::new("Open")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.label(&prompt.message);
            if let Some(folder) = &prompt.offer
                && ui
                    .button("Open the study folder beside it")
                    .on_hover_text(folder.display().to_string())
                    .clicked()
            {
                out.push(Action::Open(folder.clone()));
            }
            let typed = ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut prompt.text)
                        .hint_text("/path/to/study or session.json")
                        .desired_width(380.0),
                );
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let ok = !prompt.text.trim().is_empty();
                ui.add_enabled(ok, egui::Button::new("Open")).clicked() || (enter && ok)
            });
            if typed.inner {
                out.push(Action::Open(PathBuf::from(prompt.text.trim())));
            }
            if ui.button("Cancel").clicked() {
                out.push(Action::CloseOpenPrompt);
            }
        });
    out
}
