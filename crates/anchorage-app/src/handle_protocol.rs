//! The App's side of the protocol proposed at once from the vertebral levels: the core's
//! [`propose_protocol`] run on the levels thread for every loaded CT and MR that levels
//! serve, then stepped through — each proposal shown on its slice as the tools' proposal
//! (the handles adjust it, the core checks it again), Enter accepts it (one undo step)
//! and shows the next, Esc skips it, "Accept all that pass" takes every waiting one that
//! passes the core's checks (one undo step). Nothing is measured before it is accepted.

use std::sync::Arc;
use std::sync::mpsc;

use anchorage_core::dicom::series::Series;
use anchorage_core::levels::{ProtocolProposal, check_roi, propose_protocol};
use anchorage_core::session::Roi;

use crate::App;
use crate::action::Action;
use crate::handle_levels::Outcome;
use crate::levels_paint::levels_of;
use crate::protocol_queue::ProtocolQueue;

impl App {
    /// Proposes the protocol on the levels thread: on every CT and MR of the study that
    /// levels serve. With `load`, one such series not loaded yet (the MR, for its pedicle
    /// and CSF ROIs) is loaded first, and the proposal waits for it.
    pub(crate) fn propose(&mut self, load: bool) {
        if self.levels.running.is_some() {
            return;
        }
        let Some(st) = &self.study else {
            return;
        };
        let Some(report) = &st.report else {
            return;
        };
        let mut work = Vec::new();
        let mut skipped = Vec::new();
        let mut to_load = None;
        for (i, series) in report.series.iter().enumerate() {
            let m = series.modality.to_ascii_uppercase();
            if !(m == "CT" || m == "MR") {
                continue;
            }
            let Some(levels) = levels_of(&self.doc.session, series) else {
                continue;
            };
            match st.volumes.get(&i) {
                Some(l) => work.push((series.clone(), levels.clone(), Arc::clone(&l.volume))),
                None => {
                    to_load.get_or_insert((i, series.clone()));
                    skipped.push(format!(
                        "{} did not load: no proposals on it",
                        series.label()
                    ));
                }
            }
        }
        if load
            && self.loader.job().is_none()
            && let Some((i, series)) = to_load
        {
            self.levels.message =
                Some(Ok(format!("loading {} for its proposals…", series.label())));
            let middle = series.len() / 2;
            self.loader.load(i, series, middle);
            self.levels.propose_pending = true;
            return;
        }
        // The shown series' proposals first (the MR's pedicle and CSF ROIs when the MR
        // is shown).
        let shown_uid = self.shown_series().map(|(_, s, _)| s.uid);
        work.sort_by_key(|(s, _, _)| Some(&s.uid) != shown_uid.as_ref());
        if work.is_empty() {
            self.levels.message = Some(Err(
                "nothing to propose from: no loaded series has its levels yet".into(),
            ));
            return;
        }
        let session = self.doc.session.clone();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("protocol".into())
            .spawn(move || {
                let proposals = work
                    .iter()
                    .flat_map(|(series, levels, volume)| {
                        propose_protocol(&session, levels, series, volume)
                    })
                    .collect();
                let _ = tx.send(Outcome::Proposals { proposals, skipped });
            });
        match spawned {
            Ok(_) => {
                self.levels.running = Some((rx, "proposing the protocol…".into()));
            }
            Err(e) => self.levels.message = Some(Err(format!("cannot propose: {e}"))),
        }
    }

    /// Steps through `proposals` as if the core had just proposed them (tests; proposals
    /// made elsewhere): the first is shown.
    pub fn show_protocol(&mut self, proposals: Vec<ProtocolProposal>) {
        self.take_proposals(proposals, Vec::new());
    }

    /// Takes the proposals made: shows the first.
    pub(crate) fn take_proposals(
        &mut self,
        proposals: Vec<ProtocolProposal>,
        skipped: Vec<String>,
    ) {
        let n = proposals.len();
        let failing = proposals.iter().filter(|p| !p.passes()).count();
        let mut text = if n == 0 {
            "Nothing to propose: every ROI the levels allow is measured already.".to_string()
        } else {
            format!(
                "{n} ROI(s) proposed, {failing} failing a check: Enter accepts and shows the next, Esc skips."
            )
        };
        for s in &skipped {
            text.push_str(&format!(" {s}."));
        }
        self.levels.message = Some(Ok(text));
        self.levels.queue = (n > 0).then(|| ProtocolQueue::new(proposals));
        self.show_current_proposal();
    }

    /// Makes the queue's current proposal the tools' proposal, showing its series and
    /// slice; clears the proposal when nothing waits.
    pub(crate) fn show_current_proposal(&mut self) {
        let Some(entry) = self
            .levels
            .queue
            .as_ref()
            .and_then(|q| q.current_entry())
            .cloned()
        else {
            return;
        };
        let uid = entry.proposal.roi.series_uid.clone();
        let index = self
            .study
            .as_ref()
            .and_then(|st| st.report.as_ref())
            .and_then(|r| r.series.iter().position(|s| s.uid == uid));
        let Some(index) = index else {
            return;
        };
        if self.study.as_ref().and_then(|s| s.selected) != Some(index) {
            self.select_series(index);
            self.levels.opened_at = None;
        }
        self.tools.cancel();
        self.tools.selected = None;
        if let Some(volume) = self.volume() {
            match entry.proposal.roi.points_mm.first() {
                Some(c) => self.cross_at(&volume, *c),
                None => self.viewers.point[0] = entry.proposal.slice,
            }
            self.viewers.point[0] = entry.proposal.slice;
        }
        self.tools.proposal = Some(entry.proposal.roi.clone());
        let (k, n) = self
            .levels
            .queue
            .as_ref()
            .map(|q| (q.current.unwrap_or(0) + 1, q.entries.len()))
            .unwrap_or((1, 1));
        let problems: Vec<String> = entry
            .proposal
            .problems
            .iter()
            .map(ToString::to_string)
            .collect();
        self.note = Some(if problems.is_empty() {
            format!(
                "Proposal {k} of {n}: {}. Enter accepts it and shows the next, Esc skips it, the handles adjust it.",
                label(&entry.proposal.roi)
            )
        } else {
            format!(
                "Proposal {k} of {n}: {} fails its checks ({}). Adjust it with the handles, or Esc to skip it.",
                label(&entry.proposal.roi),
                problems.join("; ")
            )
        });
    }

    /// Enter on a proposal of the queue: stores it (one undo step) and shows the next.
    /// `false` when the proposal shown is not the queue's.
    pub(crate) fn accept_queued(&mut self) -> bool {
        if self.levels.queue.as_ref().and_then(|q| q.current).is_none() {
            return false;
        }
        let Some(roi) = self.tools.proposal.take() else {
            return false;
        };
        let before = self.doc.session.rois.len();
        self.handle(Action::AddRoi(roi));
        if self.doc.session.rois.len() > before
            && let Some(id) = self.doc.session.rois.last().map(|r| r.id)
            && let Some(q) = &mut self.levels.queue
        {
            if q.accept_current(id).is_some() {
                self.show_current_proposal();
            } else {
                self.finished();
            }
        }
        true
    }

    /// Esc on a proposal of the queue: skips it and shows the next. `false` when the
    /// proposal shown is not the queue's.
    pub(crate) fn skip_queued(&mut self) -> bool {
        let Some(q) = &mut self.levels.queue else {
            return false;
        };
        if q.current.is_none() {
            return false;
        }
        self.tools.proposal = None;
        if q.skip_current().is_some() {
            self.show_current_proposal();
        } else {
            self.finished();
        }
        true
    }

    /// The proposal's handles were dragged: the queue keeps the adjusted ROI, checked
    /// again by the core.
    pub(crate) fn adjust_queued(&mut self, roi: &Roi) {
        if self.levels.queue.as_ref().and_then(|q| q.current).is_none() {
            return;
        }
        let problems = self
            .shown_series()
            .and_then(|(_, series, volume)| {
                let levels = levels_of(&self.doc.session, &series)?;
                Some(check_roi(levels, roi, &volume))
            })
            .unwrap_or_default();
        if let Some(q) = &mut self.levels.queue {
            q.adjust_current(roi.clone(), problems);
        }
    }

    /// A proposal not from the queue was made (a click with a tool): the queue pauses.
    pub(crate) fn pause_queue(&mut self) {
        if let Some(q) = &mut self.levels.queue {
            q.current = None;
        }
    }

    /// Accepts every waiting proposal that passes the core's checks: one undo step.
    pub(crate) fn accept_all_passing(&mut self) {
        let Some(q) = &self.levels.queue else {
            return;
        };
        let passing = q.waiting_passing();
        if passing.is_empty() {
            self.note = Some("No waiting proposal passes every check.".into());
            return;
        }
        let (indices, proposals): (Vec<usize>, Vec<ProtocolProposal>) = passing.into_iter().unzip();
        let series: Vec<Series> = self
            .study
            .as_ref()
            .and_then(|st| st.report.as_ref())
            .map(|r| {
                r.series
                    .iter()
                    .filter(|s| proposals.iter().any(|p| p.roi.series_uid == s.uid))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let study = self
            .study
            .as_ref()
            .map(|s| s.path.clone())
            .unwrap_or_default();
        let mut ids = Vec::new();
        self.change(|doc| {
            for s in &series {
                doc.use_series(s, &study);
            }
            ids = anchorage_core::levels::accept_all_passing(&mut doc.session, &proposals);
        });
        let n = ids.len();
        if let Some(q) = &mut self.levels.queue {
            q.accepted(&indices, &ids);
        }
        self.tools.proposal = None;
        let left = self
            .levels
            .queue
            .as_ref()
            .map(|q| q.counts())
            .unwrap_or_default();
        if left.waiting > 0 {
            self.show_current_proposal();
            self.note = Some(format!(
                "{n} proposal(s) accepted (one undo step); {} wait: each fails a check — adjust it or Esc to skip it.",
                left.waiting
            ));
        } else {
            self.finished();
            self.note = Some(format!("{n} proposal(s) accepted (one undo step)."));
        }
    }

    /// Every proposal is decided.
    pub(crate) fn finished(&mut self) {
        self.tools.proposal = None;
        if let Some(q) = &self.levels.queue {
            let c = q.counts();
            self.note = Some(format!(
                "Protocol done: {} accepted, {} skipped.",
                c.accepted, c.skipped
            ));
        }
    }
}

/// "B-HU mid L3", "Pedicle SI L2 R".
fn label(roi: &Roi) -> String {
    let mut s = roi.role.label().to_string();
    if let Some(l) = roi.level {
        s.push_str(&format!(" {l}"));
    }
    if let Some(side) = roi.side {
        s.push_str(&format!(" {side}"));
    }
    s
}
