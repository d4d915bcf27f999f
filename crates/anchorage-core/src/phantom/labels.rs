//! Tissue labels and the names of levels and sides.
//!
//! A [`Tissue`] is what each voxel of the phantom is made of; its [`Tissue::code`] is
//! what truth volumes store and its [`Tissue::name`] what the ground truth prints.

use serde::{Deserialize, Serialize};

/// A vertebral level of the phantom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// T12 (only its lower part lies in the large preset's field; no ROIs).
    T12,
    /// L1.
    L1,
    /// L2.
    L2,
    /// L3, the reference level of the HU ratio and of the CSF ROI.
    L3,
    /// L4.
    L4,
    /// L5.
    L5,
    /// S1, a simplified sacral body (B-HU only).
    S1,
}

impl Level {
    /// Every level, superior to inferior.
    pub const ALL: [Level; 7] = [
        Level::T12,
        Level::L1,
        Level::L2,
        Level::L3,
        Level::L4,
        Level::L5,
        Level::S1,
    ];
    /// The levels that carry screws and pedicle measurements.
    pub const SCREWED: [Level; 5] = [Level::L1, Level::L2, Level::L3, Level::L4, Level::L5];
    /// The levels whose pedicles enter the PBQ score.
    pub const PBQ: [Level; 4] = [Level::L1, Level::L2, Level::L3, Level::L4];
    /// The levels with B-HU ROIs.
    pub const B_HU: [Level; 6] = [
        Level::L1,
        Level::L2,
        Level::L3,
        Level::L4,
        Level::L5,
        Level::S1,
    ];

    /// The usual name, e.g. `L3`.
    pub fn name(self) -> &'static str {
        match self {
            Level::T12 => "T12",
            Level::L1 => "L1",
            Level::L2 => "L2",
            Level::L3 => "L3",
            Level::L4 => "L4",
            Level::L5 => "L5",
            Level::S1 => "S1",
        }
    }

    fn index(self) -> u8 {
        match self {
            Level::T12 => 0,
            Level::L1 => 1,
            Level::L2 => 2,
            Level::L3 => 3,
            Level::L4 => 4,
            Level::L5 => 5,
            Level::S1 => 6,
        }
    }

    fn from_index(i: u8) -> Option<Level> {
        Level::ALL.get(usize::from(i)).copied()
    }
}

/// The patient's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    /// Patient left (+x).
    #[serde(rename = "L")]
    Left,
    /// Patient right (−x).
    #[serde(rename = "R")]
    Right,
}

impl Side {
    /// Both sides, left first.
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// `L` or `R`.
    pub fn code(self) -> &'static str {
        match self {
            Side::Left => "L",
            Side::Right => "R",
        }
    }

    /// +1 for left (+x), −1 for right.
    pub fn sign(self) -> f64 {
        match self {
            Side::Left => 1.0,
            Side::Right => -1.0,
        }
    }
}

impl From<Level> for crate::session::Level {
    /// The session's level of the same name (the session's list holds every phantom level).
    fn from(l: Level) -> Self {
        use crate::session::Level as S;
        match l {
            Level::T12 => S::T12,
            Level::L1 => S::L1,
            Level::L2 => S::L2,
            Level::L3 => S::L3,
            Level::L4 => S::L4,
            Level::L5 => S::L5,
            Level::S1 => S::S1,
        }
    }
}

impl From<Side> for crate::session::Side {
    /// The session's side.
    fn from(s: Side) -> Self {
        match s {
            Side::Left => crate::session::Side::L,
            Side::Right => crate::session::Side::R,
        }
    }
}

/// A tissue label. Each voxel takes the value of the tissue at its centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tissue {
    /// Outside the body.
    Air,
    /// Subcutaneous fat.
    SubcutaneousFat,
    /// Paraspinal muscle and all other soft tissue inside the fat layer.
    Muscle,
    /// Epidural fat: the spinal canal outside the dural sac.
    EpiduralFat,
    /// Cerebrospinal fluid in the dural sac.
    Csf,
    /// Intervertebral disc.
    Disc,
    /// Cortical bone (shells, endplates, pedicle rims and caps, posterior elements).
    Cortex,
    /// Cancellous bone of a vertebral body.
    BodyCancellous(Level),
    /// Cancellous bone of one pedicle.
    PedicleCancellous(Level, Side),
}

impl Tissue {
    /// The label code stored in truth volumes (stable; documented in docs/phantom.md).
    pub fn code(self) -> u8 {
        match self {
            Tissue::Air => 0,
            Tissue::SubcutaneousFat => 1,
            Tissue::Muscle => 2,
            Tissue::EpiduralFat => 3,
            Tissue::Csf => 4,
            Tissue::Disc => 5,
            Tissue::Cortex => 6,
            Tissue::BodyCancellous(level) => 10 + level.index(),
            Tissue::PedicleCancellous(level, side) => {
                20 + 2 * level.index() + u8::from(side == Side::Right)
            }
        }
    }

    /// The tissue of a label code, if the code is one.
    pub fn from_code(code: u8) -> Option<Tissue> {
        Some(match code {
            0 => Tissue::Air,
            1 => Tissue::SubcutaneousFat,
            2 => Tissue::Muscle,
            3 => Tissue::EpiduralFat,
            4 => Tissue::Csf,
            5 => Tissue::Disc,
            6 => Tissue::Cortex,
            10..=16 => Tissue::BodyCancellous(Level::from_index(code - 10)?),
            20..=33 => {
                let side = if (code - 20).is_multiple_of(2) {
                    Side::Left
                } else {
                    Side::Right
                };
                Tissue::PedicleCancellous(Level::from_index((code - 20) / 2)?, side)
            }
            _ => return None,
        })
    }

    /// A stable snake_case name, e.g. `body_cancellous_L3` or `pedicle_cancellous_L3_L`.
    pub fn name(self) -> String {
        match self {
            Tissue::Air => "air".into(),
            Tissue::SubcutaneousFat => "subcutaneous_fat".into(),
            Tissue::Muscle => "muscle".into(),
            Tissue::EpiduralFat => "epidural_fat".into(),
            Tissue::Csf => "csf".into(),
            Tissue::Disc => "disc".into(),
            Tissue::Cortex => "cortex".into(),
            Tissue::BodyCancellous(l) => format!("body_cancellous_{}", l.name()),
            Tissue::PedicleCancellous(l, s) => {
                format!("pedicle_cancellous_{}_{}", l.name(), s.code())
            }
        }
    }
}

#[cfg(test)]
mod conversion_tests {
    use super::*;

    #[test]
    fn levels_and_sides_convert_to_the_sessions_of_the_same_name() {
        for l in Level::ALL {
            assert_eq!(crate::session::Level::from(l).as_str(), l.name());
        }
        for s in Side::BOTH {
            assert_eq!(crate::session::Side::from(s).as_str(), s.code());
        }
    }
}
