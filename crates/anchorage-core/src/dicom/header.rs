//! Reading the header of one DICOM file: identity, pixel format and per-frame geometry.
//!
//! Only the header is read here (everything before Pixel Data); the pixels are decoded
//! elsewhere, after this header has been checked. Enhanced multi-frame images take position, orientation,
//! spacing and rescale from the functional groups (per-frame wins over shared).

use std::path::{Path, PathBuf};

use dicom::core::Tag;
use dicom::dictionary_std::tags;
use dicom::object::InMemDicomObject;

use crate::dicom::error::FileError;
use crate::dicom::guard::{Layout, PixelDataLayout, ReadUpTo, check_file, open_checked};
use crate::dicom::syntax::{SyntaxUid, trim_uid};
use crate::geometry::{ImagePlane, Vec3, add_scaled, cross, orientation_from_iop};

/// Explicit VR Big Endian (retired).
const EXPLICIT_VR_BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";

/// SOP class of the media storage directory (DICOMDIR).
pub const DICOMDIR_SOP_CLASS: &str = "1.2.840.10008.1.3.10";

/// The largest image a header may describe before it is refused (rows × columns ×
/// frames), so that no allocation is ever sized from an absurd header.
pub const MAX_VOXELS_PER_FILE: u64 = 1 << 31;

/// Compressed pixel data may decode to at most this many times its size (beyond
/// [`COMPRESSED_DECODE_FLOOR_BYTES`]): lossless CT compresses about 3:1, lossy a few tens
/// to one, a blank frame a few hundred to one.
pub const MAX_COMPRESSION_RATIO: u64 = 1000;

/// Compressed pixel data may always decode to this many bytes, whatever its size.
pub const COMPRESSED_DECODE_FLOOR_BYTES: u64 = 64 << 20;

/// Geometry and value rescale of one frame (one slice).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameInfo {
    /// The frame's image plane.
    pub plane: ImagePlane,
    /// RescaleSlope applied to stored values (1 when absent).
    pub slope: f64,
    /// RescaleIntercept applied to stored values (0 when absent).
    pub intercept: f64,
}

/// The header facts of one DICOM image file.
#[derive(Debug, Clone)]
pub struct FileHeader {
    /// The file.
    pub path: PathBuf,
    /// Transfer syntax UID of the data set, normalised ([`SyntaxUid`]).
    pub transfer_syntax_uid: String,
    /// SOPClassUID.
    pub sop_class_uid: String,
    /// SOPInstanceUID.
    pub sop_instance_uid: String,
    /// SeriesInstanceUID.
    pub series_instance_uid: String,
    /// StudyInstanceUID (empty when absent).
    pub study_instance_uid: String,
    /// FrameOfReferenceUID (empty when absent).
    pub frame_of_reference_uid: String,
    /// Modality (CT, MR, …).
    pub modality: String,
    /// SeriesDescription.
    pub series_description: String,
    /// SeriesNumber.
    pub series_number: Option<i64>,
    /// InstanceNumber.
    pub instance_number: Option<i64>,
    /// PatientName, as written.
    pub patient_name: String,
    /// PatientID.
    pub patient_id: String,
    /// PatientBirthDate.
    pub patient_birth_date: String,
    /// StudyDate (YYYYMMDD).
    pub study_date: String,
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// SamplesPerPixel.
    pub samples_per_pixel: u16,
    /// BitsAllocated.
    pub bits_allocated: u16,
    /// BitsStored.
    pub bits_stored: u16,
    /// PixelRepresentation: true for two's complement (signed) samples.
    pub signed: bool,
    /// PhotometricInterpretation (MONOCHROME1, MONOCHROME2, …).
    pub photometric: String,
    /// PixelPaddingValue and, when present, PixelPaddingRangeLimit (stored values).
    pub padding: Option<(i64, Option<i64>)>,
    /// First WindowCenter / WindowWidth pair, in output (rescaled) units.
    pub window: Option<(f64, f64)>,
    /// SliceThickness, mm.
    pub slice_thickness_mm: Option<f64>,
    /// One entry per frame.
    pub frames: Vec<FrameInfo>,
    /// Whether ImagePositionPatient was missing and positions were assumed.
    pub positions_assumed: bool,
    /// Things a reader must know about this header (assumed geometry and the like).
    pub warnings: Vec<String>,
}

/// What a file turned out to be.
#[derive(Debug)]
pub enum FileKind {
    /// An image with pixel data.
    Image(Box<FileHeader>),
    /// A DICOMDIR: the files it references (absolute paths).
    Dicomdir(Vec<PathBuf>),
}

type Obj = InMemDicomObject;

fn text(obj: &Obj, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

fn floats(obj: &Obj, tag: Tag) -> Option<Vec<f64>> {
    obj.get(tag)?
        .to_multi_float64()
        .ok()
        .filter(|v| !v.is_empty())
}

/// A list of numbers that must be readable when present: `Ok(None)` when absent or
/// empty, an error naming the field when its value is not numbers.
fn floats_field(obj: &Obj, tag: Tag, name: &str) -> Result<Option<Vec<f64>>, String> {
    let Some(e) = obj.get(tag) else {
        return Ok(None);
    };
    match e.to_multi_float64() {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(_) => {
            let shown = e.to_str().map(|s| s.trim().to_string()).unwrap_or_default();
            if shown.is_empty() {
                return Ok(None);
            }
            let shown: String = shown.chars().take(40).collect();
            Err(format!(
                "{name} {} is not a list of numbers (VR {}, value {shown:?})",
                tag_name(tag),
                e.vr()
            ))
        }
    }
}

fn float(obj: &Obj, tag: Tag) -> Option<f64> {
    floats(obj, tag).and_then(|v| v.first().copied())
}

fn int(obj: &Obj, tag: Tag) -> Option<i64> {
    obj.get(tag)?.to_int::<i64>().ok()
}

/// An integer field that must be readable when present: `Ok(None)` when absent, an error
/// naming the field when its value is not an integer (a wrong VR, text, an empty value).
fn int_field(obj: &Obj, tag: Tag, name: &str) -> Result<Option<i64>, String> {
    let Some(e) = obj.get(tag) else {
        return Ok(None);
    };
    e.to_int::<i64>().map(Some).map_err(|_| {
        let shown: String = e
            .to_str()
            .map(|s| s.chars().take(40).collect())
            .unwrap_or_default();
        format!(
            "{name} {} is not an integer (VR {}, value {shown:?})",
            tag_name(tag),
            e.vr()
        )
    })
}

/// The first item of a sequence element, if present.
fn first_item(obj: &Obj, tag: Tag) -> Option<&Obj> {
    obj.get(tag)?.items()?.first()
}

/// Looks `tag` up inside `seq` (first item) of a functional-group item.
fn fg_floats(group: Option<&Obj>, seq: Tag, tag: Tag) -> Option<Vec<f64>> {
    group
        .and_then(|g| first_item(g, seq))
        .and_then(|i| floats(i, tag))
}

fn tag_name(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.group(), tag.element())
}

/// Reads the header of `path`. Files that are not DICOM, not images, or whose header is
/// unusable give a [`FileError`] that says why.
///
/// The file's structure is checked first ([`crate::dicom::guard::check_file`]), so that no
/// element length larger than the file reaches dicom-rs.
pub fn read_header(path: &Path) -> Result<FileKind, FileError> {
    let layout = check_file(path)?;
    let obj = open_checked(path, &layout, ReadUpTo::BeforePixelData)?;
    let meta = obj.meta();
    let ts = SyntaxUid::new(&meta.transfer_syntax).as_str().to_string();
    let media_class = trim_uid(&meta.media_storage_sop_class_uid).to_string();
    if media_class == DICOMDIR_SOP_CLASS {
        return Ok(FileKind::Dicomdir(dicomdir_files(path, &obj)));
    }
    let ds: &Obj = &obj;
    parse_image_header(path, ds, ts, &media_class, &layout).map(|h| FileKind::Image(Box::new(h)))
}

fn dicomdir_files(path: &Path, obj: &Obj) -> Vec<PathBuf> {
    let base = path.parent().unwrap_or(Path::new("."));
    let Some(records) = obj
        .get(tags::DIRECTORY_RECORD_SEQUENCE)
        .and_then(|e| e.items())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rec in records {
        let Some(e) = rec.get(tags::REFERENCED_FILE_ID) else {
            continue;
        };
        let Ok(s) = e.to_str() else { continue };
        let mut p = base.to_path_buf();
        for part in s.split('\\') {
            let part = part.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            // Only plain names: "..", "/etc/passwd" or "C:" must not leave the DICOMDIR's
            // folder (pushing an absolute path would replace the whole path).
            for c in Path::new(part).components() {
                if let std::path::Component::Normal(name) = c {
                    p.push(name);
                }
            }
        }
        out.push(p);
    }
    out
}

/// Checks that the pixel data the walk found can hold `need` decoded bytes: native data
/// must have them in the file; compressed data must have a fragment per frame and a
/// believable compression ratio. The header values are only for the message.
fn check_pixel_data(
    layout: &Layout,
    need: u64,
    (rows, columns, frames, bits): (i64, i64, i64, i64),
) -> Result<(), String> {
    let shape = format!(
        "Rows × Columns × NumberOfFrames × BitsAllocated = {rows} × {columns} × {frames} × {bits} bits ({need} bytes)"
    );
    match layout.pixel_data {
        None => Err("no Pixel Data (7FE0,0010): not an image".into()),
        Some(PixelDataLayout::Native { bytes }) if bytes < need => Err(format!(
            "Pixel Data (7FE0,0010) holds {bytes} bytes, fewer than {shape}: the file is truncated or the header is wrong"
        )),
        Some(PixelDataLayout::Native { .. }) => Ok(()),
        Some(PixelDataLayout::Encapsulated { fragments, .. })
            if (fragments as u64) < frames as u64 =>
        {
            Err(format!(
                "NumberOfFrames (0028,0008) = {frames}, but the compressed Pixel Data (7FE0,0010) has {fragments} fragment(s): each frame needs one"
            ))
        }
        Some(PixelDataLayout::Encapsulated { bytes, .. })
            if need > COMPRESSED_DECODE_FLOOR_BYTES
                && need > bytes.saturating_mul(MAX_COMPRESSION_RATIO) =>
        {
            Err(format!(
                "{shape} cannot come from {bytes} bytes of compressed Pixel Data (7FE0,0010): the header is wrong"
            ))
        }
        Some(PixelDataLayout::Encapsulated { .. }) => Ok(()),
    }
}

fn parse_image_header(
    path: &Path,
    ds: &Obj,
    transfer_syntax_uid: String,
    media_class: &str,
    layout: &Layout,
) -> Result<FileHeader, FileError> {
    let err = |m: String| FileError::new(path, m);
    let sop_class_uid = text(ds, tags::SOP_CLASS_UID).unwrap_or_else(|| media_class.to_string());
    // Presentation states, SR, KOS and the like have no Rows/Columns and no Pixel Data.
    let rows = int_field(ds, tags::ROWS, "Rows").map_err(err)?;
    let columns = int_field(ds, tags::COLUMNS, "Columns").map_err(err)?;
    let (Some(rows), Some(columns)) = (rows, columns) else {
        if layout.unparsed_tail_bytes > 0 {
            return Err(err(format!(
                "the file ends inside an element header ({} byte(s) left over) before Rows/Columns: it is truncated",
                layout.unparsed_tail_bytes
            )));
        }
        return Err(err(format!(
            "not an image (SOP class {sop_class_uid}): no Rows/Columns"
        )));
    };
    if rows <= 0 || columns <= 0 || rows > 65535 || columns > 65535 {
        return Err(err(format!(
            "Rows (0028,0010) × Columns (0028,0011) = {rows} × {columns} is not a valid image size"
        )));
    }
    let sop_instance_uid = text(ds, tags::SOP_INSTANCE_UID)
        .ok_or_else(|| err("missing SOPInstanceUID (0008,0018)".into()))?;
    let series_instance_uid = text(ds, tags::SERIES_INSTANCE_UID)
        .ok_or_else(|| err("missing SeriesInstanceUID (0020,000E)".into()))?;
    let samples_per_pixel = int_field(ds, tags::SAMPLES_PER_PIXEL, "SamplesPerPixel")
        .map_err(err)?
        .unwrap_or(1);
    let bits_allocated = int_field(ds, tags::BITS_ALLOCATED, "BitsAllocated")
        .map_err(err)?
        .ok_or_else(|| err("missing BitsAllocated (0028,0100)".into()))?;
    let bits_stored = int_field(ds, tags::BITS_STORED, "BitsStored")
        .map_err(err)?
        .unwrap_or(bits_allocated);
    let signed = int(ds, tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1;
    if !matches!(bits_allocated, 8 | 16 | 32) {
        return Err(err(format!(
            "BitsAllocated (0028,0100) = {bits_allocated}: only 8, 16 and 32 are supported"
        )));
    }
    if bits_allocated == 32 && transfer_syntax_uid == EXPLICIT_VR_BIG_ENDIAN {
        // Found by the compatibility survey (pydicom's rtdose_expb.dcm): the values came
        // out byte-swapped. Refused rather than measured wrong.
        return Err(err(format!(
            "BitsAllocated (0028,0100) = 32 in Explicit VR Big Endian ({EXPLICIT_VR_BIG_ENDIAN}): this build reads such samples in the wrong byte order, so the file is refused"
        )));
    }
    if bits_stored < 1 || bits_stored > bits_allocated {
        return Err(err(format!(
            "BitsStored (0028,0101) = {bits_stored} does not fit BitsAllocated {bits_allocated}"
        )));
    }
    let photometric =
        text(ds, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_else(|| "MONOCHROME2".into());
    if samples_per_pixel != 1 {
        return Err(err(format!(
            "SamplesPerPixel (0028,0002) = {samples_per_pixel} ({photometric}): only greyscale images can be measured"
        )));
    }
    if photometric.trim() == "PALETTE COLOR" {
        // One sample a pixel, but an index into a colour table: no modality value (found
        // by the compatibility survey: octave-dicom's US-PAL-8-10x-echo.dcm was measured).
        return Err(err(
            "PhotometricInterpretation (0028,0004) = PALETTE COLOR: the pixels are indices into a colour table, not modality values; only greyscale images can be measured".into(),
        ));
    }
    let frames_n = match int_field(ds, tags::NUMBER_OF_FRAMES, "NumberOfFrames").map_err(err)? {
        None => 1,
        Some(n) if n >= 1 => n,
        Some(n) => {
            return Err(err(format!(
                "NumberOfFrames (0028,0008) = {n} is not valid"
            )));
        }
    };
    // rows and columns are at most 65535 and frames at least 1: no overflow before the cap.
    let voxels = (rows as u64)
        .saturating_mul(columns as u64)
        .saturating_mul(frames_n as u64);
    if voxels > MAX_VOXELS_PER_FILE {
        return Err(err(format!(
            "Rows × Columns × NumberOfFrames = {rows} × {columns} × {frames_n} is larger than the {MAX_VOXELS_PER_FILE} voxels a file may hold"
        )));
    }
    check_pixel_data(
        layout,
        voxels.saturating_mul(bits_allocated as u64 / 8),
        (rows, columns, frames_n, bits_allocated),
    )
    .map_err(err)?;
    let mut warnings = Vec::new();
    if let Some(w) = layout.start.warning() {
        warnings.push(format!("{}: {w}", path.display()));
    }
    if layout.unparsed_tail_bytes > 0 {
        warnings.push(format!(
            "{}: {} byte(s) after the last complete element ignored (padding, or a trailing element cut short after the pixel data)",
            path.display(),
            layout.unparsed_tail_bytes
        ));
    }
    let shared = first_item(ds, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    let per_frame: &[Obj] = ds
        .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|e| e.items())
        .unwrap_or(&[]);

    // Top-level (classic) values, used where the functional groups say nothing.
    let top_iop = floats_field(
        ds,
        tags::IMAGE_ORIENTATION_PATIENT,
        "ImageOrientationPatient",
    )
    .map_err(err)?;
    let top_ipp =
        floats_field(ds, tags::IMAGE_POSITION_PATIENT, "ImagePositionPatient").map_err(err)?;
    let top_spacing = floats_field(ds, tags::PIXEL_SPACING, "PixelSpacing").map_err(err)?;
    let thickness = float(ds, tags::SLICE_THICKNESS).or_else(|| {
        fg_floats(shared, tags::PIXEL_MEASURES_SEQUENCE, tags::SLICE_THICKNESS)
            .and_then(|v| v.first().copied())
    });
    let top_slope = float(ds, tags::RESCALE_SLOPE);
    let top_intercept = float(ds, tags::RESCALE_INTERCEPT);

    let mut frames = Vec::with_capacity(frames_n as usize);
    let mut assumed_positions = false;
    for k in 0..frames_n as usize {
        let pf = per_frame.get(k);
        let pick = |seq: Tag, tag: Tag, top: &Option<Vec<f64>>| {
            fg_floats(pf, seq, tag)
                .or_else(|| fg_floats(shared, seq, tag))
                .or_else(|| top.clone())
        };
        let iop = pick(
            tags::PLANE_ORIENTATION_SEQUENCE,
            tags::IMAGE_ORIENTATION_PATIENT,
            &top_iop,
        );
        let ipp = pick(
            tags::PLANE_POSITION_SEQUENCE,
            tags::IMAGE_POSITION_PATIENT,
            &top_ipp,
        );
        let spacing = pick(
            tags::PIXEL_MEASURES_SEQUENCE,
            tags::PIXEL_SPACING,
            &top_spacing,
        );
        let slope = pick(
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            tags::RESCALE_SLOPE,
            &top_slope.map(|v| vec![v]),
        )
        .and_then(|v| v.first().copied())
        .unwrap_or(1.0);
        let intercept = pick(
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            tags::RESCALE_INTERCEPT,
            &top_intercept.map(|v| vec![v]),
        )
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0);
        if !slope.is_finite() || slope == 0.0 || !intercept.is_finite() {
            return Err(err(format!(
                "RescaleSlope/Intercept (0028,1053)/(0028,1052) = {slope}/{intercept} is not usable"
            )));
        }
        let (row_dir, col_dir) = match iop {
            Some(v) => orientation_from_iop(&v).map_err(|m| {
                err(format!(
                    "ImageOrientationPatient {}: {m}",
                    tag_name(tags::IMAGE_ORIENTATION_PATIENT)
                ))
            })?,
            None => {
                if k == 0 {
                    warnings.push(
                        "ImageOrientationPatient (0020,0037) missing: axial orientation assumed"
                            .into(),
                    );
                }
                ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
            }
        };
        let (row_spacing_mm, col_spacing_mm) = match spacing.as_deref() {
            Some([r, c, ..]) => (*r, *c),
            Some(_) => {
                return Err(err(
                    "PixelSpacing (0028,0030) must have two values (row, column)".into(),
                ));
            }
            None => {
                if k == 0 {
                    warnings.push(
                        "PixelSpacing (0028,0030) missing: 1 mm assumed, areas and lengths are in pixel units"
                            .into(),
                    );
                }
                (1.0, 1.0)
            }
        };
        if !(row_spacing_mm.is_finite()
            && col_spacing_mm.is_finite()
            && row_spacing_mm > 0.0
            && col_spacing_mm > 0.0
            && row_spacing_mm < 1e4
            && col_spacing_mm < 1e4)
        {
            return Err(err(format!(
                "PixelSpacing (0028,0030) = {row_spacing_mm}\\{col_spacing_mm} must be positive and finite"
            )));
        }
        let origin_mm: Vec3 = match ipp.as_deref() {
            Some([x, y, z, ..]) if x.is_finite() && y.is_finite() && z.is_finite() => [*x, *y, *z],
            Some(_) => {
                return Err(err(
                    "ImagePositionPatient (0020,0032) must have three finite values".into(),
                ));
            }
            None => {
                assumed_positions = true;
                let step = thickness
                    .filter(|t| *t > 0.0 && t.is_finite())
                    .unwrap_or(1.0);
                let n = cross(row_dir, col_dir);
                let base = int(ds, tags::INSTANCE_NUMBER).unwrap_or(0) as f64
                    * if frames_n > 1 { 0.0 } else { step };
                add_scaled([0.0, 0.0, 0.0], base + k as f64 * step, n)
            }
        };
        frames.push(FrameInfo {
            plane: ImagePlane {
                origin_mm,
                row_dir,
                col_dir,
                row_spacing_mm,
                col_spacing_mm,
            },
            slope,
            intercept,
        });
    }
    if assumed_positions {
        warnings.push(
            "ImagePositionPatient (0020,0032) missing: positions assumed from InstanceNumber/frame order and SliceThickness"
                .into(),
        );
    }
    let padding =
        int(ds, tags::PIXEL_PADDING_VALUE).map(|v| (v, int(ds, tags::PIXEL_PADDING_RANGE_LIMIT)));
    let window = match (
        float(ds, tags::WINDOW_CENTER).or_else(|| {
            fg_floats(shared, tags::FRAME_VOILUT_SEQUENCE, tags::WINDOW_CENTER)
                .and_then(|v| v.first().copied())
        }),
        float(ds, tags::WINDOW_WIDTH).or_else(|| {
            fg_floats(shared, tags::FRAME_VOILUT_SEQUENCE, tags::WINDOW_WIDTH)
                .and_then(|v| v.first().copied())
        }),
    ) {
        (Some(c), Some(w)) if c.is_finite() && w.is_finite() && w > 0.0 => Some((c, w)),
        _ => None,
    };
    Ok(FileHeader {
        path: path.to_path_buf(),
        transfer_syntax_uid,
        sop_class_uid,
        sop_instance_uid,
        series_instance_uid,
        study_instance_uid: text(ds, tags::STUDY_INSTANCE_UID).unwrap_or_default(),
        frame_of_reference_uid: text(ds, tags::FRAME_OF_REFERENCE_UID).unwrap_or_default(),
        modality: text(ds, tags::MODALITY).unwrap_or_else(|| "OT".into()),
        series_description: text(ds, tags::SERIES_DESCRIPTION).unwrap_or_default(),
        series_number: int(ds, tags::SERIES_NUMBER),
        instance_number: int(ds, tags::INSTANCE_NUMBER),
        patient_name: text(ds, tags::PATIENT_NAME).unwrap_or_default(),
        patient_id: text(ds, tags::PATIENT_ID).unwrap_or_default(),
        patient_birth_date: text(ds, tags::PATIENT_BIRTH_DATE).unwrap_or_default(),
        study_date: text(ds, tags::STUDY_DATE).unwrap_or_default(),
        rows: rows as u32,
        columns: columns as u32,
        samples_per_pixel: samples_per_pixel.clamp(0, 64) as u16,
        bits_allocated: bits_allocated as u16,
        bits_stored: bits_stored as u16,
        signed,
        photometric,
        padding,
        window,
        slice_thickness_mm: thickness.filter(|t| t.is_finite() && *t > 0.0),
        frames,
        positions_assumed: assumed_positions,
        warnings,
    })
}
