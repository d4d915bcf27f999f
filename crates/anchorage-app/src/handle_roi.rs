//! Actions on the ROIs to draw: working on a checklist item (tool, role, level, side and
//! series set; the trajectory proposed from a drawn caliper), and proposals — the core's
//! [`anchorage_core::measure::propose`] turned into a pending ROI that the user adjusts
//! with its handles, then accepts (Enter, or the ROI panel's button) or discards (Esc).
//! Nothing is measured into the results until it is accepted.

use super::App;
use super::action::{Action, Item};
use super::tools::Tool;
use anchorage_core::geometry::{norm, sub};
use anchorage_core::levels::propose_ellipse_checked;
use anchorage_core::measure::RoiTarget;
use anchorage_core::measure::propose::{EllipseSettings, seed_value, trajectory_from_caliper};
use anchorage_core::session::{Level, Roi, RoiKind, Side};

/// The planned screw's length when none is planned at the level and side, mm.
pub const DEFAULT_SCREW_LENGTH_MM: f64 = 45.0;

impl App {
    /// Sets the tools for a checklist item and shows its series, at its ROI when it has
    /// one, else at another ROI of the same level on that series.
    pub(super) fn choose(&mut self, item: Item) {
        self.choice = Some(item);
        let tool = match item.role.kind() {
            Some(RoiKind::Trajectory) => Tool::Trajectory,
            Some(RoiKind::Caliper) => Tool::Caliper,
            _ => Tool::Ellipse,
        };
        self.set_tool(tool);
        if tool == Tool::Ellipse {
            self.tools.ellipse_role = item.role;
        }
        self.tools.level = Some(item.level);
        self.tools.side = item.side;
        self.tools.highlight.clear();
        let Some(want) = item.role.modality() else {
            return;
        };
        let Some(report) = self.study.as_ref().and_then(|s| s.report.as_ref()) else {
            return;
        };
        let used: Vec<&str> = self
            .doc
            .session
            .series
            .iter()
            .map(|s| s.series_instance_uid.as_str())
            .collect();
        let candidates: Vec<usize> = (0..report.series.len())
            .filter(|i| report.series[*i].modality.eq_ignore_ascii_case(want))
            .collect();
        let Some(index) = candidates
            .iter()
            .copied()
            .find(|i| used.contains(&report.series[*i].uid.as_str()))
            .or(candidates.first().copied())
        else {
            self.note = Some(format!(
                "This study has no {want} series for {}.",
                item.label()
            ));
            return;
        };
        let uid = report.series[index].uid.clone();
        if self.study.as_ref().and_then(|s| s.selected) != Some(index) {
            self.select_series(index);
        }
        // The item decides where the view goes, not the levels' opening on a body.
        self.levels.opened_at = None;
        let at = item.done_by(&self.doc.session).or_else(|| {
            self.doc
                .session
                .rois
                .iter()
                .filter(|r| r.series_uid == uid && r.level == Some(item.level))
                .map(|r| r.id)
                .max()
        });
        if let Some(id) = at {
            self.go_to(id);
            self.tools.selected = None;
        }
        // An ST-HU item not done yet whose caliper is drawn: propose the trajectory from it.
        if tool == Tool::Trajectory && item.done_by(&self.doc.session).is_none() {
            let caliper = self.doc.session.rois.iter().rev().find(|r| {
                r.kind == RoiKind::Caliper
                    && r.role == anchorage_core::session::Role::PedicleThickness
                    && r.level == Some(item.level)
                    && r.side == item.side
            });
            if let Some(c) = caliper.map(|c| c.id) {
                self.go_to(c);
                self.tools.selected = None;
                self.propose_from_caliper(c);
                return;
            }
        }
        if at.is_none() {
            self.show_guessed_level(item);
        }
    }

    /// Proposes the largest ellipse inside the bone around a click.
    pub(super) fn propose_ellipse_at(&mut self, slice: usize, px: (f64, f64)) {
        let Some(st) = &self.study else {
            return;
        };
        let (Some(series), Some(loaded)) = (st.current(), st.current_volume()) else {
            self.note = Some("The series is still loading: propose again when it is in.".into());
            return;
        };
        if let Some(why) = self.tools.ellipse_role.refusal(&series.modality) {
            self.note = Some(format!("No proposal: {why}. Choose another role."));
            return;
        }
        let volume = &loaded.volume;
        let seed = seed_value(volume, slice, px).unwrap_or(0.0);
        let settings = EllipseSettings::for_role(&series.modality, self.tools.ellipse_role, seed);
        // With the levels known, a click on a disc slice is refused with the reason.
        let levels = crate::levels_paint::levels_of(&self.doc.session, series);
        let result = propose_ellipse_checked(volume, slice, px, &settings, levels);
        let Some(target) = RoiTarget::of_slice(&series.uid, volume, slice) else {
            return;
        };
        match result {
            Ok(p) => {
                let mut roi = target.ellipse(
                    self.tools.ellipse_role,
                    p.centre_px,
                    p.rx_mm,
                    p.ry_mm,
                    p.angle_rad,
                );
                roi.level = self.tools.level;
                roi.side = self.tools.side;
                self.offer(roi);
            }
            Err(e) => self.note = Some(format!("No ellipse proposed: {e}.")),
        }
    }

    /// Proposes the trajectory from the caliper on `slice` that matches the tools' level
    /// and side, else the one nearest the click.
    pub(super) fn propose_trajectory_at(&mut self, slice: usize, px: (f64, f64)) {
        let Some(volume) = self.volume() else {
            return;
        };
        let (Some(uid), Some(frame), Some(plane)) = (
            volume.sop_instance_uids.get(slice),
            volume.frames.get(slice).copied(),
            volume.planes.get(slice),
        ) else {
            return;
        };
        let click = plane.pixel_to_patient(px.0, px.1);
        let (level, side) = (self.tools.level, self.tools.side);
        let calipers: Vec<&Roi> = self
            .doc
            .session
            .rois
            .iter()
            .filter(|r| r.kind == RoiKind::Caliper && &r.sop_instance_uid == uid)
            .filter(|r| r.frame == frame)
            .collect();
        let distance = |r: &Roi| match r.points_mm.as_slice() {
            [a, b] => norm(sub(
                anchorage_core::geometry::add_scaled(*a, 0.5, sub(*b, *a)),
                click,
            )),
            _ => f64::INFINITY,
        };
        let best = calipers
            .iter()
            .find(|r| level.is_some() && r.level == level && r.side == side)
            .or_else(|| {
                calipers
                    .iter()
                    .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            });
        match best {
            Some(c) => {
                let id = c.id;
                self.propose_from_caliper(id);
            }
            None => {
                self.note = Some(
                    "No trajectory proposed: draw the pedicle caliper on this slice first (C), \
                     or drag the trajectory from entry to tip."
                        .into(),
                )
            }
        }
    }

    /// Proposes the trajectory through a caliper ROI: the planned screw's length and
    /// diameter at its level and side, else 45 mm and the default width.
    pub(super) fn propose_from_caliper(&mut self, id: u64) {
        let Some(caliper) = self.doc.session.roi(id).cloned() else {
            return;
        };
        let Some(volume) = self.volume() else {
            self.note = Some("The series is still loading: propose again when it is in.".into());
            return;
        };
        let Some(plane) =
            anchorage_core::measure::find_slice(&volume, &caliper.sop_instance_uid, caliper.frame)
                .and_then(|k| volume.planes.get(k).copied())
        else {
            self.note = Some(format!(
                "No trajectory proposed: the caliper #{id} is not on the shown series."
            ));
            return;
        };
        let (length, width) = self.screw_size(caliper.level, caliper.side);
        match trajectory_from_caliper(&caliper, &plane, length, width) {
            Ok(roi) => self.offer(roi),
            Err(e) => self.note = Some(format!("No trajectory proposed: {e}.")),
        }
    }

    fn screw_size(&self, level: Option<Level>, side: Option<Side>) -> (f64, f64) {
        let screw = level
            .zip(side)
            .and_then(|(l, s)| self.doc.session.screw(l, s));
        let length = screw
            .map(|s| s.length_mm)
            .filter(|l| l.is_finite() && *l > 0.0)
            .unwrap_or(DEFAULT_SCREW_LENGTH_MM);
        (length, self.tools.width_for(&self.doc.session, level, side))
    }

    fn offer(&mut self, roi: Roi) {
        self.pause_queue();
        self.tools.selected = None;
        self.tools.proposal = Some(roi);
        self.note = Some(
            "Proposal shown in orange: drag its handles to adjust, Enter keeps it, Esc discards it."
                .into(),
        );
    }

    /// Stores the proposal as an ROI (one undo step).
    pub(super) fn accept_proposal(&mut self) {
        if let Some(roi) = self.tools.proposal.take() {
            self.note = None;
            self.handle(Action::AddRoi(roi));
        }
    }
}
