//! Writing single-frame CT and MR images as DICOM Part-10 files.
//!
//! A small, reusable writer: the caller fills a [`SliceHeader`] (a plain struct of
//! fields, so tests can write variants: signed or unsigned pixels, MONOCHROME1, other
//! rescales, padding values) and hands over the stored pixel values; [`write_slice`]
//! writes one file in Explicit VR Little Endian with a complete file meta group.
//!
//! The output is byte-for-byte deterministic: elements are written in tag order, every
//! decimal string is formatted here (not by the DICOM library), and the implementation
//! class UID and version name are fixed by this module rather than taken from the
//! library's defaults, so a crate upgrade does not change the bytes of committed files.
//!
//! [`derive_uid`] makes deterministic UIDs under the `2.25` root from a seed and a key;
//! it and the other value formatting live in [`values`].

use std::path::{Path, PathBuf};

use dicom::core::value::{C, PrimitiveValue};
use dicom::core::{DataElement, Tag, VR};
use dicom::dictionary_std::{tags, uids};
use dicom::object::{FileMetaTableBuilder, InMemDicomObject};

mod values;

pub use values::{derive_uid, fnv1a64, format_ds, is_valid_uid, splitmix64_mix};

/// Implementation Class UID written into every file meta group (fixed, see module docs).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.218390485523104731839061236372981765342";
/// Implementation Version Name written into every file meta group (at most 16 characters).
pub const IMPLEMENTATION_VERSION_NAME: &str = "ANCHORAGE_010";
/// Manufacturer written by the phantom generator.
pub const PHANTOM_MANUFACTURER: &str = "Anchorage phantom";

/// Which kind of image the file holds; chooses the SOP class and a few
/// modality-specific attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageModality {
    /// CT Image Storage, Modality `CT`, with KVP 120.
    Ct,
    /// MR Image Storage, Modality `MR`, with a basic spin-echo T1 description.
    Mr,
}

impl ImageModality {
    /// The SOP Class UID of the storage class.
    pub fn sop_class_uid(self) -> &'static str {
        match self {
            ImageModality::Ct => uids::CT_IMAGE_STORAGE,
            ImageModality::Mr => uids::MR_IMAGE_STORAGE,
        }
    }

    /// The value of the Modality attribute (0008,0060).
    pub fn code(self) -> &'static str {
        match self {
            ImageModality::Ct => "CT",
            ImageModality::Mr => "MR",
        }
    }
}

/// Photometric Interpretation of a monochrome image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photometric {
    /// The minimum stored value is displayed white.
    Monochrome1,
    /// The minimum stored value is displayed black (the usual case).
    Monochrome2,
}

impl Photometric {
    fn code(self) -> &'static str {
        match self {
            Photometric::Monochrome1 => "MONOCHROME1",
            Photometric::Monochrome2 => "MONOCHROME2",
        }
    }
}

/// The modality rescale: output value = stored value × slope + intercept.
#[derive(Debug, Clone, PartialEq)]
pub struct Rescale {
    /// RescaleSlope (0028,1053).
    pub slope: f64,
    /// RescaleIntercept (0028,1052).
    pub intercept: f64,
    /// RescaleType (0028,1054), e.g. `HU`; left out when `None`.
    pub rescale_type: Option<String>,
}

/// One VOI window (a value of the multi-valued WindowCenter/WindowWidth pair).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// WindowCenter, in output units (HU for CT).
    pub center: f64,
    /// WindowWidth, in output units.
    pub width: f64,
    /// WindowCenterWidthExplanation, e.g. `BONE`.
    pub explanation: String,
}

/// Stored pixel values of one frame, row by row (row-major, `rows × columns` values).
#[derive(Debug, Clone, Copy)]
pub enum PixelValues<'a> {
    /// Unsigned values: PixelRepresentation 0.
    U16(&'a [u16]),
    /// Two's-complement values: PixelRepresentation 1.
    I16(&'a [i16]),
}

impl PixelValues<'_> {
    fn len(&self) -> usize {
        match self {
            PixelValues::U16(v) => v.len(),
            PixelValues::I16(v) => v.len(),
        }
    }

    fn pixel_representation(&self) -> u16 {
        match self {
            PixelValues::U16(_) => 0,
            PixelValues::I16(_) => 1,
        }
    }
}

/// Everything written into one single-frame image file apart from the pixel values.
///
/// Strings are written as given (the writer pads them to even length). Geometry is in
/// DICOM patient coordinates (LPS, mm).
#[derive(Debug, Clone, PartialEq)]
pub struct SliceHeader {
    /// PatientName (0010,0010), e.g. `PHANTOM^LUMBAR`.
    pub patient_name: String,
    /// PatientID (0010,0020).
    pub patient_id: String,
    /// PatientBirthDate (0010,0030), `YYYYMMDD`.
    pub patient_birth_date: String,
    /// PatientSex (0010,0040): `M`, `F` or `O`.
    pub patient_sex: String,
    /// StudyInstanceUID (0020,000D).
    pub study_instance_uid: String,
    /// SeriesInstanceUID (0020,000E).
    pub series_instance_uid: String,
    /// SOPInstanceUID (0008,0018); also the Media Storage SOP Instance UID.
    pub sop_instance_uid: String,
    /// FrameOfReferenceUID (0020,0052).
    pub frame_of_reference_uid: String,
    /// StudyDate (0008,0020), also used for series, acquisition and content dates.
    pub study_date: String,
    /// StudyTime (0008,0030), `HHMMSS`, also used for the other times.
    pub study_time: String,
    /// StudyID (0020,0010).
    pub study_id: String,
    /// AccessionNumber (0008,0050); may be empty.
    pub accession_number: String,
    /// CT or MR; decides the SOP class.
    pub modality: ImageModality,
    /// Manufacturer (0008,0070).
    pub manufacturer: String,
    /// SeriesDescription (0008,103E).
    pub series_description: String,
    /// SeriesNumber (0020,0011).
    pub series_number: u32,
    /// InstanceNumber (0020,0013).
    pub instance_number: u32,
    /// BodyPartExamined (0018,0015), e.g. `LSPINE`.
    pub body_part_examined: String,
    /// PatientPosition (0018,5100), e.g. `HFS`.
    pub patient_position: String,
    /// ImageType (0008,0008) values, e.g. `ORIGINAL`, `PRIMARY`, `AXIAL`.
    pub image_type: Vec<String>,
    /// Rows (0028,0010).
    pub rows: u16,
    /// Columns (0028,0011).
    pub columns: u16,
    /// ImagePositionPatient (0020,0032): centre of the first pixel, mm.
    pub image_position_mm: [f64; 3],
    /// ImageOrientationPatient (0020,0037): row direction cosines, then column direction cosines.
    pub image_orientation: [f64; 6],
    /// PixelSpacing (0028,0030): `[row spacing, column spacing]` in mm, in that order.
    pub pixel_spacing_mm: [f64; 2],
    /// SliceThickness (0018,0050), mm.
    pub slice_thickness_mm: f64,
    /// SpacingBetweenSlices (0018,0088), mm; left out when `None`.
    pub spacing_between_slices_mm: Option<f64>,
    /// SliceLocation (0020,1041), mm; left out when `None`.
    pub slice_location_mm: Option<f64>,
    /// Modality rescale; left out when `None` (the usual MR case).
    pub rescale: Option<Rescale>,
    /// VOI windows; WindowCenter/WindowWidth are left out when empty.
    pub windows: Vec<Window>,
    /// BitsStored (0028,0101); BitsAllocated is always 16 and HighBit is BitsStored − 1.
    pub bits_stored: u16,
    /// PhotometricInterpretation (0028,0004).
    pub photometric: Photometric,
    /// PixelPaddingValue (0028,0120) as a stored value; left out when `None`.
    pub pixel_padding_value: Option<i32>,
}

/// What can go wrong while writing one image file.
#[derive(Debug, thiserror::Error)]
pub enum DicomWriteError {
    /// A header field cannot be written as DICOM.
    #[error("header field {field} is invalid: {reason}")]
    InvalidHeader {
        /// The offending field of [`SliceHeader`].
        field: &'static str,
        /// What was expected.
        reason: String,
    },
    /// The number of pixel values does not match rows × columns.
    #[error("{found} pixel values given for {rows} rows × {columns} columns")]
    PixelCount {
        /// Rows in the header.
        rows: u16,
        /// Columns in the header.
        columns: u16,
        /// Values given.
        found: usize,
    },
    /// A stored value does not fit in BitsStored.
    #[error("stored value {value} at pixel {index} does not fit in {bits_stored} bits")]
    ValueOutOfRange {
        /// The offending value.
        value: i32,
        /// Its index in the frame (row-major).
        index: usize,
        /// BitsStored of the header.
        bits_stored: u16,
    },
    /// The file meta group could not be built.
    #[error("cannot build the file meta group: {source}")]
    Meta {
        /// The library's error.
        #[source]
        source: Box<dicom::object::WithMetaError>,
    },
    /// The data set could not be encoded.
    #[error("cannot encode the data set: {source}")]
    Encode {
        /// The library's error.
        #[source]
        source: Box<dicom::object::WriteError>,
    },
    /// The file could not be written.
    #[error("cannot write file: {source}: {}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Encodes one image as the bytes of a DICOM Part-10 file (preamble, `DICM`, file meta
/// group, data set in Explicit VR Little Endian).
pub fn encode_slice(
    header: &SliceHeader,
    pixels: PixelValues<'_>,
) -> Result<Vec<u8>, DicomWriteError> {
    check_header(header)?;
    let expected = usize::from(header.rows) * usize::from(header.columns);
    if pixels.len() != expected {
        return Err(DicomWriteError::PixelCount {
            rows: header.rows,
            columns: header.columns,
            found: pixels.len(),
        });
    }
    let pixel_words = pixel_words(header.bits_stored, pixels)?;

    let mut obj = InMemDicomObject::new_empty();
    let mut put = |tag: Tag, vr: VR, value: PrimitiveValue| {
        obj.put(DataElement::new(tag, vr, value));
    };
    let text = |s: &str| PrimitiveValue::from(s);
    let us = |v: u16| PrimitiveValue::U16(C::from_elem(v, 1));

    put(tags::IMAGE_TYPE, VR::CS, strs(&header.image_type));
    put(
        tags::SOP_CLASS_UID,
        VR::UI,
        text(header.modality.sop_class_uid()),
    );
    put(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        text(&header.sop_instance_uid),
    );
    for tag in [
        tags::STUDY_DATE,
        tags::SERIES_DATE,
        tags::ACQUISITION_DATE,
        tags::CONTENT_DATE,
    ] {
        put(tag, VR::DA, text(&header.study_date));
    }
    for tag in [
        tags::STUDY_TIME,
        tags::SERIES_TIME,
        tags::ACQUISITION_TIME,
        tags::CONTENT_TIME,
    ] {
        put(tag, VR::TM, text(&header.study_time));
    }
    put(
        tags::ACCESSION_NUMBER,
        VR::SH,
        text(&header.accession_number),
    );
    put(tags::MODALITY, VR::CS, text(header.modality.code()));
    put(tags::MANUFACTURER, VR::LO, text(&header.manufacturer));
    put(tags::REFERRING_PHYSICIAN_NAME, VR::PN, text(""));
    put(
        tags::SERIES_DESCRIPTION,
        VR::LO,
        text(&header.series_description),
    );
    put(tags::PATIENT_NAME, VR::PN, text(&header.patient_name));
    put(tags::PATIENT_ID, VR::LO, text(&header.patient_id));
    put(
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        text(&header.patient_birth_date),
    );
    put(tags::PATIENT_SEX, VR::CS, text(&header.patient_sex));
    put(
        tags::BODY_PART_EXAMINED,
        VR::CS,
        text(&header.body_part_examined),
    );
    put(
        tags::SLICE_THICKNESS,
        VR::DS,
        ds_value(&[header.slice_thickness_mm])?,
    );
    if let Some(spacing) = header.spacing_between_slices_mm {
        put(tags::SPACING_BETWEEN_SLICES, VR::DS, ds_value(&[spacing])?);
    }
    match header.modality {
        ImageModality::Ct => {
            put(tags::KVP, VR::DS, ds_value(&[120.0])?);
        }
        ImageModality::Mr => {
            put(tags::SCANNING_SEQUENCE, VR::CS, text("SE"));
            put(tags::SEQUENCE_VARIANT, VR::CS, text("NONE"));
            put(tags::SCAN_OPTIONS, VR::CS, text(""));
            put(tags::MR_ACQUISITION_TYPE, VR::CS, text("2D"));
            put(tags::REPETITION_TIME, VR::DS, ds_value(&[500.0])?);
            put(tags::ECHO_TIME, VR::DS, ds_value(&[10.0])?);
            put(tags::ECHO_TRAIN_LENGTH, VR::IS, text("3"));
            put(tags::MAGNETIC_FIELD_STRENGTH, VR::DS, ds_value(&[3.0])?);
        }
    }
    put(
        tags::PATIENT_POSITION,
        VR::CS,
        text(&header.patient_position),
    );
    put(
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        text(&header.study_instance_uid),
    );
    put(
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        text(&header.series_instance_uid),
    );
    put(tags::STUDY_ID, VR::SH, text(&header.study_id));
    put(
        tags::SERIES_NUMBER,
        VR::IS,
        text(&header.series_number.to_string()),
    );
    put(tags::ACQUISITION_NUMBER, VR::IS, text("1"));
    put(
        tags::INSTANCE_NUMBER,
        VR::IS,
        text(&header.instance_number.to_string()),
    );
    put(
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        ds_value(&header.image_position_mm)?,
    );
    put(
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        ds_value(&header.image_orientation)?,
    );
    put(
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        text(&header.frame_of_reference_uid),
    );
    put(tags::POSITION_REFERENCE_INDICATOR, VR::LO, text(""));
    if let Some(location) = header.slice_location_mm {
        put(tags::SLICE_LOCATION, VR::DS, ds_value(&[location])?);
    }
    put(tags::SAMPLES_PER_PIXEL, VR::US, us(1));
    put(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        text(header.photometric.code()),
    );
    put(tags::ROWS, VR::US, us(header.rows));
    put(tags::COLUMNS, VR::US, us(header.columns));
    put(
        tags::PIXEL_SPACING,
        VR::DS,
        ds_value(&header.pixel_spacing_mm)?,
    );
    put(tags::BITS_ALLOCATED, VR::US, us(16));
    put(tags::BITS_STORED, VR::US, us(header.bits_stored));
    put(tags::HIGH_BIT, VR::US, us(header.bits_stored - 1));
    put(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        us(pixels.pixel_representation()),
    );
    if let Some(padding) = header.pixel_padding_value {
        let value = match pixels {
            PixelValues::U16(_) => {
                let v = u16::try_from(padding).map_err(|_| DicomWriteError::InvalidHeader {
                    field: "pixel_padding_value",
                    reason: format!("{padding} does not fit an unsigned 16-bit value"),
                })?;
                (VR::US, us(v))
            }
            PixelValues::I16(_) => {
                let v = i16::try_from(padding).map_err(|_| DicomWriteError::InvalidHeader {
                    field: "pixel_padding_value",
                    reason: format!("{padding} does not fit a signed 16-bit value"),
                })?;
                (VR::SS, PrimitiveValue::I16(C::from_elem(v, 1)))
            }
        };
        put(tags::PIXEL_PADDING_VALUE, value.0, value.1);
    }
    if !header.windows.is_empty() {
        let centers: Vec<f64> = header.windows.iter().map(|w| w.center).collect();
        let widths: Vec<f64> = header.windows.iter().map(|w| w.width).collect();
        let explanations: Vec<String> = header
            .windows
            .iter()
            .map(|w| w.explanation.clone())
            .collect();
        put(tags::WINDOW_CENTER, VR::DS, ds_value(&centers)?);
        put(tags::WINDOW_WIDTH, VR::DS, ds_value(&widths)?);
        put(
            tags::WINDOW_CENTER_WIDTH_EXPLANATION,
            VR::LO,
            strs(&explanations),
        );
    }
    if let Some(rescale) = &header.rescale {
        put(
            tags::RESCALE_INTERCEPT,
            VR::DS,
            ds_value(&[rescale.intercept])?,
        );
        put(tags::RESCALE_SLOPE, VR::DS, ds_value(&[rescale.slope])?);
        if let Some(kind) = &rescale.rescale_type {
            put(tags::RESCALE_TYPE, VR::LO, text(kind));
        }
    }
    put(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(C::from_vec(pixel_words)),
    );

    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME);
    let file = obj.with_meta(meta).map_err(|e| DicomWriteError::Meta {
        source: Box::new(e),
    })?;
    let mut bytes = Vec::with_capacity(expected * 2 + 2048);
    file.write_all(&mut bytes)
        .map_err(|e| DicomWriteError::Encode {
            source: Box::new(e),
        })?;
    Ok(bytes)
}

/// Writes one image as a DICOM Part-10 file at `path` (see [`encode_slice`]).
pub fn write_slice(
    path: &Path,
    header: &SliceHeader,
    pixels: PixelValues<'_>,
) -> Result<(), DicomWriteError> {
    let bytes = encode_slice(header, pixels)?;
    std::fs::write(path, bytes).map_err(|source| DicomWriteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn ds_value(values: &[f64]) -> Result<PrimitiveValue, DicomWriteError> {
    let mut out: C<String> = C::new();
    for &v in values {
        let Some(s) = format_ds(v) else {
            return Err(DicomWriteError::InvalidHeader {
                field: "decimal string",
                reason: format!("{v} cannot be written as DS"),
            });
        };
        out.push(s);
    }
    Ok(PrimitiveValue::Strs(out))
}

fn strs(values: &[String]) -> PrimitiveValue {
    PrimitiveValue::Strs(values.iter().cloned().collect())
}

fn check_header(h: &SliceHeader) -> Result<(), DicomWriteError> {
    let uids = [
        ("study_instance_uid", &h.study_instance_uid),
        ("series_instance_uid", &h.series_instance_uid),
        ("sop_instance_uid", &h.sop_instance_uid),
        ("frame_of_reference_uid", &h.frame_of_reference_uid),
    ];
    for (field, uid) in uids {
        if !is_valid_uid(uid) {
            return Err(DicomWriteError::InvalidHeader {
                field,
                reason: format!("{uid:?} is not a valid UID"),
            });
        }
    }
    if h.rows == 0 || h.columns == 0 {
        return Err(DicomWriteError::InvalidHeader {
            field: "rows/columns",
            reason: "must be at least 1".into(),
        });
    }
    if !(1..=16).contains(&h.bits_stored) {
        return Err(DicomWriteError::InvalidHeader {
            field: "bits_stored",
            reason: format!("{} is not in 1..=16", h.bits_stored),
        });
    }
    if h.pixel_spacing_mm
        .iter()
        .any(|s| !(s.is_finite() && *s > 0.0))
    {
        return Err(DicomWriteError::InvalidHeader {
            field: "pixel_spacing_mm",
            reason: "both spacings must be positive".into(),
        });
    }
    Ok(())
}

/// Checks every value against BitsStored and returns the 16-bit words to store
/// (signed values as their two's-complement bit pattern).
fn pixel_words(bits_stored: u16, pixels: PixelValues<'_>) -> Result<Vec<u16>, DicomWriteError> {
    let bits = u32::from(bits_stored);
    match pixels {
        PixelValues::U16(values) => {
            let max = ((1u32 << bits) - 1) as u16;
            if let Some((index, &v)) = values.iter().enumerate().find(|(_, v)| **v > max) {
                return Err(DicomWriteError::ValueOutOfRange {
                    value: i32::from(v),
                    index,
                    bits_stored,
                });
            }
            Ok(values.to_vec())
        }
        PixelValues::I16(values) => {
            let max = ((1i32 << (bits - 1)) - 1) as i16;
            let min = (-(1i32 << (bits - 1))) as i16;
            if let Some((index, &v)) = values
                .iter()
                .enumerate()
                .find(|(_, v)| **v > max || **v < min)
            {
                return Err(DicomWriteError::ValueOutOfRange {
                    value: i32::from(v),
                    index,
                    bits_stored,
                });
            }
            Ok(values.iter().map(|&v| v as u16).collect())
        }
    }
}

#[cfg(test)]
mod tests;
