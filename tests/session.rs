//! Session documents: round trip, migration, refusal of damaged and foreign files, atomic
//! writes, relative series paths.

use std::path::Path;

use anchorage_core::session::{
    Level, PatientInputs, Roi, RoiKind, Role, SESSION_VERSION, Screw, SeriesRef, Session,
    SessionError, Side, backup_path,
};

fn sample() -> Session {
    let mut s = Session {
        patient_id: "ANCH-0001".into(),
        study_instance_uid: "1.2.3".into(),
        series: vec![SeriesRef {
            path: "ct".into(),
            series_instance_uid: "1.2.3.4".into(),
            modality: "CT".into(),
            description: "CT".into(),
        }],
        screws: vec![Screw {
            level: Level::L3,
            side: Side::R,
            diameter_mm: 6.5,
            length_mm: 45.0,
            interference_mm: 0.5,
            emg_threshold_ma: Some(9.0),
            insertion_torque_nm: None,
            plan: None,
        }],
        patient: PatientInputs {
            age_years: Some(70.0),
            goutallier: Some(3),
        },
        ..Session::default()
    };
    s.add_roi(Roi {
        id: 0,
        kind: RoiKind::Ellipse,
        role: Role::BHuMid,
        level: Some(Level::L3),
        side: None,
        series_uid: "1.2.3.4".into(),
        sop_instance_uid: "1.2.3.4.9".into(),
        frame: 0,
        points_mm: vec![[0.0, 0.0, 10.0], [5.0, 0.0, 10.0], [0.0, 4.0, 10.0]],
        width_mm: None,
        note: String::new(),
    });
    s
}

#[test]
fn round_trip_is_equal() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.json");
    let s = sample();
    s.save(&p).unwrap();
    let back = Session::load(&p).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.rois[0].id, 1);
    assert_eq!(back.next_roi_id, 2);
}

#[test]
fn save_keeps_previous_version_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.json");
    let mut s = sample();
    s.save(&p).unwrap();
    s.patient.age_years = Some(71.0);
    s.save(&p).unwrap();
    assert_eq!(Session::load(&p).unwrap().patient.age_years, Some(71.0));
    assert_eq!(
        Session::load(&backup_path(&p)).unwrap().patient.age_years,
        Some(70.0)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn version_0_is_migrated() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/session-v0.json");
    let s = Session::load(&p).unwrap();
    assert_eq!(s.version, SESSION_VERSION);
    assert_eq!(s.series.len(), 1);
    assert_eq!(s.series[0].series_instance_uid, "1.2.3.4");
    assert_eq!(s.series[0].path, Path::new("ct"));
    assert_eq!(s.patient.age_years, Some(64.0));
    assert_eq!(s.patient.goutallier, Some(2));
    assert_eq!(s.rois[0].kind, RoiKind::Caliper);
    assert_eq!(s.rois[0].points_mm[1], [18.0, 20.0, 30.0]);
    assert_eq!(s.screws[0].interference_mm, 0.5);
}

fn refused_untouched(content: &[u8]) -> SessionError {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.json");
    std::fs::write(&p, content).unwrap();
    let e = Session::load(&p).unwrap_err();
    assert_eq!(
        std::fs::read(&p).unwrap(),
        content,
        "file must be left untouched"
    );
    assert!(
        e.to_string().contains("bad.json"),
        "message names the file: {e}"
    );
    e
}

#[test]
fn corrupt_truncated_and_foreign_files_are_refused() {
    let good = sample().to_json();
    let truncated = &good.as_bytes()[..good.len() / 2];
    let e = refused_untouched(truncated);
    assert!(matches!(e, SessionError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("line"), "{e}");

    let e = refused_untouched(br#"{"name": "a shopping list", "items": [1, 2]}"#);
    assert!(matches!(e, SessionError::Foreign { .. }), "{e}");

    let e = refused_untouched(&[0xff, 0xfe, 0x00, 0x01]);
    assert!(matches!(e, SessionError::Foreign { .. }), "{e}");

    let wrong_type = good.replace("\"diameter_mm\": 6.5", "\"diameter_mm\": \"wide\"");
    let e = refused_untouched(wrong_type.as_bytes());
    assert!(matches!(e, SessionError::Corrupt { .. }), "{e}");
    assert!(
        e.to_string().contains("diameter_mm") || e.to_string().contains("invalid type"),
        "{e}"
    );

    let newer = good.replace(
        &format!("\"version\": {SESSION_VERSION}"),
        "\"version\": 99",
    );
    let e = refused_untouched(newer.as_bytes());
    assert!(matches!(e, SessionError::TooNew { found: 99, .. }), "{e}");
}

#[test]
fn series_paths_are_relative_when_beside_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sample();
    s.series[0].path = dir.path().join("study").join("ct");
    s.relativize_paths(dir.path());
    assert_eq!(s.series[0].path, Path::new("study/ct"));
    let session_file = dir.path().join("s.json");
    assert_eq!(
        Session::resolve(&session_file, &s.series[0].path),
        dir.path().join("study/ct")
    );
    // Elsewhere: kept absolute.
    let mut t = sample();
    t.series[0].path = "/somewhere/else".into();
    t.relativize_paths(dir.path());
    assert_eq!(t.series[0].path, Path::new("/somewhere/else"));
}
