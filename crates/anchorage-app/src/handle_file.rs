//! Actions on files: opening a study folder, DICOMDIR, DICOM file or session; taking what
//! the loader reports, and loading the session's other series in the background; looking
//! for the session's series where they were moved; offering measurements back
//! ([`anchorage_core::session::recovery`]) and restoring them — written over the session
//! file (the open version becomes the backup; a damaged file is kept aside as
//! `NAME.damaged`), then opened again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::ColorImage;

use super::action::Action;
use super::browser::OpenPrompt;
use super::document::Document;
use super::loader::LoadEvent;
use super::missing::missing;
use super::recover::{Pending, summary};
use super::study::{Loaded, Preview, Study};
use super::{App, state};
use anchorage_core::session::Session;
use anchorage_core::session::recovery::{Source, find_offer};

/// A file dialog that returns nothing sooner than this was never shown.
const NO_DIALOG: std::time::Duration = std::time::Duration::from_millis(400);

impl App {
    /// Opens a study folder, a DICOMDIR, a DICOM file or a session file.
    pub(super) fn open(&mut self, path: &Path) {
        let mut path = state::absolute(path);
        let mut sr_note = None;
        if path.is_file()
            && !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && anchorage_core::dicom::sr::is_sr_file(&path)
        {
            match session_from_sr(&path) {
                Ok(session) => {
                    sr_note = Some(format!(
                        "The SR's measurements are recreated in {}.",
                        session.display()
                    ));
                    path = session;
                }
                Err(e) => {
                    self.errors.push(e);
                    return;
                }
            }
        }
        self.open_prompt = None;
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
                        self.forget_recent(&path);
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
                    self.forget_recent(&path);
                    self.open_prompt = path.parent().map(|dir| OpenPrompt {
                        message: format!(
                            "The session does not load (the reason is in the status bar): {}",
                            path.display()
                        ),
                        offer: Some(dir.to_path_buf()),
                        ..OpenPrompt::default()
                    });
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
        self.reset_levels();
        self.generation += 1;
        self.choice = None;
        self.tools.highlight.clear();
        self.tools.cancel();
        self.tools.selected = None;
        self.reformats.clear();
        self.note = sr_note;
        self.state.last_study = Some(study_path.clone());
        self.save_state();
        // Added to the recent studies once the scan finds a series in it.
        self.study = Some(Study {
            opened_as: Some(path.clone()),
            ..Study::new(study_path.clone())
        });
        self.loader.scan(study_path);
    }

    /// Asks the system's file dialog for a study folder (`folder`) or a file, and opens
    /// what is chosen. Where no dialog service answers (rfd returns at once: no desktop
    /// portal, as under a bare X server), shows the typed-path window instead; a dialog the
    /// user cancelled takes longer than a person can click.
    pub(super) fn pick(&mut self, folder: bool) {
        let start = std::time::Instant::now();
        let picked = if folder {
            rfd::FileDialog::new()
                .set_title("Open a study folder")
                .pick_folder()
        } else {
            rfd::FileDialog::new()
                .set_title("Open a DICOMDIR, DICOM file or session")
                .pick_file()
        };
        match picked {
            Some(p) => self.open(&p),
            None if start.elapsed() < NO_DIALOG => {
                self.open_prompt = Some(OpenPrompt::no_dialog(if folder {
                    "a study folder"
                } else {
                    "a DICOMDIR, DICOM file or session file"
                }));
            }
            None => {}
        }
    }

    /// Removes `path` from the recent studies (it did not open).
    fn forget_recent(&mut self, path: &Path) {
        let before = self.state.recent.len();
        self.state.recent.retain(|r| r != path);
        if self.state.recent.len() != before {
            self.save_state();
        }
    }

    /// Loads, in the background, a series the session uses that is not loaded yet, so the
    /// results include its ROIs (one at a time, only while nothing else loads).
    pub(super) fn prefetch(&mut self) {
        if self.loader.job().is_some() || self.loader.is_scanning() {
            return;
        }
        let Some(st) = &self.study else {
            return;
        };
        let Some(report) = &st.report else {
            return;
        };
        let next = report.series.iter().enumerate().find(|(i, s)| {
            !st.volumes.contains_key(i)
                && !self.prefetch_failed.contains(i)
                && self
                    .doc
                    .session
                    .series
                    .iter()
                    .any(|r| r.series_instance_uid == s.uid)
        });
        if let Some((i, s)) = next {
            let s = s.clone();
            self.loader.load(i, s, 0);
        }
    }

    /// Takes what the loader reported.
    pub(super) fn poll(&mut self, ctx: &egui::Context) {
        for event in self.loader.poll() {
            let Some(st) = &mut self.study else {
                continue;
            };
            match event {
                LoadEvent::Scanned { path, report } => {
                    let opened = st.opened_as.take();
                    if report.series.is_empty() {
                        self.errors.push(format!(
                            "no DICOM image series found ({} file(s) skipped): {}",
                            report.skipped.len(),
                            path.display()
                        ));
                    }
                    if let Some(p) = opened {
                        if report.series.is_empty() {
                            self.state.recent.retain(|r| r != &p);
                        } else {
                            self.state.push_recent(&p);
                        }
                        self.save_state();
                    }
                    let Some(st) = &mut self.study else {
                        continue;
                    };
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
                    if let Some(p) = st.opened_as.take() {
                        self.forget_recent(&p);
                    }
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

    /// Scans `folder` for the session's series (the result arrives as a scan).
    pub(super) fn relocate(&mut self, folder: &Path) {
        let folder = super::state::absolute(folder);
        if !folder.is_dir() {
            self.errors
                .push(format!("not a folder: {}", folder.display()));
            return;
        }
        self.relocating = true;
        self.tools.cancel();
        self.study = Some(Study::new(folder.clone()));
        self.loader.scan(folder);
    }

    /// After a scan: records where the session's series were found when relocating, then
    /// lists those still missing.
    pub(super) fn after_scan(&mut self) {
        let Some(st) = &self.study else {
            return;
        };
        if std::mem::take(&mut self.relocating)
            && let Some(report) = &st.report
        {
            let found: Vec<(String, PathBuf)> = self
                .doc
                .session
                .series
                .iter()
                .filter_map(|r| {
                    let s = report
                        .series
                        .iter()
                        .find(|s| s.uid == r.series_instance_uid)?;
                    Some((r.series_instance_uid.clone(), s.folder()?))
                })
                .collect();
            let n = found.len();
            self.change(|doc| {
                for (uid, path) in found {
                    if let Some(r) = doc
                        .session
                        .series
                        .iter_mut()
                        .find(|r| r.series_instance_uid == uid)
                    {
                        r.path = path;
                    }
                }
            });
            self.note = Some(format!("{n} series of the session found there."));
        }
        if let Some(st) = &self.study {
            self.missing = missing(&self.doc.session, self.doc.path.as_deref(), st);
        }
    }

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
}

/// Recreates the session of an SR that Anchorage wrote, against the images in the SR's
/// folder (else the folder above it), and saves it beside the SR as
/// `<SR name>-session.json` (then `-2`, `-3`…: never over an earlier file). Returns the
/// session file to open.
fn session_from_sr(sr: &Path) -> Result<PathBuf, String> {
    use anchorage_core::dicom::sr::import_sr;
    let folder = sr.parent().ok_or("the SR has no folder")?;
    let imported = match import_sr(sr, folder, None) {
        Ok(i) => i,
        Err(first) => match folder.parent() {
            Some(up) => import_sr(sr, up, None).map_err(|_| first.to_string())?,
            None => return Err(first.to_string()),
        },
    };
    let stem = sr
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let out = std::iter::once(folder.join(format!("{stem}-session.json")))
        .chain((2..1000).map(|n| folder.join(format!("{stem}-session-{n}.json"))))
        .find(|p| !p.exists())
        .ok_or("no free file name for the recreated session")?;
    let mut session = imported.session;
    session.relativize_paths(folder);
    session
        .save(&out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(out)
}
