//! The measurements of the stored ROIs on the shown volume, for the ROI list and the image
//! labels. Each ROI is measured once per change: the measurements the results were
//! derived from ([`Derived`]) are adopted as they are, and only an ROI that differs from
//! the document's (a draft being dragged, a proposal) or lies on a volume the results did
//! not use (the first slice shown while the series loads) is measured here, with the core's
//! `measure_roi`, and cached until it or its volume changes.

use std::collections::HashMap;
use std::sync::Arc;

use super::derived::Derived;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::measure::{RoiMeasurement, measure_roi};
use anchorage_core::session::{Roi, Session};

/// Cached measurements of ROIs, by volume and ROI id.
#[derive(Debug, Default)]
pub struct Measurements {
    cache: HashMap<(u64, u64), (Roi, Result<RoiMeasurement, String>)>,
    /// The derived results last adopted.
    adopted: Option<Arc<Derived>>,
    /// How many ROIs this cache measured itself (the rest came from the results).
    measured: u64,
}

/// More entries than this and the cache starts again (stale volumes, deleted ROIs).
const MAX_ENTRIES: usize = 4096;

impl Measurements {
    /// Takes the measurements the results were computed from, for the document's ROIs on
    /// the volumes the results used. Cheap when `derived` is the one already adopted.
    pub fn adopt(&mut self, session: &Session, derived: &Arc<Derived>) {
        if self
            .adopted
            .as_ref()
            .is_some_and(|a| Arc::ptr_eq(a, derived))
        {
            return;
        }
        if self.cache.len() > MAX_ENTRIES {
            self.cache.clear();
        }
        for roi in &session.rois {
            if let (Some(m), Some(&volume_id)) = (
                derived.measurements.get(&roi.id),
                derived.volume_ids.get(&roi.series_uid),
            ) {
                self.cache
                    .insert((volume_id, roi.id), (roi.clone(), Ok(m.clone())));
            }
        }
        self.adopted = Some(Arc::clone(derived));
    }

    /// The measurement of `roi` on `volume` (identified by `volume_id`).
    pub fn get(
        &mut self,
        roi: &Roi,
        volume: &Volume,
        volume_id: u64,
    ) -> Result<RoiMeasurement, String> {
        if let Some((r, m)) = self.cache.get(&(volume_id, roi.id))
            && r == roi
        {
            return m.clone();
        }
        if self.cache.len() > MAX_ENTRIES {
            self.cache.clear();
        }
        self.measured += 1;
        let m = measure_roi(roi, volume).map_err(|e| e.to_string());
        self.cache
            .insert((volume_id, roi.id), (roi.clone(), m.clone()));
        m
    }

    /// How many ROIs were measured here rather than taken from the results.
    pub fn measured_here(&self) -> u64 {
        self.measured
    }
}
