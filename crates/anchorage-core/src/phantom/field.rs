//! The CT's field of view along the spine: which levels the axial CT covers
//! (`anchorage phantom --levels A-B`, `--no-sacrum`) and its slice spacing
//! (`--ct-slice-mm`), and what the ground truth says about it ([`CtFieldTruth`]).
//!
//! A level range changes the CT's field, never the anatomy: every body of T12–S1 stays
//! in the phantom (and in the MR, whose field is unchanged); the CT's slices are chosen
//! to cover the bodies of the range, through the pose, plus [`field_margin_mm`] beyond
//! their outer endplates, so the field ends in the neighbouring disc (or, below S1 and
//! above T12, in soft tissue).

use serde::{Deserialize, Serialize};

use super::anatomy::{Anatomy, Body, FUSED_SACRUM_INFERIOR_Z_MM, Level};
use super::geometry::SeriesGeometry;
use super::options::{PhantomError, PhantomOptions};

/// The smallest CT slice spacing `--ct-slice-mm` accepts (mm).
pub const MIN_CT_SLICE_MM: f64 = 0.6;
/// The largest CT slice spacing `--ct-slice-mm` accepts (mm).
pub const MAX_CT_SLICE_MM: f64 = 3.0;

/// A range of levels, cranial end first (`L2-L4`; one level: `L3-L3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRange {
    /// The most cranial level.
    pub top: Level,
    /// The most caudal level.
    pub bottom: Level,
}

impl LevelRange {
    /// What the sample's CT covers: L1 to S1.
    pub const SAMPLE: LevelRange = LevelRange {
        top: Level::L1,
        bottom: Level::S1,
    };

    /// Parses `A-B` (level names T12, L1–L5, S1, any case; A cranial of or equal to B).
    pub fn parse(text: &str) -> Result<LevelRange, PhantomError> {
        let bad = |why: &str| {
            Err(PhantomError::InvalidOptions(format!(
                "--levels {text:?}: {why} (expected A-B with A and B among T12, L1…L5, S1, \
                 A cranial of B, e.g. L2-L4)"
            )))
        };
        let Some((a, b)) = text.split_once('-') else {
            return bad("no '-'");
        };
        let level = |s: &str| {
            Level::ALL
                .into_iter()
                .find(|l| l.name().eq_ignore_ascii_case(s.trim()))
        };
        let (Some(top), Some(bottom)) = (level(a), level(b)) else {
            return bad("unknown level");
        };
        if top > bottom {
            return bad("the first level lies below the second");
        }
        Ok(LevelRange { top, bottom })
    }

    /// Every level of the range, cranial to caudal.
    pub fn levels(&self) -> Vec<Level> {
        Level::ALL
            .into_iter()
            .filter(|l| *l >= self.top && *l <= self.bottom)
            .collect()
    }
}

impl std::fmt::Display for LevelRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.top.name(), self.bottom.name())
    }
}

/// How far a fitted field reaches beyond the range's outer endplates (mm): 5 mm, or two
/// slices when they are thicker, so the finder sees disc (or soft tissue) on both ends
/// while the field still ends inside the neighbouring disc (8.5–10 mm).
pub fn field_margin_mm(slice_spacing_mm: f64) -> f64 {
    5.0f64.max(2.0 * slice_spacing_mm)
}

/// How much of a fused sacrum ([`Anatomy::with_fused_sacrum`]) counts as S1 for the
/// field, from S1's superior endplate (mm): a field ending at S1 holds S1 and most of S2,
/// as a lumbar CT usually does, and ends inside the sacrum.
pub const FUSED_SACRUM_IN_FIELD_MM: f64 = 45.0;

/// The patient z range (mm) of a body's bounding box turned through the anatomy's pose
/// (of a fused sacrum, its top [`FUSED_SACRUM_IN_FIELD_MM`]).
fn body_z_range(anatomy: &Anatomy, body: &Body) -> (f64, f64) {
    let s = &body.section;
    let xs = [s.centre_x_mm - s.semi_x_mm, s.centre_x_mm + s.semi_x_mm];
    let ys = [s.min_y_mm(), s.max_y_mm];
    let z_inferior = if body.z_inferior_mm <= FUSED_SACRUM_INFERIOR_Z_MM {
        body.z_superior_mm - FUSED_SACRUM_IN_FIELD_MM
    } else {
        body.z_inferior_mm
    };
    let zs = [z_inferior, body.z_superior_mm];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        for y in ys {
            for z in zs {
                let p = anatomy.pose.to_patient([x, y, z]);
                lo = lo.min(p[2]);
                hi = hi.max(p[2]);
            }
        }
    }
    (lo, hi)
}

impl PhantomOptions {
    /// Sets the CT's slice spacing (= SliceThickness), 0.6–3 mm, keeping the levels the
    /// field wholly holds (the sample's: L1–S1): the field is refitted to them at the new
    /// spacing ([`Self::fit_ct_field`]), so its z extent stays about the same (the
    /// sample's 210 mm becomes 217–219 mm). A field that holds no whole body keeps its
    /// lowest slice and its extent.
    pub fn set_ct_slice_mm(&mut self, slice_mm: f64) -> Result<(), PhantomError> {
        if !(slice_mm.is_finite() && (MIN_CT_SLICE_MM..=MAX_CT_SLICE_MM).contains(&slice_mm)) {
            return Err(PhantomError::InvalidOptions(format!(
                "--ct-slice-mm {slice_mm}: the CT slice spacing must lie between \
                 {MIN_CT_SLICE_MM} and {MAX_CT_SLICE_MM} mm"
            )));
        }
        let held = CtFieldTruth::of(&self.anatomy(), &self.ct_geometry()).levels;
        let extent = self.ct.slice_spacing_mm * self.ct.slices.saturating_sub(1) as f64;
        self.ct.slice_spacing_mm = slice_mm;
        match (held.first(), held.last()) {
            (Some(&top), Some(&bottom)) => {
                self.fit_ct_field(Some(LevelRange { top, bottom }), false)
            }
            _ => {
                self.ct.slices = (extent / slice_mm - 1e-9).ceil() as usize + 1;
                Ok(())
            }
        }
    }

    /// Fits the CT's field along the spine to the bodies of `range` (through the pose,
    /// at the current slice spacing), [`field_margin_mm`] beyond their outer endplates.
    /// With `no_sacrum` the range must end above S1 (without a range: L1–L5). The lowest
    /// slice lies 0.25 mm off the 0.5 mm grid of the anatomy's surfaces, so at spacings
    /// that are multiples of 0.5 mm no slice centre falls on an endplate.
    pub fn fit_ct_field(
        &mut self,
        range: Option<LevelRange>,
        no_sacrum: bool,
    ) -> Result<(), PhantomError> {
        let range = match (range, no_sacrum) {
            (None, false) => return Ok(()),
            (Some(r), false) => r,
            (None, true) => LevelRange {
                top: LevelRange::SAMPLE.top,
                bottom: Level::L5,
            },
            (Some(r), true) if r.bottom == Level::S1 => {
                return Err(PhantomError::InvalidOptions(format!(
                    "--no-sacrum contradicts --levels {r}, which ends at S1"
                )));
            }
            (Some(r), true) => r,
        };
        if !(self.ct.slice_spacing_mm.is_finite() && self.ct.slice_spacing_mm > 0.0) {
            return Err(PhantomError::InvalidOptions(
                "CT pixel size and slice spacing must be positive".into(),
            ));
        }
        let anatomy = self.anatomy();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for level in range.levels() {
            let body = anatomy.body(level).ok_or_else(|| {
                PhantomError::InvalidOptions(format!(
                    "--levels {range}: the phantom has no {}",
                    level.name()
                ))
            })?;
            let (a, b) = body_z_range(&anatomy, body);
            lo = lo.min(a);
            hi = hi.max(b);
        }
        let dz = self.ct.slice_spacing_mm;
        let margin = field_margin_mm(dz);
        let first = ((lo - margin) * 2.0).floor() / 2.0 - 0.25;
        self.ct.first_slice_z_mm = first;
        self.ct.slices = ((hi + margin - first) / dz).ceil() as usize + 1;
        Ok(())
    }
}

/// Which levels lie in the CT's field (`ground-truth.json` → `ct_field`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CtFieldTruth {
    /// z of the lowest and the highest slice (mm).
    pub z_range_mm: [f64; 2],
    /// The bodies wholly inside the field (every corner of the body's box, through the
    /// pose, between the lowest and the highest slice; of a fused sacrum, its top 45 mm),
    /// cranial to caudal.
    pub levels: Vec<Level>,
    /// The bodies the field cuts (partly inside), cranial to caudal: a level finder may
    /// leave them out.
    pub cut_levels: Vec<Level>,
    /// Whether S1 lies in the field (as in `levels`) with something below it in the field:
    /// soft tissue below a plain S1, the rest of a fused sacrum (the sacrum a finder can
    /// label from).
    pub sacrum: bool,
}

impl CtFieldTruth {
    /// The field of a CT grid over an anatomy.
    pub fn of(anatomy: &Anatomy, ct: &SeriesGeometry) -> CtFieldTruth {
        let z0 = ct.position(0)[2];
        let z1 = ct.position(ct.slices.saturating_sub(1))[2];
        let (zlo, zhi) = (z0.min(z1), z0.max(z1));
        let mut levels = Vec::new();
        let mut cut_levels = Vec::new();
        let mut sacrum = false;
        for body in &anatomy.bodies {
            let (a, b) = body_z_range(anatomy, body);
            if a >= zlo && b <= zhi {
                levels.push(body.level);
                sacrum |= body.level == Level::S1 && a > zlo;
            } else if b >= zlo && a <= zhi {
                cut_levels.push(body.level);
            }
        }
        CtFieldTruth {
            z_range_mm: [zlo, zhi],
            levels,
            cut_levels,
            sacrum,
        }
    }

    /// Whether every body with B-HU ROIs (L1–S1) lies wholly in the field: the protocol
    /// ROIs can be placed.
    pub fn holds_the_protocol(&self) -> bool {
        Level::B_HU.iter().all(|l| self.levels.contains(l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_refuse() {
        let r = LevelRange::parse("l2-L4").expect("range");
        assert_eq!(r.levels(), [Level::L2, Level::L3, Level::L4]);
        assert_eq!(r.to_string(), "L2-L4");
        for bad in ["L4-L2", "L2", "L2-X9", "-"] {
            assert!(LevelRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fitted_field_holds_its_levels_and_cuts_none_of_the_others() {
        for spacing in [0.6, 1.25, 3.0] {
            let mut o = PhantomOptions::default();
            o.set_ct_slice_mm(spacing).expect("spacing");
            o.fit_ct_field(LevelRange::parse("L2-L4").ok(), false)
                .expect("field");
            let f = CtFieldTruth::of(&o.anatomy(), &o.ct_geometry());
            assert_eq!(f.levels, [Level::L2, Level::L3, Level::L4], "{spacing}");
            assert!(f.cut_levels.is_empty(), "{spacing}: {:?}", f.cut_levels);
            assert!(!f.sacrum);
            // No slice centre on a surface (all at multiples of 0.5 mm) at 3 mm.
            if spacing == 3.0 {
                let g = o.ct_geometry();
                for k in 0..g.slices {
                    let z = g.position(k)[2];
                    assert!(((z * 2.0).round() - z * 2.0).abs() > 0.4, "slice at {z}");
                }
            }
        }
        let mut o = PhantomOptions::default();
        o.fit_ct_field(None, true).expect("no sacrum");
        let f = CtFieldTruth::of(&o.anatomy(), &o.ct_geometry());
        assert_eq!(f.levels.last(), Some(&Level::L5));
        assert!(f.cut_levels.is_empty() && !f.sacrum);
        assert!(
            o.fit_ct_field(LevelRange::parse("L3-S1").ok(), true)
                .is_err()
        );
        let mut o = PhantomOptions::default();
        o.fit_ct_field(LevelRange::parse("L3-S1").ok(), false)
            .expect("field");
        let f = CtFieldTruth::of(&o.anatomy(), &o.ct_geometry());
        assert!(f.sacrum && f.levels.len() == 4);
        // A fused sacrum: the field ends 45 mm + 5 mm below S1's superior endplate, inside
        // the sacrum.
        o.fused_sacrum = true;
        o.fit_ct_field(LevelRange::parse("L3-S1").ok(), false)
            .expect("field");
        assert_eq!(o.ct.first_slice_z_mm, -127.25);
        let f = CtFieldTruth::of(&o.anatomy(), &o.ct_geometry());
        assert!(f.sacrum && f.levels.len() == 4 && f.cut_levels.is_empty());
    }

    #[test]
    fn slice_spacing_keeps_the_levels_and_refuses_out_of_range() {
        let mut o = PhantomOptions::default();
        o.set_ct_slice_mm(0.6).expect("0.6");
        // L1 (101.5) to S1 (-105) and 5 mm beyond: -110.25 to 106.5 or just above.
        assert_eq!(o.ct.first_slice_z_mm, -110.25);
        assert_eq!(o.ct.slices, 363);
        o.set_ct_slice_mm(3.0).expect("3");
        // Two slices beyond: -111.25 to 107.5 or just above.
        assert_eq!(o.ct.first_slice_z_mm, -111.25);
        assert_eq!(o.ct.slices, 74);
        let f = CtFieldTruth::of(&o.anatomy(), &o.ct_geometry());
        assert_eq!(f.levels, Level::B_HU);
        assert!(f.sacrum && f.cut_levels.is_empty());
        // A field holding no whole body keeps its extent.
        o.ct.first_slice_z_mm = 0.0;
        o.ct.slices = 5;
        o.set_ct_slice_mm(0.6).expect("0.6");
        assert_eq!((o.ct.first_slice_z_mm, o.ct.slices), (0.0, 21));
        for bad in [0.5, 3.1, f64::NAN] {
            assert!(o.set_ct_slice_mm(bad).is_err(), "{bad}");
        }
    }
}
