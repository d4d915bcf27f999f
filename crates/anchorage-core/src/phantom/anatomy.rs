//! The phantom's anatomy, defined once, analytically, in patient coordinates.
//!
//! DICOM LPS, mm: x towards the patient's left, y towards posterior, z towards superior.
//! A straight lumbar spine T12 (partial context), L1–L5 and a simplified S1 body, centred
//! on x = 0 with every posterior vertebral wall at y = 16 mm. [`Anatomy::tissue_at`]
//! labels any point; both the CT and the MR series sample it at their pixel centres (no
//! partial volume), so both share one frame of reference.
//!
//! Shapes, in the order they win where they overlap:
//! 1. air outside the torso outline (an elliptic cylinder);
//! 2. vertebral bodies: vertical prisms whose cross-section is an ellipse cut flat at the
//!    posterior wall, with a cortical shell and cortical endplates; where a pedicle's
//!    cancellous core meets the shell it opens into the body (pedicle marrow wins there);
//! 3. pedicles: oriented elliptic cylinders (slightly hourglass-shaped, narrowest at the
//!    isthmus) with a cortical rim, a cortical posterior cap and a cancellous core;
//! 4. lamina, spinous and transverse processes: solid cortical boxes;
//! 5. discs between the bodies;
//! 6. the dural sac (CSF) inside the spinal canal (the rest of the canal is epidural fat);
//! 7. muscle (paraspinal muscle and every other soft tissue) inside the subcutaneous fat
//!    layer, subcutaneous fat between it and the skin.

use serde::{Deserialize, Serialize};

mod lumbar;

pub use super::labels::{Level, Side, Tissue};
use super::pose::Pose;

/// An axial cross-section: an ellipse, cut flat at `max_y_mm` (the posterior wall).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Centre of the ellipse, x (mm).
    pub centre_x_mm: f64,
    /// Centre of the ellipse, y (mm).
    pub centre_y_mm: f64,
    /// Semi-axis along x (mm).
    pub semi_x_mm: f64,
    /// Semi-axis along y (mm).
    pub semi_y_mm: f64,
    /// Posterior cut: points with a larger y are outside (mm).
    pub max_y_mm: f64,
}

impl Section {
    /// Whether (x, y) lies inside (boundary inclusive).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let u = (x - self.centre_x_mm) / self.semi_x_mm;
        let v = (y - self.centre_y_mm) / self.semi_y_mm;
        y <= self.max_y_mm && u * u + v * v <= 1.0
    }

    /// The section moved inwards by `d` mm on every side (ellipse semi-axes and cut).
    pub fn inset(&self, d: f64) -> Section {
        Section {
            semi_x_mm: self.semi_x_mm - d,
            semi_y_mm: self.semi_y_mm - d,
            max_y_mm: self.max_y_mm - d,
            ..*self
        }
    }

    /// The anterior-most y of the section.
    pub fn min_y_mm(&self) -> f64 {
        self.centre_y_mm - self.semi_y_mm
    }

    /// Where the line p + s·d (in the axial plane; only x and y are used) runs inside the
    /// section: `(s_in, s_out)`, or `None` when it misses.
    pub fn chord(&self, p: [f64; 3], d: [f64; 3]) -> Option<(f64, f64)> {
        let (px, py) = (p[0] - self.centre_x_mm, p[1] - self.centre_y_mm);
        let (a2, b2) = (self.semi_x_mm.powi(2), self.semi_y_mm.powi(2));
        let alpha = d[0] * d[0] / a2 + d[1] * d[1] / b2;
        let beta = 2.0 * (px * d[0] / a2 + py * d[1] / b2);
        let gamma = px * px / a2 + py * py / b2 - 1.0;
        let disc = beta * beta - 4.0 * alpha * gamma;
        if alpha <= 0.0 || disc < 0.0 {
            return None;
        }
        let root = disc.sqrt();
        let (mut s0, mut s1) = (
            (-beta - root) / (2.0 * alpha),
            (-beta + root) / (2.0 * alpha),
        );
        let cut = (self.max_y_mm - p[1]) / d[1];
        if d[1] < 0.0 {
            s0 = s0.max(cut);
        } else if d[1] > 0.0 {
            s1 = s1.min(cut);
        } else if p[1] > self.max_y_mm {
            return None;
        }
        (s0 < s1).then_some((s0, s1))
    }

    /// A body-like section: `half_width` wide on each side, `depth` from the flat
    /// posterior wall at `wall_y` to the anterior apex. The ellipse centre lies 0.7
    /// semi-axes in front of the wall, so the flat wall spans ±0.71 half-widths.
    fn body_like(half_width: f64, depth: f64, wall_y: f64) -> Section {
        let semi_y = depth / 1.7;
        Section {
            centre_x_mm: 0.0,
            centre_y_mm: wall_y - 0.7 * semi_y,
            semi_x_mm: half_width,
            semi_y_mm: semi_y,
            max_y_mm: wall_y,
        }
    }
}

/// A vertebral body: a vertical prism of [`Section`] between two endplates.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Its level.
    pub level: Level,
    /// Outer cross-section (outer surface of the cortical shell).
    pub section: Section,
    /// Inferior surface (mm).
    pub z_inferior_mm: f64,
    /// Superior surface (mm).
    pub z_superior_mm: f64,
    /// Thickness of the cortical shell (mm).
    pub shell_mm: f64,
    /// Thickness of each cortical endplate (mm).
    pub endplate_mm: f64,
}

impl Body {
    /// The cross-section of the cancellous core.
    pub fn core_section(&self) -> Section {
        self.section.inset(self.shell_mm)
    }

    /// The centre of the body's bounding box (mm).
    pub fn centre_mm(&self) -> [f64; 3] {
        [
            self.section.centre_x_mm,
            0.5 * (self.section.min_y_mm() + self.section.max_y_mm),
            0.5 * (self.z_inferior_mm + self.z_superior_mm),
        ]
    }

    /// Whether z lies between the endplates' inner surfaces (the core's z-range).
    fn core_z(&self, z: f64) -> bool {
        z >= self.z_inferior_mm + self.endplate_mm && z <= self.z_superior_mm - self.endplate_mm
    }
}

/// An intervertebral disc between two bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct Disc {
    /// The body above.
    pub upper: Level,
    /// The body below.
    pub lower: Level,
    /// Cross-section.
    pub section: Section,
    /// Inferior surface (the lower body's superior surface), mm.
    pub z_inferior_mm: f64,
    /// Superior surface (the upper body's inferior surface), mm.
    pub z_superior_mm: f64,
}

/// A pedicle: an elliptic cylinder along an axis in the axial plane, narrowest at the
/// isthmus and flaring quadratically towards both ends.
///
/// Along the axis, s is the signed distance from the isthmus centre (positive towards
/// anterior, i.e. along [`Pedicle::direction`]); t the offset along
/// [`Pedicle::lateral`]; h = z − z of the isthmus centre. A point is inside when
/// −posterior_length ≤ s ≤ anterior_length and (t/a(s))² + (h/b(s))² ≤ 1 with
/// a(s) = half width + flare_width·s², b(s) = half height + flare_height·s². The
/// cancellous core is the same with a(s) − cortex, b(s) − cortex and
/// s ≥ −posterior_length + cortex (the posterior cortical cap).
#[derive(Debug, Clone, PartialEq)]
pub struct Pedicle {
    /// Its level.
    pub level: Level,
    /// Its side.
    pub side: Side,
    /// Centre of the isthmus (mm).
    pub isthmus_centre_mm: [f64; 3],
    /// Medial convergence: angle between the axis and the sagittal plane (degrees).
    pub convergence_deg: f64,
    /// Width at the isthmus, outer cortex to outer cortex, perpendicular to the axis in
    /// the axial plane (mm).
    pub isthmus_width_mm: f64,
    /// Height at the isthmus, outer cortex to outer cortex (mm).
    pub isthmus_height_mm: f64,
    /// Cortical rim and cap thickness (mm).
    pub cortex_mm: f64,
    /// From the isthmus back to the posterior surface (entry point), along the axis (mm).
    pub posterior_length_mm: f64,
    /// From the isthmus forward into the body, along the axis (mm).
    pub anterior_length_mm: f64,
    /// Flare of the half width, mm per mm².
    pub flare_width_per_mm2: f64,
    /// Flare of the half height, mm per mm².
    pub flare_height_per_mm2: f64,
}

impl Pedicle {
    /// Unit axis direction, pointing anteriorly and medially (the screw's direction).
    pub fn direction(&self) -> [f64; 3] {
        let t = self.convergence_deg.to_radians();
        [-self.side.sign() * t.sin(), -t.cos(), 0.0]
    }

    /// Unit vector in the axial plane, perpendicular to the axis, pointing laterally.
    pub fn lateral(&self) -> [f64; 3] {
        let t = self.convergence_deg.to_radians();
        [self.side.sign() * t.cos(), -t.sin(), 0.0]
    }

    /// The point where the axis leaves the posterior cortical cap: the screw's entry.
    pub fn entry_point_mm(&self) -> [f64; 3] {
        let d = self.direction();
        let c = self.isthmus_centre_mm;
        let l = self.posterior_length_mm;
        [c[0] - l * d[0], c[1] - l * d[1], c[2]]
    }

    /// Outer half width at axial position s (mm).
    pub fn half_width_at(&self, s: f64) -> f64 {
        0.5 * self.isthmus_width_mm + self.flare_width_per_mm2 * s * s
    }

    /// Outer half height at axial position s (mm).
    pub fn half_height_at(&self, s: f64) -> f64 {
        0.5 * self.isthmus_height_mm + self.flare_height_per_mm2 * s * s
    }

    /// The pedicle's tissue code for point p: `None` outside, `Some(true)` in the
    /// cancellous core, `Some(false)` in the cortex.
    pub fn classify(&self, p: [f64; 3]) -> Option<bool> {
        let c = self.isthmus_centre_mm;
        let (dx, dy, h) = (p[0] - c[0], p[1] - c[1], p[2] - c[2]);
        // Cheap rejection before any trigonometry: the pedicle lies within a cylinder
        // of radius L + a(L) about the isthmus centre.
        let l = self.posterior_length_mm.max(self.anterior_length_mm);
        let reach = l + self.half_width_at(l);
        if dx * dx + dy * dy > reach * reach {
            return None;
        }
        let d = self.direction();
        let e = self.lateral();
        let s = dx * d[0] + dy * d[1];
        if s < -self.posterior_length_mm || s > self.anterior_length_mm {
            return None;
        }
        let t = dx * e[0] + dy * e[1];
        let (a, b) = (self.half_width_at(s), self.half_height_at(s));
        if (t / a).powi(2) + (h / b).powi(2) > 1.0 {
            return None;
        }
        let (ac, bc) = (a - self.cortex_mm, b - self.cortex_mm);
        let core = s >= -self.posterior_length_mm + self.cortex_mm
            && (t / ac).powi(2) + (h / bc).powi(2) <= 1.0;
        Some(core)
    }

    /// A z-range outside which the pedicle certainly is not.
    fn z_bound(&self) -> f64 {
        let l = self.posterior_length_mm.max(self.anterior_length_mm);
        self.half_height_at(l)
    }
}

/// An axis-aligned box of solid cortical bone (lamina, spinous or transverse process).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// What it is, e.g. `lamina L3`.
    pub name: String,
    /// Minimum corner (mm).
    pub min_mm: [f64; 3],
    /// Maximum corner (mm).
    pub max_mm: [f64; 3],
}

impl Block {
    fn contains(&self, p: [f64; 3]) -> bool {
        let (lo, hi) = (self.min_mm, self.max_mm);
        p[2] >= lo[2]
            && p[2] <= hi[2]
            && p[0] >= lo[0]
            && p[0] <= hi[0]
            && p[1] >= lo[1]
            && p[1] <= hi[1]
    }
}

/// A vertical elliptic cylinder (canal, dural sac, torso outlines).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EllipseXy {
    /// Centre x (mm).
    pub centre_x_mm: f64,
    /// Centre y (mm).
    pub centre_y_mm: f64,
    /// Semi-axis along x (mm).
    pub semi_x_mm: f64,
    /// Semi-axis along y (mm).
    pub semi_y_mm: f64,
}

impl EllipseXy {
    /// Whether (x, y) lies inside (boundary inclusive).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let u = (x - self.centre_x_mm) / self.semi_x_mm;
        let v = (y - self.centre_y_mm) / self.semi_y_mm;
        u * u + v * v <= 1.0
    }
}

/// The value of a tissue in each modality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TissueValue {
    /// CT value (HU).
    pub ct_hu: i32,
    /// MR T1 signal intensity.
    pub mr_si: i32,
}

/// The whole analytic phantom: shapes and tissue values.
#[derive(Debug, Clone, PartialEq)]
pub struct Anatomy {
    /// Vertebral bodies, superior to inferior.
    pub bodies: Vec<Body>,
    /// Discs, superior to inferior.
    pub discs: Vec<Disc>,
    /// Pedicles of L1–L5, left then right at each level.
    pub pedicles: Vec<Pedicle>,
    /// Solid cortical posterior elements.
    pub blocks: Vec<Block>,
    /// The spinal canal (epidural fat where not dural sac).
    pub canal: EllipseXy,
    /// The dural sac (CSF).
    pub dural_sac: EllipseXy,
    /// Skin surface.
    pub torso_outer: EllipseXy,
    /// Inner surface of the subcutaneous fat.
    pub torso_inner: EllipseXy,
    /// How the whole anatomy is turned in the scanner ([`Pose`]); every shape above is
    /// in the anatomy's own (upright) frame, [`Anatomy::tissue_at`] takes patient points.
    pub pose: Pose,
    values: Vec<(Tissue, TissueValue)>,
}

/// y of every posterior vertebral wall (mm).
pub const POSTERIOR_WALL_Y_MM: f64 = 16.0;

/// Where a fused sacrum ([`Anatomy::with_fused_sacrum`]) ends caudally, z (mm): 73 mm of
/// bone from S1's superior endplate (S1 with S2–S3).
pub const FUSED_SACRUM_INFERIOR_Z_MM: f64 = -150.0;

impl Default for Anatomy {
    fn default() -> Self {
        Anatomy::lumbar()
    }
}

impl Anatomy {
    /// The same anatomy with S1 continued caudally, without a disc, down to
    /// [`FUSED_SACRUM_INFERIOR_Z_MM`]: a fused sacrum (one prism of S1's section and
    /// values; the plain S1 is a body with soft tissue below).
    pub fn with_fused_sacrum(mut self) -> Anatomy {
        for b in self.bodies.iter_mut().filter(|b| b.level == Level::S1) {
            b.z_inferior_mm = FUSED_SACRUM_INFERIOR_Z_MM;
        }
        self
    }

    /// The same anatomy turned by `pose` in the scanner.
    pub fn posed(self, pose: Pose) -> Anatomy {
        Anatomy { pose, ..self }
    }

    /// The tissue at patient point p (mm, LPS), through the anatomy's [`Pose`].
    pub fn tissue_at(&self, p: [f64; 3]) -> Tissue {
        let p = self.pose.to_anatomy(p);
        let [x, y, z] = p;
        if !self.torso_outer.contains(x, y) {
            return Tissue::Air;
        }
        for body in &self.bodies {
            if z < body.z_inferior_mm || z > body.z_superior_mm || !body.section.contains(x, y) {
                continue;
            }
            let core_z = body.core_z(z);
            if core_z && body.core_section().contains(x, y) {
                return Tissue::BodyCancellous(body.level);
            }
            if core_z {
                // The pedicles open into the body through its shell.
                for ped in self.pedicles.iter().filter(|p| p.level == body.level) {
                    if ped.classify(p) == Some(true) {
                        return Tissue::PedicleCancellous(ped.level, ped.side);
                    }
                }
            }
            return Tissue::Cortex;
        }
        for ped in &self.pedicles {
            if (z - ped.isthmus_centre_mm[2]).abs() > ped.z_bound() {
                continue;
            }
            match ped.classify(p) {
                Some(true) => return Tissue::PedicleCancellous(ped.level, ped.side),
                Some(false) => return Tissue::Cortex,
                None => {}
            }
        }
        if self.blocks.iter().any(|b| b.contains(p)) {
            return Tissue::Cortex;
        }
        for disc in &self.discs {
            if z >= disc.z_inferior_mm && z <= disc.z_superior_mm && disc.section.contains(x, y) {
                return Tissue::Disc;
            }
        }
        if self.dural_sac.contains(x, y) {
            return Tissue::Csf;
        }
        if self.canal.contains(x, y) {
            return Tissue::EpiduralFat;
        }
        if self.torso_inner.contains(x, y) {
            Tissue::Muscle
        } else {
            Tissue::SubcutaneousFat
        }
    }

    /// The same anatomy without the shapes that lie entirely outside the axis-aligned
    /// box [lo, hi] (mm): labels inside the box are unchanged, and sampling a slice
    /// through a restricted anatomy is much faster.
    pub fn restricted(&self, lo: [f64; 3], hi: [f64; 3]) -> Anatomy {
        let (lo, hi) = self.anatomy_box(lo, hi);
        let overlaps =
            |min: [f64; 3], max: [f64; 3]| (0..3).all(|i| max[i] >= lo[i] && min[i] <= hi[i]);
        let section_box = |s: &Section, z0: f64, z1: f64| {
            (
                [s.centre_x_mm - s.semi_x_mm, s.min_y_mm(), z0],
                [s.centre_x_mm + s.semi_x_mm, s.max_y_mm, z1],
            )
        };
        Anatomy {
            bodies: self
                .bodies
                .iter()
                .filter(|b| {
                    let (min, max) = section_box(&b.section, b.z_inferior_mm, b.z_superior_mm);
                    overlaps(min, max)
                })
                .cloned()
                .collect(),
            discs: self
                .discs
                .iter()
                .filter(|d| {
                    let (min, max) = section_box(&d.section, d.z_inferior_mm, d.z_superior_mm);
                    overlaps(min, max)
                })
                .cloned()
                .collect(),
            pedicles: self
                .pedicles
                .iter()
                .filter(|p| {
                    let c = p.isthmus_centre_mm;
                    let l = p.posterior_length_mm.max(p.anterior_length_mm);
                    let r = l + p.half_width_at(l);
                    let h = p.z_bound();
                    overlaps(
                        [c[0] - r, c[1] - r, c[2] - h],
                        [c[0] + r, c[1] + r, c[2] + h],
                    )
                })
                .cloned()
                .collect(),
            blocks: self
                .blocks
                .iter()
                .filter(|b| overlaps(b.min_mm, b.max_mm))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// The anatomy-frame box that holds the patient box [lo, hi] (its eight corners
    /// turned back through the pose).
    fn anatomy_box(&self, lo: [f64; 3], hi: [f64; 3]) -> ([f64; 3], [f64; 3]) {
        if self.pose.is_identity() {
            return (lo, hi);
        }
        let mut a_lo = [f64::INFINITY; 3];
        let mut a_hi = [f64::NEG_INFINITY; 3];
        for corner in 0..8 {
            let p = [0, 1, 2].map(|i| if corner >> i & 1 == 0 { lo[i] } else { hi[i] });
            let a = self.pose.to_anatomy(p);
            for i in 0..3 {
                a_lo[i] = a_lo[i].min(a[i]);
                a_hi[i] = a_hi[i].max(a[i]);
            }
        }
        (a_lo, a_hi)
    }

    /// The CT and MR values of a tissue (`None` for a tissue this anatomy lacks, such as
    /// the pedicles of T12).
    pub fn value(&self, tissue: Tissue) -> Option<TissueValue> {
        self.values
            .iter()
            .find(|(t, _)| *t == tissue)
            .map(|(_, v)| *v)
    }

    /// Each label code's value as `pick` takes it from the tissue's values (the CT's HU or
    /// the MR's SI), 0 for a code without a tissue of this anatomy: the table the samplers
    /// look voxels' values up in.
    pub fn value_table(&self, pick: fn(TissueValue) -> i32) -> [f64; 256] {
        let mut table = [0f64; 256];
        for (code, slot) in table.iter_mut().enumerate() {
            if let Some(v) = Tissue::from_code(code as u8).and_then(|t| self.value(t)) {
                *slot = f64::from(pick(v));
            }
        }
        table
    }

    /// Every tissue of the anatomy with its values, sorted by label code.
    pub fn tissues(&self) -> Vec<(Tissue, TissueValue)> {
        let mut all = self.values.clone();
        all.sort_by_key(|(t, _)| t.code());
        all
    }

    /// The body of a level.
    pub fn body(&self, level: Level) -> Option<&Body> {
        self.bodies.iter().find(|b| b.level == level)
    }

    /// The pedicle of a level and side.
    pub fn pedicle(&self, level: Level, side: Side) -> Option<&Pedicle> {
        self.pedicles
            .iter()
            .find(|p| p.level == level && p.side == side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let anatomy = Anatomy::lumbar();
        for (tissue, _) in anatomy.tissues() {
            assert_eq!(Tissue::from_code(tissue.code()), Some(tissue));
        }
        assert_eq!(Tissue::from_code(99), None);
    }

    #[test]
    fn landmarks_have_the_expected_tissue() {
        let a = Anatomy::lumbar();
        let l3 = a.body(Level::L3).map(Body::centre_mm).unwrap_or_default();
        assert_eq!(a.tissue_at(l3), Tissue::BodyCancellous(Level::L3));
        assert_eq!(a.tissue_at([0.0, 22.0, l3[2]]), Tissue::Csf);
        assert_eq!(a.tissue_at([0.0, 0.0, 0.0]), Tissue::Disc);
        assert_eq!(a.tissue_at([0.0, 79.0, 0.0]), Tissue::SubcutaneousFat);
        assert_eq!(a.tissue_at([0.0, 85.0, 0.0]), Tissue::Air);
        assert_eq!(a.tissue_at([60.0, 20.0, 0.0]), Tissue::Muscle);
        for p in &a.pedicles {
            assert_eq!(
                a.tissue_at(p.isthmus_centre_mm),
                Tissue::PedicleCancellous(p.level, p.side)
            );
            let e = p.lateral();
            let c = p.isthmus_centre_mm;
            let half = 0.5 * p.isthmus_width_mm;
            let inside = [
                c[0] + (half - 0.01) * e[0],
                c[1] + (half - 0.01) * e[1],
                c[2],
            ];
            let outside = [
                c[0] + (half + 0.01) * e[0],
                c[1] + (half + 0.01) * e[1],
                c[2],
            ];
            assert_eq!(a.tissue_at(inside), Tissue::Cortex);
            assert_ne!(a.tissue_at(outside), Tissue::Cortex);
        }
    }
}
