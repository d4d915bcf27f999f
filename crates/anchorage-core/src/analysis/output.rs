//! The report's tables as CSV text (`cohort analyze --out DIR`): the validation summary,
//! the ROC curve, the calibration table, the decision curve, the refit's coefficients and
//! the agreement table. Numbers are written with full precision; an absent value is empty.

use super::report::{AnalysisReport, FitMethod};

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), num)
}

fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    let _ = w.flush();
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Every table as (file name, CSV text).
pub fn csv_tables(r: &AnalysisReport) -> Vec<(&'static str, String)> {
    let mut summary = vec![
        ("unit", format!("{:?}", r.unit).to_lowercase()),
        ("model", r.model.clone()),
        ("n_patients", r.n_patients.to_string()),
        (
            "n_screws",
            r.n_screws.map_or(String::new(), |n| n.to_string()),
        ),
        ("n_events", r.n_events.to_string()),
        ("n_excluded", r.n_excluded.to_string()),
        ("auc", num(r.auc)),
        ("auc_ci_low", num(r.auc_ci[0])),
        ("auc_ci_high", num(r.auc_ci[1])),
        ("youden_threshold", num(r.youden.threshold)),
        ("youden_sensitivity", num(r.youden.rates.sensitivity)),
        ("youden_specificity", num(r.youden.rates.specificity)),
        ("youden_ppv", opt(r.youden.rates.ppv)),
        ("youden_npv", opt(r.youden.rates.npv)),
        ("cutoff", num(r.at_cutoff.cutoff)),
        ("cutoff_sensitivity", num(r.at_cutoff.rates.sensitivity)),
        ("cutoff_specificity", num(r.at_cutoff.rates.specificity)),
        ("cutoff_ppv", opt(r.at_cutoff.rates.ppv)),
        ("cutoff_npv", opt(r.at_cutoff.rates.npv)),
        ("hosmer_lemeshow_chi2", num(r.hosmer_lemeshow.chi2)),
        ("hosmer_lemeshow_df", r.hosmer_lemeshow.df.to_string()),
        ("hosmer_lemeshow_p", num(r.hosmer_lemeshow.p)),
        ("calibration_intercept", num(r.calibration.intercept)),
        ("calibration_slope", num(r.calibration.slope)),
        ("brier", num(r.brier)),
    ];
    if let Some(f) = &r.refit {
        summary.push(("refit_apparent_auc", num(f.apparent_auc)));
        summary.push((
            "refit_optimism_corrected_auc",
            opt(f.optimism_corrected_auc),
        ));
        summary.push(("refit_bootstrap", f.bootstrap.to_string()));
        summary.push(("refit_seed", f.seed.to_string()));
    }
    let summary = summary
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    let mut out = vec![
        ("validation.csv", csv_text(&["quantity", "value"], summary)),
        (
            "roc.csv",
            csv_text(
                &["threshold", "fpr", "tpr"],
                r.roc
                    .iter()
                    .map(|p| {
                        vec![
                            p.threshold.map_or("inf".into(), num),
                            num(p.fpr),
                            num(p.tpr),
                        ]
                    })
                    .collect(),
            ),
        ),
        (
            "calibration.csv",
            csv_text(
                &[
                    "group",
                    "n",
                    "mean_predicted",
                    "observed_events",
                    "observed_rate",
                ],
                r.calibration_table
                    .iter()
                    .map(|b| {
                        vec![
                            b.group.to_string(),
                            b.n.to_string(),
                            num(b.mean_predicted),
                            b.observed_events.to_string(),
                            num(b.observed_rate),
                        ]
                    })
                    .collect(),
            ),
        ),
        (
            "decision_curve.csv",
            csv_text(
                &["threshold", "model", "treat_all", "treat_none"],
                r.decision_curve
                    .iter()
                    .map(|d| {
                        vec![
                            num(d.threshold),
                            num(d.model),
                            num(d.treat_all),
                            num(d.treat_none),
                        ]
                    })
                    .collect(),
            ),
        ),
    ];
    if let Some(f) = &r.refit {
        out.push((
            "coefficients.csv",
            csv_text(
                &[
                    "term",
                    "estimate",
                    "se",
                    "ci_low",
                    "ci_high",
                    "p",
                    "odds_ratio",
                ],
                f.coefficients
                    .iter()
                    .map(|c| {
                        vec![
                            c.term.clone(),
                            num(c.estimate),
                            num(c.se),
                            num(c.ci_low),
                            num(c.ci_high),
                            num(c.p),
                            num(c.odds_ratio),
                        ]
                    })
                    .collect(),
            ),
        ));
    }
    out.push((
        "agreement.csv",
        csv_text(
            &[
                "measure",
                "n_studies",
                "n_subjects",
                "n_raters",
                "icc_2_1",
                "icc_2_1_ci_low",
                "icc_2_1_ci_high",
                "icc_3_1",
                "icc_3_1_ci_low",
                "icc_3_1_ci_high",
                "bias",
                "loa_low",
                "loa_high",
            ],
            r.agreement
                .iter()
                .map(|a| {
                    vec![
                        a.measure.clone(),
                        a.n_studies.to_string(),
                        a.pairs.len().to_string(),
                        a.n_raters.to_string(),
                        num(a.icc_2_1),
                        num(a.icc_2_1_ci[0]),
                        num(a.icc_2_1_ci[1]),
                        num(a.icc_3_1),
                        num(a.icc_3_1_ci[0]),
                        num(a.icc_3_1_ci[1]),
                        num(a.bias),
                        num(a.loa_low),
                        num(a.loa_high),
                    ]
                })
                .collect(),
        ),
    ));
    out
}

/// The report as a readable text table (the command's output without `--json`).
pub fn text_table(r: &AnalysisReport) -> String {
    let pct = |v: f64| format!("{:.1} %", 100.0 * v);
    let optp = |v: Option<f64>| v.map_or("–".into(), pct);
    let mut s = String::new();
    let unit = format!("{:?}", r.unit).to_lowercase();
    s += &format!("Cohort analysis (unit: {unit}) of model {}\n", r.model);
    s += &format!(
        "  patients {}{}, events {}, left out {}\n",
        r.n_patients,
        r.n_screws
            .map_or(String::new(), |n| format!(", screws {n}")),
        r.n_events,
        r.n_excluded
    );
    s += "\nValidation\n";
    s += &format!(
        "  AUC                  {:.3} (95 % CI {:.3}–{:.3}, DeLong)\n",
        r.auc, r.auc_ci[0], r.auc_ci[1]
    );
    for (label, threshold, q) in [
        ("Youden threshold", r.youden.threshold, &r.youden.rates),
        ("Model cutoff", r.at_cutoff.cutoff, &r.at_cutoff.rates),
    ] {
        s += &format!(
            "  {label:<20} {threshold:.3}: sensitivity {}, specificity {}, PPV {}, NPV {}\n",
            pct(q.sensitivity),
            pct(q.specificity),
            optp(q.ppv),
            optp(q.npv)
        );
    }
    let h = &r.hosmer_lemeshow;
    s += &format!(
        "  Hosmer–Lemeshow      χ² {:.3}, df {}, P {}\n",
        h.chi2,
        h.df,
        p_text(h.p)
    );
    s += &format!(
        "  Calibration          intercept {:.3}, slope {:.3}; Brier {:.4}\n",
        r.calibration.intercept, r.calibration.slope, r.brier
    );
    match &r.refit {
        Some(f) => {
            let method = match f.method {
                FitMethod::MaximumLikelihood => "maximum likelihood",
                FitMethod::Firth => "Firth's penalised likelihood",
            };
            s += &format!("\nRefit ({method})\n");
            s += "  term              estimate        SE   95 % CI               P      OR\n";
            for k in &f.coefficients {
                s += &format!(
                    "  {:<14} {:>11.4} {:>9.4}   {:>8.3} to {:>8.3}  {:>7} {:>7.3}\n",
                    k.term,
                    k.estimate,
                    k.se,
                    k.ci_low,
                    k.ci_high,
                    p_text(k.p).trim_start_matches("= "),
                    k.odds_ratio
                );
            }
            s += &format!(
                "  apparent AUC {:.3}; optimism-corrected AUC {} ({} resamples, seed {})\n",
                f.apparent_auc,
                f.optimism_corrected_auc
                    .map_or("–".into(), |v| format!("{v:.3}")),
                f.bootstrap,
                f.seed
            );
        }
        None => s += "\nRefit: none\n",
    }
    if let Some(n) = &r.refit_note {
        s += &format!("  note: {n}\n");
    }
    s += "\nRater agreement\n";
    if r.agreement.is_empty() {
        s += &format!(
            "  none: {}\n",
            r.agreement_note
                .as_deref()
                .unwrap_or("no multi-rater study")
        );
    } else {
        s += "  measure               studies  ICC(2,1) (95 % CI)     ICC(3,1) (95 % CI)     bias (95 % LoA)\n";
        for a in &r.agreement {
            s += &format!(
                "  {:<21} {:>7}  {:.3} ({:.3}–{:.3})  {:.3} ({:.3}–{:.3})  {:.3} ({:.3} to {:.3})\n",
                a.measure,
                a.n_studies,
                a.icc_2_1,
                a.icc_2_1_ci[0],
                a.icc_2_1_ci[1],
                a.icc_3_1,
                a.icc_3_1_ci[0],
                a.icc_3_1_ci[1],
                a.bias,
                a.loa_low,
                a.loa_high
            );
        }
        if let Some(n) = &r.agreement_note {
            s += &format!("  note: {n}\n");
        }
    }
    s += &format!("\n{}\n", r.rater_rule);
    for w in &r.warnings {
        s += &format!("warning: {w}\n");
    }
    s
}

/// A p-value as the text table prints it: "= 0.393", or "< 0.001" below 0.001.
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}
