//! The 1-D analysis both modalities share: a profile of values sampled along the spine's
//! axis (bodies high, discs low on CT; on T1 MR marrow bright, discs darker), split into
//! bodies and discs, with each endplate at the half-height crossing between a body's
//! plateau and the neighbouring trough, interpolated linearly between samples.
//!
//! Splitting: Otsu's threshold on the profile's values (clipped to their 1st–85th, –70th
//! or –55th percentiles, or Otsu's again on the samples below each: the split with the
//! most bodies) separates high from low samples; low gaps shorter than 1.5 mm inside
//! a body are filled, high runs shorter than the shortest body are dropped; a body must
//! have low samples on both sides (a body cut by the scan's end is not one), except a
//! fused sacrum: bone running from the scan's caudal end, below a disc, for longer than
//! 1.25 × the longest body.

/// Values sampled along the axis, caudal to cranial.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Position of sample 0 along the axis, mm.
    pub t0_mm: f64,
    /// Distance between samples, mm.
    pub step_mm: f64,
    /// The values (NaN where nothing could be sampled).
    pub values: Vec<f64>,
}

/// One body in a profile: positions along the axis (mm) and a confidence 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileBody {
    /// Superior endplate (mm along the axis).
    pub superior_mm: f64,
    /// Inferior endplate (mm along the axis).
    pub inferior_mm: f64,
    /// Median value inside the body (away from the endplates).
    pub plateau: f64,
    /// 0..1: the body's contrast against its neighbours relative to the profile's, and
    /// the regularity of its height.
    pub confidence: f64,
}

/// What lies directly below the caudal body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Below {
    /// Too little of the scan below it to tell (< 1 mm).
    Unknown,
    /// A gap like the series' discs, or a gap followed by bone: a mobile disc.
    Disc,
    /// Bone continues, or tissue unlike the discs and no bone below: no mobile disc.
    NoDisc,
}

/// A split profile.
#[derive(Debug, Clone)]
pub struct Split {
    /// Bodies, cranial to caudal.
    pub bodies: Vec<ProfileBody>,
    /// Median of the bodies' plateaus.
    pub body_level: f64,
    /// Median of the discs' values between bodies (NaN without discs).
    pub disc_level: f64,
    /// What lies below the caudal body.
    pub below_caudal: Below,
}

/// The percentiles at which the profile's values are clipped for Otsu's threshold, in
/// the order tried.
const CLIP_PERCENTILES: [usize; 3] = [85, 70, 55];
/// Half the thickness of a cortical endplate, mm: how far its surface lies beyond the
/// peak of its blurred image.
const ENDPLATE_HALF_MM: f64 = 0.5;

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Otsu's threshold of `values` (finite ones), clipped to their 1st–85th percentiles.
pub fn otsu(values: &[f64]) -> Option<f64> {
    otsu_clipped(values, 85)
}

/// Otsu's threshold of `values` (finite ones), clipped to their 1st–`high_pct`th
/// percentiles.
fn otsu_clipped(values: &[f64], high_pct: usize) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 4 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    // Clipped high at the 85th percentile: the thin bright endplates must not pull the
    // threshold up between the bodies' plateaus.
    let lo = v[v.len() / 100];
    let hi = v[((v.len() * high_pct) / 100).min(v.len() - 1)];
    if hi <= lo {
        return None;
    }
    const BINS: usize = 256;
    let mut hist = [0usize; BINS];
    let bin = |x: f64| (((x.clamp(lo, hi) - lo) / (hi - lo)) * (BINS - 1) as f64).round() as usize;
    for &x in &v {
        hist[bin(x).min(BINS - 1)] += 1;
    }
    let total = v.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &h)| i as f64 * h as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_i) = (0.0, 0.0, -1.0, 0usize);
    for (i, &h) in hist.iter().enumerate() {
        w0 += h as f64;
        sum0 += i as f64 * h as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1).powi(2);
        if between > best {
            best = between;
            best_i = i;
        }
    }
    Some(lo + (best_i as f64 + 0.5) / (BINS - 1) as f64 * (hi - lo))
}

/// How much longer than the longest body a run of bone from the scan's caudal end must be
/// to be a fused sacrum.
pub const FUSED_SACRUM_FACTOR: f64 = 1.25;

/// A body while splitting: inferior and superior endplates (mm), plateau, the troughs
/// below and above, and the index of its run.
type RawBody = (f64, f64, f64, f64, f64, usize);

/// Runs of equal flags: (start, end inclusive, flag).
fn runs(flags: &[bool]) -> Vec<(usize, usize, bool)> {
    let mut out: Vec<(usize, usize, bool)> = Vec::new();
    for (i, &f) in flags.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.2 == f => last.1 = i,
            _ => out.push((i, i, f)),
        }
    }
    out
}

impl Profile {
    fn t(&self, i: f64) -> f64 {
        self.t0_mm + i * self.step_mm
    }

    /// Splits the profile into bodies; `None` when it has no contrast at all.
    ///
    /// The threshold is Otsu's on the values clipped at their 85th, 70th and 55th
    /// percentiles, and Otsu's on the samples below each of those (bodies of lower
    /// density among the discs, as when a long dense sacrum or the denser upper bodies
    /// weigh on the first split); the split with the most bodies wins (the first on a
    /// tie). Endplates blurred over a thick
    /// slice (partial volume) can fill more than 15 % of the profile and would otherwise
    /// pull the threshold between the endplates and the bodies' plateaus.
    pub fn split(&self, min_body_mm: f64) -> Option<Split> {
        let clipped: Vec<f64> = CLIP_PERCENTILES
            .iter()
            .filter_map(|&pct| otsu_clipped(&self.values, pct))
            .collect();
        let mut thresholds = clipped.clone();
        for &t in &clipped {
            let below: Vec<f64> = self
                .values
                .iter()
                .copied()
                .filter(|x| x.is_finite() && *x <= t)
                .collect();
            thresholds.extend(otsu(&below));
        }
        let mut best: Option<Split> = None;
        for thr in thresholds {
            let Some(split) = self.split_at(min_body_mm, thr) else {
                continue;
            };
            if best
                .as_ref()
                .is_none_or(|b| split.bodies.len() > b.bodies.len())
            {
                best = Some(split);
            }
        }
        best
    }

    /// Splits the profile into bodies at the threshold `thr`.
    fn split_at(&self, min_body_mm: f64, thr: f64) -> Option<Split> {
        let v = &self.values;
        let steps = |mm: f64| (mm / self.step_mm).round().max(1.0) as usize;
        let valid: Vec<bool> = v.iter().map(|x| x.is_finite()).collect();
        let first = valid.iter().position(|&b| b)?;
        let last = valid.iter().rposition(|&b| b)?;
        let mut high: Vec<bool> = v.iter().map(|&x| x.is_finite() && x > thr).collect();
        // Fill short low gaps inside high runs; drop short high runs.
        for (a, b, f) in runs(&high) {
            if !f && a > first && b < last && b + 1 - a < steps(1.5) {
                high[a..=b].iter_mut().for_each(|h| *h = true);
            }
        }
        for (a, b, f) in runs(&high) {
            if f && b + 1 - a < steps(min_body_mm) {
                high[a..=b].iter_mut().for_each(|h| *h = false);
            }
        }
        let all = runs(&high);
        let low_median = |a: usize, b: usize| {
            let mut s: Vec<f64> = v[a..=b].iter().copied().filter(|x| x.is_finite()).collect();
            median(&mut s)
        };
        // Body runs with low samples on both sides, inside the valid range.
        let mut raw = Vec::new();
        for (idx, &(a, b, f)) in all.iter().enumerate() {
            if !f || a <= first || b >= last {
                continue;
            }
            let (Some(below), Some(above)) = (all.get(idx.wrapping_sub(1)), all.get(idx + 1))
            else {
                continue;
            };
            let m = steps(3.0);
            let (pa, pb) = if b > a + 2 * m {
                (a + m, b - m)
            } else {
                (a, b)
            };
            let plateau = low_median(pa, pb);
            let tb = low_median(below.0.max(a.saturating_sub(steps(6.0))), below.1);
            let ta = low_median(above.0, above.1.min(b + steps(6.0)));
            // Half height between the trough and the endplate's peak (the cortex where
            // it shows, else the plateau).
            let peak = |lo: usize, hi: usize| {
                v[lo..=hi.min(v.len() - 1)]
                    .iter()
                    .copied()
                    .filter(|x| x.is_finite())
                    .fold(plateau, f64::max)
            };
            let p_inf = peak(a, a + steps(3.0));
            let p_sup = peak(b.saturating_sub(steps(3.0)), b);
            let mut inf = self.crossing_up(a, (p_inf + tb) / 2.0, steps(2.0));
            let mut sup = self.crossing_down(b, (p_sup + ta) / 2.0, steps(2.0));
            // A bright endplate thinner than the slice is blurred over the slice
            // (partial volume): its half-height flank then lies up to about half a slice
            // beyond its surface, while its peak stays at its middle. The surface is
            // taken no farther than ENDPLATE_HALF_MM beyond a distinct peak.
            let bump = 0.25 * (plateau - 0.5 * (tb + ta)).abs();
            if let Some(t) =
                self.peak_at(a.saturating_sub(steps(2.0)), a + steps(3.0), plateau + bump)
            {
                inf = inf.max(t - ENDPLATE_HALF_MM);
            }
            if let Some(t) =
                self.peak_at(b.saturating_sub(steps(3.0)), b + steps(2.0), plateau + bump)
            {
                sup = sup.min(t + ENDPLATE_HALF_MM);
            }
            raw.push((inf, sup, plateau, tb, ta, idx));
        }
        let sacrum = self.fused_sacrum(&all, &raw, first, thr);
        if let Some(s) = sacrum {
            raw.insert(0, s);
        }
        if raw.is_empty() {
            return Some(Split {
                bodies: Vec::new(),
                body_level: f64::NAN,
                disc_level: f64::NAN,
                below_caudal: Below::Unknown,
            });
        }
        let mut plateaus: Vec<f64> = raw.iter().map(|r| r.2).collect();
        let body_level = median(&mut plateaus);
        let mut discs: Vec<f64> = raw.windows(2).map(|w| w[0].4).collect();
        let disc_level = median(&mut discs);
        let mut heights: Vec<f64> = raw.iter().map(|r| r.1 - r.0).collect();
        let h_med = median(&mut heights);
        let reference = if disc_level.is_finite() {
            disc_level
        } else {
            thr - (body_level - thr)
        };
        let range = (body_level - reference).abs().max(1e-9);
        let bodies: Vec<ProfileBody> = raw
            .iter()
            .rev()
            .map(|&(inf, sup, plateau, tb, ta, _)| {
                let contrast = ((plateau - 0.5 * (tb + ta)) / range).clamp(0.0, 1.0);
                let ratio = (sup - inf) / h_med;
                let regular = if (0.6..=1.5).contains(&ratio) {
                    1.0
                } else {
                    0.5
                };
                ProfileBody {
                    superior_mm: sup,
                    inferior_mm: inf,
                    plateau,
                    confidence: (contrast * regular).clamp(0.0, 1.0),
                }
            })
            .collect();
        // Below the caudal body.
        let caudal_idx = raw[0].5;
        let below_caudal = match caudal_idx.checked_sub(1).and_then(|i| all.get(i)) {
            _ if sacrum.is_some() => Below::NoDisc,
            None => Below::Unknown,
            Some(&(a, b, _)) => {
                let gap_mm = (b + 1 - a) as f64 * self.step_mm;
                let bone_below = (first..a).any(|i| v[i] > thr);
                if bone_below {
                    Below::Disc
                } else if gap_mm < 1.0 {
                    Below::Unknown
                } else {
                    let near = low_median(a.max(b.saturating_sub(steps(8.0))), b);
                    let disc_like = disc_level.is_finite()
                        && (near - disc_level).abs() <= 0.2 * (body_level - disc_level).abs();
                    if disc_like {
                        Below::Disc
                    } else {
                        Below::NoDisc
                    }
                }
            }
        };
        Some(Split {
            bodies,
            body_level,
            disc_level,
            below_caudal,
        })
    }

    /// The position (mm) of the largest sample in `lo..=hi` when it exceeds `above`.
    fn peak_at(&self, lo: usize, hi: usize, above: f64) -> Option<f64> {
        let v = &self.values;
        let hi = hi.min(v.len().checked_sub(1)?);
        let (i, x) = (lo..=hi)
            .filter_map(|i| v.get(i).map(|&x| (i, x)))
            .filter(|(_, x)| x.is_finite())
            .max_by(|p, q| p.1.total_cmp(&q.1))?;
        (x > above).then(|| self.t(i as f64))
    }

    /// A fused sacrum running to the scan's caudal end, as a body (the tuple of `split`'s
    /// bodies): bone from the first valid sample up to a gap directly below the caudal
    /// body, longer than [`FUSED_SACRUM_FACTOR`] × the longest body (no lumbar body cut by
    /// the scan is that long), the gap like the series' other discs (or, with one other
    /// body, darker than the bodies by at least half their contrast against the scan's
    /// threshold). Its superior endplate is found as any other; its inferior one (the
    /// S1/S2 junction, which a fused sacrum does not show) is estimated one median body
    /// height below, within the scan.
    fn fused_sacrum(
        &self,
        all: &[(usize, usize, bool)],
        raw: &[RawBody],
        first: usize,
        thr: f64,
    ) -> Option<RawBody> {
        let v = &self.values;
        let steps = |mm: f64| (mm / self.step_mm).round().max(1.0) as usize;
        let caudal = raw.first()?;
        let gap_idx = caudal.5.checked_sub(1)?;
        let run_idx = gap_idx.checked_sub(1)?;
        let (&(a, b, high), &(ga, gb, _)) = (all.get(run_idx)?, all.get(gap_idx)?);
        if !high || a > first {
            return None;
        }
        let longest = raw.iter().map(|r| r.1 - r.0).fold(0.0, f64::max);
        let run_mm = (b + 1 - a) as f64 * self.step_mm;
        if longest <= 0.0 || run_mm < FUSED_SACRUM_FACTOR * longest {
            return None;
        }
        let med = |lo: usize, hi: usize| {
            let mut s: Vec<f64> = v[lo..=hi]
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            median(&mut s)
        };
        let gap = med(ga, gb);
        let mut plateaus: Vec<f64> = raw.iter().map(|r| r.2).collect();
        let body_level = median(&mut plateaus);
        let mut discs: Vec<f64> = raw.windows(2).map(|w| w[0].4).collect();
        let disc_level = median(&mut discs);
        let disc_like = if raw.len() >= 2 {
            (gap - disc_level).abs() <= 0.2 * (body_level - disc_level).abs()
        } else {
            body_level - gap >= 0.5 * (body_level - thr)
        };
        if !disc_like {
            return None;
        }
        let plateau = med(a, b.saturating_sub(steps(3.0)).max(a));
        let p_sup = v[b.saturating_sub(steps(3.0))..=b]
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(plateau, f64::max);
        let sup = self.crossing_down(b, (p_sup + gap) / 2.0, steps(2.0));
        let mut heights: Vec<f64> = raw.iter().map(|r| r.1 - r.0).collect();
        let inf = (sup - median(&mut heights)).max(self.t(first as f64));
        Some((inf, sup, plateau, gap, gap, run_idx))
    }

    /// The position where the profile rises through `thr` nearest index `a` (the first
    /// high sample of a body), searching `reach` samples either side.
    fn crossing_up(&self, a: usize, thr: f64, reach: usize) -> f64 {
        let v = &self.values;
        let lo = a.saturating_sub(reach);
        let hi = (a + reach).min(v.len().saturating_sub(1));
        for i in lo..hi {
            let (x0, x1) = (v[i], v[i + 1]);
            if x0.is_finite() && x1.is_finite() && x0 < thr && x1 >= thr {
                return self.t(i as f64 + (thr - x0) / (x1 - x0));
            }
        }
        self.t(a as f64 - 0.5)
    }

    /// The position where the profile falls through `thr` nearest index `b` (the last
    /// high sample of a body), searching `reach` samples either side.
    fn crossing_down(&self, b: usize, thr: f64, reach: usize) -> f64 {
        let v = &self.values;
        let lo = b.saturating_sub(reach);
        let hi = (b + reach).min(v.len().saturating_sub(1));
        for i in (lo..hi).rev() {
            let (x0, x1) = (v[i], v[i + 1]);
            if x0.is_finite() && x1.is_finite() && x0 >= thr && x1 < thr {
                return self.t(i as f64 + (x0 - thr) / (x0 - x1));
            }
        }
        self.t(b as f64 + 0.5)
    }
}
