//! The results panel: the protocols' per-level, per-screw and patient values (derived in
//! [`crate::derived`], never stored). Every value is a button: clicking it highlights the
//! ROIs it came from ([`Action::Trace`]).

use egui::RichText;

use super::action::Action;
use super::derived::Derived;
use super::style::WARN;
use super::widgets::risk_label;
use anchorage_core::pipeline::Notice;
use anchorage_core::protocol::Flag;
use anchorage_core::session::{Level, ModelChoice, Role, Session};

/// Flags' texts joined with "; ".
fn join(flags: &[Flag]) -> String {
    let texts: Vec<String> = flags.iter().map(ToString::to_string).collect();
    texts.join("; ")
}

/// Formats an optional value to `decimals`, "–" when missing.
pub fn fmt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.decimals$}"))
}

fn of_role(session: &Session, ids: &[u64], roles: &[Role]) -> Vec<u64> {
    ids.iter()
        .copied()
        .filter(|id| session.roi(*id).is_some_and(|r| roles.contains(&r.role)))
        .collect()
}

/// One traceable value: a small button that highlights its ROIs.
fn value(
    ui: &mut egui::Ui,
    text: String,
    ids: Vec<u64>,
    highlighted: &[u64],
    out: &mut Vec<Action>,
) {
    let on = !ids.is_empty() && ids.as_slice() == highlighted;
    let r = ui.selectable_label(on, text);
    let r = if ids.is_empty() {
        r.on_hover_text("Not measured")
    } else {
        let list: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
        r.on_hover_text(format!(
            "From ROI {}: click to highlight them",
            list.join(", ")
        ))
    };
    if r.clicked() && !ids.is_empty() {
        out.push(Action::Trace(ids));
    }
}

/// The results view: per screw, per level, and the patient.
pub fn ui(ui: &mut egui::Ui, session: &Session, d: &Derived, highlighted: &[u64]) -> Vec<Action> {
    let mut out = Vec::new();
    if let Some(why) = &d.refused {
        refused(ui, why, &session.models, &mut out);
        notices(ui, d);
        return out;
    }
    let r = &d.results;
    let b_hu_rois = |level: Option<Level>| -> Vec<u64> {
        level
            .and_then(|l| r.levels.iter().find(|x| x.level == l))
            .map(|x| x.b_hu_rois.clone())
            .unwrap_or_default()
    };
    egui::ScrollArea::vertical()
        .id_salt("results_scroll")
        .max_height(ui.available_height())
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.strong("Patient");
            let p = &r.patient;
            let pedicles: Vec<u64> = session
                .rois
                .iter()
                .filter(|x| {
                    x.role == Role::PedicleSi
                        || (x.role == Role::CsfSi && x.level == Some(p.csf_level))
                })
                .filter(|x| d.measurements.contains_key(&x.id))
                .map(|x| x.id)
                .collect();
            egui::ScrollArea::horizontal()
                .id_salt("patient_results_scroll")
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    egui::Grid::new("patient_results")
                        .striped(true)
                        .show(ui, |ui| {
                            ui.label(format!("HU ratio ({})", p.hu_ratio_level));
                            let ref_rois = r
                                .levels
                                .iter()
                                .find(|l| l.level == p.hu_ratio_level)
                                .map(|l| [l.rois.clone(), l.b_hu_rois.clone()].concat())
                                .unwrap_or_default();
                            value(ui, fmt(p.hu_ratio, 3), ref_rois, highlighted, &mut out);
                            ui.label(format!("CSF SI ({})", p.csf_level));
                            let csf: Vec<u64> = session
                                .rois
                                .iter()
                                .filter(|x| {
                                    x.role == Role::CsfSi
                                        && x.level == Some(p.csf_level)
                                        && d.measurements.contains_key(&x.id)
                                })
                                .map(|x| x.id)
                                .collect();
                            value(ui, fmt(p.csf_si, 1), csf, highlighted, &mut out);
                            ui.label("PBQ");
                            value(ui, fmt(p.pbq, 3), pedicles, highlighted, &mut out);
                            ui.label("Loosening risk");
                            risk_label(ui, p.risk.as_ref(), "");
                            ui.end_row();
                        })
                });
            for f in &p.flags {
                ui.colored_label(WARN, format!("Warning: {f}"));
            }
            ui.add_space(6.0);
            ui.strong("Per screw");
            if r.screws.is_empty() {
                ui.label("No screws planned: add them in the patient panel.");
            }
            frozen_table(
                ui,
                "screw_results",
                &[
                    "Screw",
                    "B-HU",
                    "ST-HU",
                    "HU ratio",
                    "Thickness mm",
                    "Clearance mm",
                    "p.s.c. mm",
                    "σH MPa",
                    "Yield ratio",
                    "Warnings",
                ],
                r.screws.len(),
                |ui, i, first| {
                    let Some(s) = r.screws.get(i) else {
                        return;
                    };
                    let st = of_role(session, &s.rois, &[Role::StHu]);
                    let cal = of_role(session, &s.rois, &[Role::PedicleThickness]);
                    let bh = b_hu_rois(s.b_hu_level);
                    if first {
                        let text = format!(
                            "{} {} ({:.1} × {:.0})",
                            s.screw.level, s.screw.side, s.screw.diameter_mm, s.screw.length_mm
                        );
                        if ui
                            .selectable_label(false, text)
                            .on_hover_text("Plan this screw in 3-D: its views along the axis")
                            .clicked()
                        {
                            out.push(Action::PlanScrew(Some((s.screw.level, s.screw.side))));
                        }
                        return;
                    }
                    let b_text = match (s.b_hu, s.b_hu_level) {
                        (Some(v), Some(l)) if l != s.screw.level => format!("{v:.1} ({l})"),
                        (v, _) => fmt(v, 1),
                    };
                    value(ui, b_text, bh.clone(), highlighted, &mut out);
                    value(ui, fmt(s.st_hu, 1), st.clone(), highlighted, &mut out);
                    value(
                        ui,
                        fmt(s.hu_ratio, 3),
                        [st, bh].concat(),
                        highlighted,
                        &mut out,
                    );
                    value(
                        ui,
                        fmt(s.pedicle_thickness_mm, 2),
                        cal.clone(),
                        highlighted,
                        &mut out,
                    );
                    let neg = s.clearance_mm.is_some_and(|c| c < 0.0);
                    let c_text = fmt(s.clearance_mm, 2);
                    value(
                        ui,
                        if neg {
                            format!("{c_text} (negative)")
                        } else {
                            c_text
                        },
                        cal.clone(),
                        highlighted,
                        &mut out,
                    );
                    value(ui, fmt(s.psc_mm, 2), cal.clone(), highlighted, &mut out);
                    let stress = s.stress.as_ref();
                    value(
                        ui,
                        fmt(stress.map(|x| x.sigma_h_mpa), 1),
                        s.rois.clone(),
                        highlighted,
                        &mut out,
                    );
                    let yr = stress.map(|x| x.yield_ratio);
                    let yr_text = fmt(yr, 3);
                    if yr.is_some_and(|y| y >= 1.0) {
                        ui.colored_label(WARN, format!("{yr_text} (yields)"));
                    } else {
                        value(ui, yr_text, s.rois.clone(), highlighted, &mut out);
                    }
                    let mut flags: Vec<String> = s.flags.iter().map(ToString::to_string).collect();
                    if let Some(x) = stress {
                        flags.extend(x.flags.iter().map(ToString::to_string));
                    }
                    flags.dedup();
                    if flags.is_empty() {
                        ui.label("–");
                    } else {
                        ui.colored_label(WARN, format!("Warning: {}", flags.join("; ")));
                    }
                },
            );
            ui.add_space(6.0);
            ui.strong("Per level");
            let levels: Vec<_> = r
                .levels
                .iter()
                .filter(|l| !l.rois.is_empty() || !l.b_hu_rois.is_empty())
                .collect();
            frozen_table(
                ui,
                "level_results",
                &[
                    "Level",
                    "B-HU",
                    "planes",
                    "ST-HU L",
                    "ST-HU R",
                    "ST-HU",
                    "HU ratio",
                    "Pedicle SI L",
                    "Pedicle SI R",
                    "Segmental SI",
                    "Warnings",
                ],
                levels.len(),
                |ui, i, first| {
                    // Levels with nothing measured yet are left out (all dashes).
                    let Some(l) = levels.get(i).copied() else {
                        return;
                    };
                    {
                        let by =
                            |role: Role, side: Option<anchorage_core::session::Side>| -> Vec<u64> {
                                l.rois
                                    .iter()
                                    .copied()
                                    .filter(|id| {
                                        session.roi(*id).is_some_and(|x| {
                                            x.role == role && (side.is_none() || x.side == side)
                                        })
                                    })
                                    .collect()
                            };
                        use anchorage_core::session::Side::{L, R};
                        if first {
                            ui.label(l.level.as_str());
                            return;
                        }
                        value(
                            ui,
                            fmt(l.b_hu, 1),
                            l.b_hu_rois.clone(),
                            highlighted,
                            &mut out,
                        );
                        ui.label(format!("{}/3", l.b_hu_planes));
                        value(
                            ui,
                            fmt(l.st_hu_left, 1),
                            by(Role::StHu, Some(L)),
                            highlighted,
                            &mut out,
                        );
                        value(
                            ui,
                            fmt(l.st_hu_right, 1),
                            by(Role::StHu, Some(R)),
                            highlighted,
                            &mut out,
                        );
                        value(
                            ui,
                            fmt(l.st_hu, 1),
                            by(Role::StHu, None),
                            highlighted,
                            &mut out,
                        );
                        value(
                            ui,
                            fmt(l.hu_ratio, 3),
                            [by(Role::StHu, None), l.b_hu_rois.clone()].concat(),
                            highlighted,
                            &mut out,
                        );
                        value(
                            ui,
                            fmt(l.pedicle_si_left, 1),
                            by(Role::PedicleSi, Some(L)),
                            highlighted,
                            &mut out,
                        );
                        value(
                            ui,
                            fmt(l.pedicle_si_right, 1),
                            by(Role::PedicleSi, Some(R)),
                            highlighted,
                            &mut out,
                        );
                        value(
                            ui,
                            fmt(l.segmental_si, 1),
                            by(Role::PedicleSi, None),
                            highlighted,
                            &mut out,
                        );
                        if l.flags.is_empty() {
                            ui.label("–");
                        } else {
                            ui.colored_label(WARN, format!("Warning: {}", join(&l.flags)));
                        }
                    }
                },
            );
            notices(ui, d);
        });
    out
}

/// A table whose first column stays in place while the others scroll sideways (as in a
/// spreadsheet with its first column frozen): `cells(ui, row, first)` draws row `row`'s
/// first cell when `first`, else its other cells. Rows are one line high in both parts.
fn frozen_table(
    ui: &mut egui::Ui,
    id: &str,
    headers: &[&str],
    rows: usize,
    mut cells: impl FnMut(&mut egui::Ui, usize, bool),
) {
    let h = ui.spacing().interact_size.y + 2.0;
    let head = |ui: &mut egui::Ui, t: &str| {
        ui.label(RichText::new(t).strong());
    };
    ui.horizontal_top(|ui| {
        egui::Grid::new((id, "first"))
            .striped(true)
            .min_row_height(h)
            .show(ui, |ui| {
                if let Some(first) = headers.first() {
                    head(ui, first);
                }
                ui.end_row();
                for i in 0..rows {
                    cells(ui, i, true);
                    ui.end_row();
                }
            });
        egui::ScrollArea::horizontal()
            .id_salt((id, "scroll"))
            .auto_shrink([false, true])
            .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
            .show(ui, |ui| {
                egui::Grid::new((id, "rest"))
                    .striped(true)
                    .min_row_height(h)
                    .show(ui, |ui| {
                        for t in headers.iter().skip(1) {
                            head(ui, t);
                        }
                        ui.end_row();
                        for i in 0..rows {
                            cells(ui, i, false);
                            ui.end_row();
                        }
                    });
            });
    });
}

/// Why no result is shown, and the way out: the session's model choice dropped for the
/// bundled models (one undo step).
pub fn refused(ui: &mut egui::Ui, why: &str, models: &ModelChoice, out: &mut Vec<Action>) {
    ui.colored_label(WARN, format!("No results: {why}"));
    ui.label(
        "Numbers from another model would not be the ones this session chose, so none are \
         shown or exported. Restore the file, or use the bundled models.",
    );
    if ui
        .button("Use the bundled models")
        .on_hover_text("Remove the session's model file choice (undo restores it)")
        .clicked()
    {
        out.push(Action::SetModels(ModelChoice {
            stress_model: None,
            risk_model: None,
            ..models.clone()
        }));
    }
}

/// The ROIs out of the results, and the measurements' warnings, each naming its ROI.
fn notices(ui: &mut egui::Ui, d: &Derived) {
    let (out, warnings): (Vec<&Notice>, Vec<&Notice>) = d.notices.iter().partition(|n| n.is_out());
    for (list, title) in [
        (out, "ROI(s) not in the results"),
        (warnings, "ROI warning(s)"),
    ] {
        if !list.is_empty() {
            ui.collapsing(format!("{} {title}", list.len()), |ui| {
                for n in list {
                    ui.add(egui::Label::new(&n.message).wrap());
                }
            });
        }
    }
}
