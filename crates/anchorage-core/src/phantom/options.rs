//! The phantom's options, what a run wrote, and why a run failed: the types the generator's
//! parts share ([`super::series`], [`super::protocol`]) and the command line fills.

use std::path::PathBuf;

use super::anatomy::{Anatomy, Level};
use super::geometry::SeriesGeometry;
use super::pose::Pose;
use crate::dicom::write::DicomWriteError;

/// Version of the phantom's anatomy and writer. It is part of every UID: bump it when
/// the images change, so changed images never reuse old UIDs.
pub const PHANTOM_VERSION: u32 = 1;

/// File name of the ground truth, directly inside the output directory.
pub const TRUTH_FILE_NAME: &str = "ground-truth.json";

/// Screw diameter planned at a level (mm): 7.5 at L5, 6.5 elsewhere.
pub fn screw_diameter_mm(level: Level) -> f64 {
    if level == Level::L5 { 7.5 } else { 6.5 }
}

/// The axial CT grid. Rows run to posterior (+y), columns to patient left (+x).
#[derive(Debug, Clone, PartialEq)]
pub struct CtOptions {
    /// Pixel size, rows and columns alike (mm).
    pub pixel_mm: f64,
    /// Distance between slice positions (mm); also the SliceThickness.
    pub slice_spacing_mm: f64,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub columns: usize,
    /// Number of slices.
    pub slices: usize,
    /// x of the first column's pixel centres (mm).
    pub first_column_x_mm: f64,
    /// y of the first row's pixel centres (mm).
    pub first_row_y_mm: f64,
    /// z of the most inferior slice (mm); slices go up from there.
    pub first_slice_z_mm: f64,
    /// Noise SD (HU).
    pub noise_sd_hu: f64,
}

/// The sagittal MR grid. Columns run to posterior (+y), rows to inferior (−z); slice 0
/// is the most patient-left one.
#[derive(Debug, Clone, PartialEq)]
pub struct MrOptions {
    /// Pixel size, rows and columns alike (mm).
    pub pixel_mm: f64,
    /// Distance between slice positions (mm); also the SliceThickness.
    pub slice_spacing_mm: f64,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub columns: usize,
    /// Number of slices.
    pub slices: usize,
    /// x of slice 0, the most patient-left slice (mm); slices go right from there.
    pub first_slice_x_mm: f64,
    /// y of the first column's pixel centres (mm).
    pub first_column_y_mm: f64,
    /// z of the first (top) row's pixel centres (mm).
    pub first_row_z_mm: f64,
    /// Noise SD (signal intensity units).
    pub noise_sd_si: f64,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct PhantomOptions {
    /// Seed of the noise and of every UID.
    pub seed: u64,
    /// Add Gaussian noise (off: the files hold the noise-free volume).
    pub noise: bool,
    /// Name recorded in the truth: `default`, `large` or anything else.
    pub preset: String,
    /// The CT grid.
    pub ct: CtOptions,
    /// The MR grid.
    pub mr: MrOptions,
    /// How the spine is turned in the scanner (identity: upright, as the sample).
    pub pose: Pose,
    /// Factor on every pedicle's isthmus width and height (1: the bundled anatomy);
    /// 0.5 to 1.5. The truth holds the scaled sizes.
    pub pedicle_scale: f64,
    /// Sample the CT with partial volume (each voxel the mean over its box,
    /// [`super::partial`]) instead of the tissue at its centre; on for the bundled
    /// sample.
    pub partial_volume: bool,
    /// S1 continues caudally as a fused sacrum (S1 with S2–S3, no disc) down to
    /// [`super::anatomy::FUSED_SACRUM_INFERIOR_Z_MM`], as real sacra are (off: S1 is a
    /// plain body with soft tissue below, the sample).
    pub fused_sacrum: bool,
}

impl Default for PhantomOptions {
    /// The bundled sample: CT 192 × 176 × 301 at 0.7 mm / 0.7 mm with partial volume (a
    /// planning CT's isotropic voxels; L1 top to below S1),
    /// MR 25 sagittal slices of 288 × 192 at 0.75 mm / 3 mm (x from +36 to −36 mm).
    fn default() -> Self {
        PhantomOptions {
            seed: 20_260_101,
            noise: true,
            preset: "default".into(),
            ct: CtOptions {
                pixel_mm: 0.7,
                slice_spacing_mm: 0.7,
                rows: 176,
                columns: 192,
                slices: 301,
                first_column_x_mm: -66.5,
                first_row_y_mm: -36.4,
                first_slice_z_mm: -107.5,
                noise_sd_hu: 15.0,
            },
            mr: MrOptions {
                pixel_mm: 0.75,
                slice_spacing_mm: 3.0,
                rows: 288,
                columns: 192,
                slices: 25,
                first_slice_x_mm: 36.0,
                first_column_y_mm: -55.0,
                first_row_z_mm: 106.0,
                noise_sd_si: 10.0,
            },
            pose: Pose::default(),
            pedicle_scale: 1.0,
            partial_volume: true,
            fused_sacrum: false,
        }
    }
}

impl PhantomOptions {
    /// The benchmark preset, generated on demand and never committed: CT 512 × 512 ×
    /// 300 at 0.5 mm / 0.8 mm over the whole 256 mm field (about 150 MiB); the MR as
    /// in the default.
    pub fn large() -> Self {
        let mut opts = PhantomOptions {
            preset: "large".into(),
            ..PhantomOptions::default()
        };
        opts.ct = CtOptions {
            pixel_mm: 0.5,
            slice_spacing_mm: 0.8,
            rows: 512,
            columns: 512,
            slices: 300,
            first_column_x_mm: -127.5,
            first_row_y_mm: -150.0,
            first_slice_z_mm: -110.0,
            noise_sd_hu: 15.0,
        };
        opts
    }

    /// The anatomy these options sample (pedicles scaled by [`Self::pedicle_scale`], the
    /// sacrum fused when [`Self::fused_sacrum`]).
    pub fn anatomy(&self) -> Anatomy {
        let a = Anatomy::lumbar_scaled(self.pedicle_scale);
        let a = if self.fused_sacrum {
            a.with_fused_sacrum()
        } else {
            a
        };
        a.posed(self.pose)
    }

    /// The CT sampling grid.
    pub fn ct_geometry(&self) -> SeriesGeometry {
        let c = &self.ct;
        SeriesGeometry {
            rows: c.rows,
            columns: c.columns,
            slices: c.slices,
            row_spacing_mm: c.pixel_mm,
            column_spacing_mm: c.pixel_mm,
            slice_spacing_mm: c.slice_spacing_mm,
            row_direction: [1.0, 0.0, 0.0],
            column_direction: [0.0, 1.0, 0.0],
            first_position_mm: [c.first_column_x_mm, c.first_row_y_mm, c.first_slice_z_mm],
        }
    }

    /// The MR sampling grid.
    pub fn mr_geometry(&self) -> SeriesGeometry {
        let m = &self.mr;
        SeriesGeometry {
            rows: m.rows,
            columns: m.columns,
            slices: m.slices,
            row_spacing_mm: m.pixel_mm,
            column_spacing_mm: m.pixel_mm,
            slice_spacing_mm: m.slice_spacing_mm,
            row_direction: [0.0, 1.0, 0.0],
            column_direction: [0.0, 0.0, -1.0],
            first_position_mm: [m.first_slice_x_mm, m.first_column_y_mm, m.first_row_z_mm],
        }
    }

    /// Whether the CT's grid is a preset's (default or large), the spine upright and the
    /// sacrum plain: the ground truth then leaves out `ct_field` (the documented field:
    /// L1–S1, or the large preset's), so the sample's truth is unchanged.
    pub fn ct_field_is_a_presets(&self) -> bool {
        self.pose.is_identity()
            && !self.fused_sacrum
            && (self.ct == PhantomOptions::default().ct || self.ct == PhantomOptions::large().ct)
    }

    /// Everything that shapes the images, as text: the key under which UIDs are made.
    pub(super) fn fingerprint(&self) -> String {
        let (c, m) = (&self.ct, &self.mr);
        // The bundled anatomy keeps its old fingerprint (and UIDs).
        let mut scale = if self.pedicle_scale == 1.0 {
            String::new()
        } else {
            format!("/pedicle_scale={}", self.pedicle_scale)
        };
        if self.partial_volume {
            scale.push_str("/partial_volume");
        }
        format!(
            "anchorage-phantom/v{PHANTOM_VERSION}/noise={}/ct={},{},{},{},{},{},{},{},{}/mr={},{},{},{},{},{},{},{},{}",
            self.noise,
            c.pixel_mm,
            c.slice_spacing_mm,
            c.rows,
            c.columns,
            c.slices,
            c.first_column_x_mm,
            c.first_row_y_mm,
            c.first_slice_z_mm,
            c.noise_sd_hu,
            m.pixel_mm,
            m.slice_spacing_mm,
            m.rows,
            m.columns,
            m.slices,
            m.first_slice_x_mm,
            m.first_column_y_mm,
            m.first_row_z_mm,
            m.noise_sd_si,
        ) + &scale
            + &self.pose_fingerprint()
            + if self.fused_sacrum {
                "/fused_sacrum"
            } else {
                ""
            }
    }

    /// The pose's part of the fingerprint: empty for the identity, so the upright
    /// phantom keeps its UIDs.
    fn pose_fingerprint(&self) -> String {
        if self.pose.is_identity() {
            String::new()
        } else {
            format!(
                "/pose={},{}",
                self.pose.axial_rotation_deg, self.pose.sagittal_tilt_deg
            )
        }
    }

    pub(super) fn validate(&self) -> Result<(), PhantomError> {
        let bad = |what: &str| Err(PhantomError::InvalidOptions(what.to_string()));
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let (c, m) = (&self.ct, &self.mr);
        if !(positive(c.pixel_mm) && positive(c.slice_spacing_mm)) {
            return bad("CT pixel size and slice spacing must be positive");
        }
        if !(positive(m.pixel_mm) && positive(m.slice_spacing_mm)) {
            return bad("MR pixel size and slice spacing must be positive");
        }
        let dims = [c.rows, c.columns, m.rows, m.columns];
        if dims.iter().any(|&d| d < 2 || d > usize::from(u16::MAX)) {
            return bad("rows and columns must be between 2 and 65535");
        }
        if c.slices < 3 || m.slices < 1 || c.slices > 100_000 || m.slices > 100_000 {
            return bad("the CT needs at least 3 slices and the MR at least 1");
        }
        let finite = [
            c.first_column_x_mm,
            c.first_row_y_mm,
            c.first_slice_z_mm,
            m.first_slice_x_mm,
            m.first_column_y_mm,
            m.first_row_z_mm,
        ];
        if finite.iter().any(|v| !v.is_finite()) {
            return bad("positions must be finite");
        }
        let angles = [self.pose.axial_rotation_deg, self.pose.sagittal_tilt_deg];
        if angles.iter().any(|a| !(a.is_finite() && a.abs() <= 45.0)) {
            return bad("pose angles must be between -45 and 45 degrees");
        }
        if !(self.pedicle_scale >= 0.5 && self.pedicle_scale <= 1.5) {
            return bad("the pedicle scale must lie between 0.5 and 1.5");
        }
        if !(c.noise_sd_hu >= 0.0 && m.noise_sd_si >= 0.0) {
            return bad("noise SDs must be zero or positive");
        }
        Ok(())
    }
}

/// What [`write_phantoms`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PhantomSummary {
    /// The output directory.
    pub out_dir: PathBuf,
    /// The ground-truth file.
    pub truth_path: PathBuf,
    /// Number of CT files.
    pub ct_files: usize,
    /// Number of MR files.
    pub mr_files: usize,
    /// Bytes of all files written, truth included.
    pub bytes_written: u64,
    /// SeriesInstanceUID of the CT.
    pub ct_series_instance_uid: String,
    /// SeriesInstanceUID of the MR.
    pub mr_series_instance_uid: String,
    /// Whether the truth holds the protocol ROIs (upright spine, L1–S1 in the CT's
    /// field): only then is an example session worth writing.
    pub protocol_rois: bool,
}

/// Why the phantom could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum PhantomError {
    /// The options cannot make a phantom.
    #[error("invalid phantom options: {0}")]
    InvalidOptions(String),
    /// The grid does not cover what a protocol ROI needs, or an ROI failed its checks.
    #[error("cannot place the protocol ROIs: {0}")]
    Roi(String),
    /// A consistency check inside the generator failed (a bug).
    #[error("phantom generator bug: {0}")]
    Internal(String),
    /// A series directory holds DICOM files of another run.
    #[error("directory holds .dcm files that are not part of this phantom; remove them first: {}", path.display())]
    ForeignFiles {
        /// The directory.
        path: PathBuf,
    },
    /// A file or directory could not be written.
    #[error("cannot write: {source}: {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An image could not be encoded.
    #[error("cannot write DICOM: {source}: {}", path.display())]
    Dicom {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: DicomWriteError,
    },
    /// The ground truth could not be serialised.
    #[error("cannot write the ground truth: {source}: {}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The serialiser's error.
        #[source]
        source: serde_json::Error,
    },
}
