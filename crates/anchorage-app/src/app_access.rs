//! What the App shows to the tests and the command line: read-only views of its state.

use std::path::PathBuf;
use std::sync::Arc;

use super::action::Item;
use super::study::Study;
use super::tools::Tools;
use super::viewer::Viewers;
use super::{App, derived, missing, recover};
use anchorage_core::session::Session;

impl App {
    /// The session being edited.
    pub fn session(&self) -> &Session {
        &self.doc.session
    }

    /// Where the session is saved.
    pub fn session_path(&self) -> Option<&std::path::Path> {
        self.doc.path.as_deref()
    }

    /// The open study.
    pub fn study(&self) -> Option<&Study> {
        self.study.as_ref()
    }

    /// The shown series' whole volume, once loaded.
    pub fn volume(&self) -> Option<Arc<anchorage_core::dicom::volume::Volume>> {
        self.study
            .as_ref()?
            .current_volume()
            .map(|l| Arc::clone(&l.volume))
    }

    /// Whether a scan or load is in progress.
    pub fn is_busy(&self) -> bool {
        self.loader.is_scanning()
            || self.loader.job().is_some()
            || self.analysis_running()
            || self.levels_running()
    }

    /// The views (slice, crossing point, the last native-view transform).
    pub fn viewers(&self) -> &Viewers {
        &self.viewers
    }

    /// The tools (current tool, selection).
    pub fn tools(&self) -> &Tools {
        &self.tools
    }

    /// The errors shown in the status bar.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The window of the shown series.
    pub fn window(&self) -> Option<anchorage_core::display::render::WindowLevel> {
        let st = self.study.as_ref()?;
        st.selected.map(|i| st.window(i))
    }

    /// How many ROI measurements the ROI list and the image labels made themselves, rather
    /// than take from the results (drafts, proposals, the preview slice).
    pub fn rois_measured_outside_results(&self) -> u64 {
        self.measurements.measured_here()
    }

    /// What the protocols derive from the session over the loaded volumes (cached by
    /// document generation and loaded volumes).
    pub fn derived(&mut self) -> Arc<derived::Derived> {
        self.results.get(
            self.generation,
            &self.doc.session,
            self.doc.path.as_deref(),
            self.study.as_ref(),
        )
    }

    /// The session's series that the open study does not hold.
    pub fn missing_series(&self) -> &[missing::MissingSeries] {
        &self.missing
    }

    /// Measurements offered back, waiting for the user.
    pub fn recovery(&self) -> Option<&recover::Pending> {
        self.recovery.as_ref()
    }

    /// The checklist item the tools are set to.
    pub fn choice(&self) -> Option<Item> {
        self.choice
    }

    /// The outcome of the last export: the file written, or why it failed.
    pub fn last_export(&self) -> Option<&Result<PathBuf, String>> {
        self.export_last.as_ref()
    }

    /// Whether every series the session uses is loaded (the results include every ROI).
    pub fn session_series_loaded(&self) -> bool {
        let Some(st) = &self.study else {
            return false;
        };
        let Some(report) = &st.report else {
            return false;
        };
        self.doc.session.series.iter().all(|r| {
            report
                .series
                .iter()
                .position(|s| s.uid == r.series_instance_uid)
                .is_some_and(|i| st.volumes.contains_key(&i))
        })
    }

    /// The passing note of the status line (what was refused and why, hints).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The screw the planning view shows (`None`: the image views are shown).
    pub fn planning(
        &self,
    ) -> Option<(
        anchorage_core::session::Level,
        anchorage_core::session::Side,
    )> {
        self.planning
    }

    /// The planning view's state: where its views were drawn, the en-face depth.
    pub fn plan_form(&self) -> &super::screw_view::PlanForm {
        &self.plan_form
    }

    /// The screw sizes the planning view offers.
    pub fn screw_templates(&self) -> &super::state::ScrewTemplates {
        &self.state.screw_templates
    }
}
