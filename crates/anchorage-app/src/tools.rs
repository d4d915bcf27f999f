//! ROI tools on the native view: drawing ellipses (corner to corner), trajectories (entry
//! to tip, screw-diameter wide) and line calipers; selecting, moving, resizing and
//! rotating them with handles. While the mouse is down the tool edits a draft, shown and
//! measured live; the document changes once, when the drag ends (one undo step).
//!
//! [`Tools`] is the App's state (the panels read it and change it through actions); an
//! [`Edit`] is the drag in progress, the view's own state, which hands its draft to the App
//! as an [`Action::SetDraft`].
//!
//! The geometry (handles, hit testing, the edits) is the core's [`edit`], in plane
//! millimetres (column × column spacing, row × row spacing), so ellipse axes stay
//! perpendicular on anisotropic pixels; this module converts screen ↔ millimetres at its
//! edge and paints.

use egui::{Pos2, Rect};

use super::action::{Action, CommandId};
use super::commands::menu_item;

use super::view::{Shown, Transform};
use super::widgets::quick_menu;
use anchorage_core::geometry::ImagePlane;
use anchorage_core::measure::RoiTarget;
use anchorage_core::measure::edit;
use anchorage_core::measure::resize::handle_dragged_one_side;
use anchorage_core::session::{Level, Roi, RoiKind, Role, Session, Side};

/// The tool the left mouse button uses on the native view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Select, move and edit.
    Select,
    /// Draw ellipses.
    Ellipse,
    /// Draw trajectories.
    Trajectory,
    /// Draw line calipers.
    Caliper,
}

impl Tool {
    /// The ROI kind the tool draws.
    pub fn kind(self) -> Option<RoiKind> {
        match self {
            Tool::Select => None,
            Tool::Ellipse => Some(RoiKind::Ellipse),
            Tool::Trajectory => Some(RoiKind::Trajectory),
            Tool::Caliper => Some(RoiKind::Caliper),
        }
    }

    /// The command that picks the tool.
    pub fn command(self) -> CommandId {
        match self {
            Tool::Select => CommandId::ToolSelect,
            Tool::Ellipse => CommandId::ToolEllipse,
            Tool::Trajectory => CommandId::ToolTrajectory,
            Tool::Caliper => CommandId::ToolCaliper,
        }
    }
}

type P2 = [f64; 2];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Grab {
    Create,
    Move,
    Handle(usize),
}

#[derive(Debug, Clone)]
struct ToolDrag {
    grab: Grab,
    start: P2,
    start_screen: Pos2,
    original: Roi,
    plane: ImagePlane,
    /// The drag edits the pending proposal, not a stored ROI.
    proposal: bool,
}

/// Tool state: the tool, the labels new ROIs get, the selection, the proposal and the
/// draft.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The current tool.
    pub tool: Tool,
    /// Role of new ellipses.
    pub ellipse_role: Role,
    /// Level of new ROIs.
    pub level: Option<Level>,
    /// Side of new ROIs.
    pub side: Option<Side>,
    /// Width of new trajectories when no screw is planned at their level and side, mm.
    pub default_width_mm: f64,
    /// The selected ROI.
    pub selected: Option<u64>,
    /// The ROI being drawn or edited (id 0 while new), shown instead of the stored one.
    pub draft: Option<Roi>,
    /// Whether the draft is the proposal, its handles being dragged.
    pub draft_is_proposal: bool,
    /// ROIs highlighted because a result came from them.
    pub highlight: Vec<u64>,
    /// A proposed ROI (id 0) waiting for the user: shown and measured, editable with its
    /// handles, stored only when accepted.
    pub proposal: Option<Roi>,
    /// The edit in progress: [`Tools::cancel`] moves it on, so that what a view or panel
    /// did this frame with the edit abandoned is dropped.
    pub edit_id: u64,
}

/// A tool drag in progress on the native view: what was grabbed, and the ROI as dragged so
/// far. The view's own state; the App sees the draft through [`Edit::draft_action`].
#[derive(Debug, Clone, Default)]
pub struct Edit {
    drag: Option<ToolDrag>,
    draft: Option<Roi>,
    /// The tools' `edit_id` when the drag began.
    edit_id: u64,
}

impl Default for Tools {
    fn default() -> Self {
        Tools {
            tool: Tool::Select,
            ellipse_role: Role::Free,
            level: None,
            side: None,
            default_width_mm: 6.5,
            selected: None,
            draft: None,
            draft_is_proposal: false,
            highlight: Vec::new(),
            proposal: None,
            edit_id: 0,
        }
    }
}

/// The handles' size on screen, points, for an ROI whose outline spans `span` points
/// (its bounding box's smaller side): 7 points on a large ROI, down to 3 on a small one.
pub fn handle_px(span: f32) -> f32 {
    (span / 5.0).clamp(3.0, 7.0)
}

/// The screen bounding box of an ROI's outline.
pub fn screen_box(roi: &Roi, plane: &ImagePlane, tf: &Transform) -> Option<Rect> {
    let line = outline(roi, plane, tf);
    let first = *line.first()?;
    Some(line.iter().fold(Rect::from_min_max(first, first), |r, p| {
        r.union(Rect::from_pos(*p))
    }))
}

/// How near a handle a press grabs it, points: a little more than the handle drawn.
fn grab_px(roi: &Roi, plane: &ImagePlane, tf: &Transform) -> f32 {
    let span = screen_box(roi, plane, tf).map_or(40.0, |b| {
        if roi.kind == RoiKind::Caliper {
            b.size().max_elem()
        } else {
            b.size().min_elem()
        }
    });
    handle_px(span) + 1.5
}
const BODY_PX: f32 = 6.0;

/// The outline of an ROI in screen points (closed for areas).
pub(crate) fn outline(roi: &Roi, plane: &ImagePlane, tf: &Transform) -> Vec<Pos2> {
    edit::outline(roi, plane)
        .unwrap_or_default()
        .into_iter()
        .map(|q| tf.mm_to_screen(plane, q))
        .collect()
}

/// Whether the screen point `p` is on an ROI (inside it or near its outline).
fn hits(roi: &Roi, plane: &ImagePlane, tf: &Transform, p: Pos2) -> bool {
    edit::hits(
        roi,
        plane,
        tf.screen_to_mm(plane, p),
        tf.tol_mm(plane, BODY_PX),
    )
}

impl Tools {
    /// The trajectory width for an ROI at this level and side: the planned screw's
    /// diameter, else the default.
    pub fn width_for(&self, session: &Session, level: Option<Level>, side: Option<Side>) -> f64 {
        match (level, side) {
            (Some(l), Some(s)) => session
                .screw(l, s)
                .map(|sc| sc.diameter_mm)
                .filter(|d| d.is_finite() && *d > 0.0)
                .unwrap_or(self.default_width_mm),
            _ => self.default_width_mm,
        }
    }

    /// The ROI as shown: the draft when it is being edited, else the stored one.
    pub fn shown<'a>(&'a self, roi: &'a Roi) -> &'a Roi {
        match &self.draft {
            Some(d) if d.id == roi.id => d,
            _ => roi,
        }
    }

    /// Abandons the drawing or edit in progress (the views drop their [`Edit`]), and any
    /// proposal.
    pub fn cancel(&mut self) {
        self.draft = None;
        self.draft_is_proposal = false;
        self.proposal = None;
        self.edit_id += 1;
    }

    /// The proposal, as shown (the draft while its handles are dragged).
    pub fn shown_proposal(&self) -> Option<&Roi> {
        match &self.draft {
            Some(r) if self.draft_is_proposal => Some(r),
            _ => self.proposal.as_ref(),
        }
    }

    /// The proposal when it lies on slice `vi` of the shown volume.
    pub(crate) fn proposal_on<'a>(&'a self, shown: &Shown, vi: usize) -> Option<&'a Roi> {
        let uid = shown.volume.sop_instance_uids.get(vi)?;
        let frame = shown.volume.frames.get(vi).copied()?;
        self.shown_proposal()
            .filter(|p| &p.sop_instance_uid == uid && p.frame == frame)
    }

    pub(crate) fn slice_rois<'a>(
        shown: &'a Shown,
        vi: usize,
    ) -> impl Iterator<Item = &'a Roi> + 'a {
        let uid = shown
            .volume
            .sop_instance_uids
            .get(vi)
            .cloned()
            .unwrap_or_default();
        let frame = shown.volume.frames.get(vi).copied().unwrap_or(0);
        shown
            .session
            .rois
            .iter()
            .filter(move |r| r.sop_instance_uid == uid && r.frame == frame)
    }

    pub(crate) fn hit(&self, shown: &Shown, vi: usize, tf: &Transform, p: Pos2) -> Option<u64> {
        let plane = shown.volume.planes.get(vi)?;
        let rois: Vec<&Roi> = Self::slice_rois(shown, vi).collect();
        // The selected ROI first, then the topmost (last drawn).
        rois.iter()
            .filter(|r| Some(r.id) == self.selected)
            .chain(rois.iter().rev())
            .find(|r| hits(self.shown(r), plane, tf, p))
            .map(|r| r.id)
    }

    /// Starts `edit`, a drag at screen point `pos` on slice `index`: a handle of the
    /// selected ROI, an ROI's body (Select tool) or a new ROI (drawing tools). Returns
    /// `None` when the drag is not the tool's (it then pans), else what it changes at once
    /// (the ROI grabbed is selected; drawing by hand drops the proposal).
    pub fn begin(
        &self,
        edit: &mut Edit,
        shown: &Shown,
        index: usize,
        tf: &Transform,
        pos: Option<Pos2>,
    ) -> Option<Vec<Action>> {
        let pos = pos?;
        let plane = shown.volume.planes.get(index).copied()?;
        edit.edit_id = self.edit_id;
        let q = tf.screen_to_mm(&plane, pos);
        if let Some(p) = self.proposal_on(shown, index).cloned() {
            let near = edit::handle_at(&p, &plane, q, tf.tol_mm(&plane, grab_px(&p, &plane, tf)));
            let grab = match near {
                Some(k) => Some(Grab::Handle(k)),
                None if hits(&p, &plane, tf, pos) => Some(Grab::Move),
                None => None,
            };
            if let Some(grab) = grab {
                edit.start(grab, q, pos, p, plane);
                if let Some(d) = &mut edit.drag {
                    d.proposal = true;
                }
                return Some(Vec::new());
            }
        }
        let selected = Self::slice_rois(shown, index).find(|r| Some(r.id) == self.selected);
        if let Some(roi) = selected {
            let near = edit::handle_at(roi, &plane, q, tf.tol_mm(&plane, grab_px(roi, &plane, tf)));
            if let Some(k) = near {
                edit.start(Grab::Handle(k), q, pos, roi.clone(), plane);
                return Some(Vec::new());
            }
        }
        if self.tool == Tool::Select {
            let id = self.hit(shown, index, tf, pos)?;
            let roi = shown.session.roi(id)?;
            edit.start(Grab::Move, q, pos, roi.clone(), plane);
            return Some(vec![Action::Select(Some(id))]);
        }
        let kind = self.tool.kind()?;
        let target = RoiTarget::of_slice(&shown.series.uid, shown.volume, index)?;
        let role = Role::for_new(kind, &shown.series.modality, self.ellipse_role);
        let px = edit::mm_to_pixel(&plane, q);
        let mut roi = match kind {
            RoiKind::Ellipse => target.ellipse(role, px, 0.0, 0.0, 0.0),
            RoiKind::Trajectory => target.trajectory(
                role,
                px,
                px,
                self.width_for(shown.session, self.level, self.side),
            ),
            RoiKind::Caliper => target.caliper(role, px, px),
        };
        roi.level = self.level;
        roi.side = self.side;
        edit.start(Grab::Create, q, pos, roi, plane);
        // Drawing by hand replaces a proposal.
        Some(vec![Action::SetProposal {
            roi: None,
            edit_id: self.edit_id,
        }])
    }
}

impl Edit {
    fn start(
        &mut self,
        grab: Grab,
        start: P2,
        start_screen: Pos2,
        original: Roi,
        plane: ImagePlane,
    ) {
        self.draft = Some(original.clone());
        self.drag = Some(ToolDrag {
            grab,
            start,
            start_screen,
            original,
            plane,
            proposal: false,
        });
    }

    /// Follows the mouse during a tool drag. A handle resizes from its side (the opposite
    /// side stays, as in Horos and OHIF); with `symmetric` (Alt held), about the centre.
    pub fn drag(&mut self, tf: &Transform, pos: Pos2, symmetric: bool) {
        let Some(d) = &self.drag else {
            return;
        };
        let plane = d.plane;
        let q = tf.screen_to_mm(&plane, pos);
        let o = &d.original;
        let edited = match d.grab {
            Grab::Create => edit::drawn(o, &plane, d.start, q),
            Grab::Move => edit::moved(o, &plane, [q[0] - d.start[0], q[1] - d.start[1]]),
            Grab::Handle(k) if symmetric => edit::handle_dragged(o, &plane, k, d.start, q),
            Grab::Handle(k) => handle_dragged_one_side(o, &plane, k, d.start, q),
        };
        // An edit the geometry refuses (no direction, odd points) leaves the draft as it
        // was at the last mouse position.
        if let Ok(roi) = edited {
            self.draft = Some(roi);
        }
    }

    /// Ends a tool drag: the ROI to add or update (one undo step), if it changed.
    pub fn end(&mut self, tf: &Transform) -> Vec<Action> {
        let (Some(d), Some(roi)) = (self.drag.take(), self.draft.take()) else {
            return Vec::new();
        };
        if d.proposal {
            // Still a proposal: it becomes an ROI only when accepted.
            return vec![Action::SetProposal {
                roi: Some(roi),
                edit_id: self.edit_id,
            }];
        }
        let end = tf.mm_to_screen(
            &d.plane,
            edit::patient_to_mm(&d.plane, roi.points_mm.last().copied().unwrap_or_default()).0,
        );
        match d.grab {
            // A click without a real drag draws nothing.
            Grab::Create if end.distance(d.start_screen) < 3.0 && roi.kind != RoiKind::Ellipse => {
                Vec::new()
            }
            Grab::Create => {
                let size = outline(&roi, &d.plane, tf);
                let (lo, hi) = size.iter().fold(
                    (Pos2::new(f32::MAX, f32::MAX), Pos2::new(f32::MIN, f32::MIN)),
                    |(lo, hi), p| (lo.min(*p), hi.max(*p)),
                );
                if (hi - lo).min_elem() < 2.0 && roi.kind == RoiKind::Ellipse {
                    Vec::new()
                } else {
                    vec![Action::AddRoi(roi)]
                }
            }
            _ if roi == d.original => Vec::new(),
            _ => vec![Action::UpdateRoi(roi)],
        }
    }

    /// The draft as shown, and whether it is the proposal.
    pub fn shown(&self) -> (Option<&Roi>, bool) {
        (
            self.draft.as_ref(),
            self.drag.as_ref().is_some_and(|d| d.proposal),
        )
    }

    /// The action that shows the draft as it is now.
    pub fn draft_action(&self) -> Action {
        let (roi, proposal) = self.shown();
        Action::SetDraft {
            roi: roi.cloned(),
            proposal,
            edit_id: self.edit_id,
        }
    }

    /// Drops the drag when the tools abandoned its edit (Esc, undo, another tool).
    pub fn follow(&mut self, tools: &Tools) {
        if self.edit_id != tools.edit_id {
            *self = Edit::default();
            self.edit_id = tools.edit_id;
        }
    }
}

impl Tools {
    /// A click on the native view: selects the ROI under the mouse, or nothing.
    pub fn click(
        &self,
        shown: &Shown,
        index: usize,
        tf: &Transform,
        pos: Option<Pos2>,
    ) -> Vec<Action> {
        let vi = if shown.preview.is_some() { 0 } else { index };
        let hit = pos.and_then(|p| self.hit(shown, vi, tf, p));
        let on_proposal = pos.is_some_and(|p| {
            let plane = shown.volume.planes.get(vi);
            self.proposal_on(shown, vi)
                .zip(plane)
                .is_some_and(|(r, plane)| hits(r, plane, tf, p))
        });
        if hit.is_none() && !on_proposal && shown.preview.is_none() {
            let px = pos.map(|p| tf.to_image(p));
            match (self.tool, px) {
                (Tool::Ellipse, Some(px)) => {
                    return vec![Action::ProposeEllipse { slice: vi, px }];
                }
                (Tool::Trajectory, Some(px)) => {
                    return vec![Action::ProposeTrajectory { slice: vi, px }];
                }
                _ => {}
            }
        }
        vec![Action::Select(hit)]
    }

    /// The right-click menu: the selected ROI's quick menu, else tools and windows.
    pub fn context_menu(&self, ui: &mut egui::Ui, session: &Session) -> Vec<Action> {
        if let Some(roi) = self.selected.and_then(|id| session.roi(id)) {
            return quick_menu(ui, roi, session);
        }
        let mut out = Vec::new();
        for id in [
            CommandId::ToolSelect,
            CommandId::ToolEllipse,
            CommandId::ToolTrajectory,
            CommandId::ToolCaliper,
            CommandId::PresetBone,
            CommandId::PresetSoftTissue,
            CommandId::PresetAuto,
            CommandId::ResetView,
        ] {
            if menu_item(ui, id, true) {
                out.push(Action::Run(id));
                ui.close();
            }
        }
        out
    }
}
