//! The export panel: the folder, the pseudonymisation and its project key (the panel's
//! own form, never saved), the rater named in the SR, the buttons that ask for the
//! per-screw table as CSV or JSON, a PNG of the shown slice, the session, the DICOM SR
//! (saved, or saved and sent to the PACS tab's node) and the planning report (PDF), and the outcome of the last export
//! and of the last send. The App
//! writes the files (`handle_export.rs`).

use std::path::{Path, PathBuf};

use egui::RichText;

use super::action::{Action, ExportKind};
use super::style::WARN;

/// The export form (not part of the session).
#[derive(Debug, Clone, Default)]
pub struct ExportForm {
    /// The folder files are written to; empty for the session's folder.
    pub folder: String,
    /// Whether to pseudonymise the table.
    pub pseudonymize: bool,
    /// The project key for pseudonymisation (never saved).
    pub key: String,
    /// How many times the PNG is enlarged (1: the image's native size); 0 for enough to
    /// make it at least 512 pixels wide (native for most CT).
    pub png_scale: usize,
    /// The rater, written into the SR as the person observer (`Family^Given`).
    pub rater: String,
}

impl ExportForm {
    /// The folder to write to: the one typed, else the session's folder.
    pub fn folder(&self, session_path: Option<&Path>) -> Option<PathBuf> {
        if !self.folder.trim().is_empty() {
            return Some(PathBuf::from(self.folder.trim()));
        }
        session_path.and_then(Path::parent).map(Path::to_path_buf)
    }
}

/// The export panel; `sent` is the last "Send SR to PACS": running, done, or why not.
pub fn ui(
    ui: &mut egui::Ui,
    form: &mut ExportForm,
    last: Option<&Result<PathBuf, String>>,
    session_path: Option<&Path>,
    rows: usize,
    sent: Option<Result<String, String>>,
) -> Vec<Action> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        ui.label("Folder");
        let hint = session_path
            .and_then(Path::parent)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the session's folder".into());
        ui.add(
            egui::TextEdit::singleline(&mut form.folder)
                .hint_text(hint)
                .desired_width(360.0),
        )
        .on_hover_text("Where the exports are written; empty: beside the session");
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut form.pseudonymize, "Pseudonymise")
            .on_hover_text("Replace the patient ID and StudyInstanceUID with keyed pseudonyms (the same as `anchorage measure --pseudonymize`)");
        if form.pseudonymize {
            ui.label("Project key");
            ui.add(egui::TextEdit::singleline(&mut form.key).password(true).desired_width(160.0));
        }
    });
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("PNG size")
            .selected_text(png_scale_text(form.png_scale))
            .show_ui(ui, |ui| {
                for k in 0..=4 {
                    ui.selectable_value(&mut form.png_scale, k, png_scale_text(k));
                }
            })
            .response
            .on_hover_text(
                "The PNG's size: the image's own pixels, enlarged 2–4 times, or automatic \
                 (enlarged to at least 512 pixels wide, so the labels fit a small image)",
            );
    });
    ui.horizontal(|ui| {
        ui.label("Rater");
        ui.add(
            egui::TextEdit::singleline(&mut form.rater)
                .hint_text("Family^Given")
                .desired_width(200.0),
        )
        .on_hover_text("Named in the DICOM SR as the observer who measured");
    });
    // The form as it is when a button is clicked.
    let export = |kind| Action::Export {
        kind,
        folder: form.folder(session_path),
        key: form.pseudonymize.then(|| form.key.clone()),
    };
    // Wrapped: at 1280 × 800 the six buttons do not fit on one line of the tab.
    ui.horizontal_wrapped(|ui| {
        let table = rows > 0;
        if ui
            .add_enabled(table, egui::Button::new("Export CSV"))
            .on_hover_text(
                "The per-screw table, byte for byte as `anchorage measure --csv` writes it",
            )
            .clicked()
        {
            out.push(export(ExportKind::Csv));
        }
        if ui
            .add_enabled(table, egui::Button::new("Export JSON"))
            .on_hover_text(
                "The table with the per-level and patient results and the model parameters",
            )
            .clicked()
        {
            out.push(export(ExportKind::Json));
        }
        if ui
            .button("Export PNG")
            .on_hover_text(
                "The shown slice as a key image: ROIs with their labels and statistics, \
                 patient (or pseudonym), slice, window, scale bar",
            )
            .clicked()
        {
            out.push(export(ExportKind::Png));
        }
        if ui
            .button("Export session")
            .on_hover_text(
                "A copy of the session file (every ROI, the screws and the patient inputs)",
            )
            .clicked()
        {
            out.push(export(ExportKind::Session));
        }
        if ui
            .add_enabled(session_path.is_some(), egui::Button::new("Save SR…"))
            .on_hover_text(
                "The measurements as a DICOM Structured Report (TID 1500 Measurement \
                 Report), the same as `anchorage sr`; written to the folder, sent nowhere",
            )
            .clicked()
        {
            out.push(export(ExportKind::Sr));
        }
        if ui
            .add_enabled(session_path.is_some(), egui::Button::new("Report (PDF)"))
            .on_hover_text(
                "The planning report: screws table, plan distances and breach grades, risk \
                 with the nomogram, key images; the same bytes as `anchorage report`",
            )
            .clicked()
        {
            out.push(export(ExportKind::Report));
        }
        if ui
            .add_enabled(session_path.is_some(), egui::Button::new("Send SR to PACS"))
            .on_hover_text(
                "Save the SR as above, then send it (C-STORE) to the node set in the PACS tab",
            )
            .clicked()
        {
            out.push(Action::SendSr {
                folder: form.folder(session_path),
                key: form.pseudonymize.then(|| form.key.clone()),
            });
        }
    });
    if rows == 0 {
        ui.label(
            RichText::new("Plan screws in the patient panel to export the per-screw table.")
                .small(),
        );
    }
    match last {
        Some(Ok(p)) => {
            ui.label(format!("Written: {}", p.display()));
        }
        Some(Err(e)) => {
            ui.colored_label(WARN, format!("Export failed: {e}"));
        }
        None => {}
    }
    match sent {
        Some(Ok(m)) => {
            ui.label(format!("PACS: {m}"));
        }
        Some(Err(e)) => {
            ui.colored_label(WARN, format!("Not sent: {e}"));
        }
        None => {}
    }
    out
}

/// "automatic", "native", "2× enlarged".
fn png_scale_text(k: usize) -> String {
    match k {
        0 => "automatic".into(),
        1 => "native".into(),
        _ => format!("{k}× enlarged"),
    }
}

/// The enlargement of a PNG `columns` wide: `chosen`, or for 0 the smallest (1 to 4) that
/// makes it at least 512 pixels wide.
pub fn png_scale(chosen: usize, columns: usize) -> usize {
    match chosen {
        0 => (1..=4).find(|k| k * columns >= 512).unwrap_or(4),
        k => k,
    }
}
