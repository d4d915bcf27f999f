//! The measurement protocols of measurements.md: B-HU, ST-HU, HU ratio (per level, per
//! screw, for the patient), PBQ, pedicle thickness and clearance, and the two models fed
//! with them. Input: the session and the measurement of each of its ROIs; output: the
//! per-level, per-screw and patient results with flags that say exactly what is missing,
//! extrapolated or fallen back on. Nothing here reads files. [`plan`] folds the automatic
//! pedicle measurement of a planned screw into its thickness and flags.

pub mod flags;
pub mod placement;
pub mod plan;

use std::collections::BTreeMap;

use serde::Serialize;

pub use flags::{Flag, FlagKind};
use flags::{PbqGap, RiskInputName, TwoSided};

use crate::measure::RoiMeasurement;
use crate::models::risk::{RiskInput, RiskModel, RiskResult};
use crate::models::stress::{
    StressFlag, StressInput, StressModel, StressOverrides, StressResult, compute,
};
use crate::plan::{PedicleMeasurement, PlanError};
use crate::session::{Level, Roi, Role, Screw, Session, Side};

/// PBQ levels.
pub const PBQ_LEVELS: [Level; 4] = [Level::L1, Level::L2, Level::L3, Level::L4];
/// EMG stimulus thresholds below this suggest a cortical breach (torque paper).
pub const EMG_BREACH_MA: f64 = 11.0;

/// The B-HU plane roles, superior to inferior.
pub const B_HU_PLANES: [Role; 3] = [Role::BHuSuperior, Role::BHuMid, Role::BHuInferior];

/// Per-level results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelResult {
    /// The level.
    pub level: Level,
    /// B-HU: mean of the plane ROI means.
    pub b_hu: Option<f64>,
    /// How many of the three planes were measured.
    pub b_hu_planes: usize,
    /// The B-HU plane ROIs.
    pub b_hu_rois: Vec<u64>,
    /// ST-HU of the left screw path.
    pub st_hu_left: Option<f64>,
    /// ST-HU of the right screw path.
    pub st_hu_right: Option<f64>,
    /// ST-HU(level): mean of left and right.
    pub st_hu: Option<f64>,
    /// ST-HU(level) / B-HU(level).
    pub hu_ratio: Option<f64>,
    /// Left pedicle SI (MR).
    pub pedicle_si_left: Option<f64>,
    /// Right pedicle SI (MR).
    pub pedicle_si_right: Option<f64>,
    /// Segmental SI: mean of left and right pedicle SI.
    pub segmental_si: Option<f64>,
    /// The ROIs each value came from.
    pub rois: Vec<u64>,
    /// What a reader must know.
    pub flags: Vec<Flag>,
}

/// Per-screw results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScrewResult {
    /// The plan.
    pub screw: Screw,
    /// ST-HU of this screw's trajectory.
    pub st_hu: Option<f64>,
    /// B-HU used for this screw's ratio.
    pub b_hu: Option<f64>,
    /// The level that B-HU came from (own level, or the reference level as a fallback).
    pub b_hu_level: Option<Level>,
    /// ST-HU(screw) / B-HU.
    pub hu_ratio: Option<f64>,
    /// Pedicle isthmus thickness, mm: the caliper's when there is one, else the
    /// automatic isthmus width along the screw's plan (the value clearance, p.s.c. and
    /// the stress model use).
    pub pedicle_thickness_mm: Option<f64>,
    /// The caliper's thickness, mm.
    pub pedicle_thickness_caliper_mm: Option<f64>,
    /// The automatic thickness: the transverse isthmus width along the plan, mm.
    pub pedicle_thickness_auto_mm: Option<f64>,
    /// The automatic pedicle measurement along the screw's plan.
    pub pedicle: Option<PedicleMeasurement>,
    /// Thickness − diameter, mm.
    pub clearance_mm: Option<f64>,
    /// Per-side clearance (thickness − diameter) / 2, mm.
    pub psc_mm: Option<f64>,
    /// The stress model's result.
    pub stress: Option<StressResult>,
    /// The ROIs this screw's values came from.
    pub rois: Vec<u64>,
    /// What a reader must know.
    pub flags: Vec<Flag>,
}

/// Patient-level results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientResult {
    /// HU ratio at the reference level.
    pub hu_ratio: Option<f64>,
    /// The reference level used.
    pub hu_ratio_level: Level,
    /// CSF SI.
    pub csf_si: Option<f64>,
    /// CSF level used.
    pub csf_level: Level,
    /// PBQ score.
    pub pbq: Option<f64>,
    /// The levels whose segmental SI entered the PBQ.
    pub pbq_levels: Vec<Level>,
    /// Age, years.
    pub age_years: Option<f64>,
    /// Goutallier grade.
    pub goutallier: Option<u8>,
    /// The risk model's result.
    pub risk: Option<RiskResult>,
    /// What a reader must know.
    pub flags: Vec<Flag>,
}

impl PatientResult {
    /// The risk model's inputs that are missing, in words, in the nomogram's order (empty
    /// when all four are known).
    pub fn missing_risk_inputs(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.age_years.is_none() {
            missing.push("age");
        }
        if self.goutallier.is_none() {
            missing.push("Goutallier grade");
        }
        if self.pbq.is_none() {
            missing.push("PBQ (pedicle and CSF ROIs on MR)");
        }
        if self.hu_ratio.is_none() {
            missing.push("HU ratio (B-HU and ST-HU at the reference level)");
        }
        missing
    }
}

/// Everything the protocols produce for one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolResults {
    /// Levels with any measurement, cranial to caudal.
    pub levels: Vec<LevelResult>,
    /// One per screw, in session order.
    pub screws: Vec<ScrewResult>,
    /// Patient-level values.
    pub patient: PatientResult,
}

/// The models to feed (the bundled ones by default).
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// Stress model.
    pub stress: StressModel,
    /// Risk model.
    pub risk: RiskModel,
}

/// The measurements available to the protocols, by ROI id.
pub type Measurements = BTreeMap<u64, RoiMeasurement>;

/// The latest ROI (highest id) with this role, level and side that has a measurement.
fn latest<'a>(
    session: &'a Session,
    m: &Measurements,
    role: Role,
    level: Level,
    side: Option<Side>,
) -> Option<&'a Roi> {
    session
        .rois
        .iter()
        .filter(|r| {
            r.role == role
                && r.level == Some(level)
                && (side.is_none() || r.side == side)
                && m.contains_key(&r.id)
        })
        .max_by_key(|r| r.id)
}

fn mean_of(m: &Measurements, roi: Option<&Roi>) -> Option<f64> {
    roi.and_then(|r| m.get(&r.id))
        .and_then(|x| x.stats.as_ref())
        .and_then(|s| s.mean)
}

fn avg(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b).filter(|x| x.is_finite()),
        _ => None,
    }
}

/// Computes B-HU for a level: (value, planes measured, ROI ids, flags).
fn b_hu(
    session: &Session,
    m: &Measurements,
    level: Level,
) -> (Option<f64>, usize, Vec<u64>, Vec<Flag>) {
    let mut means = Vec::new();
    let mut ids = Vec::new();
    let mut missing = Vec::new();
    for role in B_HU_PLANES {
        let r = latest(session, m, role, level, None);
        match mean_of(m, r) {
            Some(v) => {
                means.push(v);
                ids.extend(r.map(|r| r.id));
            }
            None => missing.push(role),
        }
    }
    let mut flags = Vec::new();
    if !means.is_empty() && !missing.is_empty() {
        flags.push(Flag::BHuPlanesMissing {
            level,
            measured: means.len(),
            missing,
        });
    }
    (avg(&means), means.len(), ids, flags)
}

/// The automatic pedicle measurement of each planned screw, by the screw's index in
/// `session.screws` (screws without a plan are absent).
pub type PlanMeasurements = BTreeMap<usize, Result<PedicleMeasurement, PlanError>>;

/// Runs every protocol, without automatic pedicle measurements.
pub fn compute_results(session: &Session, m: &Measurements, models: &Models) -> ProtocolResults {
    compute_results_with_plans(session, m, &PlanMeasurements::new(), models)
}

/// Runs every protocol, with the automatic pedicle measurement of each planned screw
/// ([`crate::plan::measure_pedicle`], done by [`crate::pipeline::Pipeline::run`]).
pub fn compute_results_with_plans(
    session: &Session,
    m: &Measurements,
    plans: &PlanMeasurements,
    models: &Models,
) -> ProtocolResults {
    // Levels that have anything measured or planned.
    let mut levels: Vec<Level> = session
        .rois
        .iter()
        .filter(|r| m.contains_key(&r.id))
        .filter_map(|r| r.level)
        .chain(session.screws.iter().map(|s| s.level))
        .collect();
    levels.push(session.choices.reference_level);
    levels.sort();
    levels.dedup();

    let mut level_results: BTreeMap<Level, LevelResult> = BTreeMap::new();
    for &level in &levels {
        let (b, planes, b_hu_rois, mut flags) = b_hu(session, m, level);
        let mut rois = b_hu_rois.clone();
        let st = |side| {
            let r = latest(session, m, Role::StHu, level, Some(side));
            (mean_of(m, r), r.map(|r| r.id))
        };
        let ((stl, stl_id), (str_, str_id)) = (st(Side::L), st(Side::R));
        rois.extend(stl_id);
        rois.extend(str_id);
        let st_vals: Vec<f64> = [stl, str_].into_iter().flatten().collect();
        if st_vals.len() == 1 {
            flags.push(Flag::OneSideOnly {
                value: TwoSided::StHu,
                level,
                measured: if stl.is_some() { Side::L } else { Side::R },
            });
        }
        let si = |side| {
            let r = latest(session, m, Role::PedicleSi, level, Some(side));
            (mean_of(m, r), r.map(|r| r.id))
        };
        let ((sil, sil_id), (sir, sir_id)) = (si(Side::L), si(Side::R));
        rois.extend(sil_id);
        rois.extend(sir_id);
        let si_vals: Vec<f64> = [sil, sir].into_iter().flatten().collect();
        if si_vals.len() == 1 {
            flags.push(Flag::OneSideOnly {
                value: TwoSided::PedicleSi,
                level,
                measured: if sil.is_some() { Side::L } else { Side::R },
            });
        }
        let st_hu = avg(&st_vals);
        level_results.insert(
            level,
            LevelResult {
                level,
                b_hu: b,
                b_hu_planes: planes,
                b_hu_rois,
                st_hu_left: stl,
                st_hu_right: str_,
                st_hu,
                hu_ratio: ratio(st_hu, b),
                pedicle_si_left: sil,
                pedicle_si_right: sir,
                segmental_si: avg(&si_vals),
                rois,
                flags,
            },
        );
    }

    let patient = patient_result(session, m, models, &level_results);
    let screws = session
        .screws
        .iter()
        .enumerate()
        .map(|(i, s)| screw_result(session, m, models, s, plans.get(&i), &level_results))
        .collect();
    ProtocolResults {
        levels: level_results.into_values().collect(),
        screws,
        patient,
    }
}

fn patient_result(
    session: &Session,
    m: &Measurements,
    models: &Models,
    levels: &BTreeMap<Level, LevelResult>,
) -> PatientResult {
    let mut flags = Vec::new();
    let ref_level = session.choices.reference_level;
    if ref_level != Level::L3 {
        flags.push(Flag::FallbackReferenceLevel { level: ref_level });
    }
    let hu_ratio = levels.get(&ref_level).and_then(|l| l.hu_ratio);
    if hu_ratio.is_none() {
        flags.push(Flag::NoHuRatioAtReference { level: ref_level });
    }
    let csf_level = session.choices.csf_level;
    if csf_level != Level::L3 {
        flags.push(Flag::FallbackCsfLevel { level: csf_level });
    }
    let csf_si = mean_of(m, latest(session, m, Role::CsfSi, csf_level, None));
    let mut seg = Vec::new();
    let mut used = Vec::new();
    let mut missing = Vec::new();
    for l in PBQ_LEVELS {
        let lr = levels.get(&l);
        match lr.and_then(|x| x.segmental_si) {
            Some(v) => {
                seg.push(v);
                used.push(l);
                if let Some(x) = lr {
                    if x.pedicle_si_left.is_none() {
                        missing.push(PbqGap {
                            level: l,
                            side: Some(Side::L),
                        });
                    }
                    if x.pedicle_si_right.is_none() {
                        missing.push(PbqGap {
                            level: l,
                            side: Some(Side::R),
                        });
                    }
                }
            }
            None => missing.push(PbqGap {
                level: l,
                side: None,
            }),
        }
    }
    let pbq = ratio(avg(&seg), csf_si);
    if pbq.is_some() && !missing.is_empty() {
        flags.push(Flag::PbqWithout { missing });
    }
    if pbq.is_none() && (!seg.is_empty() || csf_si.is_some()) {
        flags.push(if csf_si.is_none() {
            Flag::PbqNeedsCsf { level: csf_level }
        } else {
            Flag::PbqNeedsPedicle
        });
    }
    let age = session.patient.age_years;
    let grade = session.patient.goutallier;
    let risk = match (age, grade, pbq, hu_ratio) {
        (Some(a), Some(g), Some(p), Some(h)) => {
            match models.risk.evaluate(&RiskInput {
                age_years: a,
                pbq: Some(p),
                hu_ratio: Some(h),
                goutallier: g,
            }) {
                Ok(r) => {
                    flags.extend(r.flags.iter().cloned().map(Flag::Risk));
                    Some(r)
                }
                Err(e) => {
                    flags.push(Flag::RiskNotComputed {
                        reason: e.to_string(),
                    });
                    None
                }
            }
        }
        _ => {
            let mut need = Vec::new();
            if age.is_none() {
                need.push(RiskInputName::Age);
            }
            if grade.is_none() {
                need.push(RiskInputName::Goutallier);
            }
            if pbq.is_none() {
                need.push(RiskInputName::Pbq);
            }
            if hu_ratio.is_none() {
                need.push(RiskInputName::HuRatio);
            }
            flags.push(Flag::RiskNeeds { missing: need });
            None
        }
    };
    PatientResult {
        hu_ratio,
        hu_ratio_level: ref_level,
        csf_si,
        csf_level,
        pbq,
        pbq_levels: used,
        age_years: age,
        goutallier: grade,
        risk,
        flags,
    }
}

fn screw_result(
    session: &Session,
    m: &Measurements,
    models: &Models,
    screw: &Screw,
    plan: Option<&Result<PedicleMeasurement, PlanError>>,
    levels: &BTreeMap<Level, LevelResult>,
) -> ScrewResult {
    let (level, side) = (screw.level, screw.side);
    let mut flags = Vec::new();
    let mut rois = Vec::new();
    let st_roi = latest(session, m, Role::StHu, level, Some(side));
    let st_hu = mean_of(m, st_roi);
    rois.extend(st_roi.map(|r| r.id));
    if st_hu.is_none() {
        flags.push(Flag::NoStHu { level, side });
    }
    let own = levels.get(&level).and_then(|l| l.b_hu);
    let ref_level = session.choices.reference_level;
    let (b, b_level) = match own {
        Some(v) => (Some(v), Some(level)),
        None => match levels.get(&ref_level).and_then(|l| l.b_hu) {
            Some(v) => {
                flags.push(Flag::FallbackBHu {
                    from: ref_level,
                    level,
                });
                (Some(v), Some(ref_level))
            }
            None => {
                flags.push(Flag::NoBHu {
                    level,
                    reference: ref_level,
                });
                (None, None)
            }
        },
    };
    if let Some(l) = b_level.and_then(|l| levels.get(&l))
        && l.b_hu_planes < 3
    {
        flags.push(Flag::BHuFromFewPlanes {
            level: l.level,
            planes: l.b_hu_planes,
        });
    }
    let cal = latest(session, m, Role::PedicleThickness, level, Some(side));
    rois.extend(cal.map(|r| r.id));
    let caliper = cal.and_then(|r| m.get(&r.id)).and_then(|x| x.length_mm);
    let pedicle = plan::automatic(plan, caliper, &mut flags);
    let auto = pedicle.as_ref().map(|p| p.isthmus_width_transverse_mm);
    let thickness = caliper.or(auto);
    let clearance = thickness.map(|t| t - screw.diameter_mm);
    let psc = clearance.map(|c| c / 2.0);
    if let Some(c) = clearance
        && c < 0.0
    {
        flags.push(Flag::NegativeClearance {
            diameter_mm: screw.diameter_mm,
            excess_mm: -c,
        });
    }
    if caliper.is_none() {
        flags.push(Flag::NoCaliper { level, side });
    }
    if let Some(emg) = screw.emg_threshold_ma
        && emg < EMG_BREACH_MA
    {
        flags.push(Flag::EmgBelowThreshold { emg_ma: emg });
    }
    let stress = thickness.and_then(|t| {
        let overrides = StressOverrides {
            modulus_mpa: session.models.modulus_mpa,
            poisson: session.models.poisson,
            yield_mpa: session.models.yield_mpa,
        };
        match compute(
            &models.stress,
            &StressInput {
                diameter_mm: screw.diameter_mm,
                length_mm: screw.length_mm,
                pedicle_mm: t,
                interference_mm: Some(screw.interference_mm),
                force_n: session.models.force_n,
            },
            &overrides,
        ) {
            Ok(r) => {
                // The screw's own negative-clearance flag already says what the
                // stress model's would.
                flags.extend(
                    r.flags
                        .iter()
                        .filter(|f| !matches!(f, StressFlag::NegativeClearance { .. }))
                        .cloned()
                        .map(Flag::Stress),
                );
                Some(r)
            }
            Err(e) => {
                flags.push(Flag::StressNotComputed {
                    reason: e.to_string(),
                });
                None
            }
        }
    });
    ScrewResult {
        screw: screw.clone(),
        st_hu,
        b_hu: b,
        b_hu_level: b_level,
        hu_ratio: ratio(st_hu, b),
        pedicle_thickness_mm: thickness,
        pedicle_thickness_caliper_mm: caliper,
        pedicle_thickness_auto_mm: auto,
        pedicle,
        clearance_mm: clearance,
        psc_mm: psc,
        stress,
        rois,
        flags,
    }
}
