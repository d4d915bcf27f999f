//! Rater agreement for one measure: ICC(2,1) (two-way random effects, absolute
//! agreement, single rater) and ICC(3,1) (two-way mixed, consistency) from the two-way
//! ANOVA mean squares, with the F-based 95 % CIs of Shrout & Fleiss (1979) and McGraw &
//! Wong (1996), and Bland–Altman bias and 95 % limits of agreement (second − first rater).

use super::dist::{Z_975, f_quantile};

/// ICCs and Bland–Altman of an n × k table (subjects × raters).
#[derive(Debug, Clone, PartialEq)]
pub struct IccResult {
    /// ICC(2,1).
    pub icc_2_1: f64,
    /// Its 95 % CI.
    pub icc_2_1_ci: [f64; 2],
    /// ICC(3,1).
    pub icc_3_1: f64,
    /// Its 95 % CI.
    pub icc_3_1_ci: [f64; 2],
    /// Mean of (column 2 − column 1).
    pub bias: f64,
    /// bias − 1.96 SD.
    pub loa_low: f64,
    /// bias + 1.96 SD.
    pub loa_high: f64,
}

/// The ICCs and Bland–Altman of `table` (rows of equal length k ≥ 2). None with fewer than
/// 3 subjects, ragged rows, or no variation left (MSE = 0).
pub fn icc(table: &[Vec<f64>]) -> Option<IccResult> {
    let n = table.len();
    let k = table.first()?.len();
    if n < 3 || k < 2 || table.iter().any(|r| r.len() != k) {
        return None;
    }
    let (nf, kf) = (n as f64, k as f64);
    let grand = table.iter().flatten().sum::<f64>() / (nf * kf);
    let ssr = kf
        * table
            .iter()
            .map(|r| (r.iter().sum::<f64>() / kf - grand).powi(2))
            .sum::<f64>();
    let ssc = nf
        * (0..k)
            .map(|j| (table.iter().map(|r| r[j]).sum::<f64>() / nf - grand).powi(2))
            .sum::<f64>();
    let sst: f64 = table.iter().flatten().map(|v| (v - grand).powi(2)).sum();
    let sse = sst - ssr - ssc;
    let (dfr, dfc, dfe) = (nf - 1.0, kf - 1.0, (nf - 1.0) * (kf - 1.0));
    let (msr, msc, mse) = (ssr / dfr, ssc / dfc, sse / dfe);
    if mse.is_nan() || mse <= 0.0 {
        return None;
    }
    let icc2 = (msr - mse) / (msr + (kf - 1.0) * mse + kf * (msc - mse) / nf);
    let icc3 = (msr - mse) / (msr + (kf - 1.0) * mse);
    // ICC(3,1): F = MSR/MSE on (n−1, (n−1)(k−1)).
    let f0 = msr / mse;
    let fl = f0 / f_quantile(0.975, dfr, dfe);
    let fu = f0 * f_quantile(0.975, dfe, dfr);
    let ci3 = [(fl - 1.0) / (fl + kf - 1.0), (fu - 1.0) / (fu + kf - 1.0)];
    // ICC(2,1): McGraw & Wong's approximate df (Satterthwaite).
    let a = kf * icc2 / (nf * (1.0 - icc2));
    let b = 1.0 + kf * icc2 * (nf - 1.0) / (nf * (1.0 - icc2));
    let v = (a * msc + b * mse).powi(2) / ((a * msc).powi(2) / dfc + (b * mse).powi(2) / dfe);
    let fs = f_quantile(0.975, dfr, v);
    let fstar = f_quantile(0.975, v, dfr);
    let low = nf * (msr - fs * mse) / (fs * (kf * msc + (kf * nf - kf - nf) * mse) + nf * msr);
    let high = nf * (fstar * msr - mse) / (kf * msc + (kf * nf - kf - nf) * mse + nf * fstar * msr);
    let diffs: Vec<f64> = table.iter().map(|r| r[1] - r[0]).collect();
    let bias = diffs.iter().sum::<f64>() / nf;
    let sd = (diffs.iter().map(|d| (d - bias).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
    let out = IccResult {
        icc_2_1: icc2,
        icc_2_1_ci: [low, high],
        icc_3_1: icc3,
        icc_3_1_ci: ci3,
        bias,
        loa_low: bias - Z_975 * sd,
        loa_high: bias + Z_975 * sd,
    };
    let all = [
        out.icc_2_1,
        low,
        high,
        icc3,
        ci3[0],
        ci3[1],
        bias,
        out.loa_low,
        out.loa_high,
    ];
    all.iter().all(|v| v.is_finite()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrout_fleiss_example() {
        // Shrout & Fleiss (1979), Table 2 (6 targets × 4 judges): ICC(2,1) = 0.29,
        // ICC(3,1) = 0.71.
        let t = vec![
            vec![9.0, 2.0, 5.0, 8.0],
            vec![6.0, 1.0, 3.0, 2.0],
            vec![8.0, 4.0, 6.0, 8.0],
            vec![7.0, 1.0, 2.0, 6.0],
            vec![10.0, 5.0, 6.0, 9.0],
            vec![6.0, 2.0, 4.0, 7.0],
        ];
        let r = icc(&t).unwrap();
        assert!((r.icc_2_1 - 0.29).abs() < 0.005, "{r:?}");
        assert!((r.icc_3_1 - 0.71).abs() < 0.005, "{r:?}");
        assert!(r.icc_2_1_ci[0] < r.icc_2_1 && r.icc_2_1 < r.icc_2_1_ci[1]);
        assert!(r.icc_3_1_ci[0] < r.icc_3_1 && r.icc_3_1 < r.icc_3_1_ci[1]);
    }
}
