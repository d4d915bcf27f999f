//! The session: one serde document that holds everything needed to recompute a patient's
//! measurements — the series used, every ROI in patient coordinates, the screws and their
//! plans, the patient inputs of the risk model, the protocol choices and the model files.
//!
//! Sessions are versioned JSON ([`SESSION_VERSION`]); older versions are migrated on load
//! (see [`migrate`]), never dropped. Writing is atomic (temporary file, then rename) and
//! keeps the previous file as `NAME.bak`. Series paths are stored relative to the session
//! file when they lie beside it, so a study folder can be moved or shared. The format is
//! documented in `docs/session.md`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::vocabulary::{Level, RoiKind, Role, Side};
use crate::geometry::Vec3;
use crate::plan::screw::ScrewPlan;

/// The `format` value every session file carries.
pub const SESSION_FORMAT: &str = "anchorage-session";
/// The current session version.
pub const SESSION_VERSION: u32 = 2;
/// The largest session file that will be read (a guard against reading a huge foreign file).
pub const MAX_SESSION_BYTES: u64 = 64 << 20;

/// One ROI, in patient coordinates, on one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roi {
    /// Unique id within the session.
    pub id: u64,
    /// Geometric kind.
    pub kind: RoiKind,
    /// What it measures.
    pub role: Role,
    /// Vertebral level, where the role has one.
    #[serde(default)]
    pub level: Option<Level>,
    /// Side, where the role has one.
    #[serde(default)]
    pub side: Option<Side>,
    /// SeriesInstanceUID of the series it was drawn on.
    pub series_uid: String,
    /// SOPInstanceUID of the image it was drawn on.
    pub sop_instance_uid: String,
    /// Frame of that image (0 for single-frame images).
    #[serde(default)]
    pub frame: u32,
    /// The defining points in patient coordinates (LPS), mm; see [`RoiKind`].
    pub points_mm: Vec<Vec3>,
    /// Full width of a trajectory, mm.
    #[serde(default)]
    pub width_mm: Option<f64>,
    /// A free note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A series the session uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRef {
    /// Where the series' files are: relative to the session file when beside it.
    pub path: PathBuf,
    /// SeriesInstanceUID.
    pub series_instance_uid: String,
    /// Modality, for display and checks.
    #[serde(default)]
    pub modality: String,
    /// SeriesDescription, for display.
    #[serde(default)]
    pub description: String,
}

/// A planned (or placed) pedicle screw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screw {
    /// Level.
    pub level: Level,
    /// Side.
    pub side: Side,
    /// Diameter, mm.
    pub diameter_mm: f64,
    /// Length, mm.
    pub length_mm: f64,
    /// Interference δB, mm (hole tapped this much under the screw radius).
    #[serde(default = "default_interference")]
    pub interference_mm: f64,
    /// Intraoperative EMG stimulus threshold, mA.
    #[serde(default)]
    pub emg_threshold_ma: Option<f64>,
    /// Insertion torque, N·m.
    #[serde(default)]
    pub insertion_torque_nm: Option<f64>,
    /// The screw planned in 3-D (entry and direction on a CT); version 2, absent in
    /// older sessions and until a plan is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<ScrewPlan>,
}

fn default_interference() -> f64 {
    0.5
}

impl Screw {
    /// A screw planned at `level` and `side` with the usual lumbar size: 6.5 mm × 45 mm,
    /// interference δB 0.5 mm, no intraoperative values yet.
    pub fn planned(level: Level, side: Side) -> Screw {
        Screw {
            level,
            side,
            diameter_mm: 6.5,
            length_mm: 45.0,
            interference_mm: default_interference(),
            emg_threshold_ma: None,
            insertion_torque_nm: None,
            plan: None,
        }
    }
}

/// Patient-level inputs of the risk model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientInputs {
    /// Age, years.
    #[serde(default)]
    pub age_years: Option<f64>,
    /// Goutallier grade of the multifidus (0..4, the worse side).
    #[serde(default)]
    pub goutallier: Option<u8>,
}

/// Choices the user made deliberately (fallback levels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolChoices {
    /// Reference level of the patient HU ratio (L3; L2 or L4 as a fallback).
    pub reference_level: Level,
    /// Level of the CSF ROI (L3; L2 or L4 when L3's CSF is affected).
    pub csf_level: Level,
}

impl Default for ProtocolChoices {
    fn default() -> Self {
        ProtocolChoices {
            reference_level: Level::L3,
            csf_level: Level::L3,
        }
    }
}

/// The model files chosen, and per-session stress parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelChoice {
    /// Stress model file; `None` for the bundled one.
    #[serde(default)]
    pub stress_model: Option<PathBuf>,
    /// Risk model file; `None` for the bundled one.
    #[serde(default)]
    pub risk_model: Option<PathBuf>,
    /// Transverse force for the stress estimate, N.
    #[serde(default)]
    pub force_n: Option<f64>,
    /// Bone modulus override, MPa.
    #[serde(default)]
    pub modulus_mpa: Option<f64>,
    /// Poisson ratio override.
    #[serde(default)]
    pub poisson: Option<f64>,
    /// Yield stress override, MPa.
    #[serde(default)]
    pub yield_mpa: Option<f64>,
}

/// The session document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Always [`SESSION_FORMAT`].
    pub format: String,
    /// The version this document was written in.
    pub version: u32,
    /// Patient ID of the study (for the per-screw table).
    #[serde(default)]
    pub patient_id: String,
    /// StudyInstanceUID of the study.
    #[serde(default)]
    pub study_instance_uid: String,
    /// The series used.
    #[serde(default)]
    pub series: Vec<SeriesRef>,
    /// Every ROI.
    #[serde(default)]
    pub rois: Vec<Roi>,
    /// The screws.
    #[serde(default)]
    pub screws: Vec<Screw>,
    /// Risk-model inputs.
    #[serde(default)]
    pub patient: PatientInputs,
    /// Fallback levels.
    #[serde(default)]
    pub choices: ProtocolChoices,
    /// Model files and parameters.
    #[serde(default)]
    pub models: ModelChoice,
    /// The next ROI id to hand out.
    #[serde(default)]
    pub next_roi_id: u64,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            format: SESSION_FORMAT.into(),
            version: SESSION_VERSION,
            patient_id: String::new(),
            study_instance_uid: String::new(),
            series: Vec::new(),
            rois: Vec::new(),
            screws: Vec::new(),
            patient: PatientInputs::default(),
            choices: ProtocolChoices::default(),
            models: ModelChoice::default(),
            next_roi_id: 1,
        }
    }
}

/// Errors reading or writing a session file; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The file could not be read or written.
    #[error("{what}: {source}: {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not an Anchorage session.
    #[error("not an Anchorage session ({reason}): {}", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is a session but damaged.
    #[error("damaged session file ({reason}): {}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        reason: String,
    },
    /// Written by a newer Anchorage.
    #[error("session version {found} is newer than this Anchorage understands ({SESSION_VERSION}): {}", path.display())]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u64,
    },
}

impl Session {
    /// Adds an ROI, giving it a fresh id; returns the id.
    pub fn add_roi(&mut self, mut roi: Roi) -> u64 {
        let id = self
            .next_roi_id
            .max(self.rois.iter().map(|r| r.id + 1).max().unwrap_or(1));
        roi.id = id;
        self.next_roi_id = id + 1;
        self.rois.push(roi);
        id
    }

    /// The ROI with this id.
    pub fn roi(&self, id: u64) -> Option<&Roi> {
        self.rois.iter().find(|r| r.id == id)
    }

    /// The screw at this level and side.
    pub fn screw(&self, level: Level, side: Side) -> Option<&Screw> {
        self.screws
            .iter()
            .find(|s| s.level == level && s.side == side)
    }

    /// Parses a session from JSON text (migrating older versions). `path` is only used in
    /// messages.
    pub fn from_json(text: &str, path: &Path) -> Result<Session, SessionError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SessionError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("not valid JSON: {e}"),
            })?;
        let value = migrate(value, path)?;
        let session: Session =
            serde_json::from_value(value).map_err(|e| SessionError::Corrupt {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        session.check().map_err(|reason| SessionError::Corrupt {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(session)
    }

    /// Whether the session is consistent enough to measure: every ROI id is unique (two
    /// ROIs sharing an id would be mixed up by everything that looks ROIs up by id).
    /// Err: what is wrong, naming the id. Checked when a session is read and again before
    /// it is measured ([`crate::pipeline::Pipeline::new`]).
    pub fn check(&self) -> Result<(), String> {
        let mut ids: Vec<u64> = self.rois.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        match ids.windows(2).find(|w| w[0] == w[1]) {
            Some(w) => Err(format!("two ROIs share the id {}", w[0])),
            None => Ok(()),
        }
    }

    /// Reads a session file. A damaged or foreign file is refused and left untouched.
    pub fn load(path: &Path) -> Result<Session, SessionError> {
        let io = |what, source| SessionError::Io {
            path: path.to_path_buf(),
            what,
            source,
        };
        let meta = std::fs::metadata(path).map_err(|e| io("cannot open the session", e))?;
        if meta.len() > MAX_SESSION_BYTES {
            return Err(SessionError::Foreign {
                path: path.to_path_buf(),
                reason: format!("{} bytes is far larger than any session", meta.len()),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| io("cannot read the session", e))?;
        let text = String::from_utf8(bytes).map_err(|_| SessionError::Foreign {
            path: path.to_path_buf(),
            reason: "not UTF-8 text".into(),
        })?;
        Session::from_json(&text, path)
    }

    /// The session as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut s = self.clone();
        s.format = SESSION_FORMAT.into();
        s.version = SESSION_VERSION;
        serde_json::to_string_pretty(&s).unwrap_or_default()
    }

    /// Writes the session atomically to `path`, keeping the previous file as `path.bak`.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        if path.exists() {
            let bak = backup_path(path);
            // Copy (not rename) so `path` is never missing, even for an instant; and copy
            // atomically, so a crash mid-copy cannot leave a damaged backup.
            std::fs::read(path)
                .and_then(|old| write_atomic(&bak, &old))
                .map_err(|source| SessionError::Io {
                    path: bak.clone(),
                    what: "cannot keep the previous session",
                    source,
                })?;
        }
        write_atomic(path, self.to_json().as_bytes()).map_err(|source| SessionError::Io {
            path: path.to_path_buf(),
            what: "cannot write the session",
            source,
        })
    }

    /// Makes series paths relative to `session_dir` where they lie inside it.
    pub fn relativize_paths(&mut self, session_dir: &Path) {
        for s in &mut self.series {
            if let Ok(rel) = s.path.strip_prefix(session_dir) {
                s.path = if rel.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    rel.to_path_buf()
                };
            }
        }
    }

    /// The absolute path of a series reference, resolving relative paths against the
    /// session file's folder.
    pub fn resolve(session_path: &Path, series_path: &Path) -> PathBuf {
        if series_path.is_absolute() {
            series_path.to_path_buf()
        } else {
            session_path
                .parent()
                .unwrap_or(Path::new("."))
                .join(series_path)
        }
    }
}

/// `session.json` → `session.json.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".bak");
    PathBuf::from(s)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. A failure leaves the old file as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Brings an older session document up to [`SESSION_VERSION`].
///
/// Version 1 → 2 adds optional fields only (a screw's `plan`), read as absent: nothing
/// to rewrite.
///
/// Version 0 (the first drafts) had `"kind": "anchorage-session"` instead of `format`,
/// one `series_path` and `series_uid` instead of the `series` list, ROIs with `type` and
/// `points` (mm) instead of `kind` and `points_mm`, and `age`/`goutallier` at the top.
pub fn migrate(mut v: serde_json::Value, path: &Path) -> Result<serde_json::Value, SessionError> {
    use serde_json::{Value, json};
    let foreign = |reason: &str| SessionError::Foreign {
        path: path.to_path_buf(),
        reason: reason.into(),
    };
    let Some(obj) = v.as_object_mut() else {
        return Err(foreign("the top level is not a JSON object"));
    };
    let format = obj
        .get("format")
        .or_else(|| obj.get("kind"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if format.as_deref() != Some(SESSION_FORMAT) {
        return Err(foreign("no \"format\": \"anchorage-session\" field"));
    }
    let version = match obj.get("version") {
        None => 0,
        Some(x) => x.as_u64().ok_or_else(|| SessionError::Corrupt {
            path: path.to_path_buf(),
            reason: "field `version` is not a whole number".into(),
        })?,
    };
    if version > SESSION_VERSION as u64 {
        return Err(SessionError::TooNew {
            path: path.to_path_buf(),
            found: version,
        });
    }
    if version == 0 {
        obj.remove("kind");
        obj.insert("format".into(), json!(SESSION_FORMAT));
        if let (Some(p), Some(u)) = (obj.remove("series_path"), obj.remove("series_uid")) {
            obj.insert(
                "series".into(),
                json!([{ "path": p, "series_instance_uid": u }]),
            );
        }
        let age = obj.remove("age");
        let grade = obj.remove("goutallier");
        obj.insert(
            "patient".into(),
            json!({ "age_years": age, "goutallier": grade }),
        );
        if let Some(Value::Array(rois)) = obj.get_mut("rois") {
            for r in rois.iter_mut() {
                if let Some(ro) = r.as_object_mut() {
                    if let Some(t) = ro.remove("type") {
                        ro.insert("kind".into(), t);
                    }
                    if let Some(p) = ro.remove("points") {
                        ro.insert("points_mm".into(), p);
                    }
                }
            }
        }
    }
    obj.insert("version".into(), json!(SESSION_VERSION));
    Ok(v)
}
