//! The report's figures as PNG (`cohort analyze --out DIR`), drawn without a plotting
//! library on [`crate::display::annotate::Rgb`] with the bundled DejaVu font: the ROC
//! curve with the Youden point and the model's cutoff, the calibration plot (deciles
//! against the diagonal), the decision curve (model, treat all, treat none) and one
//! Bland–Altman plot per agreement measure.

use super::report::AnalysisReport;
use crate::display::annotate::{Rgb, Writer};

const W: usize = 640;
const H: usize = 480;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 55.0;
const BLACK: [u8; 3] = [0, 0, 0];
const GREY: [u8; 3] = [150, 150, 150];
const BLUE: [u8; 3] = [31, 119, 180];
const ORANGE: [u8; 3] = [230, 120, 20];
const RED: [u8; 3] = [200, 30, 30];

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Line,
    Dashed,
    Points,
}

struct Series {
    points: Vec<(f64, f64)>,
    color: [u8; 3],
    style: Style,
    label: String,
}

struct Plot {
    title: String,
    x_label: String,
    y_label: String,
    x: (f64, f64),
    y: (f64, f64),
    series: Vec<Series>,
}

impl Plot {
    fn px(&self, x: f64, y: f64) -> (f64, f64) {
        let (w, h) = (W as f64 - LEFT - RIGHT, H as f64 - TOP - BOTTOM);
        (
            LEFT + (x - self.x.0) / (self.x.1 - self.x.0) * w,
            TOP + (1.0 - (y - self.y.0) / (self.y.1 - self.y.0)) * h,
        )
    }

    fn render(&self) -> Option<Vec<u8>> {
        let mut img = Rgb {
            width: W,
            height: H,
            pixels: vec![255; W * H * 3],
        };
        let text = Writer::new(14.0)?;
        let small = Writer::new(12.0)?;
        // Frame and ticks.
        let (x0, y0) = self.px(self.x.0, self.y.0);
        let (x1, y1) = self.px(self.x.1, self.y.1);
        for (a, b) in [
            ((x0, y0), (x1, y0)),
            ((x0, y0), (x0, y1)),
            ((x1, y0), (x1, y1)),
            ((x0, y1), (x1, y1)),
        ] {
            line(&mut img, a, b, BLACK, false);
        }
        for k in 0..=5 {
            let f = f64::from(k) / 5.0;
            let xv = self.x.0 + f * (self.x.1 - self.x.0);
            let yv = self.y.0 + f * (self.y.1 - self.y.0);
            let (px, _) = self.px(xv, self.y.0);
            let (_, py) = self.px(self.x.0, yv);
            line(&mut img, (px, y0), (px, y0 + 5.0), BLACK, false);
            line(&mut img, (x0 - 5.0, py), (x0, py), BLACK, false);
            let (lx, ly) = (tick(xv), tick(yv));
            small.text(
                &mut img,
                px as i64 - small.width(&lx) / 2,
                y0 as i64 + 8,
                &lx,
                BLACK,
            );
            small.text(
                &mut img,
                x0 as i64 - 8 - small.width(&ly),
                py as i64 - 7,
                &ly,
                BLACK,
            );
        }
        text.text(
            &mut img,
            (W as i64 - text.width(&self.title)) / 2,
            10,
            &self.title,
            BLACK,
        );
        text.text(
            &mut img,
            (W as i64 - text.width(&self.x_label)) / 2,
            H as i64 - 24,
            &self.x_label,
            BLACK,
        );
        text.text(&mut img, 4, TOP as i64 - 20, &self.y_label, BLACK);
        // Series, clipped to the frame.
        let clip = |p: (f64, f64)| (p.0.clamp(x0, x1), p.1.clamp(y1, y0));
        for s in &self.series {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .map(|&(a, b)| clip(self.px(a, b)))
                .collect();
            match s.style {
                Style::Points => {
                    for &(a, b) in &pts {
                        disc(&mut img, a, b, 3.5, s.color);
                    }
                }
                Style::Line | Style::Dashed => {
                    for pair in pts.windows(2) {
                        line(
                            &mut img,
                            pair[0],
                            pair[1],
                            s.color,
                            s.style == Style::Dashed,
                        );
                    }
                }
            }
        }
        // Legend, in the lower right corner.
        let labelled = self.series.iter().filter(|s| !s.label.is_empty()).count() as i64;
        let mut ly = y0 as i64 - 8 - labelled * small.line_height();
        for s in self.series.iter().filter(|s| !s.label.is_empty()) {
            let lx = x1 as i64 - 200;
            match s.style {
                Style::Points => disc(&mut img, lx as f64 + 10.0, ly as f64 + 8.0, 3.5, s.color),
                _ => line(
                    &mut img,
                    (lx as f64, ly as f64 + 8.0),
                    (lx as f64 + 20.0, ly as f64 + 8.0),
                    s.color,
                    s.style == Style::Dashed,
                ),
            }
            small.text(&mut img, lx + 26, ly, &s.label, BLACK);
            ly += small.line_height();
        }
        img.to_png().ok()
    }
}

fn tick(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(0.01..10_000.0).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn line(img: &mut Rgb, a: (f64, f64), b: (f64, f64), c: [u8; 3], dashed: bool) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let steps = (len * 2.0).ceil().max(1.0) as usize;
    for k in 0..=steps {
        let t = k as f64 / steps as f64;
        if dashed && ((t * len / 6.0) as usize) % 2 == 1 {
            continue;
        }
        let (x, y) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            img.put(x as i64 + dx, y as i64 + dy, c);
        }
    }
}

fn disc(img: &mut Rgb, x: f64, y: f64, r: f64, c: [u8; 3]) {
    let ri = r.ceil() as i64;
    for dy in -ri..=ri {
        for dx in -ri..=ri {
            if (dx * dx + dy * dy) as f64 <= r * r {
                img.put(x as i64 + dx, y as i64 + dy, c);
            }
        }
    }
}

fn padded((lo, hi): (f64, f64)) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// Every figure as (file name, PNG bytes); a figure that cannot be drawn is left out.
pub fn all_figures(r: &AnalysisReport) -> Vec<(String, Vec<u8>)> {
    let mut plots: Vec<(String, Plot)> = Vec::new();
    let at = &r.at_cutoff;
    plots.push((
        "roc.png".into(),
        Plot {
            title: format!(
                "ROC: AUC {:.3} ({:.3}–{:.3})",
                r.auc, r.auc_ci[0], r.auc_ci[1]
            ),
            x_label: "1 − specificity".into(),
            y_label: "Sensitivity".into(),
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            series: vec![
                Series {
                    points: vec![(0.0, 0.0), (1.0, 1.0)],
                    color: GREY,
                    style: Style::Dashed,
                    label: String::new(),
                },
                Series {
                    points: r.roc.iter().map(|p| (p.fpr, p.tpr)).collect(),
                    color: BLUE,
                    style: Style::Line,
                    label: "model".into(),
                },
                Series {
                    points: vec![(1.0 - r.youden.rates.specificity, r.youden.rates.sensitivity)],
                    color: RED,
                    style: Style::Points,
                    label: format!("Youden {:.3}", r.youden.threshold),
                },
                Series {
                    points: vec![(1.0 - at.rates.specificity, at.rates.sensitivity)],
                    color: ORANGE,
                    style: Style::Points,
                    label: format!("cutoff {:.3}", at.cutoff),
                },
            ],
        },
    ));
    let top = r
        .calibration_table
        .iter()
        .flat_map(|b| [b.mean_predicted, b.observed_rate])
        .fold(0.0, f64::max)
        .clamp(0.05, 1.0);
    plots.push((
        "calibration.png".into(),
        Plot {
            title: format!(
                "Calibration: intercept {:.2}, slope {:.2}",
                r.calibration.intercept, r.calibration.slope
            ),
            x_label: "Mean predicted risk (deciles)".into(),
            y_label: "Observed rate".into(),
            x: (0.0, top),
            y: (0.0, top),
            series: vec![
                Series {
                    points: vec![(0.0, 0.0), (top, top)],
                    color: GREY,
                    style: Style::Dashed,
                    label: "ideal".into(),
                },
                Series {
                    points: r
                        .calibration_table
                        .iter()
                        .map(|b| (b.mean_predicted, b.observed_rate))
                        .collect(),
                    color: BLUE,
                    style: Style::Points,
                    label: "deciles".into(),
                },
            ],
        },
    ));
    let prevalence = r.n_events as f64 / r.n_screws.unwrap_or(r.n_patients).max(1) as f64;
    let nb_top = r
        .decision_curve
        .iter()
        .map(|d| d.model.max(d.treat_all))
        .fold(prevalence.max(0.05), f64::max);
    plots.push((
        "decision_curve.png".into(),
        Plot {
            title: "Decision curve".into(),
            x_label: "Threshold probability".into(),
            y_label: "Net benefit".into(),
            x: (0.0, 1.0),
            y: (-0.05 * nb_top.max(0.05) * 2.0, nb_top * 1.1),
            series: vec![
                Series {
                    points: r
                        .decision_curve
                        .iter()
                        .map(|d| (d.threshold, d.model))
                        .collect(),
                    color: BLUE,
                    style: Style::Line,
                    label: "model".into(),
                },
                Series {
                    points: r
                        .decision_curve
                        .iter()
                        .map(|d| (d.threshold, d.treat_all))
                        .collect(),
                    color: ORANGE,
                    style: Style::Line,
                    label: "treat all".into(),
                },
                Series {
                    points: vec![(0.0, 0.0), (1.0, 0.0)],
                    color: GREY,
                    style: Style::Dashed,
                    label: "treat none".into(),
                },
            ],
        },
    ));
    for a in &r.agreement {
        let pts: Vec<(f64, f64)> = a
            .pairs
            .iter()
            .map(|[x, y]| (0.5 * (x + y), y - x))
            .collect();
        let xr = padded(
            pts.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                    (l.min(p.0), h.max(p.0))
                }),
        );
        let yr = padded(
            pts.iter()
                .map(|p| p.1)
                .chain([a.loa_low, a.loa_high])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(v), h.max(v))
                }),
        );
        let hline = |v: f64, color, style, label: String| Series {
            points: vec![(xr.0, v), (xr.1, v)],
            color,
            style,
            label,
        };
        plots.push((
            format!("bland_altman_{}.png", a.measure),
            Plot {
                title: format!("Bland–Altman: {}", a.measure),
                x_label: "Mean of the two raters".into(),
                y_label: "Second − first rater".into(),
                x: xr,
                y: yr,
                series: vec![
                    Series {
                        points: pts,
                        color: BLUE,
                        style: Style::Points,
                        label: String::new(),
                    },
                    hline(a.bias, RED, Style::Line, format!("bias {:.3}", a.bias)),
                    hline(
                        a.loa_low,
                        GREY,
                        Style::Dashed,
                        format!("LoA {:.3}", a.loa_low),
                    ),
                    hline(
                        a.loa_high,
                        GREY,
                        Style::Dashed,
                        format!("LoA {:.3}", a.loa_high),
                    ),
                ],
            },
        ));
    }
    plots
        .into_iter()
        .filter_map(|(name, p)| p.render().map(|png| (name, png)))
        .collect()
}
