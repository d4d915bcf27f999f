//! The pipeline's checks of a session, tried on hand-damaged copies of the example session
//! through `anchorage measure` (what a research assistant runs) and through the core's
//! pipeline (what the window runs): two ROIs sharing an id refuse the session, naming the
//! id; points off their image's plane are a warning naming the ROI; every ROI left out of a
//! value is named with the reason; a model file that does not load refuses the session in
//! both.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anchorage_core::pipeline::{NoticeKind, Pipeline, measure_on_disk};
use anchorage_core::session::Session;
use serde_json::Value;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

/// The example session with absolute series paths, changed by `f`, written into `dir`.
fn damaged(dir: &Path, f: impl FnOnce(&mut Value)) -> PathBuf {
    let text = std::fs::read_to_string(sample().join("example-session.json")).unwrap();
    let mut s: Value = serde_json::from_str(&text).unwrap();
    for r in s["series"].as_array_mut().unwrap() {
        let p = sample().join(r["path"].as_str().unwrap());
        r["path"] = Value::String(p.to_string_lossy().into_owned());
    }
    f(&mut s);
    let path = dir.join("damaged-session.json");
    std::fs::write(&path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    path
}

fn measure(session: &Path) -> (Output, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .arg("measure")
        .arg(session)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    (o, stderr)
}

/// The CSV column `name` of every row.
fn column(csv: &[u8], name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv);
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|x| x.unwrap()[i].to_string()).collect()
}

#[test]
fn two_rois_sharing_an_id_refuse_the_session_naming_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let text = std::fs::read_to_string(sample().join("example-session.json")).unwrap();
        let s: Value = serde_json::from_str(&text).unwrap();
        s["rois"][0]["id"].as_u64().unwrap()
    };
    let path = damaged(dir.path(), |s| s["rois"][1]["id"] = Value::from(id));
    let (o, stderr) = measure(&path);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(o.stdout.is_empty());
    assert!(
        stderr.contains(&format!("two ROIs share the id {id}")) && stderr.contains("damaged"),
        "{stderr}"
    );
    // The window opens sessions with the same reader: refused as damaged, so the recovery
    // offers the backup.
    assert!(Session::load(&path).is_err());
}

#[test]
fn points_off_their_plane_warn_naming_the_roi() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), |s| {
        for p in s["rois"][0]["points_mm"].as_array_mut().unwrap() {
            p[2] = Value::from(p[2].as_f64().unwrap() + 30.0);
        }
    });
    let (o, stderr) = measure(&path);
    assert!(o.status.success(), "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.contains("off the plane of its image"))
        .unwrap_or_else(|| panic!("no off-plane warning: {stderr}"));
    assert!(
        warning.starts_with("anchorage: warning: ROI 1 (B-HU superior L1)")
            && warning.contains("30.00 mm"),
        "{warning}"
    );
    // Half a slice spacing off is still on the plane.
    let path = damaged(dir.path(), |s| {
        for p in s["rois"][0]["points_mm"].as_array_mut().unwrap() {
            p[2] = Value::from(p[2].as_f64().unwrap() + 0.2);
        }
    });
    let (o, stderr) = measure(&path);
    assert!(o.status.success() && stderr.is_empty(), "{stderr}");
}

#[test]
fn an_roi_with_an_absurd_point_is_named_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), |s| {
        s["rois"][0]["points_mm"][1][0] = Value::from(1e300);
    });
    let (o, stderr) = measure(&path);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.lines().any(|l| l
            == "anchorage: warning: ROI 1 (B-HU superior L1) is left out of the results: \
                no pixel of it could be measured, so it has no value"),
        "{stderr}"
    );
    // The same through the core, as the window calls it.
    let session = Session::load(&path).unwrap();
    let (m, _) = measure_on_disk(&session, &path, &[]).unwrap();
    let out: Vec<_> = m
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::LeftOut)
        .map(|n| n.roi_id)
        .collect();
    assert_eq!(out, vec![1]);
    // L1's B-HU comes from its two other planes, and says so.
    let l1 = m
        .results
        .levels
        .iter()
        .find(|l| l.level.as_str() == "L1")
        .unwrap();
    assert_eq!(l1.b_hu_planes, 2);
    assert!(!l1.b_hu_rois.contains(&1));
}

#[test]
fn a_superseded_roi_is_named_and_the_newer_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), |s| {
        let mut copy = s["rois"][0].clone();
        copy["id"] = Value::from(999);
        s["rois"].as_array_mut().unwrap().push(copy);
        s["next_roi_id"] = Value::from(1000);
    });
    let (o, stderr) = measure(&path);
    assert!(o.status.success(), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "anchorage: warning: ROI 1 (B-HU superior L1) is left out of the results: \
         ROI 999 of the same role, level and side is newer and counts instead"
    );
    // The same ROI twice: the table does not change.
    let (plain, _) = measure(&sample().join("example-session.json"));
    assert_eq!(o.stdout, plain.stdout);
}

#[test]
fn a_model_file_that_does_not_load_refuses_the_session_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("risk.json"), "{ not a model").unwrap();
    let path = damaged(dir.path(), |s| {
        s["models"]["risk_model"] = Value::from("risk.json");
    });
    let (o, stderr) = measure(&path);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("risk.json"), "{stderr}");
    // The window's pipeline refuses it too, with the same message.
    let session = Session::load(&path).unwrap();
    let e = Pipeline::new(&session, Some(&path)).unwrap_err();
    assert_eq!(format!("anchorage: {e}\n"), stderr);
    // A good model file is used, and the table names it.
    let model = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/risk-default.json"),
    )
    .unwrap()
    .replace("\"version\": \"1.0\"", "\"version\": \"1.0-site\"");
    assert!(
        model.contains("1.0-site"),
        "the bundled model's version is 1.0"
    );
    std::fs::write(dir.path().join("risk.json"), model).unwrap();
    let (o, stderr) = measure(&path);
    assert!(o.status.success(), "{stderr}");
    for m in column(&o.stdout, "risk_model") {
        assert!(m.ends_with(" 1.0-site"), "{m}");
    }
}
