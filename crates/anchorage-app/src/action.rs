//! What a panel can ask of the App, and every type such a request carries: the
//! [`Action`]s the panels return, the [`CommandId`]s of the command table, the checklist's
//! [`Item`] and the [`ExportKind`]. Panels import this module (never each other); the App
//! handles each action in one place (`App::handle`).

use std::path::PathBuf;

use anchorage_core::display::render::WindowLevel;
use anchorage_core::session::{
    Level, ModelChoice, PatientInputs, ProtocolChoices, Roi, Role, Screw, Session, Side,
};

/// A command without arguments: something in a menu, on a key, or both. Its label,
/// tooltip and keys are in the command table ([`crate::commands::COMMANDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandId {
    /// Choose a study folder to open.
    OpenFolder,
    /// Choose a DICOMDIR, a DICOM file or a session file to open.
    OpenFile,
    /// Type the path of a folder, DICOMDIR, DICOM file or session to open.
    OpenPath,
    /// Undo the last change to the measurements.
    Undo,
    /// Redo what was undone.
    Redo,
    /// Delete the selected ROI.
    Delete,
    /// Previous slice of the active view.
    PrevSlice,
    /// Next slice of the active view.
    NextSlice,
    /// Ten slices back.
    PageBack,
    /// Ten slices on.
    PageOn,
    /// First slice.
    FirstSlice,
    /// Last slice.
    LastSlice,
    /// Zoom in on the active view.
    ZoomIn,
    /// Zoom out of the active view.
    ZoomOut,
    /// Fit every view and restore the series' default window.
    ResetView,
    /// CT bone window.
    PresetBone,
    /// CT soft-tissue window.
    PresetSoftTissue,
    /// Header window, or the histogram when there is none.
    PresetAuto,
    /// 1st–99th percentile window.
    PresetHistogram,
    /// Show or hide the two reformatted views.
    ToggleReformats,
    /// Select, move and edit ROIs.
    ToolSelect,
    /// Draw an ellipse.
    ToolEllipse,
    /// Draw a screw trajectory.
    ToolTrajectory,
    /// Draw a line caliper.
    ToolCaliper,
    /// Stop the current drawing, close menus.
    Escape,
    /// Show or hide the controls.
    ToggleHelp,
    /// Stop loading the series.
    CancelLoad,
    /// Keep the proposed ROI (it becomes a measurement).
    AcceptProposal,
}

/// One ROI the protocols ask for: an entry of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// What it measures.
    pub role: Role,
    /// Its level.
    pub level: Level,
    /// Its side, where the role has one.
    pub side: Option<Side>,
}

impl Item {
    /// "B-HU mid L3", "ST-HU L4 R".
    pub fn label(&self) -> String {
        match self.side {
            Some(s) => format!("{} {} {s}", self.role.label(), self.level),
            None => format!("{} {}", self.role.label(), self.level),
        }
    }

    /// The id of the latest ROI of the session that fulfils the item, if any.
    pub fn done_by(&self, session: &Session) -> Option<u64> {
        session
            .rois
            .iter()
            .filter(|r| r.role == self.role && r.level == Some(self.level))
            .filter(|r| self.side.is_none() || r.side == self.side)
            .map(|r| r.id)
            .max()
    }
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// The per-screw table as CSV.
    Csv,
    /// The per-screw table, levels, patient and models as JSON.
    Json,
    /// The shown slice with its ROIs as PNG.
    Png,
    /// The session file.
    Session,
    /// The measurements as a DICOM SR (TID 1500), as `anchorage sr` writes it.
    Sr,
    /// The planning report as PDF, as `anchorage report` writes it.
    Report,
}

impl ExportKind {
    /// The file name for a patient.
    pub fn file_name(self, patient: &str) -> String {
        let stem: String = if patient.is_empty() {
            "anchorage".into()
        } else {
            patient
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        match self {
            ExportKind::Csv => format!("{stem}-screws.csv"),
            ExportKind::Json => format!("{stem}-screws.json"),
            ExportKind::Png => format!("{stem}-view.png"),
            ExportKind::Session => format!("{stem}-session.json"),
            ExportKind::Sr => format!("{stem}-report.dcm"),
            ExportKind::Report => format!("{stem}-planning-report.pdf"),
        }
    }
}

/// What a panel asks the App to do. Panels return these; the App handles them in one place.
#[must_use]
#[derive(Debug, Clone)]
pub enum Action {
    /// Run a command of the table.
    Run(CommandId),
    /// Open a study folder, DICOMDIR, DICOM file or session file.
    Open(PathBuf),
    /// Show series `index` of the study.
    SelectSeries(usize),
    /// Set the window of the shown series.
    SetWindow(WindowLevel),
    /// Select an ROI (or none).
    Select(Option<u64>),
    /// Go to the slice of an ROI and select it.
    GoTo(u64),
    /// Add a new ROI (one undo step).
    AddRoi(Roi),
    /// Replace the ROI with the same id (one undo step).
    UpdateRoi(Roi),
    /// Delete an ROI (one undo step).
    DeleteRoi(u64),
    /// Show `roi` instead of the stored ROI with its id (id 0: a new ROI) while it is being
    /// drawn or edited; `None` when the edit is over. The document does not change.
    SetDraft {
        /// The ROI as edited so far.
        roi: Option<Roi>,
        /// Whether it is the proposal, its handles being dragged.
        proposal: bool,
        /// The edit it belongs to (`Tools::edit_id`): dropped when that edit was abandoned.
        edit_id: u64,
    },
    /// Replace the pending proposal (its handles were dragged), or drop it (`None`).
    SetProposal {
        /// The new proposal.
        roi: Option<Roi>,
        /// The edit it belongs to (`Tools::edit_id`): dropped when that edit was abandoned.
        edit_id: u64,
    },
    /// Set what new ROIs get: the role of new ellipses, the level and side, and the width
    /// of new trajectories when no screw is planned at their level and side.
    SetNewRois {
        /// Role of new ellipses.
        ellipse_role: Role,
        /// Level of new ROIs.
        level: Option<Level>,
        /// Side of new ROIs.
        side: Option<Side>,
        /// Default trajectory width, mm.
        default_width_mm: f64,
    },
    /// Show (`true`) or hide the controls overlay.
    ShowHelp(bool),
    /// Forget the error message at this index.
    DismissError(usize),
    /// Set the patient inputs of the risk model (one undo step).
    SetPatient(PatientInputs),
    /// Set the planned screws (one undo step).
    SetScrews(Vec<Screw>),
    /// Set the fallback levels (one undo step).
    SetChoices(ProtocolChoices),
    /// Set the model choices and parameters (one undo step).
    SetModels(ModelChoice),
    /// Work on a checklist item: set the tool, role, level and side, show its series.
    Choose(Item),
    /// Highlight the ROIs a value came from and go to the first.
    Trace(Vec<u64>),
    /// Write an export to `folder` (`None`: there is none to write to), pseudonymised with
    /// `key` when there is one.
    Export {
        /// What to write.
        kind: ExportKind,
        /// The folder to write to.
        folder: Option<PathBuf>,
        /// The project key of the pseudonymisation, if pseudonymised.
        key: Option<String>,
    },
    /// Write the session's DICOM SR to `folder` (as [`ExportKind::Sr`]) and send it to the
    /// PACS node of the PACS tab.
    SendSr {
        /// The folder to write to.
        folder: Option<PathBuf>,
        /// The project key of the pseudonymisation, if pseudonymised.
        key: Option<String>,
    },
    /// Propose the largest ellipse inside the bone around pixel `px` (column, row) of
    /// slice `slice` of the shown series.
    ProposeEllipse {
        /// Slice index in the shown volume.
        slice: usize,
        /// The click, pixels (column, row).
        px: (f64, f64),
    },
    /// Propose the trajectory from the pedicle caliper on slice `slice` nearest `px`.
    ProposeTrajectory {
        /// Slice index in the shown volume.
        slice: usize,
        /// The click, pixels (column, row).
        px: (f64, f64),
    },
    /// Propose the trajectory from this caliper ROI.
    ProposeFromCaliper(u64),
    /// Restore the measurements offered back (`true`) or leave them (`false`).
    Recover(bool),
    /// Look for the session's missing series under this folder.
    Relocate(PathBuf),
    /// Close the typed-path window without opening anything.
    CloseOpenPrompt,
    /// Something for the cohort database.
    Cohort(CohortAction),
    /// Something for the Analysis tab: analyse the cohort, or use the refitted model.
    Analysis(AnalysisAction),
    /// Something for the PACS tab.
    Pacs(PacsAction),
    /// Show the screw planning view on the screw at this level and side, or close it
    /// (`None`).
    PlanScrew(Option<(Level, Side)>),
    /// Make a plan for the screw at this level and side from its ST-HU trajectory or
    /// caliper (the core's `propose_plan`; one undo step).
    MakePlan(Level, Side),
    /// Keep these screw sizes for the planning view (the workstation's settings).
    SetScrewTemplates(crate::state::ScrewTemplates),
    /// Something for the vertebral levels or the protocol proposed from them.
    Levels(LevelsAction),
}

/// What the levels panel and the views' menus ask of the App: the vertebral levels found
/// by the core ([`anchorage_core::levels`]) and the whole protocol proposed from them.
#[derive(Debug, Clone, PartialEq)]
pub enum LevelsAction {
    /// Find the levels of the shown series (again).
    Find,
    /// The levels found on a series (by the App's levels thread): stored in the session.
    Found(Box<anchorage_core::levels::Levels>),
    /// The body containing `point_mm` is `level`: relabel the bodies of every series of
    /// the frame of reference of series `series_uid` from it (one undo step).
    Confirm {
        /// The series the body was clicked on.
        series_uid: String,
        /// The click, patient mm (LPS).
        point_mm: anchorage_core::geometry::Vec3,
        /// The level the user says it is.
        level: Level,
    },
    /// Show the middle of body `index` of the shown series' levels.
    GoToBody(usize),
    /// Propose every ROI of the protocol from the levels.
    Propose,
    /// Show proposal `index` of the proposed protocol (it becomes the proposal Enter
    /// accepts).
    Show(usize),
    /// Accept every waiting proposal that passes the core's checks (one undo step).
    AcceptAllPassing,
    /// Drop the proposed protocol (nothing accepted is undone).
    Close,
}

/// What the PACS tab asks of the App (the node and query are in its form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacsAction {
    /// C-ECHO the node.
    Echo,
    /// C-FIND with the form's query.
    Find,
    /// Retrieve the study with this StudyInstanceUID and open it.
    Retrieve(String),
    /// Cancel the retrieve running.
    Cancel,
    /// C-STORE these files to the node (the Export tab's "Send SR to PACS").
    Store(Vec<PathBuf>),
}

/// What the Cohort tab asks of the cohort database.
#[derive(Debug, Clone)]
pub enum CohortAction {
    /// Read the status again.
    Refresh,
    /// Recompute the open (saved) session and add it, by this rater.
    AddOpenSession {
        /// The rater.
        rater: String,
    },
    /// Store an outcome.
    SetOutcome(anchorage_core::cohort::Outcome),
}

/// What the Analysis tab asks of the App.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisAction {
    /// Analyse the cohort database with the session's risk model.
    Analyze {
        /// Patient or screw rows.
        unit: anchorage_core::analysis::Unit,
        /// Bootstrap resamples of the optimism correction (0: none).
        bootstrap: usize,
        /// Seed of the resampling.
        seed: u64,
    },
    /// Make the last analysis's refitted model the session's risk model (one undo step).
    UseRefittedModel,
}
