//! `anchorage measure` on the bundled example session reproduces the phantom's ground
//! truth within noise, and keeps working when the study folder is moved.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

fn truth() -> Value {
    serde_json::from_str(&std::fs::read_to_string(sample().join("ground-truth.json")).unwrap())
        .unwrap()
}

fn measure(session: &Path, out: &Path) -> (String, Value) {
    let csv = out.join("screws.csv");
    let json = out.join("screws.json");
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .arg("measure")
        .arg(session)
        .arg("--csv")
        .arg(&csv)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "no warnings expected: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        std::fs::read_to_string(csv).unwrap(),
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap(),
    )
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The truth entry of a list matching level (and side).
fn find<'a>(list: &'a Value, level: &str, side: Option<&str>) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["level"] == level && side.is_none_or(|s| x["side"] == s))
        .unwrap_or_else(|| panic!("no truth for {level} {side:?}"))
}

#[test]
fn example_session_reproduces_the_phantom_truth() {
    let t = truth();
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = measure(&sample().join("example-session.json"), dir.path());
    let rows = out["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "screws at L3 and L4, both sides");
    let k = 4.5; // tolerance in standard errors
    for row in rows {
        let (level, side) = (
            row["level"].as_str().unwrap(),
            row["side"].as_str().unwrap(),
        );
        let truth_screw = find(&t["expected"]["screws"], level, Some(side));
        let traj = find(&t["ct_rois"]["trajectories"], level, Some(side));
        let sd_st = f(&traj["expected"]["sd_of_mean"]);
        let st = f(&row["st_hu"]);
        let st_true = f(&truth_screw["st_hu"]);
        // The export rounds to 0.01 HU.
        assert!(
            (st - st_true).abs() <= k * sd_st + 0.005,
            "{level} {side}: ST-HU {st} vs {st_true} ± {sd_st}"
        );
        let b = find(&t["expected"]["b_hu"], level, None);
        let sd_b = f(&b["sd_of_mean"]);
        assert!(
            (f(&row["b_hu"]) - f(&b["b_hu"])).abs() <= k * sd_b + 0.005,
            "{level}: B-HU"
        );
        let rel = k * ((sd_st / st_true).powi(2) + (sd_b / f(&b["b_hu"])).powi(2)).sqrt();
        let hr_true = f(&truth_screw["hu_ratio"]);
        assert!(
            (f(&row["hu_ratio"]) / hr_true - 1.0).abs() <= rel + 1e-4,
            "{level} {side}: HU ratio"
        );
        // Calipers are exact: the endpoints are the truth's.
        assert!(
            (f(&row["pedicle_thickness_mm"]) - f(&truth_screw["pedicle_thickness_mm"])).abs()
                < 1e-3
        );
        assert!((f(&row["clearance_mm"]) - f(&truth_screw["clearance_mm"])).abs() < 1e-3);
        assert!((f(&row["psc_mm"]) - f(&truth_screw["psc_mm"])).abs() < 1e-3);
        assert_eq!(row["b_hu_level"], level);
        assert_eq!(row["flags"], Value::Null, "a complete example has no flags");
        assert!(row["sigma_h_mpa"].is_number() && row["risk"].is_number());
        assert_eq!(row["patient_id"], "ANCH-0001");
    }
    // PBQ: eight pedicle means over the CSF mean.
    let pbq_true = f(&t["expected"]["pbq"]["pbq"]);
    let ped: Vec<f64> = t["mr_rois"]["pedicles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| f(&p["expected"]["sd_of_mean"]))
        .collect();
    let sd_ped = ped.iter().map(|s| s * s).sum::<f64>().sqrt() / ped.len() as f64;
    let csf = find(&t["mr_rois"]["csf"], "L3", None);
    let sd_csf = f(&csf["expected"]["sd_of_mean"]);
    let rel = k
        * ((sd_ped / f(&t["expected"]["pbq"]["pedicle_mean_si"])).powi(2)
            + (sd_csf / f(&t["expected"]["pbq"]["csf_si"])).powi(2))
        .sqrt();
    let pbq = f(&rows[0]["pbq"]);
    assert!(
        (pbq / pbq_true - 1.0).abs() <= rel,
        "PBQ {pbq} vs {pbq_true} (rel tol {rel})"
    );
    let phr = f(&rows[0]["patient_hu_ratio"]);
    let phr_true = f(&t["expected"]["patient_hu_ratio"]["value"]);
    assert!(
        (phr / phr_true - 1.0).abs() < 0.01,
        "patient HU ratio {phr} vs {phr_true}"
    );
    // The JSON carries the models' parameters and provenance.
    assert_eq!(out["models"]["stress"]["modulus_mpa"], 300.0);
    assert!(
        out["models"]["risk"]["info"]["provenance"]
            .as_str()
            .unwrap()
            .len()
            > 20
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn a_moved_study_folder_gives_the_same_table() {
    let dir = tempfile::tempdir().unwrap();
    let (csv_here, _) = measure(&sample().join("example-session.json"), dir.path());
    let moved = dir.path().join("elsewhere").join("study");
    copy_dir(&sample(), &moved);
    let (csv_moved, _) = measure(&moved.join("example-session.json"), dir.path());
    assert_eq!(csv_here, csv_moved);
    // Without its series the session is refused with a message naming the series.
    std::fs::remove_dir_all(moved.join("mr")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(["measure"])
        .arg(moved.join("example-session.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("series") && err.contains("mr"), "{err}");
}

#[test]
fn series_moved_away_from_the_session_are_found_with_search() {
    let dir = tempfile::tempdir().unwrap();
    let (csv_here, _) = measure(&sample().join("example-session.json"), dir.path());
    // The session stays; its CT and MR series end up in one archive folder elsewhere,
    // under other names.
    let study = dir.path().join("study");
    std::fs::create_dir_all(&study).unwrap();
    std::fs::copy(
        sample().join("example-session.json"),
        study.join("example-session.json"),
    )
    .unwrap();
    let archive = dir.path().join("archive");
    copy_dir(&sample().join("ct"), &archive.join("2026").join("series-a"));
    copy_dir(&sample().join("mr"), &archive.join("2026").join("series-b"));
    let session = study.join("example-session.json");
    let run = |extra: &[&Path]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_anchorage"));
        c.arg("measure").arg(&session);
        for d in extra {
            c.arg("--search").arg(d);
        }
        c.output().unwrap()
    };
    // Without --search: exit 1, naming the series.
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    // An empty folder searched first, then the archive: found, the same table, and a
    // note for each series saying where it was found.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(&[&empty, &archive]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), csv_here);
    for folder in ["series-a", "series-b"] {
        assert!(
            err.lines().any(|l| l.contains("note:")
                && l.contains(&format!(
                    "found at {}",
                    archive.join("2026").join(folder).display()
                ))),
            "no note for {folder}: {err}"
        );
    }
    // The session file is not changed by a search.
    assert_eq!(
        std::fs::read(&session).unwrap(),
        std::fs::read(sample().join("example-session.json")).unwrap()
    );
    // Searching only where the series are not: exit 1, naming the folder searched.
    let o = run(&[&empty]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not under") && err.contains(&empty.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_ct_protocol_on_the_mr_series_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    copy_dir(&sample(), &study);
    let p = study.join("example-session.json");
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let mr_uid = s["series"][1]["series_instance_uid"].clone();
    let mr_sop = s["rois"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "csf_si")
        .unwrap()["sop_instance_uid"]
        .clone();
    // Claim a B-HU ROI was drawn on the MR.
    s["rois"][0]["series_uid"] = mr_uid;
    s["rois"][0]["sop_instance_uid"] = mr_sop;
    std::fs::write(&p, serde_json::to_string(&s).unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .arg("measure")
        .arg(&p)
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("measured on CT") && err.contains("on the MR series"),
        "{err}"
    );
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(
        csv.contains("incomplete: B-HU L1") || csv.contains("L3"),
        "{csv}"
    );
}
