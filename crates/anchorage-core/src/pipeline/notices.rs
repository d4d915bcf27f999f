//! What a reader must know about individual ROIs after a session is measured: the ROIs
//! that could not be measured, those measured but left out of every value (with the
//! reason), and the measurements' warnings. `anchorage measure` prints them on stderr and
//! the window lists them under the results; none is ever dropped silently.

use std::fmt;

use crate::protocol::{Measurements, ProtocolResults};
use crate::session::{Roi, RoiKind, Role, Session};

/// What a notice says of its ROI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The ROI could not be measured; it is in no value.
    NotMeasured,
    /// The ROI was measured but no value uses it.
    LeftOut,
    /// The ROI is used; its measurement has something to say (points off the image's
    /// plane, padding excluded, …).
    Warning,
}

/// One notice about one ROI. Its text names the ROI and says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The ROI's id.
    pub roi_id: u64,
    /// What kind of notice.
    pub kind: NoticeKind,
    /// The text, naming the ROI ("ROI 7 (B-HU mid L3): …").
    pub message: String,
}

impl Notice {
    /// Whether the ROI is out of the results (not measured, or left out).
    pub fn is_out(&self) -> bool {
        self.kind != NoticeKind::Warning
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// "B-HU mid L3", "ST-HU L4 R", "Free".
pub fn describe(roi: &Roi) -> String {
    let mut s = roi.role.label().to_string();
    if let Some(l) = roi.level {
        s.push_str(&format!(" {l}"));
    }
    if let Some(side) = roi.side {
        s.push_str(&format!(" {side}"));
    }
    s
}

/// Whether a value of the protocols came from this measurement: an area ROI with a mean,
/// a caliper with a length.
fn has_value(m: &Measurements, roi: &Roi) -> bool {
    m.get(&roi.id).is_some_and(|x| match roi.kind {
        RoiKind::Caliper => x.length_mm.is_some(),
        RoiKind::Ellipse | RoiKind::Trajectory => x.stats.as_ref().and_then(|s| s.mean).is_some(),
    })
}

/// Roles measured once per side.
fn sided(role: Role) -> bool {
    matches!(role, Role::StHu | Role::PedicleSi | Role::PedicleThickness)
}

/// The measured ROIs that no value uses, each with the reason. ROIs that could not be
/// measured are not listed here (their measurement error is their notice), nor free ROIs,
/// which no protocol uses by design.
pub fn left_out(session: &Session, m: &Measurements, results: &ProtocolResults) -> Vec<Notice> {
    let mut used: Vec<u64> = results
        .levels
        .iter()
        .flat_map(|l| l.rois.iter().copied())
        .chain(results.screws.iter().flat_map(|s| s.rois.iter().copied()))
        .collect();
    // The CSF ROI the PBQ used: the latest at the CSF level (it carries no list of ids).
    if results.patient.csf_si.is_some() {
        used.extend(
            session
                .rois
                .iter()
                .filter(|r| {
                    r.role == Role::CsfSi
                        && r.level == Some(results.patient.csf_level)
                        && m.contains_key(&r.id)
                })
                .map(|r| r.id)
                .max(),
        );
    }
    let mut out = Vec::new();
    for roi in &session.rois {
        if roi.role == Role::Free || !m.contains_key(&roi.id) {
            continue;
        }
        let reason = if !has_value(m, roi) {
            Some("no pixel of it could be measured, so it has no value".to_string())
        } else if used.contains(&roi.id) {
            None
        } else {
            Some(why_unused(session, m, roi, results))
        };
        if let Some(reason) = reason {
            out.push(Notice {
                roi_id: roi.id,
                kind: NoticeKind::LeftOut,
                message: format!(
                    "ROI {} ({}) is left out of the results: {reason}",
                    roi.id,
                    describe(roi)
                ),
            });
        }
    }
    out
}

/// Why a measured ROI with a value is in no result.
fn why_unused(session: &Session, m: &Measurements, roi: &Roi, results: &ProtocolResults) -> String {
    let Some(level) = roi.level else {
        return "it has no level".into();
    };
    if sided(roi.role) && roi.side.is_none() {
        return "it has no side".into();
    }
    let newer = session
        .rois
        .iter()
        .filter(|r| {
            r.id > roi.id
                && r.role == roi.role
                && r.level == roi.level
                && (!sided(roi.role) || r.side == roi.side)
                && m.contains_key(&r.id)
        })
        .map(|r| r.id)
        .max();
    if let Some(n) = newer {
        return format!("ROI {n} of the same role, level and side is newer and counts instead");
    }
    match roi.role {
        Role::CsfSi if level != results.patient.csf_level => {
            format!("the session's CSF level is {}", results.patient.csf_level)
        }
        Role::PedicleThickness => match roi.side {
            Some(side) => format!("no screw is planned at {level} {side}"),
            None => "it has no side".into(),
        },
        _ => "no value of the protocols uses it".into(),
    }
}
