//! Series a session uses that the open study does not hold (the study was moved, a disk
//! is not mounted): the session opens anyway, with its measurements and results as far as
//! they can be computed; this panel names each missing series, where it was expected and
//! how many ROIs depend on it, and lets the user point to the new place (a folder picked or
//! typed). The App scans the new place and records each series found there in the session
//! at the folder that holds its files (one undo step; `handle_file.rs`).

use std::path::{Path, PathBuf};

use egui::{Color32, RichText};

use super::action::Action;
use super::study::Study;
use anchorage_core::session::{SeriesRef, Session};

/// A series of the session that the study does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingSeries {
    /// The session's reference.
    pub series: SeriesRef,
    /// Where it was expected (resolved against the session file).
    pub expected: PathBuf,
    /// ROIs drawn on it.
    pub rois: usize,
}

/// The session's series missing from a scanned study (all of them when the scan failed).
pub fn missing(
    session: &Session,
    session_path: Option<&Path>,
    study: &Study,
) -> Vec<MissingSeries> {
    session
        .series
        .iter()
        .filter(|r| {
            !study
                .report
                .as_ref()
                .is_some_and(|rep| rep.series.iter().any(|s| s.uid == r.series_instance_uid))
        })
        .map(|r| MissingSeries {
            series: r.clone(),
            expected: match session_path {
                Some(p) => Session::resolve(p, &r.path),
                None => r.path.clone(),
            },
            rois: session
                .rois
                .iter()
                .filter(|x| x.series_uid == r.series_instance_uid)
                .count(),
        })
        .collect()
}

/// The panel, above the series list; `typed` is the folder the user is typing.
pub fn ui(ui: &mut egui::Ui, missing: &[MissingSeries], typed: &mut String) -> Vec<Action> {
    let mut out = Vec::new();
    if missing.is_empty() {
        return out;
    }
    let warn = Color32::from_rgb(240, 150, 70);
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, warn))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.colored_label(
                warn,
                RichText::new(format!("{} series of the session not found", missing.len()))
                    .strong(),
            );
            for m in missing {
                let what = format!(
                    "{} {} ({} ROI(s)), expected in {}",
                    m.series.modality,
                    if m.series.description.is_empty() {
                        m.series.series_instance_uid.as_str()
                    } else {
                        m.series.description.as_str()
                    },
                    m.rois,
                    m.expected.display()
                );
                ui.label(RichText::new(what).small()).on_hover_text(format!(
                    "SeriesInstanceUID {}",
                    m.series.series_instance_uid
                ));
            }
            ui.label(RichText::new("Its ROIs are kept; point to where the files are now:").small());
            if ui
                .button("Locate folder…")
                .on_hover_text("Pick the folder the series were moved to")
                .clicked()
                && let Some(p) = rfd::FileDialog::new()
                    .set_title("Where are the session's series now?")
                    .pick_folder()
            {
                out.push(Action::Relocate(p));
            }
            ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(typed)
                        .hint_text("or type the folder")
                        .desired_width(170.0),
                );
                let edit = edit.accessible_name("Folder the series moved to");
                let go = ui.button("Look there").clicked()
                    || (edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
                if go && !typed.trim().is_empty() {
                    out.push(Action::Relocate(PathBuf::from(typed.trim())));
                }
            });
        });
    out
}
