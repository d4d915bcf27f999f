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
