//! The report's risk section: the risk against the cutoff in words, the risk flags, the
//! nomogram drawn from the model's geometry ([`crate::models::risk::RiskModel::nomogram`],
//! as the window's risk view draws it: the points axis, one points scale per predictor
//! with the patient's value and points marked, total points and the risk axis with the
//! cutoff), and the model's name, version, source and status (provenance).

use super::layout::{AID, BODY_PT, Flow, GREY, MARGIN};
use super::pdf::{BLACK, Colour};
use crate::models::risk::{GOUTALLIER_ORDER, RiskResult, nice_step};
use crate::pipeline::Measured;

/// The patient's marks (magenta, as in the window).
const PATIENT: Colour = [1.0, 0.35, 0.78];
/// The cutoff's mark.
const CUTOFF: Colour = [0.9, 0.31, 0.31];
/// Height of one axis row, points.
const ROW_H: f32 = 30.0;
/// Width of the axis titles' column, points.
const TITLE_W: f32 = 150.0;
/// Tick label size, points.
const TICK_PT: f32 = 7.0;

/// The patient's value (as text) and points on the axis named `axis`.
fn patient_on(axis: &str, r: &RiskResult) -> Option<(String, f64)> {
    match axis {
        "Age" => Some((format!("{:.0}", r.age_years), r.points.age)),
        "PBQ score" => Some((format!("{:.2}", r.pbq), r.points.pbq)),
        "HU ratio" => Some((format!("{:.3}", r.hu_ratio), r.points.hu_ratio)),
        "Goutallier grade" => Some((r.goutallier.to_string(), r.points.goutallier)),
        _ => None,
    }
}

/// The risk in one sentence: the risk at 12 months against the cutoff (with its
/// sensitivity and specificity) and the total points; or what is missing for it.
pub fn risk_sentence(measured: &Measured) -> String {
    let model = &measured.models.risk;
    let p = &measured.results.patient;
    let cutoff_text = model.cutoff_text();
    match &p.risk {
        Some(r) => {
            let verdict = if r.high_risk { "at or above" } else { "below" };
            format!(
                "Loosening risk at 12 months: {:.1} % — {verdict} the {cutoff_text}. Total points {:.0}.",
                r.risk * 100.0,
                r.total_points
            )
        }
        None => {
            let missing = p.missing_risk_inputs();
            let why = if missing.is_empty() {
                "the model refused the inputs (see the flags)".to_string()
            } else {
                format!("missing {}", missing.join(", "))
            };
            format!("No risk: {why}. The {cutoff_text}.")
        }
    }
}

/// Draws the risk section on a new page.
pub fn draw(flow: &mut Flow, measured: &Measured) {
    let model = &measured.models.risk;
    let p = &measured.results.patient;
    flow.page();
    flow.heading("Loosening risk", 0.0);
    flow.paragraph(
        &format!("Risk model: {} {}", model.info.name, model.info.version),
        BODY_PT + 1.0,
        BLACK,
    );
    let high = p.risk.as_ref().is_some_and(|r| r.high_risk);
    flow.paragraph(
        &risk_sentence(measured),
        BODY_PT + 1.0,
        if high { AID } else { BLACK },
    );
    if let Some(r) = &p.risk {
        for f in &r.flags {
            flow.paragraph(&format!("Warning: {f}"), BODY_PT, AID);
        }
    }
    draw_nomogram(flow, measured);
    flow.paragraph(GOUTALLIER_ORDER, BODY_PT - 1.0, GREY);
    flow.y += 4.0;
    flow.paragraph(
        &format!("Source: {}", model.info.source),
        BODY_PT - 1.0,
        GREY,
    );
    flow.paragraph(
        &format!("Status: {}", model.info.provenance),
        BODY_PT - 1.0,
        GREY,
    );
}

/// The nomogram: the points axis, each predictor's scale, total points and risk.
fn draw_nomogram(flow: &mut Flow, measured: &Measured) {
    let model = &measured.models.risk;
    let nomo = model.nomogram();
    let rows = nomo.axes.len() + 3;
    flow.ensure(ROW_H * rows as f32 + 10.0);
    let top = flow.y + 18.0;
    let left = MARGIN + TITLE_W;
    let w = Flow::width() - TITLE_W - 40.0;
    let x_points = |pts: f64| left + (pts / nomo.points_axis_max.max(1e-9)) as f32 * w;
    let span = (nomo.total_points.max - nomo.total_points.min).max(1e-9);
    let x_total = |t: f64| left + ((t - nomo.total_points.min) / span) as f32 * w;
    let row_y = |i: usize| top + ROW_H * i as f32;
    let axis = |flow: &mut Flow, i: usize, title: &str, ticks: &[(f32, String)]| {
        let y = row_y(i);
        flow.doc.text(MARGIN, y + 3.0, BODY_PT, BLACK, title);
        let lo = ticks.iter().map(|t| t.0).fold(f32::INFINITY, f32::min);
        let hi = ticks.iter().map(|t| t.0).fold(f32::NEG_INFINITY, f32::max);
        if lo < hi {
            flow.doc.line([lo, y], [hi, y], 0.8, BLACK);
        }
        // Labels left to right; one that would touch the last one drawn is left out.
        let mut order: Vec<&(f32, String)> = ticks.iter().collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut last_right = f32::NEG_INFINITY;
        for (x, label) in order {
            flow.doc.line([*x, y - 4.0], [*x, y], 0.8, BLACK);
            let half = flow.doc.text_width(label, TICK_PT) / 2.0;
            if x - half < last_right + 4.0 {
                continue;
            }
            last_right = x + half;
            flow.doc
                .text(x - half, y + 2.0 + TICK_PT, TICK_PT, BLACK, label);
        }
    };
    let marker = |flow: &mut Flow, i: usize, x: f32, label: &str| {
        let y = row_y(i);
        flow.doc.disc(x, y, 3.5, PATIENT);
        flow.doc.text(x + 5.0, y - 5.0, TICK_PT, PATIENT, label);
    };
    let step = nice_step(nomo.points_axis_max, w, 30.0);
    let point_ticks: Vec<(f32, String)> = (0..)
        .map(|k| f64::from(k) * step)
        .take_while(|v| *v <= nomo.points_axis_max + 1e-9)
        .map(|v| (x_points(v), format!("{v:.0}")))
        .collect();
    axis(flow, 0, "Points", &point_ticks);
    let r = measured.results.patient.risk.as_ref();
    for (i, ax) in nomo.axes.iter().enumerate() {
        let ticks: Vec<(f32, String)> = ax
            .ticks
            .iter()
            .map(|t| (x_points(t.points), t.label.clone()))
            .collect();
        axis(flow, i + 1, &ax.title(), &ticks);
        if let Some((value, pts)) = r.and_then(|r| patient_on(&ax.name, r)) {
            marker(
                flow,
                i + 1,
                x_points(pts),
                &format!("{value}: {pts:.0} pts"),
            );
        }
    }
    let n = nomo.axes.len();
    let tstep = nice_step(span, w, 30.0);
    let total_ticks: Vec<(f32, String)> = (0..)
        .map(|k| nomo.total_points.min + f64::from(k) * tstep)
        .take_while(|v| *v <= nomo.total_points.max + 1e-9)
        .map(|v| (x_total(v), format!("{v:.0}")))
        .collect();
    axis(flow, n + 1, "Total points", &total_ticks);
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
    axis(flow, n + 2, "Risk", &risk_ticks);
    if let Some(t) = model.risk_to_total_points(model.cutoff) {
        let x = x_total(t);
        let y = row_y(n + 2);
        flow.doc.line([x, y - 10.0], [x, y + 10.0], 1.5, CUTOFF);
        let half = flow.doc.text_width("cutoff", TICK_PT) / 2.0;
        flow.doc.text(x - half, y - 12.0, TICK_PT, CUTOFF, "cutoff");
    }
    if let Some(r) = r {
        let x = x_total(r.total_points);
        flow.doc
            .line([x, row_y(n + 1)], [x, row_y(n + 2)], 0.8, PATIENT);
        marker(flow, n + 1, x, &format!("{:.0}", r.total_points));
        marker(flow, n + 2, x, &format!("{:.1} %", r.risk * 100.0));
    }
    flow.y = row_y(n + 2) + ROW_H * 0.6;
}
