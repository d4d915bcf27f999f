//! The cohort database's storage suite (`cohort/suite.rs`), run unchanged against SQLite
//! and a real PostgreSQL server that the test starts and stops itself (`cohort/pg.rs`;
//! skipped, saying so, when PostgreSQL is not installed).

#[path = "cohort/common.rs"]
mod common;
#[path = "cohort/pg.rs"]
mod pg;
#[path = "cohort/suite.rs"]
mod suite;

use anchorage_core::cohort::{Cohort, DbLocation};

#[test]
fn storage_suite_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    suite::run_all(|name| {
        let loc = DbLocation::Sqlite(root.join(format!("{name}.sqlite")));
        Box::new(move || Cohort::open(&loc, true).unwrap())
    });
}

#[test]
fn storage_suite_on_postgresql() {
    let Some(server) = pg::start_or_skip("storage_suite_on_postgresql") else {
        return;
    };
    suite::run_all(|name| {
        let loc = DbLocation::Postgres(server.create_db(name));
        Box::new(move || Cohort::open(&loc, true).unwrap())
    });
}

#[test]
fn a_missing_sqlite_file_is_not_created_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("none.sqlite");
    let e = Cohort::open(&DbLocation::Sqlite(p.clone()), false)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "no cohort database at {} (create it with `anchorage cohort init`)",
            p.display()
        )
    );
    assert!(!p.exists());
}

#[test]
fn a_wrong_postgres_server_is_named_without_its_password() {
    let e = Cohort::open(
        &DbLocation::parse("postgres://ann:secret@127.0.0.1:9/cohort?connect_timeout=2").unwrap(),
        true,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.starts_with("PostgreSQL server postgres://ann:***@127.0.0.1:9/cohort"),
        "{e}"
    );
    assert!(!e.contains("secret"), "{e}");
    assert!(
        e.contains("error connecting to server: "),
        "the cause is given: {e}"
    );
}

/// Schema version 1 in PostgreSQL's dialect, with one patient, session, screw and outcome.
const SCHEMA_V1_PG: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE patients (id BIGSERIAL PRIMARY KEY, patient_key TEXT NOT NULL UNIQUE,
    pseudonymised BIGINT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE studies (id BIGSERIAL PRIMARY KEY, patient_id BIGINT NOT NULL REFERENCES patients(id),
    study_uid TEXT NOT NULL, UNIQUE (patient_id, study_uid));
CREATE TABLE sessions (id BIGSERIAL PRIMARY KEY, study_id BIGINT NOT NULL REFERENCES studies(id),
    rater TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL, software_version TEXT NOT NULL,
    source TEXT NOT NULL, added_at TEXT NOT NULL, is_current BIGINT NOT NULL, superseded_by BIGINT);
CREATE TABLE screws (id BIGSERIAL PRIMARY KEY, session_id BIGINT NOT NULL REFERENCES sessions(id),
    level TEXT NOT NULL, side TEXT NOT NULL, st_hu DOUBLE PRECISION, b_hu DOUBLE PRECISION,
    pedicle_thickness_mm DOUBLE PRECISION, pbq DOUBLE PRECISION, patient_hu_ratio DOUBLE PRECISION,
    age DOUBLE PRECISION, goutallier BIGINT, risk DOUBLE PRECISION, high_risk BIGINT,
    flags TEXT NOT NULL, cells TEXT NOT NULL);
CREATE TABLE outcomes (id BIGSERIAL PRIMARY KEY, patient_id BIGINT NOT NULL REFERENCES patients(id),
    level TEXT NOT NULL, side TEXT NOT NULL, loosening BIGINT NOT NULL, follow_up_months DOUBLE PRECISION,
    source TEXT NOT NULL, added_at TEXT NOT NULL, is_current BIGINT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO patients (patient_key, pseudonymised, created_at) VALUES ('OLD-1', 0, '2026-01-01T00:00:00Z');
INSERT INTO studies (patient_id, study_uid) VALUES (1, '1.2.3');
INSERT INTO sessions (study_id, rater, path, content_hash, software_version, source, added_at, is_current)
    VALUES (1, 'ann', '/old/s.json', 'abc', 'anchorage 0.0.9', 'session', '2026-01-01T00:00:00Z', 1);
INSERT INTO screws (session_id, level, side, st_hu, flags, cells)
    VALUES (1, 'L4', 'L', 180.0, '', '[\"OLD-1\",\"\",\"L4\",\"L\"]');
INSERT INTO outcomes (patient_id, level, side, loosening, follow_up_months, source, added_at, is_current)
    VALUES (1, '', '', 1, 12.0, 'o.csv', '2026-01-02T00:00:00Z', 1);
";

#[test]
fn a_version_1_database_is_migrated_on_postgresql() {
    let Some(server) = pg::start_or_skip("a_version_1_database_is_migrated_on_postgresql") else {
        return;
    };
    let url = server.create_db("old");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(SCHEMA_V1_PG).unwrap();
    let mut c = Cohort::open(&DbLocation::Postgres(url), false).unwrap();
    assert_eq!(
        c.opened(),
        &anchorage_core::cohort::Opened::Migrated {
            from: 1,
            backup: None
        }
    );
    assert_eq!(c.schema_version().unwrap(), 2);
    let st = c.status().unwrap();
    assert_eq!(
        (st.patients, st.sessions, st.screws, st.outcomes),
        (1, 1, 1, 1)
    );
    let s = c.sessions().unwrap();
    assert_eq!((s[0].rater.as_str(), s[0].models.as_str()), ("ann", ""));
    let screws = c.current_screws().unwrap();
    assert_eq!(screws[0].record.get("level"), "L4");
    assert_eq!(screws[0].record.get("st_hu"), "");
    // The migrated database takes new rows with the new columns.
    c.add_sessions(&[common::record("P-2", "bob", "/new.json", "h", 100.0)])
        .unwrap();
    assert_eq!(c.sessions().unwrap()[1].models, "test models");
}
