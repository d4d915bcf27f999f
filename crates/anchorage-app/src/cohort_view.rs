//! The Cohort tab: the patients of the cohort database with what each still lacks, a
//! button that adds the open session (naming the rater), and outcome entry per screw or per
//! patient. It draws what it is given and returns [`Action::Cohort`]s; the App talks to
//! the database ([`anchorage_core::cohort`]).

use std::path::PathBuf;

use anchorage_core::cohort::Outcome;
use anchorage_core::cohort::status::CohortStatus;

use crate::action::{Action, CohortAction};

/// The tab's own widget state.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortForm {
    /// The rater named when adding.
    pub rater: String,
    /// The patient an outcome is entered for.
    pub patient: String,
    /// Level ("" for the whole patient).
    pub level: String,
    /// Side ("" for the whole patient).
    pub side: String,
    /// Loosened.
    pub loosening: bool,
    /// Follow-up, months.
    pub follow_up_months: f64,
}

impl Default for CohortForm {
    fn default() -> Self {
        CohortForm {
            rater: std::env::var("USER").unwrap_or_default(),
            patient: String::new(),
            level: String::new(),
            side: String::new(),
            loosening: false,
            follow_up_months: 12.0,
        }
    }
}

/// What the tab shows.
pub struct CohortShown<'a> {
    /// The database, as the status line names it.
    pub database: &'a str,
    /// The last status read (None before the first, or when it failed).
    pub status: Option<&'a CohortStatus>,
    /// Each patient's latest session file, to open.
    pub sessions: &'a [(String, PathBuf)],
    /// The last operation's outcome: what was done, or why it failed.
    pub message: Option<&'a Result<String, String>>,
    /// Whether a saved session is open (so it can be added).
    pub can_add: bool,
}

/// Draws the tab.
pub fn ui(ui: &mut egui::Ui, form: &mut CohortForm, shown: &CohortShown<'_>) -> Vec<Action> {
    let mut out = Vec::new();
    ui.label(egui::RichText::new(format!("Database: {}", shown.database)).small());
    ui.horizontal(|ui| {
        let label = ui.label("Rater");
        ui.add(egui::TextEdit::singleline(&mut form.rater).desired_width(120.0))
            .labelled_by(label.id);
        let add = ui
            .add_enabled(
                shown.can_add && !form.rater.trim().is_empty(),
                egui::Button::new("Add to cohort"),
            )
            .on_hover_text("Recompute the open session and store its per-screw rows");
        if add.clicked() {
            out.push(Action::Cohort(CohortAction::AddOpenSession {
                rater: form.rater.trim().to_string(),
            }));
        }
        if ui.button("Refresh").clicked() {
            out.push(Action::Cohort(CohortAction::Refresh));
        }
    });
    match shown.message {
        Some(Ok(m)) => {
            ui.label(m);
        }
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::from_rgb(240, 110, 100), e);
        }
        None => {}
    }
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Outcome of patient");
        ui.add(egui::TextEdit::singleline(&mut form.patient).desired_width(110.0))
            .labelled_by(label.id);
        let label = ui.label("level");
        ui.add(egui::TextEdit::singleline(&mut form.level).desired_width(36.0))
            .labelled_by(label.id)
            .on_hover_text("Empty for the whole patient");
        let label = ui.label("side");
        ui.add(egui::TextEdit::singleline(&mut form.side).desired_width(24.0))
            .labelled_by(label.id);
        ui.checkbox(&mut form.loosening, "loosened");
        ui.add(
            egui::DragValue::new(&mut form.follow_up_months)
                .range(0.0..=600.0)
                .suffix(" months"),
        );
        if ui
            .add_enabled(
                !form.patient.trim().is_empty(),
                egui::Button::new("Save outcome"),
            )
            .clicked()
        {
            let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
            out.push(Action::Cohort(CohortAction::SetOutcome(Outcome {
                patient_id: form.patient.trim().to_string(),
                level: opt(&form.level),
                side: opt(&form.side),
                loosening: form.loosening,
                follow_up_months: Some(form.follow_up_months),
                judged_by: Some("entered in the workstation".into()),
                revision: None,
            })));
        }
    });
    ui.separator();
    let Some(status) = shown.status else {
        ui.label("No cohort read yet: Refresh.");
        return out;
    };
    ui.label(format!(
        "{} patients, {} screws, {} outcomes; {} complete",
        status.patients, status.screws, status.outcomes, status.complete_patients
    ));
    egui::Grid::new("cohort_patients")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in ["Patient", "Raters", "Screws", "Outcomes", "Lacks"] {
                ui.strong(h);
            }
            ui.end_row();
            for p in &status.patient_list {
                let path = shown
                    .sessions
                    .iter()
                    .find(|(id, _)| *id == p.patient_id)
                    .map(|(_, path)| path);
                let id = ui.add_enabled(path.is_some(), egui::Button::new(&p.patient_id).small());
                if id.clicked() {
                    if let Some(path) = path {
                        out.push(Action::Open(path.clone()));
                    }
                    form.patient = p.patient_id.clone();
                }
                ui.label(p.raters.join(", "));
                ui.label(p.screws.to_string());
                ui.label(p.outcomes.to_string());
                let lacks: Vec<&str> = p.lacks.iter().map(|l| l.label()).collect();
                ui.label(if lacks.is_empty() {
                    "complete".to_string()
                } else {
                    lacks.join(", ")
                });
                ui.end_row();
            }
        });
    out
}
