//! What the protocols derive from the session over the loaded volumes, recomputed with the
//! core's pipeline, as `anchorage measure` does (`anchorage_core::pipeline::Pipeline`), and
//! cached by document generation and loaded volumes: derived, never stored. The results, stress, risk and export panels
//! show it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::study::Study;
use anchorage_core::export::{ScrewTable, screw_table};
use anchorage_core::pipeline::{Notice, Pipeline, measure_rois};
use anchorage_core::protocol::{Measurements, Models, ProtocolResults, compute_results};
use anchorage_core::session::Session;

/// What the protocols derive from the document; recomputed when the document or the loaded
/// volumes change.
#[derive(Debug)]
pub struct Derived {
    /// The measurement of every ROI that could be measured (also when the pipeline
    /// refused the session: the ROI list still shows its statistics).
    pub measurements: Measurements,
    /// The protocols' results (empty when `refused`).
    pub results: ProtocolResults,
    /// The models used (never shown when `refused`).
    pub models: Models,
    /// The per-screw table, as exported (no values when `refused`).
    pub table: ScrewTable,
    /// ROIs not measured (their series not loaded yet, …), left out of the results, or
    /// with a warning, each naming the ROI and the reason.
    pub notices: Vec<Notice>,
    /// Why the session cannot be measured (a model file it chose does not load, a
    /// damaged session): no result is shown or exported, as `anchorage measure` exits 1.
    pub refused: Option<String>,
    /// The id of the loaded volume each series' ROIs were measured on, by
    /// SeriesInstanceUID, so the ROI list and the image labels reuse these measurements
    /// instead of measuring again ([`crate::measure_cache::Measurements::adopt`]).
    pub volume_ids: BTreeMap<String, u64>,
    /// Every ROI that lies elsewhere than its role and level say, checked by the core
    /// against the session's levels (empty without levels, or when `refused`).
    pub placement: Vec<anchorage_core::levels::PlacementIssue>,
}

/// The cache of [`Derived`], keyed by document generation and loaded volume ids.
#[derive(Debug, Default)]
pub struct ResultsCache {
    key: Option<(u64, Vec<u64>)>,
    derived: Option<Arc<Derived>>,
}

impl ResultsCache {
    /// The derived results of `session` (generation `generation`) over the study's loaded
    /// volumes, recomputed only when either changed.
    pub fn get(
        &mut self,
        generation: u64,
        session: &Session,
        session_path: Option<&Path>,
        study: Option<&Study>,
    ) -> Arc<Derived> {
        let mut ids: Vec<u64> = study
            .map(|s| s.volumes.values().map(|l| l.id).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        let key = (generation, ids);
        if let (Some(k), Some(d)) = (&self.key, &self.derived)
            && *k == key
        {
            return Arc::clone(d);
        }
        let d = Arc::new(derive(session, session_path, study));
        self.key = Some(key);
        self.derived = Some(Arc::clone(&d));
        d
    }
}

/// Measures and computes everything with the core's pipeline, as `anchorage measure`
/// does.
pub fn derive(session: &Session, session_path: Option<&Path>, study: Option<&Study>) -> Derived {
    let find = |uid: &str| {
        let st = study?;
        let i = st
            .report
            .as_ref()?
            .series
            .iter()
            .position(|s| s.uid == uid)?;
        Some((st.series(i)?, st.volumes.get(&i)?.volume.as_ref()))
    };
    let volume_ids: BTreeMap<String, u64> = study
        .and_then(|st| {
            let report = st.report.as_ref()?;
            Some(
                st.volumes
                    .iter()
                    .filter_map(|(i, l)| Some((report.series.get(*i)?.uid.clone(), l.id)))
                    .collect(),
            )
        })
        .unwrap_or_default();
    match Pipeline::new(session, session_path) {
        Ok(pipeline) => {
            let m = pipeline.run(session, find);
            Derived {
                measurements: m.measurements,
                results: m.results,
                models: m.models,
                table: m.table,
                notices: m.notices,
                refused: None,
                volume_ids,
                placement: m.placement,
            }
        }
        Err(e) => {
            let (measurements, notices) = measure_rois(session, find);
            let models = Models::default();
            let results = compute_results(session, &Measurements::new(), &models);
            let table = screw_table(session, &results, &models);
            Derived {
                measurements,
                results,
                models,
                table,
                notices,
                refused: Some(e.to_string()),
                volume_ids,
                placement: Vec::new(),
            }
        }
    }
}
