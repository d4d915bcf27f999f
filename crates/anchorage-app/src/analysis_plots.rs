//! The figures of a cohort analysis ([`AnalysisReport`]) drawn with egui_plot: the ROC
//! curve with the Youden threshold and the model's cutoff marked, the calibration plot by
//! deciles against the diagonal, the decision curve (model, treat all, treat none) and a
//! Bland–Altman plot per measure with its bias and limits of agreement. Shared by the
//! Analysis tab; draws only what the report holds, never computes a statistic.

use egui::Color32;
use egui_plot::{Corner, HLine, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use anchorage_core::analysis::AnalysisReport;

/// Which figure is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlotKind {
    /// ROC curve.
    #[default]
    Roc,
    /// Calibration by deciles.
    Calibration,
    /// Decision curve.
    DecisionCurve,
    /// Bland–Altman, one measure.
    BlandAltman,
}

impl PlotKind {
    /// Every figure, in the selector's order.
    pub const ALL: [PlotKind; 4] = [
        PlotKind::Roc,
        PlotKind::Calibration,
        PlotKind::DecisionCurve,
        PlotKind::BlandAltman,
    ];

    /// The selector's label.
    pub fn label(self) -> &'static str {
        match self {
            PlotKind::Roc => "ROC",
            PlotKind::Calibration => "Calibration",
            PlotKind::DecisionCurve => "Decision curve",
            PlotKind::BlandAltman => "Bland–Altman",
        }
    }
}

const MODEL: Color32 = Color32::from_rgb(90, 160, 240);
const YOUDEN: Color32 = Color32::from_rgb(240, 170, 60);
const CUTOFF: Color32 = Color32::from_rgb(230, 80, 80);
const GREY: Color32 = Color32::from_rgb(150, 150, 150);

/// A plot of `height` points with its axes named and its legend in `legend`, the corner
/// the figure leaves empty.
/// A plot whose axes span at least 0–1 on both sides (ROC, calibration, agreement of
/// proportions).
fn unit_square(id: &str, height: f32, x: &str, y: &str, legend: Corner) -> Plot<'static> {
    base(id, height, x, y, legend)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
}

/// The dashed diagonal y = x from (0, 0) to (1, 1): chance on a ROC curve, ideal
/// calibration.
fn diagonal(name: &str) -> Line<'static> {
    Line::new(
        name.to_string(),
        PlotPoints::new(vec![[0.0, 0.0], [1.0, 1.0]]),
    )
    .color(GREY)
    .style(LineStyle::dashed_loose())
}

fn base(id: &str, height: f32, x: &str, y: &str, legend: Corner) -> Plot<'static> {
    Plot::new(id.to_string())
        .height(height)
        .legend(Legend::default().position(legend))
        .x_axis_label(x.to_string())
        .y_axis_label(y.to_string())
        .allow_scroll(false)
}

/// Draws figure `kind` of `report` in `height` points; `measure` is the index of the
/// agreement measure of the Bland–Altman plot.
pub fn draw(
    ui: &mut egui::Ui,
    report: &AnalysisReport,
    kind: PlotKind,
    measure: usize,
    height: f32,
) {
    match kind {
        PlotKind::Roc => roc(ui, report, height),
        PlotKind::Calibration => calibration(ui, report, height),
        PlotKind::DecisionCurve => decision(ui, report, height),
        PlotKind::BlandAltman => bland_altman(ui, report, measure, height),
    }
}

fn roc(ui: &mut egui::Ui, r: &AnalysisReport, height: f32) {
    let curve: Vec<[f64; 2]> = r.roc.iter().map(|p| [p.fpr, p.tpr]).collect();
    let youden = [1.0 - r.youden.rates.specificity, r.youden.rates.sensitivity];
    let cutoff = [
        1.0 - r.at_cutoff.rates.specificity,
        r.at_cutoff.rates.sensitivity,
    ];
    unit_square(
        "analysis_roc",
        height,
        "1 − specificity",
        "sensitivity",
        Corner::RightBottom,
    )
    .show(ui, |plot| {
        plot.line(diagonal("chance"));
        plot.line(
            Line::new(
                format!("AUC {:.3} ({:.3}–{:.3})", r.auc, r.auc_ci[0], r.auc_ci[1]),
                PlotPoints::new(curve),
            )
            .color(MODEL)
            .width(2.0),
        );
        plot.points(
            Points::new(format!("Youden {:.3}", r.youden.threshold), vec![youden])
                .color(YOUDEN)
                .radius(6.0)
                .shape(MarkerShape::Diamond),
        );
        plot.points(
            Points::new(format!("cutoff {:.3}", r.at_cutoff.cutoff), vec![cutoff])
                .color(CUTOFF)
                .radius(6.0)
                .shape(MarkerShape::Square),
        );
    });
}

fn calibration(ui: &mut egui::Ui, r: &AnalysisReport, height: f32) {
    let bins: Vec<[f64; 2]> = r
        .calibration_table
        .iter()
        .map(|b| [b.mean_predicted, b.observed_rate])
        .collect();
    unit_square(
        "analysis_calibration",
        height,
        "mean predicted risk",
        "observed rate",
        Corner::LeftTop,
    )
    .show(ui, |plot| {
        plot.line(diagonal("ideal"));
        plot.line(Line::new("deciles", PlotPoints::new(bins.clone())).color(MODEL));
        plot.points(
            Points::new(
                format!(
                    "slope {:.2}, intercept {:.2}",
                    r.calibration.slope, r.calibration.intercept
                ),
                bins,
            )
            .color(MODEL)
            .radius(4.0),
        );
    });
}

fn decision(ui: &mut egui::Ui, r: &AnalysisReport, height: f32) {
    let pick = |f: fn(&anchorage_core::analysis::report::NetBenefit) -> f64| -> Vec<[f64; 2]> {
        r.decision_curve
            .iter()
            .map(|n| [n.threshold, f(n)])
            .collect()
    };
    // Treat all falls without bound at high thresholds: show net benefits from a little
    // below zero up to the prevalence.
    let top = r
        .decision_curve
        .iter()
        .map(|n| n.model.max(n.treat_all))
        .fold(0.05, f64::max);
    base(
        "analysis_decision",
        height,
        "threshold probability",
        "net benefit",
        Corner::RightTop,
    )
    .include_x(0.0)
    .include_x(1.0)
    .include_y(-0.05)
    .include_y(top * 1.1)
    .auto_bounds(egui::Vec2b::new(true, false))
    .default_y_bounds(-0.05, top * 1.1)
    .show(ui, |plot| {
        plot.line(
            Line::new("model", PlotPoints::new(pick(|n| n.model)))
                .color(MODEL)
                .width(2.0),
        );
        plot.line(Line::new("treat all", PlotPoints::new(pick(|n| n.treat_all))).color(YOUDEN));
        plot.line(
            Line::new("treat none", PlotPoints::new(pick(|n| n.treat_none)))
                .color(GREY)
                .style(LineStyle::dashed_loose()),
        );
    });
}

fn bland_altman(ui: &mut egui::Ui, r: &AnalysisReport, measure: usize, height: f32) {
    let Some(a) = r.agreement.get(measure) else {
        ui.label(
            r.agreement_note
                .as_deref()
                .unwrap_or("No study was measured by two raters: no agreement to plot."),
        );
        return;
    };
    let points: Vec<[f64; 2]> = a
        .pairs
        .iter()
        .map(|[x, y]| [(x + y) / 2.0, y - x])
        .collect();
    base(
        &format!("analysis_bland_altman_{}", a.measure),
        height,
        &format!("mean of the two raters ({})", a.measure),
        "second − first",
        Corner::RightTop,
    )
    .show(ui, |plot| {
        plot.points(
            Points::new(format!("{} studies", a.n_studies), points)
                .color(MODEL)
                .radius(3.0),
        );
        plot.hline(HLine::new(format!("bias {:.3}", a.bias), a.bias).color(YOUDEN));
        plot.hline(
            HLine::new(
                format!("limits {:.3} to {:.3}", a.loa_low, a.loa_high),
                a.loa_low,
            )
            .color(CUTOFF)
            .style(LineStyle::dashed_loose()),
        );
        plot.hline(
            HLine::new(
                format!("limits {:.3} to {:.3}", a.loa_low, a.loa_high),
                a.loa_high,
            )
            .color(CUTOFF)
            .style(LineStyle::dashed_loose()),
        );
    });
}
