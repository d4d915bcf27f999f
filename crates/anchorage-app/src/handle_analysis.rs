//! The App's side of the Analysis tab: the last analysis of the cohort database (the one
//! the Cohort tab uses), and the handling of [`AnalysisAction`]s — analysing through
//! [`anchorage_core::analysis::analyze`] with the session's risk model, and making the
//! refitted model the session's risk model (written as a model file beside the session,
//! chosen in the session's models: one undo step, as any other model choice). The
//! analysis runs on its own thread (thousands of bootstrap resamples take seconds); the
//! window polls it every frame and stays responsive.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

use anchorage_core::analysis::{AnalysisOptions, AnalysisReport, analyze};
use anchorage_core::cohort::Cohort;
use anchorage_core::models::risk::RiskModel;

use crate::App;
use crate::action::AnalysisAction;

/// The last analysis and what the last operation of the tab did.
#[derive(Debug, Default)]
pub struct AnalysisState {
    /// The last report (kept when a later analysis fails, with the failure beside it).
    pub report: Option<AnalysisReport>,
    /// What the last operation did, or why it failed.
    pub message: Option<Result<String, String>>,
    /// The analysis running on its own thread, if any: its result arrives here.
    running: Option<Receiver<Result<AnalysisReport, String>>>,
}

/// The first `refitted-risk-model[-N].json` free in `folder`.
fn free_model_path(folder: &Path) -> PathBuf {
    let first = folder.join("refitted-risk-model.json");
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| folder.join(format!("refitted-risk-model-{n}.json")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

impl App {
    /// Shows `report` in the Analysis tab as if the cohort had just been analysed (tests;
    /// a report read from `cohort analyze --json`).
    pub fn set_analysis_report(&mut self, report: AnalysisReport) {
        self.analysis = AnalysisState {
            report: Some(report),
            message: None,
            running: None,
        };
    }

    /// The report the Analysis tab shows.
    pub fn analysis_report(&self) -> Option<&AnalysisReport> {
        self.analysis.report.as_ref()
    }

    /// What the Analysis tab's last operation did, or why it failed.
    pub fn analysis_message(&self) -> Option<&Result<String, String>> {
        self.analysis.message.as_ref()
    }

    /// Whether an analysis is running (its thread has not answered yet).
    pub fn analysis_running(&self) -> bool {
        self.analysis.running.is_some()
    }

    /// Takes the running analysis's result when it has arrived (called every frame).
    pub(crate) fn poll_analysis(&mut self) {
        let Some(rx) = &self.analysis.running else {
            return;
        };
        let outcome = match rx.try_recv() {
            Err(TryRecvError::Empty) => return,
            Ok(outcome) => outcome,
            Err(TryRecvError::Disconnected) => {
                Err("the analysis stopped without a result (an internal error)".into())
            }
        };
        self.analysis.running = None;
        self.analysis.message = Some(outcome.map(|report| {
            let done = format!(
                "analysed {} patient(s), {} event(s)",
                report.n_patients, report.n_events
            );
            self.analysis.report = Some(report);
            done
        }));
    }

    pub(crate) fn handle_analysis(&mut self, action: AnalysisAction) {
        if self.analysis.running.is_some() {
            // The button is disabled meanwhile; an action from elsewhere waits its turn.
            return;
        }
        self.analysis.message = Some(match action {
            AnalysisAction::Analyze {
                unit,
                bootstrap,
                seed,
            } => self.analyze_cohort(unit, bootstrap, seed),
            AnalysisAction::UseRefittedModel => self.use_refitted_model(),
        });
    }

    /// Starts the analysis of the cohort database with the session's risk model on its own
    /// thread; what it finds arrives through [`App::poll_analysis`].
    fn analyze_cohort(
        &mut self,
        unit: anchorage_core::analysis::Unit,
        bootstrap: usize,
        seed: u64,
    ) -> Result<String, String> {
        let Some(db) = self.cohort.db.clone() else {
            return Err("no cohort database: set ANCHORAGE_DB".into());
        };
        let derived = self.derived();
        if let Some(why) = &derived.refused {
            return Err(format!("the session's models do not load: {why}"));
        }
        let model = derived.models.risk.clone();
        let model_label = match &self.doc.session.models.risk_model {
            Some(p) => format!("{} ({})", model.info.name, p.display()),
            None => format!("{} (bundled)", model.info.name),
        };
        let opts = AnalysisOptions {
            model,
            model_label,
            unit,
            bootstrap,
            seed,
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("cohort-analysis".into())
            .spawn(move || {
                let outcome = Cohort::open(&db, false)
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| analyze(&mut c, &opts).map_err(|e| e.to_string()));
                // The window may have closed meanwhile: nobody to tell.
                let _ = tx.send(outcome);
            })
            .map_err(|e| format!("cannot start the analysis: {e}"))?;
        self.analysis.running = Some(rx);
        Ok(format!(
            "analysing the cohort ({bootstrap} bootstrap resamples)…"
        ))
    }

    /// Writes the refitted model as a model file beside the session (or in the
    /// configuration folder while the session is not saved) and makes it the session's
    /// risk model. The file is checked by reading it back before the session uses it.
    fn use_refitted_model(&mut self) -> Result<String, String> {
        let Some(refit) = self.analysis.report.as_ref().and_then(|r| r.refit.as_ref()) else {
            return Err("no refitted model: analyse a cohort first".into());
        };
        let text = refit.model_json.clone();
        let model = RiskModel::from_json_str(&text, "the refitted model")
            .map_err(|e| format!("the refitted model is refused: {e}"))?;
        let session_folder = self
            .doc
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let Some(folder) = session_folder.clone().or_else(|| self.config_dir.clone()) else {
            return Err("no folder to write the refitted model to: save the session first".into());
        };
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let path = free_model_path(&folder);
        std::fs::write(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        RiskModel::from_file(&path).map_err(|e| format!("the written model is refused: {e}"))?;
        // Beside the session: a relative path, so the folder can move with its session.
        let chosen = match (&session_folder, path.file_name()) {
            (Some(_), Some(name)) => PathBuf::from(name),
            _ => path.clone(),
        };
        self.change(|doc| doc.session.models.risk_model = Some(chosen));
        Ok(format!(
            "the session now uses the refitted model \"{}\" (cutoff {:.3}), written to {}; \
             undo restores the previous model",
            model.info.name,
            model.cutoff,
            path.display()
        ))
    }
}

impl App {
    /// The figure the Analysis tab shows.
    pub fn analysis_plot(&self) -> crate::analysis_plots::PlotKind {
        self.analysis_form.plot
    }
}
