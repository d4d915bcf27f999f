//! The one place where actions change the App: [`App::handle`] takes each action the
//! panels return, [`App::run`] each command of the table, and every change to the document
//! goes through [`App::change`] (one undo step each, saved at once). What the actions do is
//! spread by concern: `handle_view.rs` (series, slices, windows), `handle_roi.rs` (the
//! checklist and proposals), `handle_file.rs` (opening, loading, relocating, recovering),
//! `handle_export.rs` (exports), `handle_cohort.rs` (the cohort database),
//! `handle_analysis.rs` (the cohort's analysis and its refitted model) and
//! `handle_plan.rs` (the screw planning view).

use std::path::PathBuf;

use super::App;
use super::action::{Action, CommandId};
use super::document::Document;
use super::tools::Tool;
use anchorage_core::session::Session;

impl App {
    /// Handles one action.
    pub fn handle(&mut self, action: Action) {
        match action {
            Action::Run(id) => self.run(id),
            Action::Open(path) => self.open(&path),
            Action::Cohort(a) => self.handle_cohort(a),
            Action::Pacs(a) => self.handle_pacs(a),
            Action::Analysis(a) => self.handle_analysis(a),
            Action::Levels(a) => self.handle_levels(a),
            Action::SelectSeries(i) => self.select_series(i),
            Action::SetWindow(w) => {
                if let Some(st) = &mut self.study
                    && let Some(i) = st.selected
                {
                    st.windows.insert(i, w);
                }
            }
            Action::Select(id) => self.tools.selected = id,
            Action::GoTo(id) => self.go_to(id),
            Action::AddRoi(roi) => {
                if let Some(why) = self.role_refusal(&roi) {
                    self.note = Some(format!("Not added: {why}."));
                    return;
                }
                let (series, study) = match &self.study {
                    Some(st) => (st.current().cloned(), st.path.clone()),
                    None => (None, PathBuf::new()),
                };
                let mut new_id = None;
                self.change(|doc| {
                    if let Some(s) = &series {
                        doc.use_series(s, &study);
                    }
                    new_id = Some(doc.session.add_roi(roi));
                });
                self.tools.selected = new_id;
            }
            Action::UpdateRoi(roi) => {
                if let Some(why) = self.role_refusal(&roi) {
                    self.note = Some(format!("Not changed: {why}."));
                    return;
                }
                self.change(|doc| {
                    if let Some(r) = doc.session.rois.iter_mut().find(|r| r.id == roi.id) {
                        *r = roi;
                    }
                })
            }
            Action::DeleteRoi(id) => {
                self.change(|doc| doc.session.rois.retain(|r| r.id != id));
                if self.tools.selected == Some(id) {
                    self.tools.selected = None;
                }
            }
            Action::SetDraft {
                roi,
                proposal,
                edit_id,
            } => {
                // What a view did this frame with an edit abandoned since (Esc, undo) is
                // dropped.
                if edit_id == self.tools.edit_id {
                    self.tools.draft = roi;
                    self.tools.draft_is_proposal = proposal;
                }
            }
            Action::SetProposal { roi, edit_id } => {
                if edit_id == self.tools.edit_id {
                    if let Some(r) = &roi {
                        self.adjust_queued(r);
                    }
                    self.tools.proposal = roi;
                }
            }
            Action::SetNewRois {
                ellipse_role,
                level,
                side,
                default_width_mm,
            } => {
                self.tools.ellipse_role = ellipse_role;
                self.tools.level = level;
                self.tools.side = side;
                self.tools.default_width_mm = default_width_mm;
            }
            Action::ShowHelp(on) => self.show_help = on,
            Action::DismissError(i) => {
                if i < self.errors.len() {
                    self.errors.remove(i);
                }
            }
            Action::SetPatient(p) => self.change_merged("patient", |doc| doc.session.patient = p),
            Action::SetScrews(s) => self.change_merged("screws", |doc| doc.session.screws = s),
            Action::SetChoices(c) => self.change_merged("choices", |doc| doc.session.choices = c),
            Action::SetModels(m) => self.change_merged("models", |doc| doc.session.models = m),
            Action::Choose(item) => self.choose(item),
            Action::Trace(ids) => {
                if let Some(first) = ids.first().copied() {
                    self.go_to(first);
                }
                self.tools.highlight = ids;
            }
            Action::Export { kind, folder, key } => self.export(kind, folder, key),
            Action::SendSr { folder, key } => self.send_sr(folder, key),
            Action::ProposeEllipse { slice, px } => self.propose_ellipse_at(slice, px),
            Action::ProposeTrajectory { slice, px } => self.propose_trajectory_at(slice, px),
            Action::ProposeFromCaliper(id) => self.propose_from_caliper(id),
            Action::Recover(restore) => self.settle_recovery(restore),
            Action::Relocate(folder) => self.relocate(&folder),
            Action::CloseOpenPrompt => self.open_prompt = None,
            Action::PlanScrew(s) => self.plan_screw(s),
            Action::MakePlan(level, side) => self.make_plan(level, side),
            Action::SetScrewTemplates(t) => self.set_screw_templates(t),
        }
    }

    /// Runs one command of the table.
    pub(super) fn run(&mut self, id: CommandId) {
        let dims = self.volume().map(|v| v.dims()).or_else(|| {
            let s = self.study.as_ref()?.current()?;
            Some((s.len(), s.rows as usize, s.columns as usize))
        });
        match id {
            CommandId::OpenFolder => self.pick(true),
            CommandId::OpenFile => self.pick(false),
            CommandId::OpenPath => {
                self.open_prompt = Some(super::browser::OpenPrompt {
                    message: "Type the path of a study folder, DICOMDIR, DICOM file or session:"
                        .into(),
                    ..Default::default()
                })
            }
            CommandId::Undo | CommandId::Redo => {
                self.tools.cancel();
                let restored = if id == CommandId::Undo {
                    self.history.undo(&self.doc.session)
                } else {
                    self.history.redo(&self.doc.session)
                };
                if let Some(s) = restored {
                    self.doc.session = s;
                    self.generation += 1;
                    self.autosave();
                    self.after_history();
                }
            }
            CommandId::Delete => {
                if let Some(sel) = self.tools.selected {
                    self.handle(Action::DeleteRoi(sel));
                }
            }
            CommandId::PrevSlice
            | CommandId::NextSlice
            | CommandId::PageBack
            | CommandId::PageOn => {
                let d = match id {
                    CommandId::PrevSlice => -1,
                    CommandId::NextSlice => 1,
                    CommandId::PageBack => -10,
                    _ => 10,
                };
                if let Some(dims) = dims {
                    self.viewers.step(dims, Some(d), false);
                }
            }
            CommandId::FirstSlice | CommandId::LastSlice => {
                if let Some(dims) = dims {
                    self.viewers.step(dims, None, id == CommandId::LastSlice);
                }
            }
            CommandId::ZoomIn => self.viewers.zoom_active(1.25),
            CommandId::ZoomOut => self.viewers.zoom_active(0.8),
            CommandId::ResetView => {
                self.viewers.fit();
                if let Some(st) = &mut self.study
                    && let Some(i) = st.selected
                {
                    st.windows.remove(&i);
                }
            }
            CommandId::PresetBone
            | CommandId::PresetSoftTissue
            | CommandId::PresetAuto
            | CommandId::PresetHistogram => self.preset(id),
            CommandId::ToggleReformats => {
                if let Some(st) = &self.study
                    && let (Some(i), Some(s)) = (st.selected, st.current())
                {
                    let on = !self.reformats_for(i, s);
                    self.reformats.insert(i, on);
                    if s.modality.eq_ignore_ascii_case("CT") {
                        self.state.show_reformats = on;
                        self.save_state();
                    }
                }
            }
            CommandId::ToolSelect => self.set_tool(Tool::Select),
            CommandId::ToolEllipse => self.set_tool(Tool::Ellipse),
            CommandId::ToolTrajectory => self.set_tool(Tool::Trajectory),
            CommandId::ToolCaliper => self.set_tool(Tool::Caliper),
            CommandId::Escape if self.tools.proposal.is_some() => {
                // First Esc: only the proposal goes (a protocol proposal is skipped and
                // the next shown); the tool stays.
                if !self.skip_queued() {
                    self.tools.proposal = None;
                    self.note = None;
                }
            }
            CommandId::Escape => {
                self.tools.cancel();
                self.set_tool(Tool::Select);
                self.show_help = false;
            }
            CommandId::ToggleHelp => self.show_help = !self.show_help,
            CommandId::AcceptProposal => {
                if !self.accept_queued() {
                    self.accept_proposal();
                }
            }
            CommandId::CancelLoad => {
                if self.loader.job().is_some() {
                    self.loader.cancel();
                    self.note = Some("Loading cancelled: pick the series again to load it.".into());
                }
            }
        }
    }

    /// Picks a tool, abandoning the drawing or edit in progress.
    pub(super) fn set_tool(&mut self, tool: Tool) {
        self.tools.cancel();
        self.tools.tool = tool;
    }

    /// Applies one change to the document: one undo step, saved at once.
    pub(super) fn change(&mut self, f: impl FnOnce(&mut Document)) {
        self.apply_change(None, f);
    }

    /// Like [`App::change`], but the changes of one mouse drag on the same field group (a
    /// number dragged in the patient panel) make one undo step together.
    fn change_merged(&mut self, key: &'static str, f: impl FnOnce(&mut Document)) {
        self.apply_change(Some(key), f);
    }

    /// A change, recorded for undo unless it continues the drag that changes `key`.
    fn apply_change(&mut self, key: Option<&'static str>, f: impl FnOnce(&mut Document)) {
        let continuing = key.is_some() && self.pointer_held && self.merge == key;
        let before: Session = self.doc.session.clone();
        f(&mut self.doc);
        if self.doc.session != before {
            self.generation += 1;
            if !continuing {
                self.history.record(&before);
            }
            self.merge = key.filter(|_| self.pointer_held);
            self.autosave();
        }
    }

    /// Saves the session after a change; a failure is shown.
    pub(super) fn autosave(&mut self) {
        let study = self.study.as_ref().map(|s| s.path.clone());
        match self.doc.save(study.as_deref(), self.config_dir.as_deref()) {
            Ok(note) => {
                if let Some(n) = note {
                    self.note = Some(n);
                }
                if self.state.last_session != self.doc.path {
                    self.state.last_session = self.doc.path.clone();
                    self.save_state();
                }
            }
            Err(e) => self
                .errors
                .push(format!("the session could not be saved: {e}")),
        }
    }

    /// Saves what the workstation remembers between runs; a failure is shown.
    pub(super) fn save_state(&mut self) {
        self.state.screw_diameter_mm = self.tools.default_width_mm;
        if let Some(dir) = &self.config_dir
            && let Err(e) = self.state.save(dir)
        {
            self.errors.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::action::{Action, CommandId};
    use crate::{App, Options, loader};
    use anchorage_core::session::{Level, Roi, RoiKind, Role};

    fn app() -> App {
        App::new(Options {
            config_dir: None,
            source: Arc::new(loader::DicomSource),
            open: None,
            open_last: false,
        })
    }

    fn roi(id: u64) -> Roi {
        Roi {
            id,
            kind: RoiKind::Caliper,
            role: Role::PedicleThickness,
            level: None,
            side: None,
            series_uid: "1.2.3".into(),
            sop_instance_uid: "1.2.3.4".into(),
            frame: 0,
            points_mm: vec![[0.0, 0.0, 0.0], [5.0, 0.0, 0.0]],
            width_mm: None,
            note: String::new(),
        }
    }

    #[test]
    fn a_draft_of_an_abandoned_edit_is_dropped() {
        let mut a = app();
        let edit_id = a.tools.edit_id;
        a.handle(Action::SetDraft {
            roi: Some(roi(0)),
            proposal: false,
            edit_id,
        });
        assert_eq!(a.tools.draft, Some(roi(0)));
        // Esc in the same frame as a drag step: the step, handled after it, is dropped.
        a.handle(Action::Run(CommandId::Escape));
        assert_eq!(a.tools.draft, None);
        a.handle(Action::SetDraft {
            roi: Some(roi(0)),
            proposal: false,
            edit_id,
        });
        a.handle(Action::SetProposal {
            roi: Some(roi(0)),
            edit_id,
        });
        assert_eq!(a.tools.draft, None);
        assert_eq!(a.tools.proposal, None);
        // The next edit is taken.
        a.handle(Action::SetDraft {
            roi: Some(roi(0)),
            proposal: true,
            edit_id: a.tools.edit_id,
        });
        assert_eq!(a.tools.shown_proposal(), Some(&roi(0)));
    }

    #[test]
    fn the_tool_bar_and_the_help_window_change_the_app_through_actions() {
        let mut a = app();
        a.handle(Action::SetNewRois {
            ellipse_role: Role::CsfSi,
            level: Some(Level::L2),
            side: None,
            default_width_mm: 5.5,
        });
        assert_eq!(a.tools.ellipse_role, Role::CsfSi);
        assert_eq!(a.tools.level, Some(Level::L2));
        assert_eq!(a.tools.default_width_mm, 5.5);
        a.handle(Action::Run(CommandId::ToggleHelp));
        assert!(a.show_help);
        a.handle(Action::ShowHelp(false));
        assert!(!a.show_help);
    }
}
