//! The measurements of the stored ROIs on the shown volume (the core's `measure_roi`),
//! cached per ROI until the ROI or the volume changes; the ROI list and the image labels
//! read them.

use std::collections::HashMap;

use anchorage_core::dicom::volume::Volume;
use anchorage_core::measure::{RoiMeasurement, measure_roi};
use anchorage_core::session::Roi;

/// Cached measurements of the stored ROIs.
#[derive(Debug, Default)]
pub struct Measurements {
    volume_id: u64,
    cache: HashMap<u64, (Roi, Result<RoiMeasurement, String>)>,
}

impl Measurements {
    /// The measurement of `roi` on `volume` (identified by `volume_id`).
    pub fn get(
        &mut self,
        roi: &Roi,
        volume: &Volume,
        volume_id: u64,
    ) -> Result<RoiMeasurement, String> {
        if self.volume_id != volume_id {
            self.cache.clear();
            self.volume_id = volume_id;
        }
        if let Some((r, m)) = self.cache.get(&roi.id)
            && r == roi
        {
            return m.clone();
        }
        let m = measure_roi(roi, volume).map_err(|e| e.to_string());
        self.cache.insert(roi.id, (roi.clone(), m.clone()));
        m
    }
}
