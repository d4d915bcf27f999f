//! The 1-D analysis both modalities share: a profile of values sampled along the spine's
//! axis (bodies high, discs low on CT; on T1 MR marrow bright, discs darker), split into
//! bodies and discs, with each endplate at the half-height crossing between a body's
//! plateau and the neighbouring disc's trough, interpolated between samples.

/// One body in a profile: positions along the axis (mm) and a confidence 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileBody {
    /// Superior endplate (mm along the axis).
    pub superior_mm: f64,
    /// Inferior endplate (mm along the axis).
    pub inferior_mm: f64,
    /// 0..1: the body's contrast against its discs relative to the profile's range.
    pub confidence: f64,
}
