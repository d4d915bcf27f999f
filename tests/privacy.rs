//! Patient privacy end to end, on the bundled sample: a pseudonymised `anchorage measure`
//! export holds none of the identifying values of the input files (patient name, ID,
//! birth date, study, series and instance UIDs), and what the commands print on the
//! terminal — tables, JSON, warnings — never holds the patient's name.

use std::path::{Path, PathBuf};
use std::process::Command;

use dicom::dictionary_std::tags;
use dicom::object::open_file;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

/// Every identifying value of the sample's files, as text.
fn identifiers() -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["ct", "mr"] {
        for e in std::fs::read_dir(sample().join(sub)).expect("sample folder") {
            let obj = open_file(e.expect("entry").path()).expect("a DICOM file");
            for tag in [
                tags::PATIENT_NAME,
                tags::PATIENT_ID,
                tags::PATIENT_BIRTH_DATE,
                tags::STUDY_INSTANCE_UID,
                tags::SERIES_INSTANCE_UID,
                tags::SOP_INSTANCE_UID,
            ] {
                let Ok(e) = obj.element(tag) else {
                    continue;
                };
                if let Ok(v) = e.to_str() {
                    let v = v.trim_end_matches('\0').trim().to_string();
                    if !v.is_empty() && !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
        }
    }
    // The name as a person reads it, too.
    let spaced: Vec<String> = out
        .iter()
        .filter(|v| v.contains('^'))
        .map(|v| v.replace('^', " "))
        .collect();
    out.extend(spaced);
    out
}

fn run(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(args)
        .env_remove("ANCHORAGE_PROJECT_KEY")
        .output()
        .expect("run anchorage");
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.success(), text)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn pseudonymised_export_holds_no_identifying_value_of_the_input() {
    let ids = identifiers();
    assert!(ids.iter().any(|v| v == "PHANTOM^LUMBAR"), "{ids:?}");
    assert!(ids.len() > 190, "every SOPInstanceUID: {}", ids.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let (csv, json) = (dir.path().join("t.csv"), dir.path().join("t.json"));
    let session = sample().join("example-session.json");
    let (ok, msg) = run(&[
        "measure",
        path(&session),
        "--csv",
        path(&csv),
        "--json",
        path(&json),
        "--pseudonymize",
        "--project-key",
        "study-key-2026",
    ]);
    assert!(ok, "{msg}");
    let csv_text = std::fs::read_to_string(&csv).expect("csv");
    let json_text = std::fs::read_to_string(&json).expect("json");
    assert!(csv_text.contains("ANON-"), "{csv_text}");
    for v in &ids {
        for (what, text) in [("CSV", &csv_text), ("JSON", &json_text), ("terminal", &msg)] {
            assert!(!text.contains(v.as_str()), "the {what} output holds {v:?}");
        }
    }
    // Without the option the real ID is there (the check above can fail).
    let (ok, _) = run(&["measure", path(&session), "--csv", path(&csv)]);
    assert!(ok);
    assert!(
        std::fs::read_to_string(&csv)
            .expect("csv")
            .contains("ANCH-0001")
    );
}

#[test]
fn the_terminal_never_shows_the_patient_name() {
    let name = ["PHANTOM^LUMBAR", "PHANTOM LUMBAR"];
    let ct = sample().join("ct");
    let dir = tempfile::tempdir().expect("tempdir");
    // A broken copy too, so warnings and skipped-file reasons are printed.
    let broken = dir.path().join("ct");
    std::fs::create_dir_all(&broken).expect("mkdir");
    for (k, e) in std::fs::read_dir(&ct).expect("ct").enumerate() {
        let e = e.expect("entry");
        let bytes = std::fs::read(e.path()).expect("read");
        let cut = if k % 7 == 0 {
            bytes.len() / 2
        } else {
            bytes.len()
        };
        std::fs::write(broken.join(e.file_name()), &bytes[..cut]).expect("write");
    }
    for args in [
        vec!["info", path(&ct)],
        vec!["info", path(&ct), "--json"],
        vec!["info", path(&broken)],
        vec!["info", path(&broken), "--json"],
        vec![
            "stats",
            path(&broken),
            "--slice",
            "3",
            "--ellipse",
            "90,60,10,8",
        ],
        vec![
            "stats",
            path(&ct),
            "--slice",
            "9999",
            "--ellipse",
            "90,60,10,8",
        ],
    ] {
        let (_, text) = run(&args);
        for n in name {
            assert!(!text.contains(n), "{args:?} printed the name: {text}");
        }
    }
}

#[test]
fn a_pseudonymised_key_image_names_the_patient_only_by_the_pseudonym() {
    use anchorage_core::dicom::series::scan;
    use anchorage_core::dicom::volume::{LoadControl, load};
    use anchorage_core::display::render::WindowPreset;
    use anchorage_core::display::snapshot::{Caption, key_image};
    use anchorage_core::export::pseudonym;

    let report = scan(&sample().join("ct")).expect("scan the sample CT");
    let series = report.series.first().expect("a series").clone();
    let volume = load(&series, &LoadControl::default()).expect("load");
    let ids = identifiers();
    let pseudo = pseudonym("project key 2026", &series.patient_id);
    let named = Caption::of(&series, None, 5);
    let anon = Caption::of(&series, Some(&pseudo), 5);
    let text = |c: &Caption| format!("{}\n{}", c.patient, c.series);
    // Without a key the caption names the patient (so the check below can fail) …
    assert!(
        ids.iter().any(|v| text(&named).contains(v.as_str())),
        "{}",
        text(&named)
    );
    // … with one it gives the pseudonym the CSV gives, and nothing identifying.
    assert!(anon.patient.contains(&pseudo), "{}", anon.patient);
    for v in &ids {
        assert!(!text(&anon).contains(v.as_str()), "{v} in {}", text(&anon));
    }
    let png = |c: &Caption| {
        key_image(&volume, 5, WindowPreset::CT_BONE, &[], c, 1)
            .expect("key image")
            .image
            .to_png()
            .expect("png")
    };
    let (anon_png, named_png) = (png(&anon), png(&named));
    assert_ne!(anon_png, named_png, "the caption is drawn on the picture");
    for v in &ids {
        assert!(
            !anon_png.windows(v.len()).any(|w| w == v.as_bytes()),
            "{v} in the PNG's bytes"
        );
    }
}

/// Runs anchorage with the project key in the environment.
fn run_keyed(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_anchorage"))
        .args(args)
        .env("ANCHORAGE_PROJECT_KEY", "study-key-2026")
        .env_remove("ANCHORAGE_DB")
        .output()
        .expect("run anchorage");
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.success(), text)
}

#[test]
fn pseudonymised_cohort_exports_hold_no_identifying_value() {
    let ids = identifiers();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cohort.sqlite");
    let session = sample().join("example-session.json");
    // The sample's table as `anchorage measure` writes it, with the real ID, added too.
    let table = dir.path().join("table.csv");
    let (ok, msg) = run(&["measure", path(&session), "--csv", path(&table)]);
    assert!(ok, "{msg}");
    let mut terminal = String::new();
    for args in [
        vec![
            "cohort",
            "add",
            "--db",
            path(&db),
            path(&session),
            "--rater",
            "a",
            "--pseudonymize",
        ],
        vec![
            "cohort",
            "add",
            "--db",
            path(&db),
            "--table",
            path(&table),
            "--rater",
            "b",
            "--pseudonymize",
        ],
    ] {
        let (ok, msg) = run_keyed(&args);
        assert!(ok, "{msg}");
        terminal.push_str(&msg);
    }
    let (ok, status) = run_keyed(&["cohort", "status", "--db", path(&db), "--json"]);
    assert!(ok, "{status}");
    assert!(
        status.contains("\"patients\": 1"),
        "one pseudonymous patient: {status}"
    );
    assert!(status.contains("\"identifying_patients\": 0"), "{status}");
    terminal.push_str(&status);
    let pseudonym = status
        .split("\"patient_id\": \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a patient in the status");
    assert!(pseudonym.starts_with("ANON-"), "{pseudonym}");
    let outcomes = dir.path().join("outcomes.csv");
    std::fs::write(
        &outcomes,
        format!("patient_id,level,side,loosening,follow_up_months\n{pseudonym},,,1,12\n"),
    )
    .expect("write");
    let (csv, patients, redcap) = (
        dir.path().join("e.csv"),
        dir.path().join("p.csv"),
        dir.path().join("redcap"),
    );
    for args in [
        vec!["cohort", "outcomes", "--db", path(&db), path(&outcomes)],
        vec!["cohort", "export", "--db", path(&db), "--csv", path(&csv)],
        vec![
            "cohort",
            "export",
            "--db",
            path(&db),
            "--csv",
            path(&patients),
            "--patients",
        ],
        vec![
            "cohort",
            "export",
            "--db",
            path(&db),
            "--redcap",
            path(&redcap),
        ],
        vec!["cohort", "status", "--db", path(&db)],
    ] {
        let (ok, msg) = run_keyed(&args);
        assert!(ok, "{args:?}: {msg}");
        terminal.push_str(&msg);
    }
    let files = [
        csv.clone(),
        patients,
        redcap.join("data-dictionary.csv"),
        redcap.join("import.csv"),
    ];
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            (
                f.display().to_string(),
                std::fs::read_to_string(f).expect("export"),
            )
        })
        .chain([("terminal".to_string(), terminal)])
        .collect();
    assert!(texts[0].1.contains(pseudonym) && texts[3].1.contains(pseudonym));
    assert_eq!(
        texts[0].1.lines().count(),
        9,
        "both raters' rows: {}",
        texts[0].1
    );
    for v in &ids {
        for (what, text) in &texts {
            assert!(!text.contains(v.as_str()), "{what} holds {v:?}");
        }
    }
    // The record ID is not marked an identifier when every patient is pseudonymised.
    assert!(
        texts[2]
            .1
            .contains("record_id,patient,,text,Patient (record ID),,,,,,,")
    );
    // Without --pseudonymize the ID is stored and exported (so the check above can fail).
    let plain = dir.path().join("plain.sqlite");
    let (ok, msg) = run(&[
        "cohort",
        "add",
        "--db",
        path(&plain),
        path(&session),
        "--rater",
        "a",
    ]);
    assert!(ok, "{msg}");
    let (ok, msg) = run(&[
        "cohort",
        "export",
        "--db",
        path(&plain),
        "--csv",
        path(&csv),
    ]);
    assert!(ok, "{msg}");
    assert!(
        std::fs::read_to_string(&csv)
            .expect("csv")
            .contains("ANCH-0001")
    );
}
