//! Offering measurements back when a study or session is opened (see
//! [`anchorage_core::session::recovery`]): a dialog that names what was found, where, when
//! and how much it holds, and asks to restore it or leave it ([`Action::Recover`]; the App
//! does it, in `handle_file.rs`).

use std::path::PathBuf;
use std::time::SystemTime;

use super::action::Action;
use anchorage_core::session::Session;
use anchorage_core::session::recovery::Offer;

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

/// "3 ROI(s), 2 screw(s)".
pub fn summary(s: &Session) -> String {
    format!("{} ROI(s), {} screw(s)", s.rois.len(), s.screws.len())
}

/// The recovery dialog, while an offer waits; `session` is the open one.
pub fn ui(ctx: &egui::Context, pending: Option<&Pending>, session: &Session) -> Vec<Action> {
    let mut out = Vec::new();
    let Some(p) = pending else {
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
                    summary(session),
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
