//! The App's side of the vertebral levels and the protocol proposed from them: the core's
//! [`find_levels`] run on its own thread for the shown CT or sagittal MR when the session
//! has no levels serving it (the window opens on a vertebral body once they are known),
//! the levels stored in the session, a body's label confirmed or corrected ([`relabel`],
//! carried to every series of the same frame of reference: one undo step), and the whole
//! protocol proposed at once (on the same thread; stepping through it is in
//! `handle_protocol.rs`).
//!
//! Levels found automatically are not an edit: they enter the session without an undo
//! step or a save (they are saved with the next change), and an undo that goes back past
//! them puts them back.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use anchorage_core::dicom::series::Series;
use anchorage_core::dicom::volume::Volume;
use anchorage_core::levels::{
    Known, Levels, ProtocolProposal, find_levels, nearest_slice, relabel, slice_at,
};
use anchorage_core::session::Level;

use crate::App;
use crate::action::{Action, LevelsAction};
use crate::levels_paint::{levels_of, patient_to_voxel};
use crate::protocol_queue::ProtocolQueue;

/// What a job on the levels thread found.
pub(crate) enum Outcome {
    /// The levels of a series, or why there are none.
    Levels {
        series_uid: String,
        result: Result<Levels, String>,
    },
    /// The protocol proposed, and what could not be proposed.
    Proposals {
        proposals: Vec<ProtocolProposal>,
        skipped: Vec<String>,
    },
}

/// The levels' run-time state: the job running, what was tried, the protocol proposed.
#[derive(Default)]
pub struct LevelsState {
    /// The job on its own thread, and what it does ("finding the levels…").
    pub(crate) running: Option<(Receiver<Outcome>, String)>,
    /// Series whose levels were looked for this run (not looked for again by themselves).
    tried: HashSet<String>,
    /// The levels found this run, by series: put back when an undo goes past them.
    found: HashMap<String, Levels>,
    /// What the last operation did, or why it failed.
    pub message: Option<Result<String, String>>,
    /// The protocol proposed, being stepped through.
    pub queue: Option<ProtocolQueue>,
    /// The series and slice a series was opened at by default (no ROI on it): the window
    /// moves to a vertebral body once the levels say where one is, unless the user moved.
    pub opened_at: Option<(usize, usize)>,
    /// "Propose the protocol" waits for a series to load.
    pub propose_pending: bool,
}

impl LevelsState {
    /// What the levels thread is doing, if anything.
    pub fn busy(&self) -> Option<&str> {
        self.running.as_ref().map(|(_, what)| what.as_str())
    }
}

impl App {
    /// Whether the levels thread is working.
    pub fn levels_running(&self) -> bool {
        self.levels.running.is_some() || self.levels.propose_pending
    }

    /// What the levels thread is doing, if anything.
    pub fn levels_busy(&self) -> Option<&str> {
        self.levels.busy()
    }

    /// What the last levels operation did, or why it failed.
    pub fn levels_message(&self) -> Option<&Result<String, String>> {
        self.levels.message.as_ref()
    }

    /// The protocol proposed from the levels, if any.
    pub fn protocol_queue(&self) -> Option<&ProtocolQueue> {
        self.levels.queue.as_ref()
    }

    /// Forgets the levels' run-time state (a new study).
    pub(crate) fn reset_levels(&mut self) {
        self.levels = LevelsState::default();
    }

    /// The shown series and its loaded volume.
    pub(crate) fn shown_series(&self) -> Option<(usize, Series, Arc<Volume>)> {
        let st = self.study.as_ref()?;
        let i = st.selected?;
        Some((
            i,
            st.current()?.clone(),
            Arc::clone(&st.current_volume()?.volume),
        ))
    }

    /// Takes what the levels thread found, and starts finding the shown series' levels
    /// when nothing serves it yet (called every frame).
    pub(crate) fn poll_levels(&mut self) {
        if let Some((rx, _)) = &self.levels.running {
            let outcome = match rx.try_recv() {
                Err(TryRecvError::Empty) => return,
                Ok(o) => Some(o),
                Err(TryRecvError::Disconnected) => None,
            };
            self.levels.running = None;
            match outcome {
                Some(Outcome::Levels { series_uid, result }) => match result {
                    Ok(levels) => {
                        self.handle(Action::Levels(LevelsAction::Found(Box::new(levels))))
                    }
                    Err(e) => {
                        self.levels.message = Some(Err(format!("No levels: {e}.")));
                        self.levels.tried.insert(series_uid);
                    }
                },
                Some(Outcome::Proposals { proposals, skipped }) => {
                    self.take_proposals(proposals, skipped)
                }
                None => {
                    self.levels.message =
                        Some(Err("the levels job stopped without a result".into()))
                }
            }
        }
        if self.levels.propose_pending && self.loader.job().is_none() {
            self.levels.propose_pending = false;
            self.propose(false);
        }
        self.open_on_body();
        self.start_finding(false);
    }

    /// Starts finding the shown series' levels on the levels thread: always when `forced`,
    /// else only for a CT or MR that no levels serve and that was not tried yet.
    fn start_finding(&mut self, forced: bool) {
        if self.levels.running.is_some() {
            return;
        }
        let Some((_, series, volume)) = self.shown_series() else {
            return;
        };
        let modality = series.modality.to_ascii_uppercase();
        if !forced
            && (!(modality == "CT" || modality == "MR")
                || self.levels.tried.contains(&series.uid)
                || levels_of(&self.doc.session, &series).is_some())
        {
            return;
        }
        self.levels.tried.insert(series.uid.clone());
        let what = format!("finding the vertebral levels of {}…", series.label());
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("levels".into())
            .spawn(move || {
                let result = find_levels(&series, &volume, None).map_err(|e| e.to_string());
                // The window may have moved on meanwhile: nobody to tell.
                let _ = tx.send(Outcome::Levels {
                    series_uid: series.uid.clone(),
                    result,
                });
            });
        match spawned {
            Ok(_) => self.levels.running = Some((rx, what)),
            Err(e) => self.levels.message = Some(Err(format!("cannot find the levels: {e}"))),
        }
    }

    /// Moves the view to a vertebral body (the reference level's middle, else the middle
    /// body's) when the shown series was opened at its default slice and the user has not
    /// moved since.
    fn open_on_body(&mut self) {
        let Some((si, slice)) = self.levels.opened_at else {
            return;
        };
        let Some((i, series, volume)) = self.shown_series() else {
            return;
        };
        if i != si || self.viewers.point[0] != slice {
            self.levels.opened_at = None;
            return;
        }
        let Some(levels) = levels_of(&self.doc.session, &series) else {
            return;
        };
        self.levels.opened_at = None;
        let reference = self.doc.session.choices.reference_level;
        let k = slice_at(levels, &volume, reference, 0.5).or_else(|| {
            let b = levels.bodies.get(levels.bodies.len() / 2)?;
            nearest_slice(&volume, b.centre_mm)
        });
        if let Some(k) = k {
            self.viewers.point[0] = k;
        }
    }

    /// Handles one levels action.
    pub(crate) fn handle_levels(&mut self, action: LevelsAction) {
        match action {
            LevelsAction::Find => {
                if self.levels.running.is_none() {
                    self.levels.message = None;
                }
                self.start_finding(true);
            }
            LevelsAction::Found(levels) => self.store_found(*levels),
            LevelsAction::Confirm {
                series_uid,
                point_mm,
                level,
            } => self.confirm_level(&series_uid, point_mm, level),
            LevelsAction::GoToBody(index) => self.go_to_body(index),
            LevelsAction::Propose => self.propose(true),
            LevelsAction::Show(index) => {
                if let Some(q) = &mut self.levels.queue
                    && index < q.entries.len()
                {
                    q.current = Some(index);
                    self.show_current_proposal();
                }
            }
            LevelsAction::AcceptAllPassing => self.accept_all_passing(),
            LevelsAction::Close => {
                if self
                    .levels
                    .queue
                    .take()
                    .is_some_and(|q| q.current.is_some())
                {
                    self.tools.proposal = None;
                }
                self.note = None;
            }
        }
    }

    /// Stores levels found automatically: no undo step, no save of their own.
    fn store_found(&mut self, mut levels: Levels) {
        // Found again: a level the user confirmed on this series still stands.
        let confirmed = self
            .doc
            .session
            .levels
            .iter()
            .find(|l| l.series_uid == levels.series_uid)
            .map(|l| l.labelled_by);
        if let Some(anchorage_core::levels::LabelSource::Known { level, point_mm }) = confirmed
            && relabel(&mut levels, Known { level, point_mm }).is_err()
        {
            self.note = Some(format!(
                "The levels found again do not fit the confirmed {level}: confirm a level again."
            ));
        }
        let summary = summary(&levels);
        self.levels
            .found
            .insert(levels.series_uid.clone(), levels.clone());
        self.doc.session.set_levels(levels);
        self.generation += 1;
        self.levels.message = Some(Ok(summary));
        self.open_on_body();
    }

    /// After an undo or redo: levels found this run that the restored session lacks are
    /// put back, and the proposed protocol follows the session.
    pub(crate) fn after_history(&mut self) {
        for (uid, l) in &self.levels.found {
            if !self.doc.session.levels.iter().any(|x| &x.series_uid == uid) {
                self.doc.session.levels.push(l.clone());
            }
        }
        if let Some(q) = &mut self.levels.queue {
            q.reconcile(&self.doc.session);
            if q.current_entry()
                .is_none_or(|e| e.status != crate::protocol_queue::Status::Waiting)
            {
                q.current = q
                    .entries
                    .iter()
                    .position(|e| e.status == crate::protocol_queue::Status::Waiting);
            }
        }
        self.show_current_proposal();
    }

    /// "This body is `level`": relabels every series' levels that serve `series_uid` (its
    /// own and those of its frame of reference), one undo step.
    fn confirm_level(
        &mut self,
        series_uid: &str,
        point_mm: anchorage_core::geometry::Vec3,
        level: Level,
    ) {
        let frame = self
            .study
            .as_ref()
            .and_then(|st| st.report.as_ref())
            .and_then(|r| r.series.iter().find(|s| s.uid == series_uid))
            .map(|s| s.frame_of_reference_uid.clone())
            .unwrap_or_default();
        let known = Known { level, point_mm };
        let mut relabelled = Vec::new();
        let mut refusal = None;
        for l in self
            .doc
            .session
            .levels
            .iter()
            .filter(|l| l.serves(series_uid, &frame))
        {
            let mut l = l.clone();
            match relabel(&mut l, known) {
                Ok(()) => relabelled.push(l),
                Err(e) => refusal = Some(e.to_string()),
            }
        }
        if relabelled.is_empty() {
            self.note = Some(match refusal {
                Some(e) => format!("Not relabelled: {e}."),
                None => "No levels found on this series yet: nothing to relabel.".into(),
            });
            return;
        }
        let text = summary(&relabelled[0]);
        let n = relabelled.len();
        self.change(|doc| {
            for l in relabelled {
                doc.session.set_levels(l);
            }
        });
        // Proposals made under the old labels would be at the wrong levels.
        if self
            .levels
            .queue
            .take()
            .is_some_and(|q| q.current.is_some())
        {
            self.tools.proposal = None;
        }
        self.note = Some(format!(
            "{level} confirmed: the other bodies are relabelled ({text}{}). Undo restores the previous labels.",
            if n > 1 {
                format!("; {n} series of this frame of reference")
            } else {
                String::new()
            }
        ));
        self.levels.message = Some(Ok(text));
    }

    /// Shows the middle of body `index` of the shown series' levels, the other views
    /// crossing at its centre.
    fn go_to_body(&mut self, index: usize) {
        let Some((_, series, volume)) = self.shown_series() else {
            return;
        };
        let Some(levels) = levels_of(&self.doc.session, &series) else {
            return;
        };
        let Some(b) = levels.bodies.get(index) else {
            return;
        };
        let t_centre = levels.axis.position_mm(b.centre_mm);
        let mid = anchorage_core::geometry::add_scaled(
            b.centre_mm,
            b.mid_mm() - t_centre,
            levels.axis.direction,
        );
        self.cross_at(&volume, mid);
    }

    /// Makes the views cross at patient point `p` (clamped into the volume).
    pub(crate) fn cross_at(&mut self, volume: &Volume, p: anchorage_core::geometry::Vec3) {
        let Some(v) = patient_to_voxel(volume, p) else {
            return;
        };
        let (nz, ny, nx) = volume.dims();
        let lim = [nz, ny, nx];
        for (a, n) in lim.iter().enumerate() {
            self.viewers.point[a] = v[a].round().clamp(0.0, n.saturating_sub(1) as f64) as usize;
        }
        self.viewers.active = 0;
    }
}

/// "6 bodies, L1–S1, counted from the sacrum".
pub fn summary(levels: &Levels) -> String {
    let n = levels.bodies.len();
    let name = |b: Option<&anchorage_core::levels::FoundBody>| {
        b.and_then(|b| b.level)
            .map_or("?".to_string(), |l| l.to_string())
    };
    let span = format!(
        "{}–{}",
        name(levels.bodies.first()),
        name(levels.bodies.last())
    );
    let how = match levels.labelled_by {
        anchorage_core::levels::LabelSource::Unlabelled => {
            "not labelled: right-click a body, This body is …".to_string()
        }
        anchorage_core::levels::LabelSource::Sacrum => "counted from the sacrum".to_string(),
        anchorage_core::levels::LabelSource::Known { level, .. } => {
            format!("counted from {level}, confirmed")
        }
    };
    format!("{n} bodies on {}, {span}, {how}", levels.modality)
}
