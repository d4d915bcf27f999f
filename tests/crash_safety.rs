//! Killing the process in the middle of a stream of session saves leaves a session that
//! loads, with at most the last change missing.
//!
//! The test re-runs its own binary as a child that saves in a tight loop and reports each
//! completed save on stdout; the parent kills it with SIGKILL at varying moments.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anchorage_core::session::{PatientInputs, Session, backup_path};

const CHILD_ENV: &str = "ANCHORAGE_SAVE_LOOP_FILE";

/// The child: saves forever (until killed), printing the counter after each save. Not a
/// test of its own (it checks nothing): ignored, and run only by the test below, which
/// asks for it with `--ignored`.
#[test]
#[ignore = "the child process of killing_during_saves_never_loses_more_than_the_last_change"]
fn save_loop_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        panic!("save_loop_child runs only as the kill test's child ({CHILD_ENV} unset)");
    };
    let path = Path::new(&path);
    let mut s = Session::default();
    // A realistically sized document: many ROIs.
    for _ in 0..200 {
        s.add_roi(anchorage_core::session::Roi {
            id: 0,
            kind: anchorage_core::session::RoiKind::Ellipse,
            role: anchorage_core::session::Role::Free,
            level: None,
            side: None,
            series_uid: "1.2.3".into(),
            sop_instance_uid: "1.2.3.4".into(),
            frame: 0,
            points_mm: vec![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
            width_mm: None,
            note: String::new(),
        });
    }
    for i in 1.. {
        s.patient = PatientInputs {
            age_years: Some(i as f64),
            goutallier: Some(1),
        };
        if s.save(path).is_ok() {
            println!("{i}");
        }
    }
}

#[test]
fn killing_during_saves_never_loses_more_than_the_last_change() {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    for round in 0..12u64 {
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(backup_path(&path));
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "save_loop_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
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
                // The first number shares its line with libtest's "test … ..." prefix.
                if let Some(Ok(v)) = line.split_whitespace().last().map(str::parse::<u64>) {
                    last = v;
                    seen.store(v, Ordering::SeqCst);
                }
            }
            last
        });
        // Wait until at least two saves completed (so a previous version exists to be
        // kept as the backup), however slow the machine, then kill at a varying moment.
        let start = Instant::now();
        while reported.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(5 + 7 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let last_reported = reader.join().unwrap();
        assert!(
            last_reported >= 2,
            "round {round}: the child completed {last_reported} save(s) in 60 s"
        );
        let s = Session::load(&path)
            .unwrap_or_else(|e| panic!("round {round}: session does not load after kill: {e}"));
        let v = s.patient.age_years.unwrap() as u64;
        assert!(
            v == last_reported || v == last_reported + 1,
            "round {round}: loaded change {v}, last completed save {last_reported}"
        );
        // The kept previous version loads too.
        let b = Session::load(&backup_path(&path))
            .unwrap_or_else(|e| panic!("round {round}: backup does not load: {e}"));
        let b = b.patient.age_years.unwrap() as u64;
        assert!(
            b + 2 >= v && b <= v,
            "round {round}: backup {b}, session {v}"
        );
        // No temporary files pile up beyond the one a killed save may leave.
        let tmp = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                    .unwrap_or(false)
            })
            .count();
        assert!(tmp <= 1, "round {round}: {tmp} temporary files left");
        for e in std::fs::read_dir(dir.path()).unwrap().flatten() {
            if e.file_name().to_string_lossy().ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
