//! The one place where actions change the App: commands, opening studies and sessions,
//! what the loader reports, and every change to the document (one undo step each,
//! saved at once).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::ColorImage;

use super::commands::{Action, CommandId};
use super::document::Document;
use super::export::ExportKind;
use super::loader::LoadEvent;
use super::study::{Loaded, Preview, Study};
use super::tools::Tool;
use super::{App, state};
use anchorage_core::display::render::WindowPreset;
use anchorage_core::session::{RoiKind, Session};

impl App {
    /// Handles one action.
    pub fn handle(&mut self, action: Action) {
        match action {
            Action::Run(id) => self.run(id),
            Action::Open(path) => self.open(&path),
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
            Action::UpdateRoi(roi) => self.change(|doc| {
                if let Some(r) = doc.session.rois.iter_mut().find(|r| r.id == roi.id) {
                    *r = roi;
                }
            }),
            Action::DeleteRoi(id) => {
                self.change(|doc| doc.session.rois.retain(|r| r.id != id));
                if self.tools.selected == Some(id) {
                    self.tools.selected = None;
                }
            }
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
            Action::Export(kind) => self.export(kind),
            Action::ProposeEllipse { slice, px } => self.propose_ellipse_at(slice, px),
            Action::ProposeTrajectory { slice, px } => self.propose_trajectory_at(slice, px),
            Action::ProposeFromCaliper(id) => self.propose_from_caliper(id),
            Action::Recover(restore) => self.settle_recovery(restore),
            Action::Relocate(folder) => self.relocate(&folder),
        }
    }

    /// Sets the tools for a checklist item and shows its series, at its ROI when it has
    /// one, else at another ROI of the same level on that series.
    fn choose(&mut self, item: super::checklist::Item) {
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

    /// For an item whose level has no ROI on the shown series yet: shows the slice where
    /// that level probably is, estimated from the ROIs at other levels
    /// ([`anchorage_core::measure::level_guess`]), and says how it was estimated.
    fn show_guessed_level(&mut self, item: super::checklist::Item) {
        let Some(series) = self.study.as_ref().and_then(|st| st.current()) else {
            return;
        };
        let level = item.level;
        let Some(g) = anchorage_core::measure::level_guess::guess_slice(
            series,
            &self.doc.session.rois,
            level,
            item.role,
            item.side,
        ) else {
            self.note = Some(format!(
                "{level} has no ROI yet, and no other level has one on this series to estimate from: find {level} by scrolling."
            ));
            return;
        };
        let from: Vec<&str> = g.from.iter().map(|l| l.as_str()).collect();
        let how = match g.spacing_mm {
            Some(mm) if g.fitted => format!("from {} ({mm:.1} mm a level)", from.join(", ")),
            Some(mm) => format!("from {}, at the usual {mm:.0} mm a level", from.join(", ")),
            None => format!("the slice of {}'s ROI on this side", from.join(", ")),
        };
        let n = series.slices.len();
        self.viewers.point[0] = g.slice;
        self.viewers.active = 0;
        self.tools.selected = None;
        self.note = Some(if g.outside {
            format!(
                "{level} is probably outside this series (estimated {how}): showing its nearest end, slice {} of {n}.",
                g.slice + 1
            )
        } else {
            format!(
                "{level} has no ROI yet: showing slice {} of {n}, estimated {how}. Check the level before drawing.",
                g.slice + 1
            )
        });
    }

    /// Writes one export and records the outcome for the export panel.
    fn export(&mut self, kind: ExportKind) {
        let result = self.export_to(kind);
        if let Err(e) = &result {
            self.errors.push(format!("export failed: {e}"));
        }
        self.export.last = Some(result);
    }

    fn export_to(&mut self, kind: ExportKind) -> Result<PathBuf, String> {
        let folder = self
            .export
            .folder(self.doc.path.as_deref())
            .ok_or("no export folder: type one in the export panel")?;
        let key = if self.export.pseudonymize {
            Some(self.export.key.clone())
        } else {
            None
        };
        let stem = match &key {
            Some(k) => anchorage_core::export::pseudonym(k, &self.doc.session.patient_id),
            None => self.doc.session.patient_id.clone(),
        };
        let path = folder.join(kind.file_name(&stem));
        let bytes = match kind {
            ExportKind::Csv | ExportKind::Json => {
                let d = self.derived();
                super::export::table_bytes(kind, &d, key.as_deref())?
            }
            ExportKind::Session => {
                if key.is_some() {
                    return Err(
                        "a session holds the real identifiers: it is not exported pseudonymised"
                            .into(),
                    );
                }
                super::export::session_bytes(&self.doc.session, self.doc.path.as_deref(), &folder)?
            }
            ExportKind::Png => self.snapshot()?,
        };
        super::export::write(&path, &bytes)
    }

    /// The shown slice with its ROIs, as PNG bytes.
    fn snapshot(&self) -> Result<Vec<u8>, String> {
        let st = self.study.as_ref().ok_or("no study is open")?;
        let series = st.current().ok_or("no series is shown")?;
        let loaded = st
            .current_volume()
            .ok_or("the shown series is still loading")?;
        let window = self
            .window()
            .unwrap_or(anchorage_core::display::render::WindowPreset::CT_BONE);
        let outlines: Vec<anchorage_core::display::snapshot::Outline> = self
            .doc
            .session
            .rois
            .iter()
            .filter(|r| r.series_uid == series.uid)
            .map(|roi| anchorage_core::display::snapshot::Outline {
                roi,
                rgb: if self.tools.highlight.contains(&roi.id) {
                    [255, 90, 200]
                } else if self.tools.selected == Some(roi.id) {
                    [255, 220, 40]
                } else {
                    [60, 200, 240]
                },
            })
            .collect();
        let img = anchorage_core::display::snapshot::render(
            &loaded.volume,
            self.viewers.slice(),
            window,
            &outlines,
            3,
        )
        .ok_or("the shown slice is not in the volume")?;
        img.to_png()
    }

    fn run(&mut self, id: CommandId) {
        let dims = self.volume().map(|v| v.dims()).or_else(|| {
            let s = self.study.as_ref()?.current()?;
            Some((s.len(), s.rows as usize, s.columns as usize))
        });
        match id {
            CommandId::OpenFolder => {
                if let Some(p) = rfd::FileDialog::new()
                    .set_title("Open a study folder")
                    .pick_folder()
                {
                    self.open(&p);
                }
            }
            CommandId::OpenFile => {
                if let Some(p) = rfd::FileDialog::new()
                    .set_title("Open a DICOMDIR, DICOM file or session")
                    .pick_file()
                {
                    self.open(&p);
                }
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
                // First Esc: only the proposal goes; the tool stays.
                self.tools.proposal = None;
                self.note = None;
            }
            CommandId::Escape => {
                self.tools.cancel();
                self.set_tool(Tool::Select);
                self.show_help = false;
            }
            CommandId::ToggleHelp => self.show_help = !self.show_help,
            CommandId::AcceptProposal => self.accept_proposal(),
            CommandId::CancelLoad => {
                if self.loader.job().is_some() {
                    self.loader.cancel();
                    self.note = Some("Loading cancelled: pick the series again to load it.".into());
                }
            }
        }
    }

    fn set_tool(&mut self, tool: Tool) {
        self.tools.cancel();
        self.tools.tool = tool;
    }

    fn preset(&mut self, id: CommandId) {
        let Some(st) = &mut self.study else {
            return;
        };
        let Some(i) = st.selected else {
            return;
        };
        let preset = match id {
            CommandId::PresetBone => WindowPreset::CtBone,
            CommandId::PresetSoftTissue => WindowPreset::CtSoftTissue,
            CommandId::PresetAuto => WindowPreset::Auto,
            _ => WindowPreset::Histogram,
        };
        let hist = st.volumes.get(&i).and_then(|l| l.histogram).or_else(|| {
            let p = st.preview.as_ref().filter(|p| p.series == i)?;
            anchorage_core::display::render::histogram_window(&p.loaded.volume)
        });
        match preset.window(st.current().and_then(|s| s.window), hist) {
            Some(w) => {
                st.windows.insert(i, w);
            }
            None => {
                self.note =
                    Some("No window for that preset yet (the series is still loading).".into())
            }
        }
    }

    /// Opens a study folder, a DICOMDIR, a DICOM file or a session file.
    fn open(&mut self, path: &Path) {
        let path = state::absolute(path);
        self.recovery = None;
        self.missing.clear();
        self.relocating = false;
        let is_session = path.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let study_path = if is_session {
            match Document::open(&path) {
                Ok(doc) => {
                    let Some(study) = doc.study_path() else {
                        self.errors.push(format!(
                            "the session names no series to open: {}",
                            path.display()
                        ));
                        return;
                    };
                    self.doc = doc;
                    self.state.last_session = Some(path.clone());
                    let open = self.doc.session.clone();
                    self.look_for_recovery(&path, Some(&open), &[]);
                    study
                }
                Err(e) => {
                    self.errors.push(e);
                    self.look_for_recovery(&path, None, &[]);
                    return;
                }
            }
        } else {
            let (doc, err) = Document::for_study(&path, self.config_dir.as_deref());
            if let Some(e) = &err {
                self.errors.push(format!(
                    "{e} (a new session is started; the old file is left as it is)"
                ));
            }
            self.doc = doc;
            self.state.last_session = self.doc.path.clone().filter(|p| p.is_file());
            let places = super::document::session_places(&path, self.config_dir.as_deref());
            if let Some(chosen) = places.iter().find(|p| p.is_file()).cloned() {
                let loaded = (err.is_none() && self.doc.path.as_ref() == Some(&chosen))
                    .then(|| self.doc.session.clone());
                self.look_for_recovery(&chosen, loaded.as_ref(), &places);
            }
            path.clone()
        };
        self.history.clear();
        self.generation += 1;
        self.choice = None;
        self.tools.highlight.clear();
        self.tools.cancel();
        self.tools.selected = None;
        self.reformats.clear();
        self.note = None;
        self.state.last_study = Some(study_path.clone());
        self.state.push_recent(&path);
        self.save_state();
        self.study = Some(Study::new(study_path.clone()));
        self.loader.scan(study_path);
    }

    fn select_series(&mut self, i: usize) {
        let Some(st) = &mut self.study else {
            return;
        };
        let Some(series) = st.series(i).cloned() else {
            return;
        };
        st.selected = Some(i);
        self.tools.cancel();
        self.tools.selected = None;
        // Open at the first ROI of the session on this series, else at the middle slice.
        let first =
            self.doc
                .session
                .rois
                .iter()
                .filter(|r| r.series_uid == series.uid)
                .find_map(|r| {
                    series.slices.iter().position(|s| {
                        s.sop_instance_uid == r.sop_instance_uid && s.frame == r.frame
                    })
                })
                .unwrap_or(series.len() / 2);
        match st.volumes.get(&i) {
            Some(l) => self.viewers.reset(l.volume.dims(), first),
            None => {
                self.viewers.reset(
                    (series.len(), series.rows as usize, series.columns as usize),
                    first,
                );
                self.loader.load(i, series, first);
            }
        }
    }

    fn go_to(&mut self, id: u64) {
        let Some(roi) = self.doc.session.roi(id).cloned() else {
            return;
        };
        let Some(st) = &self.study else {
            return;
        };
        let Some(report) = &st.report else {
            return;
        };
        let Some(si) = report.series.iter().position(|s| s.uid == roi.series_uid) else {
            self.note = Some(format!(
                "ROI #{id} is on a series that is not in this study"
            ));
            return;
        };
        if st.selected != Some(si) {
            self.select_series(si);
        }
        if let Some(k) = self
            .study
            .as_ref()
            .and_then(|st| st.current())
            .and_then(|s| {
                s.slices.iter().position(|x| {
                    x.sop_instance_uid == roi.sop_instance_uid && x.frame == roi.frame
                })
            })
        {
            self.viewers.point[0] = k;
            self.viewers.active = 0;
        }
        self.tools.selected = Some(id);
    }

    /// Takes what the loader reported.
    pub(super) fn poll(&mut self, ctx: &egui::Context) {
        for event in self.loader.poll() {
            let Some(st) = &mut self.study else {
                continue;
            };
            match event {
                LoadEvent::Scanned { path, report } => {
                    if report.series.is_empty() {
                        self.errors.push(format!(
                            "no DICOM image series found ({} file(s) skipped): {}",
                            report.skipped.len(),
                            path.display()
                        ));
                    }
                    let thumbs: Vec<_> = report.series.iter().cloned().enumerate().collect();
                    st.report = Some(report);
                    let uids: Vec<String> = self
                        .doc
                        .session
                        .series
                        .iter()
                        .map(|s| s.series_instance_uid.clone())
                        .collect();
                    let first = st.initial_series(&uids);
                    self.loader.thumbnails(thumbs);
                    if let Some(i) = first {
                        self.select_series(i);
                    }
                    self.after_scan();
                }
                LoadEvent::ScanFailed { error, .. } => {
                    self.errors.push(error);
                    self.after_scan();
                }
                LoadEvent::Preview {
                    series,
                    slice,
                    volume,
                } => {
                    let id = self.next_volume_id;
                    self.next_volume_id += 1;
                    st.preview = Some(Preview {
                        series,
                        slice,
                        loaded: Loaded {
                            volume: Arc::new(volume),
                            id,
                            histogram: None,
                        },
                    });
                }
                LoadEvent::Thumbnail { series, image } => {
                    let img = ColorImage::from_gray([image.width, image.height], &image.pixels);
                    let t = ctx.load_texture(
                        format!("thumb{series}"),
                        img,
                        egui::TextureOptions::LINEAR,
                    );
                    st.thumbnails.insert(series, t);
                }
                LoadEvent::Loaded {
                    series,
                    volume,
                    histogram,
                    seconds,
                } => {
                    let id = self.next_volume_id;
                    self.next_volume_id += 1;
                    st.volumes.insert(
                        series,
                        Loaded {
                            volume: Arc::new(volume),
                            id,
                            histogram,
                        },
                    );
                    st.load_seconds.insert(series, seconds);
                    if st.preview.as_ref().is_some_and(|p| p.series == series) {
                        st.preview = None;
                    }
                }
                LoadEvent::Failed { series, error } => {
                    self.prefetch_failed.insert(series);
                    let label = st.series(series).map(|s| s.label()).unwrap_or_default();
                    self.errors.push(format!("{label}: {error}"));
                }
            }
        }
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

    fn autosave(&mut self) {
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

    fn save_state(&mut self) {
        self.state.screw_diameter_mm = self.tools.default_width_mm;
        if let Some(dir) = &self.config_dir
            && let Err(e) = self.state.save(dir)
        {
            self.errors.push(e);
        }
    }
}
