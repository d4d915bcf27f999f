//! What the protocols derive from the session over the loaded volumes, recomputed with the
//! same core functions `anchorage measure` uses (`study::measure_with`,
//! `protocol::compute_results`, `export::screw_table`) and cached by document generation
//! and loaded volumes: derived, never stored. The results, stress, risk and export panels
//! show it.

use std::path::Path;
use std::sync::Arc;

use super::study::Study;
use anchorage_core::export::{ScrewTable, screw_table};
use anchorage_core::protocol::{Measurements, Models, ProtocolResults, compute_results};
use anchorage_core::session::Session;

/// What the protocols derive from the document; recomputed when the document or the loaded
/// volumes change.
#[derive(Debug)]
pub struct Derived {
    /// The measurement of every ROI that could be measured.
    pub measurements: Measurements,
    /// The protocols' results.
    pub results: ProtocolResults,
    /// The models used.
    pub models: Models,
    /// The per-screw table, as exported.
    pub table: ScrewTable,
    /// ROIs that could not be measured (their series not loaded yet, …) and model errors.
    pub problems: Vec<String>,
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

/// Measures and computes everything, as `anchorage measure` does.
pub fn derive(session: &Session, session_path: Option<&Path>, study: Option<&Study>) -> Derived {
    let mut problems = Vec::new();
    let models = match session_path {
        Some(p) => anchorage_core::pipeline::study::load_models(session, p).unwrap_or_else(|e| {
            problems.push(format!("{e} (the bundled models are used)"));
            Models::default()
        }),
        None => Models::default(),
    };
    let (measurements, errors) = anchorage_core::pipeline::study::measure_with(session, |uid| {
        let st = study?;
        let i = st
            .report
            .as_ref()?
            .series
            .iter()
            .position(|s| s.uid == uid)?;
        Some((st.series(i)?, st.volumes.get(&i)?.volume.as_ref()))
    });
    problems.extend(errors);
    let results = compute_results(session, &measurements, &models);
    let table = screw_table(session, &results, &models);
    Derived {
        measurements,
        results,
        models,
        table,
        problems,
    }
}
