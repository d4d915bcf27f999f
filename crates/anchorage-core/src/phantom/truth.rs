//! The ground-truth document (`ground-truth.json`) written beside the phantom series.
//!
//! Plain serde structs; every field is documented in docs/phantom.md. Values are
//! computed by [`super::protocol`]; this module only defines the layout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::anatomy::{Level, Side};
use super::pose::Pose;
use super::roi::{EllipsePx, TrajectoryPx};

/// The `format` value of the document.
pub const TRUTH_FORMAT: &str = "anchorage-phantom-ground-truth";
/// The `version` of the document layout.
pub const TRUTH_VERSION: u32 = 1;

/// The whole ground-truth document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Always [`TRUTH_FORMAT`].
    pub format: String,
    /// Layout version, [`TRUTH_VERSION`].
    pub version: u32,
    /// How the phantom was generated.
    pub generator: GeneratorTruth,
    /// The pixel and coordinate conventions, in words.
    pub conventions: Conventions,
    /// Patient attributes shared by both series.
    pub patient: PatientTruth,
    /// Study attributes shared by both series.
    pub study: StudyTruth,
    /// The axial CT series.
    pub ct: SeriesTruth,
    /// The sagittal T1 MR series.
    pub mr: SeriesTruth,
    /// Noise model.
    pub noise: NoiseTruth,
    /// Every tissue label with its true values.
    pub tissues: Vec<TissueTruth>,
    /// Per level anatomy, superior to inferior.
    pub levels: Vec<LevelTruth>,
    /// How the anatomy is turned in the scanner; absent for the upright (identity) pose.
    /// Every position in `levels` is in the anatomy's own frame: map it with
    /// [`Pose::to_patient`].
    #[serde(default, skip_serializing_if = "Pose::is_identity")]
    pub pose: Pose,
    /// Protocol ROIs on the CT (empty for a posed phantom: they are placed on axial
    /// slices of the upright spine).
    pub ct_rois: CtRoisTruth,
    /// Protocol ROIs on the MR (empty for a posed phantom).
    pub mr_rois: MrRoisTruth,
    /// Expected protocol results, computed from the ROIs' noise-free means (absent for a
    /// posed phantom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<ExpectedResults>,
    /// Which levels lie in the CT's field; absent for a preset's grid with the spine
    /// upright (the sample: L1–S1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ct_field: Option<super::field::CtFieldTruth>,
}

/// How the phantom was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorTruth {
    /// `anchorage phantom`.
    pub name: String,
    /// Version of the phantom's anatomy and writer (part of every UID).
    pub phantom_version: u32,
    /// Seed of the noise and of the UIDs.
    pub seed: u64,
    /// `default`, `large` or `custom`.
    pub preset: String,
    /// Whether noise was added.
    pub noise: bool,
}

/// The conventions, in words, so the file stands alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conventions {
    /// Patient coordinate system.
    pub coordinates: String,
    /// Pixel coordinates.
    pub pixels: String,
    /// Slice indices.
    pub slice_index: String,
    /// Ellipse membership.
    pub ellipse: String,
    /// Trajectory membership.
    pub trajectory: String,
    /// What `expected` values are.
    pub expected: String,
}

/// Patient attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientTruth {
    /// PatientName.
    pub name: String,
    /// PatientID.
    pub id: String,
    /// PatientBirthDate.
    pub birth_date: String,
    /// PatientSex.
    pub sex: String,
}

/// Study attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyTruth {
    /// StudyInstanceUID (both series).
    pub study_instance_uid: String,
    /// FrameOfReferenceUID (both series).
    pub frame_of_reference_uid: String,
    /// StudyID.
    pub study_id: String,
    /// StudyDate.
    pub study_date: String,
    /// StudyTime.
    pub study_time: String,
}

/// One slice of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceTruth {
    /// 0-based index in ascending order along the slice normal.
    pub index: usize,
    /// InstanceNumber.
    pub instance_number: u32,
    /// SOPInstanceUID.
    pub sop_instance_uid: String,
    /// File name inside the series directory.
    pub file: String,
    /// ImagePositionPatient (mm).
    pub position_mm: [f64; 3],
}

/// Series-level facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesTruth {
    /// Directory of the files, relative to the truth file.
    pub directory: String,
    /// `CT` or `MR`.
    pub modality: String,
    /// SeriesInstanceUID.
    pub series_instance_uid: String,
    /// SeriesNumber.
    pub series_number: u32,
    /// SeriesDescription.
    pub series_description: String,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// PixelSpacing: [row spacing, column spacing] (mm).
    pub pixel_spacing_mm: [f64; 2],
    /// Spacing between slice positions along the normal (mm).
    pub slice_spacing_mm: f64,
    /// SliceThickness (mm).
    pub slice_thickness_mm: f64,
    /// Number of slices (files).
    pub count: usize,
    /// ImageOrientationPatient.
    pub image_orientation: [f64; 6],
    /// Slice normal n = row direction × column direction.
    pub slice_normal: [f64; 3],
    /// ImagePositionPatient of slice 0 (mm).
    pub first_position_mm: [f64; 3],
    /// ImagePositionPatient of the last slice (mm).
    pub last_position_mm: [f64; 3],
    /// RescaleSlope, when the files carry one.
    pub rescale_slope: Option<f64>,
    /// RescaleIntercept, when the files carry one.
    pub rescale_intercept: Option<f64>,
    /// BitsStored (BitsAllocated is 16, PixelRepresentation 0).
    pub bits_stored: u16,
    /// Every slice, by index.
    pub slices: Vec<SliceTruth>,
}

/// The noise model: independent Gaussian noise per pixel, rounded to integers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseTruth {
    /// Whether noise was added.
    pub enabled: bool,
    /// CT noise SD (HU).
    pub ct_sd_hu: f64,
    /// CT SD including rounding to integers: √(σ² + 1/12) (HU).
    pub ct_effective_sd_hu: f64,
    /// MR noise SD (SI).
    pub mr_sd_si: f64,
    /// MR SD including rounding (SI).
    pub mr_effective_sd_si: f64,
    /// Caveats.
    pub notes: String,
}

/// One tissue label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TissueTruth {
    /// Stable name, e.g. `pedicle_cancellous_L3_L`.
    pub name: String,
    /// Label code in truth volumes.
    pub code: u8,
    /// True CT value (HU).
    pub ct_hu: i32,
    /// True MR signal intensity.
    pub mr_si: i32,
}

/// One vertebral level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelTruth {
    /// The level.
    pub level: Level,
    /// The body.
    pub body: BodyTruth,
    /// Left then right pedicle (none for T12 and S1).
    pub pedicles: Vec<PedicleTruth>,
}

/// A vertebral body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyTruth {
    /// Tissue name of its cancellous bone.
    pub tissue: String,
    /// Inferior surface z (mm).
    pub z_inferior_mm: f64,
    /// Superior surface z (mm).
    pub z_superior_mm: f64,
    /// Centre of its bounding box (mm).
    pub centre_mm: [f64; 3],
    /// Half of its left–right width (mm).
    pub half_width_mm: f64,
    /// Anterior–posterior depth (mm).
    pub depth_mm: f64,
    /// y of the flat posterior wall (mm).
    pub posterior_wall_y_mm: f64,
    /// Cortical shell thickness (mm).
    pub shell_mm: f64,
    /// Cortical endplate thickness (mm).
    pub endplate_mm: f64,
    /// True CT value of its cancellous bone (HU).
    pub cancellous_hu: i32,
    /// True MR SI of its marrow.
    pub cancellous_mr_si: i32,
}

/// A pedicle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PedicleTruth {
    /// L or R.
    pub side: Side,
    /// Tissue name of its cancellous core.
    pub tissue: String,
    /// True CT value of its cancellous core (HU).
    pub cancellous_hu: i32,
    /// True MR SI of its marrow.
    pub cancellous_mr_si: i32,
    /// Centre of the isthmus (mm).
    pub isthmus_centre_mm: [f64; 3],
    /// Isthmus width, outer cortex to outer cortex, perpendicular to the axis in the
    /// axial plane (mm).
    pub isthmus_width_mm: f64,
    /// Isthmus height (mm).
    pub isthmus_height_mm: f64,
    /// Cortical rim thickness (mm).
    pub cortex_mm: f64,
    /// Medial convergence of the axis from the sagittal plane (degrees).
    pub convergence_deg: f64,
    /// Unit axis direction, anterior and medial.
    pub axis_direction: [f64; 3],
    /// Entry point: where the axis leaves the posterior cortical cap (mm).
    pub entry_point_mm: [f64; 3],
    /// Isthmus to posterior surface along the axis (mm).
    pub posterior_length_mm: f64,
    /// Isthmus to the pedicle's anterior end inside the body (mm).
    pub anterior_length_mm: f64,
}

/// Expected statistics of one ROI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoiExpectation {
    /// Number of member pixels.
    pub n: usize,
    /// Mean over the member pixels of the noise-free volume.
    pub mean: f64,
    /// SD of the measured mean due to noise: effective noise SD / √n.
    pub sd_of_mean: f64,
    /// Sample SD of the noise-free values (`null` when n < 2).
    pub noise_free_sd: Option<f64>,
    /// Expected sample SD of the measured values: √(noise-free variance + noise²).
    pub expected_sd: Option<f64>,
    /// Smallest noise-free value.
    pub min: f64,
    /// Largest noise-free value.
    pub max: f64,
    /// n × row spacing × column spacing (mm²).
    pub area_mm2: f64,
    /// Member pixels per tissue name.
    pub tissue_counts: BTreeMap<String, usize>,
}

/// An ellipse in patient coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EllipseMm {
    /// Centre (mm).
    pub centre_mm: [f64; 3],
    /// End of the rx semi-axis (mm).
    pub rx_end_mm: [f64; 3],
    /// End of the ry semi-axis (mm).
    pub ry_end_mm: [f64; 3],
    /// Length of the rx semi-axis (mm).
    pub rx_mm: f64,
    /// Length of the ry semi-axis (mm).
    pub ry_mm: f64,
}

/// A trajectory in patient coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryMm {
    /// Start of the centre line: the entry point (mm).
    pub start_mm: [f64; 3],
    /// End of the centre line: the tip (mm).
    pub end_mm: [f64; 3],
    /// Full width (mm).
    pub width_mm: f64,
}

/// Where an ROI lies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceRef {
    /// 0-based slice index in the geometrically sorted series.
    pub slice_index: usize,
    /// SOPInstanceUID of that slice.
    pub sop_instance_uid: String,
    /// File name of that slice.
    pub file: String,
}

/// A B-HU ellipse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BhuRoiTruth {
    /// Level.
    pub level: Level,
    /// `superior`, `mid` or `inferior`.
    pub plane: String,
    /// The slice.
    pub slice: SliceRef,
    /// z of the slice (mm).
    pub slice_z_mm: f64,
    /// Ellipse in pixels.
    pub ellipse_px: EllipsePx,
    /// Ellipse in mm.
    pub ellipse_mm: EllipseMm,
    /// Guaranteed distance from the outline to the cortex, in the plane (pixels).
    pub margin_px: f64,
    /// Expected statistics.
    pub expected: RoiExpectation,
}

/// A screw-trajectory ROI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryRoiTruth {
    /// Level.
    pub level: Level,
    /// Side.
    pub side: Side,
    /// Screw diameter = ROI width (mm).
    pub screw_diameter_mm: f64,
    /// Screw length = centre-line length (mm).
    pub screw_length_mm: f64,
    /// The axial slice nearest the isthmus centre.
    pub slice: SliceRef,
    /// Slice z minus isthmus centre z (mm).
    pub slice_offset_mm: f64,
    /// Where the tip lies between the posterior (0) and anterior (1) body walls along
    /// the axis.
    pub tip_fraction_of_body: f64,
    /// Trajectory in pixels.
    pub trajectory_px: TrajectoryPx,
    /// Trajectory in mm.
    pub trajectory_mm: TrajectoryMm,
    /// Expected statistics: the expected ST-HU is `expected.mean`.
    pub expected: RoiExpectation,
}

/// A pedicle-thickness caliper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaliperTruth {
    /// Level.
    pub level: Level,
    /// Side.
    pub side: Side,
    /// The axial slice (same as the trajectory's).
    pub slice: SliceRef,
    /// Slice z minus isthmus centre z (mm).
    pub slice_offset_mm: f64,
    /// Medial endpoint (column, row).
    pub start_px: [f64; 2],
    /// Lateral endpoint (column, row).
    pub end_px: [f64; 2],
    /// Medial endpoint (mm).
    pub start_mm: [f64; 3],
    /// Lateral endpoint (mm).
    pub end_mm: [f64; 3],
    /// Distance between the endpoints: the pedicle's outer width on this slice (mm).
    pub thickness_mm: f64,
    /// The anatomical isthmus width (equal when the slice passes through the centre).
    pub isthmus_width_mm: f64,
}

/// CT ROIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CtRoisTruth {
    /// Three per level, L1–L5 and S1 (superior, mid, inferior).
    pub b_hu: Vec<BhuRoiTruth>,
    /// One per level L1–L5 and side.
    pub trajectories: Vec<TrajectoryRoiTruth>,
    /// One per level L1–L5 and side.
    pub calipers: Vec<CaliperTruth>,
}

/// An MR ellipse ROI (pedicle or CSF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrRoiTruth {
    /// Level.
    pub level: Level,
    /// Side (pedicles only).
    pub side: Option<Side>,
    /// `pedicle` or `csf`.
    pub kind: String,
    /// For CSF: whether this is the protocol's first choice (L3).
    pub preferred: bool,
    /// The slice.
    pub slice: SliceRef,
    /// x of the slice (mm).
    pub slice_x_mm: f64,
    /// Pedicles: |slice x − isthmus centre x| (mm); CSF: |slice x| (mm).
    pub distance_to_target_mm: f64,
    /// Ellipse in pixels.
    pub ellipse_px: EllipsePx,
    /// Ellipse in mm.
    pub ellipse_mm: EllipseMm,
    /// Guaranteed in-plane distance from the outline to any other tissue (mm).
    pub margin_mm: f64,
    /// Expected statistics.
    pub expected: RoiExpectation,
}

/// MR ROIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MrRoisTruth {
    /// L1–L4, left then right.
    pub pedicles: Vec<MrRoiTruth>,
    /// Behind L3 (preferred), L2 and L4.
    pub csf: Vec<MrRoiTruth>,
}

/// B-HU of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BhuResult {
    /// Level.
    pub level: Level,
    /// Mean of the three ROI means.
    pub b_hu: f64,
    /// Superior, mid and inferior ROI means.
    pub roi_means: [f64; 3],
    /// SD of `b_hu` due to noise.
    pub sd_of_mean: f64,
}

/// ST-HU and HU ratio of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelResult {
    /// Level.
    pub level: Level,
    /// ST-HU of the left screw.
    pub st_hu_left: f64,
    /// ST-HU of the right screw.
    pub st_hu_right: f64,
    /// Mean of left and right.
    pub st_hu: f64,
    /// B-HU of the level.
    pub b_hu: f64,
    /// st_hu / b_hu.
    pub hu_ratio: f64,
}

/// Per-screw results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrewResult {
    /// Level.
    pub level: Level,
    /// Side.
    pub side: Side,
    /// Screw diameter (mm).
    pub screw_diameter_mm: f64,
    /// Screw length (mm).
    pub screw_length_mm: f64,
    /// ST-HU of this screw.
    pub st_hu: f64,
    /// B-HU used for the ratio.
    pub b_hu: f64,
    /// Level of that B-HU (the screw's own).
    pub b_hu_level: Level,
    /// st_hu / b_hu.
    pub hu_ratio: f64,
    /// Caliper thickness (mm).
    pub pedicle_thickness_mm: f64,
    /// Thickness − diameter (mm).
    pub clearance_mm: f64,
    /// (Thickness − diameter) / 2 (mm).
    pub psc_mm: f64,
    /// Whether the screw is wider than the pedicle.
    pub negative_clearance: bool,
}

/// The patient HU ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientHuRatio {
    /// Reference level (L3).
    pub level: Level,
    /// Its HU ratio.
    pub value: f64,
}

/// One PBQ segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PbqSegment {
    /// Level.
    pub level: Level,
    /// Left pedicle ROI mean.
    pub left_si: f64,
    /// Right pedicle ROI mean.
    pub right_si: f64,
    /// Mean of left and right.
    pub segmental_si: f64,
}

/// The PBQ score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PbqResult {
    /// L1–L4.
    pub segments: Vec<PbqSegment>,
    /// Mean of the segmental SIs.
    pub pedicle_mean_si: f64,
    /// CSF level used (L3).
    pub csf_level: Level,
    /// CSF ROI mean.
    pub csf_si: f64,
    /// pedicle_mean_si / csf_si.
    pub pbq: f64,
    /// PBQ with the CSF of each alternative level, by level name.
    pub pbq_with_csf_level: BTreeMap<String, f64>,
}

/// Expected protocol results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedResults {
    /// B-HU per level (L1–L5, S1).
    pub b_hu: Vec<BhuResult>,
    /// ST-HU and HU ratio per level (L1–L5).
    pub levels: Vec<LevelResult>,
    /// Per screw (L1–L5, left then right).
    pub screws: Vec<ScrewResult>,
    /// The risk model's HU ratio input.
    pub patient_hu_ratio: PatientHuRatio,
    /// The PBQ score.
    pub pbq: PbqResult,
}
