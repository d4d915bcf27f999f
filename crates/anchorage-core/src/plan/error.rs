//! Why a plan could not be made, sampled or measured ([`PlanError`]).

/// Why a plan could not be made or measured; each names what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The volume cannot be sampled as a regular grid.
    #[error("cannot sample the volume: {0}")]
    Volume(String),
    /// The session has neither a trajectory nor a caliper for this screw.
    #[error("no ST-HU trajectory or pedicle caliper for {level} {side} to plan the screw from")]
    NothingToPlanFrom {
        /// The screw's level.
        level: String,
        /// The screw's side.
        side: String,
    },
    /// An ROI's points cannot give an axis (field `points_mm` of ROI `roi_id`).
    #[error("ROI {roi_id}: its points_mm do not define an axis ({reason})")]
    BadRoi {
        /// The ROI.
        roi_id: u64,
        /// Why.
        reason: String,
    },
    /// The screw has no plan.
    #[error("screw {level} {side} has no plan")]
    NoPlan {
        /// The screw's level.
        level: String,
        /// The screw's side.
        side: String,
    },
    /// The plan's series is not loaded.
    #[error("the plan's series {0} is not loaded")]
    SeriesMissing(String),
    /// No cross-section along the screw is enclosed by cortex (the screw is not in a
    /// pedicle, or the pedicle is not visible).
    #[error("no pedicle cross-section enclosed by cortex along the screw")]
    NoPedicle,
    /// A value given is out of range (names the field).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}
