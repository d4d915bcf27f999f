//! The workstation window (egui/eframe): the App holds the document (the session) and the
//! run-time state, lays out the panels, and handles every [`Action`] the panels return in
//! one place ([`App::handle`]). Each panel lives in its own module; the pure core knows
//! nothing of this one.
//!
//! The modules come in three layers, which `tools/module_graph.py` checks (no import
//! cycles; no panel imports another panel or the App; no shared module imports a panel;
//! the script's usage gives the command, with the list of shared modules below):
//! - the App: this file and the `handle*.rs` files (one `impl App`), which may use
//!   everything;
//! - the panels: each draws one part of the window from what it is given and returns
//!   [`Action`]s; it changes nothing else but its own widget state (and the measurement
//!   cache it fills);
//! - the shared modules the panels use: the actions and command table, the tools, the
//!   views' common types, labels, styles and small widgets, the caches, the document and
//!   the run-time state.

#![forbid(unsafe_code)]

// Shared modules.
pub mod action;
pub mod analysis_plots;
pub mod commands;
pub mod derived;
pub mod document;
pub mod labels;
pub mod levels_paint;
pub mod loader;
pub mod measure_cache;
pub mod overlay;
pub mod placement;
pub mod plan_values;
pub mod protocol_queue;
pub mod roi_paint;
pub mod screw_paint;
pub mod state;
pub mod study;
pub mod style;
pub mod tools;
pub mod undo;
pub mod view;
pub mod wheel;
pub mod widgets;

// Panels.
pub mod analysis_view;
pub mod bottom_tab;
pub mod browser;
pub mod checklist;
pub mod cohort_view;
pub mod export;
pub mod levels_panel;
pub mod menus;
pub mod missing;
pub mod pacs_view;
pub mod patient_panel;
pub mod recover;
pub mod results;
pub mod risk_view;
pub mod roi_panel;
pub mod screw_view;
pub mod stress_view;
pub mod viewer;

// The App's handling of actions, by concern.
mod app_access;
mod app_center;
mod app_side;
mod handle;
mod handle_analysis;
mod handle_cohort;
mod handle_export;
mod handle_file;
mod handle_levels;
mod handle_pacs;
mod handle_plan;
mod handle_protocol;
mod handle_roi;
mod handle_view;

pub use bottom_tab::BottomTab;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use action::{Action, Item};
use anchorage_core::session::Session;
use document::Document;
use loader::{Loader, Source};
use measure_cache::Measurements;
use state::AppState;
use study::Study;
use tools::Tools;
use undo::History;
use view::Layout;
use viewer::Viewers;

/// How many changes can be undone.
pub const UNDO_STEPS: usize = 200;

/// How the App is started.
pub struct Options {
    /// Where the persisted state and fallback sessions live; `None` keeps nothing.
    pub config_dir: Option<PathBuf>,
    /// Where DICOM data comes from.
    pub source: Arc<dyn Source>,
    /// What to open (the command line's path); `None` for the last session or the sample.
    pub open: Option<PathBuf>,
    /// Whether to fall back to the last session or the sample when `open` is `None`.
    pub open_last: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_dir: state::config_dir(),
            source: Arc::new(loader::DicomSource),
            open: None,
            open_last: true,
        }
    }
}

/// The workstation.
pub struct App {
    doc: Document,
    history: History<Session>,
    state: AppState,
    config_dir: Option<PathBuf>,
    loader: Loader,
    study: Option<Study>,
    viewers: Viewers,
    tools: Tools,
    measurements: Measurements,
    errors: Vec<String>,
    note: Option<String>,
    show_help: bool,
    reformats: HashMap<usize, bool>,
    next_volume_id: u64,
    generation: u64,
    results: derived::ResultsCache,
    /// The export panel's form.
    export_form: export::ExportForm,
    /// The outcome of the last export: the file written, or why it failed.
    export_last: Option<Result<PathBuf, String>>,
    stress_family: stress_view::Family,
    bottom_tab: BottomTab,
    choice: Option<Item>,
    prefetch_failed: HashSet<usize>,
    /// Whether a mouse button is held (or released) this frame: a drag in progress.
    pointer_held: bool,
    /// The field group the current drag is changing, so the drag is one undo step.
    merge: Option<&'static str>,
    /// Measurements found to offer back, waiting for the user.
    recovery: Option<recover::Pending>,
    /// A scan looking for the session's moved series is under way.
    relocating: bool,
    /// The session's series the study does not hold.
    missing: Vec<missing::MissingSeries>,
    /// The folder typed in the missing-series panel.
    relocate_text: String,
    /// The typed-path window (no file dialog, or a session that did not load).
    open_prompt: Option<browser::OpenPrompt>,
    /// The cohort database, its last status and the Cohort tab's form.
    cohort: handle_cohort::CohortState,
    cohort_form: cohort_view::CohortForm,
    /// The PACS tab: the worker and its results, and the tab's form.
    pacs: handle_pacs::PacsState,
    pacs_form: pacs_view::PacsForm,
    /// The last analysis of the cohort database and the Analysis tab's form.
    analysis: handle_analysis::AnalysisState,
    analysis_form: analysis_view::AnalysisForm,
    /// The screw the planning view shows (`None`: the image views are shown).
    planning: Option<(
        anchorage_core::session::Level,
        anchorage_core::session::Side,
    )>,
    /// The planning view's widget state.
    plan_form: screw_view::PlanForm,
    /// The vertebral levels' thread and the protocol proposed from them.
    levels: handle_levels::LevelsState,
}

impl App {
    /// A new window state; opens `options.open`, else the last session or the sample.
    pub fn new(options: Options) -> App {
        let (state, warning) = match &options.config_dir {
            Some(d) => AppState::load(d),
            None => (AppState::default(), None),
        };
        let tools = Tools {
            default_width_mm: state.screw_diameter_mm,
            ..Tools::default()
        };
        let mut app = App {
            doc: Document::default(),
            history: History::new(UNDO_STEPS),
            tools,
            state,
            config_dir: options.config_dir,
            loader: Loader::new(options.source),
            study: None,
            viewers: Viewers::default(),
            measurements: Measurements::default(),
            errors: warning.into_iter().collect(),
            note: None,
            show_help: false,
            reformats: HashMap::new(),
            next_volume_id: 1,
            generation: 0,
            results: derived::ResultsCache::default(),
            export_form: export::ExportForm::default(),
            export_last: None,
            stress_family: stress_view::Family::default(),
            bottom_tab: BottomTab::Stress,
            choice: None,
            prefetch_failed: HashSet::new(),
            pointer_held: false,
            merge: None,
            recovery: None,
            relocating: false,
            missing: Vec::new(),
            relocate_text: String::new(),
            open_prompt: None,
            cohort: handle_cohort::CohortState::from_environment(),
            cohort_form: cohort_view::CohortForm::default(),
            pacs: handle_pacs::PacsState::default(),
            pacs_form: pacs_view::PacsForm::default(),
            analysis: handle_analysis::AnalysisState::default(),
            analysis_form: analysis_view::AnalysisForm::default(),
            planning: None,
            plan_form: screw_view::PlanForm::default(),
            levels: handle_levels::LevelsState::default(),
        };
        app.pacs_form.node = app.state.pacs_node.clone();
        app.pacs_form.our_aet = app.state.pacs_aet.clone();
        let open = if options.open_last {
            state::startup_path(options.open, &app.state)
        } else {
            options.open
        };
        match open {
            Some(p) => app.handle(Action::Open(p)),
            None if options.open_last => {
                app.note = Some(
                    "No sample-dicom folder found: open a study with File > Open folder.".into(),
                )
            }
            None => {}
        }
        app
    }

    /// Draws the whole window and handles what the user did.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        // Scroll bars that are always there and take their own room: a panel's content
        // is never hidden under a bar, and a user sees at once that a panel scrolls.
        if ctx.global_style().spacing.scroll.floating {
            ctx.all_styles_mut(|s| s.spacing.scroll = egui::style::ScrollStyle::solid());
        }
        self.loader.set_repaint(&ctx);
        self.pointer_held = ctx.input(|i| i.pointer.any_down() || i.pointer.any_released());
        if !self.pointer_held {
            self.merge = None;
        }
        self.poll(&ctx);
        self.pacs.ctx = Some(ctx.clone());
        let mut actions: Vec<Action> = commands::pressed(&ctx)
            .into_iter()
            .map(Action::Run)
            .collect();
        actions.extend(self.poll_pacs());
        let dropped = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .find(|p| !p.as_os_str().is_empty())
        });
        if let Some(p) = dropped {
            actions.push(Action::Open(p));
        }
        let menu = menus::MenuState {
            recent: &self.state.recent,
            can_undo: self.history.can_undo(),
            can_redo: self.history.can_redo(),
            has_selection: self.tools.selected.is_some(),
            loading: self.loader.job().is_some(),
        };
        let window = self.window();
        let preset = self.study.as_ref().and_then(Study::active_preset);
        let tools = &self.tools;
        let planning = self.planning;
        let first_screw = self.doc.session.screws.first().map(|s| (s.level, s.side));
        let modality = self
            .study
            .as_ref()
            .and_then(|s| s.current())
            .map(|s| s.modality.clone());
        egui::Panel::top("menu").show(ui, |ui| {
            actions.extend(menus::menu_bar(ui, &menu));
            ui.horizontal_wrapped(|ui| {
                actions.extend(menus::tool_bar(ui, tools, modality.as_deref()));
                ui.separator();
                actions.extend(menus::window_bar(ui, window, preset));
                ui.separator();
                actions.extend(menus::plan_toggle(ui, planning.is_some(), first_screw));
            });
        });
        let cohort_db = self.cohort.describe();
        let pacs_busy = self.pacs_busy_line();
        let send_line = self.pacs_send_line();
        let status = menus::StatusState {
            progress: self.loader.progress(),
            scanning: self.loader.is_scanning(),
            errors: &self.errors,
            note: self.note.as_deref(),
            session: self.doc.path.as_deref().filter(|p| p.is_file()),
            cohort_db: Some(&cohort_db),
        };
        egui::Panel::bottom("status").show(ui, |ui| actions.extend(menus::status_bar(ui, &status)));
        // Panel sizes follow the window (so 1280 × 800 keeps large views) and then hold:
        // every panel's content scrolls inside it instead of growing it, so the views
        // keep their size when proposals, screws or warnings appear.
        let screen = ctx.content_rect();
        let layout = Layout::for_window(screen.width(), screen.height());
        egui::Panel::left("browser")
            .default_size(layout.left)
            .size_range(160.0..=screen.width() * 0.4)
            .show(ui, |ui| {
                egui::ScrollArea::both()
                    .id_salt("browser_scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        actions.extend(missing::ui(ui, &self.missing, &mut self.relocate_text));
                        actions.extend(browser::ui(
                            ui,
                            self.study.as_ref(),
                            &self.state.recent,
                            self.loader.is_scanning(),
                        ));
                    });
            });
        let derived = self.derived();
        self.measurements.adopt(&self.doc.session, &derived);
        let analysis_shown = analysis_view::AnalysisShown {
            database: &cohort_db,
            report: self.analysis.report.as_ref(),
            message: self.analysis.message.as_ref(),
            running: self.analysis_running(),
            session_model: &derived.models.risk.info.name,
        };
        let highlight = self.tools.highlight.clone();
        let selected = self.study.as_ref().and_then(|s| s.selected);
        let reformats = match (selected, self.study.as_ref().and_then(|s| s.current())) {
            (Some(i), Some(series)) => self.reformats_for(i, series),
            _ => false,
        };
        egui::Panel::bottom("workflow")
            .resizable(true)
            .default_size(layout.bottom)
            .size_range(120.0..=screen.height() * 0.7)
            .show(ui, |ui| {
                // The panel keeps its own size whatever its content (results and tabs
                // scroll): its content is drawn in a child that cannot grow it.
                let full = ui.available_rect_before_wrap();
                let mut inner = ui.new_child(egui::UiBuilder::new().max_rect(full));
                inner.shrink_clip_rect(full);
                inner.columns(2, |cols| {
                    let [left, right] = cols else {
                        return;
                    };
                    left.horizontal(|ui| {
                        ui.strong("Results");
                        ui.label(
                            egui::RichText::new("click a value to see the ROIs it came from")
                                .small()
                                .weak(),
                        );
                    });
                    left.separator();
                    actions.extend(results::ui(left, &self.doc.session, &derived, &highlight));
                    bottom_tab::strip(right, &mut self.bottom_tab);
                    right.separator();
                    let tab_height = right.available_height();
                    let cohort_shown = cohort_view::CohortShown {
                        database: &cohort_db,
                        status: self.cohort.status.as_ref(),
                        sessions: &self.cohort.sessions,
                        message: self.cohort.message.as_ref(),
                        can_add: self.doc.path.as_deref().is_some_and(|p| p.is_file()),
                    };
                    match self.bottom_tab {
                        BottomTab::Stress => actions.extend(stress_view::ui(
                            right,
                            &self.doc.session,
                            &derived,
                            &mut self.stress_family,
                        )),
                        BottomTab::Risk => risk_view::ui(right, &derived),
                        BottomTab::Export => {
                            egui::ScrollArea::both()
                                .id_salt("export_scroll")
                                .max_height(tab_height)
                                .auto_shrink([false, false])
                                .show(right, |ui| {
                                    actions.extend(export::ui(
                                        ui,
                                        &mut self.export_form,
                                        self.export_last.as_ref(),
                                        self.doc.path.as_deref(),
                                        derived.table.rows.len(),
                                        send_line.clone(),
                                    ))
                                });
                        }
                        BottomTab::Cohort => {
                            egui::ScrollArea::both()
                                .id_salt("cohort_scroll")
                                .max_height(tab_height)
                                .auto_shrink([false, false])
                                .show(right, |ui| {
                                    actions.extend(cohort_view::ui(
                                        ui,
                                        &mut self.cohort_form,
                                        &cohort_shown,
                                    ))
                                });
                        }
                        BottomTab::Pacs => {
                            let busy = pacs_busy.as_ref().map(|(t, f)| (t.as_str(), *f));
                            let shown = pacs_view::PacsShown {
                                results: &self.pacs.results,
                                busy,
                                message: self.pacs.message.as_ref(),
                            };
                            egui::ScrollArea::both()
                                .id_salt("pacs_scroll")
                                .max_height(tab_height)
                                .auto_shrink([false, false])
                                .show(right, |ui| {
                                    actions.extend(pacs_view::ui(ui, &mut self.pacs_form, &shown))
                                });
                        }
                        BottomTab::Analysis => actions.extend(analysis_view::tab(
                            right,
                            &mut self.analysis_form,
                            &analysis_shown,
                            tab_height,
                        )),
                    }
                });
                ui.advance_cursor_after_rect(full);
            });
        let current = self.study.as_ref().and_then(|s| {
            let series = s.current()?;
            let (loaded, preview) = match (s.current_volume(), s.current_preview()) {
                (Some(l), _) => (l, None),
                (None, Some(p)) => (&p.loaded, Some(p.slice)),
                _ => return Some((series, None)),
            };
            Some((series, Some((loaded, preview))))
        });
        let proposal_note = self.proposal_note();
        let levels_shown =
            app_side::levels_shown(&self.doc.session, self.study.as_ref(), &self.levels);
        let side = app_side::Side {
            session: &self.doc.session,
            current: current.map(|(s, v)| (s, v.map(|(l, _)| (l.volume.as_ref(), l.id)))),
            tools: &self.tools,
            choice: self.choice.as_ref(),
            levels: levels_shown,
            placement: &derived.placement,
            proposal_note,
        };
        actions.extend(app_side::show(
            ui,
            &layout,
            screen,
            side,
            &mut self.measurements,
        ));
        // A floating window (the analysis detached) is its own layer: drawn before the
        // image area, which needs the whole App.
        let form = &mut self.analysis_form;
        actions.extend(analysis_view::window(&ctx, form, &analysis_shown));
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(egui::Color32::from_gray(8)))
            .show(ui, |ui| {
                actions.extend(self.central_panel(ui, &derived, window, reformats))
            });
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop"),
            ));
            let rect = ctx.content_rect();
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop a study folder, DICOMDIR or session file to open it",
                egui::FontId::proportional(22.0),
                egui::Color32::WHITE,
            );
        }
        actions.extend(menus::help_window(&ctx, self.show_help));
        actions.extend(recover::ui(&ctx, self.recovery.as_ref(), &self.doc.session));
        if let Some(p) = &mut self.open_prompt {
            actions.extend(browser::open_prompt(&ctx, p));
        }
        if !actions.is_empty() {
            // The panels drew before the actions were handled.
            ctx.request_repaint();
        }
        for a in actions {
            self.handle(a);
        }
        self.prefetch();
        self.poll_analysis();
        self.poll_levels();
        if self.is_busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn reformats_for(&self, index: usize, series: &anchorage_core::dicom::series::Series) -> bool {
        self.reformats
            .get(&index)
            .copied()
            .unwrap_or(self.state.show_reformats && series.modality.eq_ignore_ascii_case("CT"))
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        App::ui(self, ui);
    }
}

/// Opens the workstation window on `path`, or on the last session, or on the sample.
///
/// Err: why the window could not be opened (no display, no GL), for the command line to
/// print.
pub fn run_gui(path: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Anchorage")
            .with_inner_size([1500.0, 940.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let open = Options {
        open: path,
        ..Options::default()
    };
    eframe::run_native(
        "Anchorage",
        options,
        Box::new(move |cc| {
            cc.egui_ctx.set_theme(egui::Theme::Dark);
            Ok(Box::new(App::new(open)))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
