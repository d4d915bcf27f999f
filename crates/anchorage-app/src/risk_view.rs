//! The risk view: the model's nomogram drawn from its geometry (`RiskModel::nomogram`) —
//! the points axis, one axis per predictor, total points and the risk axis — with the
//! patient marked on each, the risk against the cutoff, and the model's source and status
//! in plain words. The whole view scrolls, with its scroll bars always shown, so the risk
//! axis under "Total points" is never cut off; tick labels that would run together are
//! left out. A research aid, not a diagnosis.

use egui::{Align2, Color32, FontId, Id, Pos2, Rect, RichText, Sense, Stroke, vec2};

use super::derived::Derived;
use super::style::{RESEARCH_AID, WARN};
use anchorage_core::models::risk::nice_step;

const PATIENT: Color32 = Color32::from_rgb(255, 90, 200);

/// Why the Goutallier axis reads 1, 2, 4, 3 (the core's text, shared with the planning
/// report).
pub use anchorage_core::models::risk::GOUTALLIER_ORDER;

/// Where the risk view last drew its bottom row and what it could show, for the window
/// tests: the risk axis's row, the visible part of the scroll area and the height of
/// everything in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskLayout {
    /// The risk axis's row (the nomogram's bottom row), screen points.
    pub risk_row: Rect,
    /// The visible part of the scroll area, screen points.
    pub viewport: Rect,
    /// The height of the scrolled content, points.
    pub content_height: f32,
    /// Whether the scroll bars are solid (shown without hovering), not floating.
    pub solid_bars: bool,
}

impl RiskLayout {
    /// The layout of the last frame that drew the risk view.
    pub fn last(ctx: &egui::Context) -> Option<RiskLayout> {
        ctx.data(|d| d.get_temp(layout_id()))
    }
}

fn layout_id() -> Id {
    Id::unique("risk_view_layout")
}

/// The risk view, in its own scroll area (solid scroll bars, always shown: egui's default
/// floating bars stay invisible until the pointer is over them).
pub fn ui(ui: &mut egui::Ui, d: &Derived) {
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    let solid_bars = !ui.spacing().scroll.floating;
    let out = egui::ScrollArea::both()
        .id_salt("risk_scroll")
        .max_height(ui.available_height())
        .auto_shrink([false, false])
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
        .show(ui, |ui| content(ui, d));
    if let Some(row) = out.inner {
        let layout = RiskLayout {
            risk_row: row,
            viewport: out.inner_rect,
            content_height: out.content_size.y,
            solid_bars,
        };
        ui.ctx().data_mut(|d| d.insert_temp(layout_id(), layout));
    }
}

/// The view's content; returns the risk axis's row when the nomogram was drawn.
fn content(ui: &mut egui::Ui, d: &Derived) -> Option<Rect> {
    if let Some(why) = &d.refused {
        ui.colored_label(WARN, format!("No risk: {why}"));
        return None;
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
        )
        .on_hover_text(about(model));
        ui.colored_label(WARN, RESEARCH_AID);
    });
    let cutoff_text = model.cutoff_text();
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
            let missing = p.missing_risk_inputs();
            ui.label(format!(
                "No risk yet: missing {}. The {cutoff_text}.",
                missing.join(", ")
            ));
        }
    }
    ui.label(RichText::new(format!("Status: {}", model.info.provenance)).small())
        .on_hover_text(format!("Source: {}", model.info.source));

    let nomo = model.nomogram();
    let rows = nomo.axes.len() + 3;
    let row_h = 34.0;
    let (rect, _) = ui.allocate_exact_size(
        vec2(ui.available_width().max(420.0), row_h * rows as f32 + 10.0),
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
        // Labels left to right; one that would touch the last one drawn is left out
        // (its tick stays), so a narrow view shows fewer labels rather than a smear.
        let mut order: Vec<&(f32, String)> = ticks.iter().collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut last_right = f32::NEG_INFINITY;
        for (x, label) in order {
            painter.line_segment([Pos2::new(*x, y - 4.0), Pos2::new(*x, y)], axis);
            let galley = painter.layout_no_wrap(label.clone(), font.clone(), text);
            let half = galley.size().x / 2.0;
            if x - half < last_right + 6.0 {
                continue;
            }
            last_right = x + half;
            painter.galley(Pos2::new(x - half, y + 2.0), galley, text);
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
    // Points axis: a step that leaves at least 34 points between ticks.
    let step = nice_step(nomo.points_axis_max, w, 34.0);
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
        draw_axis(i + 1, &ax.title(), &ticks);
        if ax.name.contains("Goutallier") {
            let y = row_y(i + 1);
            let row = Rect::from_x_y_ranges(rect.x_range(), (y - row_h / 2.0)..=(y + row_h / 2.0));
            ui.interact(row, ui.scope_id().with("goutallier_row"), Sense::hover())
                .on_hover_text(GOUTALLIER_ORDER);
        }
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
    let tstep = nice_step(span, w, 34.0);
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
    ui.label(RichText::new(GOUTALLIER_ORDER).small().weak());
    let y = row_y(n + 2);
    Some(Rect::from_x_y_ranges(
        rect.x_range(),
        (y - row_h / 2.0)..=(y + row_h / 2.0),
    ))
}

/// The model's source and status, for the hover text of its name.
fn about(model: &anchorage_core::models::risk::RiskModel) -> String {
    format!(
        "Source: {}\n\nStatus: {}",
        model.info.source, model.info.provenance
    )
}
