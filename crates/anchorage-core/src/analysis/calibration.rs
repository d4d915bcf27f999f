//! Calibration: Hosmer–Lemeshow (10 groups of near-equal size by predicted risk, as
//! `numpy.array_split` of the stably sorted rows), the decile calibration table, logistic
//! recalibration (intercept and slope), the Brier score and the decision curve.

use super::dist::chi2_sf;
use super::logistic::{Design, fit_ml};
use super::report::{Calibration, CalibrationBin, HosmerLemeshow, NetBenefit};

/// Row indices of `groups` groups of near-equal size by ascending risk (the first
/// `n % groups` groups one row larger), as `numpy.array_split(argsort(p, stable), groups)`.
pub fn risk_groups(risk: &[f64], groups: usize) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..risk.len()).collect();
    idx.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
    let n = idx.len();
    let (base, extra) = (n / groups.max(1), n % groups.max(1));
    let mut out = Vec::new();
    let mut start = 0;
    for g in 0..groups {
        let size = base + usize::from(g < extra);
        out.push(idx[start..start + size].to_vec());
        start += size;
    }
    out
}

/// The calibration table: per group, rows, mean predicted risk, observed events and rate.
pub fn calibration_table(risk: &[f64], events: &[bool], groups: usize) -> Vec<CalibrationBin> {
    risk_groups(risk, groups)
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.is_empty())
        .map(|(k, g)| {
            let n = g.len();
            let observed = g.iter().filter(|&&i| events[i]).count();
            CalibrationBin {
                group: k as u32 + 1,
                n,
                mean_predicted: g.iter().map(|&i| risk[i]).sum::<f64>() / n as f64,
                observed_events: observed,
                observed_rate: observed as f64 / n as f64,
            }
        })
        .collect()
}

/// Hosmer–Lemeshow over 10 groups: χ² = Σ (O − E)² / (E (1 − E/n)), df = groups − 2.
/// None with fewer than 10 rows.
pub fn hosmer_lemeshow(risk: &[f64], events: &[bool]) -> Option<HosmerLemeshow> {
    const GROUPS: usize = 10;
    if risk.len() < GROUPS {
        return None;
    }
    let mut chi2 = 0.0;
    for g in risk_groups(risk, GROUPS) {
        let n = g.len() as f64;
        let e: f64 = g.iter().map(|&i| risk[i]).sum();
        let o = g.iter().filter(|&&i| events[i]).count() as f64;
        let v = e * (1.0 - e / n);
        if v > 0.0 {
            chi2 += (o - e).powi(2) / v;
        }
    }
    let df = GROUPS as u32 - 2;
    Some(HosmerLemeshow {
        chi2,
        df,
        p: chi2_sf(chi2, f64::from(df)),
    })
}

/// logit(p) with p kept inside (1e-15, 1 − 1e-15).
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

/// Logistic recalibration: the ML fit of outcome on [1, logit(risk)]. None when it does
/// not exist (separation or no variation).
pub fn recalibration(risk: &[f64], events: &[bool]) -> Option<Calibration> {
    let n = risk.len();
    let d = Design {
        x: risk.iter().flat_map(|&p| [1.0, logit(p)]).collect(),
        n,
        p: 2,
    };
    let y: Vec<f64> = events.iter().map(|&e| f64::from(u8::from(e))).collect();
    let f = fit_ml(&d, &y, &vec![1.0; n], None)?;
    (!f.separated).then(|| Calibration {
        intercept: f.beta[0],
        slope: f.beta[1],
    })
}

/// Mean squared difference between risk and outcome.
pub fn brier(risk: &[f64], events: &[bool]) -> f64 {
    risk.iter()
        .zip(events)
        .map(|(p, &e)| (p - f64::from(u8::from(e))).powi(2))
        .sum::<f64>()
        / risk.len() as f64
}

/// Net benefit at thresholds 0.01, 0.02, …, 0.99 (risk ≥ threshold treated):
/// TP/n − FP/n · t/(1 − t), beside treat-all and treat-none.
pub fn decision_curve(risk: &[f64], events: &[bool]) -> Vec<NetBenefit> {
    let n = risk.len() as f64;
    let prevalence = events.iter().filter(|&&e| e).count() as f64 / n;
    (1..=99)
        .map(|k| {
            let t = f64::from(k) / 100.0;
            let odds = t / (1.0 - t);
            let (mut tp, mut fp) = (0.0, 0.0);
            for (&p, &e) in risk.iter().zip(events) {
                if p >= t {
                    if e {
                        tp += 1.0;
                    } else {
                        fp += 1.0;
                    }
                }
            }
            NetBenefit {
                threshold: t,
                model: tp / n - fp / n * odds,
                treat_all: prevalence - (1.0 - prevalence) * odds,
                treat_none: 0.0,
            }
        })
        .collect()
}
