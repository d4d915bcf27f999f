//! The volume: the values of a whole series (HU for CT, signal intensity for MR) in an
//! ndarray, with the geometry of every slice, and the decoding that fills it.
//!
//! Values are kept exactly, in about two bytes a voxel: for images of up to 16 bits with
//! one rescale for the whole series, the volume stores `raw: i16` and the modality value
//! is `raw × slope + offset` (unsigned 16-bit samples are shifted by 32768 into the i16
//! range, the shift folded into `offset`). Series whose slices carry different rescales,
//! or 32-bit samples, are stored as `f32` values instead. Pixel padding is kept as a raw
//! range (or NaN for `f32`) and excluded from statistics.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use dicom::dictionary_std::{tags, uids};
use dicom::encoding::TransferSyntaxIndex;
use dicom::object::OpenFileOptions;
use dicom::pixeldata::PixelDecoder;
use dicom::transfer_syntax::TransferSyntaxRegistry;
use ndarray::{Array2, Array3, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::dicom::error::{FileError, LoadError};
use crate::dicom::guard::{check_codestream_dims, check_rle_fragments};
use crate::dicom::header::{FileKind, read_header};
use crate::dicom::series::Series;
use crate::geometry::{ImagePlane, Vec3};

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

/// A human name for a transfer syntax UID.
pub fn transfer_syntax_name(uid: &str) -> String {
    match TransferSyntaxRegistry.get(uid) {
        Some(ts) => ts.name().to_string(),
        None => "unknown transfer syntax".to_string(),
    }
}

/// Checks that pixel data in this transfer syntax can be decoded by this build.
pub fn check_transfer_syntax(path: &Path, uid: &str) -> Result<(), FileError> {
    match TransferSyntaxRegistry.get(uid) {
        None => Err(FileError::new(
            path,
            format!("unknown transfer syntax {uid}: its pixel data cannot be decoded"),
        )),
        Some(_) if crate::dicom::decode::codec::handles(uid) => Ok(()),
        Some(ts) if !ts.can_decode_all() => Err(FileError::new(
            path,
            format!(
                "transfer syntax {} ({uid}) is not supported by this build (see the README's list of supported syntaxes)",
                ts.name()
            ),
        )),
        Some(_) => Ok(()),
    }
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

/// Decodes a stored sample from little-endian bytes: masks BitsStored and sign-extends.
#[inline]
fn sample(bytes: &[u8], i: usize, bytes_per: usize, bits_stored: u32, signed: bool) -> i64 {
    let v: u64 = match bytes_per {
        1 => bytes.get(i).copied().unwrap_or(0) as u64,
        2 => {
            let j = 2 * i;
            match (bytes.get(j), bytes.get(j + 1)) {
                (Some(a), Some(b)) => u16::from_le_bytes([*a, *b]) as u64,
                _ => 0,
            }
        }
        _ => {
            let j = 4 * i;
            match bytes.get(j..j + 4) {
                Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as u64,
                None => 0,
            }
        }
    };
    let mask = if bits_stored >= 64 {
        u64::MAX
    } else {
        (1u64 << bits_stored) - 1
    };
    let v = v & mask;
    if signed && bits_stored < 64 && (v >> (bits_stored - 1)) & 1 == 1 {
        v as i64 - (1i64 << bits_stored)
    } else {
        v as i64
    }
}

/// Pixel format of one decoded file.
#[derive(Clone, Copy)]
struct Format {
    bytes_per: usize,
    bits_stored: u32,
    signed: bool,
}

/// Decodes all frames of one file; returns the decoded bytes and the format.
fn decode_file(
    path: &Path,
    ts_uid: &str,
    rows: u32,
    cols: u32,
) -> Result<(Vec<u8>, Format, u32), FileError> {
    check_transfer_syntax(path, ts_uid)?;
    // The header again, with the structure walk: the file may have changed since the scan,
    // and nothing unchecked may reach the decoder.
    match read_header(path)? {
        FileKind::Image(h) if h.rows == rows && h.columns == cols => {}
        FileKind::Image(h) => {
            return Err(FileError::new(
                path,
                format!(
                    "the file now says {} × {} (Rows × Columns), the series {rows} × {cols}: it changed since it was scanned",
                    h.rows, h.columns
                ),
            ));
        }
        FileKind::Dicomdir(_) => {
            return Err(FileError::new(path, "a DICOMDIR, not an image"));
        }
    }
    let obj = OpenFileOptions::new()
        .open_file(path)
        .map_err(|e| FileError::new(path, format!("cannot read the file: {e}")))?;
    if let Some(fragments) = obj.get(tags::PIXEL_DATA).and_then(|e| e.fragments()) {
        check_codestream_dims(fragments, rows, cols)
            .map_err(|m| FileError::new(path, format!("cannot decode the pixel data: {m}")))?;
    }
    if crate::dicom::decode::codec::handles(ts_uid) {
        return decode_with_codec(path, &obj, ts_uid, rows, cols);
    }
    if ts_uid == uids::RLE_LOSSLESS {
        let fragments = obj
            .get(tags::PIXEL_DATA)
            .and_then(|e| e.fragments())
            .unwrap_or(&[]);
        let segments = obj
            .get(tags::BITS_ALLOCATED)
            .and_then(|e| e.to_int::<usize>().ok())
            .map_or(2, |b| b.div_ceil(8));
        check_rle_fragments(fragments, rows, cols, segments)
            .map_err(|m| FileError::new(path, format!("cannot decode the pixel data: {m}")))?;
    }
    let cannot = |e: String| {
        FileError::new(
            path,
            format!(
                "cannot decode the pixel data ({} {ts_uid}): {e}",
                transfer_syntax_name(ts_uid)
            ),
        )
    };
    // Last resort: a decoder that panics on a corrupt stream gives an error, not a crash.
    // (Known panics are checked for above; the fuzz targets report any other.)
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        obj.decode_pixel_data().map_err(|e| with_causes(&e))
    }))
    .unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!("the decoder failed on this stream ({what})"))
    })
    .map_err(cannot)?;
    if decoded.rows() != rows || decoded.columns() != cols {
        return Err(FileError::new(
            path,
            format!(
                "decoded image is {} × {}, the header says {rows} × {cols}",
                decoded.rows(),
                decoded.columns()
            ),
        ));
    }
    let format = Format {
        bytes_per: (decoded.bits_allocated() as usize).div_ceil(8).max(1),
        bits_stored: decoded.bits_stored().clamp(1, 32) as u32,
        signed: matches!(
            decoded.pixel_representation(),
            dicom::pixeldata::PixelRepresentation::Signed
        ),
    };
    let frames = decoded.number_of_frames();
    let data = decoded.into_data();
    let need = (rows as usize)
        .saturating_mul(cols as usize)
        .saturating_mul(format.bytes_per)
        .saturating_mul(frames as usize);
    if data.len() < need {
        return Err(FileError::new(
            path,
            format!(
                "pixel data holds {} bytes, {need} expected for {frames} frame(s) of {rows} × {cols}: the file is truncated or the header wrong",
                data.len()
            ),
        ));
    }
    Ok((data, format, frames))
}

/// Decodes all frames of one file with [`crate::dicom::decode::codec`] (syntaxes dicom-rs does not decode
/// in this build), reading the pixel format from the data set.
fn decode_with_codec(
    path: &Path,
    obj: &dicom::object::DefaultDicomObject,
    ts_uid: &str,
    rows: u32,
    cols: u32,
) -> Result<(Vec<u8>, Format, u32), FileError> {
    let int = |tag| {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_int::<i64>().ok())
    };
    let bits_allocated = int(tags::BITS_ALLOCATED)
        .and_then(|b| u16::try_from(b).ok())
        .ok_or_else(|| FileError::new(path, "missing BitsAllocated (0028,0100)"))?;
    let bits_stored = int(tags::BITS_STORED).unwrap_or(i64::from(bits_allocated));
    let frames = match int(tags::NUMBER_OF_FRAMES) {
        None => 1,
        Some(n) => u32::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
            FileError::new(
                path,
                format!("NumberOfFrames (0028,0008) = {n} is not valid"),
            )
        })?,
    };
    let format = Format {
        bytes_per: usize::from(bits_allocated).div_ceil(8).max(1),
        bits_stored: bits_stored.clamp(1, 32) as u32,
        signed: int(tags::PIXEL_REPRESENTATION) == Some(1),
    };
    let data =
        crate::dicom::decode::codec::decode_frames(obj, ts_uid, rows, cols, frames, bits_allocated)
            .map_err(|e| {
                FileError::new(
                    path,
                    format!(
                        "cannot decode the pixel data ({} {ts_uid}): {e}",
                        transfer_syntax_name(ts_uid)
                    ),
                )
            })?;
    Ok((data, format, frames))
}

/// An error's message followed by its causes ("could not decode: invalid segment range").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut m = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !m.contains(&t) {
            m.push_str(": ");
            m.push_str(&t);
        }
        src = s.source();
    }
    m
}

/// Writes one frame into a raw slice.
fn fill_raw(mut dst: ArrayViewMut2<i16>, bytes: &[u8], f: Format, map: &RawMapping) {
    let n = dst.len();
    if let Some(out) = dst.as_slice_mut() {
        if f.bytes_per == 2 && map.shift == 0 && f.bits_stored == 16 && f.signed {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = i16::from_le_bytes([c[0], c[1]]);
            }
            return;
        }
        if f.bytes_per == 2 && map.shift == 32768 && f.bits_stored == 16 {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = (u16::from_le_bytes([c[0], c[1]]) ^ 0x8000) as i16;
            }
            return;
        }
        for (i, o) in out.iter_mut().enumerate().take(n) {
            let s = sample(bytes, i, f.bytes_per, f.bits_stored, f.signed) - map.shift as i64;
            *o = s.clamp(-32768, 32767) as i16;
        }
    }
}

/// Turns little-endian 16-bit stored samples, read straight into a raw slice, into raw
/// values: masks BitsStored, sign-extends, and applies the mapping's shift.
fn normalize_in_place(vals: &mut [i16], bits_stored: u32, signed: bool, map: &RawMapping) {
    if bits_stored >= 16 {
        if map.shift == 32768 {
            for v in vals.iter_mut() {
                *v ^= i16::MIN;
            }
        }
        return;
    }
    if map.shift == 0 && bits_stored >= 1 {
        // The common case (12 of 16 bits), in one pass the compiler vectorises: mask,
        // or sign-extend by shifting the sign bit to the top and back.
        if signed {
            let up = 16 - bits_stored;
            for v in vals.iter_mut() {
                *v = (*v << up) >> up;
            }
        } else {
            let mask = ((1u32 << bits_stored) - 1) as i16;
            for v in vals.iter_mut() {
                *v &= mask;
            }
        }
        return;
    }
    let mask: u16 = ((1u32 << bits_stored) - 1) as u16;
    let sign: u16 = 1 << (bits_stored - 1);
    for v in vals.iter_mut() {
        let u = (*v as u16) & mask;
        let s = if signed && u & sign != 0 {
            u as i32 - (1i32 << bits_stored)
        } else {
            u as i32
        };
        *v = (s - map.shift).clamp(-32768, 32767) as i16;
    }
}

/// Writes one frame into a float slice.
fn fill_float(
    mut dst: ArrayViewMut2<f32>,
    bytes: &[u8],
    f: Format,
    slope: f64,
    intercept: f64,
    padding: Option<(i64, i64)>,
) {
    if let Some(out) = dst.as_slice_mut() {
        for (i, o) in out.iter_mut().enumerate() {
            let s = sample(bytes, i, f.bytes_per, f.bits_stored, f.signed);
            *o = match padding {
                Some((lo, hi)) if s >= lo && s <= hi => f32::NAN,
                _ => (s as f64 * slope + intercept) as f32,
            };
        }
    }
}

/// One file of a series: its path, transfer syntax, and (slice index, frame) pairs.
type FileSlices<'a> = (&'a Path, &'a str, Vec<(usize, u32)>);

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
    // Which slices each file holds.
    let mut by_file: Vec<FileSlices> = Vec::new();
    let mut index: std::collections::HashMap<&Path, usize> = std::collections::HashMap::new();
    for (z, s) in series.slices.iter().enumerate() {
        let i = *index.entry(s.path.as_path()).or_insert_with(|| {
            by_file.push((s.path.as_path(), s.transfer_syntax_uid.as_str(), Vec::new()));
            by_file.len() - 1
        });
        if let Some(entry) = by_file.get_mut(i) {
            entry.2.push((z, s.frame));
        }
    }
    let map = raw_mapping(series);
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
    let decode_into =
        |file: &FileSlices, put: &mut dyn FnMut(usize, &[u8], Format)| -> Result<(), FileError> {
            if control.cancel.load(Ordering::Relaxed) {
                return Ok(());
            }
            let (path, ts, frames) = file;
            let (data, format, nframes) = decode_file(path, ts, series.rows, series.columns)?;
            let step = frame_len * format.bytes_per;
            for &(z, frame) in frames {
                if frame >= nframes {
                    return Err(FileError::new(
                        path,
                        format!("frame {frame} missing: the file decodes to {nframes} frame(s)"),
                    ));
                }
                let start = frame as usize * step;
                let Some(bytes) = data.get(start..start + step) else {
                    return Err(FileError::new(path, format!("frame {frame} is truncated")));
                };
                put(z, bytes, format);
                control.done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        };

    let voxels = match map {
        Some(map) => {
            let mut raw = zeroed::<i16>(voxels, (nz, ny, nx)).ok_or_else(too_large)?;
            let ptr = SyncPtr(raw.as_mut_ptr());
            by_file.par_iter().try_for_each(|file| {
                if let [(z, 0)] = file.2.as_slice()
                    && series.bits_allocated == 16
                    && crate::dicom::decode::raw::eligible(file.1)
                {
                    // SAFETY: as below, slice z has exactly one writer; the byte view
                    // covers the slice's frame_len i16 values.
                    let dst = unsafe {
                        std::slice::from_raw_parts_mut(
                            ptr.get().add(z * frame_len) as *mut u8,
                            frame_len * 2,
                        )
                    };
                    if control.cancel.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let read = crate::dicom::decode::raw::read_tail_pixels(file.0, dst)
                        .map_err(|e| FileError::new(file.0, format!("cannot read: {e}")))?;
                    if read {
                        // SAFETY: same slice as above, now viewed as i16.
                        let vals = unsafe {
                            std::slice::from_raw_parts_mut(ptr.get().add(z * frame_len), frame_len)
                        };
                        normalize_in_place(vals, series.bits_stored as u32, series.signed, &map);
                        control.done.fetch_add(1, Ordering::Relaxed);
                        return Ok(());
                    }
                }
                if let [(z, 0)] = file.2.as_slice()
                    && series.bits_allocated == 16
                    && crate::dicom::decode::direct::eligible(file.1)
                {
                    if control.cancel.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    // SAFETY: as below, slice z has exactly one writer; the byte view
                    // covers the slice's frame_len i16 values.
                    let dst = unsafe {
                        std::slice::from_raw_parts_mut(
                            ptr.get().add(z * frame_len) as *mut u8,
                            frame_len * 2,
                        )
                    };
                    if crate::dicom::decode::direct::decode_into(
                        file.0,
                        file.1,
                        series.rows,
                        series.columns,
                        dst,
                    )? {
                        // SAFETY: same slice as above, now viewed as i16.
                        let vals = unsafe {
                            std::slice::from_raw_parts_mut(ptr.get().add(z * frame_len), frame_len)
                        };
                        normalize_in_place(vals, series.bits_stored as u32, series.signed, &map);
                        control.done.fetch_add(1, Ordering::Relaxed);
                        return Ok(());
                    }
                }
                decode_into(file, &mut |z, bytes, f| {
                    // SAFETY: each slice index z belongs to exactly one (file, frame) pair,
                    // so parallel writers never touch the same slice; the view covers
                    // z·frame_len..(z+1)·frame_len of a C-contiguous array of nz slices.
                    let view = unsafe {
                        ArrayViewMut2::from_shape_ptr((ny, nx), ptr.get().add(z * frame_len))
                    };
                    fill_raw(view, bytes, f, &map);
                })
            })?;
            Voxels::Scaled { raw, map }
        }
        None => {
            let mut vals = zeroed::<f32>(voxels, (nz, ny, nx)).ok_or_else(too_large)?;
            let ptr = SyncPtr32(vals.as_mut_ptr());
            let padding = series.padding.map(|(v, l)| {
                let l = l.unwrap_or(v);
                (interpret(v.min(l), series), interpret(v.max(l), series))
            });
            by_file.par_iter().try_for_each(|file| {
                decode_into(file, &mut |z, bytes, f| {
                    let Some(s) = series.slices.get(z) else {
                        return;
                    };
                    // SAFETY: as above, one writer per slice.
                    let view = unsafe {
                        ArrayViewMut2::from_shape_ptr((ny, nx), ptr.get().add(z * frame_len))
                    };
                    fill_float(view, bytes, f, s.slope, s.intercept, padding);
                })
            })?;
            Voxels::Float(vals)
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

/// Decodes one slice only (for showing the first image while the rest loads), as
/// modality values with padding as NaN.
pub fn load_slice(series: &Series, index: usize) -> Result<Array2<f32>, LoadError> {
    let s = series.slices.get(index).ok_or(LoadError::SliceOutOfRange {
        index,
        count: series.slices.len(),
    })?;
    let (ny, nx) = (series.rows as usize, series.columns as usize);
    let (data, f, nframes) =
        decode_file(&s.path, &s.transfer_syntax_uid, series.rows, series.columns)?;
    if s.frame >= nframes {
        return Err(FileError::new(&s.path, format!("frame {} missing", s.frame)).into());
    }
    let step = ny * nx * f.bytes_per;
    let start = s.frame as usize * step;
    let bytes = data
        .get(start..start + step)
        .ok_or_else(|| FileError::new(&s.path, "frame truncated"))?;
    let mut out = Array2::<f32>::zeros((ny, nx));
    let padding = series.padding.map(|(v, l)| {
        let l = l.unwrap_or(v);
        (interpret(v.min(l), series), interpret(v.max(l), series))
    });
    fill_float(out.view_mut(), bytes, f, s.slope, s.intercept, padding);
    Ok(out)
}

/// Sample types for which all-zero bytes are the value 0.
///
/// # Safety
/// Implement only for types whose every all-zero bit pattern is a valid value.
unsafe trait ZeroValid: Copy {}
// SAFETY: integers and floats: all-zero bytes are 0 and 0.0.
unsafe impl ZeroValid for i16 {}
// SAFETY: as above.
unsafe impl ZeroValid for f32 {}

/// A zeroed array, or `None` when the memory cannot be had (instead of aborting).
///
/// The memory comes zeroed from the allocator (for a volume, fresh pages from the system,
/// which are zero already), so nothing walks over it before the decoders write it: each
/// page is touched once, by its slice's writer.
fn zeroed<T: ZeroValid>(n: usize, shape: (usize, usize, usize)) -> Option<Array3<T>> {
    let layout = std::alloc::Layout::array::<T>(n).ok()?;
    if layout.size() == 0 {
        return Array3::from_shape_vec(shape, Vec::new()).ok();
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if ptr.is_null() {
        return None;
    }
    advise_huge_pages(ptr as *mut u8, layout.size());
    // SAFETY: allocated by the global allocator with the layout of a Vec<T> of capacity
    // n, and all n values are initialised (zero bytes are a valid T, by ZeroValid).
    let v = unsafe { Vec::from_raw_parts(ptr, n, n) };
    Array3::from_shape_vec(shape, v).ok()
}

/// Asks Linux to back a large allocation with transparent huge pages (where the system
/// leaves that to `madvise`): writing a 150 MiB volume then takes 75 page faults instead
/// of 38,000. Only the whole pages inside the allocation are advised; a refusal changes
/// nothing but speed.
fn advise_huge_pages(ptr: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        if len < (8 << 20) {
            return;
        }
        let start = (ptr as usize).next_multiple_of(PAGE);
        let end = (ptr as usize + len) / PAGE * PAGE;
        if end > start {
            // SAFETY: the range lies inside one live allocation of ours; MADV_HUGEPAGE
            // only changes how the kernel backs it, never its contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}

#[derive(Clone, Copy)]
struct SyncPtr(*mut i16);
// SAFETY: used only to hand disjoint slices of one array to parallel writers.
unsafe impl Send for SyncPtr {}
unsafe impl Sync for SyncPtr {}
impl SyncPtr {
    fn get(self) -> *mut i16 {
        self.0
    }
}

#[derive(Clone, Copy)]
struct SyncPtr32(*mut f32);
// SAFETY: used only to hand disjoint slices of one array to parallel writers.
unsafe impl Send for SyncPtr32 {}
unsafe impl Sync for SyncPtr32 {}
impl SyncPtr32 {
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// Transfer syntaxes this build decodes, with their names (for the README and `--help`).
pub fn supported_transfer_syntaxes() -> Vec<(&'static str, String)> {
    let all = [
        uids::IMPLICIT_VR_LITTLE_ENDIAN,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        "1.2.840.10008.1.2.2",
        uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
        uids::RLE_LOSSLESS,
        uids::JPEG_BASELINE8_BIT,
        uids::JPEG_EXTENDED12_BIT,
        uids::JPEG_LOSSLESS,
        uids::JPEG_LOSSLESS_SV1,
        uids::JPEGLS_LOSSLESS,
        uids::JPEGLS_NEAR_LOSSLESS,
        uids::JPEG2000_LOSSLESS,
        uids::JPEG2000,
    ];
    all.iter()
        .filter(|u| {
            TransferSyntaxRegistry
                .get(u)
                .is_some_and(|ts| ts.can_decode_all())
                || crate::dicom::decode::codec::handles(u)
        })
        .map(|u| (*u, transfer_syntax_name(u)))
        .collect()
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
