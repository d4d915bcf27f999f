//! The protocol checklist: every ROI the protocols need for this patient — B-HU's three
//! planes at the reference level and at each screw level, ST-HU on both sides of the
//! reference level (the patient HU ratio), ST-HU and pedicle thickness for each screw, PBQ's pedicle ROIs at L1–L4 on both sides and the CSF ROI — with what is
//! done and what is missing. Choosing an item sets the tool, role, level and side and
//! shows the right series ([`Action::Choose`]). An item whose ROI lies elsewhere than its
//! role and level say (on a disc, in another level, outside the body: the core's checks
//! against the levels found) shows why under it. [`items`] is pure, so it is unit-tested.

use egui::{Color32, RichText};

use super::action::{Action, Item};
use super::style::WARN;
use anchorage_core::levels::PlacementIssue;
use anchorage_core::protocol::{B_HU_PLANES, PBQ_LEVELS};
use anchorage_core::session::{Level, Role, Session, Side};

/// Every ROI the protocols need for this session's patient and screws, in the order a
/// reader measures them: CT first (B-HU, then each screw), then MR (pedicles, CSF).
pub fn items(session: &Session) -> Vec<Item> {
    let mut levels = vec![session.choices.reference_level];
    for s in &session.screws {
        if !levels.contains(&s.level) {
            levels.push(s.level);
        }
    }
    levels.sort();
    let mut out = Vec::new();
    for level in levels {
        for role in B_HU_PLANES {
            out.push(Item {
                role,
                level,
                side: None,
            });
        }
    }
    let mut screws: Vec<(Level, Side)> = session.screws.iter().map(|s| (s.level, s.side)).collect();
    screws.sort();
    screws.dedup();
    // The patient HU ratio needs ST-HU on both sides of the reference level, screw or not.
    let reference = session.choices.reference_level;
    for side in [Side::L, Side::R] {
        if !screws.contains(&(reference, side)) {
            out.push(Item {
                role: Role::StHu,
                level: reference,
                side: Some(side),
            });
        }
    }
    for (level, side) in screws {
        // The caliper first: the trajectory is then proposed from it.
        for role in [Role::PedicleThickness, Role::StHu] {
            out.push(Item {
                role,
                level,
                side: Some(side),
            });
        }
    }
    for level in PBQ_LEVELS {
        for side in [Side::L, Side::R] {
            out.push(Item {
                role: Role::PedicleSi,
                level,
                side: Some(side),
            });
        }
    }
    out.push(Item {
        role: Role::CsfSi,
        level: session.choices.csf_level,
        side: None,
    });
    out
}

/// How many items are done, of how many.
pub fn progress(session: &Session) -> (usize, usize) {
    let all = items(session);
    (
        all.iter().filter(|i| i.done_by(session).is_some()).count(),
        all.len(),
    )
}

/// The checklist; `current` is the item the tools are set to.
pub fn ui(
    ui: &mut egui::Ui,
    session: &Session,
    current: Option<&Item>,
    placement: &[PlacementIssue],
) -> Vec<Action> {
    let mut out = Vec::new();
    let all = items(session);
    let (done, total) = progress(session);
    ui.horizontal(|ui| {
        ui.strong("Checklist");
        let text = if done == total {
            RichText::new(format!("complete: {done} of {total}"))
                .color(Color32::from_rgb(110, 210, 120))
        } else {
            RichText::new(format!("{done} of {total} done"))
        };
        ui.label(text);
    });
    ui.add(egui::ProgressBar::new(done as f32 / total.max(1) as f32).desired_height(6.0));
    ui.label(
        RichText::new(
            "Click an item: the tool, role, level and side are set and the right series is shown.",
        )
        .small()
        .weak(),
    );
    let mut modality = "";
    for item in &all {
        let m = item.role.modality().unwrap_or("");
        if m != modality {
            modality = m;
            ui.label(
                RichText::new(if m == "CT" {
                    "CT (axial)"
                } else {
                    "MR (sagittal T1)"
                })
                .strong(),
            );
        }
        let done_by = item.done_by(session);
        let mark = if done_by.is_some() { "[x]" } else { "[ ]" };
        let text = format!("{mark} {}", item.label());
        let text = match done_by {
            Some(_) => RichText::new(text).color(Color32::from_rgb(110, 210, 120)),
            None => RichText::new(text),
        };
        let r = ui.selectable_label(current == Some(item), text);
        let r = match done_by {
            Some(id) => r.on_hover_text(format!(
                "Done: ROI #{id}. Click to draw it again or go to it."
            )),
            None => r.on_hover_text(format!("Missing: draw it on the {} series.", m)),
        };
        if r.clicked() {
            out.push(Action::Choose(*item));
        }
        // The core's placement flags of the ROI that does the item.
        for issue in placement.iter().filter(|i| Some(i.roi_id) == done_by) {
            ui.colored_label(
                WARN,
                RichText::new(format!(
                    "    misplaced: ROI #{} {}",
                    issue.roi_id, issue.problem
                ))
                .small(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchorage_core::session::Screw;

    #[test]
    fn items_cover_every_protocol_and_follow_the_choices() {
        let mut s = Session::default();
        // No screws: B-HU and ST-HU L/R at L3, 8 pedicles, CSF.
        assert_eq!(items(&s).len(), 3 + 2 + 8 + 1);
        for (level, side) in [
            (Level::L4, Side::L),
            (Level::L4, Side::R),
            (Level::L5, Side::L),
        ] {
            s.screws.push(Screw::planned(level, side));
        }
        // B-HU at L3, L4, L5; ST-HU L/R at L3; 3 screws × 2; 8 pedicles; CSF.
        assert_eq!(items(&s).len(), 9 + 2 + 6 + 8 + 1);
        s.choices.csf_level = Level::L2;
        assert!(
            items(&s)
                .iter()
                .any(|i| i.role == Role::CsfSi && i.level == Level::L2)
        );
        assert_eq!(progress(&s).0, 0);
    }
}
