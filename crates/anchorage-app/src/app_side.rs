//! The side panel's layout (part of the App): the protocol part above — the levels panel,
//! the patient and the checklist, scrolling together — and the ROI list below, each part
//! keeping its size. Also what the App hands the levels panel and the ROI panel about the
//! levels and the protocol proposed.

use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::levels::PlacementIssue;
use anchorage_core::session::Session;

use super::action::{Action, Item};
use super::levels_panel::{self, LevelsShown};
use super::measure_cache::Measurements;
use super::tools::Tools;
use super::view::Layout;
use super::{App, checklist, patient_panel, roi_panel};

/// What the side panel shows.
pub(crate) struct Side<'a> {
    /// The session.
    pub session: &'a Session,
    /// The shown series and its volume (with its id) once loaded.
    pub current: Option<(&'a Series, Option<(&'a Volume, u64)>)>,
    /// The tools.
    pub tools: &'a Tools,
    /// The checklist item the tools are set to.
    pub choice: Option<&'a Item>,
    /// The levels panel's content.
    pub levels: LevelsShown<'a>,
    /// The ROIs that lie elsewhere than their role and level say.
    pub placement: &'a [PlacementIssue],
    /// What the ROI panel says about the proposal shown when it is the protocol's.
    pub proposal_note: Option<String>,
}

/// Draws the side panel; returns what its panels asked for.
pub(crate) fn show(
    ui: &mut egui::Ui,
    layout: &Layout,
    screen: egui::Rect,
    side: Side,
    measurements: &mut Measurements,
) -> Vec<Action> {
    let mut actions = Vec::new();
    egui::Panel::right("side")
        .default_size(layout.right)
        .size_range(240.0..=screen.width() * 0.45)
        .show(ui, |ui| {
            // The ROI list below, the protocol above: each scrolls in its own part.
            egui::Panel::bottom("rois")
                .resizable(true)
                .default_size(ui.available_height() * 0.5)
                .size_range(120.0..=ui.available_height() * 0.8)
                .show(ui, |ui| {
                    actions.extend(roi_panel::ui(
                        ui,
                        &roi_panel::RoiShown {
                            session: side.session,
                            series: side.current.map(|(s, _)| s),
                            volume: side.current.and_then(|(_, v)| v),
                            placement: side.placement,
                            proposal_note: side.proposal_note.as_deref(),
                        },
                        side.tools,
                        measurements,
                    ));
                });
            let (done, total) = checklist::progress(side.session);
            ui.horizontal(|ui| {
                ui.heading("Protocol");
                ui.label(format!("{done}/{total}"));
            });
            egui::ScrollArea::both()
                .id_salt("protocol_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    actions.extend(levels_panel::ui(ui, &side.levels));
                    ui.separator();
                    actions.extend(patient_panel::ui(ui, side.session));
                    ui.separator();
                    actions.extend(checklist::ui(ui, side.session, side.choice, side.placement));
                });
        });
    actions
}

/// What the levels panel shows (from the App's parts, so that the measurement cache can
/// be lent to the side panel meanwhile).
pub(crate) fn levels_shown<'a>(
    session: &'a Session,
    study: Option<&'a super::study::Study>,
    state: &'a super::handle_levels::LevelsState,
) -> LevelsShown<'a> {
    let series = study.and_then(|s| s.current());
    LevelsShown {
        levels: series.and_then(|s| super::levels_paint::levels_of(session, s)),
        can_find: series.is_some_and(|s| {
            s.modality.eq_ignore_ascii_case("CT") || s.modality.eq_ignore_ascii_case("MR")
        }) && study.is_some_and(|s| s.current_volume().is_some()),
        busy: state.busy(),
        message: state.message.as_ref(),
        queue: state.queue.as_ref(),
    }
}

impl App {
    /// What the ROI panel says about the proposal shown when it is the protocol's: its
    /// place in the queue, its verdict, the keys.
    pub(crate) fn proposal_note(&self) -> Option<String> {
        let q = self.protocol_queue()?;
        let i = q.current?;
        let e = q.entries.get(i)?;
        let verdict = if e.proposal.passes() {
            "passes the checks".to_string()
        } else {
            let p: Vec<String> = e
                .proposal
                .problems
                .iter()
                .map(ToString::to_string)
                .collect();
            format!("fails: {}", p.join("; "))
        };
        Some(format!(
            "Protocol proposal {} of {}: {verdict}. Enter accepts it and shows the next, Esc skips it.",
            i + 1,
            q.entries.len()
        ))
    }
}
