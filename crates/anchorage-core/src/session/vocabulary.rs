//! The session's vocabulary: vertebral levels, sides, ROI roles and ROI kinds, with their
//! stable JSON names and the labels the window and the exports show.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A vertebral level, T10..L5, S1, S2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// T10.
    T10,
    /// T11.
    T11,
    /// T12.
    T12,
    /// L1.
    L1,
    /// L2.
    L2,
    /// L3.
    L3,
    /// L4.
    L4,
    /// L5.
    L5,
    /// S1.
    S1,
    /// S2.
    S2,
}

impl Level {
    /// Every level, cranial to caudal.
    pub const ALL: [Level; 10] = [
        Level::T10,
        Level::T11,
        Level::T12,
        Level::L1,
        Level::L2,
        Level::L3,
        Level::L4,
        Level::L5,
        Level::S1,
        Level::S2,
    ];

    /// The level's name ("L3").
    pub fn as_str(self) -> &'static str {
        match self {
            Level::T10 => "T10",
            Level::T11 => "T11",
            Level::T12 => "T12",
            Level::L1 => "L1",
            Level::L2 => "L2",
            Level::L3 => "L3",
            Level::L4 => "L4",
            Level::L5 => "L5",
            Level::S1 => "S1",
            Level::S2 => "S2",
        }
    }

    /// Parses "L3" (case-insensitive).
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Patient side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    /// Patient left.
    L,
    /// Patient right.
    R,
}

impl Side {
    /// "L" or "R".
    pub fn as_str(self) -> &'static str {
        match self {
            Side::L => "L",
            Side::R => "R",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an ROI measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// B-HU ellipse just below the superior endplate.
    BHuSuperior,
    /// B-HU ellipse at mid-vertebra.
    BHuMid,
    /// B-HU ellipse just above the inferior endplate.
    BHuInferior,
    /// ST-HU trajectory along a screw path.
    StHu,
    /// PBQ pedicle ROI (sagittal T1).
    PedicleSi,
    /// PBQ CSF ROI (sagittal T1).
    CsfSi,
    /// Pedicle isthmus caliper.
    PedicleThickness,
    /// Drawn by the user with no protocol role.
    Free,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 8] = [
        Role::BHuSuperior,
        Role::BHuMid,
        Role::BHuInferior,
        Role::StHu,
        Role::PedicleSi,
        Role::CsfSi,
        Role::PedicleThickness,
        Role::Free,
    ];

    /// A short label for the screen.
    pub fn label(self) -> &'static str {
        match self {
            Role::BHuSuperior => "B-HU superior",
            Role::BHuMid => "B-HU mid",
            Role::BHuInferior => "B-HU inferior",
            Role::StHu => "ST-HU",
            Role::PedicleSi => "Pedicle SI",
            Role::CsfSi => "CSF SI",
            Role::PedicleThickness => "Pedicle thickness",
            Role::Free => "Free",
        }
    }

    /// The ROI kind the role is measured with.
    pub fn kind(self) -> Option<RoiKind> {
        match self {
            Role::BHuSuperior
            | Role::BHuMid
            | Role::BHuInferior
            | Role::PedicleSi
            | Role::CsfSi => Some(RoiKind::Ellipse),
            Role::StHu => Some(RoiKind::Trajectory),
            Role::PedicleThickness => Some(RoiKind::Caliper),
            Role::Free => None,
        }
    }

    /// The modality the role's protocol is measured on.
    pub fn modality(self) -> Option<&'static str> {
        match self {
            Role::BHuSuperior
            | Role::BHuMid
            | Role::BHuInferior
            | Role::StHu
            | Role::PedicleThickness => Some("CT"),
            Role::PedicleSi | Role::CsfSi => Some("MR"),
            Role::Free => None,
        }
    }

    /// Whether the role can be measured on a series of `modality` ("CT", "MR"): its
    /// protocol's modality, any modality for a free ROI.
    pub fn fits(self, modality: &str) -> bool {
        self.modality()
            .is_none_or(|want| modality.trim().eq_ignore_ascii_case(want))
    }

    /// Why an ROI of this role cannot be drawn on a series of `modality`, or `None` when
    /// it can: "CSF SI is measured on MR; this series is CT".
    pub fn refusal(self, modality: &str) -> Option<String> {
        let want = self.modality()?;
        if self.fits(modality) {
            return None;
        }
        let have = match modality.trim() {
            "" => "of unknown modality".to_string(),
            m => m.to_string(),
        };
        Some(format!(
            "{} is measured on {want}; this series is {have}",
            self.label()
        ))
    }

    /// The role a new ROI of `kind` drawn on a series of `modality` gets, given the role
    /// chosen for new ellipses: trajectories are ST-HU and calipers pedicle thickness on
    /// CT, free elsewhere; ellipses get the chosen role (which [`Role::refusal`] checks).
    pub fn for_new(kind: RoiKind, modality: &str, ellipse_role: Role) -> Role {
        match kind {
            RoiKind::Ellipse => ellipse_role,
            RoiKind::Trajectory if Role::StHu.fits(modality) => Role::StHu,
            RoiKind::Caliper if Role::PedicleThickness.fits(modality) => Role::PedicleThickness,
            _ => Role::Free,
        }
    }

    /// The roles an ROI of `kind` may have on a series of `modality`.
    pub fn choices(kind: RoiKind, modality: &str) -> Vec<Role> {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| r.kind().is_none_or(|k| k == kind) && r.fits(modality))
            .collect()
    }
}

/// The geometric kind of an ROI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoiKind {
    /// Points: centre, end of the first semi-axis, end of the second semi-axis.
    Ellipse,
    /// Points: entry point, tip; plus `width_mm`.
    Trajectory,
    /// Points: the two endpoints.
    Caliper,
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn roles_fit_their_modality_only() {
        assert!(Role::CsfSi.fits("MR") && !Role::CsfSi.fits("CT"));
        assert!(Role::BHuMid.fits("ct") && !Role::BHuMid.fits("MR"));
        assert!(Role::Free.fits("CT") && Role::Free.fits("US"));
        assert_eq!(
            Role::CsfSi.refusal("CT").as_deref(),
            Some("CSF SI is measured on MR; this series is CT")
        );
        assert_eq!(Role::StHu.refusal("CT"), None);
        assert_eq!(
            Role::choices(RoiKind::Ellipse, "MR"),
            vec![Role::PedicleSi, Role::CsfSi, Role::Free]
        );
        assert_eq!(
            Role::choices(RoiKind::Caliper, "CT"),
            vec![Role::PedicleThickness, Role::Free]
        );
        assert_eq!(
            Role::for_new(RoiKind::Trajectory, "MR", Role::CsfSi),
            Role::Free
        );
        assert_eq!(
            Role::for_new(RoiKind::Caliper, "CT", Role::CsfSi),
            Role::PedicleThickness
        );
    }
}
