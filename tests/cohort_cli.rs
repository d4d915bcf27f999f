//! `anchorage cohort …` end to end: the sample session recomputed and stored, per-screw
//! tables, outcomes, status, CSV and REDCap exports (REDCap's exact headers), the default
//! database location, migration of an earlier schema (with its backup), and the same
//! commands against a private PostgreSQL server.

#[path = "cohort/common.rs"]
mod common;
#[path = "cohort/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::Command;

fn sample_session() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/example-session.json")
}

/// Runs anchorage with `args`; returns (exit code, stdout, stderr).
fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anchorage"));
    c.args(args)
        .env_remove("ANCHORAGE_DB")
        .env_remove("ANCHORAGE_PROJECT_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("run anchorage");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args, &[]);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn status_json(db: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&["cohort", "status", "--db", db, "--json"])).expect("JSON")
}

/// The measured table of the sample, as `anchorage measure` writes it.
fn measured_csv(dir: &Path) -> (PathBuf, String) {
    let csv = dir.join("measured.csv");
    ok(&["measure", s(&sample_session()), "--csv", s(&csv)]);
    let text = std::fs::read_to_string(&csv).unwrap();
    (csv, text)
}

/// The common command sequence, against any `--db`.
fn add_outcomes_status_export(db: &str, dir: &Path) {
    let out = ok(&["cohort", "init", "--db", db]);
    assert!(out.contains("schema version 2): created"), "{out}");
    let session = sample_session();
    let out = ok(&["cohort", "add", "--db", db, s(&session), "--rater", "alice"]);
    assert!(
        out.starts_with("added ") && out.contains("4 screw(s), new"),
        "{out}"
    );
    let out = ok(&["cohort", "add", "--db", db, s(&session), "--rater", "alice"]);
    assert!(out.starts_with("unchanged "), "{out}");
    let st = status_json(db);
    assert_eq!(st["patients"], 1);
    assert_eq!(st["identifying_patients"], 1);
    assert_eq!(st["screws"], 4);
    assert_eq!(
        st["patient_list"][0]["lacks"],
        serde_json::json!(["outcome"])
    );
    // The stored rows are exactly `anchorage measure`'s, followed by the cohort columns.
    let (_, measured) = measured_csv(dir);
    let export = dir.join("export.csv");
    ok(&["cohort", "export", "--db", db, "--csv", s(&export)]);
    let exported = std::fs::read_to_string(&export).unwrap();
    let hash = {
        use sha2::Digest;
        let b = std::fs::read(&session).unwrap();
        sha2::Sha256::digest(&b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let mut want = String::new();
    for (k, line) in measured.lines().enumerate() {
        want.push_str(line);
        want.push_str(&if k == 0 {
            ",rater,session_hash,loosening,follow_up_months\n".to_string()
        } else {
            format!(",alice,{hash},,\n")
        });
    }
    assert_eq!(exported, want);
    // Outcomes: an unknown screw refuses the file by line; then a good file.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "patient_id,level,side,loosening,follow_up_months\nANCH-0001,,,0,12\nANCH-0001,S1,L,1,6\n",
    )
    .unwrap();
    let (code, _, err) = run(&["cohort", "outcomes", "--db", db, s(&bad)], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "{}: line 3: patient \"ANCH-0001\" has no screw at S1 L",
            bad.display()
        )),
        "{err}"
    );
    assert_eq!(status_json(db)["outcomes"], 0, "nothing half-imported");
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "patient_id,level,side,loosening,follow_up_months\nANCH-0001,,,no,12\nANCH-0001,L4,R,yes,6\n",
    )
    .unwrap();
    ok(&["cohort", "outcomes", "--db", db, s(&good)]);
    let st = status_json(db);
    assert_eq!(st["outcomes"], 2);
    assert_eq!(st["complete_patients"], 1);
    let patients = dir.join("patients.csv");
    ok(&[
        "cohort",
        "export",
        "--db",
        db,
        "--csv",
        s(&patients),
        "--patients",
    ]);
    assert_eq!(
        std::fs::read_to_string(&patients).unwrap(),
        "patient_id,rater,age,goutallier,pbq,patient_hu_ratio,risk,high_risk,loosening,follow_up_months\n\
         ANCH-0001,alice,62.0,2,3.7389,1.4057,0.7517,true,false,12\n"
    );
}

#[test]
fn commands_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    add_outcomes_status_export(s(&db), dir.path());
}

#[test]
fn commands_on_postgresql() {
    let Some(server) = pg::start_or_skip("commands_on_postgresql") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    add_outcomes_status_export(&server.create_db("cli"), dir.path());
}

#[test]
fn tables_second_rater_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let (table, _) = measured_csv(dir.path());
    let out = ok(&[
        "cohort",
        "add",
        "--db",
        s(&db),
        "--table",
        s(&table),
        "--rater",
        "bob",
    ]);
    assert!(
        out.starts_with("added ") && out.contains("4 screw(s)"),
        "{out}"
    );
    let out = ok(&[
        "cohort",
        "add",
        "--db",
        s(&db),
        s(&sample_session()),
        "--rater",
        "carol",
    ]);
    assert!(
        out.contains("beside 1 other measurement(s) of the study"),
        "{out}"
    );
    // A changed table by the same rater: updated, the earlier version kept.
    let text = std::fs::read_to_string(&table)
        .unwrap()
        .replace(",198.03,", ",201.00,");
    std::fs::write(&table, text).unwrap();
    let out = ok(&[
        "cohort",
        "add",
        "--db",
        s(&db),
        "--table",
        s(&table),
        "--rater",
        "bob",
    ]);
    assert!(
        out.starts_with("updated ") && out.contains("earlier version is kept"),
        "{out}"
    );
    let st = status_json(s(&db));
    assert_eq!(st["sessions"], 2);
    assert_eq!(st["superseded_sessions"], 1);
    assert_eq!(st["screws"], 8);
    // Refused inputs are named with the reason; the good ones are stored; exit 1.
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, "patient_id,level\nX,L4\n").unwrap();
    let other = common::record("P-2", "x", "p", "h", 100.0);
    let good = dir.path().join("good.csv");
    std::fs::write(&good, common::table_csv(&other)).unwrap();
    let (code, out, err) = run(
        &[
            "cohort",
            "add",
            "--db",
            s(&db),
            "--table",
            s(&broken),
            s(&good),
            "--rater",
            "bob",
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!(
            "refused {}: {}: line 1: no column \"study_instance_uid\": not a per-screw table",
            broken.display(),
            broken.display()
        )),
        "{out}"
    );
    assert!(err.contains("1 of 2 input(s) refused"), "{err}");
    assert_eq!(status_json(s(&db))["patients"], 2);
    // Usage errors exit 2.
    let (code, _, _) = run(&["cohort", "export", "--db", s(&db)], &[]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["cohort", "status", "--db", "mysql://x/y"], &[]);
    assert_eq!(code, 2);
}

#[test]
fn default_database_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("xdg");
    let (code, out, err) = run(&["cohort", "init"], &[("XDG_DATA_HOME", s(&data))]);
    assert_eq!(code, 0, "{err}");
    let want = data.join("anchorage/cohort.sqlite");
    assert!(out.contains(s(&want)), "{out}");
    assert!(want.exists());
    let env_db = dir.path().join("env.sqlite");
    let (code, out, _) = run(&["cohort", "init"], &[("ANCHORAGE_DB", s(&env_db))]);
    assert_eq!(code, 0);
    assert!(out.contains(s(&env_db)) && env_db.exists(), "{out}");
    // status of a database that does not exist: refused, nothing created.
    let none = dir.path().join("none.sqlite");
    let (code, _, err) = run(&["cohort", "status", "--db", s(&none)], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("no cohort database at"), "{err}");
    assert!(!none.exists());
}

#[test]
fn redcap_files_have_redcaps_headers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&[
        "cohort",
        "add",
        "--db",
        s(&db),
        s(&sample_session()),
        "--rater",
        "alice",
    ]);
    let out = dir.path().join("redcap");
    ok(&["cohort", "export", "--db", s(&db), "--redcap", s(&out)]);
    let dict = std::fs::read_to_string(out.join("data-dictionary.csv")).unwrap();
    let mut lines = dict.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "Variable / Field Name,Form Name,Section Header,Field Type,Field Label,\
         \"Choices, Calculations, OR Slider Labels\",Field Note,\
         Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,\
         Identifier?,Branching Logic (Show field only if...),Required Field?,Custom Alignment,\
         Question Number (surveys only),Matrix Group Name,Matrix Ranking?,Field Annotation"
    );
    let mut r = csv::Reader::from_reader(dict.as_bytes());
    assert_eq!(r.headers().unwrap().len(), 18);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    // The record ID comes first, on the first form, and is an identifier (not pseudonymised).
    assert_eq!((&rows[0][0], &rows[0][1]), ("record_id", "patient"));
    assert_eq!(&rows[0][10], "y");
    let vars: Vec<&str> = rows.iter().map(|x| &x[0]).collect();
    let forms: Vec<&str> = rows.iter().map(|x| &x[1]).collect();
    assert!(forms.iter().all(|f| *f == "patient" || *f == "screw"));
    let st = rows.iter().find(|x| &x[0] == "st_hu").unwrap();
    assert_eq!((&st[1], &st[3], &st[7]), ("screw", "text", "number"));
    let g = rows.iter().find(|x| &x[0] == "goutallier").unwrap();
    assert_eq!((&g[7], &g[8], &g[9]), ("integer", "0", "4"));
    for v in &vars {
        assert!(
            v.len() <= 26
                && v.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{v}"
        );
    }
    let import = std::fs::read_to_string(out.join("import.csv")).unwrap();
    let mut r = csv::Reader::from_reader(import.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &header[..3],
        [
            "record_id",
            "redcap_repeat_instrument",
            "redcap_repeat_instance"
        ]
    );
    assert_eq!(
        &header[header.len() - 2..],
        ["patient_complete", "screw_complete"]
    );
    assert_eq!(header[3..header.len() - 2], vars[1..]);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(
        (
            &rows[0][0],
            &rows[0][1],
            &rows[0][2],
            &rows[0][col("age")],
            &rows[0][col("high_risk")]
        ),
        ("ANCH-0001", "", "", "62.0", "1")
    );
    assert_eq!(&rows[0][col("patient_complete")], "2");
    for (k, row) in rows[1..].iter().enumerate() {
        assert_eq!((&row[1], &row[2]), ("screw", (k + 1).to_string().as_str()));
        assert_eq!(&row[col("screw_complete")], "2");
        assert_eq!(&row[col("age")], "");
    }
    assert_eq!(
        (
            &rows[1][col("screw_level")],
            &rows[1][col("screw_side")],
            &rows[1][col("st_hu")]
        ),
        ("L3", "L", "198.03")
    );
}

/// The schema of version 1, as Anchorage wrote it before version 2 (see schema.rs).
const SCHEMA_V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE patients (id INTEGER PRIMARY KEY AUTOINCREMENT, patient_key TEXT NOT NULL UNIQUE,
    pseudonymised BIGINT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE studies (id INTEGER PRIMARY KEY AUTOINCREMENT, patient_id BIGINT NOT NULL REFERENCES patients(id),
    study_uid TEXT NOT NULL, UNIQUE (patient_id, study_uid));
CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, study_id BIGINT NOT NULL REFERENCES studies(id),
    rater TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL, software_version TEXT NOT NULL,
    source TEXT NOT NULL, added_at TEXT NOT NULL, is_current BIGINT NOT NULL, superseded_by BIGINT);
CREATE TABLE screws (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id BIGINT NOT NULL REFERENCES sessions(id),
    level TEXT NOT NULL, side TEXT NOT NULL, st_hu DOUBLE PRECISION, b_hu DOUBLE PRECISION,
    pedicle_thickness_mm DOUBLE PRECISION, pbq DOUBLE PRECISION, patient_hu_ratio DOUBLE PRECISION,
    age DOUBLE PRECISION, goutallier BIGINT, risk DOUBLE PRECISION, high_risk BIGINT,
    flags TEXT NOT NULL, cells TEXT NOT NULL);
CREATE TABLE outcomes (id INTEGER PRIMARY KEY AUTOINCREMENT, patient_id BIGINT NOT NULL REFERENCES patients(id),
    level TEXT NOT NULL, side TEXT NOT NULL, loosening BIGINT NOT NULL, follow_up_months DOUBLE PRECISION,
    source TEXT NOT NULL, added_at TEXT NOT NULL, is_current BIGINT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO patients VALUES (1, 'OLD-1', 0, '2026-01-01T00:00:00Z');
INSERT INTO studies VALUES (1, 1, '1.2.3');
INSERT INTO sessions VALUES (1, 1, 'ann', '/old/s.json', 'abc', 'anchorage 0.0.9', 'session',
    '2026-01-01T00:00:00Z', 1, NULL);
INSERT INTO outcomes VALUES (1, 1, '', '', 1, 12.0, 'o.csv', '2026-01-02T00:00:00Z', 1);
";

#[test]
fn a_version_1_database_is_backed_up_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        let mut cells = vec![String::new(); 31];
        cells[0] = "OLD-1".into();
        cells[2] = "L4".into();
        cells[3] = "L".into();
        cells[7] = "180.00".into();
        c.execute(
            "INSERT INTO screws (session_id, level, side, st_hu, flags, cells) VALUES (1, 'L4', 'L', 180.0, '', ?1)",
            [serde_json::to_string(&cells).unwrap()],
        )
        .unwrap();
    }
    let (code, out, err) = run(&["cohort", "status", "--db", s(&db), "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let backup = dir.path().join("old.sqlite.v1.bak");
    assert!(
        err.contains(&format!(
            "from schema version 1; the earlier file is kept as {}",
            backup.display()
        )),
        "{err}"
    );
    let st: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["schema_version"], 2);
    assert_eq!(
        (
            st["patients"].as_u64(),
            st["screws"].as_u64(),
            st["outcomes"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    // The backup is the version-1 database, untouched.
    let b = rusqlite::Connection::open(&backup).unwrap();
    let v: String = b
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, "1");
    assert!(b.prepare("SELECT models FROM sessions").is_err());
    // The migrated database has the new columns, and takes new rows and outcomes.
    let c = rusqlite::Connection::open(&db).unwrap();
    let models: String = c
        .query_row("SELECT models FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(models, "");
    let out = ok(&[
        "cohort",
        "export",
        "--db",
        s(&db),
        "--csv",
        s(&dir.path().join("e.csv")),
    ]);
    assert_eq!(out, "");
    let e = std::fs::read_to_string(dir.path().join("e.csv")).unwrap();
    assert!(
        e.lines()
            .nth(1)
            .unwrap()
            .starts_with("OLD-1,,L4,L,,,,180.00,"),
        "{e}"
    );
    assert!(
        e.lines().nth(1).unwrap().ends_with(",ann,abc,true,12"),
        "{e}"
    );
    // Opening again does not migrate or back up again.
    let (_, _, err) = run(&["cohort", "status", "--db", s(&db)], &[]);
    assert!(!err.contains("migrated"), "{err}");
    assert!(!dir.path().join("old.sqlite.v1.bak.1").exists());
}

#[test]
fn a_database_from_a_newer_anchorage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.sqlite");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99');")
        .unwrap();
    let (code, _, err) = run(&["cohort", "status", "--db", s(&db)], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("schema version 99 is newer than this Anchorage's 2"),
        "{err}"
    );
}
