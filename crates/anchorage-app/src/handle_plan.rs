//! Actions of the screw planning view: which screw it shows, making a screw's plan
//! from its ST-HU trajectory or caliper (the core's `propose_plan`), and the screw sizes
//! it offers (kept with the workstation's settings).

use super::App;
use super::state::ScrewTemplates;
use anchorage_core::plan::propose_plan;
use anchorage_core::session::{Level, Side};

impl App {
    /// Shows the planning view on the screw at `level` and `side` (`None`: closes it).
    pub(super) fn plan_screw(&mut self, screw: Option<(Level, Side)>) {
        self.planning = screw;
    }

    /// Makes the plan of the screw at `level` and `side` from its latest ST-HU trajectory,
    /// else its latest pedicle caliper, on the loaded series; one undo step. Why it could
    /// not be made goes to the status line.
    pub(super) fn make_plan(&mut self, level: Level, side: Side) {
        let Some(i) = self
            .doc
            .session
            .screws
            .iter()
            .position(|s| s.level == level && s.side == side)
        else {
            self.note = Some(format!("No screw {level} {side} is planned."));
            return;
        };
        let proposed = {
            let study = self.study.as_ref();
            let find = |uid: &str| {
                let st = study?;
                let k = st
                    .report
                    .as_ref()?
                    .series
                    .iter()
                    .position(|s| s.uid == uid)?;
                st.volumes.get(&k).map(|l| l.volume.as_ref())
            };
            let session = &self.doc.session;
            session
                .screws
                .get(i)
                .map(|screw| propose_plan(session, screw, find))
        };
        match proposed {
            Some(Ok(plan)) => {
                self.change(|doc| {
                    if let Some(s) = doc.session.screws.get_mut(i) {
                        s.plan = Some(plan);
                    }
                });
                self.planning = Some((level, side));
                self.plan_form.depth_mm = None;
            }
            Some(Err(e)) => self.note = Some(format!("No plan for {level} {side}: {e}.")),
            None => {}
        }
    }

    /// Keeps the screw sizes the planning view offers.
    pub(super) fn set_screw_templates(&mut self, t: ScrewTemplates) {
        self.state.screw_templates = t;
        self.save_state();
    }
}
