//! Discrimination: the ROC AUC in O(n log n) (with row weights for bootstrap resamples),
//! its DeLong variance by the fast algorithm of Sun & Xu (2014), the ROC curve as
//! scikit-learn's `roc_curve` (intermediate collinear points dropped, first threshold
//! +∞), the Youden-optimal threshold, and the operating characteristics at a threshold.

use super::dist::Z_975;
use super::report::{Operating, Rates};

/// Indices sorting `scores` ascending (stable; NaN last).
fn ascending(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    idx
}

/// The AUC (probability that an event scores above a non-event, ties counting half) with
/// row weights; None when either class has no weight.
pub fn auc_weighted(scores: &[f64], events: &[bool], weights: &[f64]) -> Option<f64> {
    auc_pair(scores, events, weights).0
}

/// The weighted AUC and the unweighted one of the same scores, with one sort (the
/// bootstrap's AUC on the resample and on the original rows).
pub fn auc_pair(scores: &[f64], events: &[bool], weights: &[f64]) -> (Option<f64>, Option<f64>) {
    let idx = ascending(scores);
    // [weighted, unweighted]: negatives below, sum, positives.
    let mut neg_below = [0.0; 2];
    let mut sum = [0.0; 2];
    let mut pos_total = [0.0; 2];
    let mut k = 0;
    while k < idx.len() {
        let s = scores[idx[k]];
        let (mut pos, mut neg) = ([0.0; 2], [0.0; 2]);
        while k < idx.len() && scores[idx[k]] == s {
            let i = idx[k];
            let (target, w) = if events[i] {
                (&mut pos, weights[i])
            } else {
                (&mut neg, weights[i])
            };
            target[0] += w;
            target[1] += 1.0;
            k += 1;
        }
        for j in 0..2 {
            sum[j] += pos[j] * (neg_below[j] + 0.5 * neg[j]);
            neg_below[j] += neg[j];
            pos_total[j] += pos[j];
        }
    }
    let auc = |j: usize| {
        (pos_total[j] > 0.0 && neg_below[j] > 0.0).then(|| sum[j] / (pos_total[j] * neg_below[j]))
    };
    (auc(0), auc(1))
}

/// Mid-ranks (1-based, ties averaged) of `values`.
fn midranks(values: &[f64]) -> Vec<f64> {
    let idx = ascending(values);
    let mut ranks = vec![0.0; values.len()];
    let mut k = 0;
    while k < idx.len() {
        let mut j = k;
        while j + 1 < idx.len() && values[idx[j + 1]] == values[idx[k]] {
            j += 1;
        }
        let r = 0.5 * ((k + 1) + (j + 1)) as f64;
        for &i in &idx[k..=j] {
            ranks[i] = r;
        }
        k = j + 1;
    }
    ranks
}

/// The AUC with its DeLong standard error and 95 % CI (clipped to 0..1). None when either
/// class has fewer than 2 rows.
pub fn delong(scores: &[f64], events: &[bool]) -> Option<(f64, f64, [f64; 2])> {
    let pos: Vec<f64> = (0..scores.len())
        .filter(|&i| events[i])
        .map(|i| scores[i])
        .collect();
    let neg: Vec<f64> = (0..scores.len())
        .filter(|&i| !events[i])
        .map(|i| scores[i])
        .collect();
    let (m, n) = (pos.len() as f64, neg.len() as f64);
    if pos.len() < 2 || neg.len() < 2 {
        return None;
    }
    let all: Vec<f64> = pos.iter().chain(&neg).copied().collect();
    let tz = midranks(&all);
    let tx = midranks(&pos);
    let ty = midranks(&neg);
    let v10: Vec<f64> = (0..pos.len()).map(|i| (tz[i] - tx[i]) / n).collect();
    let v01: Vec<f64> = (0..neg.len())
        .map(|j| 1.0 - (tz[pos.len() + j] - ty[j]) / m)
        .collect();
    let auc = v10.iter().sum::<f64>() / m;
    let var = |v: &[f64]| {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)
    };
    let se = (var(&v10) / m + var(&v01) / n).sqrt();
    let ci = [
        (auc - Z_975 * se).clamp(0.0, 1.0),
        (auc + Z_975 * se).clamp(0.0, 1.0),
    ];
    Some((auc, se, ci))
}

/// The ROC curve as scikit-learn's `roc_curve(y, score)` with `drop_intermediate=True`:
/// (threshold, fpr, tpr), the first threshold +∞ (None). Empty when a class is missing.
pub fn roc_curve(scores: &[f64], events: &[bool]) -> Vec<(Option<f64>, f64, f64)> {
    let mut idx = ascending(scores);
    idx.reverse();
    let (mut tps, mut fps, mut thr) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in idx.iter().enumerate() {
        if events[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last = k + 1 == idx.len() || scores[idx[k + 1]] != scores[i];
        if last {
            tps.push(tp);
            fps.push(fp);
            thr.push(scores[i]);
        }
    }
    if tp == 0.0 || fp == 0.0 {
        return Vec::new();
    }
    // Drop collinear intermediate points (second differences of both zero).
    let mut keep = vec![true; tps.len()];
    for k in 1..tps.len().saturating_sub(1) {
        let d2f = fps[k + 1] - 2.0 * fps[k] + fps[k - 1];
        let d2t = tps[k + 1] - 2.0 * tps[k] + tps[k - 1];
        keep[k] = d2f != 0.0 || d2t != 0.0;
    }
    let mut out = vec![(None, 0.0, 0.0)];
    for k in 0..tps.len() {
        if keep[k] {
            out.push((Some(thr[k]), fps[k] / fp, tps[k] / tp));
        }
    }
    out
}

/// Sensitivity, specificity, PPV and NPV when risk ≥ `threshold` is positive.
pub fn rates_at(scores: &[f64], events: &[bool], threshold: f64) -> Rates {
    let (mut tp, mut fp, mut tn, mut fneg) = (0usize, 0usize, 0usize, 0usize);
    for (s, &e) in scores.iter().zip(events) {
        match (*s >= threshold, e) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fneg += 1,
        }
    }
    let ratio = |a: usize, b: usize| (a + b > 0).then(|| a as f64 / (a + b) as f64);
    Rates {
        sensitivity: ratio(tp, fneg).unwrap_or(f64::NAN),
        specificity: ratio(tn, fp).unwrap_or(f64::NAN),
        ppv: ratio(tp, fp),
        npv: ratio(tn, fneg),
    }
}

/// The Youden-optimal threshold (the first ROC point with the largest tpr − fpr, as
/// `numpy.argmax` over `roc_curve`) and its operating characteristics.
pub fn youden(
    scores: &[f64],
    events: &[bool],
    roc: &[(Option<f64>, f64, f64)],
) -> Option<Operating> {
    let mut best: Option<(f64, f64)> = None;
    for &(t, fpr, tpr) in roc {
        let j = tpr - fpr;
        if best.is_none_or(|(bj, _)| j > bj) {
            best = Some((j, t.unwrap_or(f64::INFINITY)));
        }
    }
    let (_, t) = best?;
    t.is_finite().then(|| Operating {
        threshold: t,
        rates: rates_at(scores, events, t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_delong_agree_on_a_small_case() {
        let s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9];
        let e = [false, false, true, true, true, false];
        let a = auc_weighted(&s, &e, &[1.0; 6]).unwrap();
        let (b, se, _) = delong(&s, &e).unwrap();
        assert!((a - b).abs() < 1e-15 && se > 0.0);
        // sklearn.metrics.roc_auc_score → 0.5
        assert!((a - 0.5).abs() < 1e-12);
        let roc = roc_curve(&s, &e);
        assert_eq!(roc[0].0, None);
        assert_eq!(roc.last().map(|r| (r.1, r.2)), Some((1.0, 1.0)));
    }
}
