//! Places the protocol ROIs on the phantom and computes the ground truth.
//!
//! Each ROI is placed as measurements.md describes, rounded to 0.01 pixel, checked
//! analytically (margins) and on the noise-free label volume (tissues), and measured on
//! the noise-free volume with this module's own rasterisation ([`super::roi`]).

mod common;
mod ct;
mod mr;
mod results;

use super::field::CtFieldTruth;
pub(crate) use common::Inputs;
use common::*;

/// Builds the whole ground-truth document.
/// A posed phantom (see [`super::pose`]) gets no protocol ROIs and no expected results:
/// they are placed on axial slices of the upright spine; nor does a CT whose field does
/// not hold every body of L1–S1 ([`super::field`]), nor a fused sacrum (S1's B-HU
/// planes need a body with two endplates).
pub(crate) fn build(inp: &Inputs<'_>) -> Result<GroundTruth, PhantomError> {
    let pose = inp.anatomy.pose;
    let field = CtFieldTruth::of(inp.anatomy, &inp.ct.geometry);
    let (ct_rois, mr_rois, expected) =
        if pose.is_identity() && !inp.opts.fused_sacrum && field.holds_the_protocol() {
            let b_hu = ct::b_hu_rois(inp)?;
            let (trajectories, calipers) = ct::screw_rois(inp)?;
            let pedicles = mr::mr_pedicle_rois(inp)?;
            let csf = mr::csf_rois(inp)?;
            let expected =
                results::expected_results(&b_hu, &trajectories, &calipers, &pedicles, &csf)?;
            (
                CtRoisTruth {
                    b_hu,
                    trajectories,
                    calipers,
                },
                MrRoisTruth { pedicles, csf },
                Some(expected),
            )
        } else {
            (CtRoisTruth::default(), MrRoisTruth::default(), None)
        };
    let sd = |plan: &SeriesPlan| plan.effective_sd();
    Ok(GroundTruth {
        format: TRUTH_FORMAT.into(),
        version: TRUTH_VERSION,
        generator: GeneratorTruth {
            name: "anchorage phantom".into(),
            phantom_version: PHANTOM_VERSION,
            seed: inp.opts.seed,
            preset: inp.opts.preset.clone(),
            noise: inp.opts.noise,
        },
        conventions: conventions(),
        patient: inp.identity.patient(),
        study: inp.identity.study(),
        ct: series_truth(inp.ct),
        mr: series_truth(inp.mr),
        noise: NoiseTruth {
            enabled: inp.opts.noise,
            ct_sd_hu: inp.ct.noise_sd,
            ct_effective_sd_hu: sd(inp.ct),
            mr_sd_si: inp.mr.noise_sd,
            mr_effective_sd_si: sd(inp.mr),
            notes: "Independent Gaussian noise per pixel (splitmix64 + Box-Muller, one stream \
                    per slice), added to the true value and rounded to the nearest integer; \
                    stored values are clamped to 0..4095, which only affects air."
                .into(),
        },
        tissues: inp
            .anatomy
            .tissues()
            .into_iter()
            .map(|(t, v)| TissueTruth {
                name: t.name(),
                code: t.code(),
                ct_hu: v.ct_hu,
                mr_si: v.mr_si,
            })
            .collect(),
        levels: level_truths(inp.anatomy)?,
        pose,
        ct_rois,
        mr_rois,
        expected,
        ct_field: (!inp.opts.ct_field_is_a_presets()).then_some(field),
    })
}
