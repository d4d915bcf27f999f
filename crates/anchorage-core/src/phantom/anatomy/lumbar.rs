//! The numbers of the phantom's lumbar spine: every size, position and tissue value.
//!
//! These tables are the ground truth; docs/phantom.md repeats them. Changing any of
//! them changes the images, so bump `PHANTOM_VERSION` and regenerate `sample-dicom/`.

use super::{
    Anatomy, Block, Body, Disc, EllipseXy, Level, POSTERIOR_WALL_Y_MM, Pedicle, Section, Side,
    Tissue, TissueValue,
};

/// level, half width, depth, z inferior, z superior (mm), cancellous HU, marrow SI.
#[rustfmt::skip] // a table reads better as a table
const BODIES: [(Level, f64, f64, f64, f64, i32, i32); 7] = [
    (Level::T12, 19.0, 29.0,  110.0,  134.0, 175, 440),
    (Level::L1,  20.0, 30.0,   76.5,  101.5, 165, 450),
    (Level::L2,  21.0, 31.0,   42.0,   68.0, 155, 458),
    (Level::L3,  22.0, 32.0,    6.5,   33.0, 140, 466),
    (Level::L4,  23.0, 33.0,  -30.0,   -3.0, 130, 474),
    (Level::L5,  24.0, 34.0,  -67.0,  -40.0, 135, 470),
    (Level::S1,  25.0, 35.0, -105.0,  -77.0, 170, 440),
];

/// One side of a pedicle: |x| of the isthmus centre, isthmus width (mm), cancellous
/// HU, marrow SI.
type PedicleSide = (f64, f64, i32, i32);

/// level, isthmus centre z, isthmus height (mm), convergence (degrees), left, right.
/// The isthmus centres lie on the default CT's slice planes (multiples of 1.25 mm) and
/// within 0.4 mm of the default MR's sagittal planes (multiples of 3 mm). L1 right is
/// narrower than the 6.5 mm screw on purpose: a negative-clearance case.
#[rustfmt::skip]
const PEDICLES: [(Level, f64, f64, f64, PedicleSide, PedicleSide); 5] = [
    (Level::L1,  92.5,  14.0,  6.0, (14.7,  6.8, 250, 470), (14.6,  6.3, 244, 462)),
    (Level::L2,  58.75, 14.5,  8.0, (15.3,  8.0, 238, 484), (15.4,  8.3, 232, 478)),
    (Level::L3,  23.75, 15.0, 10.0, (17.6,  9.5, 224, 498), (17.7,  9.2, 218, 490)),
    (Level::L4, -12.5,  15.0, 12.0, (18.4, 11.0, 212, 512), (18.2, 11.4, 218, 506)),
    (Level::L5, -50.0,  15.0, 15.0, (21.2, 14.0, 228, 520), (21.1, 13.6, 222, 514)),
];

/// Tissues without a level: CT HU, MR SI.
#[rustfmt::skip]
const FIXED: [(Tissue, i32, i32); 7] = [
    (Tissue::Air,             -1000,   5),
    (Tissue::SubcutaneousFat,  -100, 850),
    (Tissue::Muscle,             50, 300),
    (Tissue::EpiduralFat,       -90, 820),
    (Tissue::Csf,                10, 130),
    (Tissue::Disc,               90, 250),
    (Tissue::Cortex,            900,  40),
];

/// y of every pedicle's isthmus centre (mm).
const ISTHMUS_Y_MM: f64 = 23.0;

const fn value(ct_hu: i32, mr_si: i32) -> TissueValue {
    TissueValue { ct_hu, mr_si }
}

impl Anatomy {
    /// The phantom's lumbar spine (the only anatomy; its numbers are the ground truth).
    pub fn lumbar() -> Anatomy {
        Anatomy::lumbar_scaled(1.0)
    }

    /// The lumbar spine with every pedicle's isthmus width and height multiplied by
    /// `pedicle_scale` (positions, convergence, cortex and flare unchanged).
    pub fn lumbar_scaled(pedicle_scale: f64) -> Anatomy {
        let mut values: Vec<(Tissue, TissueValue)> = FIXED
            .iter()
            .map(|&(t, hu, si)| (t, value(hu, si)))
            .collect();

        let bodies: Vec<Body> = BODIES
            .iter()
            .map(|&(level, half_width, depth, z_inf, z_sup, hu, si)| {
                values.push((Tissue::BodyCancellous(level), value(hu, si)));
                Body {
                    level,
                    section: Section::body_like(half_width, depth, POSTERIOR_WALL_Y_MM),
                    z_inferior_mm: z_inf,
                    z_superior_mm: z_sup,
                    shell_mm: 1.2,
                    endplate_mm: 1.0,
                }
            })
            .collect();

        let discs = BODIES
            .windows(2)
            .filter_map(|pair| {
                let [
                    (upper, hw_u, d_u, z_inf_u, ..),
                    (lower, hw_l, d_l, _, z_sup_l, ..),
                ] = pair
                else {
                    return None;
                };
                Some(Disc {
                    upper: *upper,
                    lower: *lower,
                    section: Section::body_like(
                        0.5 * (hw_u + hw_l),
                        0.5 * (d_u + d_l),
                        POSTERIOR_WALL_Y_MM,
                    ),
                    z_inferior_mm: *z_sup_l,
                    z_superior_mm: *z_inf_u,
                })
            })
            .collect();

        let mut pedicles = Vec::new();
        let mut blocks = Vec::new();
        for &(level, z, height, convergence, left, right) in &PEDICLES {
            for (side, (abs_x, width, hu, si)) in [(Side::Left, left), (Side::Right, right)] {
                values.push((Tissue::PedicleCancellous(level, side), value(hu, si)));
                let mut pedicle = Pedicle {
                    level,
                    side,
                    isthmus_centre_mm: [side.sign() * abs_x, ISTHMUS_Y_MM, z],
                    convergence_deg: convergence,
                    isthmus_width_mm: width * pedicle_scale,
                    isthmus_height_mm: height * pedicle_scale,
                    cortex_mm: 1.0,
                    posterior_length_mm: 10.0,
                    anterior_length_mm: 12.0,
                    flare_width_per_mm2: 0.01,
                    flare_height_per_mm2: 0.006,
                };
                // Reach 3 mm into the body beyond the point where the axis enters it.
                let body_section = bodies.iter().find(|b| b.level == level).map(|b| b.section);
                if let Some((s_in, _)) = body_section
                    .and_then(|s| s.chord(pedicle.isthmus_centre_mm, pedicle.direction()))
                {
                    pedicle.anterior_length_mm = s_in.max(0.0) + 3.0;
                }
                pedicles.push(pedicle);
                let (x0, x1) = match side {
                    Side::Left => (abs_x, abs_x + 24.0),
                    Side::Right => (-abs_x - 24.0, -abs_x),
                };
                blocks.push(Block {
                    name: format!("transverse process {} {}", level.name(), side.code()),
                    min_mm: [x0, 26.0, z - 4.0],
                    max_mm: [x1, 31.0, z + 4.0],
                });
            }
            blocks.push(Block {
                name: format!("lamina {}", level.name()),
                min_mm: [-right.0, 27.0, z - 11.0],
                max_mm: [left.0, 33.0, z + 6.0],
            });
            blocks.push(Block {
                name: format!("spinous process {}", level.name()),
                min_mm: [-2.5, 32.0, z - 16.0],
                max_mm: [2.5, 58.0, z + 1.0],
            });
        }

        let ellipse = |cy: f64, sx: f64, sy: f64| EllipseXy {
            centre_x_mm: 0.0,
            centre_y_mm: cy,
            semi_x_mm: sx,
            semi_y_mm: sy,
        };
        Anatomy {
            pose: Default::default(),
            bodies,
            discs,
            pedicles,
            blocks,
            canal: ellipse(24.0, 12.5, 9.0),
            dural_sac: ellipse(22.0, 8.0, 4.75),
            torso_outer: ellipse(-20.0, 140.0, 100.0),
            torso_inner: ellipse(-20.0, 125.0, 85.0),
            values,
        }
    }
}
