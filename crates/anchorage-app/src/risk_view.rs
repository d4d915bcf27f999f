//! The risk view: the model's nomogram drawn from its geometry (`RiskModel::nomogram`) —
//! the points axis, one axis per predictor, total points and the risk axis — with the
//! patient marked on each, the risk against the cutoff, and the model's provenance in
//! plain words. A research aid, not a diagnosis.

use egui::{Align2, Color32, FontId, Pos2, RichText, Sense, Stroke, vec2};

use super::derived::Derived;
use super::style::{RESEARCH_AID, WARN};

const PATIENT: Color32 = Color32::from_rgb(255, 90, 200);

/// The risk view.
pub fn ui(ui: &mut egui::Ui, d: &Derived) {
    if let Some(why) = &d.refused {
        ui.colored_label(WARN, format!("No risk: {why}"));
        return;
    }
    let model = &d.models.risk;
    let p = &d.results.patient;
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Risk model: {} {}",
                model.info.name, model.info.version
            ))
            .strong(),
        );
        ui.colored_label(WARN, RESEARCH_AID);
    });
    let cutoff_text = {
        let mut t = format!("cutoff {:.1} %", model.cutoff * 100.0);
        if let (Some(se), Some(sp)) = (model.cutoff_sensitivity, model.cutoff_specificity) {
            t.push_str(&format!(
                " (sensitivity {:.1} %, specificity {:.1} %)",
                se * 100.0,
                sp * 100.0
            ));
        }
        t
    };
    match &p.risk {
        Some(r) => {
            let verdict = if r.high_risk { "at or above" } else { "below" };
            let text = format!(
                "Loosening risk at 12 months: {:.1} % — {verdict} the {cutoff_text}. Total points {:.0}.",
                r.risk * 100.0,
                r.total_points
            );
            if r.high_risk {
                ui.colored_label(WARN, RichText::new(text).strong());
            } else {
                ui.label(RichText::new(text).strong());
            }
            for f in &r.flags {
                ui.colored_label(WARN, format!("Warning: {f}"));
            }
        }
        None => {
            let mut missing = Vec::new();
            if p.age_years.is_none() {
                missing.push("age");
            }
            if p.goutallier.is_none() {
                missing.push("Goutallier grade");
            }
            if p.pbq.is_none() {
                missing.push("PBQ (pedicle and CSF ROIs on MR)");
            }
            if p.hu_ratio.is_none() {
                missing.push("HU ratio (B-HU and ST-HU at the reference level)");
            }
            ui.label(format!(
                "No risk yet: missing {}. The {cutoff_text}.",
                missing.join(", ")
            ));
        }
    }
    ui.label(
        RichText::new(format!(
            "Provenance: {} Source: {}",
            model.info.provenance, model.info.source
        ))
        .small(),
    );

    let nomo = model.nomogram();
    let rows = nomo.axes.len() + 3;
    let row_h = 34.0;
    let (rect, _) = ui.allocate_exact_size(
        vec2(ui.available_width().max(300.0), row_h * rows as f32 + 10.0),
        Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let left = rect.left() + 130.0;
    let right = rect.right() - 30.0;
    let w = (right - left).max(10.0);
    let text = ui.visuals().text_color();
    let axis = Stroke::new(1.0, text);
    let font = FontId::proportional(11.0);
    let title_font = FontId::proportional(13.0);
    let x_points = |pts: f64| left + (pts / nomo.points_axis_max.max(1e-9)) as f32 * w;
    let span = (nomo.total_points.max - nomo.total_points.min).max(1e-9);
    let x_total = |t: f64| left + ((t - nomo.total_points.min) / span) as f32 * w;
    let row_y = |i: usize| rect.top() + 14.0 + row_h * i as f32;
    let draw_axis = |i: usize, title: &str, ticks: &[(f32, String)]| {
        let y = row_y(i);
        painter.text(
            Pos2::new(rect.left() + 4.0, y),
            Align2::LEFT_CENTER,
            title,
            title_font.clone(),
            text,
        );
        if let (Some(a), Some(b)) = (
            ticks.iter().map(|t| t.0).reduce(f32::min),
            ticks.iter().map(|t| t.0).reduce(f32::max),
        ) {
            painter.line_segment([Pos2::new(a, y), Pos2::new(b, y)], axis);
        }
        for (x, label) in ticks {
            painter.line_segment([Pos2::new(*x, y - 4.0), Pos2::new(*x, y)], axis);
            painter.text(
                Pos2::new(*x, y + 2.0),
                Align2::CENTER_TOP,
                label,
                font.clone(),
                text,
            );
        }
    };
    let marker = |i: usize, x: f32, label: String| {
        let y = row_y(i);
        painter.circle_filled(Pos2::new(x, y), 5.0, PATIENT);
        painter.text(
            Pos2::new(x + 7.0, y - 6.0),
            Align2::LEFT_BOTTOM,
            label,
            font.clone(),
            PATIENT,
        );
    };
    // Points axis.
    let step = if nomo.points_axis_max > 60.0 {
        10.0
    } else {
        5.0
    };
    let point_ticks: Vec<(f32, String)> = (0..)
        .map(|k| k as f64 * step)
        .take_while(|v| *v <= nomo.points_axis_max + 1e-9)
        .map(|v| (x_points(v), format!("{v:.0}")))
        .collect();
    draw_axis(0, "Points", &point_ticks);
    let r = p.risk.as_ref();
    for (i, ax) in nomo.axes.iter().enumerate() {
        let ticks: Vec<(f32, String)> = ax
            .ticks
            .iter()
            .map(|t| (x_points(t.points), t.label.clone()))
            .collect();
        let title = if ax.unit.is_empty() {
            ax.name.clone()
        } else {
            format!("{} ({})", ax.name, ax.unit)
        };
        draw_axis(i + 1, &title, &ticks);
        if let Some(r) = r {
            let (pts, value) = match i {
                0 => (r.points.age, format!("{:.0}", r.age_years)),
                1 => (r.points.pbq, format!("{:.2}", r.pbq)),
                2 => (r.points.hu_ratio, format!("{:.3}", r.hu_ratio)),
                _ => (r.points.goutallier, format!("{}", r.goutallier)),
            };
            marker(i + 1, x_points(pts), format!("{value}: {pts:.0} pts"));
        }
    }
    let n = nomo.axes.len();
    let tstep = if span > 200.0 { 50.0 } else { 20.0 };
    let total_ticks: Vec<(f32, String)> = (0..)
        .map(|k| nomo.total_points.min + k as f64 * tstep)
        .take_while(|v| *v <= nomo.total_points.max + 1e-9)
        .map(|v| (x_total(v), format!("{v:.0}")))
        .collect();
    draw_axis(n + 1, "Total points", &total_ticks);
    let risk_ticks: Vec<(f32, String)> = nomo
        .risk_axis
        .iter()
        .map(|t| {
            (
                x_total(t.total_points),
                format!("{}", (t.risk * 1000.0).round() / 1000.0),
            )
        })
        .collect();
    draw_axis(n + 2, "Risk", &risk_ticks);
    if let Some(t) = model.risk_to_total_points(model.cutoff) {
        let x = x_total(t);
        let y = row_y(n + 2);
        painter.line_segment(
            [Pos2::new(x, y - 12.0), Pos2::new(x, y + 12.0)],
            Stroke::new(2.0, Color32::from_rgb(230, 80, 80)),
        );
        painter.text(
            Pos2::new(x, y - 12.0),
            Align2::CENTER_BOTTOM,
            "cutoff",
            font.clone(),
            Color32::from_rgb(230, 80, 80),
        );
    }
    if let Some(r) = r {
        let x = x_total(r.total_points);
        marker(n + 1, x, format!("{:.0}", r.total_points));
        marker(n + 2, x, format!("{:.1} %", r.risk * 100.0));
        painter.line_segment(
            [Pos2::new(x, row_y(n + 1)), Pos2::new(x, row_y(n + 2))],
            Stroke::new(1.0, PATIENT),
        );
    }
}
