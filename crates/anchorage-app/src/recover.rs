//! Offering measurements back when a study or session is opened (see
//! [`anchorage_core::session::recovery`]): a dialog that names what was found, where, when and how much it
//! holds, and restores it or leaves it. Restoring writes it over the session file (the
//! open version becomes the backup; a damaged file is kept aside as `NAME.damaged`), then
//! opens the session again.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::App;
use super::commands::Action;
use anchorage_core::session::Session;
use anchorage_core::session::recovery::{Offer, Source, find_offer};

/// An offer waiting for the user, and the session file it would replace.
#[derive(Debug, Clone)]
pub struct Pending {
    /// What was found.
    pub offer: Offer,
    /// The session file it would be restored to.
    pub target: PathBuf,
    /// Whether the target loaded (false: damaged).
    pub target_loaded: bool,
}

/// "12 s ago", "5 min ago", "3 h ago", "2 days ago".
pub fn age(t: Option<SystemTime>) -> String {
    let Some(d) = t.and_then(|t| t.elapsed().ok()) else {
        return "at an unknown time".into();
    };
    let s = d.as_secs();
    match s {
        0..=89 => format!("{s} s ago"),
        90..=5399 => format!("{} min ago", (s + 30) / 60),
        5400..=172_799 => format!("{} h ago", (s + 1800) / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

fn summary(s: &Session) -> String {
    format!("{} ROI(s), {} screw(s)", s.rois.len(), s.screws.len())
}

impl App {
    /// Looks for something to offer back for the session file `target` (loaded as
    /// `current`, or `None` when it did not load), with `others` the other places the
    /// study's session may be.
    pub(super) fn look_for_recovery(
        &mut self,
        target: &Path,
        current: Option<&Session>,
        others: &[PathBuf],
    ) {
        self.recovery = find_offer(target, current, others).map(|offer| Pending {
            offer,
            target: target.to_path_buf(),
            target_loaded: current.is_some(),
        });
    }

    /// Restores the pending offer (`true`) or leaves it (`false`).
    pub(super) fn settle_recovery(&mut self, restore: bool) {
        let Some(p) = self.recovery.take() else {
            return;
        };
        if !restore {
            if p.offer.source == Source::Unfinished {
                // Ours, and declined: it would be offered at every start.
                let _ = std::fs::remove_file(&p.offer.path);
            }
            return;
        }
        if !p.target_loaded && p.target.exists() {
            let mut aside = p.target.as_os_str().to_owned();
            aside.push(".damaged");
            if let Err(e) = std::fs::rename(&p.target, PathBuf::from(&aside)) {
                self.errors.push(format!(
                    "cannot keep the damaged session aside ({e}); nothing was restored: {}",
                    p.target.display()
                ));
                return;
            }
        }
        let mut session = p.offer.session.clone();
        // Series paths were relative to the file it came from.
        let found_at = super::state::absolute(&p.offer.path);
        for s in &mut session.series {
            s.path = Session::resolve(&found_at, &s.path);
        }
        if let Some(dir) = p.target.parent() {
            session.relativize_paths(&super::state::absolute(dir));
        }
        if let Err(e) = session.save(&p.target) {
            self.errors
                .push(format!("the session could not be restored: {e}"));
            return;
        }
        if p.offer.source == Source::Unfinished {
            let _ = std::fs::remove_file(&p.offer.path);
        }
        let target = p.target.clone();
        self.handle(Action::Open(target));
        self.note = Some(format!(
            "Restored {} ({}).",
            p.offer.source.describe(),
            summary(&p.offer.session)
        ));
    }

    /// The recovery dialog, while an offer waits.
    pub(super) fn recovery_window(&self, ctx: &egui::Context) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(p) = &self.recovery else {
            return out;
        };
        egui::Window::new("Recover measurements?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| {
                if p.target_loaded {
                    ui.label(format!(
                        "The open session has {}: {}",
                        summary(&self.doc.session),
                        p.target.display()
                    ));
                } else {
                    ui.label(format!(
                        "The session file does not load (see the message below): {}",
                        p.target.display()
                    ));
                }
                ui.label(format!(
                    "Found {}, saved {}, with {}: {}",
                    p.offer.source.describe(),
                    age(p.offer.modified),
                    summary(&p.offer.session),
                    p.offer.path.display()
                ));
                ui.horizontal(|ui| {
                    if ui
                        .button("Restore it")
                        .on_hover_text(
                            "Use the found measurements; the open version is kept as the backup",
                        )
                        .clicked()
                    {
                        out.push(Action::Recover(true));
                    }
                    if ui
                        .button("Keep the open session")
                        .on_hover_text("Leave the found file as it is")
                        .clicked()
                    {
                        out.push(Action::Recover(false));
                    }
                });
            });
        out
    }
}
