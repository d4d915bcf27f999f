//! The levels panel: the vertebral bodies found on the shown series (each a button that
//! shows it), how they were labelled, the way to confirm or correct a label, and the
//! protocol proposed at once from them — "Propose the protocol", every proposal with its
//! statistics and the core's verdict (passes, or the reason it fails), "Accept all that
//! pass", and a click on a proposal shows it. It returns [`LevelsAction`]s; the App does
//! the work.

use egui::{Color32, RichText};

use super::action::{Action, LevelsAction};
use super::protocol_queue::{ProtocolQueue, Status};
use super::style::WARN;
use anchorage_core::levels::Levels;

/// What the panel shows.
pub struct LevelsShown<'a> {
    /// The levels that serve the shown series.
    pub levels: Option<&'a Levels>,
    /// Whether a CT or MR is shown (levels can be found on it).
    pub can_find: bool,
    /// What the levels thread is doing.
    pub busy: Option<&'a str>,
    /// What the last operation did, or why it failed.
    pub message: Option<&'a Result<String, String>>,
    /// The protocol proposed.
    pub queue: Option<&'a ProtocolQueue>,
}

/// Green for what passed.
const PASS: Color32 = Color32::from_rgb(110, 210, 120);

/// The panel.
pub fn ui(ui: &mut egui::Ui, shown: &LevelsShown) -> Vec<Action> {
    let mut out = Vec::new();
    let mut act = |a: LevelsAction| out.push(Action::Levels(a));
    ui.horizontal(|ui| {
        ui.strong("Levels");
        if let Some(what) = shown.busy {
            ui.spinner();
            ui.label(RichText::new(what).small());
        }
    });
    match shown.message {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).small());
        }
        Some(Err(e)) => {
            ui.colored_label(WARN, RichText::new(e).small());
        }
        None => {}
    }
    match shown.levels {
        Some(levels) => {
            ui.horizontal_wrapped(|ui| {
                for (i, b) in levels.bodies.iter().enumerate() {
                    let name = b
                        .level
                        .map_or_else(|| format!("?{}", i + 1), |l| l.to_string());
                    let hover = format!(
                        "Show {name}: endplates {:.1} and {:.1} mm along the spine{}, confidence {:.2}",
                        b.superior_mm,
                        b.inferior_mm,
                        match (b.superior_slice, b.inferior_slice) {
                            (Some(s), Some(i)) =>
                                format!(" (slices {:.0}–{:.0})", i + 1.0, s + 1.0),
                            _ => String::new(),
                        },
                        b.confidence
                    );
                    if ui.small_button(name).on_hover_text(hover).clicked() {
                        act(LevelsAction::GoToBody(i));
                    }
                }
            });
            ui.label(
                RichText::new(
                    "Right-click a body in any view to confirm or correct its label; the others follow.",
                )
                .small()
                .weak(),
            );
        }
        None if shown.busy.is_none()
            && shown.can_find
            && ui
                .button("Find levels")
                .on_hover_text("Find the vertebral bodies and discs of the shown series")
                .clicked() =>
        {
            act(LevelsAction::Find);
        }
        None => {}
    }
    let labelled = shown
        .levels
        .is_some_and(|l| l.bodies.iter().any(|b| b.level.is_some()));
    ui.horizontal_wrapped(|ui| {
        let propose = ui
            .add_enabled(
                labelled && shown.busy.is_none(),
                egui::Button::new("Propose the protocol"),
            )
            .on_hover_text(
                "Propose every B-HU ROI of the checklist (and on the MR the pedicle and CSF ROIs) \
                 from the levels; nothing is measured before it is accepted",
            )
            .on_disabled_hover_text("Known levels with labels are needed first");
        if propose.clicked() {
            act(LevelsAction::Propose);
        }
        if let Some(q) = shown.queue {
            let c = q.counts();
            if ui
                .add_enabled(
                    c.waiting_passing > 0,
                    egui::Button::new(format!("Accept all that pass ({})", c.waiting_passing)),
                )
                .on_hover_text(
                    "Accept every waiting proposal that passes the checks (one undo step)",
                )
                .clicked()
            {
                act(LevelsAction::AcceptAllPassing);
            }
            if ui
                .small_button("Close")
                .on_hover_text("Drop the waiting proposals")
                .clicked()
            {
                act(LevelsAction::Close);
            }
        }
    });
    if let Some(q) = shown.queue {
        out.extend(queue_list(ui, q));
    }
    out
}

/// The proposals, each with its statistics and verdict; a click shows one.
fn queue_list(ui: &mut egui::Ui, q: &ProtocolQueue) -> Vec<Action> {
    let mut out = Vec::new();
    let c = q.counts();
    ui.label(
        RichText::new(format!(
            "{} proposed: {} accepted, {} skipped, {} waiting ({} failing a check). Enter accepts and shows the next, Esc skips.",
            q.entries.len(),
            c.accepted,
            c.skipped,
            c.waiting,
            c.failing
        ))
        .small(),
    );
    for (i, e) in q.entries.iter().enumerate() {
        let roi = &e.proposal.roi;
        let mut text = roi.role.label().to_string();
        if let Some(l) = roi.level {
            text.push_str(&format!(" {l}"));
        }
        if let Some(s) = roi.side {
            text.push_str(&format!(" {s}"));
        }
        if let Some(m) = e.proposal.stats.as_ref().and_then(|s| s.mean) {
            text.push_str(&format!(" · mean {m:.1}"));
        }
        let (verdict, colour) = match e.status {
            Status::Accepted(id) => (format!("accepted #{id}"), PASS),
            Status::Skipped => ("skipped".to_string(), Color32::GRAY),
            Status::Waiting if e.proposal.passes() => ("passes".to_string(), PASS),
            Status::Waiting => (
                e.proposal
                    .problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                WARN,
            ),
        };
        let mark = if q.current == Some(i) { ">" } else { " " };
        let r = ui.selectable_label(
            q.current == Some(i),
            RichText::new(format!("{mark} {text} — {verdict}")).color(colour),
        );
        if r.clicked() {
            out.push(Action::Levels(LevelsAction::Show(i)));
        }
    }
    out
}
