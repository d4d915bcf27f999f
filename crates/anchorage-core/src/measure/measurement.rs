//! Measuring one session ROI on a loaded volume: find its image, turn its patient-space
//! points into an in-plane shape, and compute its statistics (or a caliper's length).
//! Also the reverse: build session ROIs from pixel positions drawn on a slice.

use serde::Serialize;

use crate::dicom::volume::Volume;
use crate::geometry::{ImagePlane, Vec3, norm, sub};
use crate::measure::edit::{PlaneMm, ellipse_from_points, patient_to_mm};
use crate::measure::roi::{ShapePx, TrajectoryPx};
use crate::measure::stats::{RoiStats, roi_stats_scaled};
use crate::session::Level;
use crate::session::{Roi, RoiKind, Role, Side};

/// The result of measuring one ROI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiMeasurement {
    /// The ROI's id.
    pub roi_id: u64,
    /// Slice index in the volume.
    pub slice: usize,
    /// Area statistics (ellipse, trajectory).
    pub stats: Option<RoiStats>,
    /// Length between the endpoints (caliper; also a trajectory's centre line), mm.
    pub length_mm: Option<f64>,
    /// What a reader must know.
    pub warnings: Vec<String>,
}

/// Why an ROI could not be measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeasureError {
    /// Its image is not in the volume.
    #[error("ROI {roi_id}: image {sop_instance_uid} (frame {frame}) is not in the loaded series")]
    ImageNotFound {
        /// ROI id.
        roi_id: u64,
        /// SOPInstanceUID looked for.
        sop_instance_uid: String,
        /// Frame looked for.
        frame: u32,
    },
    /// The ROI's points do not fit its kind.
    #[error("ROI {roi_id}: {reason}")]
    BadGeometry {
        /// ROI id.
        roi_id: u64,
        /// What is wrong.
        reason: String,
    },
}

/// The slice of `volume` showing this image and frame.
pub fn find_slice(volume: &Volume, sop_instance_uid: &str, frame: u32) -> Option<usize> {
    volume
        .sop_instance_uids
        .iter()
        .zip(&volume.frames)
        .position(|(u, f)| u == sop_instance_uid && *f == frame)
}

/// The in-plane shape of an area ROI, in plane millimetres.
pub fn area_shape(roi: &Roi, plane: &ImagePlane) -> Result<(ShapePx, f64), MeasureError> {
    let bad = |reason: String| MeasureError::BadGeometry {
        roi_id: roi.id,
        reason,
    };
    let pts: Vec<(PlaneMm, f64)> = roi
        .points_mm
        .iter()
        .map(|p| patient_to_mm(plane, *p))
        .collect();
    let off_plane = pts.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    let shape = match (roi.kind, pts.as_slice()) {
        (RoiKind::Ellipse, [(c, _), (a, _), (b, _)]) => {
            ShapePx::Ellipse(ellipse_from_points(*c, *a, *b))
        }
        (RoiKind::Trajectory, [(a, _), (b, _)]) => ShapePx::Trajectory(TrajectoryPx {
            x0: a[0],
            y0: a[1],
            x1: b[0],
            y1: b[1],
            width: roi.width_mm.unwrap_or(0.0),
        }),
        (RoiKind::Caliper, _) => return Err(bad("a caliper has no area".into())),
        (k, p) => {
            return Err(bad(format!(
                "a {k:?} ROI needs {} points, it has {}",
                if k == RoiKind::Ellipse { 3 } else { 2 },
                p.len()
            )));
        }
    };
    shape.validate().map_err(bad)?;
    Ok((shape, off_plane))
}

/// Measures one ROI on a volume.
pub fn measure_roi(roi: &Roi, volume: &Volume) -> Result<RoiMeasurement, MeasureError> {
    let slice = find_slice(volume, &roi.sop_instance_uid, roi.frame).ok_or_else(|| {
        MeasureError::ImageNotFound {
            roi_id: roi.id,
            sop_instance_uid: roi.sop_instance_uid.clone(),
            frame: roi.frame,
        }
    })?;
    let plane = volume
        .planes
        .get(slice)
        .ok_or_else(|| MeasureError::BadGeometry {
            roi_id: roi.id,
            reason: "slice without geometry".into(),
        })?;
    let mut warnings = Vec::new();
    let endpoints_length = |pts: &[Vec3]| match pts {
        [a, b, ..] => Some(norm(sub(*b, *a))),
        _ => None,
    };
    let (stats, length_mm, off_plane) = match roi.kind {
        RoiKind::Caliper => {
            let [a, b] = roi.points_mm.as_slice() else {
                return Err(MeasureError::BadGeometry {
                    roi_id: roi.id,
                    reason: format!("a caliper needs 2 points, it has {}", roi.points_mm.len()),
                });
            };
            let off = patient_to_mm(plane, *a)
                .1
                .abs()
                .max(patient_to_mm(plane, *b).1.abs());
            (None, Some(norm(sub(*b, *a))), off)
        }
        RoiKind::Ellipse | RoiKind::Trajectory => {
            let (shape, off) = area_shape(roi, plane)?;
            let st = roi_stats_scaled(
                volume,
                slice,
                &shape,
                [plane.col_spacing_mm, plane.row_spacing_mm],
            );
            warnings.extend(st.warnings.iter().cloned());
            let len = (roi.kind == RoiKind::Trajectory)
                .then(|| endpoints_length(&roi.points_mm))
                .flatten();
            (Some(st), len, off)
        }
    };
    if off_plane > 0.5 * volume.slice_spacing_mm.max(0.1) {
        warnings.push(format!(
            "the ROI's points lie up to {off_plane:.2} mm off the plane of its image"
        ));
    }
    Ok(RoiMeasurement {
        roi_id: roi.id,
        slice,
        stats,
        length_mm,
        warnings,
    })
}

/// Where an ROI lies on an image, for building ROIs from what the user drew.
#[derive(Debug, Clone)]
pub struct RoiTarget {
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// SOPInstanceUID of the image.
    pub sop_instance_uid: String,
    /// Frame.
    pub frame: u32,
    /// The image's plane.
    pub plane: ImagePlane,
}

impl RoiTarget {
    /// The target for slice `slice` of a volume.
    pub fn of_slice(series_uid: &str, volume: &Volume, slice: usize) -> Option<RoiTarget> {
        Some(RoiTarget {
            series_uid: series_uid.to_string(),
            sop_instance_uid: volume.sop_instance_uids.get(slice)?.clone(),
            frame: *volume.frames.get(slice)?,
            plane: *volume.planes.get(slice)?,
        })
    }

    fn roi(&self, kind: RoiKind, role: Role, points_px: &[(f64, f64)]) -> Roi {
        Roi {
            id: 0,
            kind,
            role,
            level: None,
            side: None,
            series_uid: self.series_uid.clone(),
            sop_instance_uid: self.sop_instance_uid.clone(),
            frame: self.frame,
            points_mm: points_px
                .iter()
                .map(|(c, r)| self.plane.pixel_to_patient(*c, *r))
                .collect(),
            width_mm: None,
            note: String::new(),
        }
    }

    /// An ellipse ROI from its centre, semi-axes (mm) and rotation of the first axis from
    /// +column towards +row (radians).
    pub fn ellipse(
        &self,
        role: Role,
        centre_px: (f64, f64),
        rx_mm: f64,
        ry_mm: f64,
        angle_rad: f64,
    ) -> Roi {
        let (s, c) = angle_rad.sin_cos();
        let (dc, dr) = (self.plane.col_spacing_mm, self.plane.row_spacing_mm);
        let a = (centre_px.0 + rx_mm * c / dc, centre_px.1 + rx_mm * s / dr);
        let b = (centre_px.0 - ry_mm * s / dc, centre_px.1 + ry_mm * c / dr);
        self.roi(RoiKind::Ellipse, role, &[centre_px, a, b])
    }

    /// A trajectory ROI from entry to tip (pixels), `width_mm` wide.
    pub fn trajectory(
        &self,
        role: Role,
        entry_px: (f64, f64),
        tip_px: (f64, f64),
        width_mm: f64,
    ) -> Roi {
        let mut r = self.roi(RoiKind::Trajectory, role, &[entry_px, tip_px]);
        r.width_mm = Some(width_mm);
        r
    }

    /// A caliper between two pixel positions.
    pub fn caliper(&self, role: Role, a_px: (f64, f64), b_px: (f64, f64)) -> Roi {
        self.roi(RoiKind::Caliper, role, &[a_px, b_px])
    }
}

/// Sets an ROI's level and side (builder style).
pub fn labelled(mut roi: Roi, level: Option<Level>, side: Option<Side>) -> Roi {
    roi.level = level;
    roi.side = side;
    roi
}
