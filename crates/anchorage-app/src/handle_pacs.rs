//! The App's side of the PACS tab: the node from the settings, the network work on a
//! thread of its own (echo, find, retrieve through [`anchorage_core::pacs`]) reporting
//! back over a channel, cancel, and opening a retrieved study the way a folder is opened.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use anchorage_core::pacs::echo::echo;
use anchorage_core::pacs::find::{FindQuery, StudyRecord, find_studies};
use anchorage_core::pacs::node::{DEFAULT_TIMEOUT_S, PacsConfig, PacsNode};
use anchorage_core::pacs::retrieve::{Progress, RetrieveMethod, retrieve_study};
use anchorage_core::pacs::status::StatusKind;
use anchorage_core::pacs::store::store_files;

use crate::App;
use crate::action::{Action, PacsAction};

/// What the worker thread reports.
enum Event {
    Progress(Progress),
    Echoed(String),
    Found(Vec<StudyRecord>),
    Retrieved(PathBuf, usize),
    Stored(String),
    Failed(String),
}

/// The PACS tab's runtime state (not persisted; the node is, in the settings).
#[derive(Default)]
pub struct PacsState {
    /// The studies of the last query.
    pub results: Vec<StudyRecord>,
    /// What the last operation did, or why it failed.
    pub message: Option<Result<String, String>>,
    /// The work running: its label.
    pub busy: Option<String>,
    /// The retrieve's progress.
    pub progress: Option<Progress>,
    cancel: Arc<AtomicBool>,
    rx: Option<Receiver<Event>>,
    /// Where retrieved studies go (`None`: the user's data folder).
    pub download_dir: Option<PathBuf>,
    /// The window's context, to wake it when the worker reports.
    pub ctx: Option<egui::Context>,
    /// The work running is a store asked for by the Export tab.
    storing: bool,
    /// The Export tab's last send: what was sent, or why not.
    pub last_store: Option<Result<String, String>>,
}

/// The folder retrieved studies are written under: `$XDG_DATA_HOME/anchorage/pacs`, else
/// `~/.local/share/anchorage/pacs`.
pub fn default_download_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
    };
    Some(base.join("anchorage").join("pacs"))
}

impl App {
    /// Retrieved studies go under `dir` (tests; the default is the user's data folder).
    pub fn set_pacs_download_dir(&mut self, dir: PathBuf) {
        self.pacs.download_dir = Some(dir);
    }

    /// The studies of the last PACS query.
    pub fn pacs_results(&self) -> &[StudyRecord] {
        &self.pacs.results
    }

    /// Whether PACS work is running.
    pub fn pacs_busy(&self) -> bool {
        self.pacs.busy.is_some()
    }

    /// The PACS tab's last message.
    pub fn pacs_message(&self) -> Option<&Result<String, String>> {
        self.pacs.message.as_ref()
    }

    /// Sends `path` to the node (the Export tab's "Send SR to PACS"); what happens shows in
    /// the Export tab ([`App::pacs_send_line`]).
    pub(crate) fn pacs_store_from_export(&mut self, path: PathBuf) {
        if self.pacs.busy.is_some() {
            self.pacs.last_store = Some(Err(
                "the PACS is busy (see the PACS tab): send again when it is done".into(),
            ));
            return;
        }
        self.handle_pacs(PacsAction::Store(vec![path]));
        if self.pacs.busy.is_some() {
            self.pacs.storing = true;
            self.pacs.last_store = None;
        } else {
            self.pacs.last_store = Some(Err(match &self.pacs.message {
                Some(Err(e)) => format!("{e} (set the node in the PACS tab)"),
                _ => "nothing sent: set the PACS node in the PACS tab".into(),
            }));
        }
    }

    /// The Export tab's line about sending the SR: running, done, or why not.
    pub fn pacs_send_line(&self) -> Option<Result<String, String>> {
        match (&self.pacs.busy, self.pacs.storing) {
            (Some(label), true) => Some(Ok(format!("{label}…"))),
            _ => self.pacs.last_store.clone(),
        }
    }

    fn pacs_config(&mut self) -> Option<PacsConfig> {
        let node = self.pacs_form.node.trim().to_string();
        let aet = match self.pacs_form.our_aet.trim() {
            "" => anchorage_core::pacs::node::DEFAULT_OUR_AET.to_string(),
            a => a.to_string(),
        };
        let cfg = node
            .parse::<PacsNode>()
            .and_then(|n| PacsConfig::new(n, &aet, DEFAULT_TIMEOUT_S));
        match cfg {
            Ok(c) => {
                if self.state.pacs_node != node || self.state.pacs_aet != aet {
                    self.state.pacs_node = node;
                    self.state.pacs_aet = aet;
                    self.save_state();
                }
                Some(c)
            }
            Err(e) => {
                self.pacs.message = Some(Err(e.to_string()));
                None
            }
        }
    }

    pub(crate) fn handle_pacs(&mut self, action: PacsAction) {
        let ctx = self.pacs.ctx.clone();
        if let PacsAction::Cancel = action {
            self.pacs.cancel.store(true, Ordering::Relaxed);
            return;
        }
        if self.pacs.busy.is_some() {
            return;
        }
        let Some(cfg) = self.pacs_config() else {
            return;
        };
        let (tx, rx) = channel();
        self.pacs.cancel = Arc::new(AtomicBool::new(false));
        let cancel = self.pacs.cancel.clone();
        self.pacs.progress = None;
        self.pacs.message = None;
        let repaint = move || {
            if let Some(c) = &ctx {
                c.request_repaint();
            }
        };
        let label;
        match action {
            PacsAction::Cancel => return,
            PacsAction::Store(files) => {
                label = format!("Sending to {}", cfg.peer);
                std::thread::spawn(move || {
                    let e = match store_files(&cfg, &files, &mut |_| {}) {
                        Ok(outcomes) => {
                            let refused: Vec<String> = outcomes
                                .iter()
                                .filter_map(|o| match &o.result {
                                    Ok(s)
                                        if matches!(
                                            s.kind(),
                                            StatusKind::Success | StatusKind::Warning
                                        ) =>
                                    {
                                        None
                                    }
                                    Ok(s) => Some(format!("{}: status {s}", o.path.display())),
                                    Err(e) => Some(format!("{}: {e}", o.path.display())),
                                })
                                .collect();
                            if refused.is_empty() {
                                Event::Stored(format!(
                                    "sent {} file(s) to {}",
                                    outcomes.len(),
                                    cfg.peer
                                ))
                            } else {
                                Event::Failed(format!(
                                    "{} refused: {}",
                                    cfg.peer,
                                    refused.join("; ")
                                ))
                            }
                        }
                        Err(e) => Event::Failed(e.to_string()),
                    };
                    let _ = tx.send(e);
                    repaint();
                });
            }
            PacsAction::Echo => {
                label = format!("C-ECHO {}", cfg.peer);
                std::thread::spawn(move || {
                    let e = match echo(&cfg) {
                        Ok(t) => Event::Echoed(format!(
                            "{} answered C-ECHO in {:.0} ms",
                            cfg.peer,
                            t.as_secs_f64() * 1000.0
                        )),
                        Err(e) => Event::Failed(e.to_string()),
                    };
                    let _ = tx.send(e);
                    repaint();
                });
            }
            PacsAction::Find => {
                let f = &self.pacs_form;
                let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
                let q = FindQuery {
                    patient_id: opt(&f.patient_id),
                    patient_name: opt(&f.patient_name),
                    study_date: opt(&f.study_date),
                    modality: opt(&f.modality),
                };
                label = format!("C-FIND on {}", cfg.peer);
                std::thread::spawn(move || {
                    let e = match find_studies(&cfg, &q) {
                        Ok(v) => Event::Found(v),
                        Err(e) => Event::Failed(e.to_string()),
                    };
                    let _ = tx.send(e);
                    repaint();
                });
            }
            PacsAction::Retrieve(study) => {
                let Some(base) = self.pacs.download_dir.clone().or_else(default_download_dir)
                else {
                    self.pacs.message = Some(Err("no data folder (HOME is not set)".into()));
                    return;
                };
                let out = base.join(&study);
                label = format!("Retrieving from {}", cfg.peer);
                std::thread::spawn(move || {
                    let mut progress = |p: &Progress| {
                        let _ = tx.send(Event::Progress(p.clone()));
                        repaint();
                    };
                    let r = retrieve_study(
                        &cfg,
                        &study,
                        &out,
                        RetrieveMethod::Get,
                        &cancel,
                        &mut progress,
                    );
                    let e = match r {
                        Ok(rep) => Event::Retrieved(out, rep.files.len()),
                        Err(e) => Event::Failed(e.to_string()),
                    };
                    let _ = tx.send(e);
                    repaint();
                });
            }
        }
        self.pacs.busy = Some(label);
        self.pacs.rx = Some(rx);
    }

    /// Takes what the worker reported; returns the actions it leads to (opening a
    /// retrieved study).
    pub(crate) fn poll_pacs(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(rx) = &self.pacs.rx else {
            return out;
        };
        let mut done = false;
        loop {
            match rx.try_recv() {
                Ok(Event::Progress(p)) => self.pacs.progress = Some(p),
                Ok(Event::Echoed(m)) => {
                    self.pacs.message = Some(Ok(m));
                    done = true;
                }
                Ok(Event::Found(v)) => {
                    self.pacs.message = Some(Ok(format!("{} studies found", v.len())));
                    self.pacs.results = v;
                    done = true;
                }
                Ok(Event::Retrieved(dir, n)) => {
                    self.pacs.message = Some(Ok(format!(
                        "retrieved {n} instances into {}",
                        dir.display()
                    )));
                    out.push(Action::Open(dir));
                    done = true;
                }
                Ok(Event::Stored(m)) => {
                    self.pacs.message = Some(Ok(m));
                    done = true;
                }
                Ok(Event::Failed(e)) => {
                    self.pacs.message = Some(Err(e));
                    done = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    done = true;
                    break;
                }
            }
        }
        if done {
            if std::mem::take(&mut self.pacs.storing) {
                self.pacs.last_store = self.pacs.message.clone();
            }
            self.pacs.busy = None;
            self.pacs.rx = None;
            self.pacs.progress = None;
        }
        out
    }

    /// The busy line and its fraction, for the tab.
    pub(crate) fn pacs_busy_line(&self) -> Option<(String, Option<f32>)> {
        let label = self.pacs.busy.as_ref()?;
        Some(match &self.pacs.progress {
            Some(p) => {
                let total = p.total();
                let text = match total {
                    Some(t) => format!("{label}: {} of {t}", p.completed),
                    None => format!("{label}: {}", p.completed),
                };
                let frac = total
                    .filter(|t| *t > 0)
                    .map(|t| p.completed as f32 / t as f32);
                (text, frac)
            }
            None => (label.clone(), None),
        })
    }
}
