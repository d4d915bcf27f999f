//! The schema and its migrations.
//!
//! The version is kept in `meta` (`schema_version`). Version history:
//! - **1**: patients, studies, sessions (path, content hash, software version, when, rater,
//!   current or superseded), screws (the per-screw table's cells), outcomes (loosening,
//!   follow-up).
//! - **2** (current): sessions record the models used (`models`); outcomes record how
//!   they were judged (`judged_by`) and revision (`revision`).
//!
//! Opening a database of an earlier version migrates it in one transaction, after a
//! copy of a SQLite file is written beside it ([`super::store::Backend::backup_before_migration`]).

use super::error::CohortError;
use super::model::BackendKind;
use super::store::{Tx, Value, scalar_int};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;

/// The current schema. `{pk}` is the dialect's auto-numbered key column.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS patients (
    id {pk},
    patient_key TEXT NOT NULL UNIQUE,
    pseudonymised BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS studies (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    study_uid TEXT NOT NULL,
    UNIQUE (patient_id, study_uid)
);
CREATE TABLE IF NOT EXISTS sessions (
    id {pk},
    study_id BIGINT NOT NULL REFERENCES studies(id),
    rater TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    software_version TEXT NOT NULL,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL,
    is_current BIGINT NOT NULL,
    superseded_by BIGINT,
    models TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_by_key ON sessions (study_id, rater, path);
CREATE TABLE IF NOT EXISTS screws (
    id {pk},
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    level TEXT NOT NULL,
    side TEXT NOT NULL,
    st_hu DOUBLE PRECISION,
    b_hu DOUBLE PRECISION,
    pedicle_thickness_mm DOUBLE PRECISION,
    pbq DOUBLE PRECISION,
    patient_hu_ratio DOUBLE PRECISION,
    age DOUBLE PRECISION,
    goutallier BIGINT,
    risk DOUBLE PRECISION,
    high_risk BIGINT,
    flags TEXT NOT NULL,
    cells TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS screws_by_session ON screws (session_id);
CREATE TABLE IF NOT EXISTS outcomes (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    level TEXT NOT NULL,
    side TEXT NOT NULL,
    loosening BIGINT NOT NULL,
    follow_up_months DOUBLE PRECISION,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL,
    is_current BIGINT NOT NULL,
    judged_by TEXT,
    revision BIGINT
);
CREATE INDEX IF NOT EXISTS outcomes_by_patient ON outcomes (patient_id);
";

/// The statements that take a database from version `from` to `from + 1`.
fn migration(from: u32) -> Option<&'static str> {
    match from {
        1 => Some(
            "ALTER TABLE sessions ADD COLUMN models TEXT NOT NULL DEFAULT '';
             ALTER TABLE outcomes ADD COLUMN judged_by TEXT;
             ALTER TABLE outcomes ADD COLUMN revision BIGINT;",
        ),
        _ => None,
    }
}

fn pk(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        BackendKind::Postgres => "BIGSERIAL PRIMARY KEY",
    }
}

/// The schema version of the open database: None when it has no `meta` table yet (a new
/// database).
pub fn read_version(tx: &mut dyn Tx) -> Result<Option<u32>, CohortError> {
    let exists_sql = match tx.kind() {
        BackendKind::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        }
        BackendKind::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'meta'"
        }
    };
    let location = tx.location();
    let n = scalar_int(&tx.query(exists_sql, &[])?, &location, "meta")?;
    if n == 0 {
        return Ok(None);
    }
    let rows = tx.query("SELECT value FROM meta WHERE key = 'schema_version'", &[])?;
    let text = rows
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_text)
        .map(str::to_string);
    let Some(v) = text.as_deref().and_then(|t| t.trim().parse::<u32>().ok()) else {
        return Err(CohortError::BadRow {
            location,
            table: "meta",
            row: 0,
            message: format!("schema_version is {text:?}, not a number"),
        });
    };
    Ok(Some(v))
}

/// Creates the current schema in an empty database.
pub fn create(tx: &mut dyn Tx) -> Result<(), CohortError> {
    tx.batch(&SCHEMA.replace("{pk}", pk(tx.kind())))?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
        &[Value::Text(SCHEMA_VERSION.to_string())],
    )?;
    Ok(())
}

/// Migrates from `from` to [`SCHEMA_VERSION`], step by step.
pub fn migrate(tx: &mut dyn Tx, from: u32) -> Result<(), CohortError> {
    for v in from..SCHEMA_VERSION {
        let Some(sql) = migration(v) else {
            return Err(CohortError::BadRow {
                location: tx.location(),
                table: "meta",
                row: 0,
                message: format!("no migration from schema version {v}"),
            });
        };
        tx.batch(sql)?;
    }
    tx.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema_version'",
        &[Value::Text(SCHEMA_VERSION.to_string())],
    )?;
    Ok(())
}
