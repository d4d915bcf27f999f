//! The image area in the middle of the window: the series' views, or the screw planning
//! view when a screw is being planned ([`crate::screw_view`]).

use std::sync::Arc;

use super::App;
use super::action::Action;
use super::derived::Derived;
use super::screw_view::{self, PlanShown};
use super::study::Study;
use super::view::Shown;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::display::render::{WindowLevel, WindowPreset};
use anchorage_core::session::{Level, Session, Side};

impl App {
    /// Draws the image area: the planning view, or the views of the shown series.
    pub(super) fn central_panel(
        &mut self,
        ui: &mut egui::Ui,
        derived: &Arc<Derived>,
        window: Option<WindowLevel>,
        reformats: bool,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.planning.is_some() {
            let (volume, plan_window) =
                plan_volume(self.study.as_ref(), &self.doc.session, self.planning);
            let shown = PlanShown {
                session: &self.doc.session,
                derived,
                screw: self.planning,
                volume,
                window: plan_window,
                templates: &self.state.screw_templates,
            };
            egui::ScrollArea::vertical()
                .id_salt("plan_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    actions.extend(screw_view::ui(ui, &mut self.plan_form, &shown));
                });
            return actions;
        }
        let current = self.study.as_ref().and_then(|s| {
            let series = s.current()?;
            let (loaded, preview) = match (s.current_volume(), s.current_preview()) {
                (Some(l), _) => (l, None),
                (None, Some(p)) => (&p.loaded, Some(p.slice)),
                _ => return Some((series, None)),
            };
            Some((series, Some((loaded, preview))))
        });
        match current {
            Some((series, Some((loaded, preview)))) => {
                let shown = Shown {
                    series,
                    volume: &loaded.volume,
                    volume_id: loaded.id,
                    preview,
                    window: window.unwrap_or(WindowPreset::CT_BONE),
                    session: &self.doc.session,
                    protocol: self.levels.queue.as_ref(),
                };
                actions.extend(self.viewers.ui(
                    ui,
                    &shown,
                    reformats,
                    &self.tools,
                    &mut self.measurements,
                ));
            }
            Some((_, None)) => {
                ui.centered_and_justified(|ui| ui.label("Loading the first image…"));
            }
            None => {
                ui.centered_and_justified(|ui| {
                    ui.label("Open a study: File > Open folder (Ctrl+O), or drop a folder here.")
                });
            }
        }
        actions
    }
}

/// The loaded CT of the planned screw's plan (with its volume id) and that series'
/// window; the bone window when there is none.
fn plan_volume<'a>(
    study: Option<&'a Study>,
    session: &Session,
    planning: Option<(Level, Side)>,
) -> (Option<(&'a Volume, u64)>, WindowLevel) {
    let none = (None, WindowPreset::CT_BONE);
    let Some((level, side)) = planning else {
        return none;
    };
    let Some(plan) = session
        .screws
        .iter()
        .find(|s| s.level == level && s.side == side)
        .and_then(|s| s.plan.as_ref())
    else {
        return none;
    };
    let Some(st) = study else {
        return none;
    };
    let Some(i) = st
        .report
        .as_ref()
        .and_then(|r| r.series.iter().position(|s| s.uid == plan.series_uid))
    else {
        return none;
    };
    let volume = st.volumes.get(&i).map(|l| (l.volume.as_ref(), l.id));
    (volume, st.window(i))
}
