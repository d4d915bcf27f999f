//! The patient panel: the risk model's patient inputs (age, Goutallier grade), the planned
//! screws in an editable table (level, side, diameter, length, interference, optional EMG
//! threshold and torque), and the deliberate fallback choices (reference level of the HU
//! ratio, CSF level). Edits come back as actions; the App records them in the session.

use egui::RichText;

use super::action::Action;
use anchorage_core::session::{Level, PatientInputs, ProtocolChoices, Screw, Session, Side};

/// A new screw: the next free side at the last planned level (L4 first), 6.5 × 45 mm,
/// interference 0.5 mm.
pub fn default_screw(screws: &[Screw]) -> Screw {
    let (level, side) = match screws.last() {
        None => (Level::L4, Side::L),
        Some(s)
            if s.side == Side::L
                && !screws
                    .iter()
                    .any(|x| x.level == s.level && x.side == Side::R) =>
        {
            (s.level, Side::R)
        }
        Some(s) => {
            let i = Level::ALL.iter().position(|l| *l == s.level).unwrap_or(0);
            (Level::ALL.get(i + 1).copied().unwrap_or(s.level), Side::L)
        }
    };
    Screw::planned(level, side)
}

fn optional(
    ui: &mut egui::Ui,
    value: &mut Option<f64>,
    default: f64,
    suffix: &str,
    name: &str,
) -> bool {
    let mut on = value.is_some();
    let mut changed = false;
    if ui
        .checkbox(&mut on, "")
        .on_hover_text(format!("Give the {name}"))
        .changed()
    {
        *value = on.then_some(default);
        changed = true;
    }
    if let Some(v) = value {
        changed |= ui
            .add(
                egui::DragValue::new(v)
                    .range(0.0..=100.0)
                    .speed(0.1)
                    .suffix(suffix),
            )
            .accessible_name(name)
            .changed();
    }
    changed
}

/// The patient panel.
pub fn ui(ui: &mut egui::Ui, session: &Session) -> Vec<Action> {
    let mut out = Vec::new();
    ui.strong("Patient");
    let mut p: PatientInputs = session.patient.clone();
    egui::Grid::new("patient_inputs")
        .num_columns(2)
        .show(ui, |ui| {
            let mut on = p.age_years.is_some();
            if ui
                .checkbox(&mut on, "Age")
                .on_hover_text("Tick when the age is known")
                .changed()
            {
                p.age_years = on.then_some(p.age_years.unwrap_or(60.0));
            }
            if let Some(age) = p.age_years.as_mut() {
                ui.add(
                    egui::DragValue::new(age)
                        .range(0.0..=120.0)
                        .speed(0.2)
                        .max_decimals(0)
                        .suffix(" y"),
                )
                .accessible_name("Age in years");
            } else {
                ui.label("–");
            }
            ui.end_row();
            ui.label("Goutallier");
            egui::ComboBox::from_id_salt("goutallier")
                .selected_text(
                    p.goutallier
                        .map_or("–".to_string(), |g| format!("grade {g}")),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut p.goutallier, None, "–");
                    for g in 0..=4u8 {
                        ui.selectable_value(&mut p.goutallier, Some(g), format!("grade {g}"));
                    }
                })
                .response
                .accessible_name("Goutallier grade")
                .on_hover_text("Fatty infiltration of the multifidus, the worse side (0–4)");
            ui.end_row();
        });
    if p != session.patient {
        out.push(Action::SetPatient(p));
    }

    let mut c: ProtocolChoices = session.choices.clone();
    ui.horizontal(|ui| {
        ui.label("HU ratio level");
        level_combo(ui, "ref_level", &mut c.reference_level)
            .accessible_name("HU ratio reference level")
            .on_hover_text(
                "L3; choose L2 or L4 when L3 cannot be measured (recorded as a fallback)",
            );
        ui.label("CSF");
        level_combo(ui, "csf_level", &mut c.csf_level)
            .accessible_name("CSF level")
            .on_hover_text("L3; choose L2 or L4 when L3's CSF is affected (recorded)");
    });
    if c.reference_level != anchorage_core::session::Level::L3
        || c.csf_level != anchorage_core::session::Level::L3
    {
        ui.label(
            RichText::new("Fallback level chosen: it is recorded and flagged in the export.")
                .small(),
        );
    }
    if c != session.choices {
        out.push(Action::SetChoices(c));
    }

    ui.add_space(4.0);
    ui.strong("Planned screws");
    let mut screws = session.screws.clone();
    let mut remove = None;
    egui::Grid::new("screws")
        .striped(true)
        .num_columns(8)
        .show(ui, |ui| {
            for h in [
                "Level",
                "Side",
                "Ø mm",
                "Length",
                "δB mm",
                "EMG mA",
                "Torque N·m",
                "",
            ] {
                ui.label(RichText::new(h).small());
            }
            ui.end_row();
            for (i, s) in screws.iter_mut().enumerate() {
                level_combo(ui, &format!("screw{i}_level"), &mut s.level)
                    .accessible_name(format!("Screw {} level", i + 1));
                egui::ComboBox::from_id_salt(format!("screw{i}_side"))
                    .width(36.0)
                    .selected_text(s.side.as_str())
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut s.side, Side::L, "L");
                        ui.selectable_value(&mut s.side, Side::R, "R");
                    })
                    .response
                    .accessible_name(format!("Screw {} side", i + 1));
                ui.add(
                    egui::DragValue::new(&mut s.diameter_mm)
                        .range(2.0..=12.0)
                        .speed(0.05),
                )
                .accessible_name(format!("Screw {} diameter", i + 1))
                .on_hover_text("Screw diameter, mm");
                ui.add(
                    egui::DragValue::new(&mut s.length_mm)
                        .range(10.0..=120.0)
                        .speed(0.5),
                )
                .accessible_name(format!("Screw {} length", i + 1))
                .on_hover_text("Screw length, mm");
                ui.add(
                    egui::DragValue::new(&mut s.interference_mm)
                        .range(0.0..=2.0)
                        .speed(0.01),
                )
                .accessible_name(format!("Screw {} interference", i + 1))
                .on_hover_text("Interference δB, mm (0.5: hole tapped 1 mm under the diameter)");
                ui.horizontal(|ui| {
                    optional(ui, &mut s.emg_threshold_ma, 15.0, "", "EMG threshold")
                });
                ui.horizontal(|ui| {
                    optional(ui, &mut s.insertion_torque_nm, 1.0, "", "insertion torque")
                });
                if ui
                    .small_button("x")
                    .accessible_name(format!("Remove screw {}", i + 1))
                    .on_hover_text("Remove this screw")
                    .clicked()
                {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        screws.remove(i);
    }
    ui.horizontal(|ui| {
        if ui
            .button("Add screw")
            .on_hover_text("Plan one more screw")
            .clicked()
        {
            let s = default_screw(&screws);
            screws.push(s);
        }
        if screws.is_empty()
            && ui
                .button("Plan L4–L5 (4 screws)")
                .on_hover_text("A common plan: L4 and L5, both sides, 6.5 × 45 mm")
                .clicked()
        {
            for _ in 0..4 {
                let s = default_screw(&screws);
                screws.push(s);
            }
        }
    });
    if screws != session.screws {
        out.push(Action::SetScrews(screws));
    }
    out
}

fn level_combo(ui: &mut egui::Ui, salt: &str, level: &mut Level) -> egui::Response {
    egui::ComboBox::from_id_salt(salt)
        .width(48.0)
        .selected_text(level.as_str())
        .show_ui(ui, |ui| {
            for l in Level::ALL {
                ui.selectable_value(level, l, l.as_str());
            }
        })
        .response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_screws_fill_both_sides_then_the_next_level() {
        let mut v = Vec::new();
        for _ in 0..4 {
            let s = default_screw(&v);
            v.push(s);
        }
        let got: Vec<(Level, Side)> = v.iter().map(|s| (s.level, s.side)).collect();
        assert_eq!(
            got,
            vec![
                (Level::L4, Side::L),
                (Level::L4, Side::R),
                (Level::L5, Side::L),
                (Level::L5, Side::R)
            ]
        );
    }
}
