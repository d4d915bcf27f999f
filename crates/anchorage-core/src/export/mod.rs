//! The per-screw table of interfaces.md, as CSV and JSON. One row per screw; the required
//! columns come first, in order; an unmeasured value is an empty cell (null in JSON),
//! never 0 or NaN; `flags` joins with `;` everything a reader must know. The same
//! functions serve `anchorage measure` and the workstation's export, so both write the
//! same bytes for the same session. The screw plan's columns ([`PLAN_COLUMNS`]) come
//! last.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::protocol::{Models, ProtocolResults, ScrewResult};
use crate::session::Session;

/// The required columns, in order.
pub const REQUIRED_COLUMNS: [&str; 24] = [
    "patient_id",
    "study_instance_uid",
    "level",
    "side",
    "screw_diameter_mm",
    "screw_length_mm",
    "interference_mm",
    "st_hu",
    "b_hu",
    "b_hu_level",
    "hu_ratio",
    "pedicle_thickness_mm",
    "clearance_mm",
    "psc_mm",
    "pbq",
    "patient_hu_ratio",
    "age",
    "goutallier",
    "sigma_h_mpa",
    "yield_ratio",
    "risk",
    "high_risk",
    "risk_model",
    "flags",
];

/// Columns after the required ones.
pub const EXTRA_COLUMNS: [&str; 7] = [
    "hu_ratio_level",
    "csf_level",
    "emg_threshold_ma",
    "insertion_torque_nm",
    "pressure_mpa",
    "stress_model",
    "rois",
];

/// Columns of the screw's plan, after the extra ones; empty cells for a screw without a
/// plan (or whose plan could not be measured).
pub const PLAN_COLUMNS: [&str; 11] = [
    "isthmus_width_transverse_mm",
    "isthmus_width_craniocaudal_mm",
    "pedicle_thickness_auto_mm",
    "pedicle_thickness_caliper_mm",
    "distance_medial_mm",
    "distance_lateral_mm",
    "distance_cranial_mm",
    "distance_caudal_mm",
    "breach_grade",
    "screw_medial_deg",
    "screw_craniocaudal_deg",
];

/// A cell: a number with its precision, text, or empty.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Unmeasured.
    Empty,
    /// A number written with `decimals` decimals.
    Num(f64, usize),
    /// A whole number.
    Int(i64),
    /// Text.
    Text(String),
    /// true/false.
    Bool(bool),
}

impl Cell {
    fn num(v: Option<f64>, decimals: usize) -> Cell {
        match v {
            Some(x) if x.is_finite() => Cell::Num(x, decimals),
            _ => Cell::Empty,
        }
    }

    fn text(v: Option<String>) -> Cell {
        v.filter(|s| !s.is_empty()).map_or(Cell::Empty, Cell::Text)
    }

    /// The CSV text of the cell.
    pub fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Num(x, d) => {
                let s = format!("{x:.d$}", d = *d);
                if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
                    s.trim_start_matches('-').to_string()
                } else {
                    s
                }
            }
            Cell::Int(i) => i.to_string(),
            Cell::Text(t) => t.clone(),
            Cell::Bool(b) => b.to_string(),
        }
    }

    /// The JSON value of the cell (numbers rounded as in the CSV).
    pub fn json(&self) -> Value {
        match self {
            Cell::Empty => Value::Null,
            Cell::Num(..) => self.csv().parse::<f64>().map_or(Value::Null, |x| json!(x)),
            Cell::Int(i) => json!(i),
            Cell::Text(t) => json!(t),
            Cell::Bool(b) => json!(b),
        }
    }
}

/// The table: column names and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrewTable {
    /// Column names, required ones first.
    pub columns: Vec<&'static str>,
    /// One row per screw.
    pub rows: Vec<Vec<Cell>>,
}

fn screw_row(
    session: &Session,
    results: &ProtocolResults,
    models: &Models,
    s: &ScrewResult,
) -> Vec<Cell> {
    let p = &results.patient;
    // The cell holds each text once (a patient flag is every screw's too).
    let mut flags: Vec<String> = s.flags.iter().map(ToString::to_string).collect();
    for f in &p.flags {
        let text = f.to_string();
        if !flags.contains(&text) {
            flags.push(text);
        }
    }
    let risk_model = p
        .risk
        .as_ref()
        .map(|r| format!("{} {}", r.model.name, r.model.version))
        .unwrap_or_else(|| format!("{} {}", models.risk.info.name, models.risk.info.version));
    let stress_model = format!("{} {}", models.stress.info.name, models.stress.info.version);
    let mut row = vec![
        Cell::text(Some(session.patient_id.clone())),
        Cell::text(Some(session.study_instance_uid.clone())),
        Cell::Text(s.screw.level.to_string()),
        Cell::Text(s.screw.side.to_string()),
        Cell::num(Some(s.screw.diameter_mm), 2),
        Cell::num(Some(s.screw.length_mm), 2),
        Cell::num(Some(s.screw.interference_mm), 2),
        Cell::num(s.st_hu, 2),
        Cell::num(s.b_hu, 2),
        Cell::text(s.b_hu_level.map(|l| l.to_string())),
        Cell::num(s.hu_ratio, 4),
        Cell::num(s.pedicle_thickness_mm, 3),
        Cell::num(s.clearance_mm, 3),
        Cell::num(s.psc_mm, 3),
        Cell::num(p.pbq, 4),
        Cell::num(p.hu_ratio, 4),
        Cell::num(p.age_years, 1),
        p.goutallier.map_or(Cell::Empty, |g| Cell::Int(g as i64)),
        Cell::num(s.stress.as_ref().map(|x| x.sigma_h_mpa), 3),
        Cell::num(s.stress.as_ref().map(|x| x.yield_ratio), 4),
        Cell::num(p.risk.as_ref().map(|r| r.risk), 4),
        p.risk
            .as_ref()
            .map_or(Cell::Empty, |r| Cell::Bool(r.high_risk)),
        Cell::Text(risk_model),
        Cell::text(Some(flags.join(";"))),
        // Extra columns.
        Cell::Text(p.hu_ratio_level.to_string()),
        Cell::Text(p.csf_level.to_string()),
        Cell::num(s.screw.emg_threshold_ma, 1),
        Cell::num(s.screw.insertion_torque_nm, 2),
        Cell::num(s.stress.as_ref().map(|x| x.pressure_mpa), 3),
        Cell::Text(stress_model),
        Cell::text(Some(
            s.rois
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        )),
    ];
    row.extend(plan_cells(s));
    row
}

/// The [`PLAN_COLUMNS`] cells of a screw.
fn plan_cells(s: &ScrewResult) -> Vec<Cell> {
    let (Some(p), Some(plan)) = (&s.pedicle, &s.screw.plan) else {
        return vec![Cell::Empty; PLAN_COLUMNS.len()];
    };
    let angles = plan.angles(s.screw.side);
    vec![
        Cell::num(Some(p.isthmus_width_transverse_mm), 3),
        Cell::num(Some(p.isthmus_width_craniocaudal_mm), 3),
        Cell::num(s.pedicle_thickness_auto_mm, 3),
        Cell::num(s.pedicle_thickness_caliper_mm, 3),
        Cell::num(Some(p.distance_medial_mm), 3),
        Cell::num(Some(p.distance_lateral_mm), 3),
        Cell::num(Some(p.distance_cranial_mm), 3),
        Cell::num(Some(p.distance_caudal_mm), 3),
        Cell::Text(p.breach_grade.to_string()),
        Cell::num(Some(angles.medial_deg), 2),
        Cell::num(Some(angles.craniocaudal_deg), 2),
    ]
}

/// Builds the per-screw table.
pub fn screw_table(session: &Session, results: &ProtocolResults, models: &Models) -> ScrewTable {
    ScrewTable {
        columns: REQUIRED_COLUMNS
            .iter()
            .chain(EXTRA_COLUMNS.iter())
            .chain(PLAN_COLUMNS.iter())
            .copied()
            .collect(),
        rows: results
            .screws
            .iter()
            .map(|s| screw_row(session, results, models, s))
            .collect(),
    }
}

impl ScrewTable {
    /// The table as CSV bytes (RFC 4180 quoting, `\n` line ends).
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(&self.columns)?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv))?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// The rows as JSON objects keyed by column name.
    pub fn rows_json(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|row| {
                let mut m = Map::new();
                for (c, v) in self.columns.iter().zip(row) {
                    m.insert((*c).to_string(), v.json());
                }
                Value::Object(m)
            })
            .collect()
    }
}

/// The JSON export document: the rows, plus the models and their parameters.
#[derive(Debug, Serialize)]
pub struct JsonExport {
    /// Format name.
    pub format: &'static str,
    /// Format version.
    pub version: u32,
    /// The program that wrote it.
    pub generated_by: String,
    /// Column order.
    pub columns: Vec<&'static str>,
    /// One object per screw.
    pub rows: Vec<Value>,
    /// The models, with every parameter used.
    pub models: Value,
    /// Per-level results.
    pub levels: Value,
    /// Patient results.
    pub patient: Value,
}

/// The JSON export as pretty text.
pub fn to_json(table: &ScrewTable, results: &ProtocolResults, models: &Models) -> String {
    let doc = JsonExport {
        format: "anchorage-screw-table",
        version: 1,
        generated_by: format!("anchorage {}", env!("CARGO_PKG_VERSION")),
        columns: table.columns.clone(),
        rows: table.rows_json(),
        models: json!({
            "stress": {
                "info": models.stress.info,
                "modulus_mpa": models.stress.modulus_mpa,
                "poisson": models.stress.poisson,
                "yield_mpa": models.stress.yield_mpa,
                "default_interference_mm": models.stress.default_interference_mm,
                "default_force_n": models.stress.default_force_n,
            },
            "risk": serde_json::from_str::<Value>(&models.risk.to_json_string()).unwrap_or(Value::Null),
        }),
        levels: serde_json::to_value(&results.levels).unwrap_or(Value::Null),
        patient: serde_json::to_value(&results.patient).unwrap_or(Value::Null),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// A stable pseudonym for an identifier: `ANON-` and the first 16 hex digits of
/// HMAC-SHA256(project key, identifier). The same key and identifier always give the
/// same pseudonym; without the key it cannot be reversed or recomputed.
pub fn pseudonym(key: &str, id: &str) -> String {
    format!("ANON-{}", &keyed_hash_hex(key, id)[..16])
}

/// A pseudonymous UID under the `2.25` (UUID-derived) root from a keyed hash of `uid`.
pub fn pseudonym_uid(key: &str, uid: &str) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(b"uid:");
    mac.update(uid.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut n: u128 = 0;
    for b in bytes.iter().take(16) {
        n = (n << 8) | *b as u128;
    }
    format!("2.25.{}", n >> 1)
}

fn keyed_hash_hex(key: &str, id: &str) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return "0".repeat(64);
    };
    mac.update(b"id:");
    mac.update(id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The smallest project key accepted for pseudonymisation, in characters.
pub const MIN_KEY_CHARS: usize = 8;

impl ScrewTable {
    /// Replaces the patient ID with [`pseudonym`] and the StudyInstanceUID with
    /// [`pseudonym_uid`], for study databases that must be de-identified. The table holds
    /// no names or dates of birth.
    pub fn pseudonymize(&mut self, key: &str) -> Result<(), String> {
        if key.chars().count() < MIN_KEY_CHARS {
            return Err(format!(
                "the project key must have at least {MIN_KEY_CHARS} characters"
            ));
        }
        let idx = |name: &str| self.columns.iter().position(|c| *c == name);
        let (Some(pid), Some(study)) = (idx("patient_id"), idx("study_instance_uid")) else {
            return Err("the table has no patient columns".into());
        };
        for row in &mut self.rows {
            if let Some(Cell::Text(t)) = row.get_mut(pid) {
                *t = pseudonym(key, t);
            }
            if let Some(Cell::Text(t)) = row.get_mut(study) {
                *t = pseudonym_uid(key, t);
            }
        }
        Ok(())
    }
}
