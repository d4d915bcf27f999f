//! What the pipeline measured along the planned screws, as the planning view shows it:
//! one screw's values (isthmus widths, the four distances from the screw's surface to the
//! outer cortex, the Gertzbein–Robbins grade in its colour, automatic and caliper
//! thickness with their disagreement flagged, clearance, p.s.c., σH, yield ratio, risk),
//! and every screw's in a table whose rows choose the screw shown. Read from the
//! pipeline's results ([`Derived`]), computed nowhere here.

use egui::{Color32, RichText};

use super::action::Action;
use super::derived::Derived;
use super::style::WARN;
use super::widgets::risk_label;
use anchorage_core::plan::BreachGrade;
use anchorage_core::protocol::{Flag, ScrewResult};
use anchorage_core::session::{Level, Screw, Side};

/// The colour of a breach grade: A green, B yellow, C orange, D and E red.
pub fn grade_colour(g: BreachGrade) -> Color32 {
    match g {
        BreachGrade::A => Color32::from_rgb(90, 200, 90),
        BreachGrade::B => Color32::from_rgb(230, 210, 60),
        BreachGrade::C => WARN,
        BreachGrade::D | BreachGrade::E => Color32::from_rgb(235, 70, 60),
    }
}

/// One value: "Medial 1.23 mm" (the whole text is the label, so it reads as one).
fn value(ui: &mut egui::Ui, label: &str, v: Option<f64>, decimals: usize, unit: &str) {
    let text = match v {
        Some(x) => format!("{label} {x:.decimals$}{unit}"),
        None => format!("{label} –"),
    };
    ui.label(text);
}

/// What the pipeline measured along one screw, one value a label ("Medial 1.23 mm").
pub fn values(ui: &mut egui::Ui, screw: &Screw, r: Option<&ScrewResult>, d: &Derived) {
    let Some(r) = r else {
        ui.label("Not measured yet.");
        return;
    };
    let p = r.pedicle.as_ref();
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!(
            "{} {} ({} × {} mm)",
            screw.level, screw.side, screw.diameter_mm, screw.length_mm
        ));
        value(
            ui,
            "Isthmus transverse",
            p.map(|p| p.isthmus_width_transverse_mm),
            2,
            " mm",
        );
        value(
            ui,
            "cranio-caudal",
            p.map(|p| p.isthmus_width_craniocaudal_mm),
            2,
            " mm",
        );
        value(ui, "at depth", p.map(|p| p.isthmus_depth_mm), 1, " mm");
        ui.separator();
        value(ui, "Medial", p.map(|p| p.distance_medial_mm), 2, " mm");
        value(ui, "Lateral", p.map(|p| p.distance_lateral_mm), 2, " mm");
        value(ui, "Cranial", p.map(|p| p.distance_cranial_mm), 2, " mm");
        value(ui, "Caudal", p.map(|p| p.distance_caudal_mm), 2, " mm");
        match p {
            Some(p) => {
                let text = if p.breach_grade.is_breach() {
                    format!("Breach grade {} ({:.1} mm)", p.breach_grade, p.breach_mm)
                } else {
                    format!("Breach grade {}", p.breach_grade)
                };
                ui.label(
                    RichText::new(text)
                        .strong()
                        .color(grade_colour(p.breach_grade)),
                )
                .on_hover_text("Gertzbein–Robbins: A none; B < 2 mm; C 2–4; D 4–6; E > 6");
            }
            None => {
                ui.label("Breach grade –");
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        value(
            ui,
            "Thickness automatic",
            r.pedicle_thickness_auto_mm,
            2,
            " mm",
        );
        value(ui, "caliper", r.pedicle_thickness_caliper_mm, 2, " mm");
        for f in &r.flags {
            if let Flag::ThicknessDisagreement { .. } = f {
                ui.colored_label(WARN, "over 1 mm apart")
                    .on_hover_text(f.to_string());
            }
        }
        ui.separator();
        value(ui, "Clearance", r.clearance_mm, 2, " mm");
        value(ui, "p.s.c.", r.psc_mm, 2, " mm");
        value(
            ui,
            "σH",
            r.stress.as_ref().map(|s| s.sigma_h_mpa),
            1,
            " MPa",
        );
        value(
            ui,
            "Yield ratio",
            r.stress.as_ref().map(|s| s.yield_ratio),
            3,
            "",
        );
        risk_label(ui, d.results.patient.risk.as_ref(), "Risk ");
    });
    for f in &r.flags {
        if matches!(f, Flag::PlanNotMeasured { .. } | Flag::PlannedBreach { .. }) {
            ui.colored_label(WARN, f.to_string());
        }
    }
}

/// "–" or the value to `decimals`.
fn cell(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.decimals$}"))
}

/// Every screw's plan values in one table; clicking a screw shows it.
pub fn all_screws(ui: &mut egui::Ui, d: &Derived, shown: Option<(Level, Side)>) -> Vec<Action> {
    let mut out = Vec::new();
    egui::Grid::new("plan_all_screws")
        .striped(true)
        .show(ui, |ui| {
            for h in [
                "Screw",
                "Isthmus T × CC mm",
                "Med",
                "Lat",
                "Cran",
                "Caud",
                "Grade",
                "Auto mm",
                "Caliper mm",
                "Clearance mm",
                "σH MPa",
                "Yield",
            ] {
                ui.label(RichText::new(h).small().strong());
            }
            ui.end_row();
            for r in &d.results.screws {
                let s = &r.screw;
                let key = (s.level, s.side);
                let text = format!("{} {}", s.level, s.side);
                if ui
                    .selectable_label(shown == Some(key), text)
                    .on_hover_text("Show this screw")
                    .clicked()
                {
                    out.push(Action::PlanScrew(Some(key)));
                }
                let p = r.pedicle.as_ref();
                ui.label(match p {
                    Some(p) => format!(
                        "{:.2} × {:.2}",
                        p.isthmus_width_transverse_mm, p.isthmus_width_craniocaudal_mm
                    ),
                    None if s.plan.is_none() => "no plan".into(),
                    None => "–".into(),
                });
                for v in [
                    p.map(|p| p.distance_medial_mm),
                    p.map(|p| p.distance_lateral_mm),
                    p.map(|p| p.distance_cranial_mm),
                    p.map(|p| p.distance_caudal_mm),
                ] {
                    ui.label(cell(v, 2));
                }
                match p {
                    Some(p) => {
                        ui.colored_label(grade_colour(p.breach_grade), p.breach_grade.letter())
                    }
                    None => ui.label("–"),
                };
                ui.label(cell(r.pedicle_thickness_auto_mm, 2));
                let disagree = r
                    .flags
                    .iter()
                    .any(|f| matches!(f, Flag::ThicknessDisagreement { .. }));
                let caliper = cell(r.pedicle_thickness_caliper_mm, 2);
                if disagree {
                    ui.colored_label(WARN, format!("{caliper} (> 1 mm apart)"));
                } else {
                    ui.label(caliper);
                }
                ui.label(cell(r.clearance_mm, 2));
                ui.label(cell(r.stress.as_ref().map(|x| x.sigma_h_mpa), 1));
                ui.label(cell(r.stress.as_ref().map(|x| x.yield_ratio), 3));
                ui.end_row();
            }
        });
    out
}
