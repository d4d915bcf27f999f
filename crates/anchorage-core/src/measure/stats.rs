//! ROI statistics over one slice of a volume: n, mean, sample SD, min, max, median and
//! area, exactly as measurements.md defines them; padding pixels are excluded.

use serde::Serialize;

use crate::dicom::volume::{Volume, Voxels};
use crate::measure::roi::ShapePx;

/// The smallest number of pixels an ROI may have before it is reported with a warning.
pub const MIN_PIXELS: usize = 5;

/// Statistics of the pixels inside an ROI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiStats {
    /// Number of pixels inside (padding excluded).
    pub n: usize,
    /// Mean value (HU or SI); `None` when n = 0.
    pub mean: Option<f64>,
    /// Sample standard deviation; `None` when n < 2.
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Median (mean of the two middle values for an even count).
    pub median: Option<f64>,
    /// n × row spacing × column spacing, mm².
    pub area_mm2: f64,
    /// What a reader must know: tiny ROI, partly outside the image.
    /// (Printed on stderr by `stats`, not part of its JSON.)
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl RoiStats {
    /// Statistics of a list of values (any order); `area_per_pixel_mm2` converts n.
    pub fn from_values(mut values: Vec<f64>, area_per_pixel_mm2: f64) -> RoiStats {
        let n = values.len();
        let mut st = RoiStats {
            n,
            mean: None,
            sd: None,
            min: None,
            max: None,
            median: None,
            area_mm2: n as f64 * area_per_pixel_mm2,
            warnings: Vec::new(),
        };
        if n == 0 {
            return st;
        }
        // Two-pass mean and SD for accuracy.
        let mean = values.iter().sum::<f64>() / n as f64;
        st.mean = Some(mean);
        if n >= 2 {
            let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
            st.sd = Some((ss / (n as f64 - 1.0)).sqrt());
        }
        values.sort_by(f64::total_cmp);
        st.min = values.first().copied();
        st.max = values.last().copied();
        st.median = if n % 2 == 1 {
            values.get(n / 2).copied()
        } else {
            match (values.get(n / 2 - 1), values.get(n / 2)) {
                (Some(a), Some(b)) => Some((a + b) / 2.0),
                _ => None,
            }
        };
        st
    }
}

/// The values inside `shape` on slice `slice`, and whether the shape reaches outside.
/// `scale` is [1, 1] for a shape in pixel units, or (column spacing, row spacing) for a
/// shape in plane millimetres (see [`ShapePx::for_each_pixel_scaled`]).
pub fn roi_values(
    volume: &Volume,
    slice: usize,
    shape: &ShapePx,
    scale: [f64; 2],
) -> (Vec<f64>, bool) {
    let (nz, ny, nx) = volume.dims();
    let mut values = Vec::new();
    if slice >= nz {
        return (values, true);
    }
    let outside = match &volume.voxels {
        Voxels::Scaled { raw, map } => {
            let s = raw.index_axis(ndarray::Axis(0), slice);
            shape.for_each_pixel_scaled(nx, ny, scale, |c, r| {
                if let Some(&v) = s.get((r, c))
                    && !map.is_padding(v)
                {
                    values.push(map.value(v));
                }
            })
        }
        Voxels::Float(a) => {
            let s = a.index_axis(ndarray::Axis(0), slice);
            shape.for_each_pixel_scaled(nx, ny, scale, |c, r| {
                if let Some(&v) = s.get((r, c))
                    && v.is_finite()
                {
                    values.push(v as f64);
                }
            })
        }
    };
    (values, outside)
}

/// Statistics of `shape` (pixel units) on slice `slice`, with warnings for an ROI under
/// [`MIN_PIXELS`] pixels or partly outside the image.
pub fn roi_stats(volume: &Volume, slice: usize, shape: &ShapePx) -> RoiStats {
    roi_stats_scaled(volume, slice, shape, [1.0, 1.0])
}

/// Statistics of `shape` given in `scale` units (see [`roi_values`]).
pub fn roi_stats_scaled(
    volume: &Volume,
    slice: usize,
    shape: &ShapePx,
    scale: [f64; 2],
) -> RoiStats {
    let (values, outside) = roi_values(volume, slice, shape, scale);
    let area = volume
        .planes
        .get(slice)
        .map(|p| p.row_spacing_mm * p.col_spacing_mm)
        .unwrap_or(0.0);
    let mut st = RoiStats::from_values(values, area);
    if outside {
        st.warnings
            .push("the ROI lies partly outside the image: only the pixels inside count".into());
    }
    if st.n < MIN_PIXELS {
        st.warnings.push(format!(
            "the ROI holds only {} pixel(s) (fewer than {MIN_PIXELS}): its statistics are unreliable",
            st.n
        ));
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let s = RoiStats::from_values(vec![4.0, 1.0, 3.0, 2.0], 0.5);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, Some(2.5));
        assert_eq!(s.median, Some(2.5));
        assert_eq!(s.min, Some(1.0));
        assert_eq!(s.max, Some(4.0));
        assert!((s.sd.unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.area_mm2, 2.0);
        let one = RoiStats::from_values(vec![7.0], 1.0);
        assert_eq!((one.sd, one.median), (None, Some(7.0)));
    }
}
