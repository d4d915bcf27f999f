//! Where an ROI lies against the vertebral levels found on its series: the typed problems
//! a B-HU ellipse or an ST-HU trajectory can have (its slice outside its level's body, on
//! a disc, its outline leaving the body's cross-section, a trajectory missing its level's
//! pedicle). [`crate::levels::check`] finds them; they reach the results as
//! [`crate::protocol::Flag::Misplaced`]. Each has a stable text (docs/session.md and the
//! README list them).

use std::fmt;

use serde::Serialize;

use crate::session::Level;

/// What is wrong with where an ROI lies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PlacementProblem {
    /// The ROI's slice lies on the disc between two bodies.
    OnDisc {
        /// The level above the disc.
        upper: Option<Level>,
        /// The level below the disc.
        lower: Option<Level>,
    },
    /// The ROI's slice lies in another level's body.
    WrongLevel {
        /// The level the slice lies in.
        found: Level,
    },
    /// The ROI's slice lies outside every body found (above, below, or a body without
    /// a label).
    OutsideBody,
    /// The outline leaves the body's cross-section.
    OutsideCrossSection,
    /// An ST-HU trajectory that does not pass through its level's pedicle (it does not
    /// run from behind the body's posterior wall into the body, within the body's
    /// height).
    MissesPedicle,
}

impl fmt::Display for PlacementProblem {
    /// The stable text: "on the disc L3/L4", "in L4's body", "outside every vertebral
    /// body", "leaves the body's cross-section", "does not pass through the pedicle".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = |l: Option<Level>| l.map(Level::as_str).unwrap_or("?");
        match self {
            PlacementProblem::OnDisc { upper, lower } => {
                write!(f, "on the disc {}/{}", n(*upper), n(*lower))
            }
            PlacementProblem::WrongLevel { found } => write!(f, "in {found}'s body"),
            PlacementProblem::OutsideBody => f.write_str("outside every vertebral body"),
            PlacementProblem::OutsideCrossSection => f.write_str("leaves the body's cross-section"),
            PlacementProblem::MissesPedicle => f.write_str("does not pass through the pedicle"),
        }
    }
}
