//! The volume: the values of a whole series (HU for CT, signal intensity for MR) in an
//! ndarray, with the geometry of every slice, and the loading that has the decoders
//! ([`crate::dicom::decode`]) fill it.
//!
//! Values are kept exactly, in about two bytes a voxel: for images of up to 16 bits with
//! one rescale for the whole series, the volume stores `raw: i16` and the modality value
//! is `raw × slope + offset` (unsigned 16-bit samples are shifted by 32768 into the i16
//! range, the shift folded into `offset`). Series whose slices carry different rescales,
//! or 32-bit samples, are stored as `f32` values instead. Pixel padding is kept as a raw
//! range (or NaN for `f32`) and excluded from statistics.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ndarray::{Array2, Array3, Axis};
use rayon::prelude::*;

use crate::dicom::decode::direct::decode_slice;
use crate::dicom::decode::file::decode_file;
use crate::dicom::decode::fill::{Decoded, Format, Normalize, fill_float, fill_raw};
use crate::dicom::decode::panics;
use crate::dicom::decode::table::{Shape, slice_path};
use crate::dicom::error::{FileError, LoadError};
use crate::dicom::memory;
use crate::dicom::series::Series;
use crate::dicom::syntax::SyntaxUid;
use crate::geometry::{ImagePlane, Vec3};

pub use crate::dicom::decode::table::supported_transfer_syntaxes;
pub use crate::dicom::syntax::transfer_syntax_name;

/// The most voxels a loaded volume may have (4 GiB as 16-bit values), so that a series
/// of many small files that each claim large images is refused before the volume is
/// allocated.
pub const MAX_VOLUME_VOXELS: u64 = 1 << 31;

/// How stored samples become modality values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawMapping {
    /// Multiplier of the raw value.
    pub slope: f64,
    /// Added after the multiplication.
    pub offset: f64,
    /// Subtracted from the stored sample to get the raw i16 (0 or 32768).
    pub shift: i32,
    /// Raw values (inclusive range) that are pixel padding.
    pub padding: Option<(i16, i16)>,
}

impl RawMapping {
    /// The modality value of a raw sample.
    #[inline]
    pub fn value(&self, raw: i16) -> f64 {
        raw as f64 * self.slope + self.offset
    }

    /// Whether a raw sample is padding.
    #[inline]
    pub fn is_padding(&self, raw: i16) -> bool {
        matches!(self.padding, Some((lo, hi)) if raw >= lo && raw <= hi)
    }
}

/// The voxel values of a volume, indexed `[slice, row, column]`.
#[derive(Debug, Clone)]
pub enum Voxels {
    /// Exact raw samples with one mapping for the whole volume.
    Scaled {
        /// Raw samples.
        raw: Array3<i16>,
        /// raw → modality value.
        map: RawMapping,
    },
    /// Modality values; padding is NaN.
    Float(Array3<f32>),
}

/// A loaded series.
#[derive(Debug, Clone)]
pub struct Volume {
    /// The values.
    pub voxels: Voxels,
    /// Each slice's plane, in slice order.
    pub planes: Vec<ImagePlane>,
    /// Each slice's SOPInstanceUID (repeated for the frames of a multi-frame image).
    pub sop_instance_uids: Vec<String>,
    /// Each slice's frame number in its file.
    pub frames: Vec<u32>,
    /// Slice spacing (median step), mm; 1 for a single slice.
    pub slice_spacing_mm: f64,
    /// Slice normal.
    pub normal: Vec3,
}

impl Volume {
    /// (slices, rows, columns).
    pub fn dims(&self) -> (usize, usize, usize) {
        match &self.voxels {
            Voxels::Scaled { raw, .. } => raw.dim(),
            Voxels::Float(v) => v.dim(),
        }
    }

    /// The modality value at (slice, row, column), `None` outside or on padding.
    pub fn value(&self, slice: usize, row: usize, col: usize) -> Option<f64> {
        match &self.voxels {
            Voxels::Scaled { raw, map } => {
                let r = *raw.get((slice, row, col))?;
                (!map.is_padding(r)).then(|| map.value(r))
            }
            Voxels::Float(v) => {
                let x = *v.get((slice, row, col))?;
                x.is_finite().then_some(x as f64)
            }
        }
    }

    /// One slice's values as f32 (padding as NaN), row-major.
    pub fn slice_values(&self, slice: usize) -> Option<Array2<f32>> {
        Some(match &self.voxels {
            Voxels::Scaled { raw, map } => {
                if slice >= raw.dim().0 {
                    return None;
                }
                raw.index_axis(Axis(0), slice).mapv(|r| {
                    if map.is_padding(r) {
                        f32::NAN
                    } else {
                        map.value(r) as f32
                    }
                })
            }
            Voxels::Float(v) => {
                if slice >= v.dim().0 {
                    return None;
                }
                v.index_axis(Axis(0), slice).to_owned()
            }
        })
    }

    /// Bytes held by the voxel array.
    pub fn voxel_bytes(&self) -> usize {
        match &self.voxels {
            Voxels::Scaled { raw, .. } => raw.len() * 2,
            Voxels::Float(v) => v.len() * 4,
        }
    }
}

/// Progress and cancellation shared between a loader and whoever watches it.
#[derive(Debug, Default)]
pub struct LoadControl {
    /// Set to stop loading; the load then returns [`LoadError::Cancelled`].
    pub cancel: AtomicBool,
    /// Slices decoded so far.
    pub done: AtomicUsize,
}

/// The value mapping for a series, or `None` when it must be stored as f32.
fn raw_mapping(series: &Series) -> Option<RawMapping> {
    let first = series.slices.first()?;
    if !series.uniform_format
        || series.bits_allocated > 16
        || series
            .slices
            .iter()
            .any(|s| s.slope != first.slope || s.intercept != first.intercept)
    {
        return None;
    }
    let shift = if !series.signed && series.bits_stored == 16 {
        32768
    } else {
        0
    };
    let padding = series.padding.map(|(v, limit)| {
        let (lo, hi) = match limit {
            Some(l) => (v.min(l), v.max(l)),
            None => (v, v),
        };
        // Padding values are stored values; interpret them in the pixel representation.
        let to_raw = |x: i64| (interpret(x, series) - shift as i64).clamp(-32768, 32767) as i16;
        (to_raw(lo), to_raw(hi))
    });
    Some(RawMapping {
        slope: first.slope,
        offset: first.intercept + shift as f64 * first.slope,
        shift,
        padding,
    })
}

/// A padding value read from the header (US or SS) as the stored sample it matches.
fn interpret(x: i64, series: &Series) -> i64 {
    let bits = series.bits_stored.clamp(1, 32) as u32;
    if series.signed && x >= 0 && bits < 64 && x >= (1i64 << (bits - 1)) && x < (1i64 << bits) {
        x - (1i64 << bits)
    } else {
        x
    }
}

/// One file of a series: its path, transfer syntax, and the (slice index, frame) pairs
/// it holds.
struct FileSlices<'a> {
    path: &'a Path,
    ts: SyntaxUid<'a>,
    slices: Vec<(usize, u32)>,
}

/// The files of a series, each with the slices it holds, in the order of their first
/// slice.
fn files_of(series: &Series) -> Vec<FileSlices<'_>> {
    let mut files: Vec<FileSlices> = Vec::new();
    let mut index: HashMap<&Path, usize> = HashMap::new();
    for (z, s) in series.slices.iter().enumerate() {
        let i = *index.entry(s.path.as_path()).or_insert_with(|| {
            files.push(FileSlices {
                path: s.path.as_path(),
                ts: SyntaxUid::new(&s.transfer_syntax_uid),
                slices: Vec::new(),
            });
            files.len() - 1
        });
        if let Some(file) = files.get_mut(i) {
            file.slices.push((z, s.frame));
        }
    }
    files
}

/// One slice of the volume, to be filled from frame `frame` of its file.
struct Slot<'v, T> {
    z: usize,
    frame: u32,
    dst: &'v mut [T],
}

/// Each file with the slices of `all` (one `frame_len` chunk a slice) it fills: disjoint
/// slices of the one allocation, handed to the decoding tasks without any sharing.
fn jobs<'f, 'v, T>(
    files: &'f [FileSlices<'f>],
    all: &'v mut [T],
    frame_len: usize,
) -> Vec<(&'f FileSlices<'f>, Vec<Slot<'v, T>>)> {
    let mut chunks: Vec<Option<&'v mut [T]>> = all.chunks_mut(frame_len.max(1)).map(Some).collect();
    files
        .iter()
        .map(|file| {
            let slots = file
                .slices
                .iter()
                .filter_map(|&(z, frame)| {
                    // Each slice index belongs to exactly one (file, frame) pair.
                    let dst = chunks.get_mut(z)?.take()?;
                    Some(Slot { z, frame, dst })
                })
                .collect();
            (file, slots)
        })
        .collect()
}

/// Loads a whole series into memory, decoding files in parallel.
///
/// Every file must decode: a file that fails stops the load with an error naming it
/// (the scan has already set aside files whose headers were unusable).
pub fn load(series: &Series, control: &LoadControl) -> Result<Volume, LoadError> {
    let (nz, ny, nx) = (
        series.slices.len(),
        series.rows as usize,
        series.columns as usize,
    );
    if nz == 0 {
        return Err(LoadError::SliceOutOfRange { index: 0, count: 0 });
    }
    let files = files_of(series);
    let frame_len = ny * nx;
    let too_large = || {
        let first = series.slices.first().map(|s| s.path.as_path());
        FileError::new(
            first.unwrap_or(Path::new("")),
            format!(
                "the series is {nz} slices of {ny} × {nx}: more than the {MAX_VOLUME_VOXELS} voxels a volume may hold (first file)"
            ),
        )
    };
    let voxels = nz
        .checked_mul(frame_len)
        .filter(|n| *n as u64 <= MAX_VOLUME_VOXELS)
        .ok_or_else(too_large)?;
    // Decoder panics caught in the tasks count for whoever counts them on this thread.
    let scope = panics::current_scope();
    let voxels = match raw_mapping(series) {
        Some(map) => {
            let mut raw = memory::zeroed::<i16>(voxels).ok_or_else(too_large)?;
            jobs(&files, &mut raw, frame_len)
                .into_par_iter()
                .try_for_each(|(file, slots)| {
                    panics::within(scope.clone(), || {
                        load_raw_file(series, file, slots, &map, control)
                    })
                })?;
            Voxels::Scaled {
                raw: shaped(raw, (nz, ny, nx), series)?,
                map,
            }
        }
        None => {
            let mut vals = memory::zeroed::<f32>(voxels).ok_or_else(too_large)?;
            let padding = float_padding(series);
            jobs(&files, &mut vals, frame_len)
                .into_par_iter()
                .try_for_each(|(file, slots)| {
                    panics::within(scope.clone(), || {
                        load_float_file(series, file, slots, padding, control)
                    })
                })?;
            Voxels::Float(shaped(vals, (nz, ny, nx), series)?)
        }
    };
    if control.cancel.load(Ordering::Relaxed) {
        return Err(LoadError::Cancelled);
    }
    Ok(Volume {
        voxels,
        planes: series.slices.iter().map(|s| s.plane).collect(),
        sop_instance_uids: series
            .slices
            .iter()
            .map(|s| s.sop_instance_uid.clone())
            .collect(),
        frames: series.slices.iter().map(|s| s.frame).collect(),
        slice_spacing_mm: series.slice_spacing_mm.unwrap_or(1.0),
        normal: series.normal,
    })
}

/// The decoded values as the volume's array.
fn shaped<T>(
    values: Vec<T>,
    shape: (usize, usize, usize),
    series: &Series,
) -> Result<Array3<T>, FileError> {
    Array3::from_shape_vec(shape, values).map_err(|e| {
        let first = series.slices.first().map(|s| s.path.as_path());
        FileError::new(
            first.unwrap_or(Path::new("")),
            format!("the volume cannot take the shape {shape:?}: {e} (first file)"),
        )
    })
}

/// Decodes one file into its slices of a raw (i16) volume.
fn load_raw_file(
    series: &Series,
    file: &FileSlices,
    mut slots: Vec<Slot<i16>>,
    map: &RawMapping,
    control: &LoadControl,
) -> Result<(), FileError> {
    if control.cancel.load(Ordering::Relaxed) {
        return Ok(());
    }
    // A file that gives the series one slice, from frame 0, may be decoded straight into
    // that slice (samples per pixel is 1: the header reader refuses any other).
    let shape = Shape {
        frames: 1,
        bits_allocated: series.bits_allocated,
        samples_per_pixel: 1,
    };
    let normalize = Normalize {
        bits_stored: u32::from(series.bits_stored),
        signed: series.signed,
        shift: map.shift,
    };
    if let [Slot { frame: 0, dst, .. }] = slots.as_mut_slice()
        && let Some(how) = slice_path(file.ts, shape)
        && decode_slice(
            file.path,
            file.ts,
            how,
            series.rows,
            series.columns,
            normalize,
            dst,
        )?
    {
        control.done.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    decode_whole(series, file, slots, control, |_, dst, bytes, format| {
        fill_raw(dst, bytes, format, map.shift)
    })
}

/// Decodes one file into its slices of a float volume.
fn load_float_file(
    series: &Series,
    file: &FileSlices,
    slots: Vec<Slot<f32>>,
    padding: Option<(i64, i64)>,
    control: &LoadControl,
) -> Result<(), FileError> {
    if control.cancel.load(Ordering::Relaxed) {
        return Ok(());
    }
    decode_whole(series, file, slots, control, |z, dst, bytes, format| {
        let Some(s) = series.slices.get(z) else {
            return;
        };
        fill_float(dst, bytes, format, s.slope, s.intercept, padding);
    })
}

/// Decodes every frame of one file and puts each slot's frame into it with `put`
/// (slice index, destination, frame bytes, their format).
fn decode_whole<T>(
    series: &Series,
    file: &FileSlices,
    slots: Vec<Slot<T>>,
    control: &LoadControl,
    put: impl Fn(usize, &mut [T], &[u8], Format),
) -> Result<(), FileError> {
    let Decoded {
        data,
        format,
        frames,
    } = decode_file(file.path, file.ts, series.rows, series.columns)?;
    let step = series.rows as usize * series.columns as usize * format.bytes_per;
    for Slot { z, frame, dst } in slots {
        if frame >= frames {
            return Err(FileError::new(
                file.path,
                format!("frame {frame} missing: the file decodes to {frames} frame(s)"),
            ));
        }
        let start = frame as usize * step;
        let Some(bytes) = data.get(start..start + step) else {
            return Err(FileError::new(
                file.path,
                format!("frame {frame} is truncated"),
            ));
        };
        put(z, dst, bytes, format);
        control.done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// The padding range of a series stored as f32, as stored sample values.
fn float_padding(series: &Series) -> Option<(i64, i64)> {
    series.padding.map(|(v, l)| {
        let l = l.unwrap_or(v);
        (interpret(v.min(l), series), interpret(v.max(l), series))
    })
}

/// Decodes one slice only (for showing the first image while the rest loads), as
/// modality values with padding as NaN.
pub fn load_slice(series: &Series, index: usize) -> Result<Array2<f32>, LoadError> {
    let s = series.slices.get(index).ok_or(LoadError::SliceOutOfRange {
        index,
        count: series.slices.len(),
    })?;
    let (ny, nx) = (series.rows as usize, series.columns as usize);
    let Decoded {
        data,
        format,
        frames,
    } = decode_file(
        &s.path,
        SyntaxUid::new(&s.transfer_syntax_uid),
        series.rows,
        series.columns,
    )?;
    if s.frame >= frames {
        return Err(FileError::new(&s.path, format!("frame {} missing", s.frame)).into());
    }
    let step = ny * nx * format.bytes_per;
    let start = s.frame as usize * step;
    let bytes = data
        .get(start..start + step)
        .ok_or_else(|| FileError::new(&s.path, "frame truncated"))?;
    let mut out = Array2::<f32>::zeros((ny, nx));
    if let Some(dst) = out.as_slice_mut() {
        fill_float(
            dst,
            bytes,
            format,
            s.slope,
            s.intercept,
            float_padding(series),
        );
    }
    Ok(out)
}

impl Volume {
    /// A volume holding only slice `k` of a series.
    pub fn one_slice(series: &Series, k: usize, values: Array2<f32>) -> Volume {
        let slice = series.slices.get(k);
        Volume {
            voxels: Voxels::Float(values.insert_axis(Axis(0))),
            planes: slice.map(|s| vec![s.plane]).unwrap_or_default(),
            sop_instance_uids: slice
                .map(|s| vec![s.sop_instance_uid.clone()])
                .unwrap_or_default(),
            frames: slice.map(|s| vec![s.frame]).unwrap_or_default(),
            slice_spacing_mm: series.slice_spacing_mm.unwrap_or(1.0),
            normal: series.normal,
        }
    }
}
