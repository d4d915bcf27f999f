//! `cohort export --redcap DIR`: a REDCap data dictionary (`data-dictionary.csv`) and an
//! import file (`import.csv`) a team uploads unchanged.
//!
//! Two instruments: `patient` (one per record: the patient's values from the first rater's
//! latest session, in rater order, and the patient's outcome) and `screw`, a repeating
//! instrument (one instance per stored screw of every current session, with its rater and
//! session hash, and the screw's outcome). The import file has REDCap's columns for
//! repeating instruments: `record_id`, `redcap_repeat_instrument`,
//! `redcap_repeat_instance`, the fields, then `patient_complete` and `screw_complete`
//! (2 = complete). In the REDCap project, `screw` must be made a repeating instrument
//! (Project Setup → Repeating instruments) before the import file is uploaded.

use std::path::{Path, PathBuf};

use super::export::{OutcomeIndex, latest_by_patient_rater};
use super::model::StoredScrew;
use super::{Cohort, CohortError};

/// REDCap's 18 data dictionary columns, exactly as REDCap writes them.
pub const DICTIONARY_COLUMNS: [&str; 18] = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
];

/// The patient instrument's name.
pub const PATIENT_FORM: &str = "patient";
/// The repeating screw instrument's name.
pub const SCREW_FORM: &str = "screw";

/// A REDCap field type with its validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A decimal number (`number` validation).
    Number,
    /// A whole number (`integer` validation).
    Integer,
    /// Yes (1) / no (0).
    YesNo,
    /// A drop-down with fixed choices.
    Dropdown(&'static str),
    /// Multi-line notes.
    Notes,
}

/// One field of the dictionary: where its value comes from.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// REDCap variable name.
    pub name: &'static str,
    /// Its instrument.
    pub form: &'static str,
    /// Label shown.
    pub label: &'static str,
    /// Type and validation.
    pub kind: FieldKind,
    /// Minimum and maximum, for numbers.
    pub range: Option<(&'static str, &'static str)>,
    /// The per-screw table column it takes, or an outcome/provenance source.
    pub source: &'static str,
}

const fn f(
    name: &'static str,
    form: &'static str,
    label: &'static str,
    kind: FieldKind,
    range: Option<(&'static str, &'static str)>,
    source: &'static str,
) -> Field {
    Field {
        name,
        form,
        label,
        kind,
        range,
        source,
    }
}

use FieldKind::{Dropdown, Integer, Notes, Number, Text, YesNo};

/// Every field after `record_id`, in form order.
pub const FIELDS: [Field; 28] = [
    f(
        "rater",
        PATIENT_FORM,
        "Rater of the patient values",
        Text,
        None,
        "@rater",
    ),
    f(
        "age",
        PATIENT_FORM,
        "Age (years)",
        Number,
        Some(("0", "120")),
        "age",
    ),
    f(
        "goutallier",
        PATIENT_FORM,
        "Goutallier grade (0-4)",
        Integer,
        Some(("0", "4")),
        "goutallier",
    ),
    f("pbq", PATIENT_FORM, "PBQ score", Number, None, "pbq"),
    f(
        "patient_hu_ratio",
        PATIENT_FORM,
        "Patient HU ratio",
        Number,
        None,
        "patient_hu_ratio",
    ),
    f(
        "risk",
        PATIENT_FORM,
        "Loosening risk (nomogram)",
        Number,
        Some(("0", "1")),
        "risk",
    ),
    f(
        "high_risk",
        PATIENT_FORM,
        "High risk",
        YesNo,
        None,
        "high_risk",
    ),
    f(
        "loosening",
        PATIENT_FORM,
        "Loosening (patient)",
        YesNo,
        None,
        "@loosening",
    ),
    f(
        "follow_up_months",
        PATIENT_FORM,
        "Follow-up (months)",
        Number,
        Some(("0", "600")),
        "@follow_up_months",
    ),
    f("screw_rater", SCREW_FORM, "Rater", Text, None, "@rater"),
    f(
        "screw_session_hash",
        SCREW_FORM,
        "Session content hash (SHA-256)",
        Text,
        None,
        "@session_hash",
    ),
    f("screw_level", SCREW_FORM, "Level", Text, None, "level"),
    f(
        "screw_side",
        SCREW_FORM,
        "Side",
        Dropdown("L, Left | R, Right"),
        None,
        "side",
    ),
    f(
        "screw_diameter_mm",
        SCREW_FORM,
        "Screw diameter (mm)",
        Number,
        None,
        "screw_diameter_mm",
    ),
    f(
        "screw_length_mm",
        SCREW_FORM,
        "Screw length (mm)",
        Number,
        None,
        "screw_length_mm",
    ),
    f(
        "interference_mm",
        SCREW_FORM,
        "Interference (mm)",
        Number,
        None,
        "interference_mm",
    ),
    f("st_hu", SCREW_FORM, "ST-HU (HU)", Number, None, "st_hu"),
    f("b_hu", SCREW_FORM, "B-HU (HU)", Number, None, "b_hu"),
    f(
        "b_hu_level",
        SCREW_FORM,
        "B-HU level",
        Text,
        None,
        "b_hu_level",
    ),
    f("hu_ratio", SCREW_FORM, "HU ratio", Number, None, "hu_ratio"),
    f(
        "pedicle_thickness_mm",
        SCREW_FORM,
        "Pedicle thickness (mm)",
        Number,
        None,
        "pedicle_thickness_mm",
    ),
    f(
        "clearance_mm",
        SCREW_FORM,
        "Clearance (mm)",
        Number,
        None,
        "clearance_mm",
    ),
    f("psc_mm", SCREW_FORM, "PSC (mm)", Number, None, "psc_mm"),
    f(
        "sigma_h_mpa",
        SCREW_FORM,
        "Hoop stress (MPa)",
        Number,
        None,
        "sigma_h_mpa",
    ),
    f(
        "yield_ratio",
        SCREW_FORM,
        "Yield ratio",
        Number,
        None,
        "yield_ratio",
    ),
    f("screw_flags", SCREW_FORM, "Flags", Notes, None, "flags"),
    f(
        "screw_loosening",
        SCREW_FORM,
        "Loosening (screw)",
        YesNo,
        None,
        "@loosening",
    ),
    f(
        "screw_follow_up_months",
        SCREW_FORM,
        "Follow-up (months)",
        Number,
        Some(("0", "600")),
        "@follow_up_months",
    ),
];

fn dictionary_row(field: &Field, identifier: bool) -> Vec<String> {
    let (ty, choices, validation) = match field.kind {
        Text => ("text", "", ""),
        Number => ("text", "", "number"),
        Integer => ("text", "", "integer"),
        YesNo => ("yesno", "", ""),
        Dropdown(c) => ("dropdown", c, ""),
        Notes => ("notes", "", ""),
    };
    let (min, max) = field.range.unwrap_or(("", ""));
    let mut row = vec![String::new(); DICTIONARY_COLUMNS.len()];
    row[0] = field.name.into();
    row[1] = field.form.into();
    row[3] = ty.into();
    row[4] = field.label.into();
    row[5] = choices.into();
    row[7] = validation.into();
    row[8] = min.into();
    row[9] = max.into();
    row[10] = if identifier {
        "y".into()
    } else {
        String::new()
    };
    row
}

/// The data dictionary. `record_id` is marked an identifier when any patient is stored
/// under its identifying ID.
pub fn dictionary_csv(identifying_ids: bool) -> Result<Vec<u8>, CohortError> {
    let record = f(
        "record_id",
        PATIENT_FORM,
        "Patient (record ID)",
        Text,
        None,
        "",
    );
    let mut rows = vec![dictionary_row(&record, identifying_ids)];
    rows.extend(FIELDS.iter().map(|x| dictionary_row(x, false)));
    write_csv(&DICTIONARY_COLUMNS, rows)
}

fn write_csv(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, CohortError> {
    let err = |e: csv::Error| CohortError::file("(REDCap export)", e.to_string());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| CohortError::file("(REDCap export)", e.to_string()))
}

/// REDCap's code of a value for a field.
fn coded(kind: FieldKind, text: &str) -> String {
    match (kind, text) {
        (YesNo, "true") => "1".into(),
        (YesNo, "false") => "0".into(),
        (Integer, t) => t
            .parse::<f64>()
            .map_or(String::new(), |x| format!("{}", x.round() as i64)),
        (_, t) => t.to_string(),
    }
}

/// The import file's header.
pub fn import_header() -> Vec<&'static str> {
    let mut h = vec![
        "record_id",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
    ];
    h.extend(FIELDS.iter().map(|f| f.name));
    h.push("patient_complete");
    h.push("screw_complete");
    h
}

/// The import file of already read rows.
pub fn import_csv(screws: &[StoredScrew], outcomes: &OutcomeIndex) -> Result<Vec<u8>, CohortError> {
    let latest = latest_by_patient_rater(screws);
    let n = import_header().len();
    let mut rows = Vec::new();
    let mut patients: Vec<&str> = screws.iter().map(|s| s.patient_id.as_str()).collect();
    patients.dedup();
    for patient in patients {
        // The patient's values: the first rater's (in rater order) latest session.
        let Some((_, first)) = latest.iter().find(|((p, _), _)| p == patient) else {
            continue;
        };
        let keys: Vec<(String, String)> = first
            .iter()
            .map(|s| {
                (
                    s.record.get("level").to_string(),
                    s.record.get("side").to_string(),
                )
            })
            .collect();
        let (loosening, months) = outcomes.for_patient(patient, &keys);
        let mut row = vec![String::new(); n];
        row[0] = patient.to_string();
        for (k, field) in FIELDS
            .iter()
            .enumerate()
            .filter(|(_, f)| f.form == PATIENT_FORM)
        {
            let value = match field.source {
                "@rater" => first.first().map_or(String::new(), |s| s.rater.clone()),
                "@loosening" => loosening.map(|b| b.to_string()).unwrap_or_default(),
                "@follow_up_months" => months.map(|m| m.to_string()).unwrap_or_default(),
                col => first
                    .first()
                    .map_or(String::new(), |s| s.record.get(col).to_string()),
            };
            row[3 + k] = coded(field.kind, &value);
        }
        row[n - 2] = "2".into();
        rows.push(row);
        for (instance, s) in screws
            .iter()
            .filter(|s| s.patient_id == patient)
            .enumerate()
        {
            let (level, side) = (s.record.get("level"), s.record.get("side"));
            let o = outcomes.for_screw(patient, level, side);
            let mut row = vec![String::new(); n];
            row[0] = patient.to_string();
            row[1] = SCREW_FORM.into();
            row[2] = (instance + 1).to_string();
            for (k, field) in FIELDS
                .iter()
                .enumerate()
                .filter(|(_, f)| f.form == SCREW_FORM)
            {
                let value = match field.source {
                    "@rater" => s.rater.clone(),
                    "@session_hash" => s.session_hash.clone(),
                    "@loosening" => o.map(|o| o.loosening.to_string()).unwrap_or_default(),
                    "@follow_up_months" => o
                        .and_then(|o| o.follow_up_months)
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    col => s.record.get(col).to_string(),
                };
                row[3 + k] = coded(field.kind, &value);
            }
            row[n - 1] = "2".into();
            rows.push(row);
        }
    }
    write_csv(&import_header(), rows)
}

impl Cohort {
    /// Writes `data-dictionary.csv` and `import.csv` into `dir` (created when missing),
    /// each atomically; returns their paths.
    pub fn export_redcap(&mut self, dir: &Path) -> Result<[PathBuf; 2], CohortError> {
        let screws = self.current_screws()?;
        let outcomes = OutcomeIndex::new(self.current_outcomes()?);
        let identifying = self.has_identifying_ids()?;
        std::fs::create_dir_all(dir).map_err(|source| CohortError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let dict = dir.join("data-dictionary.csv");
        let import = dir.join("import.csv");
        for (path, bytes) in [
            (&dict, dictionary_csv(identifying)?),
            (&import, import_csv(&screws, &outcomes)?),
        ] {
            crate::session::write_atomic(path, &bytes).map_err(|source| CohortError::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok([dict, import])
    }

    /// Whether any patient is stored under an identifying (not pseudonymised) ID.
    pub fn has_identifying_ids(&mut self) -> Result<bool, CohortError> {
        let mut n = 0;
        self.backend().transaction(false, &mut |tx| {
            let location = tx.location();
            n = super::store::scalar_int(
                &tx.query("SELECT COUNT(*) FROM patients WHERE pseudonymised = 0", &[])?,
                &location,
                "patients",
            )?;
            Ok(())
        })?;
        Ok(n > 0)
    }
}
