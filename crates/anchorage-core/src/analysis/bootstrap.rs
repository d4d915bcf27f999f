//! Harrell's bootstrap optimism correction of the refitted model's AUC: in each of N
//! resamples (clusters — patients — drawn with replacement; with one row per patient that
//! is the ordinary bootstrap), the model is refitted, and optimism = AUC on the resample −
//! AUC of that model on the original rows; corrected AUC = apparent − mean optimism.
//! Resample b draws from its own generator seeded from (seed, b), so the result does not
//! depend on the number of threads. Runs on rayon.

use rayon::prelude::*;

use super::logistic::{Design, fit_firth, fit_ml};
use super::roc::auc_pair;
use crate::cohort::demo::DemoRng;

/// The SplitMix64 finaliser: a well-mixed 64-bit value of `x`.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The outcome of the resampling.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimism {
    /// Mean optimism over the resamples used.
    pub mean_optimism: f64,
    /// Resamples used.
    pub used: usize,
    /// Resamples left out (one outcome class only, or no fit).
    pub skipped: usize,
}

/// How to resample and refit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan<'a> {
    /// Resamples.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
    /// Refit by Firth's method (else maximum likelihood, Firth's where separated).
    pub firth: bool,
    /// Warm start of the Newton iterations (the fit on the original rows).
    pub start: &'a [f64],
}

/// Harrell's optimism of the AUC. `cluster[i]` is row i's cluster (0..n_clusters).
pub fn optimism(
    d: &Design,
    y: &[f64],
    events: &[bool],
    cluster: &[usize],
    plan: Plan<'_>,
) -> Option<Optimism> {
    let Plan {
        resamples,
        seed,
        firth,
        start,
    } = plan;
    let n_clusters = cluster.iter().copied().max().map_or(0, |m| m + 1);
    // Rows of each cluster.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (i, &c) in cluster.iter().enumerate() {
        members[c].push(i);
    }
    let results: Vec<Option<f64>> = (0..resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = DemoRng::new(mix(seed ^ mix(b as u64)));
            let mut w = vec![0.0; d.n];
            for _ in 0..n_clusters {
                let c = ((rng.uniform() * n_clusters as f64) as usize).min(n_clusters - 1);
                for &i in &members[c] {
                    w[i] += 1.0;
                }
            }
            let fit = if firth {
                fit_firth(d, y, &w)
            } else {
                match fit_ml(d, y, &w, Some(start)) {
                    Some(f) if !f.separated => Some(f),
                    _ => fit_firth(d, y, &w),
                }
            }?;
            let eta: Vec<f64> = (0..d.n).map(|i| d.eta(i, &fit.beta)).collect();
            let (boot, orig) = auc_pair(&eta, events, &w);
            Some(boot? - orig?)
        })
        .collect();
    let used: Vec<f64> = results.iter().flatten().copied().collect();
    if used.is_empty() {
        return None;
    }
    Some(Optimism {
        mean_optimism: used.iter().sum::<f64>() / used.len() as f64,
        used: used.len(),
        skipped: resamples - used.len(),
    })
}
