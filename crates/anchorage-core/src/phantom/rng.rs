//! A tiny deterministic random number generator for the phantom's noise.
//!
//! splitmix64 for uniform bits and the Box–Muller transform for Gaussian deviates. It is
//! written here, not taken from a crate, so the committed sample data never changes with
//! a dependency upgrade. Box–Muller uses `ln`, `sin` and `cos` from the platform's maths
//! library; a last-bit difference there could only flip the rounding of a stored value
//! in the rare case it lands within one ulp of a half-integer.

use crate::dicom::write::splitmix64_mix;

/// splitmix64: a 64-bit state advanced by a constant and mixed on output.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// A generator for one stream (e.g. one slice of one series) of a seeded run.
    pub fn for_stream(seed: u64, stream: u64, index: u64) -> Self {
        let s = splitmix64_mix(splitmix64_mix(seed ^ 0x5851_F42D_4C95_7F2D) ^ stream);
        SplitMix64::new(splitmix64_mix(
            s ^ index.wrapping_mul(0x2545_F491_4F6C_DD1D),
        ))
    }

    /// The next 64 uniform bits.
    pub fn next_u64(&mut self) -> u64 {
        let out = splitmix64_mix(self.state);
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        out
    }

    /// A uniform deviate in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Standard normal deviates by the Box–Muller transform (both values of each pair used).
#[derive(Debug, Clone)]
pub struct Gaussian {
    rng: SplitMix64,
    spare: Option<f64>,
}

impl Gaussian {
    /// A Gaussian source drawing its uniforms from `rng`.
    pub fn new(rng: SplitMix64) -> Self {
        Gaussian { rng, spare: None }
    }

    /// The next standard normal deviate (mean 0, SD 1).
    pub fn sample(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.rng.next_f64(); // (0, 1]: ln is finite
        let u2 = self.rng.next_f64();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_reproducible() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        // The reference splitmix64 sequence for seed 0 starts with this value.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn gaussian_moments_are_plausible() {
        let mut g = Gaussian::new(SplitMix64::new(7));
        let n = 200_000;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let z = g.sample();
            sum += z;
            sum2 += z * z;
        }
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }
}
