//! The cohort database under concurrent writers and under SIGKILL.
//!
//! - Several threads (each with its own connection) and several `anchorage cohort add`
//!   processes add at once to one fresh database — SQLite, and PostgreSQL when installed:
//!   nothing is lost, nothing doubled, the schema is created once.
//! - A process killed during `add` leaves the database as it was before or after a batch,
//!   never between: the child (this test binary, re-run) adds batches in a loop and reports
//!   each commit; the parent kills it at varying moments after real progress.

#[path = "cohort/common.rs"]
mod common;
#[path = "cohort/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anchorage_core::cohort::{AddAction, Cohort, DbLocation};

const THREADS: usize = 4;
const PATIENTS: usize = 15;

/// THREADS writers, each adding PATIENTS sessions (its own rater) one transaction each;
/// every writer adds the same patients, so patient and study rows are contended too.
fn concurrent_threads(loc: &DbLocation) {
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let loc = loc.clone();
            std::thread::spawn(move || {
                let mut c = Cohort::open(&loc, true).expect("open");
                for p in 0..PATIENTS {
                    let r = common::record(
                        &format!("P-{p:03}"),
                        &format!("rater{t}"),
                        "/s.json",
                        &format!("h{t}-{p}"),
                        100.0 + p as f64,
                    );
                    let rep = c.add_sessions(&[r]).expect("add");
                    assert_eq!(rep[0].action, AddAction::Added);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer thread");
    }
    let mut c = Cohort::open(loc, false).unwrap();
    let st = c.status().unwrap();
    assert_eq!(st.patients, PATIENTS);
    assert_eq!(st.studies, PATIENTS);
    assert_eq!(st.sessions, THREADS * PATIENTS);
    assert_eq!(st.screws, THREADS * PATIENTS * 4);
    for p in &st.patient_list {
        assert_eq!(p.raters.len(), THREADS, "{p:?}");
        assert_eq!(p.screws, THREADS * 4, "{p:?}");
    }
    assert_eq!(c.schema_version().unwrap(), 2);
}

#[test]
fn concurrent_threads_lose_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_threads(&DbLocation::Sqlite(dir.path().join("c.sqlite")));
}

#[test]
fn concurrent_threads_lose_nothing_on_postgresql() {
    let Some(server) = pg::start_or_skip("concurrent_threads_lose_nothing_on_postgresql") else {
        return;
    };
    concurrent_threads(&DbLocation::Postgres(server.create_db("threads")));
}

#[test]
fn concurrent_processes_lose_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    const PROCESSES: usize = 3;
    const TABLES: usize = 12;
    let children: Vec<_> = (0..PROCESSES)
        .map(|k| {
            let mut args = vec![
                "cohort".to_string(),
                "add".into(),
                "--db".into(),
                db.display().to_string(),
                "--rater".into(),
                format!("proc{k}"),
                "--table".into(),
            ];
            for t in 0..TABLES {
                // Each process's tables in their own files; every process the same patients.
                let r = common::record(&format!("P-{t:03}"), "x", "x", "x", 100.0 + (k * t) as f64);
                let path = dir.path().join(format!("t{k}-{t}.csv"));
                std::fs::write(&path, common::table_csv(&r)).unwrap();
                args.push(path.display().to_string());
            }
            Command::new(env!("CARGO_BIN_EXE_anchorage"))
                .args(&args)
                .env_remove("ANCHORAGE_DB")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn anchorage")
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("added ")).count(),
            TABLES,
            "{out}"
        );
    }
    let mut c = Cohort::open(&DbLocation::Sqlite(db), false).unwrap();
    let st = c.status().unwrap();
    assert_eq!(
        (st.patients, st.sessions, st.screws),
        (TABLES, PROCESSES * TABLES, PROCESSES * TABLES * 4)
    );
}

const CHILD_ENV: &str = "ANCHORAGE_COHORT_KILL_DB";
const BATCH: usize = 5;

/// The child: adds batches of BATCH sessions (one transaction each, as `cohort add`
/// does) forever, printing the number of batches committed. Ignored; run only by the
/// kill test below.
#[test]
#[ignore = "the child process of killing_during_add_leaves_before_or_after"]
fn add_loop_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        panic!("add_loop_child runs only as the kill test's child ({CHILD_ENV} unset)");
    };
    let mut c = Cohort::open(&DbLocation::Sqlite(path.into()), true).expect("open");
    // Each child's patients are new (a killed child's successor starts counting again).
    let pid = std::process::id();
    for i in 1u64.. {
        let batch: Vec<_> = (0..BATCH)
            .map(|k| {
                common::record(
                    &format!("P-{pid}-{i}-{k}"),
                    "kill",
                    "/s.json",
                    &format!("h{i}-{k}"),
                    100.0,
                )
            })
            .collect();
        c.add_sessions(&batch).expect("add");
        println!("{i}");
    }
}

#[test]
fn killing_during_add_leaves_before_or_after() {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.sqlite");
    let mut before = 0u64;
    for round in 0..8u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "add_loop_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reported = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&reported);
        let reader = std::thread::spawn(move || {
            let mut last = 0u64;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(Ok(v)) = line.split_whitespace().last().map(str::parse::<u64>) {
                    last = v;
                    seen.store(v, Ordering::SeqCst);
                }
            }
            last
        });
        // Wait for real progress (two commits), however slow the machine, then kill at a
        // varying moment.
        let start = Instant::now();
        while reported.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(3 + 5 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let committed = reader.join().unwrap();
        assert!(
            committed >= 2,
            "round {round}: {committed} commits in 120 s"
        );
        let mut c = Cohort::open(&DbLocation::Sqlite(db.clone()), false)
            .unwrap_or_else(|e| panic!("round {round}: the database does not open: {e}"));
        let sessions = c.sessions().unwrap();
        let n = sessions.len() as u64;
        // Whole batches only: as before the killed one, or after it.
        assert_eq!(
            n % BATCH as u64,
            0,
            "round {round}: {n} sessions, not whole batches"
        );
        let batches = n / BATCH as u64 - before;
        assert!(
            batches == committed || batches == committed + 1,
            "round {round}: {batches} batches stored, {committed} reported committed"
        );
        let st = c.status().unwrap();
        assert_eq!(
            st.screws as u64,
            n * 4,
            "round {round}: every session whole"
        );
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        before = n / BATCH as u64;
    }
}

/// Whether process `pid` has `path` open (Linux: /proc/PID/fd).
fn has_open(pid: u32, path: &std::path::Path) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == path))
}

/// The real command: `anchorage cohort add --table` with many tables, killed at varying
/// moments once it has read its tables and opened the database (it then stores them in
/// one transaction), stores all of them or none.
#[test]
fn killing_the_cohort_add_command_stores_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli-kill.sqlite");
    Cohort::open(&DbLocation::Sqlite(db.clone()), true).unwrap();
    const TABLES: usize = 300;
    let mut before = 0usize;
    for round in 0..6u64 {
        let mut args = vec![
            "cohort".to_string(),
            "add".into(),
            "--db".into(),
            db.display().to_string(),
            "--rater".into(),
            format!("round{round}"),
            "--table".into(),
        ];
        for t in 0..TABLES {
            let r = common::record(&format!("P-{t:04}"), "x", "x", "x", 100.0 + t as f64);
            let path = dir.path().join(format!("r{round}-{t}.csv"));
            std::fs::write(&path, common::table_csv(&r)).unwrap();
            args.push(path.display().to_string());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_anchorage"))
            .args(&args)
            .env_remove("ANCHORAGE_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Real progress: the process has the database open (after reading every table).
        let start = Instant::now();
        let canonical = std::fs::canonicalize(&db).unwrap();
        while !has_open(child.id(), &canonical)
            && child.try_wait().unwrap().is_none()
            && start.elapsed() < Duration::from_secs(120)
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_millis(3 * round));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let mut c = Cohort::open(&DbLocation::Sqlite(db.clone()), false).unwrap();
        let n = c.sessions().unwrap().len();
        let added = n - before;
        assert!(
            added == 0 || added == TABLES,
            "round {round} ({status}): {added} of {TABLES} tables stored"
        );
        assert_eq!(c.status().unwrap().screws, n * 4, "round {round}");
        eprintln!("round {round}: killed ({status}); {added} of {TABLES} tables stored");
        before = n;
    }
    // Not killed, the same command stores every table (so the check above can fail).
    let mut args = vec!["cohort".to_string(), "add".into(), "--db".into()];
    args.push(db.display().to_string());
    args.extend(["--rater".into(), "whole".into(), "--table".into()]);
    args.extend((0..TABLES).map(|t| dir.path().join(format!("r0-{t}.csv")).display().to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut c = Cohort::open(&DbLocation::Sqlite(db.clone()), false).unwrap();
    assert_eq!(c.sessions().unwrap().len(), before + TABLES);
}
