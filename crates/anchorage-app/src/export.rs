//! Export: the per-screw table as CSV and JSON (the bytes `anchorage measure` writes for
//! the same session: same `screw_table`, `to_csv`, `to_json`), a PNG snapshot of the shown
//! slice with its ROIs (`snapshot::render`), and the session itself. Every file is written
//! atomically; a failed write says why and leaves the old file as it was. Optionally
//! pseudonymised with a project key (`ScrewTable::pseudonymize`).

use std::path::{Path, PathBuf};

use egui::RichText;

use super::commands::Action;
use super::results::{Derived, WARN};
use anchorage_core::export::to_json;
use anchorage_core::session::{Session, write_atomic};

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// The per-screw table as CSV.
    Csv,
    /// The per-screw table, levels, patient and models as JSON.
    Json,
    /// The shown slice with its ROIs as PNG.
    Png,
    /// The session file.
    Session,
}

impl ExportKind {
    /// The file name for a patient.
    pub fn file_name(self, patient: &str) -> String {
        let stem: String = if patient.is_empty() {
            "anchorage".into()
        } else {
            patient
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        match self {
            ExportKind::Csv => format!("{stem}-screws.csv"),
            ExportKind::Json => format!("{stem}-screws.json"),
            ExportKind::Png => format!("{stem}-view.png"),
            ExportKind::Session => format!("{stem}-session.json"),
        }
    }
}

/// The export settings (not part of the session).
#[derive(Debug, Clone, Default)]
pub struct ExportState {
    /// The folder files are written to; empty for the session's folder.
    pub folder: String,
    /// Whether to pseudonymise the table.
    pub pseudonymize: bool,
    /// The project key for pseudonymisation (never saved).
    pub key: String,
    /// The outcome of the last export: the file written, or why it failed.
    pub last: Option<Result<PathBuf, String>>,
}

impl ExportState {
    /// The folder to write to: the one typed, else the session's folder.
    pub fn folder(&self, session_path: Option<&Path>) -> Option<PathBuf> {
        if !self.folder.trim().is_empty() {
            return Some(PathBuf::from(self.folder.trim()));
        }
        session_path.and_then(Path::parent).map(Path::to_path_buf)
    }
}

/// The bytes of a table export (CSV or JSON) of the derived results.
pub fn table_bytes(kind: ExportKind, d: &Derived, key: Option<&str>) -> Result<Vec<u8>, String> {
    if let Some(why) = &d.refused {
        return Err(format!("nothing to export: {why}"));
    }
    let mut table = d.table.clone();
    if let Some(k) = key {
        table.pseudonymize(k)?;
    }
    match kind {
        ExportKind::Csv => table
            .to_csv()
            .map_err(|e| format!("cannot format the CSV: {e}")),
        ExportKind::Json => Ok(to_json(&table, &d.results, &d.models).into_bytes()),
        _ => Err("not a table export".into()),
    }
}

/// The session as a file in `folder`: series paths made absolute, then relative to the
/// folder where they lie beside it.
pub fn session_bytes(
    session: &Session,
    session_path: Option<&Path>,
    folder: &Path,
) -> Result<Vec<u8>, String> {
    let mut s = session.clone();
    if let Some(p) = session_path {
        for r in &mut s.series {
            r.path = super::state::absolute(&Session::resolve(p, &r.path));
        }
    }
    s.relativize_paths(&super::state::absolute(folder));
    serde_json::to_vec_pretty(&s).map_err(|e| format!("cannot format the session: {e}"))
}

/// Writes `bytes` to `path` atomically; the error names the file.
pub fn write(path: &Path, bytes: &[u8]) -> Result<PathBuf, String> {
    write_atomic(path, bytes)
        .map(|()| path.to_path_buf())
        .map_err(|e| {
            format!(
                "cannot write the file ({e}); the old one is kept: {}",
                path.display()
            )
        })
}

/// The export panel.
pub fn ui(
    ui: &mut egui::Ui,
    state: &mut ExportState,
    session_path: Option<&Path>,
    rows: usize,
) -> Vec<Action> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        ui.label("Folder");
        let hint = session_path
            .and_then(Path::parent)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the session's folder".into());
        ui.add(
            egui::TextEdit::singleline(&mut state.folder)
                .hint_text(hint)
                .desired_width(360.0),
        )
        .on_hover_text("Where the exports are written; empty: beside the session");
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut state.pseudonymize, "Pseudonymise")
            .on_hover_text("Replace the patient ID and StudyInstanceUID with keyed pseudonyms (the same as `anchorage measure --pseudonymize`)");
        if state.pseudonymize {
            ui.label("Project key");
            ui.add(egui::TextEdit::singleline(&mut state.key).password(true).desired_width(160.0));
        }
    });
    ui.horizontal(|ui| {
        let table = rows > 0;
        if ui
            .add_enabled(table, egui::Button::new("Export CSV"))
            .on_hover_text(
                "The per-screw table, byte for byte as `anchorage measure --csv` writes it",
            )
            .clicked()
        {
            out.push(Action::Export(ExportKind::Csv));
        }
        if ui
            .add_enabled(table, egui::Button::new("Export JSON"))
            .on_hover_text(
                "The table with the per-level and patient results and the model parameters",
            )
            .clicked()
        {
            out.push(Action::Export(ExportKind::Json));
        }
        if ui
            .button("Export PNG")
            .on_hover_text("The shown slice with its ROIs")
            .clicked()
        {
            out.push(Action::Export(ExportKind::Png));
        }
        if ui
            .button("Export session")
            .on_hover_text(
                "A copy of the session file (every ROI, the screws and the patient inputs)",
            )
            .clicked()
        {
            out.push(Action::Export(ExportKind::Session));
        }
    });
    if rows == 0 {
        ui.label(
            RichText::new("Plan screws in the patient panel to export the per-screw table.")
                .small(),
        );
    }
    match &state.last {
        Some(Ok(p)) => {
            ui.label(format!("Written: {}", p.display()));
        }
        Some(Err(e)) => {
            ui.colored_label(WARN, format!("Export failed: {e}"));
        }
        None => {}
    }
    out
}
