//! Logistic regression: maximum likelihood by Newton–Raphson (with step halving), and
//! Firth's penalised likelihood for separated data. Rows carry weights (whole numbers in a
//! bootstrap resample: a row drawn twice has weight 2), so a resample is never copied.

use super::dist::spd_inverse;

/// A design matrix, row-major, with its intercept column already in place.
#[derive(Debug, Clone)]
pub struct Design {
    /// Rows × columns values.
    pub x: Vec<f64>,
    /// Rows.
    pub n: usize,
    /// Columns.
    pub p: usize,
}

impl Design {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.p..(i + 1) * self.p]
    }

    /// The linear predictor of row `i` under `beta`.
    pub fn eta(&self, i: usize, beta: &[f64]) -> f64 {
        self.row(i).iter().zip(beta).map(|(a, b)| a * b).sum()
    }
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct LogitFit {
    /// Coefficients, in the design's column order.
    pub beta: Vec<f64>,
    /// Their covariance (the inverse information at the estimate), row-major p×p.
    pub cov: Vec<f64>,
    /// Whether the iterations converged.
    pub converged: bool,
    /// Whether the data look separated (no convergence, or fitted risks of exactly 0 or 1):
    /// the maximum-likelihood estimate does not exist.
    pub separated: bool,
}

impl LogitFit {
    /// Standard error of coefficient `j`.
    pub fn se(&self, j: usize) -> f64 {
        let p = self.beta.len();
        self.cov.get(j * p + j).map_or(f64::NAN, |v| v.sqrt())
    }
}

/// The logistic function.
pub fn logistic(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

struct Pass {
    loglik: f64,
    grad: Vec<f64>,
    info: Vec<f64>,
    max_abs_eta: f64,
}

fn pass(d: &Design, y: &[f64], w: &[f64], beta: &[f64]) -> Pass {
    let p = d.p;
    let mut grad = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    let (mut loglik, mut max_abs_eta) = (0.0, 0.0f64);
    for i in 0..d.n {
        let wi = w[i];
        if wi == 0.0 {
            continue;
        }
        let x = d.row(i);
        let eta = d.eta(i, beta);
        max_abs_eta = max_abs_eta.max(eta.abs());
        let pr = logistic(eta);
        // log(1 + e^eta) stably.
        let log1pexp = if eta > 0.0 {
            eta + (-eta).exp().ln_1p()
        } else {
            eta.exp().ln_1p()
        };
        loglik += wi * (y[i] * eta - log1pexp);
        let r = wi * (y[i] - pr);
        let v = wi * pr * (1.0 - pr);
        for a in 0..p {
            grad[a] += r * x[a];
            let va = v * x[a];
            for b in 0..=a {
                info[a * p + b] += va * x[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            info[b * p + a] = info[a * p + b];
        }
    }
    Pass {
        loglik,
        grad,
        info,
        max_abs_eta,
    }
}

fn mat_vec(m: &[f64], v: &[f64]) -> Vec<f64> {
    let p = v.len();
    (0..p)
        .map(|a| (0..p).map(|b| m[a * p + b] * v[b]).sum())
        .collect()
}

/// Maximum-likelihood fit (Newton–Raphson from `start` or zero). None when the information
/// matrix is singular (a predictor without variation).
pub fn fit_ml(d: &Design, y: &[f64], w: &[f64], start: Option<&[f64]>) -> Option<LogitFit> {
    let p = d.p;
    let mut beta = start.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
    let mut cur = pass(d, y, w, &beta);
    let mut converged = false;
    for _ in 0..100 {
        let inv = spd_inverse(&cur.info, p)?;
        let delta = mat_vec(&inv, &cur.grad);
        let mut step = 1.0;
        let mut next_beta: Vec<f64>;
        let mut next;
        loop {
            next_beta = beta.iter().zip(&delta).map(|(b, d)| b + step * d).collect();
            next = pass(d, y, w, &next_beta);
            if next.loglik >= cur.loglik - 1e-12 * cur.loglik.abs().max(1.0) || step < 1e-6 {
                break;
            }
            step *= 0.5;
        }
        let change = delta.iter().map(|v| (v * step).abs()).fold(0.0, f64::max);
        beta = next_beta;
        cur = next;
        if change < 1e-10 * (1.0 + beta.iter().map(|b| b.abs()).fold(0.0, f64::max)) {
            converged = true;
            break;
        }
    }
    let cov = spd_inverse(&cur.info, p)?;
    let separated = !converged || cur.max_abs_eta > 20.0;
    Some(LogitFit {
        beta,
        cov,
        converged,
        separated,
    })
}

/// Firth's penalised maximum-likelihood fit (Jeffreys-prior penalty), as R's `logistf`:
/// modified score X'(y − p + h(½ − p)), steps capped at 5, covariance the inverse
/// information at the estimate. None when the information matrix is singular.
pub fn fit_firth(d: &Design, y: &[f64], w: &[f64]) -> Option<LogitFit> {
    let p = d.p;
    let mut beta = vec![0.0; p];
    let mut converged = false;
    for _ in 0..500 {
        let cur = pass(d, y, w, &beta);
        let inv = spd_inverse(&cur.info, p)?;
        let mut score = vec![0.0; p];
        for i in 0..d.n {
            let wi = w[i];
            if wi == 0.0 {
                continue;
            }
            let x = d.row(i);
            let pr = logistic(d.eta(i, &beta));
            let ix = mat_vec(&inv, x);
            let h = wi * pr * (1.0 - pr) * x.iter().zip(&ix).map(|(a, b)| a * b).sum::<f64>();
            let r = wi * (y[i] - pr) + h * (0.5 - pr);
            for a in 0..p {
                score[a] += r * x[a];
            }
        }
        let mut delta = mat_vec(&inv, &score);
        let mx = delta.iter().map(|v| v.abs()).fold(0.0, f64::max);
        if mx > 5.0 {
            for v in &mut delta {
                *v *= 5.0 / mx;
            }
        }
        for (b, dv) in beta.iter_mut().zip(&delta) {
            *b += dv;
        }
        if mx < 1e-10 * (1.0 + beta.iter().map(|b| b.abs()).fold(0.0, f64::max)) {
            converged = true;
            break;
        }
    }
    let cur = pass(d, y, w, &beta);
    let cov = spd_inverse(&cur.info, p)?;
    beta.iter().all(|b| b.is_finite()).then_some(LogitFit {
        beta,
        cov,
        converged,
        separated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_vanishes_at_the_estimate_and_separation_is_detected() {
        // (tests/cohort_analysis.rs compares the fits with statsmodels.)
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let ys = [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let d = Design {
            x: xs.iter().flat_map(|&v| [1.0, v]).collect(),
            n: 8,
            p: 2,
        };
        let w = [1.0; 8];
        let f = fit_ml(&d, &ys, &w, None).unwrap();
        assert!(f.converged && !f.separated);
        let g = pass(&d, &ys, &w, &f.beta).grad;
        assert!(g.iter().all(|v| v.abs() < 1e-9), "{g:?}");
        // Separated data: detected; Firth gives finite estimates.
        let ys = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let f = fit_ml(&d, &ys, &w, None);
        assert!(f.is_none_or(|f| f.separated));
        let f = fit_firth(&d, &ys, &w).unwrap();
        assert!(f.converged && f.beta[1] > 0.0 && f.beta[1] < 10.0);
    }
}
