//! Views along a planned screw: oblique planes of the volume sampled with trilinear
//! interpolation ([`screw_view`]), each with the screw's outline in the view's pixels
//! and the mapping between the view's pixels and patient millimetres, so a window can
//! draw the image, the outline and handles and hit-test them.
//!
//! - [`ScrewViewKind::AxialOblique`]: the plane containing the axis and the horizontal
//!   direction perpendicular to it (the axial plane tilted with the screw). Columns run
//!   along that horizontal direction towards patient left (+x, to the image's right as
//!   in the axial images), rows along the axis from the tip (top) to the entry (bottom).
//! - [`ScrewViewKind::SagittalOblique`]: the vertical plane containing the axis. Columns
//!   run along the axis from tip (left) to entry (right), as anterior is on the left of
//!   a sagittal image; rows from cranial (top) to caudal.
//! - [`ScrewViewKind::EnFace`]: the plane perpendicular to the axis at a depth from the
//!   entry; columns as in the axial-oblique view, rows from cranial to caudal. The
//!   screw is a circle.
//!
//! The image is centred on the screw's midpoint (en face: on the axis).

use crate::geometry::{Vec3, add_scaled, dot, sub};
use crate::plan::error::PlanError;
use crate::plan::sample::Sampler;
use crate::plan::screw::ScrewPlan;
use crate::session::Side;

use super::render::{GreyImage, WindowLevel};

/// Which view along the screw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScrewViewKind {
    /// The axial-oblique plane containing the axis.
    AxialOblique,
    /// The sagittal-oblique plane containing the axis.
    SagittalOblique,
    /// Perpendicular to the axis, this far from the entry (mm).
    EnFace {
        /// Depth from the entry along the axis, mm.
        depth_mm: f64,
    },
}

/// Size and resolution of a view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewOptions {
    /// Width and height in pixels.
    pub size_px: usize,
    /// Pixel size, mm.
    pub pixel_mm: f64,
}

impl Default for ViewOptions {
    /// 320 × 320 pixels of 0.25 mm (80 mm across).
    fn default() -> Self {
        ViewOptions {
            size_px: 320,
            pixel_mm: 0.25,
        }
    }
}

/// Pixel ↔ patient mapping of a view: pixel (column, row) has its centre at
/// `origin_mm + column·pixel_mm·right + row·pixel_mm·down`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewMapping {
    /// Centre of pixel (0, 0), patient mm.
    pub origin_mm: Vec3,
    /// Unit direction of increasing column.
    pub right: Vec3,
    /// Unit direction of increasing row.
    pub down: Vec3,
    /// Pixel size, mm.
    pub pixel_mm: f64,
}

impl ViewMapping {
    /// The patient point of the (sub-)pixel position (column, row).
    pub fn pixel_to_patient(&self, col: f64, row: f64) -> Vec3 {
        add_scaled(
            add_scaled(self.origin_mm, col * self.pixel_mm, self.right),
            row * self.pixel_mm,
            self.down,
        )
    }

    /// The (column, row) of a patient point's projection on the view, and its signed
    /// distance from the view's plane (mm, along right × down).
    pub fn patient_to_pixel(&self, p: Vec3) -> (f64, f64, f64) {
        let d = sub(p, self.origin_mm);
        let n = crate::geometry::cross(self.right, self.down);
        (
            dot(d, self.right) / self.pixel_mm,
            dot(d, self.down) / self.pixel_mm,
            dot(d, n),
        )
    }
}

/// One view along a screw.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrewView {
    /// Which view.
    pub kind: ScrewViewKind,
    /// Width, pixels.
    pub width: usize,
    /// Height, pixels.
    pub height: usize,
    /// Values (HU for CT), row-major; NaN outside the volume.
    pub values: Vec<f32>,
    /// Pixel ↔ patient mapping.
    pub mapping: ViewMapping,
    /// The screw's outline in pixel coordinates (column, row), a closed polygon: the
    /// rectangle of the screw's diameter from entry to tip, or its circle en face.
    pub outline_px: Vec<[f64; 2]>,
    /// The entry and the tip in pixel coordinates (column, row) (en face: their
    /// projections, both on the axis point).
    pub axis_px: [[f64; 2]; 2],
}

impl ScrewView {
    /// The view as grey levels through a window.
    pub fn to_grey(&self, window: WindowLevel) -> GreyImage {
        GreyImage {
            width: self.width,
            height: self.height,
            pixels: self
                .values
                .iter()
                .map(|&v| {
                    if v.is_finite() {
                        window.grey(v as f64)
                    } else {
                        0
                    }
                })
                .collect(),
        }
    }
}

/// Renders a view along a screw of `diameter_mm` × `length_mm` planned along `plan` on
/// `side`. Err when a size is not positive.
pub fn screw_view(
    sampler: &Sampler,
    plan: &ScrewPlan,
    side: Side,
    diameter_mm: f64,
    length_mm: f64,
    kind: ScrewViewKind,
    opts: ViewOptions,
) -> Result<ScrewView, PlanError> {
    if !(diameter_mm > 0.0 && length_mm > 0.0 && opts.pixel_mm > 0.0 && opts.size_px > 0) {
        return Err(PlanError::Invalid {
            field: "diameter_mm, length_mm, pixel_mm, size_px",
            reason: "must be positive".into(),
        });
    }
    if opts.size_px > 4096 {
        return Err(PlanError::Invalid {
            field: "size_px",
            reason: "at most 4096".into(),
        });
    }
    let f = plan.frame(side);
    let neg = |v: Vec3| [-v[0], -v[1], -v[2]];
    // "right" follows +x like the axial images: the lateral direction for a left screw.
    let horizontal = match side {
        Side::L => neg(f.medial),
        Side::R => f.medial,
    };
    let (right, down, centre) = match kind {
        ScrewViewKind::AxialOblique => (horizontal, neg(f.axis), plan.point_at(0.5 * length_mm)),
        ScrewViewKind::SagittalOblique => {
            (neg(f.axis), neg(f.cranial), plan.point_at(0.5 * length_mm))
        }
        ScrewViewKind::EnFace { depth_mm } => (horizontal, neg(f.cranial), plan.point_at(depth_mm)),
    };
    let half = (opts.size_px as f64 - 1.0) / 2.0;
    let origin = add_scaled(
        add_scaled(centre, -half * opts.pixel_mm, right),
        -half * opts.pixel_mm,
        down,
    );
    let mapping = ViewMapping {
        origin_mm: origin,
        right,
        down,
        pixel_mm: opts.pixel_mm,
    };
    let n = opts.size_px;
    let mut values = vec![f32::NAN; n * n];
    let i0 = sampler.index_of(origin);
    let di_c = sampler.index_step(right).map(|v| v * opts.pixel_mm);
    let di_r = sampler.index_step(down).map(|v| v * opts.pixel_mm);
    for (row, out) in values.chunks_mut(n).enumerate() {
        let rf = row as f64;
        let mut i = [
            i0[0] + rf * di_r[0],
            i0[1] + rf * di_r[1],
            i0[2] + rf * di_r[2],
        ];
        for v in out.iter_mut() {
            if let Some(x) = sampler.value_at_index(i) {
                *v = x;
            }
            i[0] += di_c[0];
            i[1] += di_c[1];
            i[2] += di_c[2];
        }
    }
    let px = |p: Vec3| {
        let (c, r, _) = mapping.patient_to_pixel(p);
        [c, r]
    };
    let entry = plan.entry_mm;
    let tip = plan.tip_mm(length_mm);
    let r = 0.5 * diameter_mm;
    let outline_px = match kind {
        ScrewViewKind::EnFace { depth_mm } => {
            let c = plan.point_at(depth_mm);
            (0..72)
                .map(|k| {
                    let t = k as f64 * std::f64::consts::TAU / 72.0;
                    px(add_scaled(
                        add_scaled(c, r * t.cos(), right),
                        r * t.sin(),
                        down,
                    ))
                })
                .collect()
        }
        _ => vec![
            px(add_scaled(entry, -r, right)),
            px(add_scaled(tip, -r, right)),
            px(add_scaled(tip, r, right)),
            px(add_scaled(entry, r, right)),
        ],
    };
    // In the sagittal-oblique view the screw's width runs along "down".
    let outline_px = if kind == ScrewViewKind::SagittalOblique {
        vec![
            px(add_scaled(entry, -r, down)),
            px(add_scaled(tip, -r, down)),
            px(add_scaled(tip, r, down)),
            px(add_scaled(entry, r, down)),
        ]
    } else {
        outline_px
    };
    Ok(ScrewView {
        kind,
        width: n,
        height: n,
        values,
        mapping,
        outline_px,
        axis_px: [px(entry), px(tip)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicom::volume::{Volume, Voxels};
    use crate::geometry::ImagePlane;
    use ndarray::Array3;

    /// A 40 × 40 × 40 volume of 1 mm voxels from (−20, −20, −20) whose value is x + 2y + 3z
    /// (trilinear interpolation reproduces a linear field exactly).
    fn linear_volume() -> Volume {
        let n = 40;
        let values = Array3::from_shape_fn((n, n, n), |(k, r, c)| {
            let (x, y, z) = (c as f32 - 20.0, r as f32 - 20.0, k as f32 - 20.0);
            x + 2.0 * y + 3.0 * z
        });
        Volume {
            voxels: Voxels::Float(values),
            planes: (0..n)
                .map(|k| ImagePlane {
                    origin_mm: [-20.0, -20.0, k as f64 - 20.0],
                    row_dir: [1.0, 0.0, 0.0],
                    col_dir: [0.0, 1.0, 0.0],
                    row_spacing_mm: 1.0,
                    col_spacing_mm: 1.0,
                })
                .collect(),
            sop_instance_uids: (0..n).map(|k| k.to_string()).collect(),
            frames: vec![0; n],
            slice_spacing_mm: 1.0,
            normal: [0.0, 0.0, 1.0],
        }
    }

    #[test]
    fn views_map_pixels_to_patient_points_and_sample_them() {
        let v = linear_volume();
        let Ok(s) = Sampler::new(&v) else {
            panic!("sampler");
        };
        let Some(plan) = ScrewPlan::through("s", [5.0, 10.0, 1.0], [3.0, -5.0, 3.0]) else {
            panic!("plan");
        };
        let opts = ViewOptions {
            size_px: 41,
            pixel_mm: 0.5,
        };
        for kind in [
            ScrewViewKind::AxialOblique,
            ScrewViewKind::SagittalOblique,
            ScrewViewKind::EnFace { depth_mm: 6.0 },
        ] {
            let Ok(view) = screw_view(&s, &plan, Side::L, 6.0, 20.0, kind, opts) else {
                panic!("view");
            };
            for (c, r) in [(0usize, 0usize), (20, 20), (40, 7), (13, 33)] {
                let p = view.mapping.pixel_to_patient(c as f64, r as f64);
                let (c2, r2, off) = view.mapping.patient_to_pixel(p);
                assert!((c2 - c as f64).abs() < 1e-9 && (r2 - r as f64).abs() < 1e-9);
                assert!(off.abs() < 1e-9);
                let want = p[0] + 2.0 * p[1] + 3.0 * p[2];
                let got = view.values[r * 41 + c] as f64;
                assert!(
                    (got - want).abs() < 1e-3,
                    "{kind:?} ({c}, {r}): {got} vs {want}"
                );
            }
            let [e, t] = view.axis_px;
            match kind {
                ScrewViewKind::EnFace { .. } => {
                    // The axis point is the centre; the outline a circle of 3 mm = 6 px.
                    assert!((e[0] - 20.0).abs() < 1e-9 && (e[1] - 20.0).abs() < 1e-9);
                    for q in &view.outline_px {
                        let r = (q[0] - 20.0).hypot(q[1] - 20.0);
                        assert!((r - 6.0).abs() < 1e-9);
                    }
                }
                ScrewViewKind::AxialOblique => {
                    // Vertical, tip on top, 20 mm = 40 px long, centred.
                    assert!((e[0] - t[0]).abs() < 1e-9 && (e[1] - t[1] - 40.0).abs() < 1e-9);
                    assert!((e[1] + t[1] - 40.0).abs() < 1e-9);
                }
                ScrewViewKind::SagittalOblique => {
                    // Horizontal, tip on the left (anterior).
                    assert!((e[1] - t[1]).abs() < 1e-9 && (e[0] - t[0] - 40.0).abs() < 1e-9);
                }
            }
        }
    }
}
