//! `anchorage levels` (issue 20): the sample's levels as JSON and as a table, one
//! confirmed level, the refusals (exit 1 with the reason), and a rotated, tilted phantom
//! written as DICOM.

#[path = "common/cli.rs"]
mod cli;

use anchorage_core::dicom::series::scan;
use cli::{anchorage, run, s};
use std::path::Path;

fn sample_ct() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/ct")
}

#[test]
fn levels_of_the_sample_as_json_and_table() {
    let dir = sample_ct();
    let out = run(&["levels", s(&dir), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["labelled_by"], "sacrum");
    let labels: Vec<&str> = v["bodies"]
        .as_array()
        .expect("bodies")
        .iter()
        .map(|b| b["label"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(labels, ["L1", "L2", "L3", "L4", "L5", "S1"]);
    // L3: 6.5..33 mm, slices (z + 107.5) / 0.7 = 162.9..200.7.
    let l3 = &v["bodies"][2];
    assert!(
        (l3["superior_mm"].as_f64().unwrap_or(0.0) - 33.0).abs() <= 1.5,
        "{l3}"
    );
    assert!(
        (l3["inferior_mm"].as_f64().unwrap_or(0.0) - 6.5).abs() <= 1.5,
        "{l3}"
    );
    assert!(
        (l3["superior_slice"].as_f64().unwrap_or(0.0) - 200.7).abs() <= 2.1,
        "{l3}"
    );
    assert!(
        (l3["centre_mm"][2].as_f64().unwrap_or(0.0) - 19.75).abs() <= 1.5,
        "{l3}"
    );
    assert_eq!(v["discs"][2]["name"], "L3/L4");
    // One confirmed level, wrong on purpose: everything shifts by one.
    let out = run(&["levels", s(&dir), "--known", "L4@179", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["labelled_by"], "known L4");
    assert_eq!(v["bodies"][0]["label"], "L2");
    let table = run(&["levels", s(&dir)]);
    assert!(table.contains("disc L3/L4"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("L3 ")), "{table}");
}

#[test]
fn levels_of_the_sample_mr() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom/mr");
    let out = run(&["levels", s(&dir), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["modality"], "MR");
    assert_eq!(v["labelled_by"], "sacrum");
    let labels: Vec<&str> = v["bodies"]
        .as_array()
        .expect("bodies")
        .iter()
        .map(|b| b["label"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(labels, ["L1", "L2", "L3", "L4", "L5", "S1"]);
    // L3: 6.5..33 mm; within one MR slice spacing (3 mm); no slice index (sagittal).
    let l3 = &v["bodies"][2];
    let sup = l3["superior_mm"].as_f64().unwrap_or(0.0);
    let inf = l3["inferior_mm"].as_f64().unwrap_or(0.0);
    assert!(
        (sup - 33.0).abs() <= 3.0 && (inf - 6.5).abs() <= 3.0,
        "{l3}"
    );
    assert!(l3["superior_slice"].is_null(), "{l3}");
    // A sagittal slice crosses no single body: --known is refused with the way round.
    let o = anchorage(&["levels", s(&dir), "--known", "L3@12"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("confirm the level on the CT"), "{err}");
}

#[test]
fn refusals_exit_1_with_the_reason() {
    let dir = sample_ct();
    let o = anchorage(&["levels", s(&dir), "--known", "L3@150"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("lies in no vertebral body") && err.contains("disc L3/L4"),
        "{err}"
    );
    let o = anchorage(&["levels", s(&dir), "--known", "L3"]);
    assert_eq!(o.status.code(), Some(1));
    // Only the slices of L3 and its discs: one body.
    let report = scan(&dir).expect("scan");
    let series = &report.series[0];
    let tmp = tempfile::tempdir().expect("tmp");
    for (k, sl) in series.slices.iter().enumerate().skip(150).take(54) {
        std::fs::copy(&sl.path, tmp.path().join(format!("{k}.dcm"))).expect("copy");
    }
    let o = anchorage(&["levels", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("at least two are needed"), "{err}");
    // Only disc slices: no spine.
    let tmp = tempfile::tempdir().expect("tmp");
    for (k, sl) in series.slices.iter().enumerate().skip(150).take(8) {
        std::fs::copy(&sl.path, tmp.path().join(format!("{k}.dcm"))).expect("copy");
    }
    let o = anchorage(&["levels", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no spine found"), "{err}");
}

#[test]
fn a_rotated_and_tilted_phantom_written_as_dicom() {
    let tmp = tempfile::tempdir().expect("tmp");
    run(&[
        "phantom",
        "--out",
        s(tmp.path()),
        "--axial-rotation",
        "15",
        "--sagittal-tilt",
        "10",
    ]);
    let out = run(&["levels", s(&tmp.path().join("ct")), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let labels: Vec<&str> = v["bodies"]
        .as_array()
        .expect("bodies")
        .iter()
        .map(|b| b["label"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(labels.last(), Some(&"S1"), "{out}");
    assert!(labels.contains(&"L3"), "{out}");
}
