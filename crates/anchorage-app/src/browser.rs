//! The series browser: every series of the study with a thumbnail, modality, description,
//! image count and orientation; the files that were skipped and the geometry warnings,
//! shown rather than hidden; and the recent studies.

use std::path::PathBuf;

use egui::{Color32, RichText};

use super::action::Action;
use super::study::Study;
use super::style::WARN;

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
                            if !report.skipped.is_empty() {
                                ui.separator();
                                egui::CollapsingHeader::new(
                                    RichText::new(format!(
                                        "{} file(s) skipped",
                                        report.skipped.len()
                                    ))
                                    .color(WARN),
                                )
                                .id_salt("skipped")
                                .show(ui, |ui| {
                                    for f in &report.skipped {
                                        let name = f
                                            .path
                                            .file_name()
                                            .map(|n| n.to_string_lossy().into_owned())
                                            .unwrap_or_else(|| f.path.display().to_string());
                                        ui.label(
                                            RichText::new(format!("{name}: {}", f.reason)).small(),
                                        )
                                        .on_hover_text(f.path.display().to_string());
                                    }
                                });
                            }
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
