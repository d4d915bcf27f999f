//! The flags of the protocol results: typed values, each with its stable text.
//!
//! A flag says what a reader of a value must know (interfaces.md: incomplete,
//! extrapolated, negative clearance, fallback level, EMG below 11 mA, grade outside the
//! development cohort). Code decides on the variant ([`Flag::kind`], `matches!`), never
//! on the text; the text ([`fmt::Display`]) is what the per-screw table's `flags` column,
//! the JSON and the window show, and it does not change between versions.

use std::fmt;

use serde::Serialize;

use crate::models::risk::RiskFlag;
use crate::models::stress::StressFlag;
use crate::plan::grade::BreachGrade;
use crate::session::{Level, Role, Side};

/// The class of a flag, as interfaces.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagKind {
    /// A value is missing an input, or comes from fewer inputs than the protocol asks.
    Incomplete,
    /// A model input lies outside the range the model was built on.
    Extrapolated,
    /// The screw is wider than the pedicle.
    NegativeClearance,
    /// A value comes from another level than the protocol's first choice.
    FallbackLevel,
    /// The EMG stimulus threshold suggests a cortical breach.
    EmgBelowThreshold,
    /// A Goutallier grade outside the nomogram's development cohort.
    GradeOutsideCohort,
    /// A model refused its inputs.
    NotComputed,
    /// Two measurements of the same quantity disagree (automatic and caliper pedicle
    /// thickness more than 1 mm apart).
    Disagreement,
    /// The planned screw leaves the bone (Gertzbein–Robbins grade B or worse).
    PlannedBreach,
}

/// What a risk needs and did not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskInputName {
    /// The patient's age.
    Age,
    /// The Goutallier grade.
    Goutallier,
    /// The PBQ score.
    Pbq,
    /// The HU ratio at the reference level.
    HuRatio,
}

impl RiskInputName {
    fn label(self) -> &'static str {
        match self {
            RiskInputName::Age => "age",
            RiskInputName::Goutallier => "Goutallier grade",
            RiskInputName::Pbq => "PBQ",
            RiskInputName::HuRatio => "HU ratio",
        }
    }
}

/// A two-sided value measured on one side only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoSided {
    /// ST-HU (the two screw trajectories of a level).
    StHu,
    /// Pedicle SI (the two MR pedicle ROIs of a level).
    PedicleSi,
}

/// A pedicle missing from the PBQ: one side, or both (`side: None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PbqGap {
    /// The level.
    pub level: Level,
    /// The side missing; `None` when both are.
    pub side: Option<Side>,
}

impl fmt::Display for PbqGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.side {
            Some(s) => write!(f, "{} {s}", self.level),
            None => write!(f, "{} L+R", self.level),
        }
    }
}

/// One flag of a level, screw or patient result.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// B-HU of a level from fewer than three planes (the level's own result).
    BHuPlanesMissing {
        /// The level.
        level: Level,
        /// Planes measured.
        measured: usize,
        /// The plane roles missing.
        missing: Vec<Role>,
    },
    /// The B-HU a screw's ratio uses comes from fewer than three planes.
    BHuFromFewPlanes {
        /// The level the B-HU came from.
        level: Level,
        /// Planes measured.
        planes: usize,
    },
    /// A two-sided value of a level from one side only.
    OneSideOnly {
        /// Which value.
        value: TwoSided,
        /// The level.
        level: Level,
        /// The side that was measured.
        measured: Side,
    },
    /// The patient's HU ratio comes from a reference level other than L3.
    FallbackReferenceLevel {
        /// The reference level used.
        level: Level,
    },
    /// No HU ratio at the reference level.
    NoHuRatioAtReference {
        /// The reference level.
        level: Level,
    },
    /// The CSF ROI is at a level other than L3.
    FallbackCsfLevel {
        /// The CSF level used.
        level: Level,
    },
    /// PBQ computed without some pedicles.
    PbqWithout {
        /// The pedicles missing.
        missing: Vec<PbqGap>,
    },
    /// PBQ not computed: no CSF ROI.
    PbqNeedsCsf {
        /// The CSF level.
        level: Level,
    },
    /// PBQ not computed: no pedicle ROI at L1..L4.
    PbqNeedsPedicle,
    /// The risk model refused its inputs.
    RiskNotComputed {
        /// The model's reason.
        reason: String,
    },
    /// The risk lacks inputs.
    RiskNeeds {
        /// What is missing.
        missing: Vec<RiskInputName>,
    },
    /// A screw without its ST-HU trajectory.
    NoStHu {
        /// The level.
        level: Level,
        /// The side.
        side: Side,
    },
    /// A screw's B-HU comes from the reference level.
    FallbackBHu {
        /// The level the B-HU came from.
        from: Level,
        /// The screw's level.
        level: Level,
    },
    /// No B-HU at the screw's level nor at the reference level.
    NoBHu {
        /// The screw's level.
        level: Level,
        /// The reference level.
        reference: Level,
    },
    /// The screw is wider than the pedicle.
    NegativeClearance {
        /// Screw diameter, mm.
        diameter_mm: f64,
        /// How much wider than the pedicle, mm.
        excess_mm: f64,
    },
    /// A screw without its pedicle thickness caliper.
    NoCaliper {
        /// The level.
        level: Level,
        /// The side.
        side: Side,
    },
    /// The EMG stimulus threshold is below [`crate::protocol::EMG_BREACH_MA`].
    EmgBelowThreshold {
        /// The threshold measured, mA.
        emg_ma: f64,
    },
    /// The stress model refused its inputs.
    StressNotComputed {
        /// The model's reason.
        reason: String,
    },
    /// The automatic pedicle measurement along the screw's plan failed.
    PlanNotMeasured {
        /// Why.
        reason: String,
    },
    /// Automatic (isthmus width) and caliper pedicle thickness differ by more than
    /// [`crate::protocol::plan::THICKNESS_DISAGREEMENT_MM`].
    ThicknessDisagreement {
        /// The caliper's thickness, mm.
        caliper_mm: f64,
        /// The automatic thickness, mm.
        automatic_mm: f64,
    },
    /// The planned screw's surface reaches beyond the outer cortex.
    PlannedBreach {
        /// Its Gertzbein–Robbins grade (B or worse).
        grade: BreachGrade,
        /// How far, mm.
        breach_mm: f64,
    },
    /// A flag of the stress model.
    Stress(StressFlag),
    /// A flag of the risk model.
    Risk(RiskFlag),
}

impl Flag {
    /// The flag's class.
    pub fn kind(&self) -> FlagKind {
        match self {
            Flag::BHuPlanesMissing { .. }
            | Flag::BHuFromFewPlanes { .. }
            | Flag::OneSideOnly { .. }
            | Flag::NoHuRatioAtReference { .. }
            | Flag::PbqWithout { .. }
            | Flag::PbqNeedsCsf { .. }
            | Flag::PbqNeedsPedicle
            | Flag::RiskNeeds { .. }
            | Flag::NoStHu { .. }
            | Flag::NoBHu { .. }
            | Flag::NoCaliper { .. } => FlagKind::Incomplete,
            Flag::FallbackReferenceLevel { .. }
            | Flag::FallbackCsfLevel { .. }
            | Flag::FallbackBHu { .. } => FlagKind::FallbackLevel,
            Flag::NegativeClearance { .. } => FlagKind::NegativeClearance,
            Flag::Stress(StressFlag::NegativeClearance { .. }) => FlagKind::NegativeClearance,
            Flag::EmgBelowThreshold { .. } => FlagKind::EmgBelowThreshold,
            Flag::RiskNotComputed { .. }
            | Flag::StressNotComputed { .. }
            | Flag::PlanNotMeasured { .. } => FlagKind::NotComputed,
            Flag::ThicknessDisagreement { .. } => FlagKind::Disagreement,
            Flag::PlannedBreach { .. } => FlagKind::PlannedBreach,
            Flag::Risk(RiskFlag::Extrapolated { .. }) => FlagKind::Extrapolated,
            Flag::Risk(RiskFlag::GradeOutsideCohort { .. }) => FlagKind::GradeOutsideCohort,
        }
    }
}

/// `items` joined with ", ".
fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::BHuPlanesMissing {
                level,
                measured,
                missing,
            } => {
                let labels: Vec<&str> = missing.iter().map(|r| r.label()).collect();
                write!(
                    f,
                    "incomplete: B-HU {level} from {measured} of 3 planes (missing {})",
                    labels.join(", ")
                )
            }
            Flag::BHuFromFewPlanes { level, planes } => {
                write!(f, "incomplete: B-HU {level} from {planes} of 3 planes")
            }
            Flag::OneSideOnly {
                value,
                level,
                measured,
            } => {
                let what = match value {
                    TwoSided::StHu => "ST-HU",
                    TwoSided::PedicleSi => "pedicle SI",
                };
                write!(
                    f,
                    "incomplete: {what} {level} from one side only ({measured})"
                )
            }
            Flag::FallbackReferenceLevel { level } => write!(
                f,
                "fallback level: patient HU ratio from {level} (L3 not measurable)"
            ),
            Flag::NoHuRatioAtReference { level } => {
                write!(f, "incomplete: no HU ratio at the reference level {level}")
            }
            Flag::FallbackCsfLevel { level } => {
                write!(f, "fallback level: CSF ROI at {level} (L3 CSF affected)")
            }
            Flag::PbqWithout { missing } => {
                write!(f, "incomplete: PBQ without {}", list(missing))
            }
            Flag::PbqNeedsCsf { level } => {
                write!(f, "incomplete: PBQ needs the CSF ROI at {level}")
            }
            Flag::PbqNeedsPedicle => {
                f.write_str("incomplete: PBQ needs at least one pedicle ROI at L1..L4")
            }
            Flag::RiskNotComputed { reason } => write!(f, "risk not computed: {reason}"),
            Flag::RiskNeeds { missing } => {
                let labels: Vec<&str> = missing.iter().map(|n| n.label()).collect();
                write!(f, "incomplete: risk needs {}", labels.join(", "))
            }
            Flag::NoStHu { level, side } => {
                write!(f, "incomplete: no ST-HU trajectory for {level} {side}")
            }
            Flag::FallbackBHu { from, level } => write!(
                f,
                "fallback level: B-HU of {from} used ({level} not measured)"
            ),
            Flag::NoBHu { level, reference } => {
                write!(f, "incomplete: no B-HU at {level} or {reference}")
            }
            Flag::NegativeClearance {
                diameter_mm,
                excess_mm,
            } => write!(
                f,
                "negative clearance: the {diameter_mm:.1} mm screw is {excess_mm:.2} mm wider than the pedicle"
            ),
            Flag::NoCaliper { level, side } => write!(
                f,
                "incomplete: no pedicle thickness caliper for {level} {side}"
            ),
            Flag::EmgBelowThreshold { emg_ma } => write!(
                f,
                "EMG below 11 mA: {emg_ma:.1} mA suggests a cortical breach"
            ),
            Flag::StressNotComputed { reason } => write!(f, "stress not computed: {reason}"),
            Flag::PlanNotMeasured { reason } => {
                write!(f, "plan not measured: {reason}")
            }
            Flag::ThicknessDisagreement {
                caliper_mm,
                automatic_mm,
            } => write!(
                f,
                "thickness disagreement: caliper {caliper_mm:.2} mm, automatic {automatic_mm:.2} mm (over 1 mm apart)"
            ),
            Flag::PlannedBreach { grade, breach_mm } => write!(
                f,
                "planned breach: grade {grade}, the screw reaches {breach_mm:.1} mm beyond the outer cortex"
            ),
            Flag::Stress(s) => s.fmt(f),
            Flag::Risk(r) => r.fmt(f),
        }
    }
}

impl Serialize for Flag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts are the table's stable `flags` column: each variant's text, pinned.
    #[test]
    fn texts_are_stable() {
        let cases: Vec<(Flag, &str)> = vec![
            (
                Flag::BHuPlanesMissing {
                    level: Level::L3,
                    measured: 2,
                    missing: vec![Role::BHuMid],
                },
                "incomplete: B-HU L3 from 2 of 3 planes (missing B-HU mid)",
            ),
            (
                Flag::OneSideOnly {
                    value: TwoSided::PedicleSi,
                    level: Level::L2,
                    measured: Side::R,
                },
                "incomplete: pedicle SI L2 from one side only (R)",
            ),
            (
                Flag::PbqWithout {
                    missing: vec![
                        PbqGap {
                            level: Level::L1,
                            side: Some(Side::L),
                        },
                        PbqGap {
                            level: Level::L4,
                            side: None,
                        },
                    ],
                },
                "incomplete: PBQ without L1 L, L4 L+R",
            ),
            (
                Flag::RiskNeeds {
                    missing: vec![RiskInputName::Age, RiskInputName::Goutallier],
                },
                "incomplete: risk needs age, Goutallier grade",
            ),
            (
                Flag::NegativeClearance {
                    diameter_mm: 7.5,
                    excess_mm: 0.456,
                },
                "negative clearance: the 7.5 mm screw is 0.46 mm wider than the pedicle",
            ),
            (
                Flag::EmgBelowThreshold { emg_ma: 8.04 },
                "EMG below 11 mA: 8.0 mA suggests a cortical breach",
            ),
            (
                Flag::FallbackBHu {
                    from: Level::L3,
                    level: Level::L5,
                },
                "fallback level: B-HU of L3 used (L5 not measured)",
            ),
        ];
        for (flag, text) in cases {
            assert_eq!(flag.to_string(), text);
            assert_eq!(
                serde_json::to_string(&flag).ok(),
                Some(format!("\"{text}\""))
            );
        }
    }

    #[test]
    fn kinds_follow_the_spec_classes() {
        assert_eq!(
            Flag::Stress(StressFlag::NegativeClearance {
                diameter_mm: 7.0,
                pedicle_mm: 6.0
            })
            .kind(),
            FlagKind::NegativeClearance
        );
        assert_eq!(
            Flag::FallbackCsfLevel { level: Level::L2 }.kind(),
            FlagKind::FallbackLevel
        );
        assert_eq!(Flag::PbqNeedsPedicle.kind(), FlagKind::Incomplete);
    }
}
