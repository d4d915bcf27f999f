//! The vertebral levels found on a series, as the session stores them: the spine's axis,
//! each vertebral body (endplates, centre, cross-section, label, confidence) and the discs
//! between them. [`crate::levels`] finds and labels them; this module only holds the
//! result, so that the session, the window and the pipeline share one type.
//!
//! Positions along the spine are signed distances (mm) along [`SpineAxis::direction`]
//! (pointing cranially) from [`SpineAxis::origin_mm`]; points are patient coordinates
//! (DICOM LPS, mm). One [`Levels`] belongs to a series; it also serves every series of
//! the same frame of reference (the CT and the MR of one study), see
//! [`crate::session::Session::levels_for`].

use std::fmt;

use serde::{Deserialize, Serialize};

use super::vocabulary::Level;
use crate::geometry::{Vec3, add_scaled, dot, sub};

/// The spine's axis: a straight line through the bodies' centres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpineAxis {
    /// A point on the axis (the centre of the bodies' centroids), LPS mm.
    pub origin_mm: Vec3,
    /// Unit direction of the axis, pointing cranially (z component > 0 in LPS).
    pub direction: Vec3,
}

impl SpineAxis {
    /// The position of `p` along the axis (mm from the origin, cranial positive).
    pub fn position_mm(&self, p: Vec3) -> f64 {
        dot(sub(p, self.origin_mm), self.direction)
    }

    /// The point of the axis at position `t_mm`.
    pub fn point_at(&self, t_mm: f64) -> Vec3 {
        add_scaled(self.origin_mm, t_mm, self.direction)
    }
}

/// One vertebral body found on the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundBody {
    /// Its level, once labelled.
    #[serde(default)]
    pub level: Option<Level>,
    /// Superior endplate (outer surface), position along the axis, mm.
    pub superior_mm: f64,
    /// Inferior endplate (outer surface), position along the axis, mm.
    pub inferior_mm: f64,
    /// The superior endplate as a fractional slice index, where the series' slices stack
    /// along the spine (axial-like series); `None` otherwise (sagittal MR).
    #[serde(default)]
    pub superior_slice: Option<f64>,
    /// The inferior endplate as a fractional slice index (as `superior_slice`).
    #[serde(default)]
    pub inferior_slice: Option<f64>,
    /// Centre of the body (on the axis at mid-height, moved to the cross-section's
    /// centroid), LPS mm.
    pub centre_mm: Vec3,
    /// The body's outer cross-section at mid-height: a closed polygon (LPS mm) in the
    /// plane perpendicular to the axis; empty where it could not be traced (MR).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outline_mm: Vec<Vec3>,
    /// How sure the detection is, 0..1 (contrast of body against discs, regularity of
    /// its height).
    pub confidence: f64,
}

impl FoundBody {
    /// Height between the endplates along the axis, mm.
    pub fn height_mm(&self) -> f64 {
        self.superior_mm - self.inferior_mm
    }

    /// Mid-height position along the axis, mm.
    pub fn mid_mm(&self) -> f64 {
        0.5 * (self.superior_mm + self.inferior_mm)
    }
}

/// A disc between two found bodies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundDisc {
    /// The level of the body above, once labelled.
    #[serde(default)]
    pub upper: Option<Level>,
    /// The level of the body below, once labelled.
    #[serde(default)]
    pub lower: Option<Level>,
    /// Upper surface (the upper body's inferior endplate), along the axis, mm.
    pub superior_mm: f64,
    /// Lower surface (the lower body's superior endplate), along the axis, mm.
    pub inferior_mm: f64,
    /// Its middle, LPS mm (on the axis).
    pub centre_mm: Vec3,
    /// Its middle as a fractional slice index (axial-like series), else `None`.
    #[serde(default)]
    pub slice: Option<f64>,
}

impl FoundDisc {
    /// Its name, "L3/L4" (or "?/?" while unlabelled).
    pub fn name(&self) -> String {
        let n = |l: Option<Level>| l.map(Level::as_str).unwrap_or("?");
        format!("{}/{}", n(self.upper), n(self.lower))
    }
}

/// How the bodies got their labels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum LabelSource {
    /// Not labelled: no sacrum in the series and no level confirmed.
    Unlabelled,
    /// Counted up from S1, recognised as the caudal body below the last mobile disc.
    Sacrum,
    /// Counted from one level the user confirmed: the body containing `point_mm` is
    /// `level`.
    Known {
        /// The confirmed level.
        level: Level,
        /// A point in the confirmed body (LPS mm).
        point_mm: Vec3,
    },
}

impl LabelSource {
    /// Stable text: `unlabelled`, `sacrum`, `known L3`.
    pub fn text(&self) -> String {
        match self {
            LabelSource::Unlabelled => "unlabelled".into(),
            LabelSource::Sacrum => "sacrum".into(),
            LabelSource::Known { level, .. } => format!("known {level}"),
        }
    }
}

/// The levels found on one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Levels {
    /// SeriesInstanceUID of the series they were found on.
    pub series_uid: String,
    /// Its FrameOfReferenceUID (empty when the series has none): the levels serve every
    /// series of the same frame of reference.
    #[serde(default)]
    pub frame_of_reference_uid: String,
    /// Modality of that series (`CT`, `MR`).
    #[serde(default)]
    pub modality: String,
    /// The spine's axis.
    pub axis: SpineAxis,
    /// The bodies, cranial to caudal.
    pub bodies: Vec<FoundBody>,
    /// The discs between neighbouring bodies, cranial to caudal.
    #[serde(default)]
    pub discs: Vec<FoundDisc>,
    /// Whether the caudal body was recognised as S1 (the sacrum).
    #[serde(default)]
    pub sacrum_found: bool,
    /// How the labels were given.
    pub labelled_by: LabelSource,
}

impl Levels {
    /// The body of a level.
    pub fn body(&self, level: Level) -> Option<&FoundBody> {
        self.bodies.iter().find(|b| b.level == Some(level))
    }

    /// Whether these levels serve a series (its own, or the same non-empty frame of
    /// reference).
    pub fn serves(&self, series_uid: &str, frame_of_reference_uid: &str) -> bool {
        self.series_uid == series_uid
            || (!frame_of_reference_uid.is_empty()
                && self.frame_of_reference_uid == frame_of_reference_uid)
    }

    /// Where a point lies: in which body (and how far below its superior endplate) or
    /// disc, by its position along the axis; `None` above or below every body.
    pub fn locate(&self, p: Vec3) -> Option<Location> {
        let t = self.axis.position_mm(p);
        for (i, b) in self.bodies.iter().enumerate() {
            if t <= b.superior_mm && t >= b.inferior_mm {
                let h = b.height_mm().max(1e-9);
                return Some(Location::Body {
                    index: i,
                    level: b.level,
                    fraction_below_superior: ((b.superior_mm - t) / h).clamp(0.0, 1.0),
                });
            }
        }
        for (i, d) in self.discs.iter().enumerate() {
            if t < d.superior_mm && t > d.inferior_mm {
                return Some(Location::Disc {
                    index: i,
                    upper: d.upper,
                    lower: d.lower,
                });
            }
        }
        None
    }

    /// The point on the axis `fraction` (0 = superior endplate, 1 = inferior endplate) of
    /// the way down the body of `level`; `None` when that level was not found.
    pub fn place(&self, level: Level, fraction: f64) -> Option<Vec3> {
        let b = self.body(level)?;
        Some(self.axis.point_at(b.superior_mm - fraction * b.height_mm()))
    }
}

/// Where a point lies along the spine ([`Levels::locate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Location {
    /// Inside a body.
    Body {
        /// Index in [`Levels::bodies`].
        index: usize,
        /// Its level, where labelled.
        level: Option<Level>,
        /// 0 at the superior endplate, 1 at the inferior one.
        fraction_below_superior: f64,
    },
    /// Between two bodies.
    Disc {
        /// Index in [`Levels::discs`].
        index: usize,
        /// The level above.
        upper: Option<Level>,
        /// The level below.
        lower: Option<Level>,
    },
}

impl fmt::Display for Location {
    /// "L3, 34 % below the superior endplate", "disc L3/L4" (unlabelled: "body 2", "?").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = |l: Option<Level>| l.map(Level::as_str).unwrap_or("?");
        match self {
            Location::Body {
                index,
                level,
                fraction_below_superior,
            } => {
                match level {
                    Some(l) => write!(f, "{l}")?,
                    None => write!(f, "body {}", index + 1)?,
                }
                write!(
                    f,
                    ", {:.0} % below the superior endplate",
                    100.0 * fraction_below_superior
                )
            }
            Location::Disc { upper, lower, .. } => write!(f, "disc {}/{}", n(*upper), n(*lower)),
        }
    }
}
