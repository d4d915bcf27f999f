//! The Analysis tab: the options of an analysis of the cohort database (unit, bootstrap
//! resamples, seed) and its Analyze button; then the report's tables — validation of the
//! session's risk model, the refitted coefficients, the raters' agreement — beside the
//! figure chosen in a selector ([`crate::analysis_plots`]), and the button that makes the
//! refitted model the session's model. It draws what it is given and returns
//! [`Action::Analysis`]s; the App runs the analysis ([`anchorage_core::analysis`]).

use egui::RichText;

use anchorage_core::analysis::AnalysisReport;
use anchorage_core::analysis::report::{Rates, Unit};

use crate::action::{Action, AnalysisAction};
use crate::analysis_plots::{self, PlotKind};
use crate::style::WARN;

/// The tab's own widget state.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisForm {
    /// Patient or screw rows.
    pub unit: Unit,
    /// Bootstrap resamples (200 in the window, to keep it quick).
    pub bootstrap: usize,
    /// Seed of the resampling.
    pub seed: u64,
    /// The figure shown.
    pub plot: PlotKind,
    /// The agreement measure of the Bland–Altman plot (index in the report).
    pub measure: usize,
    /// Shown in its own large window instead of the tab (the tab is small at 1280 × 800).
    pub detached: bool,
}

impl Default for AnalysisForm {
    fn default() -> Self {
        AnalysisForm {
            unit: Unit::Patient,
            bootstrap: 200,
            seed: 1,
            plot: PlotKind::Roc,
            measure: 0,
            detached: false,
        }
    }
}

/// What the tab shows.
pub struct AnalysisShown<'a> {
    /// The database, as the status line names it.
    pub database: &'a str,
    /// The last report (None before the first analysis).
    pub report: Option<&'a AnalysisReport>,
    /// The last operation's outcome: what was done, or why it failed.
    pub message: Option<&'a Result<String, String>>,
    /// The name of the session's risk model (the one analysed).
    pub session_model: &'a str,
    /// An analysis is running (Analyze waits; a spinner shows it).
    pub running: bool,
}

/// Formats a proportion as a percentage, "–" when missing.
fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{:.1} %", x * 100.0))
}

/// Formats a p-value ("< 0.001" below).
fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// Draws the tab in `height` points: the analysis, or, while it is open in its own
/// window, a note and the button that brings it back.
pub fn tab(
    ui: &mut egui::Ui,
    form: &mut AnalysisForm,
    shown: &AnalysisShown<'_>,
    height: f32,
) -> Vec<Action> {
    if form.detached {
        ui.label("The analysis is open in its own window.");
        if ui.button("Bring the analysis back here").clicked() {
            form.detached = false;
        }
        return Vec::new();
    }
    analysis(ui, form, shown, height)
}

/// The analysis in its own window (80 % of the screen at first; movable, resizable),
/// while `form.detached`; closing the window brings it back into the tab.
pub fn window(
    ctx: &egui::Context,
    form: &mut AnalysisForm,
    shown: &AnalysisShown<'_>,
) -> Vec<Action> {
    let mut out = Vec::new();
    if !form.detached {
        return out;
    }
    let screen = ctx.content_rect();
    let size = screen.size() * 0.8;
    let mut open = true;
    egui::Window::new("Cohort analysis")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_size(size)
        .default_pos(screen.center() - size / 2.0)
        .show(ctx, |ui| {
            let height = ui.available_height().max(size.y - 40.0);
            out = analysis(ui, form, shown, height);
        });
    form.detached &= open;
    out
}

/// The controls, then the report's tables beside its figure, in `height` points (the
/// content scrolls within).
fn analysis(
    ui: &mut egui::Ui,
    form: &mut AnalysisForm,
    shown: &AnalysisShown<'_>,
    height: f32,
) -> Vec<Action> {
    let mut out = Vec::new();
    egui::ScrollArea::both()
        .id_salt("analysis_scroll")
        .max_height(height)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            controls(ui, form, shown, &mut out);
            let Some(report) = shown.report else {
                ui.label("No analysis yet: Analyze reads the cohort database.");
                return;
            };
            ui.separator();
            // Below the controls and the figure selector; the window has room for more.
            let plot_height = if form.detached {
                (height - 160.0).clamp(160.0, 900.0)
            } else {
                (height - 90.0).clamp(160.0, 420.0)
            };
            ui.columns(2, |cols| {
                let [left, right] = cols else {
                    return;
                };
                // The tables scroll sideways within their half: never under the figure.
                egui::ScrollArea::horizontal()
                    .id_salt("analysis_tables_scroll")
                    .auto_shrink([false, true])
                    .show(left, |ui| tables(ui, report, &mut out));
                figure(right, form, report, plot_height);
            });
        });
    out
}

/// The options, the Analyze button and the last operation's outcome.
fn controls(
    ui: &mut egui::Ui,
    form: &mut AnalysisForm,
    shown: &AnalysisShown<'_>,
    out: &mut Vec<Action>,
) {
    ui.label(RichText::new(format!("Database: {}", shown.database)).small());
    ui.label(RichText::new(format!("Model: {}", shown.session_model)).small());
    ui.horizontal_wrapped(|ui| {
        ui.label("Unit");
        ui.selectable_value(&mut form.unit, Unit::Patient, "patient")
            .on_hover_text("One row per patient, loosening of any screw (the nomogram's unit)");
        ui.selectable_value(&mut form.unit, Unit::Screw, "screw")
            .on_hover_text("One row per screw, the patient as cluster of the bootstrap");
        let label = ui.label("Bootstrap");
        ui.add(egui::DragValue::new(&mut form.bootstrap).range(0..=10_000))
            .labelled_by(label.id)
            .on_hover_text("Resamples of the optimism correction (0: none)");
        let label = ui.label("Seed");
        ui.add(egui::DragValue::new(&mut form.seed))
            .labelled_by(label.id);
        if ui
            .add_enabled(!shown.running, egui::Button::new("Analyze"))
            .on_hover_text(
                "Validate the session's risk model on the cohort, refit it, and measure the \
                 raters' agreement",
            )
            .clicked()
        {
            out.push(Action::Analysis(AnalysisAction::Analyze {
                unit: form.unit,
                bootstrap: form.bootstrap,
                seed: form.seed,
            }));
        }
        let (label, tip) = if form.detached {
            (
                "Back into the tab",
                "Show the analysis in the Analysis tab again",
            )
        } else {
            (
                "Open in a window",
                "Show the analysis in its own large window",
            )
        };
        if ui.button(label).on_hover_text(tip).clicked() {
            form.detached = !form.detached;
        }
    });
    match shown.message {
        Some(Ok(m)) if shown.running => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(m);
            });
        }
        Some(Ok(m)) => {
            ui.add(egui::Label::new(m).wrap());
        }
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::from_rgb(240, 110, 100), e);
        }
        None => {}
    }
}

/// One row of label and value.
fn row(ui: &mut egui::Ui, label: &str, value: String) {
    ui.label(label);
    ui.label(value);
    ui.end_row();
}

/// Three rows for an operating point: its threshold, sensitivity and specificity, PPV and
/// NPV (short rows, so the table stays narrow beside the figure).
fn operating(ui: &mut egui::Ui, title: &str, threshold: f64, o: &Rates) {
    row(ui, title, format!("{threshold:.3}"));
    row(
        ui,
        "  sensitivity / specificity",
        format!(
            "{} / {}",
            pct(Some(o.sensitivity)),
            pct(Some(o.specificity))
        ),
    );
    row(
        ui,
        "  PPV / NPV",
        format!("{} / {}", pct(o.ppv), pct(o.npv)),
    );
}

/// The report's tables: validation, refit, agreement, warnings.
fn tables(ui: &mut egui::Ui, r: &AnalysisReport, out: &mut Vec<Action>) {
    ui.strong("Validation");
    ui.label(RichText::new(&r.model).small().weak());
    egui::Grid::new("analysis_summary")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            let rows = match (r.unit, r.n_screws) {
                (Unit::Screw, Some(s)) => format!("{} ({s} screws)", r.n_patients),
                _ => r.n_patients.to_string(),
            };
            row(ui, "Patients", rows);
            row(ui, "Events", r.n_events.to_string());
            if r.n_excluded > 0 {
                row(ui, "Left out", r.n_excluded.to_string());
            }
            row(
                ui,
                "AUC (95 % CI)",
                format!("{:.3} ({:.3}–{:.3})", r.auc, r.auc_ci[0], r.auc_ci[1]),
            );
            operating(ui, "Youden threshold", r.youden.threshold, &r.youden.rates);
            operating(ui, "At cutoff", r.at_cutoff.cutoff, &r.at_cutoff.rates);
            let hl = &r.hosmer_lemeshow;
            row(
                ui,
                "Hosmer–Lemeshow",
                format!("χ² {:.2}, df {}, p {}", hl.chi2, hl.df, p_value(hl.p)),
            );
            row(
                ui,
                "Calibration",
                format!(
                    "intercept {:.3}, slope {:.3}",
                    r.calibration.intercept, r.calibration.slope
                ),
            );
            row(ui, "Brier", format!("{:.4}", r.brier));
        });
    ui.label(RichText::new(&r.rater_rule).small().weak());
    for w in &r.warnings {
        ui.colored_label(WARN, format!("Warning: {w}"));
    }
    ui.add_space(6.0);
    refit(ui, r, out);
    ui.add_space(6.0);
    agreement(ui, r);
}

fn refit(ui: &mut egui::Ui, r: &AnalysisReport, out: &mut Vec<Action>) {
    ui.strong("Refit");
    if let Some(note) = &r.refit_note {
        ui.add(egui::Label::new(note.as_str()).wrap());
    }
    let Some(f) = &r.refit else {
        return;
    };
    egui::Grid::new("analysis_coefficients")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in ["Term", "β (SE)", "95 % CI", "p", "OR"] {
                ui.strong(h);
            }
            ui.end_row();
            for c in &f.coefficients {
                ui.label(&c.term);
                ui.label(format!("{:.4} ({:.4})", c.estimate, c.se));
                ui.label(format!("{:.3} to {:.3}", c.ci_low, c.ci_high));
                ui.label(p_value(c.p));
                ui.label(format!("{:.3}", c.odds_ratio));
                ui.end_row();
            }
        });
    let corrected = f.optimism_corrected_auc.map_or_else(
        || "no bootstrap".to_string(),
        |a| format!("{a:.3} ({} resamples, seed {})", f.bootstrap, f.seed),
    );
    ui.add(
        egui::Label::new(format!(
            "Apparent AUC {:.3}; optimism-corrected {corrected}",
            f.apparent_auc
        ))
        .wrap_mode(egui::TextWrapMode::Extend),
    );
    if ui
        .button("Use the refitted model")
        .on_hover_text(
            "Write the refitted model as a model file beside the session and make it the \
             session's risk model (undo restores the previous one)",
        )
        .clicked()
    {
        out.push(Action::Analysis(AnalysisAction::UseRefittedModel));
    }
}

fn agreement(ui: &mut egui::Ui, r: &AnalysisReport) {
    ui.strong("Rater agreement");
    if r.agreement.is_empty() {
        ui.label(
            r.agreement_note
                .as_deref()
                .unwrap_or("No study was measured by two raters."),
        );
        return;
    }
    egui::Grid::new("analysis_agreement")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in ["Measure", "Studies", "ICC(2,1)", "ICC(3,1)", "Bias (LoA)"] {
                ui.strong(h);
            }
            ui.end_row();
            for a in &r.agreement {
                ui.label(&a.measure);
                ui.label(a.n_studies.to_string());
                ui.label(format!(
                    "{:.3} ({:.3}–{:.3})",
                    a.icc_2_1, a.icc_2_1_ci[0], a.icc_2_1_ci[1]
                ));
                ui.label(format!(
                    "{:.3} ({:.3}–{:.3})",
                    a.icc_3_1, a.icc_3_1_ci[0], a.icc_3_1_ci[1]
                ));
                ui.label(format!(
                    "{:.3} ({:.3} to {:.3})",
                    a.bias, a.loa_low, a.loa_high
                ));
                ui.end_row();
            }
        });
}

/// The figure selector and the figure.
fn figure(ui: &mut egui::Ui, form: &mut AnalysisForm, r: &AnalysisReport, height: f32) {
    ui.horizontal_wrapped(|ui| {
        for k in PlotKind::ALL {
            ui.selectable_value(&mut form.plot, k, k.label());
        }
    });
    if form.plot == PlotKind::BlandAltman && !r.agreement.is_empty() {
        form.measure = form.measure.min(r.agreement.len() - 1);
        ui.horizontal_wrapped(|ui| {
            for (i, a) in r.agreement.iter().enumerate() {
                ui.selectable_value(&mut form.measure, i, &a.measure);
            }
        });
    }
    analysis_plots::draw(ui, r, form.plot, form.measure, height);
}
