//! Display rendering, independent of any UI toolkit: window/level of modality values to
//! 8-bit grey, orthogonal cuts through a volume (the native slices and the two reformatted
//! planes) with their pixel spacing, window presets, and an automatic window from the
//! histogram.
//!
//! Speed matters here (a 512 × 512 slice in well under a millisecond): for volumes stored
//! as raw `i16` samples ([`Voxels::Scaled`]) a [`Lut`] of 65 536 grey levels turns every
//! pixel into one table lookup. Padding and NaN are black; MONOCHROME1 is inverted.

use ndarray::Axis;

use crate::dicom::volume::{RawMapping, Volume, Voxels};
use crate::geometry::{Vec3, dot};

/// A display window: the centre and width of the value range shown from black to white,
/// in output units (HU for CT, SI for MR).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WindowLevel {
    /// Centre (level).
    pub centre: f64,
    /// Width, always positive.
    pub width: f64,
}

impl WindowLevel {
    /// The smallest width a window can have.
    pub const MIN_WIDTH: f64 = 1e-3;

    /// A window; the width is kept at least [`WindowLevel::MIN_WIDTH`].
    pub fn new(centre: f64, width: f64) -> Self {
        let width = if width.is_finite() {
            width.max(Self::MIN_WIDTH)
        } else {
            1.0
        };
        let centre = if centre.is_finite() { centre } else { 0.0 };
        WindowLevel { centre, width }
    }

    /// The grey level (0..=255) of a value: linear from `centre − width/2` (black) to
    /// `centre + width/2` (white). NaN is black.
    #[inline]
    pub fn grey(&self, v: f64) -> u8 {
        let t = (v - (self.centre - 0.5 * self.width)) / self.width;
        if t.is_nan() {
            0
        } else {
            (t.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
        }
    }

    /// The window after a right-button drag of `dx`, `dy` screen points, as PACS viewers
    /// do it: right widens, down raises the level (darker image). The step is relative to
    /// the current width so fine and coarse windows both respond.
    pub fn dragged(&self, dx: f64, dy: f64) -> Self {
        let step = (self.width / 200.0).max(0.5);
        WindowLevel::new(self.centre + dy * step, self.width + dx * 2.0 * step)
    }
}

/// The window presets of the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowPreset {
    /// CT bone: C 400 / W 1800.
    CtBone,
    /// CT soft tissue: C 40 / W 400.
    CtSoftTissue,
    /// The window of the header, or the histogram when the header has none.
    Auto,
    /// 1st to 99th percentile of the values (what MR needs).
    Histogram,
}

impl WindowPreset {
    /// CT bone window.
    pub const CT_BONE: WindowLevel = WindowLevel {
        centre: 400.0,
        width: 1800.0,
    };
    /// CT soft-tissue window.
    pub const CT_SOFT_TISSUE: WindowLevel = WindowLevel {
        centre: 40.0,
        width: 400.0,
    };

    /// The window of this preset, given the header window and the histogram window.
    pub fn window(
        self,
        header: Option<(f64, f64)>,
        histogram: Option<WindowLevel>,
    ) -> Option<WindowLevel> {
        match self {
            WindowPreset::CtBone => Some(Self::CT_BONE),
            WindowPreset::CtSoftTissue => Some(Self::CT_SOFT_TISSUE),
            WindowPreset::Auto => header
                .filter(|(_, w)| w.is_finite() && *w > 0.0)
                .map(|(c, w)| WindowLevel::new(c, w))
                .or(histogram),
            WindowPreset::Histogram => histogram,
        }
    }
}

/// Grey levels of every raw `i16` sample for one window: one lookup per pixel.
#[derive(Clone)]
pub struct Lut {
    table: Vec<u8>,
    /// The window it was built for.
    pub window: WindowLevel,
    /// Whether it inverts (MONOCHROME1).
    pub invert: bool,
}

impl std::fmt::Debug for Lut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lut")
            .field("window", &self.window)
            .field("invert", &self.invert)
            .finish()
    }
}

impl Lut {
    /// The table for a raw mapping and window; padding is black.
    pub fn new(map: &RawMapping, window: WindowLevel, invert: bool) -> Lut {
        let table = (0..65536i32)
            .map(|i| {
                let raw = (i - 32768) as i16;
                if map.is_padding(raw) {
                    0
                } else {
                    let g = window.grey(map.value(raw));
                    if invert { 255 - g } else { g }
                }
            })
            .collect();
        Lut {
            table,
            window,
            invert,
        }
    }

    /// The grey level of a raw sample.
    #[inline]
    pub fn get(&self, raw: i16) -> u8 {
        // The table has 65 536 entries, so the index is always in range.
        self.table
            .get((raw as i32 + 32768) as usize)
            .copied()
            .unwrap_or(0)
    }
}

/// An 8-bit grey image, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct GreyImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width × height` grey levels.
    pub pixels: Vec<u8>,
}

/// Which index of the volume a cut holds fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cut {
    /// A native slice (fixed slice index): columns across, rows down.
    Slice,
    /// Fixed row: columns across, slices down (coronal for an axial series).
    Row,
    /// Fixed column: rows across, slices down (sagittal for an axial series).
    Column,
}

impl Cut {
    /// All cuts, native first.
    pub const ALL: [Cut; 3] = [Cut::Slice, Cut::Row, Cut::Column];
}

/// How a cut of a volume is laid out on screen: size, pixel spacing and patient
/// directions of its axes, and how its pixels map to voxels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutGeometry {
    /// The cut.
    pub cut: Cut,
    /// Volume dimensions (slices, rows, columns).
    pub dims: (usize, usize, usize),
    /// Image width, pixels.
    pub width: usize,
    /// Image height, pixels.
    pub height: usize,
    /// Spacing of image pixels across and down, mm.
    pub spacing_mm: [f64; 2],
    /// Whether image rows run against the slice order (reformats: the slice with the
    /// highest index is at the top when that puts superior or anterior up).
    pub flip: bool,
    /// Patient direction of increasing image x.
    pub right: Vec3,
    /// Patient direction of increasing image y.
    pub down: Vec3,
    /// How many cuts of this kind the volume has.
    pub count: usize,
}

impl CutGeometry {
    /// The layout of `cut` through `volume`.
    pub fn new(volume: &Volume, cut: Cut) -> CutGeometry {
        let dims = volume.dims();
        let (nz, ny, nx) = dims;
        let plane = volume
            .planes
            .first()
            .copied()
            .unwrap_or(crate::geometry::ImagePlane {
                origin_mm: [0.0; 3],
                row_dir: [1.0, 0.0, 0.0],
                col_dir: [0.0, 1.0, 0.0],
                row_spacing_mm: 1.0,
                col_spacing_mm: 1.0,
            });
        let n = volume.normal;
        // Reformats put the slice axis vertically, oriented as PACS viewers do: inferior
        // down for an axial stack, posterior down for a coronal one, left down otherwise.
        let a = [n[0].abs(), n[1].abs(), n[2].abs()];
        let preferred_down = if a[2] >= a[0] && a[2] >= a[1] {
            [0.0, 0.0, -1.0]
        } else if a[1] >= a[0] {
            [0.0, 1.0, 0.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        let flip = dot(n, preferred_down) < 0.0;
        let slice_down = if flip { [-n[0], -n[1], -n[2]] } else { n };
        let ss = if volume.slice_spacing_mm.is_finite() && volume.slice_spacing_mm > 0.0 {
            volume.slice_spacing_mm
        } else {
            1.0
        };
        let (width, height, spacing_mm, right, down, count, flip) = match cut {
            Cut::Slice => (
                nx,
                ny,
                [plane.col_spacing_mm, plane.row_spacing_mm],
                plane.row_dir,
                plane.col_dir,
                nz,
                false,
            ),
            Cut::Row => (
                nx,
                nz,
                [plane.col_spacing_mm, ss],
                plane.row_dir,
                slice_down,
                ny,
                flip,
            ),
            Cut::Column => (
                ny,
                nz,
                [plane.row_spacing_mm, ss],
                plane.col_dir,
                slice_down,
                nx,
                flip,
            ),
        };
        CutGeometry {
            cut,
            dims,
            width,
            height,
            spacing_mm,
            flip,
            right,
            down,
            count,
        }
    }

    /// The size of the image on screen in mm (width, height).
    pub fn size_mm(&self) -> [f64; 2] {
        [
            self.width as f64 * self.spacing_mm[0],
            self.height as f64 * self.spacing_mm[1],
        ]
    }

    /// The voxel (slice, row, column), fractional, at image position (x, y) of cut
    /// `index`; pixel centres are at whole numbers.
    pub fn to_voxel(&self, index: usize, x: f64, y: f64) -> [f64; 3] {
        let i = index as f64;
        let z = |y: f64| {
            if self.flip {
                self.dims.0 as f64 - 1.0 - y
            } else {
                y
            }
        };
        match self.cut {
            Cut::Slice => [i, y, x],
            Cut::Row => [z(y), i, x],
            Cut::Column => [z(y), x, i],
        }
    }

    /// The image position (x, y) of a voxel (slice, row, column), and the index of the
    /// cut through it.
    pub fn from_voxel(&self, v: [f64; 3]) -> (f64, f64, f64) {
        let [z, r, c] = v;
        let y_of_z = if self.flip {
            self.dims.0 as f64 - 1.0 - z
        } else {
            z
        };
        match self.cut {
            Cut::Slice => (c, r, z),
            Cut::Row => (c, y_of_z, r),
            Cut::Column => (r, y_of_z, c),
        }
    }
}

/// Renders cut `index` of `volume` through `window`. `lut` must have been built for the
/// volume's raw mapping (it is used only for [`Voxels::Scaled`]; without one, or for
/// float volumes, values are mapped one by one). An index outside the volume gives a
/// black image.
pub fn render_cut(
    volume: &Volume,
    geometry: &CutGeometry,
    index: usize,
    window: WindowLevel,
    invert: bool,
    lut: Option<&Lut>,
) -> GreyImage {
    let (w, h) = (geometry.width, geometry.height);
    let mut pixels = vec![0u8; w * h];
    if index >= geometry.count || volume.dims() != geometry.dims {
        return GreyImage {
            width: w,
            height: h,
            pixels,
        };
    }
    let (nz, _, _) = geometry.dims;
    let z_of = |y: usize| if geometry.flip { nz - 1 - y } else { y };
    match &volume.voxels {
        Voxels::Scaled { raw, map } => {
            let own;
            let lut = match lut {
                Some(l) if l.window == window && l.invert == invert => l,
                _ => {
                    own = Lut::new(map, window, invert);
                    &own
                }
            };
            for (y, out) in pixels.chunks_exact_mut(w.max(1)).enumerate() {
                let line = match geometry.cut {
                    Cut::Slice => raw.index_axis(Axis(0), index).index_axis_move(Axis(0), y),
                    Cut::Row => raw
                        .index_axis(Axis(0), z_of(y))
                        .index_axis_move(Axis(0), index),
                    Cut::Column => raw
                        .index_axis(Axis(0), z_of(y))
                        .index_axis_move(Axis(1), index),
                };
                match line.as_slice() {
                    Some(s) => out.iter_mut().zip(s).for_each(|(o, v)| *o = lut.get(*v)),
                    None => out
                        .iter_mut()
                        .zip(line.iter())
                        .for_each(|(o, v)| *o = lut.get(*v)),
                }
            }
        }
        Voxels::Float(vals) => {
            for (y, out) in pixels.chunks_exact_mut(w.max(1)).enumerate() {
                let line = match geometry.cut {
                    Cut::Slice => vals.index_axis(Axis(0), index).index_axis_move(Axis(0), y),
                    Cut::Row => vals
                        .index_axis(Axis(0), z_of(y))
                        .index_axis_move(Axis(0), index),
                    Cut::Column => vals
                        .index_axis(Axis(0), z_of(y))
                        .index_axis_move(Axis(1), index),
                };
                for (o, v) in out.iter_mut().zip(line.iter()) {
                    *o = if v.is_finite() {
                        let g = window.grey(*v as f64);
                        if invert { 255 - g } else { g }
                    } else {
                        0
                    };
                }
            }
        }
    }
    GreyImage {
        width: w,
        height: h,
        pixels,
    }
}

/// The window from the `lo`-th to the `hi`-th percentile (0..100, nearest rank) of the
/// volume's values (padding excluded), from a sample of at most about four million voxels. `None` for a
/// volume without values.
pub fn percentile_window(volume: &Volume, lo: f64, hi: f64) -> Option<WindowLevel> {
    let total = volume.dims().0 * volume.dims().1 * volume.dims().2;
    let step = (total / 4_000_000).max(1);
    let (vlo, vhi) = match &volume.voxels {
        Voxels::Scaled { raw, map } => {
            let mut hist = vec![0u64; 65536];
            let mut n = 0u64;
            for v in raw.iter().step_by(step) {
                if !map.is_padding(*v) {
                    if let Some(h) = hist.get_mut((*v as i32 + 32768) as usize) {
                        *h += 1;
                    }
                    n += 1;
                }
            }
            if n == 0 {
                return None;
            }
            let find = |p: f64| {
                let target = ((p / 100.0) * n as f64).ceil().max(1.0) as u64;
                let mut acc = 0;
                for (i, h) in hist.iter().enumerate() {
                    acc += h;
                    if acc >= target {
                        return map.value((i as i32 - 32768) as i16);
                    }
                }
                map.value(i16::MAX)
            };
            let (a, b) = (find(lo), find(hi));
            (a.min(b), a.max(b))
        }
        Voxels::Float(vals) => {
            let mut s: Vec<f32> = vals
                .iter()
                .step_by(step)
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            if s.is_empty() {
                return None;
            }
            s.sort_by(f32::total_cmp);
            // Nearest rank, as for the histogram above.
            let at = |p: f64| {
                let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
                s.get(rank.min(s.len()) - 1).copied().unwrap_or(0.0) as f64
            };
            (at(lo.min(hi)), at(lo.max(hi)))
        }
    };
    let width = (vhi - vlo).max(1.0);
    Some(WindowLevel::new(0.5 * (vlo + vhi), width))
}

/// The automatic window of the viewer: 1st to 99th percentile.
pub fn histogram_window(volume: &Volume) -> Option<WindowLevel> {
    percentile_window(volume, 1.0, 99.0)
}

/// A smaller copy of `image` whose longer side is at most `max_side` (box average),
/// stretched by `aspect` (height scale relative to width, from the pixel spacing).
pub fn thumbnail(image: &GreyImage, max_side: usize, aspect: f64) -> GreyImage {
    let aspect = if aspect.is_finite() && aspect > 0.0 {
        aspect
    } else {
        1.0
    };
    let (w, h) = (image.width as f64, image.height as f64 * aspect);
    let s = (max_side.max(1) as f64 / w.max(h).max(1.0)).min(1.0);
    let (tw, th) = (
        ((w * s).round() as usize).max(1),
        ((h * s).round() as usize).max(1),
    );
    let mut pixels = vec![0u8; tw * th];
    if image.width == 0 || image.height == 0 {
        return GreyImage {
            width: tw,
            height: th,
            pixels,
        };
    }
    for (ty, row) in pixels.chunks_exact_mut(tw).enumerate() {
        let y0 = ty * image.height / th;
        let y1 = ((ty + 1) * image.height / th).max(y0 + 1).min(image.height);
        for (tx, o) in row.iter_mut().enumerate() {
            let x0 = tx * image.width / tw;
            let x1 = ((tx + 1) * image.width / tw).max(x0 + 1).min(image.width);
            let (mut sum, mut n) = (0u32, 0u32);
            for y in y0..y1 {
                if let Some(line) = image.pixels.get(y * image.width + x0..y * image.width + x1) {
                    sum += line.iter().map(|&v| v as u32).sum::<u32>();
                    n += line.len() as u32;
                }
            }
            *o = sum.checked_div(n).unwrap_or(0) as u8;
        }
    }
    GreyImage {
        width: tw,
        height: th,
        pixels,
    }
}

#[cfg(test)]
mod tests;
