//! The stress view: the paper's figure — σH against per-side pedicle-screw clearance for a
//! family of interferences or transverse forces, with the yield line — drawn from the
//! core's `stress::curve_family`, each of the patient's screws marked at its own p.s.c.
//! and σH. The material parameters and the force are editable (they live in
//! `session.models`, so the export carries them); the model is named.

use egui::RichText;
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};

use super::action::Action;
use super::derived::Derived;
use super::style::{RESEARCH_AID, WARN};
use anchorage_core::models::stress::{CurveFamily, StressOverrides, curve_family};
use anchorage_core::session::{ModelChoice, Session};

/// Which family of curves is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Family {
    /// One curve per interference δB, 0..1 mm.
    #[default]
    Interference,
    /// One curve per transverse force, 0..500 N.
    Force,
}

fn param(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut Option<f64>,
    model: f64,
    range: std::ops::RangeInclusive<f64>,
    speed: f64,
    suffix: &str,
) {
    ui.label(label);
    let mut v = value.unwrap_or(model);
    if ui
        .add(
            egui::DragValue::new(&mut v)
                .range(range)
                .speed(speed)
                .suffix(suffix),
        )
        .accessible_name(label)
        .changed()
    {
        *value = Some(v);
    }
}

/// The stress view, in its own scroll area (solid scroll bars, always shown) so nothing is cut
/// off in a small window; the figure takes the height that is left, at least 90 points.
pub fn ui(ui: &mut egui::Ui, session: &Session, d: &Derived, family: &mut Family) -> Vec<Action> {
    let plot_h = (ui.available_height() - 125.0).clamp(90.0, 320.0);
    // Solid bars: egui's default floating ones stay invisible until hovered.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::both()
        .id_salt("stress_scroll")
        .max_height(ui.available_height())
        .auto_shrink([false, false])
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
        .show(ui, |ui| content(ui, session, d, family, plot_h))
        .inner
}

fn content(
    ui: &mut egui::Ui,
    session: &Session,
    d: &Derived,
    family: &mut Family,
    plot_h: f32,
) -> Vec<Action> {
    if let Some(why) = &d.refused {
        ui.colored_label(WARN, format!("No stress figure: {why}"));
        return Vec::new();
    }
    let mut out = Vec::new();
    let base = &d.models.stress;
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Stress model: {} {}",
                base.info.name, base.info.version
            ))
            .strong(),
        )
        .on_hover_text(format!(
            "Source: {}\n\nStatus: {}",
            base.info.source, base.info.provenance
        ));
        ui.colored_label(WARN, RESEARCH_AID);
    });
    let mut m: ModelChoice = session.models.clone();
    ui.horizontal_wrapped(|ui| {
        param(
            ui,
            "Force",
            &mut m.force_n,
            base.default_force_n,
            0.0..=1000.0,
            5.0,
            " N",
        );
        param(
            ui,
            "E bone",
            &mut m.modulus_mpa,
            base.modulus_mpa,
            1.0..=20000.0,
            5.0,
            " MPa",
        );
        param(
            ui,
            "ν",
            &mut m.poisson,
            base.poisson,
            0.01..=0.49,
            0.005,
            "",
        );
        param(
            ui,
            "Yield",
            &mut m.yield_mpa,
            base.yield_mpa,
            1.0..=1000.0,
            0.5,
            " MPa",
        );
        if (m.force_n.is_some()
            || m.modulus_mpa.is_some()
            || m.poisson.is_some()
            || m.yield_mpa.is_some())
            && ui.small_button("Model defaults").clicked()
        {
            m.force_n = None;
            m.modulus_mpa = None;
            m.poisson = None;
            m.yield_mpa = None;
        }
        ui.separator();
        ui.selectable_value(family, Family::Interference, "δB family");
        ui.selectable_value(family, Family::Force, "Force family");
    });
    if m != session.models {
        out.push(Action::SetModels(m));
    }
    let overrides = StressOverrides {
        modulus_mpa: session.models.modulus_mpa,
        poisson: session.models.poisson,
        yield_mpa: session.models.yield_mpa,
    };
    let mut model = match base.with_overrides(&overrides) {
        Ok(x) => x,
        Err(e) => {
            ui.colored_label(WARN, format!("The parameters are refused: {e}"));
            base.clone()
        }
    };
    if let Some(f) = session.models.force_n {
        model.default_force_n = f;
    }
    let (dia, len) = session
        .screws
        .first()
        .map_or((6.5, 45.0), |s| (s.diameter_mm, s.length_mm));
    let fam = match family {
        Family::Interference => CurveFamily::Interference(vec![0.0, 0.25, 0.5, 0.75, 1.0]),
        Family::Force => CurveFamily::Force(vec![0.0, 100.0, 250.0, 500.0]),
    };
    let curves = curve_family(&model, dia, len, fam, (0.0, 4.0), 81);
    ui.label(
        RichText::new(format!(
            "σH (von Mises) against per-side clearance p.s.c., screw {dia:.1} × {len:.0} mm, E {:.0} MPa, ν {:.2}; {}",
            model.modulus_mpa,
            model.poisson,
            match family {
                Family::Interference => format!("Ft = {:.0} N", model.default_force_n),
                Family::Force => format!("δB = {:.2} mm", model.default_interference_mm),
            }
        ))
        .small(),
    );
    let screws: Vec<(String, [f64; 2], bool)> = d
        .results
        .screws
        .iter()
        .filter_map(|s| {
            let st = s.stress.as_ref()?;
            Some((
                format!("{} {}", s.screw.level, s.screw.side),
                [st.psc_mm, st.sigma_h_mpa],
                st.yield_ratio >= 1.0,
            ))
        })
        .collect();
    let missing = d.results.screws.len() - screws.len();
    Plot::new("stress_plot")
        .height(plot_h)
        .legend(Legend::default())
        .x_axis_label("p.s.c. (mm)")
        .y_axis_label("σH (MPa)")
        .include_x(0.0)
        .include_x(4.0)
        .include_y(0.0)
        .include_y(model.yield_mpa * 1.15)
        .allow_scroll(false)
        .show(ui, |plot| {
            for c in &curves {
                plot.line(Line::new(
                    c.label.clone(),
                    PlotPoints::new(c.points.clone()),
                ));
            }
            plot.line(
                Line::new(
                    format!("yield {:.1} MPa", model.yield_mpa),
                    PlotPoints::new(vec![[0.0, model.yield_mpa], [4.0, model.yield_mpa]]),
                )
                .color(egui::Color32::from_rgb(230, 80, 80))
                .style(egui_plot::LineStyle::dashed_loose()),
            );
            for (name, p, yields) in &screws {
                plot.points(
                    Points::new(name.clone(), vec![*p])
                        .radius(5.0)
                        .shape(if *yields {
                            egui_plot::MarkerShape::Cross
                        } else {
                            egui_plot::MarkerShape::Diamond
                        }),
                );
            }
        });
    if missing > 0 {
        ui.label(format!(
            "{missing} screw(s) not marked: their pedicle thickness is not measured yet."
        ));
    }
    out
}
