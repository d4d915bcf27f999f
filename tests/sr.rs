//! The DICOM SR export and import (`anchorage sr`, `anchorage sr-import`) on the bundled
//! example session: the recreated session measures to the same per-screw table; DCMTK's
//! dsrdump, dicom3tools' dciodvfy and highdicom read the SR (highdicom finds every
//! measurement group with Anchorage's own values); a pseudonymised SR holds no
//! identifying value; bad input gives a clear error, never a panic.
//!
//! A test whose outside tool is not installed prints `SKIPPED: <why>` and returns
//! (tests/fixtures/setup.sh installs them).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anchorage_core::pipeline::measure_on_disk;
use anchorage_core::session::{RoiKind, Session};
use dicom::dictionary_std::tags;
use dicom::object::open_file;
use serde_json::Value;

const KEY: &str = "study-key-2026";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

fn example() -> PathBuf {
    sample().join("example-session.json")
}

#[path = "common/cli.rs"]
mod cli;
use cli::anchorage_os as anchorage;

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// `anchorage sr` of the example session into `dir`; extra arguments appended.
fn export(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        os("sr"),
        example().into_os_string().leak() as &std::ffi::OsStr,
        os("--out"),
        out.clone().into_os_string().leak(),
        os("--observer"),
        os("Rater^Alice"),
    ];
    args.extend(extra.iter().map(|s| os(s)));
    let o = anchorage(&args);
    assert!(o.status.success(), "{}", text(&o));
    out
}

/// The CSV of `anchorage measure SESSION`.
fn measure_csv(session: &Path) -> String {
    let o = anchorage(&[os("measure"), session.as_os_str()]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout).expect("utf-8")
}

fn import(sr: &Path, images: &Path, out: &Path, key: Option<&str>) -> Output {
    let mut args = vec![
        os("sr-import"),
        sr.as_os_str(),
        os("--images"),
        images.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ];
    if let Some(k) = key {
        args.extend([os("--project-key"), os(k)]);
    }
    anchorage(&args)
}

#[test]
fn export_then_import_gives_the_same_per_screw_table() {
    let dir = tempfile::tempdir().unwrap();
    let sr = export(dir.path(), "report.dcm", &[]);
    let session = dir.path().join("recreated.json");
    let o = import(&sr, &sample(), &session, None);
    assert!(o.status.success(), "{}", text(&o));
    let original = measure_csv(&example());
    let recreated = measure_csv(&session);
    assert!(original.lines().count() > 2, "{original}");
    assert_eq!(
        recreated, original,
        "the recreated session measures differently"
    );
    // Every ROI comes back exactly: id, kind, role, level, side, image, points, width.
    let a = Session::load(&example()).unwrap();
    let b = Session::load(&session).unwrap();
    assert_eq!(b.rois, a.rois);
    assert_eq!(b.screws, a.screws);
    assert_eq!(
        (b.patient.clone(), b.choices.clone()),
        (a.patient.clone(), a.choices.clone())
    );
    assert_eq!(b.patient_id, a.patient_id);
    assert_eq!(b.study_instance_uid, a.study_instance_uid);
}

#[test]
fn dsrdump_reads_it_without_warning_or_error() {
    if Command::new("dsrdump").arg("--version").output().is_err() {
        println!("SKIPPED: dsrdump (DCMTK) is not installed; tests/fixtures/setup.sh installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sr = export(dir.path(), "report.dcm", &[]);
    let o = Command::new("dsrdump")
        .arg("+Pl")
        .arg(&sr)
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "dsrdump failed: {out}");
    for bad in ["Warning", "Error", "W: ", "E: "] {
        assert!(!out.contains(bad), "dsrdump says {bad:?}: {out}");
    }
    assert!(out.contains("Imaging Measurement Report"), "{out}");
    assert!(out.contains("Rater^Alice"), "{out}");
    assert!(out.contains("Research aid, not a diagnosis"), "{out}");
}

#[test]
fn dciodvfy_reports_no_error() {
    if Command::new("dciodvfy").output().is_err() {
        println!(
            "SKIPPED: dciodvfy (dicom3tools) is not installed; tests/fixtures/setup.sh installs it"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("plain.dcm", vec![]),
        ("pseudo.dcm", vec!["--pseudonymize", "--project-key", KEY]),
    ] {
        let sr = export(dir.path(), name, &extra);
        let o = Command::new("dciodvfy").arg(&sr).output().unwrap();
        let out = text(&o);
        assert!(
            out.contains("ComprehensiveSR"),
            "dciodvfy did not recognise the IOD: {out}"
        );
        let errors: Vec<&str> = out.lines().filter(|l| l.contains("Error")).collect();
        assert!(errors.is_empty(), "dciodvfy errors in {name}: {errors:#?}");
    }
}

fn highdicom() -> Result<(), String> {
    let o = Command::new("python3")
        .args(["-c", "import highdicom, pydicom"])
        .output()
        .map_err(|e| format!("python3 not runnable: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "highdicom is not installed (tests/fixtures/setup.sh installs it): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
        "{what}: highdicom {a} vs anchorage {b}"
    );
}

/// The value of the measurement named `code` (and derivation) in a highdicom group.
fn value(group: &Value, code: &str, derivation: Option<&str>) -> Option<f64> {
    group["measurements"].as_array()?.iter().find_map(|m| {
        let d = m["derivation"].get(0).and_then(Value::as_str);
        (m["name"][0] == code && d == derivation)
            .then(|| m["value"].as_f64())
            .flatten()
    })
}

#[test]
fn highdicom_finds_every_group_with_the_same_values() {
    if let Err(why) = highdicom() {
        println!("SKIPPED: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sr = export(dir.path(), "report.dcm", &[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sr_check.py");
    let o = Command::new("python3")
        .arg(script)
        .arg(&sr)
        .output()
        .unwrap();
    assert!(o.status.success(), "highdicom refused the SR: {}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["title"][0], "126000");
    assert!(
        doc["observers"].to_string().contains("Rater^Alice"),
        "{}",
        doc["observers"]
    );

    let session = Session::load(&example()).unwrap();
    let (measured, _) = measure_on_disk(&session, &example(), &[]).unwrap();
    let planar = doc["planar"].as_array().unwrap();
    let image = doc["image"].as_array().unwrap();
    let by_roi = |id: u64| {
        let prefix = format!("ROI {id}:");
        planar
            .iter()
            .chain(image.iter())
            .find(|g| {
                g["tracking_identifier"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&prefix))
            })
            .unwrap_or_else(|| panic!("highdicom found no group for ROI {id}"))
    };
    let mut checked = 0;
    for roi in &session.rois {
        let g = by_roi(roi.id);
        let m = &measured.measurements[&roi.id];
        if roi.kind == RoiKind::Caliper {
            close(
                value(g, "410668003", None).unwrap(),
                m.length_mm.unwrap(),
                "caliper length",
            );
            checked += 1;
            continue;
        }
        let st = m.stats.as_ref().unwrap();
        let name = if m.stats.is_some() && roi.role.modality() == Some("MR") {
            "110852"
        } else {
            "112031"
        };
        for (code, want) in [
            ("373098007", st.mean),
            ("386136009", st.sd),
            ("255605001", st.min),
            ("56851009", st.max),
            ("373099004", st.median),
        ] {
            let got = value(g, name, Some(code))
                .unwrap_or_else(|| panic!("ROI {} has no {code}", roi.id));
            close(
                got,
                want.unwrap(),
                &format!("ROI {} statistic {code}", roi.id),
            );
        }
        close(value(g, "42798000", None).unwrap(), st.area_mm2, "area");
        let graphic = g["graphic_type"].as_str().unwrap();
        assert_eq!(
            graphic,
            if roi.kind == RoiKind::Ellipse {
                "ELLIPSE"
            } else {
                "POLYLINE"
            }
        );
        assert_eq!(
            g["referenced_sop_instance_uid"],
            roi.sop_instance_uid.as_str()
        );
        checked += 1;
    }
    assert_eq!(checked, session.rois.len());
    assert_eq!(
        planar.len() + 4,
        session.rois.len(),
        "4 calipers are TID 1501 groups"
    );

    // Derived values, private codes.
    let results = &measured.results;
    for s in &results.screws {
        let ident = format!("Screw {} {}", s.screw.level, s.screw.side);
        let g = image
            .iter()
            .find(|g| g["tracking_identifier"] == ident.as_str())
            .unwrap();
        close(value(g, "STHU", None).unwrap(), s.st_hu.unwrap(), "ST-HU");
        close(
            value(g, "HU-RATIO", None).unwrap(),
            s.hu_ratio.unwrap(),
            "HU ratio",
        );
        close(
            value(g, "PEDICLE-THICK", None).unwrap(),
            s.pedicle_thickness_mm.unwrap(),
            "thickness",
        );
        close(
            value(g, "CLEARANCE", None).unwrap(),
            s.clearance_mm.unwrap(),
            "clearance",
        );
        let stress = s.stress.as_ref().unwrap();
        close(
            value(g, "SIGMA-H", None).unwrap(),
            stress.sigma_h_mpa,
            "sigma H",
        );
        close(
            value(g, "SCREW-DIAMETER", None).unwrap(),
            s.screw.diameter_mm,
            "diameter",
        );
    }
    for l in &results.levels {
        let ident = format!("Level {}", l.level);
        let g = image
            .iter()
            .find(|g| g["tracking_identifier"] == ident.as_str())
            .unwrap();
        if let Some(b) = l.b_hu {
            close(value(g, "BHU", None).unwrap(), b, "B-HU");
        }
    }
    let p = &results.patient;
    let g = image
        .iter()
        .find(|g| g["tracking_identifier"] == "Patient")
        .unwrap();
    close(value(g, "PBQ", None).unwrap(), p.pbq.unwrap(), "PBQ");
    close(
        value(g, "PATIENT-HU-RATIO", None).unwrap(),
        p.hu_ratio.unwrap(),
        "patient HU ratio",
    );
    close(
        value(g, "RISK", None).unwrap(),
        p.risk.as_ref().unwrap().risk,
        "risk",
    );
    let groups = planar.len() + image.len();
    assert_eq!(
        groups,
        session.rois.len() + results.levels.len() + results.screws.len() + 1,
        "one group per ROI, level and screw, and the patient's"
    );
}

/// Every identifying value of the sample's files, as text.
fn identifiers() -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["ct", "mr"] {
        for e in std::fs::read_dir(sample().join(sub)).unwrap() {
            let obj = open_file(e.unwrap().path()).unwrap();
            for tag in [
                tags::PATIENT_NAME,
                tags::PATIENT_ID,
                tags::PATIENT_BIRTH_DATE,
                tags::STUDY_INSTANCE_UID,
                tags::SERIES_INSTANCE_UID,
                tags::SOP_INSTANCE_UID,
                tags::FRAME_OF_REFERENCE_UID,
                tags::STUDY_DATE,
            ] {
                if let Some(v) = obj.get(tag).and_then(|e| e.to_str().ok()) {
                    let v = v.trim_end_matches('\0').trim().to_string();
                    if !v.is_empty() && !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn pseudonymised_sr_holds_no_identifying_value() {
    let ids = identifiers();
    assert!(
        ids.iter().any(|v| v == "PHANTOM^LUMBAR") && ids.len() > 190,
        "{}",
        ids.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(export(dir.path(), "plain.dcm", &[])).unwrap();
    let sr = export(
        dir.path(),
        "pseudo.dcm",
        &["--pseudonymize", "--project-key", KEY],
    );
    let bytes = std::fs::read(&sr).unwrap();
    // The check can fail: without the option the identifiers are there.
    assert!(contains(&plain, "PHANTOM^LUMBAR") && contains(&plain, "ANCH-0001"));
    for v in &ids {
        assert!(!contains(&bytes, v), "the pseudonymised SR holds {v:?}");
    }
    let obj = open_file(&sr).unwrap();
    let name = obj
        .element(tags::PATIENT_NAME)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let id = obj
        .element(tags::PATIENT_ID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let alias = anchorage_core::export::pseudonym(KEY, "ANCH-0001");
    assert_eq!((name.trim(), id.trim()), (alias.as_str(), alias.as_str()));
    // Without the key it cannot be imported against the real images; with it, it can,
    // and measures the same as the original but for the patient ID.
    let session = dir.path().join("from-pseudo.json");
    let o = import(&sr, &sample(), &session, None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not under"), "{}", text(&o));
    let o = import(&sr, &sample(), &session, Some(KEY));
    assert!(o.status.success(), "{}", text(&o));
    let strip = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| l.split_once(',').map_or(l, |x| x.1).to_string())
            .collect()
    };
    assert_eq!(
        strip(&measure_csv(&session)),
        strip(&measure_csv(&example()))
    );
}

fn expect_refused(o: &Output, names: &[&str]) {
    let out = text(o);
    assert_eq!(o.status.code(), Some(1), "exit status: {out}");
    assert!(!out.contains("panicked"), "{out}");
    for n in names {
        assert!(out.contains(n), "the message should name {n:?}: {out}");
    }
}

#[test]
fn bad_input_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A session whose images are missing.
    let lonely = dir.path().join("lonely.json");
    std::fs::copy(example(), &lonely).unwrap();
    let out = dir.path().join("never.dcm");
    let o = anchorage(&[os("sr"), lonely.as_os_str(), os("--out"), out.as_os_str()]);
    expect_refused(
        &o,
        &["2.25.51638104690220247993374526007384664407", "lonely.json"],
    );
    assert!(!out.exists(), "nothing written for a refused session");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    let sr = export(dir.path(), "good.dcm", &[]);
    let session = dir.path().join("s.json");
    // An image, not an SR.
    let ct = std::fs::read_dir(sample().join("ct"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let o = import(&ct, &sample(), &session, None);
    expect_refused(
        &o,
        &[
            "not an SR written by Anchorage",
            "SOPClassUID (0008,0016)",
            ct.to_str().unwrap(),
        ],
    );
    // Not DICOM at all.
    let o = import(&example(), &sample(), &session, None);
    expect_refused(&o, &["example-session.json"]);
    // Truncated anywhere.
    let bytes = std::fs::read(&sr).unwrap();
    for cut in [
        200,
        1000,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() * 9 / 10,
        bytes.len() - 7,
        bytes.len() - 1,
    ] {
        let cut_file = dir.path().join(format!("cut-{cut}.dcm"));
        std::fs::write(&cut_file, &bytes[..cut]).unwrap();
        let o = import(&cut_file, &sample(), &session, None);
        expect_refused(&o, &[cut_file.file_name().unwrap().to_str().unwrap()]);
    }
    assert!(!session.exists(), "no session written from a refused SR");
    // Images that are not the ones referenced.
    let o = import(&sr, &sample().join("mr"), &session, None);
    expect_refused(
        &o,
        &[
            "references image",
            "2.25.51638104690220247993374526007384664407",
        ],
    );
}

#[test]
fn every_session_field_the_example_leaves_empty_survives_the_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::load(&example()).unwrap();
    s.screws[0].emg_threshold_ma = Some(9.5);
    s.screws[0].insertion_torque_nm = Some(1.25);
    s.rois[0].note = "re-drawn after review".into();
    s.models.force_n = Some(250.0);
    s.models.poisson = Some(0.31);
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/stress-default.json");
    s.models.stress_model = Some(model.clone());
    for r in &mut s.series {
        r.path = sample().join(&r.path);
    }
    let session = dir.path().join("full.json");
    s.save(&session).unwrap();
    let sr = dir.path().join("full.dcm");
    let o = anchorage(&[os("sr"), session.as_os_str(), os("--out"), sr.as_os_str()]);
    assert!(o.status.success(), "{}", text(&o));
    let back = dir.path().join("back.json");
    let o = import(&sr, &sample(), &back, None);
    assert!(o.status.success(), "{}", text(&o));
    let b = Session::load(&back).unwrap();
    assert_eq!(b.rois, s.rois);
    assert_eq!(b.screws, s.screws);
    assert_eq!(b.models, s.models);
    assert_eq!(measure_csv(&back), measure_csv(&session));
    if Command::new("dciodvfy").output().is_ok() {
        let out = text(&Command::new("dciodvfy").arg(&sr).output().unwrap());
        let errors: Vec<&str> = out.lines().filter(|l| l.contains("Error")).collect();
        assert!(errors.is_empty(), "dciodvfy: {errors:#?}");
    }
}
