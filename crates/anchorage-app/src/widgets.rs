//! Small widgets more than one panel uses: the level and side pickers and an ROI's quick
//! menu (role, level, side, delete), shown from the ROI list and from the image.

use egui::RichText;

use super::action::{Action, CommandId};
use super::commands::menu_item;
use super::labels::title;
use anchorage_core::models::risk::RiskResult;
use anchorage_core::session::{Level, Roi, Role, Session, Side};

/// Level and side pickers (with "–" for none).
pub fn level_side_combos(
    ui: &mut egui::Ui,
    salt: &str,
    level: &mut Option<Level>,
    side: &mut Option<Side>,
) -> bool {
    let mut changed = false;
    egui::ComboBox::from_id_salt(format!("{salt}_level"))
        .width(52.0)
        .selected_text(level.map_or("level", |l| l.as_str()))
        .show_ui(ui, |ui| {
            changed |= ui.selectable_value(level, None, "–").changed();
            for l in Level::ALL {
                changed |= ui.selectable_value(level, Some(l), l.as_str()).changed();
            }
        })
        .response
        .accessible_name("Level")
        .on_hover_text("Vertebral level");
    egui::ComboBox::from_id_salt(format!("{salt}_side"))
        .width(44.0)
        .selected_text(side.map_or("side", |s| s.as_str()))
        .show_ui(ui, |ui| {
            changed |= ui.selectable_value(side, None, "–").changed();
            changed |= ui.selectable_value(side, Some(Side::L), "L").changed();
            changed |= ui.selectable_value(side, Some(Side::R), "R").changed();
        })
        .response
        .accessible_name("Side")
        .on_hover_text("Patient side (L = patient left)");
    changed
}

/// The quick menu of one ROI: role, level, side, delete.
pub fn quick_menu(ui: &mut egui::Ui, roi: &Roi, _session: &Session) -> Vec<Action> {
    let mut out = Vec::new();
    ui.label(RichText::new(title(roi)).strong());
    let mut r = roi.clone();
    ui.menu_button("Set role", |ui| {
        for role in Role::ALL
            .iter()
            .filter(|x| x.kind().is_none_or(|k| k == roi.kind))
        {
            if ui.selectable_label(r.role == *role, role.label()).clicked() {
                r.role = *role;
                ui.close();
            }
        }
    });
    ui.menu_button("Set level", |ui| {
        if ui.selectable_label(r.level.is_none(), "–").clicked() {
            r.level = None;
            ui.close();
        }
        for l in Level::ALL {
            if ui
                .selectable_label(r.level == Some(l), l.as_str())
                .clicked()
            {
                r.level = Some(l);
                ui.close();
            }
        }
    });
    ui.menu_button("Set side", |ui| {
        for (s, t) in [
            (None, "–"),
            (Some(Side::L), "L (patient left)"),
            (Some(Side::R), "R (patient right)"),
        ] {
            if ui.selectable_label(r.side == s, t).clicked() {
                r.side = s;
                ui.close();
            }
        }
    });
    if &r != roi {
        out.push(Action::UpdateRoi(r));
    }
    ui.separator();
    if menu_item(ui, CommandId::Delete, true) {
        out.push(Action::DeleteRoi(roi.id));
        ui.close();
    }
    out
}

/// The patient's loosening risk as one label, `prefix` first: "Risk 75.2 % (high)" in the
/// warning colour above the cutoff, "… (below cutoff)" under it, "Risk –" without one.
pub fn risk_label(ui: &mut egui::Ui, risk: Option<&RiskResult>, prefix: &str) {
    match risk {
        Some(x) => {
            let text = format!(
                "{prefix}{:.1} % ({})",
                x.risk * 100.0,
                if x.high_risk { "high" } else { "below cutoff" }
            );
            if x.high_risk {
                ui.colored_label(super::style::WARN, text);
            } else {
                ui.label(text);
            }
        }
        None => {
            ui.label(format!("{prefix}–"));
        }
    }
}
