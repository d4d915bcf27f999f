//! The distribution functions the analysis needs, written out (no statistics crate): the
//! standard normal CDF, the χ² upper tail (regularised incomplete gamma), the F
//! distribution's CDF (regularised incomplete beta) and its quantiles (bisection), and a
//! small dense linear-algebra helper (inverse of a symmetric positive-definite matrix).

/// The 97.5 % quantile of the standard normal distribution (95 % two-sided intervals).
pub const Z_975: f64 = 1.959_963_984_540_054;

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// erfc(x), the complementary error function, through the incomplete gamma function
/// (erfc(x) = Q(1/2, x²) for x ≥ 0).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 {
        gamma_q(0.5, x * x)
    } else {
        2.0 - gamma_q(0.5, x * x)
    }
}

/// The standard normal CDF Φ(x).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Two-sided p-value of a standard normal statistic z.
pub fn normal_two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        // Series for P.
        let (mut ap, mut sum) = (a, 1.0 / a);
        let mut del = sum;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - gln).exp()
    } else {
        // Continued fraction for Q (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x + a * x.ln() - gln).exp() * h
    }
}

/// The upper tail of the χ² distribution with `df` degrees of freedom.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function I_x(a, b).
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if !(a > 0.0 && b > 0.0) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// The CDF of the F distribution with (d1, d2) degrees of freedom.
pub fn f_cdf(x: f64, d1: f64, d2: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    beta_inc(d1 / 2.0, d2 / 2.0, d1 * x / (d1 * x + d2))
}

/// The `q` quantile of the F distribution with (d1, d2) degrees of freedom (bisection on
/// the CDF to full double precision); NaN for invalid arguments.
pub fn f_quantile(q: f64, d1: f64, d2: f64) -> f64 {
    if !(q > 0.0 && q < 1.0 && d1 > 0.0 && d2 > 0.0) {
        return f64::NAN;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while f_cdf(hi, d1, d2) < q {
        hi *= 2.0;
        if hi > 1e300 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f_cdf(mid, d1, d2) < q {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The inverse of a symmetric positive-definite matrix (row-major, `p`×`p`) by Cholesky
/// decomposition; None when it is not positive definite (to working precision).
pub fn spd_inverse(a: &[f64], p: usize) -> Option<Vec<f64>> {
    if a.len() != p * p {
        return None;
    }
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if s.is_nan() || s <= 1e-300 || !s.is_finite() {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    // Inverse of L, then (L⁻¹)ᵀ L⁻¹.
    let mut li = vec![0.0; p * p];
    for i in 0..p {
        li[i * p + i] = 1.0 / l[i * p + i];
        for j in 0..i {
            let mut s = 0.0;
            for k in j..i {
                s -= l[i * p + k] * li[k * p + j];
            }
            li[i * p + j] = s / l[i * p + i];
        }
    }
    let mut inv = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = 0.0;
            for k in i..p {
                s += li[k * p + i] * li[k * p + j];
            }
            inv[i * p + j] = s;
            inv[j * p + i] = s;
        }
    }
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn known_values() {
        // scipy.stats.norm.cdf(1.0), chi2.sf(3.84, 1), chi2.sf(15.507, 8)
        assert!(close(normal_cdf(1.0), 0.841_344_746_068_542_9, 1e-12));
        assert!(close(normal_cdf(-3.0), 0.001_349_898_031_630_094_6, 1e-10));
        assert!(close(chi2_sf(3.84, 1.0), 0.050_043_521_248_705_2, 1e-9));
        assert!(close(chi2_sf(15.507, 8.0), 0.050_005_219_283_280_78, 1e-9));
        // scipy.special.betainc(2, 3, 0.4) = 0.5248
        assert!(close(beta_inc(2.0, 3.0, 0.4), 0.5248, 1e-12));
        // scipy.stats.f.ppf(0.975, 5, 10) = 4.236085668188633
        assert!(close(
            f_quantile(0.975, 5.0, 10.0),
            4.236_085_668_188_633,
            1e-9
        ));
        // scipy.stats.f.ppf(0.975, 49, 3.7)
        let q = f_quantile(0.975, 49.0, 3.7);
        assert!(close(f_cdf(q, 49.0, 3.7), 0.975, 1e-12));
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-13));
    }

    #[test]
    fn inverse_of_a_small_matrix() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let inv = spd_inverse(&a, 2).unwrap();
        let expect = [0.375, -0.25, -0.25, 0.5];
        for (x, y) in inv.iter().zip(expect) {
            assert!((x - y).abs() < 1e-14);
        }
        assert!(spd_inverse(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
