//! The example session of the sample phantom: every protocol ROI placed as the protocols
//! say, read from the phantom's ground-truth file (patient coordinates in mm), so that
//! `anchorage measure` on it reproduces the ground truth within noise.
//!
//! It measures B-HU at every level (three planes), ST-HU and pedicle thickness for screws
//! at L3 and L4 on both sides, the PBQ pedicle ROIs at L1–L4 on both sides and the CSF ROI
//! at L3.

use std::path::Path;

use serde_json::Value;

use crate::geometry::Vec3;
use crate::session::{Level, PatientInputs, Roi, RoiKind, Role, Screw, SeriesRef, Session, Side};

/// The screws of the example.
pub const EXAMPLE_SCREWS: [(Level, Side); 4] = [
    (Level::L3, Side::L),
    (Level::L3, Side::R),
    (Level::L4, Side::L),
    (Level::L4, Side::R),
];

/// Why the example could not be built.
#[derive(Debug, thiserror::Error)]
#[error("ground truth {field}: {message}")]
pub struct ExampleError {
    /// The field of the truth file.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

fn err(field: &str, message: &str) -> ExampleError {
    ExampleError {
        field: field.into(),
        message: message.into(),
    }
}

fn vec3(v: &Value, field: &str) -> Result<Vec3, ExampleError> {
    let a = v
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| err(field, "missing"))?;
    match a.as_slice() {
        [x, y, z] => Ok([
            x.as_f64().ok_or_else(|| err(field, "not a number"))?,
            y.as_f64().ok_or_else(|| err(field, "not a number"))?,
            z.as_f64().ok_or_else(|| err(field, "not a number"))?,
        ]),
        _ => Err(err(field, "expected three numbers")),
    }
}

/// An ellipse ROI's three points (centre, first and second semi-axis ends) from its
/// `ellipse_mm` block.
fn ellipse_points(v: &Value) -> Result<Vec<Vec3>, ExampleError> {
    let e = v
        .get("ellipse_mm")
        .ok_or_else(|| err("ellipse_mm", "missing"))?;
    Ok(vec![
        vec3(e, "centre_mm")?,
        vec3(e, "rx_end_mm")?,
        vec3(e, "ry_end_mm")?,
    ])
}

fn s<'a>(v: &'a Value, field: &str) -> Result<&'a str, ExampleError> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| err(field, "missing text"))
}

fn level(v: &Value) -> Result<Level, ExampleError> {
    Level::parse(s(v, "level")?).ok_or_else(|| err("level", "unknown level"))
}

fn side(v: &Value) -> Result<Option<Side>, ExampleError> {
    Ok(match v.get("side").and_then(Value::as_str) {
        Some("L") => Some(Side::L),
        Some("R") => Some(Side::R),
        _ => None,
    })
}

fn sop(v: &Value) -> Result<String, ExampleError> {
    let slice = v.get("slice").ok_or_else(|| err("slice", "missing"))?;
    Ok(s(slice, "sop_instance_uid")?.to_string())
}

fn items<'a>(truth: &'a Value, group: &str, name: &str) -> Result<&'a Vec<Value>, ExampleError> {
    truth
        .get(group)
        .and_then(|g| g.get(name))
        .and_then(Value::as_array)
        .ok_or_else(|| err(&format!("{group}.{name}"), "missing list"))
}

#[allow(clippy::too_many_arguments)]
fn roi(
    kind: RoiKind,
    role: Role,
    level: Level,
    side: Option<Side>,
    series_uid: &str,
    sop: String,
    points_mm: Vec<Vec3>,
    width_mm: Option<f64>,
) -> Roi {
    Roi {
        id: 0,
        kind,
        role,
        level: Some(level),
        side,
        series_uid: series_uid.to_string(),
        sop_instance_uid: sop,
        frame: 0,
        points_mm,
        width_mm,
        note: String::new(),
    }
}

/// Builds the example session from the phantom's ground truth (the JSON document).
/// Series paths are `ct` and `mr`, relative to the folder holding the truth file.
pub fn example_session(truth: &Value) -> Result<Session, ExampleError> {
    let ct_uid = truth
        .get("ct")
        .map(|c| s(c, "series_instance_uid"))
        .transpose()?
        .ok_or_else(|| err("ct", "missing"))?
        .to_string();
    let mr_uid = truth
        .get("mr")
        .map(|c| s(c, "series_instance_uid"))
        .transpose()?
        .ok_or_else(|| err("mr", "missing"))?
        .to_string();
    let patient_id = truth
        .get("patient")
        .and_then(|p| p.get("id").or_else(|| p.get("patient_id")))
        .and_then(Value::as_str)
        .unwrap_or("ANCH-0001")
        .to_string();
    let study_uid = truth
        .get("study")
        .and_then(|p| p.get("study_instance_uid"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut session = Session {
        patient_id,
        study_instance_uid: study_uid,
        series: vec![
            SeriesRef {
                path: "ct".into(),
                series_instance_uid: ct_uid.clone(),
                modality: "CT".into(),
                description: truth["ct"]["series_description"]
                    .as_str()
                    .unwrap_or("CT")
                    .into(),
            },
            SeriesRef {
                path: "mr".into(),
                series_instance_uid: mr_uid.clone(),
                modality: "MR".into(),
                description: truth["mr"]["series_description"]
                    .as_str()
                    .unwrap_or("MR")
                    .into(),
            },
        ],
        patient: PatientInputs {
            age_years: Some(62.0),
            goutallier: Some(2),
        },
        ..Session::default()
    };
    for b in items(truth, "ct_rois", "b_hu")? {
        let role = match s(b, "plane")? {
            "superior" => Role::BHuSuperior,
            "mid" => Role::BHuMid,
            "inferior" => Role::BHuInferior,
            _ => return Err(err("ct_rois.b_hu.plane", "unknown plane")),
        };
        let pts = ellipse_points(b)?;
        session.add_roi(roi(
            RoiKind::Ellipse,
            role,
            level(b)?,
            None,
            &ct_uid,
            sop(b)?,
            pts,
            None,
        ));
    }
    let wanted =
        |l: Level, sd: Option<Side>| sd.is_some_and(|sd| EXAMPLE_SCREWS.contains(&(l, sd)));
    for t in items(truth, "ct_rois", "trajectories")? {
        let (l, sd) = (level(t)?, side(t)?);
        if !wanted(l, sd) {
            continue;
        }
        let m = t
            .get("trajectory_mm")
            .ok_or_else(|| err("trajectory_mm", "missing"))?;
        let pts = vec![vec3(m, "start_mm")?, vec3(m, "end_mm")?];
        let width = m.get("width_mm").and_then(Value::as_f64);
        session.add_roi(roi(
            RoiKind::Trajectory,
            Role::StHu,
            l,
            sd,
            &ct_uid,
            sop(t)?,
            pts,
            width,
        ));
        if let Some(sd) = sd {
            let mut screw = Screw::planned(l, sd);
            if let Some(d) = t.get("screw_diameter_mm").and_then(Value::as_f64) {
                screw.diameter_mm = d;
            }
            session.screws.push(screw);
        }
    }
    for c in items(truth, "ct_rois", "calipers")? {
        let (l, sd) = (level(c)?, side(c)?);
        if !wanted(l, sd) {
            continue;
        }
        let pts = vec![vec3(c, "start_mm")?, vec3(c, "end_mm")?];
        session.add_roi(roi(
            RoiKind::Caliper,
            Role::PedicleThickness,
            l,
            sd,
            &ct_uid,
            sop(c)?,
            pts,
            None,
        ));
    }
    for p in items(truth, "mr_rois", "pedicles")? {
        let pts = ellipse_points(p)?;
        session.add_roi(roi(
            RoiKind::Ellipse,
            Role::PedicleSi,
            level(p)?,
            side(p)?,
            &mr_uid,
            sop(p)?,
            pts,
            None,
        ));
    }
    for c in items(truth, "mr_rois", "csf")? {
        if level(c)? != Level::L3 {
            continue;
        }
        let pts = ellipse_points(c)?;
        session.add_roi(roi(
            RoiKind::Ellipse,
            Role::CsfSi,
            Level::L3,
            None,
            &mr_uid,
            sop(c)?,
            pts,
            None,
        ));
    }
    session.screws.sort_by_key(|s| (s.level, s.side));
    Ok(session)
}

/// Reads `DIR/ground-truth.json` and writes `DIR/example-session.json`.
pub fn write_example_session(dir: &Path) -> Result<std::path::PathBuf, String> {
    let truth_path = dir.join("ground-truth.json");
    let text = std::fs::read_to_string(&truth_path)
        .map_err(|e| format!("cannot read {}: {e}", truth_path.display()))?;
    let truth: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", truth_path.display()))?;
    let session = example_session(&truth).map_err(|e| format!("{e}: {}", truth_path.display()))?;
    let out = dir.join("example-session.json");
    session.save(&out).map_err(|e| e.to_string())?;
    // No backup of a generated file.
    let _ = std::fs::remove_file(crate::session::backup_path(&out));
    Ok(out)
}
