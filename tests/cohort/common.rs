//! Helpers shared by the cohort tests: records and per-screw tables with known values.

#![allow(dead_code)]

use anchorage_core::cohort::model::{TABLE_COLUMN_COUNT, table_columns};
use anchorage_core::cohort::{ScrewRecord, SessionRecord, SourceKind};

/// A screw row with the given values (others empty).
pub fn screw(
    patient: &str,
    level: &str,
    side: &str,
    st_hu: Option<f64>,
    age: Option<f64>,
) -> ScrewRecord {
    let mut r = ScrewRecord {
        cells: vec![String::new(); TABLE_COLUMN_COUNT],
    };
    r.set("patient_id", patient.into());
    r.set(
        "study_instance_uid",
        format!("1.2.826.0.1.{}", patient.len()),
    );
    r.set("level", level.into());
    r.set("side", side.into());
    if let Some(v) = st_hu {
        r.set("st_hu", format!("{v:.2}"));
    }
    r.set("b_hu", "150.00".into());
    r.set("pedicle_thickness_mm", "8.000".into());
    r.set("pbq", "2.5000".into());
    r.set("patient_hu_ratio", "1.5000".into());
    if let Some(a) = age {
        r.set("age", format!("{a:.1}"));
    }
    r.set("goutallier", "2".into());
    r.set("risk", "0.3000".into());
    r.set("high_risk", "false".into());
    r
}

/// A session of four complete screws (L4/L5, L/R) whose ST-HU starts at `st_hu`.
pub fn record(patient: &str, rater: &str, path: &str, hash: &str, st_hu: f64) -> SessionRecord {
    let mut screws = Vec::new();
    for (k, (level, side)) in [("L4", "L"), ("L4", "R"), ("L5", "L"), ("L5", "R")]
        .into_iter()
        .enumerate()
    {
        screws.push(screw(
            patient,
            level,
            side,
            Some(st_hu + k as f64),
            Some(60.0),
        ));
    }
    SessionRecord {
        patient_id: patient.into(),
        pseudonymised: false,
        study_uid: format!("1.2.826.0.1.{}", patient.len()),
        rater: rater.into(),
        path: path.into(),
        content_hash: hash.into(),
        software_version: "anchorage test".into(),
        models: "test models".into(),
        source: SourceKind::Table,
        screws,
    }
}

/// A per-screw table CSV (the columns `anchorage measure` writes) of a record.
pub fn table_csv(r: &SessionRecord) -> String {
    let mut out = table_columns().collect::<Vec<_>>().join(",") + "\n";
    for s in &r.screws {
        out.push_str(&s.cells.join(","));
        out.push('\n');
    }
    out
}
