//! Planning and writing the two DICOM series of the phantom.
//!
//! Planning (UIDs, file names, positions) is separate from writing so the ground truth
//! can name every slice before any pixel is computed. File names are a hash of the
//! SOPInstanceUID, so they do not sort in slice order: loaders must sort by geometry.

use std::collections::BTreeSet;
use std::path::Path;

use rayon::prelude::*;

use super::anatomy::{Anatomy, Tissue, TissueValue};
use super::geometry::{SeriesGeometry, TruthVolume};
use super::options::{PhantomError, PhantomOptions};
use super::rng::{Gaussian, SplitMix64};
use super::truth::SliceTruth;
use crate::dicom::write::{
    ImageModality, PHANTOM_MANUFACTURER, Photometric, PixelValues, Rescale, SliceHeader, Window,
    derive_uid, encode_slice, fnv1a64,
};

/// Patient name of the phantom.
pub const PATIENT_NAME: &str = "PHANTOM^LUMBAR";
/// Patient ID of the phantom.
pub const PATIENT_ID: &str = "ANCH-0001";
const PATIENT_BIRTH_DATE: &str = "19560101";
const PATIENT_SEX: &str = "F";
const STUDY_DATE: &str = "20260101";
const STUDY_TIME: &str = "120000";
const STUDY_ID: &str = "PH0001";

/// UIDs and attributes shared by both series.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub study_instance_uid: String,
    pub frame_of_reference_uid: String,
    /// Key prefix for every UID of this run.
    pub key: String,
    pub seed: u64,
}

impl Identity {
    pub fn new(opts: &PhantomOptions) -> Identity {
        let key = opts.fingerprint();
        Identity {
            study_instance_uid: derive_uid(opts.seed, &format!("{key}/study")),
            frame_of_reference_uid: derive_uid(opts.seed, &format!("{key}/frame-of-reference")),
            key,
            seed: opts.seed,
        }
    }

    pub fn patient(&self) -> super::truth::PatientTruth {
        super::truth::PatientTruth {
            name: PATIENT_NAME.into(),
            id: PATIENT_ID.into(),
            birth_date: PATIENT_BIRTH_DATE.into(),
            sex: PATIENT_SEX.into(),
        }
    }

    pub fn study(&self) -> super::truth::StudyTruth {
        super::truth::StudyTruth {
            study_instance_uid: self.study_instance_uid.clone(),
            frame_of_reference_uid: self.frame_of_reference_uid.clone(),
            study_id: STUDY_ID.into(),
            study_date: STUDY_DATE.into(),
            study_time: STUDY_TIME.into(),
        }
    }
}

/// Everything about one series except its pixels.
#[derive(Debug, Clone)]
pub(crate) struct SeriesPlan {
    pub modality: ImageModality,
    pub directory: String,
    pub geometry: SeriesGeometry,
    pub series_instance_uid: String,
    pub series_number: u32,
    pub description: String,
    pub slice_thickness_mm: f64,
    pub rescale_intercept: Option<f64>,
    pub bits_stored: u16,
    pub windows: Vec<Window>,
    /// Noise SD in output units (0 when noise is off).
    pub noise_sd: f64,
    pub slices: Vec<SliceTruth>,
}

impl SeriesPlan {
    pub fn new(
        modality: ImageModality,
        geometry: SeriesGeometry,
        identity: &Identity,
        opts: &PhantomOptions,
    ) -> Result<SeriesPlan, PhantomError> {
        let (directory, series_number, description, intercept, windows, noise_sd) = match modality {
            ImageModality::Ct => (
                "ct",
                2,
                format!(
                    "Phantom CT lumbar spine {}mm",
                    crate::dicom::write::format_ds(opts.ct.pixel_mm).unwrap_or_default()
                ),
                Some(-1024.0),
                vec![
                    Window {
                        center: 400.0,
                        width: 1800.0,
                        explanation: "BONE".into(),
                    },
                    Window {
                        center: 40.0,
                        width: 400.0,
                        explanation: "SOFT TISSUE".into(),
                    },
                ],
                opts.ct.noise_sd_hu,
            ),
            ImageModality::Mr => (
                "mr",
                3,
                "Phantom MR sag T1".to_string(),
                None,
                vec![Window {
                    center: 450.0,
                    width: 900.0,
                    explanation: "T1".into(),
                }],
                opts.mr.noise_sd_si,
            ),
        };
        let series_instance_uid = derive_uid(
            identity.seed,
            &format!("{}/series/{directory}", identity.key),
        );
        let mut names = BTreeSet::new();
        let mut slices = Vec::with_capacity(geometry.slices);
        for k in 0..geometry.slices {
            let sop = derive_uid(
                identity.seed,
                &format!("{}/{directory}/sop/{k}", identity.key),
            );
            let file = format!("{:016x}.dcm", fnv1a64(sop.as_bytes()));
            if !names.insert(file.clone()) {
                return Err(PhantomError::Internal(format!(
                    "two slices of the {directory} series hash to the file name {file}"
                )));
            }
            slices.push(SliceTruth {
                index: k,
                instance_number: (k + 1) as u32,
                sop_instance_uid: sop,
                file,
                position_mm: geometry.position(k),
            });
        }
        Ok(SeriesPlan {
            modality,
            directory: directory.into(),
            slice_thickness_mm: geometry.slice_spacing_mm,
            geometry,
            series_instance_uid,
            series_number,
            description,
            rescale_intercept: intercept,
            bits_stored: 12,
            windows,
            noise_sd: if opts.noise { noise_sd } else { 0.0 },
            slices,
        })
    }

    /// The true (noise-free) output value of a tissue in this series.
    pub fn tissue_value(&self, anatomy: &Anatomy, tissue: Tissue) -> Option<i32> {
        anatomy.value(tissue).map(|v| match self.modality {
            ImageModality::Ct => v.ct_hu,
            ImageModality::Mr => v.mr_si,
        })
    }

    /// Noise SD including rounding to integers (0 without noise).
    pub fn effective_sd(&self) -> f64 {
        if self.noise_sd > 0.0 {
            (self.noise_sd * self.noise_sd + 1.0 / 12.0).sqrt()
        } else {
            0.0
        }
    }

    /// The stored values of slice k: true value + noise, rounded, minus the intercept,
    /// clamped to BitsStored.
    fn stored_image(
        &self,
        anatomy: &Anatomy,
        volume: &TruthVolume,
        seed: u64,
        k: usize,
    ) -> Vec<u16> {
        let pick: fn(TissueValue) -> i32 = match self.modality {
            ImageModality::Ct => |v| v.ct_hu,
            ImageModality::Mr => |v| v.mr_si,
        };
        let lut = anatomy.value_table(pick);
        let stream = match self.modality {
            ImageModality::Ct => 1,
            ImageModality::Mr => 2,
        };
        let mut noise = Gaussian::new(SplitMix64::for_stream(seed, stream, k as u64));
        let offset = self.rescale_intercept.unwrap_or(0.0);
        let max = f64::from((1u32 << self.bits_stored) - 1);
        let image = volume.labels.index_axis(ndarray::Axis(0), k);
        // The partial-volume value where the volume has one, else the centre's tissue.
        let values: Vec<f64> = match &volume.values {
            Some(v) => v
                .index_axis(ndarray::Axis(0), k)
                .iter()
                .map(|&x| f64::from(x))
                .collect(),
            None => image.iter().map(|&code| lut[usize::from(code)]).collect(),
        };
        values
            .into_iter()
            .map(|value| {
                let noisy = if self.noise_sd > 0.0 {
                    (value + self.noise_sd * noise.sample()).round()
                } else {
                    value
                };
                (noisy - offset).clamp(0.0, max) as u16
            })
            .collect()
    }

    fn header(&self, identity: &Identity, k: usize, slice: &SliceTruth) -> SliceHeader {
        let g = &self.geometry;
        let (image_type, slice_location) = match self.modality {
            ImageModality::Ct => ("AXIAL", Some(slice.position_mm[2])),
            ImageModality::Mr => ("OTHER", None),
        };
        SliceHeader {
            patient_name: PATIENT_NAME.into(),
            patient_id: PATIENT_ID.into(),
            patient_birth_date: PATIENT_BIRTH_DATE.into(),
            patient_sex: PATIENT_SEX.into(),
            study_instance_uid: identity.study_instance_uid.clone(),
            series_instance_uid: self.series_instance_uid.clone(),
            sop_instance_uid: slice.sop_instance_uid.clone(),
            frame_of_reference_uid: identity.frame_of_reference_uid.clone(),
            study_date: STUDY_DATE.into(),
            study_time: STUDY_TIME.into(),
            study_id: STUDY_ID.into(),
            accession_number: String::new(),
            modality: self.modality,
            manufacturer: PHANTOM_MANUFACTURER.into(),
            series_description: self.description.clone(),
            series_number: self.series_number,
            instance_number: (k + 1) as u32,
            body_part_examined: "LSPINE".into(),
            patient_position: "HFS".into(),
            image_type: vec!["ORIGINAL".into(), "PRIMARY".into(), image_type.into()],
            rows: g.rows as u16,
            columns: g.columns as u16,
            image_position_mm: slice.position_mm,
            image_orientation: g.orientation(),
            pixel_spacing_mm: [g.row_spacing_mm, g.column_spacing_mm],
            slice_thickness_mm: self.slice_thickness_mm,
            spacing_between_slices_mm: match self.modality {
                ImageModality::Ct => None,
                ImageModality::Mr => Some(g.slice_spacing_mm),
            },
            slice_location_mm: slice_location,
            rescale: self.rescale_intercept.map(|intercept| Rescale {
                slope: 1.0,
                intercept,
                rescale_type: Some("HU".into()),
            }),
            windows: self.windows.clone(),
            bits_stored: self.bits_stored,
            photometric: Photometric::Monochrome2,
            pixel_padding_value: None,
        }
    }

    /// Refuses to mix with another run: the directory may only hold files this plan
    /// is about to overwrite.
    pub fn check_directory(&self, dir: &Path) -> Result<(), PhantomError> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(()); // does not exist yet
        };
        let planned: BTreeSet<&str> = self.slices.iter().map(|s| s.file.as_str()).collect();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".dcm") && !planned.contains(name.as_ref()) {
                return Err(PhantomError::ForeignFiles {
                    path: dir.to_path_buf(),
                });
            }
        }
        Ok(())
    }

    /// Writes every slice into `dir` (in parallel); returns the bytes written.
    pub fn write(
        &self,
        dir: &Path,
        anatomy: &Anatomy,
        volume: &TruthVolume,
        identity: &Identity,
    ) -> Result<u64, PhantomError> {
        let sizes: Result<Vec<u64>, PhantomError> = self
            .slices
            .par_iter()
            .enumerate()
            .map(|(k, slice)| {
                let path = dir.join(&slice.file);
                let pixels = self.stored_image(anatomy, volume, identity.seed, k);
                let header = self.header(identity, k, slice);
                let bytes = encode_slice(&header, PixelValues::U16(&pixels)).map_err(|source| {
                    PhantomError::Dicom {
                        path: path.clone(),
                        source,
                    }
                })?;
                std::fs::write(&path, &bytes)
                    .map_err(|source| PhantomError::Io { path, source })?;
                Ok(bytes.len() as u64)
            })
            .collect();
        Ok(sizes?.iter().sum())
    }
}
