//! The protocol proposed at once, as the window steps through it: the core's proposals
//! ([`anchorage_core::levels::propose_protocol`]) each with what became of it — waiting,
//! accepted (as which ROI) or skipped — and the one shown now. Pure state with no egui in
//! it, so the stepping rules are unit-tested: Enter accepts the shown proposal and moves
//! to the next waiting one, Esc skips it and moves on, "Accept all that pass" takes every
//! waiting proposal that passes the core's checks; an accepted proposal whose ROI was
//! undone away waits again.

use anchorage_core::levels::ProtocolProposal;
use anchorage_core::session::{Roi, Session};

/// What became of one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not decided yet.
    Waiting,
    /// Accepted: the session's ROI with this id.
    Accepted(u64),
    /// Skipped (Esc).
    Skipped,
}

/// One proposal of the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The core's proposal (its ROI as adjusted by the handles, its checks redone then).
    pub proposal: ProtocolProposal,
    /// What became of it.
    pub status: Status,
}

/// The proposals of one "Propose the protocol", in the order the core gave them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtocolQueue {
    /// Every proposal.
    pub entries: Vec<Entry>,
    /// The proposal shown (the tools' proposal), if any: `None` once every proposal is
    /// decided, or while the user works on something else.
    pub current: Option<usize>,
}

/// How many proposals are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Waiting.
    pub waiting: usize,
    /// Waiting and passing every check.
    pub waiting_passing: usize,
    /// Accepted.
    pub accepted: usize,
    /// Skipped.
    pub skipped: usize,
    /// Failing a check (whatever their state).
    pub failing: usize,
}

impl ProtocolQueue {
    /// A queue of `proposals`, showing the first.
    pub fn new(proposals: Vec<ProtocolProposal>) -> ProtocolQueue {
        let entries: Vec<Entry> = proposals
            .into_iter()
            .map(|proposal| Entry {
                proposal,
                status: Status::Waiting,
            })
            .collect();
        let current = (!entries.is_empty()).then_some(0);
        ProtocolQueue { entries, current }
    }

    /// The proposal shown.
    pub fn current_entry(&self) -> Option<&Entry> {
        self.entries.get(self.current?)
    }

    /// The first waiting proposal after `from` (wrapping round), else `None`.
    pub fn next_waiting(&self, from: usize) -> Option<usize> {
        let n = self.entries.len();
        (1..=n).map(|k| (from + k) % n).find(|&i| {
            self.entries
                .get(i)
                .is_some_and(|e| e.status == Status::Waiting)
        })
    }

    /// Records that the shown proposal was accepted as ROI `roi_id` and moves to the next
    /// waiting one; returns it.
    pub fn accept_current(&mut self, roi_id: u64) -> Option<usize> {
        let i = self.current?;
        if let Some(e) = self.entries.get_mut(i) {
            e.status = Status::Accepted(roi_id);
        }
        self.current = self.next_waiting(i);
        self.current
    }

    /// Skips the shown proposal and moves to the next waiting one; returns it.
    pub fn skip_current(&mut self) -> Option<usize> {
        let i = self.current?;
        if let Some(e) = self.entries.get_mut(i) {
            e.status = Status::Skipped;
        }
        self.current = self.next_waiting(i);
        self.current
    }

    /// The waiting proposals that pass every check, with their indices.
    pub fn waiting_passing(&self) -> Vec<(usize, ProtocolProposal)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.status == Status::Waiting && e.proposal.passes())
            .map(|(i, e)| (i, e.proposal.clone()))
            .collect()
    }

    /// Records the ROIs `ids` given to the proposals `indices` (in order); the shown
    /// proposal moves on when it was one of them.
    pub fn accepted(&mut self, indices: &[usize], ids: &[u64]) {
        for (&i, &id) in indices.iter().zip(ids) {
            if let Some(e) = self.entries.get_mut(i) {
                e.status = Status::Accepted(id);
            }
        }
        if let Some(c) = self.current
            && self
                .entries
                .get(c)
                .is_some_and(|e| e.status != Status::Waiting)
        {
            self.current = self.next_waiting(c);
        }
    }

    /// Replaces the shown proposal's ROI (its handles were dragged) and the problems the
    /// checks find on it now.
    pub fn adjust_current(
        &mut self,
        roi: Roi,
        problems: Vec<anchorage_core::protocol::placement::PlacementProblem>,
    ) {
        if let Some(e) = self.current.and_then(|i| self.entries.get_mut(i)) {
            e.proposal.roi = roi;
            e.proposal.problems = problems;
        }
    }

    /// After an undo or redo: a proposal accepted as an ROI the session no longer has
    /// waits again.
    pub fn reconcile(&mut self, session: &Session) {
        for e in &mut self.entries {
            if let Status::Accepted(id) = e.status
                && session.roi(id).is_none()
            {
                e.status = Status::Waiting;
            }
        }
    }

    /// How many proposals are in each state.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for e in &self.entries {
            match e.status {
                Status::Waiting => {
                    c.waiting += 1;
                    if e.proposal.passes() {
                        c.waiting_passing += 1;
                    }
                }
                Status::Accepted(_) => c.accepted += 1,
                Status::Skipped => c.skipped += 1,
            }
            if !e.proposal.passes() {
                c.failing += 1;
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchorage_core::protocol::placement::PlacementProblem;
    use anchorage_core::session::{Level, RoiKind, Role};

    fn proposal(level: Level, role: Role, fails: bool) -> ProtocolProposal {
        ProtocolProposal {
            roi: Roi {
                id: 0,
                kind: RoiKind::Ellipse,
                role,
                level: Some(level),
                side: None,
                series_uid: "1.2".into(),
                sop_instance_uid: format!("1.2.{level}"),
                frame: 0,
                points_mm: vec![[0.0; 3], [10.0, 0.0, 0.0], [0.0, 8.0, 0.0]],
                width_mm: None,
                note: String::new(),
            },
            slice: 3,
            stats: None,
            problems: if fails {
                vec![PlacementProblem::OnDisc {
                    upper: Some(Level::L3),
                    lower: Some(Level::L4),
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn queue() -> ProtocolQueue {
        ProtocolQueue::new(vec![
            proposal(Level::L3, Role::BHuSuperior, false),
            proposal(Level::L3, Role::BHuMid, true),
            proposal(Level::L3, Role::BHuInferior, false),
        ])
    }

    #[test]
    fn enter_accepts_and_moves_on_esc_skips() {
        let mut q = queue();
        assert_eq!(q.current, Some(0));
        assert_eq!(q.accept_current(7), Some(1));
        assert_eq!(q.skip_current(), Some(2));
        assert_eq!(q.accept_current(8), None, "nothing waits any more");
        assert_eq!(
            q.entries.iter().map(|e| e.status).collect::<Vec<_>>(),
            vec![Status::Accepted(7), Status::Skipped, Status::Accepted(8)]
        );
        let c = q.counts();
        assert_eq!((c.accepted, c.skipped, c.waiting, c.failing), (2, 1, 0, 1));
    }

    #[test]
    fn accept_all_takes_only_the_passing_waiting_ones() {
        let mut q = queue();
        q.skip_current();
        // The first was skipped: only the third passes and waits.
        let passing = q.waiting_passing();
        assert_eq!(passing.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![2]);
        q.accepted(&[2], &[11]);
        assert_eq!(q.entries[2].status, Status::Accepted(11));
        // The shown one (the failing mid plane) stays shown: it still waits.
        assert_eq!(q.current, Some(1));
        assert_eq!(q.counts().waiting_passing, 0);
    }

    #[test]
    fn an_undone_acceptance_waits_again_and_adjusting_rechecks() {
        let mut q = queue();
        q.accept_current(5);
        let mut s = Session::default();
        q.reconcile(&s);
        assert_eq!(q.entries[0].status, Status::Waiting);
        let mut r = q.entries[1].proposal.roi.clone();
        r.points_mm[1] = [12.0, 0.0, 0.0];
        q.adjust_current(r.clone(), Vec::new());
        assert!(q.entries[1].proposal.passes());
        assert_eq!(q.entries[1].proposal.roi, r);
        // An accepted ROI still in the session stays accepted.
        let id = s.add_roi(r);
        q.accept_current(id);
        q.reconcile(&s);
        assert_eq!(q.entries[1].status, Status::Accepted(id));
    }
}
